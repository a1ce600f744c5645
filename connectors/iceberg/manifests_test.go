package iceberg

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/types"
)

// Manifests of a table a streaming sink writes: merged by its commits
// (merge append) or by CALL rewrite_manifests, and every reader reads each
// data file once either way.

// newWriterWith is newLakeWriter on a table the sink creates with opts.
func newWriterWith(t *testing.T, dir string, opts map[string]string) *lakeWriter {
	s := newTestSink(t, dir, opts)
	openSink(t, s, "writer", nil)
	t.Cleanup(func() { s.Close() })
	return &lakeWriter{t: t, s: s}
}

// manifestStats counts the data manifests of the current snapshot and
// those that hold EXISTING entries (files of earlier commits: merged).
func manifestStats(t *testing.T, tbl *table.Table) (manifests, merged int) {
	t.Helper()
	fs, err := tbl.FS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ms, err := tbl.CurrentSnapshot().Manifests(fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.ManifestContent() != iceberggo.ManifestContentData {
			continue
		}
		manifests++
		if m.ExistingDataFiles() > 0 {
			merged++
		}
	}
	if n, err := DataManifestCount(context.Background(), tbl); err != nil || n != manifests {
		t.Fatalf("DataManifestCount %d %v, want %d", n, err, manifests)
	}
	return manifests, merged
}

// mergingAppends counts the table's append snapshots that merged
// manifests: a manifest they wrote holds EXISTING entries.
func mergingAppends(t *testing.T, tbl *table.Table) int {
	t.Helper()
	fs, err := tbl.FS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sn := range tbl.Metadata().Snapshots() {
		if sn.Summary.Operation != table.OpAppend {
			continue
		}
		ms, err := sn.Manifests(fs)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.SnapshotID() == sn.SnapshotID && m.ExistingDataFiles() > 0 {
				n++
				break
			}
		}
	}
	return n
}

// TestSinkCreatesTablesWithManifestMerge: a table the sink creates merges
// manifests on commit (Java's default; iceberg-go's is a fast append)
// with Iceberg's min-count and target size unless the options set them;
// 'commit.manifest-merge.enabled' = 'false' keeps one manifest per commit.
func TestSinkCreatesTablesWithManifestMerge(t *testing.T) {
	for _, tc := range []struct {
		opts      map[string]string
		want      map[string]string
		manifests func(n int) bool // after 12 commits
	}{
		{nil, map[string]string{OptManifestMerge: "true", OptManifestMinMerge: "100", OptManifestTargetSize: "8388608"},
			func(n int) bool { return n == 12 }}, // 100 not reached yet
		{map[string]string{OptManifestMinMerge: "5", OptManifestTargetSize: "1048576"},
			map[string]string{OptManifestMerge: "true", OptManifestMinMerge: "5", OptManifestTargetSize: "1048576"},
			func(n int) bool { return n < 5 }},
		{map[string]string{OptManifestMerge: "false", OptManifestMinMerge: "2"},
			map[string]string{OptManifestMerge: "false"},
			func(n int) bool { return n == 12 }},
	} {
		dir := t.TempDir()
		w := newWriterWith(t, dir, tc.opts)
		for i := 0; i < 12; i++ {
			w.commit(i*3, i*3+3)
		}
		tbl := lakeTable(t, dir)
		for k, v := range tc.want {
			if got := tbl.Properties()[k]; got != v {
				t.Errorf("%v: table property %s = %q, want %q", tc.opts, k, got, v)
			}
		}
		n, merged := manifestStats(t, tbl)
		if !tc.manifests(n) || (n < 12) != (merged > 0) {
			t.Errorf("%v: %d data manifests (%d merged) after 12 commits", tc.opts, n, merged)
		}
		wantIDs(t, readIDs(t, dir), 36)
	}
	// an existing table keeps its properties
	dir := t.TempDir()
	newWriterWith(t, dir, map[string]string{OptManifestMerge: "false"})
	s := newTestSink(t, dir, map[string]string{OptManifestMinMerge: "3"})
	openSink(t, s, "again", nil)
	s.Close()
	if p := lakeTable(t, dir).Properties(); p[OptManifestMerge] != "false" || p[OptManifestMinMerge] != "100" {
		t.Errorf("an existing table's properties changed: %v", p)
	}
	// bad values
	for _, kv := range [][2]string{{OptManifestMinMerge, "0"}, {OptManifestTargetSize, "-1"}} {
		raw := map[string]string{"connector": "iceberg", "table": "chat.messages", kv[0]: kv[1]}
		o, errs := Spec.Validate(raw, false)
		if len(errs) > 0 {
			t.Fatal(errs[0])
		}
		_, err := NewSink(connectors.Config{Name: "t", Options: o, Schema: testSchema, Settings: CatalogSettings(EmbeddedProperties(dir))})
		if err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%s = %s: %v", kv[0], kv[1], err)
		}
	}
	if _, errs := Spec.Validate(map[string]string{"connector": "iceberg", "table": "chat.messages", OptManifestMerge: "maybe"}, false); len(errs) == 0 {
		t.Error("commit.manifest-merge.enabled = 'maybe' accepted")
	}
}

