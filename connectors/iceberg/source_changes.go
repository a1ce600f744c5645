package iceberg

import (
	"context"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/runtime/types"
)

// The changes of an overwrite or delete snapshot, for a changelog reader.
//
// Such a snapshot removes data files (a copy-on-write delete or update
// rewrites them) and adds data files and delete files (positional,
// equality, deletion vectors). The planned files of the snapshot and of
// its parent tell which: a data file only before was removed, only after
// was added, in both with other delete files had rows deleted. Reading
// the keys of the rows live in those files before and after the snapshot
// gives the keys whose rows the snapshot removed. A changelog is keyed and
// the newest row of a key is its version, so a removed row is not simply
// a delete of its key: another row of the same key (an older version the
// table still holds) may remain. The keys are therefore looked up in the
// snapshot itself (a scan with the keys as a filter, which prunes files by
// their statistics): a key with no row left is deleted, a key with rows
// left gets its newest one again. Keys of rows the snapshot adds need no
// lookup; those rows come after, as upserts. Everything happens at the
// snapshot's commit time. A replace snapshot (compaction) changes no row
// and is not read at all.

// taskSet is the planned files of a snapshot by path.
type taskSet map[string]table.FileScanTask

// planSnapshot plans every data file of snapshot id (with its delete
// files); an id of 0 is the empty table before the first snapshot.
func (s *Source) planSnapshot(ctx context.Context, id int64, filter iceberggo.BooleanExpression) ([]table.FileScanTask, error) {
	if id == 0 {
		return nil, nil
	}
	opts := []table.ScanOption{table.WithSnapshotID(id), table.WithCaseSensitive(false)}
	if filter != nil {
		opts = append(opts, table.WithRowFilter(filter))
	}
	return s.tbl.Scan(opts...).PlanFiles(ctx)
}

func byPath(tasks []table.FileScanTask) taskSet {
	m := make(taskSet, len(tasks))
	for _, t := range tasks {
		m[t.File.FilePath()] = t
	}
	return m
}

// deleteFiles is a task's delete files as one comparable string.
func deleteFiles(t table.FileScanTask) string {
	var paths []string
	for _, fs := range [][]iceberggo.DataFile{t.DeleteFiles, t.EqualityDeleteFiles, t.DeletionVectorFiles} {
		for _, f := range fs {
			paths = append(paths, f.FilePath())
		}
	}
	sort.Strings(paths)
	return strings.Join(paths, "\n")
}

// sortTasks orders tasks as a scan of a whole snapshot reads them: by data
// sequence number (older versions first), then path.
func sortTasks(tasks []table.FileScanTask) {
	sort.SliceStable(tasks, func(i, j int) bool {
		a, b := tasks[i], tasks[j]
		if sa, sb := dataSeq(a), dataSeq(b); sa != sb {
			return sa < sb
		}
		return a.File.FilePath() < b.File.FilePath()
	})
}

// dataSeq is a task's data sequence number (-1 unknown).
func dataSeq(t table.FileScanTask) int64 {
	if t.DataSequenceNumber != nil {
		return *t.DataSequenceNumber
	}
	return -1
}

// openChangeUnit plans the changes of snapshot sn (an overwrite or delete)
// into s.unit: the rows of the keys it removed, then its added files.
func (s *Source) openChangeUnit(ctx context.Context, sn *table.Snapshot) error {
	if len(s.keyCols) == 0 {
		return s.errf("snapshot %d (%s) removes rows: a changelog of the table needs its PRIMARY KEY", sn.SnapshotID, sn.Summary.Operation)
	}
	keys, added, err := s.removedKeys(ctx, sn)
	if err != nil {
		return err
	}
	u := &unit{snapshot: sn.SnapshotID, tasks: added, times: make([]int64, len(added))}
	for i := range u.times {
		u.times[i] = sn.TimestampMs
	}
	if len(keys.order) > 0 {
		deletes := 0
		if u.changes, deletes, err = s.keyVersions(ctx, sn, keys); err != nil {
			return err
		}
		s.logf("snapshot %d (%s) removed rows of %d keys: %d deleted, %d with an older row left", sn.SnapshotID,
			sn.Summary.Operation, len(keys.order), deletes, len(keys.order)-deletes)
	}
	s.unit = u
	return nil
}

// keySet is a set of primary keys: encoded (keyOf), in order, with their
// values.
type keySet struct {
	order []string
	rows  map[string]types.Row // the key columns' values
}

