package exec

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// ---- a harness that drives the operator directly ----

type lkCollector struct{ rows []types.Row }

func (c *lkCollector) Emit(_ context.Context, b *runtime.Batch) error {
	c.rows = append(c.rows, b.Rows...)
	return nil
}

type lkHarness struct {
	t    *testing.T
	op   *lookupOp
	out  *lkCollector
	dead []runtime.DeadLetterRecord
	logs []string
	ctx  context.Context
}

var lkSeq atomic.Int64

func newLK(t *testing.T, cfg *plan.LookupConfig, schema types.Schema) *lkHarness {
	t.Helper()
	n := &plan.Node{ID: 5, Kind: plan.KindLookup, Name: "lk", Inputs: []int{0, 1}, Schema: schema, Config: cfg}
	op, err := newLookup(n, &BuildContext{})
	if err != nil {
		t.Fatal(err)
	}
	h := &lkHarness{t: t, op: op.(*lookupOp), out: &lkCollector{}, ctx: context.Background()}
	oc := &runtime.OpContext{JobName: t.Name(), Operator: fmt.Sprintf("5:Lookup:lk%d", lkSeq.Add(1)),
		DeadLetter: func(_ context.Context, r runtime.DeadLetterRecord) { h.dead = append(h.dead, r) },
		Logf:       func(f string, a ...any) { h.logs = append(h.logs, fmt.Sprintf(f, a...)) }}
	if err := h.op.Open(h.ctx, oc); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *lkHarness) left(rows ...types.Row) {
	h.t.Helper()
	if err := h.op.Process(h.ctx, 0, &runtime.Batch{Rows: rows}, h.out); err != nil {
		h.t.Fatal(err)
	}
}

func (h *lkHarness) table(rows ...types.Row) {
	h.t.Helper()
	if err := h.op.Process(h.ctx, 1, &runtime.Batch{Rows: rows}, h.out); err != nil {
		h.t.Fatal(err)
	}
}

func (h *lkHarness) loaded() {
	h.t.Helper()
	if err := h.op.InputWatermark(h.ctx, 1, runtime.MaxWatermark, h.out); err != nil {
		h.t.Fatal(err)
	}
}

// watermark advances the operator's watermark to wm milliseconds.
func (h *lkHarness) watermark(wm int64) {
	h.t.Helper()
	if wm != runtime.MaxWatermark {
		wm *= 1000
	}
	if err := h.op.Watermark(h.ctx, wm, h.out); err != nil {
		h.t.Fatal(err)
	}
}

// take returns the rows emitted since the last call, rendered.
func (h *lkHarness) take() []string {
	var out []string
	for _, r := range h.out.rows {
		parts := make([]string, len(r))
		for i, v := range r {
			parts[i] = v.String()
		}
		out = append(out, strings.Join(parts, ","))
	}
	h.out.rows = nil
	return out
}

func wantRows(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("rows:\n got  %q\n want %q", got, want)
	}
}

func metricValue(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}

// changelog rows
func up(vals ...types.Value) types.Row {
	return append(append(types.Row{}, vals...), types.NewInt(plan.ChangeUpsert), types.Value{})
}
func upAt(ms int64, vals ...types.Value) types.Row {
	return append(append(types.Row{}, vals...), types.NewInt(plan.ChangeUpsert), types.NewTimestampLTZ(ms*1000))
}
func del(vals ...types.Value) types.Row {
	return append(append(types.Row{}, vals...), types.NewInt(plan.ChangeDelete), types.Value{})
}

var (
	s   = types.NewString
	i64 = types.NewBigInt
	ms  = func(m int64) types.Value { return types.NewTimestampLTZ(m * 1000) }
	nul = types.Value{}
)

func tcol(i int, t types.Type) expr.Expr {
	return fnExpr{t, fmt.Sprintf("$%d", i), func(r types.Row) (types.Value, error) { return r[i], nil }}
}

func cols(spec ...any) types.Schema {
	var cs []types.Column
	for i := 0; i < len(spec); i += 2 {
		cs = append(cs, types.Column{Name: spec[i].(string), Type: spec[i+1].(types.Type)})
	}
	return types.NewSchema(cs...)
}

