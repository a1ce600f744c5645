package iceberg

import (
	"context"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// BenchmarkScanPlanning: the scan plan of a table after 1,000 one-file
// commits (a sink's checkpoints: under 3 hours at one every 10 s), with
// fast appends (a manifest per commit: iceberg-go's default), with merge
// appends (the sink's default for the tables it creates: Iceberg's
// min-count-to-merge of 100) and after CALL rewrite_manifests. Measured:
// PlanFiles of the current snapshot (what a bounded scan, DuckDB ad hoc
// and a streaming reader's first scan do), the bounded source's open
// (catalog, table, plan), and a streaming reader's incremental plan of
// one new commit (mean over the last 100). Expiry keeps one snapshot
// every 100 commits, as a deployment that expires daily would, so that
// the metadata file does not grow with the history (the manifests of the
// current snapshot stay).
//
//	go test ./connectors/iceberg -run '^$' -bench BenchmarkScanPlanning -benchtime 20x
func BenchmarkScanPlanning(b *testing.B) {
	const commits = 1000
	ctx := context.Background()
	fast := buildCommits(b, commits, map[string]string{OptManifestMerge: "false"})
	// merge appends keep between 1 and 99 manifests (a commit that makes
	// the 100th merges them into one): 10 after 1,000 commits, 99 (the
	// most) after 1,089
	merged := buildCommits(b, commits, nil)
	peak := buildCommits(b, 1089, nil)
	for _, v := range []struct {
		name string
		tbl  *benchTable
	}{{"fast-append", fast}, {"merge-append", merged}, {"merge-append-at-99", peak}} {
		benchPlanning(b, v.name, v.tbl)
	}
	tbl := fast.load(b)
	start := time.Now()
	r, err := RewriteManifests(ctx, tbl, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("rewrite_manifests of the fast-append table: %d manifests -> %d in %s", r.RewrittenManifests, r.AddedManifests, time.Since(start).Round(time.Millisecond))
	benchPlanning(b, "fast-append+rewrite_manifests", fast)
}

// benchTable is a table of its own data directory, of commits one-file
// commits.
type benchTable struct {
	dir     string
	commits int
}

func (t *benchTable) load(b *testing.B) *table.Table {
	b.Helper()
	c := NewCatalogs(t.dir)
	b.Cleanup(func() { c.Close() })
	tbl, err := c.LoadTable(context.Background(), "lake.chat.messages")
	if err != nil {
		b.Fatal(err)
	}
	return tbl
}

// buildCommits commits n checkpoints of 10 rows each through the sink
// into a table created with opts.
func buildCommits(b *testing.B, n int, opts map[string]string) *benchTable {
	b.Helper()
	dir := b.TempDir()
	ctx := context.Background()
	raw := map[string]string{"connector": "iceberg", "table": "chat.messages"}
	for k, v := range opts {
		raw[k] = v
	}
	o, errs := Spec.Validate(raw, false)
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
	schema := types.NewSchema(types.Column{Name: "id", Type: types.BigInt}, types.Column{Name: "text", Type: types.String})
	sk, err := NewSink(connectors.Config{Name: "bench", Options: o, Schema: schema, Settings: CatalogSettings(EmbeddedProperties(dir))})
	if err != nil {
		b.Fatal(err)
	}
	s := sk.(*Sink)
	if err := s.Open(ctx, &runtime.OpContext{JobID: "bench", JobName: "bench"}, nil); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	var commitTime time.Duration
	for cp := int64(1); cp <= int64(n); cp++ {
		var batch runtime.Batch
		for k := 0; k < 10; k++ {
			id := (cp-1)*10 + int64(k)
			batch.Rows = append(batch.Rows, types.Row{types.NewBigInt(id), types.NewString("a chat message")})
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
		t0 := time.Now()
		if err := s.CheckpointComplete(ctx, cp); err != nil {
			b.Fatal(err)
		}
		commitTime += time.Since(t0)
		if cp%100 == 99 && cp < int64(n)-100 { // the last 100 stay for the incremental plans
			if _, err := ExpireSnapshots(ctx, s.tbl, time.Now(), 1); err != nil {
				b.Fatal(err)
			}
		}
	}
	m, _ := DataManifestCount(ctx, s.tbl)
	b.Logf("%v: %d commits in %s (commit %.1f ms each), %d data manifests",
		opts, n, time.Since(start).Round(time.Millisecond), float64(commitTime.Microseconds())/1000/float64(n), m)
	return &benchTable{dir: dir, commits: n}
}

func benchPlanning(b *testing.B, name string, bt *benchTable) {
	ctx := context.Background()
	commits := bt.commits
	tbl := bt.load(b)
	manifests, err := DataManifestCount(ctx, tbl)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("plan/"+name, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			tasks, err := tbl.Scan().PlanFiles(ctx)
			if err != nil || len(tasks) != commits {
				b.Fatalf("%d files planned, want %d: %v", len(tasks), commits, err)
			}
		}
		b.ReportMetric(float64(manifests), "manifests")
	})
	b.Run("source-open/"+name, func(b *testing.B) {
		o, _ := Spec.Validate(map[string]string{"connector": "iceberg", "table": "chat.messages"}, true)
		cfg := connectors.Config{Name: "src", Options: o, Schema: types.NewSchema(types.Column{Name: "id", Type: types.BigInt}),
			Settings: CatalogSettings(EmbeddedProperties(bt.dir))}
		for i := 0; i < b.N; i++ {
			src, err := NewSource(cfg)
			if err != nil {
				b.Fatal(err)
			}
			s := src.(*Source)
			if err := s.Open(ctx, &runtime.SourceContext{}, nil); err != nil {
				b.Fatal(err)
			}
			if len(s.unit.tasks) != commits {
				b.Fatalf("%d files planned", len(s.unit.tasks))
			}
			s.Close()
		}
		b.ReportMetric(float64(manifests), "manifests")
	})
	// a streaming reader's plan of one new append snapshot, for each of
	// the last 100 appends
	if tbl.CurrentSnapshot().Summary.Operation != table.OpAppend {
		return // after rewrite_manifests: the appends are the fast-append ones
	}
	var appends []int64
	for sn := tbl.CurrentSnapshot(); sn != nil && len(appends) < 100; {
		if sn.Summary.Operation == table.OpAppend {
			appends = append(appends, sn.SnapshotID)
		}
		if sn.ParentSnapshotID == nil {
			break
		}
		sn = tbl.Metadata().SnapshotByID(*sn.ParentSnapshotID)
	}
	b.Run("incremental/"+name, func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, id := range appends {
				tasks, err := tbl.NewIncrementalAppendScan().FromSnapshotInclusive(id).ToSnapshot(id).PlanFiles(ctx)
				if err != nil || len(tasks) != 1 {
					b.Fatalf("%d files planned for snapshot %d, want 1: %v", len(tasks), id, err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(appends))/1000, "ms/commit-plan")
	})
}
