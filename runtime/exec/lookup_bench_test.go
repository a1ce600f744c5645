package exec

import (
	"context"
	"fmt"
	"math/rand"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// chatTexts returns n chat-like lowercase messages of 5–20 words; about
// one in 50 contains one of the banned words.
func chatTexts(n int, banned []string, rng *rand.Rand) []string {
	vocab := strings.Fields("hi hello there how are you doing today lol ok thanks see you later what is up " +
		"the a an to of in on for with at by from game stream chat play nice good bad great love it this that " +
		"yes no maybe please check out my link new video tonight tomorrow friends team win lose gg wp")
	out := make([]string, n)
	for i := range out {
		k := 5 + rng.Intn(16)
		w := make([]string, k)
		for j := range w {
			w[j] = vocab[rng.Intn(len(vocab))]
		}
		if rng.Intn(50) == 0 {
			w[rng.Intn(k)] = banned[rng.Intn(len(banned))]
		}
		out[i] = strings.Join(w, " ")
	}
	return out
}

// bannedWords returns n distinct made-up words (5–10 letters).
func bannedWords(n int, rng *rand.Rand) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		b := make([]byte, 5+rng.Intn(6))
		for i := range b {
			b[i] = byte('a' + rng.Intn(26))
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, string(b))
		}
	}
	return out
}

var chatSchema = types.NewSchema(types.Column{Name: "user", Type: types.BigInt}, types.Column{Name: "text", Type: types.String})

