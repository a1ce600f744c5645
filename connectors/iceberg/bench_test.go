package iceberg

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// BenchmarkSink measures the sink's throughput into the local warehouse:
// chat rows (id, username, text, language, event_time) in batches of 1,024,
// a checkpoint (flush + one Iceberg commit) every 2,000,000 rows — what a 10 s
// checkpoint interval gives at 200,000 rows/s — and at the end. Run with
// -cpu 1 for rows/s per core:
//
//	go test ./connectors/iceberg -run '^$' -bench BenchmarkSink -cpu 1 -benchtime 4000000x
func BenchmarkSink(b *testing.B) {
	for _, part := range []string{"", "days(event_time)"} {
		name := "unpartitioned"
		if part != "" {
			name = "days"
		}
		b.Run(name, func(b *testing.B) { benchSink(b, part) })
	}
}

func benchSink(b *testing.B, partitioning string) {
	const perCheckpoint = 2_000_000
	const batch = 1024
	schema := types.NewSchema(
		types.Column{Name: "id", Type: types.BigInt},
		types.Column{Name: "username", Type: types.String},
		types.Column{Name: "text", Type: types.String},
		types.Column{Name: "language", Type: types.String},
		types.Column{Name: "event_time", Type: types.TimestampLTZ},
	)
	dir := b.TempDir()
	raw := map[string]string{"connector": "iceberg", "table": "chat.bench"}
	if partitioning != "" {
		raw["partitioning"] = partitioning
	}
	o, errs := Spec.Validate(raw, false)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	sk, err := NewSink(connectors.Config{Name: "bench", Options: o, Schema: schema, Settings: CatalogSettings(EmbeddedProperties(dir))})
	if err != nil {
		b.Fatal(err)
	}
	s := sk.(*Sink)
	ctx := context.Background()
	if err := s.Open(ctx, &runtime.OpContext{JobID: "bench", JobName: "bench"}, nil); err != nil {
		b.Fatal(err)
	}
	// a pool of distinct batches, so that values are not all equal
	langs := []string{"es", "fr", "de", "en", "ja"}
	pool := make([]*runtime.Batch, 16)
	for p := range pool {
		bt := &runtime.Batch{}
		for i := 0; i < batch; i++ {
			k := p*batch + i
			bt.Rows = append(bt.Rows, types.Row{
				types.NewBigInt(int64(k)), types.NewString(fmt.Sprintf("user%d", k%5000)),
				types.NewString(fmt.Sprintf("hello there, this is chat message number %d of the benchmark", k)),
				types.NewString(langs[k%len(langs)]),
				types.NewTimestampLTZ(int64(1704067200+k) * 1e6),
			})
		}
		pool[p] = bt
	}
	b.ResetTimer()
	start := time.Now()
	var cp int64
	sinceCP := 0
	checkpoint := func() {
		cp++
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Snapshot(ctx, cp); err != nil {
			b.Fatal(err)
		}
		if err := s.CheckpointComplete(ctx, cp); err != nil {
			b.Fatal(err)
		}
		sinceCP = 0
	}
	for done, p := 0, 0; done < b.N; p++ {
		bt := pool[p%len(pool)]
		if n := b.N - done; n < batch {
			bt = &runtime.Batch{Rows: bt.Rows[:n]}
		}
		if err := s.Write(ctx, bt); err != nil {
			b.Fatal(err)
		}
		done += len(bt.Rows)
		sinceCP += len(bt.Rows)
		if sinceCP >= perCheckpoint {
			checkpoint()
		}
	}
	checkpoint()
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "rows/s")
	b.ReportMetric(float64(len(s.tbl.Metadata().Snapshots())), "commits")
	s.Close()
}
