package iceberg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// Source option names (Flink's Iceberg connector read options).
const (
	OptStreaming              = "streaming"
	OptMonitorInterval        = "monitor-interval"
	OptSnapshotID             = "snapshot-id"
	OptAsOfTimestamp          = "as-of-timestamp"
	OptStartSnapshotID        = "start-snapshot-id"
	OptStartSnapshotTimestamp = "start-snapshot-timestamp"
	OptEndSnapshotID          = "end-snapshot-id"
	OptSkipOverwrite          = "streaming-skip-overwrite-snapshots"
	OptSkipDelete             = "streaming-skip-delete-snapshots"
)

// DefaultMonitorInterval is how often a streaming source looks for new
// snapshots.
const DefaultMonitorInterval = 10 * time.Second

// SettingScanFilterPrefix + the source's name is the internal setting
// through which a planner pushes a row filter into a source's scan: an
// Iceberg expression in its REST JSON form (iceberg-go's
// BooleanExpression.MarshalJSON, read back with iceberggo.ParseExpr). The
// filter prunes files by their statistics and partitions and drops rows
// while reading; the planner keeps its own Filter above the source.
const SettingScanFilterPrefix = "iceberg.scan.filter."

// ScanFilterSettings returns the settings that push filter e into the scan
// of source name.
func ScanFilterSettings(name string, e iceberggo.BooleanExpression) (map[string]string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return map[string]string{SettingScanFilterPrefix + strings.ToLower(name): string(b)}, nil
}

// sourceOptions are the read options of the iceberg connector.
func sourceOptions() []connectors.Option {
	return []connectors.Option{
		{Name: OptStreaming, Type: connectors.OptBool, Default: "false",
			Description: "Read: false scans one snapshot and ends (bounded); true scans the current snapshot (or starts at 'start-snapshot-id' / 'start-snapshot-timestamp') and then reads the data files each new append snapshot adds, forever."},
		{Name: OptMonitorInterval, Type: connectors.OptDuration, Default: "10 s",
			Description: "Read, streaming: how often the table is checked for new snapshots."},
		{Name: OptSnapshotID, Type: connectors.OptInt,
			Description: "Read, bounded: scan this snapshot instead of the current one (time travel)."},
		{Name: OptAsOfTimestamp, Type: connectors.OptString,
			Description: "Read, bounded: scan the snapshot that was current at this time: milliseconds since the epoch, or 'YYYY-MM-DD HH:MM:SS[.fff]' in UTC (time travel)."},
		{Name: OptStartSnapshotID, Type: connectors.OptInt,
			Description: "Read: start with the files this snapshot added and read the appends after it, instead of scanning the whole current snapshot first (Flink's INCREMENTAL_FROM_SNAPSHOT_ID)."},
		{Name: OptStartSnapshotTimestamp, Type: connectors.OptString,
			Description: "Read: as 'start-snapshot-id', from the first snapshot committed at or after this time (milliseconds since the epoch, or 'YYYY-MM-DD HH:MM:SS' UTC)."},
		{Name: OptEndSnapshotID, Type: connectors.OptInt,
			Description: "Read, bounded with a start snapshot: the last snapshot whose appended files are read."},
		{Name: OptSkipOverwrite, Type: connectors.OptBool, Default: "false",
			Description: "Read, incremental: skip overwrite snapshots instead of failing (their deletes are not read). A temporal-join target (a changelog) follows them without it: removed rows become deletes."},
		{Name: OptSkipDelete, Type: connectors.OptBool, Default: "false",
			Description: "Read, incremental: skip delete snapshots instead of failing. A temporal-join target (a changelog) follows them without it."},
	}
}

// pollRows is the most rows a Poll returns.
const pollRows = 4096

