package iceberg

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"
	"github.com/apache/iceberg-go/table/compaction"

	"github.com/chatsql/chatsql/runtime/types"
)

// Table care: compaction of small files, expiry of old snapshots and
// schema evolution, through iceberg-go. The SQL surface is Iceberg's own
// procedures (CALL lake.system.rewrite_data_files('chat.messages'),
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
func RewriteDataFiles(ctx context.Context, tbl *table.Table, opts CompactOptions) (CompactResult, error) {
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
	groups := make([]table.CompactionTaskGroup, 0, len(plan.Groups))
	for _, g := range plan.Groups {
		groups = append(groups, table.CompactionTaskGroup{PartitionKey: g.PartitionKey, Tasks: g.Tasks, TotalSizeBytes: g.TotalSizeBytes})
	}
	out, err := tbl.RewriteDataFiles(ctx, groups, table.RewriteDataFilesOptions{
		SnapshotProps: iceberggo.Properties{"chatsql.procedure": "rewrite_data_files"},
		GroupOptions:  []table.CompactionGroupOption{table.WithCompactionTargetFileSize(target)},
	})
	if err != nil {
		return res, fmt.Errorf("rewriting data files: %w", err)
	}
	res.RewrittenFiles, res.AddedFiles, res.RewrittenBytes = out.RemovedDataFiles, out.AddedDataFiles, out.BytesBefore
	res.FilesAfter = res.FilesBefore - out.RemovedDataFiles + out.AddedDataFiles
	if out.Table != nil {
		*tbl = *out.Table
		if sn := tbl.CurrentSnapshot(); sn != nil {
			res.Snapshot = sn.SnapshotID
		}
	}
	return res, nil
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
// points at one must start afresh.
func ExpireSnapshots(ctx context.Context, tbl *table.Table, olderThan time.Time, retainLast int) (ExpireResult, error) {
	var res ExpireResult
	if olderThan.IsZero() {
		olderThan = time.Now().Add(-5 * 24 * time.Hour)
	}
	if retainLast <= 0 {
		retainLast = 1
	}
	before := len(tbl.Metadata().Snapshots())
	age := time.Since(olderThan)
	if age < 0 {
		age = 0
	}
	tx := tbl.NewTransaction()
	if err := tx.ExpireSnapshots(table.WithOlderThan(age), table.WithRetainLast(retainLast)); err != nil {
		return res, err
	}
	t, err := tx.Commit(ctx)
	if err != nil {
		return res, fmt.Errorf("expiring snapshots: %w", err)
	}
	*tbl = *t
	res.Retained = len(tbl.Metadata().Snapshots())
	res.Expired = before - res.Retained
	return res, nil
}

// AddColumn adds an optional column to the table's schema (schema
// evolution): files written before read NULL for it, in chatsql, DuckDB
// and every Iceberg engine, since columns are matched by field id.
func AddColumn(ctx context.Context, tbl *table.Table, name string, t types.Type) error {
	it, err := IcebergType(t)
	if err != nil {
		return err
	}
	if _, ok := tbl.Schema().FindFieldByNameCaseInsensitive(name); ok {
		return fmt.Errorf("column '%s' already exists", name)
	}
	tx := tbl.NewTransaction()
	if err := tx.UpdateSchema(false, false).AddColumn([]string{name}, it, "", false, nil).Commit(); err != nil {
		return err
	}
	nt, err := tx.Commit(ctx)
	if err != nil {
		return err
	}
	*tbl = *nt
	return nil
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

// Call runs procedure name over catalog's tables with args.
func (c *Catalogs) Call(ctx context.Context, catalogName, name string, args CallArgs) (CallResult, error) {
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
		return CallResult{}, fmt.Errorf("unknown procedure system.%s (procedures: %s)", name, strings.Join(names, ", "))
	}
	for k := range args.Values {
		if !contains(proc.Params, k) {
			return CallResult{}, fmt.Errorf("procedure %s has no parameter '%s' (parameters: %s)", name, k, strings.Join(proc.Params, ", "))
		}
	}
	for k := range args.Maps {
		if !contains(proc.Params, k) {
			return CallResult{}, fmt.Errorf("procedure %s has no parameter '%s' (parameters: %s)", name, k, strings.Join(proc.Params, ", "))
		}
	}
	ident, ok := args.Values["table"]
	if !ok || strings.TrimSpace(ident) == "" {
		return CallResult{}, fmt.Errorf("procedure %s: the table is missing: CALL %s.system.%s('namespace.table')", name, catalogName, name)
	}
	tbl, err := c.procTable(ctx, catalogName, ident)
	if err != nil {
		return CallResult{}, err
	}
	switch name {
	case "rewrite_data_files":
		var opts CompactOptions
		kv := args.Maps["options"]
		if _, ok := args.Values["options"]; ok {
			return CallResult{}, errors.New("rewrite_data_files: options is a map: options => map('min-input-files', '2')")
		}
		for i := 0; i+1 < len(kv); i += 2 {
			n, err := strconv.ParseInt(strings.TrimSpace(kv[i+1]), 10, 64)
			if err != nil || n <= 0 {
				return CallResult{}, fmt.Errorf("rewrite_data_files: option '%s' = '%s' is not a positive integer", kv[i], kv[i+1])
			}
			switch strings.ToLower(kv[i]) {
			case "target-file-size-bytes":
				opts.TargetFileSize = n
			case "min-input-files":
				opts.MinInputFiles = int(n)
			default:
				return CallResult{}, fmt.Errorf("rewrite_data_files: unknown option '%s' (target-file-size-bytes, min-input-files)", kv[i])
			}
		}
		r, err := RewriteDataFiles(ctx, tbl, opts)
		if err != nil {
			return CallResult{}, err
		}
		return CallResult{
			Columns: []string{"rewritten_data_files_count", "added_data_files_count", "rewritten_bytes_count", "data_files_before", "data_files_after"},
			Row:     []string{strconv.Itoa(r.RewrittenFiles), strconv.Itoa(r.AddedFiles), strconv.FormatInt(r.RewrittenBytes, 10), strconv.Itoa(r.FilesBefore), strconv.Itoa(r.FilesAfter)},
		}, nil
	case "expire_snapshots":
		var older time.Time
		if v := args.Values["older_than"]; v != "" {
			ms, err := timeOpt(v)
			if err != nil {
				return CallResult{}, fmt.Errorf("expire_snapshots: older_than: %v", err)
			}
			older = time.UnixMilli(*ms)
		}
		retain := 0
		if v := args.Values["retain_last"]; v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return CallResult{}, fmt.Errorf("expire_snapshots: retain_last = '%s' is not a positive integer", v)
			}
			retain = n
		}
		r, err := ExpireSnapshots(ctx, tbl, older, retain)
		if err != nil {
			return CallResult{}, err
		}
		return CallResult{Columns: []string{"expired_snapshots_count", "retained_snapshots_count"},
			Row: []string{strconv.Itoa(r.Expired), strconv.Itoa(r.Retained)}}, nil
	}
	return CallResult{}, fmt.Errorf("procedure %s is not implemented", name)
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