// ---- temporal joins ----

// ratesSpec is Flink's currency_rates: (currency, rate, update_time),
// versions valid from update_time.
func ratesSpec() plan.TableSpec {
	return plan.TableSpec{Name: "currency_rates", Schema: cols("currency", types.String, "rate", types.BigInt, "update_time", types.TimestampLTZ),
		Key: []int{0}, TimeCol: 2, VersionCol: -1}
}

// orders: (order_id, currency, order_time)
var ordersJoinSchema = cols("order_id", types.BigInt, "currency", types.String, "order_time", types.TimestampLTZ,
	"r_currency", types.String, "rate", types.BigInt, "update_time", types.TimestampLTZ)

func order(id int64, cur string, t int64) types.Row { return types.Row{i64(id), s(cur), ms(t)} }

func TestLookupEventTimeJoinPicksVersionAtRowTime(t *testing.T) {
	cfg := &plan.LookupConfig{Table: ratesSpec(), Mode: plan.LookupJoin, EventTime: tcol(2, types.TimestampLTZ),
		LeftKeys: []expr.Expr{tcol(1, types.String)}, TableKeys: []int{0}, Correlated: true}
	h := newLK(t, cfg, ordersJoinSchema)
	h.table(up(s("EUR"), i64(114), ms(1000)), up(s("EUR"), i64(116), ms(5000)), up(s("USD"), i64(100), ms(0)))
	h.loaded()
	// rows straddling the update at 5000, out of order, one before any version
	h.left(order(1, "EUR", 2000), order(2, "EUR", 5000), order(3, "EUR", 4999), order(4, "EUR", 500), order(5, "JPY", 3000))
	if got := h.take(); len(got) != 0 {
		t.Fatalf("emitted before the watermark: %v", got)
	}
	if g := metricValue(h.op.m.Held); g != 5 {
		t.Fatalf("held gauge = %v", g)
	}
	h.watermark(5000)
	wantRows(t, h.take(),
		"1,EUR,1970-01-01 00:00:02.000Z,EUR,114,1970-01-01 00:00:01.000Z",
		"3,EUR,1970-01-01 00:00:04.999Z,EUR,114,1970-01-01 00:00:01.000Z",
		"2,EUR,1970-01-01 00:00:05.000Z,EUR,116,1970-01-01 00:00:05.000Z")
	// A late version (valid from 3000, the watermark is at 5000) and a
	// newer one: applied for later rows only, the late one counted.
	h.table(up(s("EUR"), i64(115), ms(3000)), up(s("EUR"), i64(119), ms(9000)))
	if n := metricValue(h.op.m.Late); n != 1 {
		t.Fatalf("late versions = %v, want 1", n)
	}
	h.left(order(6, "EUR", 8000), order(7, "EUR", 9500), order(8, "USD", 6000))
	h.watermark(10_000)
	wantRows(t, h.take(),
		"8,USD,1970-01-01 00:00:06.000Z,USD,100,1970-01-01 00:00:00.000Z",
		"6,EUR,1970-01-01 00:00:08.000Z,EUR,116,1970-01-01 00:00:05.000Z",
		"7,EUR,1970-01-01 00:00:09.500Z,EUR,119,1970-01-01 00:00:09.000Z")
	// pruned to the watermark: one version per key
	if v := h.op.tbl.Versions(); v != 2 {
		t.Fatalf("versions after prune = %d, want 2", v)
	}
	// LEFT JOIN variant: the row before any version gets NULLs
	cfg2 := *cfg
	cfg2.Outer = true
	h2 := newLK(t, &cfg2, ordersJoinSchema)
	h2.table(up(s("EUR"), i64(114), ms(1000)))
	h2.loaded()
	h2.left(order(4, "EUR", 500), order(1, "EUR", 2000))
	h2.watermark(runtime.MaxWatermark)
	wantRows(t, h2.take(),
		"4,EUR,1970-01-01 00:00:00.500Z,NULL,NULL,NULL",
		"1,EUR,1970-01-01 00:00:02.000Z,EUR,114,1970-01-01 00:00:01.000Z")
}