// Source reads an Iceberg table.
//
// Bounded (the default), it scans one snapshot — the current one,
// 'snapshot-id' or 'as-of-timestamp' — and ends; with 'start-snapshot-id'
// it reads the files appended from that snapshot on, up to
// 'end-snapshot-id' or the current one. Streaming ('streaming' = 'true'),
// it scans the current snapshot (or starts at a snapshot) and then reads,
// every 'monitor-interval', the data files of each new append snapshot;
// compaction ('replace') snapshots add no rows and are passed over.
//
// Its checkpoint state is the snapshot being read (the whole snapshot, or
// the files it added), how many of its files (sorted) are done and how
// many rows of the next one were returned, so a restart continues exactly
// where the checkpoint was.
//
// As a changelog (a temporal-join target), every row is an upsert of its
// primary key whose record time is the commit time of the snapshot that
// added its data file: the snapshot history is the version history. The
// source calls CaughtUp once it has read the snapshot that was current
// when it opened.
type Source struct {
	cfg         connectors.Config
	catalogName string
	ident       table.Identifier
	props       iceberggo.Properties

	streaming     bool
	interval      time.Duration
	snapshotID    *int64
	asOfMs        *int64
	startID       *int64
	startMs       *int64
	endID         *int64
	skipOverwrite bool
	skipDelete    bool
	filterJSON    string
	changelog     bool

	sc      *runtime.SourceContext
	cat     catalog.Catalog
	tbl     *table.Table
	fields  []string // the Iceberg field of each declared column
	filter  iceberggo.BooleanExpression
	readers []reader
	cols    []int // arrow column of each declared column
	keyCols []int // the declared columns of the primary key (changelog)
	// stats: data files opened and rows decoded, for the log and tests
	stats struct{ files, rows int64 }

	batch  int // most rows per Poll
	st     sourceState
	unit   *unit
	queue  []queued // what comes next
	next   func() (arrow.RecordBatch, error, bool)
	stop   func()
	rec    arrow.RecordBatch
	recOff int
	skip   int64 // rows of the current file still to skip (restore)

	caughtUp  bool
	lastCheck time.Time
	// missing: a streaming source whose table does not exist yet
	missing bool
	ended   bool
}

// sourceState is the source's part of a checkpoint.
type sourceState struct {
	// Snapshot is the snapshot being read (0: none yet).
	Snapshot int64 `json:"snapshot"`
	// Whole: the snapshot's whole contents are read (a table scan), not
	// only the files it added.
	Whole bool `json:"whole,omitempty"`
	// From: the files added by the append snapshots from From to Snapshot
	// (0: by Snapshot alone) are read, as one unit.
	From int64 `json:"from,omitempty"`
	// File is how many of the unit's files (in order) were read entirely,
	// Rows how many rows of the next one were returned.
	File int   `json:"file"`
	Rows int64 `json:"rows"`
	// Done: the snapshot was read entirely.
	Done bool `json:"done"`
	// Changes is how many of the unit's changes (a changelog of an
	// overwrite or delete snapshot: the keys whose rows it removed) were
	// returned; they come before its files.
	Changes int `json:"changes,omitempty"`
}

// queued is a unit to read: the files that the append snapshots from
// from to to added (from == to: one snapshot), or the changes of the
// overwrite or delete snapshot to (changelog).
type queued struct{ from, to int64 }

// unit is the files of one snapshot to read.
type unit struct {
	snapshot int64
	whole    bool
	tasks    []table.FileScanTask
	times    []int64     // per task: commit time (ms) of the snapshot that added the file, -1 unknown
	changes  []types.Row // changelog rows before the files' (source_changes.go)
}

var (
	_ runtime.Source  = (*Source)(nil)
	_ runtime.Bounded = (*Source)(nil)
)