// keyOf encodes key values.
func keyOf(vals types.Row) string {
	var b []byte
	for _, v := range vals {
		b = v.AppendBinary(b)
	}
	return string(b)
}

// removedKeys compares the files of snapshot sn with its parent's and
// returns the keys whose rows sn removed (live before, not after, and not
// written again by sn) and the data files sn added.
func (s *Source) removedKeys(ctx context.Context, sn *table.Snapshot) (keySet, []table.FileScanTask, error) {
	var parent int64
	if sn.ParentSnapshotID != nil {
		parent = *sn.ParentSnapshotID
	}
	beforeTasks, err := s.planSnapshot(ctx, parent, s.filter)
	if err != nil {
		return keySet{}, nil, s.errf("planning the files of snapshot %d: %v", parent, err)
	}
	afterTasks, err := s.planSnapshot(ctx, sn.SnapshotID, s.filter)
	if err != nil {
		return keySet{}, nil, s.errf("planning the files of snapshot %d: %v", sn.SnapshotID, err)
	}
	before, after := byPath(beforeTasks), byPath(afterTasks)
	var gone, touchedBefore, touchedAfter, added []table.FileScanTask
	for p, t := range before {
		a, ok := after[p]
		switch {
		case !ok:
			gone = append(gone, t)
		case deleteFiles(a) != deleteFiles(t):
			touchedBefore = append(touchedBefore, t)
			touchedAfter = append(touchedAfter, a)
		}
	}
	for p, t := range after {
		if _, ok := before[p]; !ok {
			added = append(added, t)
		}
	}
	for _, ts := range [][]table.FileScanTask{gone, touchedBefore, touchedAfter, added} {
		sortTasks(ts)
	}

	// rows live before minus rows live after, by key
	count := map[string]int{}
	keys := keySet{rows: map[string]types.Row{}}
	tally := func(tasks []table.FileScanTask, d int) error {
		return s.readRows(ctx, tasks, s.keyCols, nil, func(row types.Row) {
			k := keyOf(row)
			count[k] += d
			if d > 0 {
				keys.rows[k] = row
			}
		})
	}
	for _, step := range []struct {
		tasks []table.FileScanTask
		d     int
	}{{gone, 1}, {touchedBefore, 1}, {touchedAfter, -1}} {
		if err := tally(step.tasks, step.d); err != nil {
			return keySet{}, nil, err
		}
	}
	// keys the snapshot writes again are its own upserts
	if err := s.readRows(ctx, added, s.keyCols, nil, func(row types.Row) { delete(count, keyOf(row)) }); err != nil {
		return keySet{}, nil, err
	}
	for k, n := range count {
		if n > 0 {
			keys.order = append(keys.order, k)
		}
	}
	for k := range keys.rows {
		if count[k] <= 0 {
			delete(keys.rows, k)
		}
	}
	sort.Strings(keys.order)
	return keys, added, nil
}

// keyVersions looks the keys up in snapshot sn and returns their changelog
// rows at its commit: the newest row left of a key (the last one read in
// the order a whole scan reads them), or a delete of it.
func (s *Source) keyVersions(ctx context.Context, sn *table.Snapshot, keys keySet) (rows []types.Row, deletes int, err error) {
	filter := s.keyFilter(keys)
	if s.filter != nil {
		filter = iceberggo.NewAnd(s.filter, filter)
	}
	left, err := s.planSnapshot(ctx, sn.SnapshotID, filter)
	if err != nil {
		return nil, 0, s.errf("looking up %d keys in snapshot %d: %v", len(keys.order), sn.SnapshotID, err)
	}
	sortTasks(left)
	newest := map[string]types.Row{}
	kr := make(types.Row, len(s.keyCols))
	err = s.readRows(ctx, left, s.allColumns(), filter, func(row types.Row) {
		for i, c := range s.keyCols {
			kr[i] = row[c]
		}
		if k := keyOf(kr); keys.rows[k] != nil {
			newest[k] = row
		}
	})
	if err != nil {
		return nil, 0, err
	}
	width := len(s.cfg.Schema.Columns)
	at := types.NewTimestampLTZ(sn.TimestampMs * 1000)
	for _, k := range keys.order {
		row := make(types.Row, width+2)
		if r, ok := newest[k]; ok {
			copy(row, r)
			row[width] = types.NewInt(0)
		} else {
			for i, c := range s.keyCols {
				row[c] = keys.rows[k][i]
			}
			row[width] = types.NewInt(1)
			deletes++
		}
		row[width+1] = at
		rows = append(rows, row)
	}
	return rows, deletes, nil
}