func TestLookupEventTimeFromRecordTime(t *testing.T) {
	spec := ratesSpec()
	spec.TimeCol = -1 // from the changelog's record time
	cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupJoin, EventTime: tcol(2, types.TimestampLTZ),
		LeftKeys: []expr.Expr{tcol(1, types.String)}, TableKeys: []int{0}, Correlated: true}
	h := newLK(t, cfg, ordersJoinSchema)
	h.table(upAt(1000, s("EUR"), i64(1), nul), upAt(3000, s("EUR"), i64(3), nul))
	h.loaded()
	h.left(order(1, "EUR", 2000), order(2, "EUR", 3000))
	h.watermark(3000)
	wantRows(t, h.take(), "1,EUR,1970-01-01 00:00:02.000Z,EUR,1,NULL", "2,EUR,1970-01-01 00:00:03.000Z,EUR,3,NULL")
}

func TestLookupProctimeInnerVsLeft(t *testing.T) {
	spec := plan.TableSpec{Name: "users", Schema: cols("uid", types.BigInt, "name", types.String), Key: []int{0}, TimeCol: -1, VersionCol: -1}
	schema := cols("uid", types.BigInt, "msg", types.String, "u_uid", types.BigInt, "name", types.String)
	for _, outer := range []bool{false, true} {
		cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupJoin, Outer: outer,
			LeftKeys: []expr.Expr{tcol(0, types.BigInt)}, TableKeys: []int{0}, Correlated: true}
		h := newLK(t, cfg, schema)
		h.table(up(i64(1), s("ann")), up(i64(2), s("bob")))
		h.loaded()
		h.left(types.Row{i64(1), s("hi")}, types.Row{i64(3), s("who")}, types.Row{nul, s("null key")})
		h.table(up(i64(1), s("anne")), up(i64(3), s("cy")))
		h.left(types.Row{i64(1), s("again")}, types.Row{i64(3), s("now")})
		want := []string{"1,hi,1,ann", "1,again,1,anne", "3,now,3,cy"}
		if outer {
			want = []string{"1,hi,1,ann", "3,who,NULL,NULL", "NULL,null key,NULL,NULL", "1,again,1,anne", "3,now,3,cy"}
		}
		wantRows(t, h.take(), want...)
	}
}

func TestLookupHoldsRowsUntilLoaded(t *testing.T) {
	spec := plan.TableSpec{Name: "users", Schema: cols("uid", types.BigInt, "name", types.String), Key: []int{0}, TimeCol: -1, VersionCol: -1}
	cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupJoin, Outer: true,
		LeftKeys: []expr.Expr{tcol(0, types.BigInt)}, TableKeys: []int{0}, Correlated: true}
	h := newLK(t, cfg, cols("uid", types.BigInt, "u", types.BigInt, "name", types.String))
	h.left(types.Row{i64(1)}, types.Row{i64(2)})
	h.table(up(i64(1), s("ann")))
	h.watermark(1000) // the main input's watermark alone does not release
	if got := h.take(); len(got) != 0 {
		t.Fatalf("rows before the table was loaded: %v", got)
	}
	if g := metricValue(h.op.m.Held); g != 2 {
		t.Fatalf("held = %v", g)
	}
	h.table(up(i64(2), s("bob")))
	h.loaded()
	wantRows(t, h.take(), "1,1,ann", "2,2,bob")
	if g := metricValue(h.op.m.Held); g != 0 {
		t.Fatalf("held = %v", g)
	}
}

// ---- subqueries ----

func bannedSpec() plan.TableSpec {
	return plan.TableSpec{Name: "banned_words", Schema: cols("word", types.String), Key: []int{0}, TimeCol: -1, VersionCol: -1}
}