// NewSource builds an Iceberg source from validated options.
func NewSource(cfg connectors.Config) (runtime.Source, error) {
	s := &Source{cfg: cfg, changelog: cfg.Changelog, batch: pollRows,
		catalogName:   strings.ToLower(strings.TrimSpace(cfg.Options.Get(OptCatalog))),
		streaming:     cfg.Options.Bool(OptStreaming),
		interval:      cfg.Options.Duration(OptMonitorInterval),
		skipOverwrite: cfg.Options.Bool(OptSkipOverwrite),
		skipDelete:    cfg.Options.Bool(OptSkipDelete),
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("iceberg source '%s': %w: %s", cfg.Name, connectors.ErrBadOption, fmt.Sprintf(format, args...))
	}
	if s.catalogName == "" {
		s.catalogName = DefaultCatalog
	}
	if s.interval <= 0 {
		s.interval = DefaultMonitorInterval
	}
	var err error
	if s.ident, err = tableOption(cfg.Options); err != nil {
		return nil, fmt.Errorf("iceberg source '%s': %w", cfg.Name, err)
	}
	intOpt := func(k string) *int64 {
		if cfg.Options.Get(k) == "" {
			return nil
		}
		n := cfg.Options.Int(k)
		return &n
	}
	s.snapshotID, s.startID, s.endID = intOpt(OptSnapshotID), intOpt(OptStartSnapshotID), intOpt(OptEndSnapshotID)
	if s.asOfMs, err = timeOpt(cfg.Options.Get(OptAsOfTimestamp)); err != nil {
		return nil, fail("'%s': %v", OptAsOfTimestamp, err)
	}
	if s.startMs, err = timeOpt(cfg.Options.Get(OptStartSnapshotTimestamp)); err != nil {
		return nil, fail("'%s': %v", OptStartSnapshotTimestamp, err)
	}
	switch {
	case s.snapshotID != nil && s.asOfMs != nil:
		return nil, fail("'snapshot-id' and 'as-of-timestamp' both given; keep one")
	case s.startID != nil && s.startMs != nil:
		return nil, fail("'start-snapshot-id' and 'start-snapshot-timestamp' both given; keep one")
	case (s.snapshotID != nil || s.asOfMs != nil) && (s.startID != nil || s.startMs != nil):
		return nil, fail("'snapshot-id'/'as-of-timestamp' scan one snapshot; 'start-snapshot-id'/'start-snapshot-timestamp' read appends from one: keep one kind")
	case s.streaming && (s.snapshotID != nil || s.asOfMs != nil):
		return nil, fail("'snapshot-id' and 'as-of-timestamp' are for a bounded read; a streaming read starts with 'start-snapshot-id' or 'start-snapshot-timestamp'")
	case s.endID != nil && (s.streaming || s.startID == nil && s.startMs == nil):
		return nil, fail("'end-snapshot-id' ends a bounded read that starts with 'start-snapshot-id' or 'start-snapshot-timestamp'")
	}
	for _, k := range cfg.PrimaryKey {
		i := cfg.Schema.Index(k)
		if i < 0 {
			return nil, fail("primary key column '%s' is not a column of the source", k)
		}
		s.keyCols = append(s.keyCols, i)
	}
	s.filterJSON = cfg.Settings[SettingScanFilterPrefix+strings.ToLower(cfg.Name)]
	if s.props, err = catalogProperties(s.catalogName, cfg.Settings); err != nil {
		return nil, fmt.Errorf("iceberg source '%s': %w", cfg.Name, err)
	}
	return s, nil
}

// timeOpt reads a time option: milliseconds since the epoch, or a UTC
// date-time.
func timeOpt(v string) (*int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return &n, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			ms := t.UnixMilli()
			return &ms, nil
		}
	}
	return nil, fmt.Errorf("'%s' is neither milliseconds since the epoch nor 'YYYY-MM-DD HH:MM:SS'", v)
}

// Bounded reports whether the source ends.
func (s *Source) Bounded() bool { return !s.streaming }

func (s *Source) tableName() string { return s.catalogName + "." + strings.Join(s.ident, ".") }

func (s *Source) errf(format string, args ...any) error {
	return fmt.Errorf("iceberg source '%s' (%s): %s", s.cfg.Name, s.tableName(), fmt.Sprintf(format, args...))
}

func (s *Source) logf(format string, args ...any) {
	if s.sc != nil && s.sc.Logf != nil {
		s.sc.Logf("iceberg source '%s': "+format, append([]any{s.cfg.Name}, args...)...)
	}
}

// Open loads the table, maps the declared columns to its fields and
// decides where reading starts (state: a checkpoint's position).
func (s *Source) Open(ctx context.Context, sc *runtime.SourceContext, state []byte) error {
	s.sc = sc
	cat, err := catalog.Load(ctx, s.catalogName, s.props)
	if err != nil {
		return fmt.Errorf("iceberg source '%s': catalog %s: %w", s.cfg.Name, s.catalogName, err)
	}
	s.cat = cat
	if s.tbl, err = cat.LoadTable(ctx, s.ident); err != nil {
		var st sourceState
		if len(state) > 0 {
			_ = json.Unmarshal(state, &st)
		}
		if s.streaming && errors.Is(err, catalog.ErrNoSuchTable) && st.Snapshot == 0 {
			// A streaming reader of a table that another job (often a
			// sink of the same script) has not created yet: the table is
			// empty until it appears, then read from its first snapshot.
			s.missing = true
			s.logf("table %s does not exist yet; reading it once it is created (checked every %s)", s.tableName(), s.interval)
			return nil
		}
		return s.errf("%v", err)
	}
	return s.opened(ctx, state)
}