// TestMergedManifestsReadOnce: 250 one-checkpoint commits into a table
// whose commits merge manifests every 5 (so most commits rewrite earlier
// files as EXISTING entries of a new manifest), then rewrite_manifests (a
// 'replace' snapshot) and more commits. Every reader sees each row once:
// a streaming reader running alongside (lagging, so that its units span
// merge commits), readers restored from its checkpoints taken mid-file,
// bounded scans, time travel to older snapshots, incremental ranges and
// the changelog of a temporal join (each row dated by its own commit, not
// by the commit that merged its manifest; the replace changes nothing).
func TestMergedManifestsReadOnce(t *testing.T) {
	const commits, per = 250, 2
	dir := t.TempDir()
	ctx := context.Background()
	w := newWriterWith(t, dir, map[string]string{OptManifestMinMerge: "5"})
	stream := map[string]string{"streaming": "true", "monitor-interval": "5ms"}
	start := time.Now()

	live := newTestSource(t, dir, testSchema, stream, nil)
	live.batch = 1 // one row a poll: it lags, and its checkpoints fall mid-file
	openSource(t, live, nil, nil)
	changes := newChangelogSource(t, dir, stream)
	openSource(t, changes, nil, nil)
	var liveRows, changeRows []types.Row
	poll := func(s *Source, rows []types.Row, n int) []types.Row {
		t.Helper()
		for i := 0; i < n; i++ {
			b, err := s.Poll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				rows = append(rows, b.Rows...)
			}
		}
		return rows
	}
	type restorePoint struct {
		state []byte
		rows  []types.Row
	}
	var points []restorePoint
	var snaps []table.Snapshot
	for c := 0; c < commits; c++ {
		snaps = append(snaps, w.commit(c*per, (c+1)*per))
		liveRows = poll(live, liveRows, c%3)
		changeRows = poll(changes, changeRows, 1)
		if c%40 == 17 {
			st, err := live.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			points = append(points, restorePoint{st, append([]types.Row(nil), liveRows...)})
			t.Logf("checkpoint after commit %d, %d rows read: %s", c, len(liveRows), st)
		}
	}
	tbl := lakeTable(t, dir)
	manifests, merged := manifestStats(t, tbl)
	t.Logf("%d commits: %d data manifests, %d of them merged", commits, manifests, merged)
	if manifests > 5 || merged == 0 {
		t.Fatalf("%d data manifests (%d merged) after %d commits with min-count-to-merge 5", manifests, merged, commits)
	}
	mergeCommits := mergingAppends(t, tbl)
	t.Logf("%d of the commits merged manifests (%s)", mergeCommits, time.Since(start))
	if mergeCommits < commits/5 {
		t.Fatalf("%d of %d commits merged manifests", mergeCommits, commits)
	}

	n := commits * per
	quiet := func(who string, s *Source) {
		t.Helper()
		time.Sleep(20 * time.Millisecond)
		if rows := poll(s, nil, 5); len(rows) > 0 {
			t.Fatalf("%s: %d rows more than the table has (first %v)", who, len(rows), rows[0])
		}
	}
	liveRows = pollUntil(t, live, liveRows, n)
	wantRange(t, liveRows, 0, n)
	quiet("live", live)
	wantChangelogOnce(t, pollUntil(t, changes, changeRows, n), snaps, per)
	quiet("changelog", changes)

	// bounded: iceberg-go's scan, our source, time travel, incremental ranges
	wantIDs(t, readIDs(t, dir), n)
	b := newTestSource(t, dir, testSchema, nil, nil)
	openSource(t, b, nil, nil)
	wantRange(t, drain(t, b), 0, n)
	for _, k := range []int{3, 4, 5, 100, 101, 173} { // before, at and after merging commits
		tt := newTestSource(t, dir, testSchema, map[string]string{"snapshot-id": fmt.Sprint(snaps[k].SnapshotID)}, nil)
		openSource(t, tt, nil, nil)
		wantRange(t, drain(t, tt), 0, (k+1)*per)
	}
	for _, r := range [][2]int{{0, 249}, {4, 5}, {101, 101}, {173, 249}} {
		inc := newTestSource(t, dir, testSchema, map[string]string{
			"start-snapshot-id": fmt.Sprint(snaps[r[0]].SnapshotID), "end-snapshot-id": fmt.Sprint(snaps[r[1]].SnapshotID)}, nil)
		openSource(t, inc, nil, nil)
		wantRange(t, drain(t, inc), r[0]*per, (r[1]+1)*per)
	}
	cl := newChangelogSource(t, dir, nil)
	openSource(t, cl, nil, nil)
	wantChangelogOnce(t, drain(t, cl), snaps, per)

	// rewrite_manifests: a replace snapshot that no reader reads
	res, err := NewCatalogs(dir).Call(ctx, "lake", "rewrite_manifests", CallArgs{Values: map[string]string{"table": "chat.messages"}})
	if err != nil {
		t.Fatal(err)
	}
	tbl = lakeTable(t, dir)
	after, _ := manifestStats(t, tbl)
	t.Logf("rewrite_manifests: %v %v; %d -> %d data manifests", res.Columns, res.Row, manifests, after)
	if strings.Join(res.Columns, ",") != "rewritten_manifests_count,added_manifests_count" ||
		res.Row[0] != fmt.Sprint(manifests) || res.Row[1] != "1" || after != 1 {
		t.Fatalf("rewrite_manifests: %v %v, %d manifests left", res.Columns, res.Row, after)
	}
	if op := tbl.CurrentSnapshot().Summary.Operation; op != table.OpReplace {
		t.Fatalf("rewrite_manifests committed a %s snapshot", op)
	}
	quiet("live after the rewrite", live)
	quiet("changelog after the rewrite", changes)
	w.s.tbl.Refresh(ctx)
	for c := commits; c < commits+10; c++ {
		snaps = append(snaps, w.commit(c*per, (c+1)*per))
	}
	n = (commits + 10) * per
	wantRange(t, pollUntil(t, live, liveRows, n), 0, n)
	quiet("live", live)
	wantChangelogOnce(t, pollUntil(t, changes, changeRows, n), snaps, per)
	quiet("changelog", changes)
	wantIDs(t, readIDs(t, dir), n)
	for _, k := range []int{5, 101, commits - 1, commits + 9} {
		tt := newTestSource(t, dir, testSchema, map[string]string{"snapshot-id": fmt.Sprint(snaps[k].SnapshotID)}, nil)
		openSource(t, tt, nil, nil)
		wantRange(t, drain(t, tt), 0, (k+1)*per)
	}
	cl = newChangelogSource(t, dir, nil)
	openSource(t, cl, nil, nil)
	wantChangelogOnce(t, drain(t, cl), snaps, per)

	// restored from checkpoints taken mid-way: the rest, once
	for i, p := range points {
		r := newTestSource(t, dir, testSchema, stream, nil)
		r.batch = 7
		openSource(t, r, p.state, nil)
		rows := pollUntil(t, r, p.rows, n)
		wantRange(t, rows, 0, n)
		quiet(fmt.Sprintf("restored from checkpoint %d", i+1), r)
		r.Close()
	}
	if len(points) < 5 {
		t.Fatalf("%d checkpoints", len(points))
	}
}

