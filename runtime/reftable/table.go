// Package reftable is the state of a live reference table: a keyed,
// versioned table built from a changelog (upserts and deletes by primary
// key). Each key keeps a short list of versions ordered by the time they
// are valid from (a delete is a version too), so that a temporal join reads
// the version valid at a row's event time (AsOf) or the latest one. Versions
// superseded before the watermark are pruned. Secondary hash indexes and an
// Aho–Corasick text index are built lazily and rebuilt after changes.
//
// A Table is not safe for concurrent use: one operator goroutine owns it.
package reftable

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/chatsql/chatsql/runtime/types"
)

// Op is a changelog operation.
type Op uint8

const (
	Upsert Op = 0
	Delete Op = 1
)

// Latest is the time to pass to AsOf and Scan for the newest versions.
const Latest int64 = math.MaxInt64

// SinceEver is the valid-from time of a version without a time.
const SinceEver int64 = math.MinInt64

// Options configure a Table.
type Options struct {
	Columns    int   // declared columns of a table row
	Key        []int // primary-key columns
	VersionCol int   // 'version.column': stale updates are ignored; -1: none
	// History keeps versions by valid-from time (event-time temporal
	// joins). Without it only the latest arrival of each key is kept.
	History bool
}

// Result says what Apply did.
type Result uint8

const (
	Applied    Result = iota // an upsert stored as the newest version
	OutOfOrder               // an upsert or delete inserted before the newest version
	Deleted                  // a delete stored (or a delete of an absent key)
	Stale                    // ignored: its version is lower than the key's highest
)

// Stats are a table's cumulative counts.
type Stats struct {
	Upserts, Deletes, Stale, OutOfOrder int64
}

type version struct {
	from int64
	row  types.Row // nil: deleted
}

type entry struct {
	key    string // encoded key; "" when the slot is free
	vers   []version
	queued bool // in pruneQ
}

// Table is a keyed, versioned table.
type Table struct {
	opt     Options
	index   map[string]int32
	entries []entry
	maxVer  []types.Value // per entry, when VersionCol >= 0
	free    []int32
	live    int // keys whose newest version is a row
	changes uint64
	pruneQ  []int32
	keyBuf  []byte
	permFor []int // cols of the last keyPerm call
	perm    []int
	sigBuf  []byte
	cmpBuf  []byte
	stats   Stats

	secondary map[string]*secIndex
}

// New returns an empty table.
func New(opt Options) *Table {
	return &Table{opt: opt, index: map[string]int32{}, secondary: map[string]*secIndex{}}
}

// Version is a counter that increments on every change of the table's
// contents (not on Prune, which changes nothing visible at or after the
// watermark): results computed from the table can be cached per version.
func (t *Table) Version() uint64 { return t.changes }

// Len is the number of keys whose newest version is a row (not deleted).
func (t *Table) Len() int { return t.live }

// Keys is the number of keys held, deleted ones with versions still kept
// included.
func (t *Table) Keys() int { return len(t.index) }

// Stats returns the cumulative counts.
func (t *Table) Stats() Stats { return t.stats }

// appendKeyValue encodes a key value; INT and BIGINT encode alike so that
// keys of either width find each other.
func appendKeyValue(b []byte, v types.Value) []byte {
	if v.Kind() == types.KindInt {
		v = types.NewBigInt(v.Int())
	}
	return v.AppendBinary(b)
}

// AppendKey encodes key values (in primary-key order) as the table does.
func AppendKey(b []byte, vals ...types.Value) []byte {
	for _, v := range vals {
		b = appendKeyValue(b, v)
	}
	return b
}

func (t *Table) rowKey(b []byte, row types.Row) []byte {
	for _, c := range t.opt.Key {
		b = appendKeyValue(b, row[c])
	}
	return b
}