// opened finishes Open once the table is loaded.
func (s *Source) opened(ctx context.Context, state []byte) error {
	if err := s.mapColumns(); err != nil {
		return err
	}
	if s.filterJSON != "" {
		f, err := parseScanFilter(s.filterJSON, s.tbl.Schema(), s.cfg.Schema)
		if err != nil {
			return s.errf("pushed-down filter %s: %v", s.filterJSON, err)
		}
		for _, d := range f.dropped {
			s.logf("not pushed into the scan (the query's filter still applies): %s", d)
		}
		s.filter = f.expr
	}
	if s.changelog && (s.snapshotID != nil || s.asOfMs != nil) {
		// the table's history up to the snapshot chosen
		id, err := s.chosenSnapshot()
		if err != nil {
			return err
		}
		s.endID = &id
	}
	if len(state) > 0 {
		if err := json.Unmarshal(state, &s.st); err != nil {
			return s.errf("restoring checkpoint state: %v", err)
		}
		if s.st.Snapshot != 0 {
			return s.resume(ctx)
		}
	}
	return s.start(ctx)
}

// mapColumns finds the Iceberg field of every declared column and checks
// that its values can be read as the declared type.
func (s *Source) mapColumns() error {
	sch := s.tbl.Schema()
	s.fields = s.fields[:0]
	for _, c := range s.cfg.Schema.Columns {
		f, ok := sch.FindFieldByNameCaseInsensitive(c.Name)
		if !ok {
			var names []string
			for _, x := range sch.Fields() {
				names = append(names, x.Name)
			}
			hint := ""
			if m := connectors.Closest(c.Name, names); m != "" {
				hint = fmt.Sprintf("; did you mean '%s'?", m)
			}
			return s.errf("column '%s' is not in the table (columns: %s)%s", c.Name, strings.Join(names, ", "), hint)
		}
		if _, err := ChatsqlType(f.Type); err != nil {
			return s.errf("column '%s': %v", c.Name, err)
		}
		s.fields = append(s.fields, f.Name)
	}
	return nil
}

// chosenSnapshot is the snapshot 'snapshot-id' or 'as-of-timestamp' names.
func (s *Source) chosenSnapshot() (int64, error) {
	if s.snapshotID != nil {
		if s.tbl.Metadata().SnapshotByID(*s.snapshotID) == nil {
			return 0, s.errf("no snapshot %d (%s)", *s.snapshotID, s.snapshotList())
		}
		return *s.snapshotID, nil
	}
	sn := s.tbl.SnapshotAsOf(*s.asOfMs, true)
	if sn == nil {
		return 0, s.errf("no snapshot was current at %s (%s)", time.UnixMilli(*s.asOfMs).UTC().Format(time.DateTime), s.snapshotList())
	}
	return sn.SnapshotID, nil
}

// start decides the first snapshot of a fresh start.
func (s *Source) start(ctx context.Context) error {
	meta := s.tbl.Metadata()
	switch {
	case s.changelog && s.startID == nil && s.startMs == nil:
		return s.startChangelog(ctx)
	case s.snapshotID != nil || s.asOfMs != nil:
		id, err := s.chosenSnapshot()
		if err != nil {
			return err
		}
		s.st = sourceState{Snapshot: id, Whole: true}
	case s.startID != nil || s.startMs != nil:
		var first *table.Snapshot
		if s.startID != nil {
			if first = meta.SnapshotByID(*s.startID); first == nil {
				return s.errf("no snapshot %d (%s)", *s.startID, s.snapshotList())
			}
		} else {
			chain := s.ancestry(0)
			for i := range chain {
				if chain[i].TimestampMs >= *s.startMs {
					first = &chain[i]
					break
				}
			}
			if first == nil {
				// Nothing at or after the time yet: start after the current one.
				if cur := s.tbl.CurrentSnapshot(); cur != nil {
					s.st = sourceState{Snapshot: cur.SnapshotID, Done: true}
				}
				return s.plan(ctx)
			}
		}
		if s.endID != nil && meta.SnapshotByID(*s.endID) == nil {
			return s.errf("no snapshot %d ('end-snapshot-id'; %s)", *s.endID, s.snapshotList())
		}
		// The start snapshot's own files, then the appends after it.
		return s.planFrom(ctx, first.SnapshotID, true)
	default:
		cur := s.tbl.CurrentSnapshot()
		if cur == nil {
			return nil // an empty table: nothing to read (yet)
		}
		s.st = sourceState{Snapshot: cur.SnapshotID, Whole: true}
	}
	return s.openUnit(ctx)
}