// wantChangelogOnce checks a changelog of appends: each id once, an
// upsert dated by the commit of the snapshot that added it (commit
// id/per of snaps).
func wantChangelogOnce(t *testing.T, rows []types.Row, snaps []table.Snapshot, per int) {
	t.Helper()
	wantRange(t, rows, 0, len(snaps)*per)
	for _, r := range rows {
		id := r[0].Int()
		if r[2].Int() != 0 {
			t.Fatalf("changelog row %v is not an upsert", r)
		}
		if want := snaps[int(id)/per].TimestampMs * 1000; r[3].Micros() != want {
			t.Fatalf("changelog: id %d dated %v, want %v (its commit)", id, time.UnixMicro(r[3].Micros()).UTC(), time.UnixMicro(want).UTC())
		}
	}
}

// TestRewriteManifestsProcedure: CALL rewrite_manifests on a table
// written with fast appends (one manifest per commit): one manifest
// after, the same rows, nothing to do a second time; spec_id narrows it;
// errors name the argument.
func TestRewriteManifestsProcedure(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w := newWriterWith(t, dir, map[string]string{OptManifestMerge: "false"})
	for i := 0; i < 20; i++ {
		w.commit(i*5, i*5+5)
	}
	cats := NewCatalogs(dir)
	defer cats.Close()
	if n, _ := manifestStats(t, lakeTable(t, dir)); n != 20 {
		t.Fatalf("%d manifests after 20 fast appends", n)
	}
	// an unknown spec id is an error at spec_id; spec 0 is the table's
	_, err := cats.Call(ctx, "lake", "rewrite_manifests", CallArgs{Values: map[string]string{"table": "chat.messages", "spec_id": "3"}})
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Param != "spec_id" {
		t.Fatalf("spec_id 3: %v", err)
	}
	r, err := cats.Call(ctx, "lake", "rewrite_manifests", CallArgs{Values: map[string]string{"table": "lake.chat.messages", "use_caching": "false", "spec_id": "0"}})
	if err != nil || strings.Join(r.Row, ",") != "20,1" {
		t.Fatalf("rewrite_manifests: %v %v", r, err)
	}
	tbl := lakeTable(t, dir)
	if n, merged := manifestStats(t, tbl); n != 1 || merged != 1 {
		t.Fatalf("%d manifests (%d merged) after rewrite_manifests", n, merged)
	}
	wantIDs(t, readIDs(t, dir), 100)
	snaps := len(tbl.Metadata().Snapshots())
	r, err = cats.Call(ctx, "lake", "rewrite_manifests", CallArgs{Values: map[string]string{"table": "chat.messages"}})
	if err != nil || strings.Join(r.Row, ",") != "0,0" || len(lakeTable(t, dir).Metadata().Snapshots()) != snaps {
		t.Fatalf("second rewrite_manifests: %v %v", r, err)
	}
	// on a stale table (another commit came after it was loaded): worked
	// out again on the new state, the new commit's manifest included
	w.commit(100, 105)
	stale := lakeTable(t, dir) // two manifests
	w.commit(105, 110)
	res, err := RewriteManifests(ctx, stale, nil)
	if err != nil || res.RewrittenManifests != 3 || res.AddedManifests != 1 {
		t.Fatalf("rewrite_manifests on a stale table: %+v %v", res, err)
	}
	if n, _ := manifestStats(t, lakeTable(t, dir)); n != 1 {
		t.Fatalf("%d manifests after rewrite_manifests on a stale table", n)
	}
	wantIDs(t, readIDs(t, dir), 110)
	for _, tc := range []struct {
		args  map[string]string
		param string
	}{
		{map[string]string{"table": "chat.messages", "spec_id": "x"}, "spec_id"},
		{map[string]string{"table": "chat.messages", "use_caching": "maybe"}, "use_caching"},
		{map[string]string{"table": "chat.messages", "options": "x"}, "options"},
		{map[string]string{"table": "messages"}, "table"},
	} {
		err := CheckCall("lake", "rewrite_manifests", CallArgs{Values: tc.args})
		if !errors.As(err, &ae) || ae.Param != tc.param {
			t.Errorf("%v: %v, want an error of %s", tc.args, err, tc.param)
		}
	}
}