// Apply applies one change: row holds at least the declared columns (a
// delete needs only the key columns); from is the time the version is
// valid from (SinceEver when unknown: then, when the key has versions, it
// replaces the newest). The row is copied.
func (t *Table) Apply(op Op, row types.Row, from int64) Result {
	t.keyBuf = t.rowKey(t.keyBuf[:0], row)
	idx, ok := t.index[string(t.keyBuf)]
	var vv types.Value
	if op == Upsert && t.opt.VersionCol >= 0 {
		vv = row[t.opt.VersionCol]
	}
	if !ok {
		if op == Delete && !t.opt.History {
			t.stats.Deletes++
			return Deleted
		}
		idx = t.alloc(string(t.keyBuf))
	}
	if t.opt.VersionCol >= 0 && !vv.IsNull() {
		mv := t.maxVer[idx]
		if !mv.IsNull() && types.Compare(vv, mv) < 0 {
			t.stats.Stale++
			return Stale
		}
		t.maxVer[idx] = vv
	}
	var stored types.Row
	if op == Upsert {
		stored = make(types.Row, t.opt.Columns)
		copy(stored, row[:t.opt.Columns])
	}
	e := &t.entries[idx]
	wasLive := len(e.vers) > 0 && e.vers[len(e.vers)-1].row != nil
	res := Applied
	if op == Delete {
		res = Deleted
	}
	if !t.opt.History {
		if op == Delete && t.opt.VersionCol < 0 {
			t.release(idx)
		} else {
			if cap(e.vers) == 0 {
				e.vers = make([]version, 1)
			}
			e.vers = e.vers[:1]
			e.vers[0] = version{from: from, row: stored}
		}
	} else {
		n := len(e.vers)
		if from == SinceEver && n > 0 {
			// without a time, a change applies from the newest version
			// on (a tombstone without a timestamp ends the key's
			// newest version, not its whole history)
			from = e.vers[n-1].from
		}
		pos := upper(e.vers, from)
		switch {
		case pos > 0 && e.vers[pos-1].from == from:
			e.vers[pos-1].row = stored
		default:
			e.vers = append(e.vers, version{})
			copy(e.vers[pos+1:], e.vers[pos:])
			e.vers[pos] = version{from: from, row: stored}
		}
		if pos < n {
			if op == Upsert {
				res = OutOfOrder
			}
			t.stats.OutOfOrder++
		}
		if (len(e.vers) > 1 || stored == nil) && !e.queued {
			e.queued = true
			t.pruneQ = append(t.pruneQ, idx)
		}
	}
	isLive := false
	if t.entries[idx].key != "" {
		ev := t.entries[idx].vers
		isLive = len(ev) > 0 && ev[len(ev)-1].row != nil
	}
	switch {
	case wasLive && !isLive:
		t.live--
	case !wasLive && isLive:
		t.live++
	}
	if op == Delete {
		t.stats.Deletes++
	} else {
		t.stats.Upserts++
	}
	t.changes++
	return res
}