func TestLookupExistsContainsBannedWords(t *testing.T) {
	lower := fnExpr{types.String, "LOWER($1)", func(r types.Row) (types.Value, error) {
		if r[1].IsNull() {
			return nul, nil
		}
		return s(strings.ToLower(r[1].Str())), nil
	}}
	cfg := &plan.LookupConfig{Table: bannedSpec(), Mode: plan.LookupExists,
		Contains: []plan.ContainsPred{{Outer: lower, Inner: tcol(0, types.String)}}, Correlated: true}
	h := newLK(t, cfg, cols("user", types.String, "text", types.String, "banned", types.Boolean))
	h.table(up(s("spam")), up(s("free money")), up(s("scam")))
	h.loaded()
	h.left(types.Row{s("a"), s("Hello there")}, types.Row{s("b"), s("get FREE MONEY now")}, types.Row{s("c"), s("this is Spam")}, types.Row{s("d"), nul})
	wantRows(t, h.take(), "a,Hello there,FALSE", "b,get FREE MONEY now,TRUE", "c,this is Spam,TRUE", "d,NULL,FALSE")
	// rules change without a restart
	h.table(del(s("spam")), up(s("hello")))
	h.left(types.Row{s("a"), s("Hello there")}, types.Row{s("c"), s("this is Spam")})
	wantRows(t, h.take(), "a,Hello there,TRUE", "c,this is Spam,FALSE")
	// an empty word matches every non-NULL text
	h.table(up(s("")))
	h.left(types.Row{s("e"), s("anything")}, types.Row{s("f"), nul})
	wantRows(t, h.take(), "e,anything,TRUE", "f,NULL,FALSE")
}

func TestLookupContainsWithCondAndSecondContains(t *testing.T) {
	// rules(word, severity): EXISTS (... INSTR(text, word) > 0 AND severity >= level AND INSTR(text, word) ...)
	spec := plan.TableSpec{Name: "rules", Schema: cols("word", types.String, "severity", types.BigInt), Key: []int{0}, TimeCol: -1, VersionCol: -1}
	cond := fn(func(r types.Row) (types.Value, error) { return types.NewBool(r[3].Int() >= r[1].Int()), nil })
	cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupAggregate, Agg: "GROUP_CONCAT", Separator: ";", Value: tcol(2, types.String),
		Contains: []plan.ContainsPred{{Outer: tcol(0, types.String), Inner: tcol(0, types.String)}, {Outer: tcol(0, types.String), Inner: tcol(0, types.String)}},
		Cond:     cond, Correlated: true}
	h := newLK(t, cfg, cols("text", types.String, "level", types.BigInt, "words", types.String))
	h.table(up(s("ab"), i64(1)), up(s("bc"), i64(5)), up(s("zz"), i64(9)))
	h.loaded()
	h.left(types.Row{s("abc"), i64(1)}, types.Row{s("abc"), i64(3)}, types.Row{s("xyz"), i64(0)})
	wantRows(t, h.take(), "abc,1,ab;bc", "abc,3,bc", "xyz,0,NULL")
}

func TestLookupScalarZeroOneTwoRows(t *testing.T) {
	// TRANSLATE(text, lang, (SELECT model FROM translation_models WHERE language = lang)),
	// here through a secondary index (language is not the key).
	spec := plan.TableSpec{Name: "translation_models", Schema: cols("id", types.BigInt, "language", types.String, "model", types.String),
		Key: []int{0}, TimeCol: -1, VersionCol: -1}
	cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupScalar, LeftKeys: []expr.Expr{tcol(0, types.String)}, TableKeys: []int{1},
		Value: tcol(3, types.String), Correlated: true}
	h := newLK(t, cfg, cols("lang", types.String, "model", types.String))
	h.table(up(i64(1), s("de"), s("m-de")), up(i64(2), s("fr"), s("m-fr-a")), up(i64(3), s("fr"), s("m-fr-b")))
	h.loaded()
	h.left(types.Row{s("de")}, types.Row{s("it")}, types.Row{s("fr")})
	wantRows(t, h.take(), "de,m-de", "it,NULL")
	if len(h.dead) != 1 || !strings.Contains(h.dead[0].Err.Error(), "more than one row (2)") || !strings.Contains(string(h.dead[0].Value), "fr") {
		t.Fatalf("dead letters = %+v", h.dead)
	}
	h.table(del(i64(3), nul, nul))
	h.left(types.Row{s("fr")})
	wantRows(t, h.take(), "fr,m-fr-a")
}

