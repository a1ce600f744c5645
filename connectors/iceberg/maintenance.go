package iceberg

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/table/compaction"

	"github.com/chatsql/chatsql/runtime/types"
)

// Table care: compaction of small files, merging of manifests, expiry of
// old snapshots and schema evolution, through iceberg-go. The SQL surface
// is Iceberg's own procedures (CALL lake.system.rewrite_data_files('chat.messages'),
// CALL lake.system.rewrite_manifests('chat.messages'),
// CALL lake.system.expire_snapshots('chat.messages', TIMESTAMP '...'))
// and ALTER TABLE ... ADD COLUMN; see Procedures and AddColumn.

// CompactOptions tune RewriteDataFiles (Spark's rewrite_data_files
// options of the same names).
type CompactOptions struct {
	// TargetFileSize is the size of the files written ('target-file-size-bytes');
	// 0: the table's write.target-file-size-bytes, else 128 MiB.
	TargetFileSize int64
	// MinInputFiles is how many files of a partition make a rewrite
	// worthwhile ('min-input-files'; 0: 5, as Spark).
	MinInputFiles int
}

// CompactResult says what a compaction did.
type CompactResult struct {
	RewrittenFiles int   // data files replaced
	AddedFiles     int   // data files written
	RewrittenBytes int64 // bytes of the replaced files
	FilesBefore    int   // data files of the current snapshot before
	FilesAfter     int   // and after
	Snapshot       int64 // the 'replace' snapshot committed (0: nothing to do)
}

// RewriteDataFiles compacts the table's small data files: per partition,
// files under 75% of the target size are bin-packed into files of the
// target size and swapped in one atomic 'replace' snapshot (the rows and
// their order within a file are kept; readers of older snapshots are
// unaffected). Nothing is committed when no partition has enough small
// files.
//
// Writers may commit while it runs (a streaming sink commits every
// checkpoint): the swap is committed on the table's current state, after
// checking that every file it replaces is still live there, and tried again
// when another commit came first. When a file it replaces is gone (another
// compaction replaced it), its own files are deleted and the compaction is
// planned again from the current state.
func RewriteDataFiles(ctx context.Context, tbl *table.Table, opts CompactOptions) (CompactResult, error) {
	for round := 1; ; round++ {
		res, err := rewriteDataFilesOnce(ctx, tbl, opts)
		if !errors.Is(err, errReplacedFilesGone) || round == compactRounds {
			return res, err
		}
		if err := tbl.Refresh(ctx); err != nil {
			return res, err
		}
	}
}

// compactRounds bounds how often a compaction whose input was compacted
// by someone else meanwhile is planned again.
const compactRounds = 3

// errReplacedFilesGone: a file a compaction replaces is no longer in the
// table's current snapshot.
var errReplacedFilesGone = errors.New("a file to replace is no longer in the table (compacted concurrently)")