// TestRewriteManifestsWhileSinkCommits: rewrite_manifests runs over and
// over while a sink commits (fast appends, so there is always something to
// merge); both retry on each other's commits and every row is in the table
// once, for a scan and for a streaming reader.
func TestRewriteManifestsWhileSinkCommits(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w := newWriterWith(t, dir, map[string]string{OptManifestMerge: "false"})
	w.commit(0, 4)
	live := newTestSource(t, dir, testSchema, map[string]string{"streaming": "true", "monitor-interval": "5ms"}, nil)
	openSource(t, live, nil, nil)
	const commits = 60
	done, stop := make(chan struct{}), make(chan struct{})
	var rewrites, rewritten int
	var rerr error
	go func() {
		defer close(done)
		tbl, err := NewCatalogs(dir).LoadTable(ctx, "lake.chat.messages")
		if err != nil {
			rerr = err
			return
		}
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := tbl.Refresh(ctx); err != nil {
				rerr = err
				return
			}
			r, err := RewriteManifests(ctx, tbl, nil)
			if err != nil {
				rerr = err
				return
			}
			rewrites++
			rewritten += r.RewrittenManifests
			time.Sleep(2 * time.Millisecond)
		}
	}()
	var rows []types.Row
	for c := 1; c <= commits; c++ {
		w.commit(c*4, c*4+4)
		if b, err := live.Poll(ctx); err != nil {
			t.Fatal(err)
		} else if b != nil {
			rows = append(rows, b.Rows...)
		}
	}
	close(stop)
	<-done
	if rerr != nil {
		t.Fatal(rerr)
	}
	n := (commits + 1) * 4
	wantIDs(t, readIDs(t, dir), n)
	wantRange(t, pollUntil(t, live, rows, n), 0, n)
	replaces := 0
	for _, sn := range lakeTable(t, dir).Metadata().Snapshots() {
		if sn.Summary.Operation == table.OpReplace {
			replaces++
		}
	}
	t.Logf("%d rewrites (%d replace snapshots) merged %d manifests while %d commits ran", rewrites, replaces, rewritten, commits)
	if replaces < 3 {
		t.Fatalf("%d rewrites committed alongside the sink", replaces)
	}
}