func TestLookupAggregates(t *testing.T) {
	spec := plan.TableSpec{Name: "limits", Schema: cols("id", types.BigInt, "grp", types.String, "v", types.BigInt, "name", types.String),
		Key: []int{0}, TimeCol: -1, VersionCol: -1}
	rows := []types.Row{up(i64(1), s("a"), i64(10), s("x")), up(i64(2), s("a"), i64(5), s("y")), up(i64(3), s("a"), nul, s("z")),
		up(i64(4), s("b"), i64(7), nul)}
	for _, c := range []struct {
		agg   string
		value expr.Expr
		t     types.Type
		want  []string
	}{
		{"COUNT", nil, types.BigInt, []string{"a,3", "b,1", "c,0"}},
		{"COUNT", tcol(3, types.BigInt), types.BigInt, []string{"a,2", "b,1", "c,0"}},
		{"SUM", tcol(3, types.BigInt), types.BigInt, []string{"a,15", "b,7", "c,NULL"}},
		{"SUM", tcol(3, types.BigInt), types.Decimal(10, 2), []string{"a,15.00", "b,7.00", "c,NULL"}},
		{"MIN", tcol(3, types.BigInt), types.BigInt, []string{"a,5", "b,7", "c,NULL"}},
		{"MAX", tcol(3, types.BigInt), types.BigInt, []string{"a,10", "b,7", "c,NULL"}},
		{"GROUP_CONCAT", tcol(4, types.String), types.String, []string{"a,x,y,z", "b,NULL", "c,NULL"}},
	} {
		cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupAggregate, Agg: c.agg, Value: c.value,
			LeftKeys: []expr.Expr{tcol(0, types.String)}, TableKeys: []int{1}, Correlated: true}
		h := newLK(t, cfg, cols("grp", types.String, "agg", c.t))
		h.table(rows...)
		h.loaded()
		h.left(types.Row{s("a")}, types.Row{s("b")}, types.Row{s("c")})
		got := h.take()
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s(%v) as %s: got %q, want %q", c.agg, c.value, c.t, got, c.want)
		}
	}
}

func TestLookupUncorrelatedCachedPerVersion(t *testing.T) {
	// (SELECT COUNT(*) FROM banned_words WHERE word <> '') appended to every row
	var evals atomic.Int64
	cond := fn(func(r types.Row) (types.Value, error) {
		evals.Add(1)
		return types.NewBool(r[1].Str() != ""), nil
	})
	cfg := &plan.LookupConfig{Table: bannedSpec(), Mode: plan.LookupAggregate, Agg: "COUNT", Cond: cond, Correlated: false}
	h := newLK(t, cfg, cols("x", types.BigInt, "n", types.BigInt))
	h.table(up(s("a")), up(s("b")), up(s("")))
	h.loaded()
	for i := 0; i < 100; i++ {
		h.left(types.Row{i64(int64(i))})
	}
	if n := evals.Load(); n != 3 {
		t.Fatalf("condition evaluated %d times for 100 rows, want 3 (once per table version)", n)
	}
	h.table(up(s("c")))
	h.left(types.Row{i64(100)}, types.Row{i64(101)})
	got := h.take()
	if got[0] != "0,2" || got[99] != "99,2" || got[100] != "100,3" || got[101] != "101,3" || evals.Load() != 7 {
		t.Fatalf("got %v ... evals %d", got[len(got)-2:], evals.Load())
	}
}