func rewriteDataFilesOnce(ctx context.Context, tbl *table.Table, opts CompactOptions) (CompactResult, error) {
	var res CompactResult
	target := opts.TargetFileSize
	if target <= 0 {
		target = tbl.Properties().GetInt64(table.WriteTargetFileSizeBytesKey, DefaultTargetFileSize)
	}
	cfg := compaction.DefaultConfig()
	cfg.TargetFileSizeBytes = target
	cfg.MinFileSizeBytes = target * 3 / 4
	cfg.MaxFileSizeBytes = target * 9 / 5
	if opts.MinInputFiles > 0 {
		cfg.MinInputFiles = uint(opts.MinInputFiles)
	}
	if tbl.CurrentSnapshot() == nil {
		return res, nil
	}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil {
		return res, fmt.Errorf("planning the table's files: %w", err)
	}
	res.FilesBefore, res.FilesAfter = len(tasks), len(tasks)
	plan, err := cfg.PlanCompaction(tasks)
	if err != nil {
		return res, err
	}
	if len(plan.Groups) == 0 {
		return res, nil
	}
	// write the compacted files (nothing committed yet)
	var results []table.CompactionGroupResult
	var written []iceberggo.DataFile
	for _, g := range plan.Groups {
		gr, err := table.ExecuteCompactionGroup(ctx, tbl, table.CompactionTaskGroup{PartitionKey: g.PartitionKey, Tasks: g.Tasks, TotalSizeBytes: g.TotalSizeBytes},
			table.WithCompactionTargetFileSize(target))
		written = append(written, gr.NewDataFiles...)
		if err != nil {
			removeFiles(ctx, tbl, written)
			return res, fmt.Errorf("rewriting data files: %w", err)
		}
		if len(gr.OldDataFiles) == 0 && len(gr.NewDataFiles) == 0 {
			continue
		}
		results = append(results, gr)
		res.RewrittenFiles += len(gr.OldDataFiles)
		res.AddedFiles += len(gr.NewDataFiles)
		res.RewrittenBytes += gr.BytesBefore
	}
	if len(results) == 0 {
		return CompactResult{FilesBefore: res.FilesBefore, FilesAfter: res.FilesAfter}, nil
	}
	if err := commitRewrite(ctx, tbl, results); err != nil {
		removeFiles(ctx, tbl, written)
		res = CompactResult{FilesBefore: res.FilesBefore, FilesAfter: res.FilesBefore}
		if errors.Is(err, errReplacedFilesGone) {
			return res, err
		}
		return res, fmt.Errorf("committing the compaction: %w", err)
	}
	if sn := tbl.CurrentSnapshot(); sn != nil {
		res.Snapshot = sn.SnapshotID
	}
	res.FilesAfter = res.FilesBefore - res.RewrittenFiles + res.AddedFiles
	return res, nil
}

// SummaryRewriteID names a compaction's commit in its snapshot summary, so
// that a retry recognises a commit that reached the catalog.
const SummaryRewriteID = "chatsql.rewrite-id"

// commitRewrite swaps the compacted files of results in, in one 'replace'
// snapshot on the table's current state: when another commit came first,
// the table is reloaded and the swap staged again (which checks that every
// file it replaces is still live there). It returns nil once the swap is
// in the table, errReplacedFilesGone when a file to replace is gone.
func commitRewrite(ctx context.Context, tbl *table.Table, results []table.CompactionGroupResult) error {
	id := strconv.FormatUint(rand.Uint64(), 36)
	props := iceberggo.Properties{"chatsql.procedure": "rewrite_data_files", SummaryRewriteID: id}
	var err error
	for attempt := 1; attempt <= commitAttempts; attempt++ {
		if attempt > 1 {
			if werr := backoff(ctx, attempt-1); werr != nil {
				break
			}
			if err = tbl.Refresh(ctx); err != nil {
				continue
			}
			if rewriteCommitted(tbl, id) {
				return nil // an earlier attempt reached the catalog, though it reported an error
			}
		}
		tx := tbl.NewTransaction()
		rw := tx.NewRewrite(props)
		for _, gr := range results {
			rw.ApplyResult(gr)
		}
		if err = rw.Commit(ctx); err != nil {
			if gone, lerr := replacedGone(ctx, tbl, results); lerr == nil && gone {
				return errReplacedFilesGone
			}
			continue
		}
		var nt *table.Table
		if nt, err = tx.Commit(ctx); err == nil {
			*tbl = *nt
			return nil
		}
	}
	if rerr := tbl.Refresh(ctx); rerr == nil && rewriteCommitted(tbl, id) {
		return nil
	}
	return err
}

// rewriteCommitted reports whether a snapshot of tbl is compaction id's.
func rewriteCommitted(tbl *table.Table, id string) bool {
	for _, sn := range tbl.Metadata().Snapshots() {
		if sn.Summary != nil && sn.Summary.Properties[SummaryRewriteID] == id {
			return true
		}
	}
	return false
}