// startChangelog starts a changelog with the table's history: a scan of
// the last snapshot before the first one that is not an append (each row a
// version from the commit of the snapshot that added its file), then the
// changes of every snapshot after it, so that rows deleted since are
// versions that ended at their delete. Not a later snapshot: compaction
// writes rows into new files, which would date them from the compaction.
// A table that only ever grew is a scan of its current snapshot.
func (s *Source) startChangelog(ctx context.Context) error {
	var end int64
	if s.endID != nil {
		end = *s.endID
	}
	chain := s.ancestry(end)
	if len(chain) == 0 {
		return nil // an empty table: nothing to read (yet)
	}
	base := len(chain) - 1
	for i := range chain {
		if changeOp(&chain[i]) != table.OpAppend {
			base = max(i-1, 0)
			break
		}
	}
	s.st = sourceState{Snapshot: chain[base].SnapshotID, Whole: true}
	if err := s.queueFrom(s.st.Snapshot, false); err != nil {
		return err
	}
	return s.openUnit(ctx)
}

// resume continues from a checkpoint's position.
func (s *Source) resume(ctx context.Context) error {
	if s.tbl.Metadata().SnapshotByID(s.st.Snapshot) == nil {
		return s.errf("the checkpoint's snapshot %d is no longer in the table (expired?); start the job afresh", s.st.Snapshot)
	}
	oneSnapshot := s.st.Whole && !s.changelog // a scan of one snapshot, not a history
	if s.st.Done {
		if oneSnapshot && !s.streaming {
			return nil // a bounded scan of one snapshot that was finished
		}
		return s.plan(ctx)
	}
	if err := s.openUnit(ctx); err != nil {
		return err
	}
	if oneSnapshot {
		return nil
	}
	// the snapshots after this one follow
	return s.queueFrom(s.st.Snapshot, false)
}

func (s *Source) snapshotList() string {
	chain := s.ancestry(0)
	if len(chain) == 0 {
		return "the table has no snapshot"
	}
	var ids []string
	for i := len(chain) - 1; i >= 0 && len(ids) < 5; i-- {
		ids = append(ids, fmt.Sprintf("%d at %s", chain[i].SnapshotID, time.UnixMilli(chain[i].TimestampMs).UTC().Format(time.DateTime)))
	}
	return "newest: " + strings.Join(ids, ", ")
}