func TestLookupDeletesAndStaleVersions(t *testing.T) {
	spec := plan.TableSpec{Name: "users", Schema: cols("uid", types.BigInt, "name", types.String, "ver", types.BigInt),
		Key: []int{0}, TimeCol: -1, VersionCol: 2}
	cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupJoin, Outer: true,
		LeftKeys: []expr.Expr{tcol(0, types.BigInt)}, TableKeys: []int{0}, Correlated: true}
	h := newLK(t, cfg, cols("uid", types.BigInt, "u", types.BigInt, "name", types.String, "ver", types.BigInt))
	h.table(up(i64(1), s("ann"), i64(2)), up(i64(1), s("old"), i64(1)), up(i64(2), s("bob"), i64(1)), del(i64(2), nul, nul))
	h.loaded()
	h.left(types.Row{i64(1)}, types.Row{i64(2)})
	wantRows(t, h.take(), "1,1,ann,2", "2,NULL,NULL,NULL")
	if st, d, u := metricValue(h.op.m.Stale), metricValue(h.op.m.Deletes), metricValue(h.op.m.Updates); st != 1 || d != 1 || u != 3 {
		t.Fatalf("stale %v deletes %v updates %v", st, d, u)
	}
	if g := metricValue(h.op.m.Rows); g != 1 {
		t.Fatalf("rows gauge %v", g)
	}
}