// upper returns the first index whose from is after from.
func upper(vs []version, from int64) int {
	lo, hi := 0, len(vs)
	for lo < hi {
		m := (lo + hi) >> 1
		if vs[m].from <= from {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (t *Table) alloc(key string) int32 {
	var idx int32
	if n := len(t.free); n > 0 {
		idx = t.free[n-1]
		t.free = t.free[:n-1]
		t.entries[idx].key = key
	} else {
		idx = int32(len(t.entries))
		t.entries = append(t.entries, entry{key: key})
		if t.opt.VersionCol >= 0 {
			t.maxVer = append(t.maxVer, types.Value{})
		}
	}
	t.index[key] = idx
	return idx
}

func (t *Table) release(idx int32) {
	e := &t.entries[idx]
	delete(t.index, e.key)
	*e = entry{queued: e.queued}
	if t.maxVer != nil {
		t.maxVer[idx] = types.Value{}
	}
	t.free = append(t.free, idx)
}

// Prune drops, for every key, the versions superseded at or before wm: the
// version valid at wm and every later one stay (a delete valid at wm goes
// too, and a key left with nothing is dropped, unless a version column
// must remember its highest version). Reads at times >= wm see the same.
func (t *Table) Prune(wm int64) {
	q := t.pruneQ
	keep := q[:0]
	for _, idx := range q {
		e := &t.entries[idx]
		e.queued = false
		if e.key == "" {
			continue
		}
		i := upper(e.vers, wm) - 1 // the version valid at wm
		if i > 0 {
			n := copy(e.vers, e.vers[i:])
			clear(e.vers[n:])
			e.vers = e.vers[:n]
		}
		if len(e.vers) > 0 && e.vers[0].row == nil && e.vers[0].from <= wm {
			n := copy(e.vers, e.vers[1:])
			clear(e.vers[n:])
			e.vers = e.vers[:n]
		}
		if len(e.vers) == 0 {
			if t.opt.VersionCol < 0 {
				t.release(idx)
				t.entries[idx].queued = false
			} else {
				e.vers = nil
			}
			continue
		}
		if len(e.vers) > 1 || e.vers[0].row == nil {
			e.queued = true
			keep = append(keep, idx)
		} else if cap(e.vers) > 4 {
			e.vers = append([]version(nil), e.vers...)
		}
	}
	clear(q[len(keep):])
	t.pruneQ = keep
}

// Versions is the number of versions held over all keys (deletes too).
func (t *Table) Versions() int {
	n := 0
	for i := range t.entries {
		n += len(t.entries[i].vers)
	}
	return n
}

func (e *entry) asOf(at int64) types.Row {
	vs := e.vers
	if n := len(vs); n > 0 && vs[n-1].from <= at {
		return vs[n-1].row
	}
	i := upper(vs, at) - 1
	if i < 0 {
		return nil
	}
	return vs[i].row
}

// AsOf returns the row of the key (values in primary-key order) valid at
// time at (Latest: the newest), or nil when there is none or it is
// deleted. The row belongs to the table: read it, do not keep or change it.
func (t *Table) AsOf(at int64, key ...types.Value) types.Row {
	t.keyBuf = AppendKey(t.keyBuf[:0], key...)
	return t.AsOfEncoded(t.keyBuf, at)
}

// AsOfEncoded is AsOf with a key encoded by AppendKey.
func (t *Table) AsOfEncoded(key []byte, at int64) types.Row {
	idx, ok := t.index[string(key)]
	if !ok {
		return nil
	}
	return t.entries[idx].asOf(at)
}

// AppendScan appends every row valid at time at to dst, in the order keys
// were first stored.
func (t *Table) AppendScan(dst []types.Row, at int64) []types.Row {
	for i := range t.entries {
		e := &t.entries[i]
		if e.key == "" {
			continue
		}
		if r := e.asOf(at); r != nil {
			dst = append(dst, r)
		}
	}
	return dst
}

// Scan calls fn with every row valid at time at, in the order keys were
// first stored; fn returns false to stop.
func (t *Table) Scan(at int64, fn func(types.Row) bool) {
	for i := range t.entries {
		e := &t.entries[i]
		if e.key == "" {
			continue
		}
		if r := e.asOf(at); r != nil && !fn(r) {
			return
		}
	}
}

// ---- secondary indexes ----

type secIndex struct {
	cols  []int
	built uint64
	ok    bool
	m     map[string][]int32
}

// AppendLookup appends to dst every row valid at time at whose columns
// cols equal vals (SQL equality: a NULL value matches nothing). When cols
// is the primary key in some order the key map serves it; otherwise a hash
// index on cols, built on first use and rebuilt after the table changed.
// The rows belong to the table: read them, do not keep or change them.
func (t *Table) AppendLookup(dst []types.Row, cols []int, vals []types.Value, at int64) []types.Row {
	for _, v := range vals {
		if v.IsNull() {
			return dst
		}
	}
	if perm := t.keyPerm(cols); perm != nil {
		// cols is the primary key in some order
		b := t.keyBuf[:0]
		for _, p := range perm {
			b = appendKeyValue(b, vals[p])
		}
		t.keyBuf = b
		if r := t.AsOfEncoded(b, at); r != nil {
			dst = append(dst, r)
		}
		return dst
	}
	t.sigBuf = t.sigBuf[:0]
	for _, c := range cols {
		t.sigBuf = binary.AppendUvarint(t.sigBuf, uint64(c))
	}
	ix := t.secondary[string(t.sigBuf)]
	if ix == nil {
		ix = &secIndex{cols: append([]int(nil), cols...)}
		t.secondary[string(t.sigBuf)] = ix
	}
	if !ix.ok || ix.built != t.changes {
		t.buildSecondary(ix)
	}
	t.keyBuf = AppendKey(t.keyBuf[:0], vals...)
	want := string(t.keyBuf)
	bucket := ix.m[want]
	buf := t.cmpBuf
	for _, idx := range bucket {
		r := t.entries[idx].asOf(at)
		if r == nil {
			continue
		}
		buf = buf[:0]
		for _, c := range cols {
			buf = appendKeyValue(buf, r[c])
		}
		if string(buf) == want {
			dst = append(dst, r)
		}
	}
	t.cmpBuf = buf
	return dst
}

// keyPerm returns, for each primary-key column in order, its position in
// cols; nil when cols is not the primary key.
// IsKey reports whether cols is the primary key in some order: a lookup
// on them finds at most one row.
func (t *Table) IsKey(cols []int) bool { return len(cols) > 0 && t.keyPerm(cols) != nil }

func (t *Table) keyPerm(cols []int) []int {
	if t.permFor != nil && len(t.permFor) == len(cols) {
		same := true
		for i := range cols {
			same = same && cols[i] == t.permFor[i]
		}
		if same {
			return t.perm
		}
	}
	t.permFor = append([]int(nil), cols...)
	t.perm = t.computePerm(cols)
	return t.perm
}

func (t *Table) computePerm(cols []int) []int {
	if len(cols) != len(t.opt.Key) {
		return nil
	}
	perm := make([]int, len(cols))
	for i, k := range t.opt.Key {
		found := -1
		for j, c := range cols {
			if c == k {
				found = j
				break
			}
		}
		if found < 0 {
			return nil
		}
		perm[i] = found
	}
	return perm
}

func (t *Table) buildSecondary(ix *secIndex) {
	ix.m = make(map[string][]int32, len(t.index))
	var b []byte
	for i := range t.entries {
		e := &t.entries[i]
		if e.key == "" {
			continue
		}
		for _, v := range e.vers {
			if v.row == nil {
				continue
			}
			b = b[:0]
			null := false
			for _, c := range ix.cols {
				null = null || v.row[c].IsNull()
				b = appendKeyValue(b, v.row[c])
			}
			if null {
				continue
			}
			bk := ix.m[string(b)]
			if n := len(bk); n > 0 && bk[n-1] == int32(i) {
				continue
			}
			ix.m[string(b)] = append(bk, int32(i))
		}
	}
	ix.built, ix.ok = t.changes, true
}

// ---- snapshots ----

const snapshotVersion = 1

// ErrBadSnapshot is returned by Restore for corrupt input.
var ErrBadSnapshot = errors.New("reftable: corrupt snapshot")

// AppendSnapshot appends the table's contents (every version of every key,
// and the highest version seen per key) to b.
func (t *Table) AppendSnapshot(b []byte) []byte {
	b = append(b, snapshotVersion)
	b = binary.AppendUvarint(b, uint64(len(t.index)))
	for i := range t.entries {
		e := &t.entries[i]
		if e.key == "" {
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(e.key)))
		b = append(b, e.key...)
		var mv types.Value
		if t.maxVer != nil {
			mv = t.maxVer[i]
		}
		b = mv.AppendBinary(b)
		b = binary.AppendUvarint(b, uint64(len(e.vers)))
		for _, v := range e.vers {
			b = binary.AppendVarint(b, v.from)
			if v.row == nil {
				b = append(b, 0)
			} else {
				b = append(b, 1)
				b = types.AppendRowBinary(b, v.row)
			}
		}
	}
	return b
}

// Restore replaces the table's contents with a snapshot written by
// AppendSnapshot and returns the bytes after it.
func (t *Table) Restore(b []byte) ([]byte, error) {
	bad := func(what string) ([]byte, error) { return nil, fmt.Errorf("%w: %s", ErrBadSnapshot, what) }
	if len(b) == 0 || b[0] != snapshotVersion {
		return bad("version")
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return bad("key count")
	}
	b = b[k:]
	nt := New(t.opt)
	nt.index = make(map[string]int32, n)
	for i := uint64(0); i < n; i++ {
		kl, k := binary.Uvarint(b)
		if k <= 0 || kl > uint64(len(b)-k) {
			return bad("key")
		}
		key := string(b[k : k+int(kl)])
		b = b[k+int(kl):]
		mv, rest, err := types.DecodeValue(b)
		if err != nil {
			return bad("version value")
		}
		b = rest
		nv, k2 := binary.Uvarint(b)
		if k2 <= 0 || nv > uint64(len(b)) {
			return bad("version count")
		}
		b = b[k2:]
		idx := nt.alloc(key)
		if nt.maxVer != nil {
			nt.maxVer[idx] = mv
		}
		e := &nt.entries[idx]
		e.vers = make([]version, 0, nv)
		for j := uint64(0); j < nv; j++ {
			from, k3 := binary.Varint(b)
			if k3 <= 0 || len(b) <= k3 {
				return bad("version")
			}
			b = b[k3:]
			var row types.Row
			if b[0] == 1 {
				row, b, err = types.DecodeRow(b[1:])
				if err != nil || len(row) != t.opt.Columns {
					return bad("row")
				}
			} else {
				b = b[1:]
			}
			e.vers = append(e.vers, version{from: from, row: row})
		}
		if len(e.vers) > 0 && e.vers[len(e.vers)-1].row != nil {
			nt.live++
		}
		if len(e.vers) > 1 || (len(e.vers) == 1 && e.vers[0].row == nil) {
			e.queued = true
			nt.pruneQ = append(nt.pruneQ, idx)
		}
	}
	nt.stats = t.stats
	nt.changes = t.changes + 1
	*t = *nt
	return b, nil
}
