package iceberg

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// BenchmarkFilesPerHour: chat messages at 1,000 msg/s into a table
// partitioned by days(event_time), one checkpoint (commit) every 10 s, so
// 10,000 rows per checkpoint; 18 checkpoints (3 minutes of traffic) are
// written, counted, compacted with rewrite_data_files and counted again.
// The figures are scaled to one hour (360 checkpoints): files/h before is
// files per checkpoint x 360; after is the hour's bytes (measured bytes
// per row x 3.6M rows) over the 128 MiB target, per day partition.
func BenchmarkFilesPerHour(b *testing.B) {
	const rate, interval, checkpoints = 1000, 10, 18
	schema := types.NewSchema(
		types.Column{Name: "id", Type: types.String}, types.Column{Name: "username", Type: types.String},
		types.Column{Name: "text", Type: types.String}, types.Column{Name: "translated", Type: types.String},
		types.Column{Name: "language", Type: types.String}, types.Column{Name: "event_time", Type: types.TimestampLTZ})
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		ctx := context.Background()
		o, _ := Spec.Validate(map[string]string{"connector": "iceberg", "table": "chat.messages", "partitioning": "days(event_time)"}, false)
		sk, err := NewSink(connectors.Config{Name: "t", Options: o, Schema: schema, Settings: CatalogSettings(EmbeddedProperties(dir))})
		if err != nil {
			b.Fatal(err)
		}
		s := sk.(*Sink)
		if err := s.Open(ctx, &runtime.OpContext{JobID: "bench", JobName: "bench"}, nil); err != nil {
			b.Fatal(err)
		}
		t0 := int64(1704110400) * 1e6 // 2024-01-01 12:00 UTC: the 3 minutes stay in one day
		n := 0
		for cp := int64(1); cp <= checkpoints; cp++ {
			var batch runtime.Batch
			for k := 0; k < rate*interval; k++ {
				batch.Rows = append(batch.Rows, types.Row{
					types.NewString(fmt.Sprintf("msg-%08x-%04x", n*2654435761, n%65536)), types.NewString(fmt.Sprintf("user%d", n%5000)),
					types.NewString(fmt.Sprintf("hello everyone, message number %d from the chat", n)),
					types.NewString(fmt.Sprintf("hola a todos, mensaje número %d del chat", n)),
					types.NewString([]string{"es", "fr", "de", "ja"}[n%4]), types.NewTimestampLTZ(t0 + int64(n)*1000)})
				n++
			}
			if err := s.Write(ctx, &batch); err != nil {
				b.Fatal(err)
			}
			if err := s.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Snapshot(ctx, cp); err != nil {
				b.Fatal(err)
			}
			if err := s.CheckpointComplete(ctx, cp); err != nil {
				b.Fatal(err)
			}
		}
		tbl := s.tbl
		before, _ := DataFileCount(ctx, tbl)
		res, err := RewriteDataFiles(ctx, tbl, CompactOptions{})
		if err != nil {
			b.Fatal(err)
		}
		after, _ := DataFileCount(ctx, tbl)
		s.Close()
		perHour := float64(3600 / interval)
		bytesPerRow := float64(res.RewrittenBytes) / float64(n)
		hourBytes := bytesPerRow * rate * 3600
		filesAfter := math.Ceil(hourBytes / DefaultTargetFileSize)
		b.ReportMetric(float64(before)/checkpoints*perHour, "files/h-before")
		b.ReportMetric(filesAfter, "files/h-after")
		b.ReportMetric(bytesPerRow, "bytes/row")
		b.Logf("%d rows in %d checkpoints: %d files -> %d after rewrite_data_files (%d rewritten, %d bytes, %.1f B/row); "+
			"scaled to 1 h at %d msg/s: %.0f files before, %.0f after (%.0f MiB/h, 128 MiB target)",
			n, checkpoints, before, after, res.RewrittenFiles, res.RewrittenBytes, bytesPerRow, rate,
			float64(before)/checkpoints*perHour, filesAfter, hourBytes/(1<<20))
	}
}
