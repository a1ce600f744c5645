package iceberg

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// BenchmarkScanPushdown: a bounded scan of a day-partitioned chat table
// (30 days, 20,000 rows a day, one file a day) for the last day's rows,
// with the WHERE pushed into the scan (pruning 29 of 30 files) and without
// (every row read, the condition tested on each as the query's Calc
// does). rows/s counts the table's rows: how fast the question is
// answered, not how fast rows are decoded.
//
//	go test ./connectors/iceberg -run '^$' -bench BenchmarkScanPushdown -benchtime 5x
func BenchmarkScanPushdown(b *testing.B) {
	const days, perDay = 30, 20_000
	schema := types.NewSchema(
		types.Column{Name: "id", Type: types.BigInt},
		types.Column{Name: "username", Type: types.String},
		types.Column{Name: "text", Type: types.String},
		types.Column{Name: "language", Type: types.String},
		types.Column{Name: "event_time", Type: types.TimestampLTZ},
	)
	dir := b.TempDir()
	o, errs := Spec.Validate(map[string]string{"connector": "iceberg", "table": "chat.messages", "partitioning": "days(event_time)"}, false)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	sk, err := NewSink(connectors.Config{Name: "bench", Options: o, Schema: schema, Settings: CatalogSettings(EmbeddedProperties(dir))})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s := sk.(*Sink)
	if err := s.Open(ctx, &runtime.OpContext{JobID: "bench", JobName: "bench"}, nil); err != nil {
		b.Fatal(err)
	}
	langs := []string{"es", "fr", "de", "en", "ja"}
	step := int64(24*time.Hour/time.Microsecond) / perDay
	var batch runtime.Batch
	for i := 0; i < days*perDay; i++ {
		batch.Rows = append(batch.Rows, types.Row{types.NewBigInt(int64(i)), types.NewString(fmt.Sprintf("user%d", i%997)),
			types.NewString(fmt.Sprintf("message number %d from the chat, with some words in it", i)),
			types.NewString(langs[i%len(langs)]), types.NewTimestampLTZ(day0 + int64(i)*step)})
		if len(batch.Rows) == 4096 {
			if err := s.Write(ctx, &batch); err != nil {
				b.Fatal(err)
			}
			batch.Rows = batch.Rows[:0]
		}
	}
	if err := s.Write(ctx, &batch); err != nil {
		b.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Snapshot(ctx, 1); err != nil {
		b.Fatal(err)
	}
	if err := s.CheckpointComplete(ctx, 1); err != nil {
		b.Fatal(err)
	}
	s.Close()

	from := day0 + int64(days-1)*24*3_600_000_000
	filter := fmt.Sprintf(`{"type":"gt-eq","term":"event_time","value":%q}`, time.UnixMicro(from).UTC().Format(time.RFC3339))
	for _, pushdown := range []bool{true, false} {
		name := "pushed"
		if !pushdown {
			name = "not-pushed"
		}
		b.Run(name, func(b *testing.B) {
			var files, decoded, matched int64
			for i := 0; i < b.N; i++ {
				so, _ := Spec.Validate(map[string]string{"connector": "iceberg", "table": "chat.messages"}, true)
				cfg := connectors.Config{Name: "src", Options: so, Schema: schema, Settings: CatalogSettings(EmbeddedProperties(dir))}
				if pushdown {
					cfg.Settings[SettingScanFilterPrefix+"src"] = filter
				}
				src, err := NewSource(cfg)
				if err != nil {
					b.Fatal(err)
				}
				sc := src.(*Source)
				if err := sc.Open(ctx, &runtime.SourceContext{}, nil); err != nil {
					b.Fatal(err)
				}
				n := int64(0)
				for {
					bt, err := sc.Poll(ctx)
					if errors.Is(err, runtime.ErrEndOfInput) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if bt == nil {
						continue
					}
					for _, r := range bt.Rows { // the query's own condition
						if r[4].Micros() >= from {
							n++
						}
					}
				}
				if n != perDay {
					b.Fatalf("%d rows match, want %d", n, perDay)
				}
				files, decoded, matched = files+sc.stats.files, decoded+sc.stats.rows, matched+n
				sc.Close()
			}
			b.ReportMetric(float64(files)/float64(b.N), "files/op")
			b.ReportMetric(float64(decoded)/float64(b.N), "decoded/op")
			b.ReportMetric(float64(days*perDay)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