// keyFilter is a filter that keeps the rows of the keys (and others): an
// IN list per key column. A key column whose values have no Iceberg
// literal adds nothing.
func (s *Source) keyFilter(keys keySet) iceberggo.BooleanExpression {
	var out iceberggo.BooleanExpression = iceberggo.AlwaysTrue{}
	for i, c := range s.keyCols {
		seen := map[string]bool{}
		var lits []iceberggo.Literal
		ok := true
		for _, k := range keys.order {
			v := keys.rows[k][i]
			if v.IsNull() {
				ok = false // IN never holds for NULL
				break
			}
			if seen[v.String()] {
				continue
			}
			seen[v.String()] = true
			l, lok := icebergLiteral(v)
			if !lok {
				ok = false
				break
			}
			lits = append(lits, l)
		}
		if !ok || len(lits) == 0 {
			continue
		}
		// equal in Iceberg exactly when equal as read: the filter must not
		// lose a row of a wanted key
		f, found := s.tbl.Schema().FindFieldByNameCaseInsensitive(s.fields[c])
		if !found || !sameOrder(s.cfg.Schema.Columns[c].Type, f.Type) {
			continue
		}
		in := iceberggo.SetPredicate(iceberggo.OpIn, iceberggo.Reference(f.Name), lits)
		if _, err := iceberggo.BindExpr(s.tbl.Schema(), in, true); err != nil {
			continue
		}
		out = iceberggo.NewAnd(out, in)
	}
	return out
}

// icebergLiteral is a key value as an Iceberg literal (bound to the
// field's type by the scan).
func icebergLiteral(v types.Value) (iceberggo.Literal, bool) {
	switch v.Kind() {
	case types.KindString:
		return iceberggo.NewLiteral(v.Str()), true
	case types.KindInt, types.KindBigInt:
		return iceberggo.NewLiteral(v.Int()), true
	case types.KindBoolean:
		return iceberggo.NewLiteral(v.Bool()), true
	case types.KindDate:
		return iceberggo.NewLiteral(iceberggo.Date(v.Int())), true
	case types.KindTimestamp, types.KindTimestampLTZ:
		return iceberggo.NewLiteral(iceberggo.Timestamp(v.Micros())), true
	}
	return nil, false
}

// readRows reads the declared columns cols of every row of tasks, one
// file after the other in order, with their delete files applied; fn gets
// each row (its own slice: it may keep it).
func (s *Source) readRows(ctx context.Context, tasks []table.FileScanTask, cols []int, filter iceberggo.BooleanExpression, fn func(types.Row)) error {
	if len(tasks) == 0 {
		return nil
	}
	fields := make([]string, len(cols))
	for i, c := range cols {
		fields[i] = s.fields[c]
	}
	opts := []table.ScanOption{table.WithSelectedFields(fields...), table.WithCaseSensitive(false)}
	if filter != nil {
		opts = append(opts, table.WithRowFilter(filter))
	}
	scan := s.tbl.Scan(opts...)
	for _, task := range tasks {
		asc, recs, err := scan.ReadTasks(ctx, []table.FileScanTask{task})
		if err != nil {
			return s.errf("reading %s: %v", task.File.FilePath(), err)
		}
		readers, idx, err := s.columnReaders(asc, cols)
		if err != nil {
			return err
		}
		s.stats.files++
		for rec, err := range recs {
			if err != nil {
				return s.errf("reading %s: %v", task.File.FilePath(), err)
			}
			readBatch(rec, readers, idx, fn)
			s.stats.rows += rec.NumRows()
			rec.Release()
		}
	}
	return nil
}

func readBatch(rec arrow.RecordBatch, readers []reader, idx []int, fn func(types.Row)) {
	n := int(rec.NumRows())
	vals := make([]types.Value, n*len(readers))
	for r := 0; r < n; r++ {
		row := types.Row(vals[r*len(readers) : (r+1)*len(readers) : (r+1)*len(readers)])
		for c, rd := range readers {
			row[c] = rd(rec.Column(idx[c]), r)
		}
		fn(row)
	}
}

// changeOp is a snapshot's operation (append when it does not say).
func changeOp(sn *table.Snapshot) table.Operation {
	if sn != nil && sn.Summary != nil && sn.Summary.Operation != "" {
		return sn.Summary.Operation
	}
	return table.OpAppend
}