// replacedGone reports whether a file that results replace is no longer
// live in tbl.
func replacedGone(ctx context.Context, tbl *table.Table, results []table.CompactionGroupResult) (bool, error) {
	live, err := livePaths(ctx, tbl)
	if err != nil {
		return false, err
	}
	for _, gr := range results {
		for _, f := range gr.OldDataFiles {
			if !live[f.FilePath()] {
				return true, nil
			}
		}
	}
	return false, nil
}

// livePaths is the set of data file paths of the table's current snapshot.
func livePaths(ctx context.Context, tbl *table.Table) (map[string]bool, error) {
	out := map[string]bool{}
	if tbl.CurrentSnapshot() == nil {
		return out, nil
	}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		out[t.File.FilePath()] = true
	}
	return out, nil
}

// removeFiles deletes data files written by an operation that did not
// commit them (best effort: a leftover is an orphan, never read).
func removeFiles(ctx context.Context, tbl *table.Table, files []iceberggo.DataFile) {
	fs, err := tbl.FS(ctx)
	if err != nil {
		return
	}
	for _, f := range files {
		fs.Remove(f.FilePath())
	}
}

// ExpireResult says what an expiry did.
type ExpireResult struct {
	Expired  int // snapshots removed
	Retained int // snapshots left
}

// ExpireSnapshots removes the snapshots committed before olderThan (the
// zero time: 5 days ago, Iceberg's default), keeping at least retainLast
// (0: 1) and every snapshot a branch or tag needs. Data and manifest files
// only the expired snapshots used are deleted. Time travel to an expired
// snapshot is no longer possible, and a streaming reader whose checkpoint
// points at one must start afresh. A chatsql sink's restore does not need
// its snapshots: its evidence is a table property (PropertyLastCommitPrefix).
// When another writer commits first, the expiry is worked out again on the
// table's new state.
func ExpireSnapshots(ctx context.Context, tbl *table.Table, olderThan time.Time, retainLast int) (ExpireResult, error) {
	var res ExpireResult
	if olderThan.IsZero() {
		olderThan = time.Now().Add(-5 * 24 * time.Hour)
	}
	if retainLast <= 0 {
		retainLast = 1
	}
	err := retryOnCurrent(ctx, tbl, func() error {
		before := len(tbl.Metadata().Snapshots())
		tx := tbl.NewTransaction()
		if err := tx.ExpireSnapshots(table.WithOlderThan(max(time.Since(olderThan), 0)), table.WithRetainLast(retainLast)); err != nil {
			return permanent{err}
		}
		t, err := tx.Commit(ctx)
		if err != nil {
			return err
		}
		*tbl = *t
		res.Retained = len(tbl.Metadata().Snapshots())
		res.Expired = before - res.Retained
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("expiring snapshots: %w", err)
	}
	return res, nil
}

// retryOnCurrent runs a metadata change (attempt: build a transaction on
// tbl and commit it) and, when its commit fails because another writer
// committed first, reloads tbl and runs it again.
func retryOnCurrent(ctx context.Context, tbl *table.Table, attempt func() error) error {
	var err error
	for n := 1; n <= commitAttempts; n++ {
		if n > 1 {
			if werr := backoff(ctx, n-1); werr != nil {
				return err
			}
			if rerr := tbl.Refresh(ctx); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
		err = attempt()
		if p := (permanent{}); errors.As(err, &p) {
			return p.error
		}
		if err == nil {
			return nil
		}
	}
	return err
}

// permanent marks an error that trying again cannot fix (one of the
// change itself, not of its commit).
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// AddColumn adds an optional column to the table's schema (schema
// evolution): files written before read NULL for it, in chatsql, DuckDB
// and every Iceberg engine, since columns are matched by field id. Sinks
// that are writing the table keep writing their columns.
func AddColumn(ctx context.Context, tbl *table.Table, name string, t types.Type) error {
	it, err := IcebergType(t)
	if err != nil {
		return err
	}
	if _, ok := tbl.Schema().FindFieldByNameCaseInsensitive(name); ok {
		return fmt.Errorf("column '%s' already exists", name)
	}
	tried := false
	return retryOnCurrent(ctx, tbl, func() error {
		if f, ok := tbl.Schema().FindFieldByNameCaseInsensitive(name); ok {
			if tried && f.Type.Equals(it) {
				return nil // the previous attempt reached the catalog, though it reported an error
			}
			return permanent{fmt.Errorf("column '%s' already exists", name)}
		}
		tried = true
		tx := tbl.NewTransaction()
		if err := tx.UpdateSchema(false, false).AddColumn([]string{name}, it, "", false, nil).Commit(); err != nil {
			return permanent{err}
		}
		nt, err := tx.Commit(ctx)
		if err != nil {
			return err
		}
		*tbl = *nt
		return nil
	})
}

// SetProperties sets and removes table properties in one commit (ALTER
// TABLE ... SET / RESET), retried on the table's current state when another
// writer commits first. Removing a property the table does not have is
// not an error. chatsql's own bookkeeping (chatsql.*) is not the user's to
// change.
func SetProperties(ctx context.Context, tbl *table.Table, set map[string]string, remove []string) error {
	for k := range set {
		if err := UserProperty(k); err != nil {
			return err
		}
	}
	for _, k := range remove {
		if err := UserProperty(k); err != nil {
			return err
		}
	}
	return retryOnCurrent(ctx, tbl, func() error {
		tx := tbl.NewTransaction()
		if len(set) > 0 {
			if err := tx.SetProperties(iceberggo.Properties(set)); err != nil {
				return permanent{err}
			}
		}
		var gone []string
		for _, k := range remove {
			if _, ok := tbl.Properties()[k]; ok {
				gone = append(gone, k)
			}
		}
		if len(gone) > 0 {
			if err := tx.RemoveProperties(gone); err != nil {
				return permanent{err}
			}
		}
		if len(set) == 0 && len(gone) == 0 {
			return nil
		}
		nt, err := tx.Commit(ctx)
		if err != nil {
			return err
		}
		*tbl = *nt
		return nil
	})
}

// UserProperty rejects the properties only chatsql writes.
func UserProperty(k string) error {
	if strings.HasPrefix(strings.ToLower(k), "chatsql.") {
		return fmt.Errorf("property '%s' is chatsql's own bookkeeping (exactly-once evidence) and cannot be changed", k)
	}
	if strings.TrimSpace(k) == "" {
		return fmt.Errorf("empty property name")
	}
	return nil
}

// RewriteManifestsResult says what a manifest rewrite did.
type RewriteManifestsResult struct {
	RewrittenManifests int   // data manifests replaced
	AddedManifests     int   // manifests written in their place
	Snapshot           int64 // the 'replace' snapshot committed (0: nothing to do)
}

// RewriteManifests merges the data manifests of the table's current
// snapshot (of partition spec specID only, when not nil) into manifests of
// the table's commit.manifest.target-size-bytes (8 MiB by default), in one
// 'replace' snapshot that changes no data file: the files of older commits
// become EXISTING entries of the new manifests, with their snapshot and
// sequence numbers, so readers of the history (an incremental read, a
// changelog, time travel) see nothing change. Only metadata is written.
// A table written with fast appends has a manifest per commit, each of
// which every scan plan reads; the rewrite brings them down to a few.
// Nothing is committed when the manifests are already merged. When another
// writer commits first, the rewrite is worked out again on the table's new
// state.
func RewriteManifests(ctx context.Context, tbl *table.Table, specID *int) (RewriteManifestsResult, error) {
	var res RewriteManifestsResult
	var opts []table.RewriteManifestsOpt
	if specID != nil {
		opts = append(opts, table.WithRewriteSpecID(*specID))
	}
	err := retryOnCurrent(ctx, tbl, func() error {
		res = RewriteManifestsResult{}
		tx := tbl.NewTransaction()
		r, err := tx.RewriteManifests(ctx, opts...)
		if err != nil {
			return permanent{err}
		}
		if r.IsNoOp() {
			return nil
		}
		nt, err := tx.Commit(ctx)
		if err != nil {
			return err
		}
		*tbl = *nt
		// r is the attempt that committed (iceberg-go's own retries included)
		res = RewriteManifestsResult{RewrittenManifests: len(r.RewrittenManifests), AddedManifests: len(r.AddedManifests),
			Snapshot: tbl.CurrentSnapshot().SnapshotID}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("rewriting manifests: %w", err)
	}
	return res, nil
}

// DataManifestCount is the number of data manifests of the table's
// current snapshot (0 without one): what a scan plan reads.
func DataManifestCount(ctx context.Context, tbl *table.Table) (int, error) {
	sn := tbl.CurrentSnapshot()
	if sn == nil {
		return 0, nil
	}
	fs, err := tbl.FS(ctx)
	if err != nil {
		return 0, err
	}
	ms, err := sn.Manifests(fs)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		if m.ManifestContent() == iceberggo.ManifestContentData {
			n++
		}
	}
	return n, nil
}

// Procedure is an Iceberg stored procedure chatsql implements, called as
// CALL <catalog>.system.<name>(args).
type Procedure struct {
	Name   string
	Params []string // in positional order
	Doc    string
}

// Procedures lists the procedures of CALL catalog.system.<name>(...).
var Procedures = []Procedure{
	{Name: "rewrite_data_files", Params: []string{"table", "options"},
		Doc: "Compacts small data files (per partition, into files of the target size) in one 'replace' snapshot. " +
			"options: map('target-file-size-bytes', '134217728', 'min-input-files', '5')."},
	{Name: "rewrite_manifests", Params: []string{"table", "use_caching", "spec_id"},
		Doc: "Merges the table's data manifests into manifests of commit.manifest.target-size-bytes (8 MiB) in one 'replace' snapshot " +
			"(metadata only). spec_id: only the manifests of that partition spec; use_caching: accepted as in Spark, no effect."},
	{Name: "expire_snapshots", Params: []string{"table", "older_than", "retain_last"},
		Doc: "Removes snapshots older than older_than (default: 5 days ago), keeping the last retain_last (default 1), " +
			"and deletes the files only they used."},
}

// CallArgs are a procedure call's arguments by parameter name: strings,
// numbers and timestamps as text, a map as alternating keys and values.
type CallArgs struct {
	Values map[string]string
	Maps   map[string][]string
}

// CallResult is a procedure's output: one row, as Spark's procedures
// return.
type CallResult struct {
	Columns []string
	Row     []string
}

// ArgError is a wrong argument of a procedure call: Param names it, so
// that a caller can point at it.
type ArgError struct {
	Param string
	Err   error
}

func (e *ArgError) Error() string { return e.Err.Error() }
func (e *ArgError) Unwrap() error { return e.Err }

func argErrorf(param, format string, args ...any) error {
	return &ArgError{Param: param, Err: fmt.Errorf(format, args...)}
}

// procedureRun runs a checked procedure call on its table.
type procedureRun func(ctx context.Context, tbl *table.Table) (CallResult, error)

// CheckCall checks procedure name and its arguments without running it
// (wrong arguments are *ArgError).
func CheckCall(catalogName, name string, args CallArgs) error {
	_, _, err := prepareCall(catalogName, name, args)
	return err
}

// Call runs procedure name over catalog's tables with args.
func (c *Catalogs) Call(ctx context.Context, catalogName, name string, args CallArgs) (CallResult, error) {
	ident, run, err := prepareCall(catalogName, name, args)
	if err != nil {
		return CallResult{}, err
	}
	tbl, err := c.procTable(ctx, catalogName, ident)
	if err != nil {
		return CallResult{}, err
	}
	return run(ctx, tbl)
}

// prepareCall checks procedure name's arguments and returns its table
// argument and how to run it.
func prepareCall(catalogName, name string, args CallArgs) (string, procedureRun, error) {
	name = strings.ToLower(name)
	var proc *Procedure
	var names []string
	for i := range Procedures {
		names = append(names, Procedures[i].Name)
		if Procedures[i].Name == name {
			proc = &Procedures[i]
		}
	}
	if proc == nil {
		return "", nil, fmt.Errorf("unknown procedure system.%s (procedures: %s)", name, strings.Join(names, ", "))
	}
	for _, k := range slices.Concat(slices.Collect(maps.Keys(args.Values)), slices.Collect(maps.Keys(args.Maps))) {
		if !slices.Contains(proc.Params, k) {
			return "", nil, argErrorf(k, "procedure %s has no parameter '%s' (parameters: %s)", name, k, strings.Join(proc.Params, ", "))
		}
	}
	for k := range args.Maps {
		if k != "options" {
			return "", nil, argErrorf(k, "%s: %s is not a map", name, k)
		}
	}
	ident, ok := args.Values["table"]
	if !ok || strings.TrimSpace(ident) == "" {
		return "", nil, argErrorf("table", "procedure %s: the table is missing: CALL %s.system.%s('namespace.table')", name, catalogName, name)
	}
	if len(strings.Split(strings.TrimSpace(ident), ".")) < 2 {
		return "", nil, argErrorf("table", "table '%s': want 'namespace.table'", ident)
	}
	var run procedureRun
	var err error
	switch name {
	case "rewrite_data_files":
		run, err = prepareRewriteDataFiles(args)
	case "rewrite_manifests":
		run, err = prepareRewriteManifests(args)
	case "expire_snapshots":
		run, err = prepareExpireSnapshots(args)
	default:
		err = fmt.Errorf("procedure %s is not implemented", name)
	}
	return ident, run, err
}

func prepareRewriteDataFiles(args CallArgs) (procedureRun, error) {
	var opts CompactOptions
	if _, ok := args.Values["options"]; ok {
		return nil, argErrorf("options", "rewrite_data_files: options is a map: options => map('min-input-files', '2')")
	}
	kv := args.Maps["options"]
	for i := 0; i+1 < len(kv); i += 2 {
		n, err := strconv.ParseInt(strings.TrimSpace(kv[i+1]), 10, 64)
		if err != nil || n <= 0 {
			return nil, argErrorf("options", "rewrite_data_files: option '%s' = '%s' is not a positive integer", kv[i], kv[i+1])
		}
		switch strings.ToLower(kv[i]) {
		case "target-file-size-bytes":
			opts.TargetFileSize = n
		case "min-input-files":
			opts.MinInputFiles = int(n)
		default:
			return nil, argErrorf("options", "rewrite_data_files: unknown option '%s' (target-file-size-bytes, min-input-files)", kv[i])
		}
	}
	return func(ctx context.Context, tbl *table.Table) (CallResult, error) {
		r, err := RewriteDataFiles(ctx, tbl, opts)
		if err != nil {
			return CallResult{}, err
		}
		return CallResult{
			Columns: []string{"rewritten_data_files_count", "added_data_files_count", "rewritten_bytes_count", "data_files_before", "data_files_after"},
			Row:     []string{strconv.Itoa(r.RewrittenFiles), strconv.Itoa(r.AddedFiles), strconv.FormatInt(r.RewrittenBytes, 10), strconv.Itoa(r.FilesBefore), strconv.Itoa(r.FilesAfter)},
		}, nil
	}, nil
}

func prepareRewriteManifests(args CallArgs) (procedureRun, error) {
	if v, ok := args.Values["use_caching"]; ok {
		if _, err := strconv.ParseBool(strings.TrimSpace(v)); err != nil {
			return nil, argErrorf("use_caching", "rewrite_manifests: use_caching = '%s' is not true or false", v)
		}
	}
	var specID *int
	if v, ok := args.Values["spec_id"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, argErrorf("spec_id", "rewrite_manifests: spec_id = '%s' is not a partition spec id (0, 1, ...)", v)
		}
		specID = &n
	}
	return func(ctx context.Context, tbl *table.Table) (CallResult, error) {
		if specID != nil && tbl.Metadata().PartitionSpecByID(*specID) == nil {
			return CallResult{}, argErrorf("spec_id", "rewrite_manifests: the table has no partition spec %d (its current one is %d)",
				*specID, tbl.Metadata().DefaultPartitionSpec())
		}
		r, err := RewriteManifests(ctx, tbl, specID)
		if err != nil {
			return CallResult{}, err
		}
		return CallResult{Columns: []string{"rewritten_manifests_count", "added_manifests_count"},
			Row: []string{strconv.Itoa(r.RewrittenManifests), strconv.Itoa(r.AddedManifests)}}, nil
	}, nil
}

func prepareExpireSnapshots(args CallArgs) (procedureRun, error) {
	var older time.Time
	if v := args.Values["older_than"]; v != "" {
		ms, err := timeOpt(v)
		if err != nil {
			return nil, argErrorf("older_than", "expire_snapshots: older_than: %v", err)
		}
		older = time.UnixMilli(*ms)
	}
	retain := 0
	if v := args.Values["retain_last"]; v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return nil, argErrorf("retain_last", "expire_snapshots: retain_last = '%s' is not a positive integer", v)
		}
		retain = n
	}
	return func(ctx context.Context, tbl *table.Table) (CallResult, error) {
		r, err := ExpireSnapshots(ctx, tbl, older, retain)
		if err != nil {
			return CallResult{}, err
		}
		return CallResult{Columns: []string{"expired_snapshots_count", "retained_snapshots_count"},
			Row: []string{strconv.Itoa(r.Expired), strconv.Itoa(r.Retained)}}, nil
	}, nil
}