// ancestry returns the snapshots from the oldest known ancestor to the end
// snapshot (0: the current one), oldest first.
func (s *Source) ancestry(end int64) []table.Snapshot {
	meta := s.tbl.Metadata()
	var sn *table.Snapshot
	if end != 0 {
		sn = meta.SnapshotByID(end)
	} else {
		sn = meta.CurrentSnapshot()
	}
	var out []table.Snapshot
	for sn != nil {
		out = append(out, *sn)
		if sn.ParentSnapshotID == nil {
			break
		}
		sn = meta.SnapshotByID(*sn.ParentSnapshotID)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// plan queues the snapshots after the last one read (s.st.Snapshot, done)
// up to the end snapshot (or the current one) and opens the first.
func (s *Source) plan(ctx context.Context) error {
	return s.planFrom(ctx, s.st.Snapshot, false)
}

// planFrom queues the snapshots from snapshot from (0: the first one) up
// to the end snapshot (or the current one), from itself included or not,
// and opens the first.
func (s *Source) planFrom(ctx context.Context, from int64, inclusive bool) error {
	if err := s.queueFrom(from, inclusive); err != nil {
		return err
	}
	return s.nextUnit(ctx)
}

// queueFrom queues the snapshots from snapshot from (0: the first one) up
// to the end snapshot (or the current one), from itself included or not.
func (s *Source) queueFrom(from int64, inclusive bool) error {
	end := int64(0)
	if s.endID != nil {
		end = *s.endID
	}
	chain := s.ancestry(end)
	var ids []int64
	found := from == 0
	for _, sn := range chain {
		if !found && sn.SnapshotID == from {
			found = true
			if !inclusive {
				continue
			}
		}
		if found {
			ids = append(ids, sn.SnapshotID)
		}
	}
	if !found && len(chain) > 0 {
		return s.errf("snapshot %d is not an ancestor of the table's snapshot %d (expired, or the table was rolled back)",
			from, chain[len(chain)-1].SnapshotID)
	}
	return s.queueSnapshots(ids)
}

// queueSnapshots queues the snapshots ids (oldest first): appends in runs
// read as one unit each (one scan plan for many small commits); snapshots
// that change no rows are dropped; the queue fails on a snapshot whose
// changes a stream of appends cannot express (a changelog expresses them).
func (s *Source) queueSnapshots(ids []int64) error {
	meta := s.tbl.Metadata()
	s.queue = s.queue[:0]
	run := false // the last queued unit is a run of appends
	for _, id := range ids {
		switch op := changeOp(meta.SnapshotByID(id)); op {
		case table.OpAppend:
			if run {
				s.queue[len(s.queue)-1].to = id
			} else {
				s.queue = append(s.queue, queued{from: id, to: id})
				run = true
			}
		case table.OpReplace:
			// compaction: the same rows in other files
		case table.OpOverwrite, table.OpDelete:
			if s.changelog {
				s.queue = append(s.queue, queued{from: id, to: id})
				run = false
				continue
			}
			if op == table.OpDelete {
				if !s.skipDelete {
					return s.errf("snapshot %d deletes rows, which an incremental read cannot follow; set '%s' = 'true' to skip such snapshots", id, OptSkipDelete)
				}
				s.logf("skipping delete snapshot %d", id)
				continue
			}
			if !s.skipOverwrite {
				return s.errf("snapshot %d is an overwrite, which an incremental read cannot follow; set '%s' = 'true' to skip such snapshots", id, OptSkipOverwrite)
			}
			s.logf("skipping overwrite snapshot %d", id)
		}
	}
	return nil
}

// nextUnit opens the next queued snapshot's appended files (none: the
// position stays where it is).
func (s *Source) nextUnit(ctx context.Context) error {
	if len(s.queue) == 0 {
		return nil
	}
	q := s.queue[0]
	s.queue = s.queue[1:]
	s.st = sourceState{Snapshot: q.to}
	if q.from != q.to {
		s.st.From = q.from
	}
	return s.openUnit(ctx)
}

// openUnit plans the files of the snapshot in s.st and skips what the
// position says was read.
func (s *Source) openUnit(ctx context.Context) error {
	meta := s.tbl.Metadata()
	sn := meta.SnapshotByID(s.st.Snapshot)
	if sn == nil {
		return s.errf("no snapshot %d", s.st.Snapshot)
	}
	if op := changeOp(sn); s.changelog && !s.st.Whole && (op == table.OpOverwrite || op == table.OpDelete) {
		if err := s.openChangeUnit(ctx, sn); err != nil {
			return err
		}
		return s.positionInUnit()
	}
	u := &unit{snapshot: sn.SnapshotID, whole: s.st.Whole}
	var err error
	if u.whole {
		opts := []table.ScanOption{table.WithSnapshotID(sn.SnapshotID), table.WithCaseSensitive(false)}
		if s.filter != nil {
			opts = append(opts, table.WithRowFilter(s.filter))
		}
		u.tasks, err = s.tbl.Scan(opts...).PlanFiles(ctx)
	} else {
		var opts []table.ScanOption
		if s.filter != nil {
			opts = append(opts, table.WithRowFilter(s.filter), table.WithCaseSensitive(false))
		}
		from := sn.SnapshotID
		if s.st.From != 0 {
			from = s.st.From
		}
		u.tasks, err = s.tbl.NewIncrementalAppendScan(opts...).FromSnapshotInclusive(from).ToSnapshot(sn.SnapshotID).PlanFiles(ctx)
	}
	if err != nil {
		return s.errf("planning the files of snapshot %d: %v", sn.SnapshotID, err)
	}
	// The commit time of each file's snapshot: the snapshot of the file's
	// data sequence number (for a run of appends, the snapshot that
	// appended it).
	bySeq := map[int64]int64{}
	for _, x := range meta.Snapshots() {
		if x.SequenceNumber > 0 {
			bySeq[x.SequenceNumber] = x.TimestampMs
		}
	}
	sortTasks(u.tasks)
	u.times = make([]int64, len(u.tasks))
	for i, t := range u.tasks {
		switch ts, ok := bySeq[dataSeq(t)]; {
		case ok:
			u.times[i] = ts
		case !u.whole && s.st.From == 0:
			u.times[i] = sn.TimestampMs
		default:
			u.times[i] = -1
		}
	}
	s.unit = u
	return s.positionInUnit()
}

// positionInUnit checks the position in s.st against the unit just
// planned and skips the rows it says were read.
func (s *Source) positionInUnit() error {
	u := s.unit
	if s.st.File > len(u.tasks) || s.st.Changes > len(u.changes) {
		return s.errf("the checkpoint read %d files (%d changes) of snapshot %d, which has %d (%d)",
			s.st.File, s.st.Changes, u.snapshot, len(u.tasks), len(u.changes))
	}
	s.skip = s.st.Rows
	return nil
}

// openFile starts reading the unit's file s.st.File.
func (s *Source) openFile(ctx context.Context) error {
	task := s.unit.tasks[s.st.File]
	opts := []table.ScanOption{table.WithSelectedFields(s.fields...), table.WithCaseSensitive(false)}
	if s.filter != nil {
		opts = append(opts, table.WithRowFilter(s.filter))
	}
	// Read with the current schema: files written before a column was
	// added read NULL for it.
	asc, recs, err := s.tbl.Scan(opts...).ReadTasks(ctx, []table.FileScanTask{task})
	if err != nil {
		return s.errf("reading %s: %v", task.File.FilePath(), err)
	}
	if s.readers, s.cols, err = s.columnReaders(asc, s.allColumns()); err != nil {
		return err
	}
	s.stats.files++
	s.next, s.stop = iter.Pull2(recs)
	return nil
}

// columnReaders finds the declared columns cols in the records of a scan
// (asc) and returns the reader and the record column of each.
func (s *Source) columnReaders(asc *arrow.Schema, cols []int) ([]reader, []int, error) {
	readers := make([]reader, len(cols))
	idx := make([]int, len(cols))
	for i, c := range cols {
		col := s.cfg.Schema.Columns[c]
		idx[i] = -1
		for j, f := range asc.Fields() {
			if strings.EqualFold(f.Name, s.fields[c]) {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 {
			return nil, nil, s.errf("column '%s' missing from the scan's records", col.Name)
		}
		var err error
		if readers[i], err = newReader(asc.Field(idx[i]).Type, col.Type); err != nil {
			return nil, nil, s.errf("column '%s': %v", col.Name, err)
		}
	}
	return readers, idx, nil
}

// allColumns is the positions of every declared column.
func (s *Source) allColumns() []int {
	all := make([]int, len(s.cfg.Schema.Columns))
	for i := range all {
		all[i] = i
	}
	return all
}

func (s *Source) closeFile() {
	if s.rec != nil {
		s.rec.Release()
		s.rec = nil
	}
	if s.stop != nil {
		s.stop()
		s.stop, s.next = nil, nil
	}
}

// Poll returns up to pollRows rows of the current file; between units it
// moves on, and when everything known is read it ends (bounded) or looks
// for new snapshots every monitor interval.
func (s *Source) Poll(ctx context.Context) (*runtime.Batch, error) {
	if s.missing {
		return nil, s.pollMissing(ctx)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.unit != nil && !s.st.Done {
			b, err := s.pollUnit(ctx)
			if err != nil || b != nil {
				return b, err
			}
			continue
		}
		// Between units.
		if len(s.queue) > 0 {
			if err := s.nextUnit(ctx); err != nil {
				return nil, err
			}
			continue
		}
		// Everything the table held when the source opened was read.
		s.markCaughtUp()
		if !s.streaming {
			if !s.ended {
				pushed := ""
				if s.filter != nil {
					pushed = fmt.Sprintf(", the scan filtered by %s", s.filter)
				}
				s.logf("read %d data files, %d rows%s", s.stats.files, s.stats.rows, pushed)
			}
			s.ended = true
			return nil, runtime.ErrEndOfInput
		}
		if due, err := s.checkDue(ctx); !due {
			return nil, err
		}
		if err := s.tbl.Refresh(ctx); err != nil {
			s.logf("looking for new snapshots: %v", err)
			return nil, nil
		}
		// A new current snapshot, or the first of a table that was empty
		// (its snapshots are read as appends).
		if cur := s.tbl.CurrentSnapshot(); s.st.Snapshot == 0 || cur != nil && cur.SnapshotID != s.st.Snapshot {
			if err := s.plan(ctx); err != nil {
				return nil, err
			}
		}
		if s.unit == nil || s.st.Done {
			return nil, nil
		}
	}
}

// pollUnit reads the next rows of the unit; nil, nil when it moved past a
// file (or finished the unit).
func (s *Source) pollUnit(ctx context.Context) (*runtime.Batch, error) {
	u := s.unit
	if s.st.Changes < len(u.changes) {
		n := min(len(u.changes)-s.st.Changes, s.batch)
		rows := u.changes[s.st.Changes : s.st.Changes+n]
		s.st.Changes += n
		return &runtime.Batch{Rows: rows}, nil
	}
	if s.st.File >= len(u.tasks) {
		s.closeFile()
		s.st = sourceState{Snapshot: u.snapshot, Whole: u.whole, File: len(u.tasks), Done: true}
		return nil, nil
	}
	if s.next == nil {
		if err := s.openFile(ctx); err != nil {
			return nil, err
		}
	}
	var rows []types.Row
	for len(rows) < s.batch {
		if s.rec == nil {
			rec, err, ok := s.next()
			if !ok {
				// The file is done.
				s.closeFile()
				s.st.File++
				s.st.Rows = 0
				s.skip = 0
				break
			}
			if err != nil {
				return nil, s.errf("reading %s: %v", u.tasks[s.st.File].File.FilePath(), err)
			}
			s.rec, s.recOff = rec, 0
			if s.skip > 0 {
				n := min(s.skip, rec.NumRows())
				s.recOff = int(n)
				s.skip -= n
			}
		}
		rows = s.appendRows(rows, s.rec, s.batch-len(rows), u.times[s.st.File])
		if s.recOff >= int(s.rec.NumRows()) {
			s.rec.Release()
			s.rec = nil
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &runtime.Batch{Rows: rows}, nil
}

// appendRows converts up to n rows of rec from s.recOff on.
func (s *Source) appendRows(rows []types.Row, rec arrow.RecordBatch, n int, commitMs int64) []types.Row {
	end := min(int(rec.NumRows()), s.recOff+n)
	width := len(s.readers)
	if s.changelog {
		width += 2
	}
	k := end - s.recOff
	vals := make([]types.Value, k*width)
	for r := 0; r < k; r++ {
		row := types.Row(vals[r*width : (r+1)*width : (r+1)*width])
		i := s.recOff + r
		for c, rd := range s.readers {
			row[c] = rd(rec.Column(s.cols[c]), i)
		}
		if s.changelog {
			row[len(s.readers)] = types.NewInt(0) // upsert
			if commitMs >= 0 {
				row[len(s.readers)+1] = types.NewTimestampLTZ(commitMs * 1000)
			}
		}
		rows = append(rows, row)
	}
	s.recOff = end
	s.st.Rows += int64(k)
	s.stats.rows += int64(k)
	return rows
}

// Snapshot returns the position after the last batch Poll returned.
func (s *Source) Snapshot(ctx context.Context) ([]byte, error) {
	return json.Marshal(s.st)
}

// Close releases the reader and the catalog.
func (s *Source) Close() error {
	s.closeFile()
	if c, ok := s.cat.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// pollMissing waits for a table that does not exist yet: it is empty (a
// changelog reader is caught up at once) until LoadTable finds it, every
// monitor interval.
func (s *Source) pollMissing(ctx context.Context) error {
	s.markCaughtUp()
	if due, err := s.checkDue(ctx); !due {
		return err
	}
	tbl, err := s.cat.LoadTable(ctx, s.ident)
	if errors.Is(err, catalog.ErrNoSuchTable) {
		return nil
	}
	if err != nil {
		return s.errf("%v", err)
	}
	s.tbl, s.missing = tbl, false
	s.logf("table %s exists now; reading it", s.tableName())
	return s.opened(ctx, nil)
}

// markCaughtUp tells the driver, once, that everything the table held at
// the start has been returned.
func (s *Source) markCaughtUp() {
	if s.caughtUp {
		return
	}
	s.caughtUp = true
	if s.sc != nil && s.sc.CaughtUp != nil {
		s.sc.CaughtUp()
	}
}

// checkDue reports whether the monitor interval has passed since the last
// look at the catalog (and starts the next one); when it has not, it waits
// at most 200 ms, so that Poll returns often enough for barriers.
func (s *Source) checkDue(ctx context.Context) (bool, error) {
	if wait := s.interval - time.Since(s.lastCheck); wait > 0 {
		t := time.NewTimer(min(wait, 200*time.Millisecond))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-t.C:
		}
		return false, nil
	}
	s.lastCheck = time.Now()
	return true, nil
}
