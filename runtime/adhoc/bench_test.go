package adhoc_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/runtime/adhoc"
	"github.com/chatsql/chatsql/runtime/adhoc/adhoctest"
)

// benchRows is the size of the history table of BenchmarkAdhocScan.
const benchRows = 10_000_000

// benchVersion keys the cached table: change it when the data changes.
const benchVersion = "v2"

// benchQuery is "messages per language per day".
const benchQuery = `SELECT language, date_trunc('day', ts) AS day, count(*) AS n FROM %s GROUP BY ALL ORDER BY ALL`

// benchTable returns the catalogs of a data dir holding lake.chat.messages
// with benchRows rows in 10 snapshots (one parquet file each), written once
// with iceberg-go into os.TempDir() and reused.
func benchTable(b *testing.B) *adhoctest.Catalogs {
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), "chatsql-adhoc-bench-"+benchVersion)
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		start := time.Now()
		cats, err := adhoctest.NewCatalogs(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		cat, _ := cats.Get(ctx, "lake")
		tbl, err := adhoctest.CreateTable(ctx, cat, "chat", "messages", nil)
		if err != nil {
			b.Fatal(err)
		}
		langs := []string{"en", "es", "fr", "de", "pt", "ja", "zh", "ru"}
		words := []string{"hello", "world", "how", "are", "you", "today", "thanks", "see", "later", "ok", "lol", "👋"}
		const batch = benchRows / 10
		day0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for f := 0; f < 10; f++ {
			msgs := make([]adhoctest.Message, batch)
			for i := range msgs {
				id := int64(f*batch + i)
				h := uint64(id)*0x9E3779B97F4A7C15 + 1
				var text strings.Builder
				for w := 0; w < 3+int(h>>60)%4; w++ {
					if w > 0 {
						text.WriteByte(' ')
					}
					text.WriteString(words[(h>>(8*w))%uint64(len(words))])
				}
				msgs[i] = adhoctest.Message{ID: id, Username: fmt.Sprintf("user%d", h%1000), Language: langs[(h>>20)%uint64(len(langs))],
					Text: text.String(), TS: day0.Add(time.Duration(id) * (30 * 24 * time.Hour / benchRows))}
			}
			if tbl, err = adhoctest.Append(ctx, tbl, msgs); err != nil {
				b.Fatal(err)
			}
		}
		cats.Close()
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote %d rows in %v into %s", benchRows, time.Since(start), dir)
	}
	cats, err := adhoctest.NewCatalogs(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cats.Close() })
	return cats
}

// BenchmarkAdhocScan: messages per language per day over 10 million rows,
// through runtime/adhoc (Iceberg planning, views, field-id mapping) and by
// DuckDB reading the same parquet files directly; one DuckDB thread each.
// Run with -cpu 1; rows/s is the figure, the ratio of the two ns/op the
// overhead (goal: within 1.2x).
func BenchmarkAdhocScan(b *testing.B) {
	cats := benchTable(b)
	ctx := context.Background()
	b.Run("adhoc", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r, err := adhoc.Query(ctx, cats, fmt.Sprintf(benchQuery, "lake.chat.messages"), adhoc.Options{Threads: 1})
			if err != nil {
				b.Fatal(err)
			}
			n := drain(b, r.Next, r.Err)
			r.Close()
			if n != 8*30 {
				b.Fatalf("%d groups", n)
			}
		}
		b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("direct", func(b *testing.B) {
		cat, _ := cats.Get(ctx, "lake")
		tbl, err := cat.LoadTable(ctx, table.Identifier{"chat", "messages"})
		if err != nil {
			b.Fatal(err)
		}
		tasks, err := tbl.Scan().PlanFiles(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var files []string
		for _, t := range tasks {
			files = append(files, "'"+strings.TrimPrefix(t.File.FilePath(), "file://")+"'")
		}
		src := "read_parquet([" + strings.Join(files, ", ") + "])"
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			db, err := sql.Open("duckdb", "")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec("SET threads = 1"); err != nil {
				b.Fatal(err)
			}
			if _, err := db.Exec("SET TimeZone = 'UTC'"); err != nil {
				b.Fatal(err)
			}
			rows, err := db.Query(fmt.Sprintf(benchQuery, src))
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			rows.Close()
			db.Close()
			if n != 8*30 {
				b.Fatalf("%d groups", n)
			}
		}
		b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

func drain(b *testing.B, next func() bool, errf func() error) int {
	n := 0
	for next() {
		n++
	}
	if err := errf(); err != nil {
		b.Fatal(err)
	}
	return n
}