func TestLookupSnapshotRestoreMidStream(t *testing.T) {
	cfg := &plan.LookupConfig{Table: ratesSpec(), Mode: plan.LookupJoin, EventTime: tcol(2, types.TimestampLTZ),
		LeftKeys: []expr.Expr{tcol(1, types.String)}, TableKeys: []int{0}, Correlated: true}
	h := newLK(t, cfg, ordersJoinSchema)
	h.table(up(s("EUR"), i64(114), ms(1000)), up(s("EUR"), i64(116), ms(5000)))
	h.loaded()
	h.left(order(1, "EUR", 2000), order(2, "EUR", 6000))
	h.watermark(3000)
	wantRows(t, h.take(), "1,EUR,1970-01-01 00:00:02.000Z,EUR,114,1970-01-01 00:00:01.000Z")
	st, err := h.op.Snapshot(h.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// a restored copy and the original go on alike
	h2 := newLK(t, cfg, ordersJoinSchema)
	if err := h2.op.Restore(h2.ctx, st); err != nil {
		t.Fatal(err)
	}
	// until its table has caught up, a restored operator joins nothing
	h2.left(order(5, "EUR", 2500))
	h2.watermark(3000)
	if rows := h2.take(); len(rows) != 0 {
		t.Fatalf("a restored operator joined %v before its table caught up", rows)
	}
	for _, x := range []*lkHarness{h, h2} {
		x.table(up(s("EUR"), i64(120), ms(7000)))
		// a restored operator waits for its table to catch up again (what
		// the topic received while the job was down); a no-op for h
		x.loaded()
		x.left(order(3, "EUR", 7500), order(4, "EUR", 4000))
		x.watermark(8000)
	}
	a, b := h.take(), h2.take()
	wantRows(t, a,
		"4,EUR,1970-01-01 00:00:04.000Z,EUR,114,1970-01-01 00:00:01.000Z",
		"2,EUR,1970-01-01 00:00:06.000Z,EUR,116,1970-01-01 00:00:05.000Z",
		"3,EUR,1970-01-01 00:00:07.500Z,EUR,120,1970-01-01 00:00:07.000Z")
	wantRows(t, b, append([]string{"5,EUR,1970-01-01 00:00:02.500Z,EUR,114,1970-01-01 00:00:01.000Z"}, a...)...)
	// held rows (not loaded yet) survive too
	h3 := newLK(t, &plan.LookupConfig{Table: bannedSpec(), Mode: plan.LookupExists, Correlated: true,
		LeftKeys: []expr.Expr{tcol(0, types.String)}, TableKeys: []int{0}}, cols("w", types.String, "b", types.Boolean))
	h3.table(up(s("x")))
	h3.left(types.Row{s("x")}, types.Row{s("y")})
	st3, _ := h3.op.Snapshot(h3.ctx, 2)
	h4 := newLK(t, h3.op.cfg, cols("w", types.String, "b", types.Boolean))
	if err := h4.op.Restore(h4.ctx, st3); err != nil {
		t.Fatal(err)
	}
	h4.loaded()
	wantRows(t, h4.take(), "x,TRUE", "y,FALSE")
	if err := h4.op.Restore(h4.ctx, st3[:len(st3)-2]); err == nil {
		t.Fatal("truncated state accepted")
	}
	if err := h4.op.Restore(h4.ctx, append([]byte{99}, st3[1:]...)); err == nil {
		t.Fatal("unknown version accepted")
	}
}

func TestLookupPruneKeepsMemoryBounded(t *testing.T) {
	cfg := &plan.LookupConfig{Table: ratesSpec(), Mode: plan.LookupJoin, EventTime: tcol(2, types.TimestampLTZ),
		LeftKeys: []expr.Expr{tcol(1, types.String)}, TableKeys: []int{0}, Correlated: true}
	h := newLK(t, cfg, ordersJoinSchema)
	h.loaded()
	curs := []string{"EUR", "USD", "JPY", "GBP"}
	maxVersions := 0
	for step := int64(1); step <= 2000; step++ {
		h.table(up(s(curs[step%4]), i64(step), ms(step*10)))
		h.left(order(step, curs[step%4], step*10+5))
		if step%10 == 0 {
			h.watermark(step * 10)
			maxVersions = max(maxVersions, h.op.tbl.Versions())
		}
	}
	h.watermark(runtime.MaxWatermark)
	if got := len(h.take()); got != 2000 {
		t.Fatalf("joined %d rows, want 2000", got)
	}
	if maxVersions > 4+10 {
		t.Fatalf("up to %d versions held for 4 keys with a watermark every 10 updates", maxVersions)
	}
}

func TestLookupBadRowsDeadLettered(t *testing.T) {
	boom := fn(func(r types.Row) (types.Value, error) {
		if r[0].Int() == 13 {
			return nul, fmt.Errorf("unlucky")
		}
		return types.NewBool(true), nil
	})
	cfg := &plan.LookupConfig{Table: bannedSpec(), Mode: plan.LookupExists, Cond: boom, Correlated: true}
	h := newLK(t, cfg, cols("x", types.BigInt, "e", types.Boolean))
	h.table(up(s("w")), types.Row{s("short")}, append(up(s("bad op"))[:1], s("upsert"), nul), append(up(s("op 7"))[:1], types.NewInt(7), nul))
	h.loaded()
	h.left(types.Row{i64(1)}, types.Row{i64(13)}, types.Row{i64(2), i64(3)}, types.Row{i64(4)})
	wantRows(t, h.take(), "1,TRUE", "4,TRUE")
	if len(h.dead) != 5 {
		t.Fatalf("dead letters: %d %+v", len(h.dead), h.dead)
	}
	// event time NULL
	cfg2 := &plan.LookupConfig{Table: ratesSpec(), Mode: plan.LookupJoin, EventTime: tcol(2, types.TimestampLTZ),
		LeftKeys: []expr.Expr{tcol(1, types.String)}, TableKeys: []int{0}, Correlated: true}
	h2 := newLK(t, cfg2, ordersJoinSchema)
	h2.left(types.Row{i64(1), s("EUR"), nul})
	if len(h2.dead) != 1 || !strings.Contains(h2.dead[0].Err.Error(), "NULL") {
		t.Fatalf("dead letters: %+v", h2.dead)
	}
}

func TestLookupSizeWarningPerDoubling(t *testing.T) {
	spec := bannedSpec()
	spec.WarnRows = 10
	cfg := &plan.LookupConfig{Table: spec, Mode: plan.LookupExists, Correlated: true,
		LeftKeys: []expr.Expr{tcol(0, types.String)}, TableKeys: []int{0}}
	h := newLK(t, cfg, cols("w", types.String, "b", types.Boolean))
	for i := 0; i < 50; i++ {
		h.table(up(s(fmt.Sprint("w", i))))
	}
	n := 0
	for _, l := range h.logs {
		if strings.Contains(l, "has") && strings.Contains(l, "rows (past") {
			n++
		}
	}
	if n != 3 { // past 10, 20, 40
		t.Fatalf("%d warnings: %q", n, h.logs)
	}
}