// runChatBench runs messages through mid (node 1, reading node 0; node 3
// is the rules changelog when mid has two inputs) on one core and reports
// messages/s.
func runChatBench(b *testing.B, withRules bool) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	rng := rand.New(rand.NewSource(1))
	words := bannedWords(1000, rng)
	texts := chatTexts(512, words, rng)
	msgs := make([]types.Row, len(texts))
	for i, t := range texts {
		msgs[i] = types.Row{types.NewBigInt(int64(i)), types.NewString(t)}
	}
	rules := make([]types.Row, len(words))
	for i, w := range words {
		rules[i] = types.Row{types.NewString(w), types.NewInt(plan.ChangeUpsert), types.Value{}}
	}
	reg := connectors.Default.Clone()
	reg.MustRegister(connectors.Connector{Spec: connectors.Spec{Name: "bench-src", Source: true},
		NewSource: func(c connectors.Config) (runtime.Source, error) {
			if c.Name == "rules" {
				return &benchSource{rows: rules, left: len(rules)}, nil
			}
			return &benchSource{rows: msgs, left: b.N}, nil
		}})
	reg.MustRegister(connectors.Connector{Spec: connectors.Spec{Name: "test-mem", Sink: true},
		NewSink: func(connectors.Config) (runtime.Sink, error) { return &discardSink{}, nil }})
	outSchema := types.NewSchema(append(append([]types.Column{}, chatSchema.Columns...), types.Column{Name: "banned", Type: types.Boolean})...)
	src := &plan.Node{ID: 0, Kind: plan.KindSource, Name: "messages", Schema: chatSchema,
		Config: &plan.SourceConfig{Connector: "bench-src", Conn: connectors.Config{Name: "messages"}, TimeAttr: -1}}
	var mid *plan.Node
	nodes := []*plan.Node{src}
	if withRules {
		spec := plan.TableSpec{Name: "banned_words", Schema: types.NewSchema(types.Column{Name: "word", Type: types.String}),
			Key: []int{0}, TimeCol: -1, VersionCol: -1}
		clSchema := types.NewSchema(types.Column{Name: "word", Type: types.String}, types.Column{Name: "op", Type: types.Int},
			types.Column{Name: "t", Type: types.TimestampLTZ})
		nodes = append(nodes, &plan.Node{ID: 3, Kind: plan.KindSource, Name: "rules", Schema: clSchema,
			Config: &plan.SourceConfig{Connector: "bench-src", Conn: connectors.Config{Name: "rules"}, TimeAttr: -1, Changelog: true}})
		mid = &plan.Node{ID: 1, Kind: plan.KindLookup, Name: "check", Inputs: []int{0, 3}, Schema: outSchema,
			Config: &plan.LookupConfig{Table: spec, Mode: plan.LookupExists, Correlated: true,
				Contains: []plan.ContainsPred{{Outer: tcol(1, types.String), Inner: tcol(0, types.String)}}}}
	} else {
		mid = &plan.Node{ID: 1, Kind: plan.KindCalc, Name: "nocheck", Inputs: []int{0}, Schema: outSchema,
			Config: &plan.CalcConfig{Project: []expr.Expr{col(0), tcol(1, types.String),
				fnExpr{types.Boolean, "FALSE", func(types.Row) (types.Value, error) { return types.NewBool(false), nil }}}}}
	}
	nodes = append(nodes, mid, &plan.Node{ID: 2, Kind: plan.KindSink, Name: "out", Inputs: []int{1}, Schema: outSchema,
		Config: &plan.SinkConfig{Connector: "test-mem", Conn: connectors.Config{Name: "out"}}})
	opts := Options{Name: "bench", Logf: func(string, ...any) {}, CheckpointInterval: -1, Connectors: reg}
	b.ReportAllocs()
	b.ResetTimer()
	j, err := Start(context.Background(), graph(nodes...), opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := j.Wait(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkBannedWordsExists: EXISTS (SELECT 1 FROM banned_words b WHERE
// INSTR(m.text, b.word) > 0) over 1,000 words, source → Lookup → sink.
func BenchmarkBannedWordsExists(b *testing.B) { runChatBench(b, true) }

// BenchmarkBannedWordsNoCheck: the same messages through a Calc that
// appends FALSE: the engine's cost without the check.
func BenchmarkBannedWordsNoCheck(b *testing.B) { runChatBench(b, false) }

// BenchmarkTemporalJoin1MKeys: an event-time temporal join on a table of
// 1,000,000 keys, the operator alone (no channels): rows are buffered,
// released by a watermark per batch of 512 and joined by primary key.
// Reports ns per looked-up row, and the table's heap bytes per key and per
// extra version.
func BenchmarkTemporalJoin1MKeys(b *testing.B) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	const keys = 1_000_000
	spec := plan.TableSpec{Name: "accounts", Schema: types.NewSchema(types.Column{Name: "id", Type: types.BigInt},
		types.Column{Name: "tier", Type: types.String}, types.Column{Name: "limit", Type: types.BigInt},
		types.Column{Name: "updated", Type: types.TimestampLTZ}), Key: []int{0}, TimeCol: 3, VersionCol: -1, WarnRows: 2 * keys}
	left := types.NewSchema(types.Column{Name: "id", Type: types.BigInt}, types.Column{Name: "ts", Type: types.TimestampLTZ})
	schema := types.NewSchema(append(append([]types.Column{}, left.Columns...), spec.Schema.Columns...)...)
	cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupJoin, EventTime: tcol(1, types.TimestampLTZ),
		LeftKeys: []expr.Expr{tcol(0, types.BigInt)}, TableKeys: []int{0}, Correlated: true}
	op, err := newLookup(&plan.Node{ID: 1, Kind: plan.KindLookup, Name: "lk", Inputs: []int{0, 1}, Schema: schema, Config: cfg}, &BuildContext{})
	if err != nil {
		b.Fatal(err)
	}
	o := op.(*lookupOp)
	ctx := context.Background()
	o.Open(ctx, &runtime.OpContext{JobName: "bench", Operator: "1:Lookup:lk", Logf: func(string, ...any) {},
		DeadLetter: func(context.Context, runtime.DeadLetterRecord) {}})
	tiers := []string{"free", "basic", "pro", "enterprise"}
	load := func(version int64) {
		batch := make([]types.Row, 0, 512)
		for k := 0; k < keys; k++ {
			batch = append(batch, types.Row{types.NewBigInt(int64(k)), types.NewString(tiers[k%4]), types.NewBigInt(int64(k) * 10),
				types.NewTimestampLTZ(version * 1000), types.NewInt(plan.ChangeUpsert), types.Value{}})
			if len(batch) == cap(batch) || k == keys-1 {
				o.Process(ctx, 1, &runtime.Batch{Rows: batch}, discardEmitter{})
				batch = make([]types.Row, 0, 512)
			}
		}
	}
	heap := func() uint64 {
		goruntime.GC()
		goruntime.GC()
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	h0 := heap()
	load(1)
	h1 := heap()
	load(2) // a second version per key, not pruned yet
	h2 := heap()
	o.InputWatermark(ctx, 1, runtime.MaxWatermark, discardEmitter{})
	o.Watermark(ctx, 2000, discardEmitter{}) // prune to one version per key
	rng := rand.New(rand.NewSource(1))
	rows := make([]types.Row, 512)
	ts := int64(3000)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += len(rows) {
		n := min(len(rows), b.N-done)
		for i := 0; i < n; i++ {
			ts++
			rows[i] = types.Row{types.NewBigInt(int64(rng.Intn(keys))), types.NewTimestampLTZ(ts)}
		}
		if err := o.Process(ctx, 0, &runtime.Batch{Rows: rows[:n]}, discardEmitter{}); err != nil {
			b.Fatal(err)
		}
		if err := o.Watermark(ctx, ts, discardEmitter{}); err != nil {
			b.Fatal(err)
		}
		rows = make([]types.Row, 512) // buffered rows are kept by reference
	}
	b.StopTimer()
	b.ReportMetric(float64(h1-h0)/keys, "B/key")
	b.ReportMetric(float64(h2-h1)/keys, "B/version")
	if o.tbl.Len() != keys {
		b.Fatal(fmt.Sprint("keys ", o.tbl.Len()))
	}
}

type discardEmitter struct{}

func (discardEmitter) Emit(context.Context, *runtime.Batch) error { return nil }