// procTable loads a procedure's table argument: 'namespace.table' in the
// catalog the procedure was called in ('catalog.namespace.table' naming
// the same catalog is accepted too).
func (c *Catalogs) procTable(ctx context.Context, catalogName, ident string) (*table.Table, error) {
	parts := strings.Split(strings.TrimSpace(ident), ".")
	if len(parts) >= 3 && strings.EqualFold(parts[0], catalogName) {
		parts = parts[1:]
	}
	cat, err := c.Get(ctx, catalogName)
	if err != nil {
		return nil, err
	}
	for i := range parts {
		parts[i] = unquote(parts[i])
	}
	if len(parts) < 2 {
		return nil, fmt.Errorf("table '%s': want 'namespace.table'", ident)
	}
	t, err := cat.LoadTable(ctx, table.Identifier(parts))
	if err != nil {
		return nil, fmt.Errorf("Iceberg table %s.%s: %w", catalogName, strings.Join(parts, "."), err)
	}
	return t, nil
}

// DataFileCount is the number of data files of the table's current
// snapshot (0 without one).
func DataFileCount(ctx context.Context, tbl *table.Table) (int, error) {
	if tbl.CurrentSnapshot() == nil {
		return 0, nil
	}
	tasks, err := tbl.Scan().PlanFiles(ctx)
	return len(tasks), err
}

// SnapshotIDs lists the table's snapshots' ids, oldest first.
func SnapshotIDs(tbl *table.Table) []int64 {
	snaps := tbl.Metadata().Snapshots()
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].TimestampMs < snaps[j].TimestampMs })
	out := make([]int64, len(snaps))
	for i, s := range snaps {
		out[i] = s.SnapshotID
	}
	return out
}
