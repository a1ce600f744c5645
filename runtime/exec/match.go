package exec

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/cep"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	cepLateMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_cep_late_rows_total",
		Help: "Rows that reached MATCH_RECOGNIZE behind its watermark: dead-lettered, not matched.",
	}, []string{"job", "operator"})
	cepDroppedMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_cep_dropped_partial_matches_total",
		Help: "Partial matches dropped by the per-partition cap (cep.max-partial-matches).",
	}, []string{"job", "operator"})
	cepMatchesMetric = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "chatsql_cep_matches_total",
		Help: "Matches found by MATCH_RECOGNIZE, by kind (match, empty, timed_out).",
	}, []string{"job", "operator", "kind"})
	cepPartitionsMetric = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "chatsql_cep_partitions",
		Help: "Partitions of MATCH_RECOGNIZE holding state (buffered rows or a partial match).",
	}, []string{"job", "operator"})
)

// matchOp is MATCH_RECOGNIZE. Rows are buffered per partition until the
// watermark passes them, then fed in event-time order (ties in arrival
// order) to the partition's matcher; rows behind the watermark are late and
// dead-lettered. WITHIN closes partial matches when the watermark passes
// their first row's time plus the interval. State (buffered and retained
// rows, matcher positions) is snapshotted at checkpoints; the matchers are
// rebuilt by replaying the retained rows.
type matchOp struct {
	ctx   context.Context // of the Process or Watermark call in progress
	cfg   *plan.MatchConfig
	oc    *runtime.OpContext
	nIn   int
	label string

	define   []*matchEval // per variable; nil: true
	measures []*matchEval
	maxBack  int // rows kept before a matcher's oldest row, for PREV
	maxFwd   int // rows a measure reads after a match (NEXT): its output waits for them
	argBuf   types.Row

	// parts are the partitions by key: the binary encoding of the
	// PARTITION BY values (partKey), or with a single PARTITION BY column
	// (strKey) the string itself when the value is a string, and other
	// values (NULL) by their encoding in odd.
	parts  partTable
	odd    map[string]*matchPart
	strKey bool
	// batchParts is Process's scratch: the partition of each row
	batchParts []*matchPart
	// numbers keeps MATCH_NUMBER() of partitions dropped while idle, when a
	// measure or condition reads it (else nothing outlives a quiet
	// partition): a partition that comes back continues its numbering.
	numbers    map[string]int64
	useNumbers bool
	// dirty lists the partitions with rows waiting for the watermark, each
	// with a time at or before its earliest waiting row, so that a
	// watermark visits only the partitions it releases rows of (a
	// partition may be listed more than once: see markDirty).
	dirty []dirtyEntry
	// touched are the partitions whose state a watermark changed: the
	// only ones that may have become empty (and are dropped).
	touched   []*matchPart
	partsPeak int // most partitions since the parts map was last rebuilt
	// free holds dropped partitions (with their matcher and evaluator) for
	// new ones to reuse; at most maxFreeParts, and no more than the live
	// partitions, so that a burst that went quiet gives its memory back.
	free      []*matchPart
	deadlines deadlineWheel
	wm        int64
	out       []types.Row
	keyBuf    []byte
	defView   matchView   // the view of the DEFINE being evaluated
	sink      int         // what prefetchDirty read
	withinUs  int64       // WITHIN, µs (0: none)
	carry     []types.Row // output produced while restoring, emitted next time

	late, dropped, matches, empty, timedOut prometheus.Counter
	timedOutN                               int64 // timed-out partial matches not yet added to timedOut
	partitions                              prometheus.Gauge
}

// matchPart is one partition's state. The fields read whenever the
// partition is visited come first, followed by the matcher (whose own such
// fields come first): with many partitions each visit is a few cache misses
// the fewer lines it touches.
type matchPart struct {
	// buf holds the partition's rows: buf[:head] are free slots (zero),
	// buf[head:nrel] the rows released to the matcher and retained (for
	// an attempt, PREV or the measures of a waiting match), absolute
	// indices base..next-1, and buf[nrel:] the rows waiting for the
	// watermark, in time order (and the further ORDER BY keys), equal rows
	// in arrival order. One array: a visit touches one.
	evStore partEvaluator // the matcher's Evaluator and Window (ev)
	buf     []pendingRow
	head    int
	nrel    int
	base    int // absolute index of buf[head]
	next    int // absolute index of the next row to release
	tracked int // attempt start a deadline was pushed for (-1: none)
	dirtyTs int64
	waiting []cep.Match // matches whose measures wait for rows after them (NEXT)
	m       *cep.Matcher
	gen     uint32 // incremented when dropped: deadlines of an earlier life are stale
	dirty   bool   // listed in matchOp.dirty (dirtyTs: a time it is listed with, at or before its earliest waiting row)
	touched bool   // listed in matchOp.touched
	dead    bool   // dropped from matchOp.parts (a deadline may still point to it)
	mStore  cep.Matcher

	key     string // in matchOp.parts, or matchOp.odd if odd
	hash    uint64 // of key in matchOp.parts
	odd     bool
	keyVals []types.Value
	number  int64 // matches emitted
	badRow  int   // 1 + the last row whose DEFINE failed (dead-lettered once)
	ev      *partEvaluator
}

// pending are the rows of p waiting for the watermark.
func (p *matchPart) pending() []pendingRow { return p.buf[p.nrel:] }

// empty reports whether p holds no row, released or waiting.
func (p *matchPart) empty() bool { return p.head == len(p.buf) }

// maxFreeParts bounds matchOp.free.
const maxFreeParts = 4096

type dirtyEntry struct {
	p  *matchPart
	ts int64
}

type pendingRow struct {
	ts  int64
	row types.Row
}

// insertPending adds r to the rows waiting for the watermark, keeping them
// sorted by time (and the further ORDER BY keys), equal rows in arrival
// order.
func (p *matchPart) insertPending(r pendingRow, keys []plan.OrderKey) {
	all := p.buf
	s := all[p.nrel:]
	before := func(a, b *pendingRow) bool { // a sorts strictly before b
		if a.ts != b.ts {
			return a.ts < b.ts
		}
		for _, k := range keys {
			if c := types.Compare(a.row[k.Col], b.row[k.Col]); c != 0 {
				return (c < 0) != k.Desc
			}
		}
		return false
	}
	if n := len(s); n == 0 || !before(&r, &s[n-1]) {
		p.buf = append(all, r)
		return
	}
	i := p.nrel + sort.Search(len(s), func(i int) bool { return before(&r, &s[i]) })
	all = append(all, pendingRow{})
	copy(all[i+1:], all[i:])
	all[i] = r
	p.buf = all
}

// matchEval is a compiled DEFINE or MEASURES expression.
type matchEval struct {
	eval  expr.Evaluator
	slots []matchSlot
	buf   types.Row
}

type matchSlot struct {
	plan.MatchSlot
	arg  expr.Evaluator
	vars []bool // membership by variable index; nil: all
}

func newMatch(n *plan.Node, _ *BuildContext) (runtime.Operator, error) {
	cfg, ok := n.Config.(*plan.MatchConfig)
	if !ok {
		return nil, fmt.Errorf("%w: MatchRecognize config is %T, want *plan.MatchConfig", ErrBadPlan, n.Config)
	}
	if cfg.Program == nil {
		return nil, fmt.Errorf("%w: MatchRecognize without a compiled pattern", ErrBadPlan)
	}
	return &matchOp{cfg: cfg, label: n.Name}, nil
}

func (m *matchOp) compile(me *plan.MatchExpr, nIn int) *matchEval {
	if me == nil {
		return nil
	}
	ev := &matchEval{eval: me.E.Compile(), buf: make(types.Row, nIn+len(me.Slots))}
	for _, s := range me.Slots {
		cs := matchSlot{MatchSlot: s}
		if s.Arg != nil {
			cs.arg = s.Arg.Compile()
		}
		if s.Vars != nil {
			cs.vars = make([]bool, len(m.cfg.Vars))
			for _, v := range s.Vars {
				cs.vars[v] = true
			}
		}
		if s.Kind == plan.SlotMatchNumber || s.ArgMatchNumber {
			m.useNumbers = true
		}
		if s.Phys < 0 && -s.Phys > m.maxBack {
			m.maxBack = -s.Phys
		}
		ev.slots = append(ev.slots, cs)
	}
	return ev
}

func (m *matchOp) Open(ctx context.Context, oc *runtime.OpContext) error {
	m.oc = oc
	m.parts = newPartTable()
	m.odd = map[string]*matchPart{}
	m.strKey = len(m.cfg.Partition) == 1
	m.numbers = map[string]int64{}
	m.wm = runtime.MinWatermark
	if w := m.cfg.Within.Microseconds(); w > 0 {
		m.deadlines.init(w)
		m.withinUs = w
	}
	m.nIn = m.cfg.InputWidth // the slots of every expression follow the input columns
	for _, d := range m.cfg.Define {
		m.define = append(m.define, m.compile(d, m.nIn))
	}
	for _, me := range m.cfg.Measures {
		m.measures = append(m.measures, m.compile(me.E, m.nIn))
		for _, sl := range me.E.Slots {
			if sl.Phys > m.maxFwd {
				m.maxFwd = sl.Phys
			}
		}
	}
	job := oc.JobName
	if job == "" {
		job = oc.JobID
	}
	m.late = cepLateMetric.WithLabelValues(job, oc.Operator)
	m.dropped = cepDroppedMetric.WithLabelValues(job, oc.Operator)
	m.matches = cepMatchesMetric.WithLabelValues(job, oc.Operator, "match")
	m.empty = cepMatchesMetric.WithLabelValues(job, oc.Operator, "empty")
	m.timedOut = cepMatchesMetric.WithLabelValues(job, oc.Operator, "timed_out")
	m.partitions = cepPartitionsMetric.WithLabelValues(job, oc.Operator)
	return nil
}

// numParts is the number of partitions.
func (m *matchOp) numParts() int { return m.parts.len() + len(m.odd) }

// allParts are the partitions, in no order.
func (m *matchOp) allParts() iter.Seq[*matchPart] {
	return func(yield func(*matchPart) bool) {
		if !m.parts.all(yield) {
			return
		}
		for _, p := range m.odd {
			if !yield(p) {
				return
			}
		}
	}
}

// binKey is the binary encoding of the key values kv (in m.keyBuf): the
// key of m.numbers and the order of the snapshot's partitions.
func (m *matchOp) binKey(kv []types.Value) []byte {
	m.keyBuf = m.keyBuf[:0]
	for _, v := range kv {
		m.keyBuf = v.AppendBinary(m.keyBuf)
	}
	return m.keyBuf
}

// keyHash is the hash of row's partition key in m.parts, 0 if the key
// belongs in m.odd (a single PARTITION BY column whose value is not a
// string).
func (m *matchOp) keyHash(row types.Row) uint64 {
	if m.strKey {
		if v := row[m.cfg.Partition[0]]; v.Kind() == types.KindString {
			return m.parts.hash(v.Str())
		}
		return 0
	}
	return m.parts.hashBytes(m.partKey(row))
}

// partOf returns row's partition, new if it has none; h is keyHash(row).
func (m *matchOp) partOf(row types.Row, h uint64) *matchPart {
	if h != 0 {
		if m.strKey {
			k := row[m.cfg.Partition[0]].Str() // the row's string: no copy, no encoding
			p := m.parts.get(h, k)
			if p == nil {
				p = m.newPart(k, false, row)
				p.hash = h
				m.parts.put(p)
				m.partsPeak = max(m.partsPeak, m.numParts())
			}
			return p
		}
		key := m.partKey(row)
		p := m.parts.getBytes(h, key) // no allocation for the lookup
		if p == nil {
			p = m.newPart(string(key), false, row)
			p.hash = h
			m.parts.put(p)
			m.partsPeak = max(m.partsPeak, m.numParts())
		}
		return p
	}
	key := m.partKey(row)
	p := m.odd[string(key)] // no allocation for the lookup
	if p == nil {
		k := string(key)
		p = m.newPart(k, true, row)
		m.odd[k] = p
		m.partsPeak = max(m.partsPeak, m.numParts())
	}
	return p
}

// newPart returns a new partition for key (in odd if odd), whose values are
// those of row's PARTITION BY columns: a dropped one reused if there is one.
func (m *matchOp) newPart(key string, odd bool, row types.Row) *matchPart {
	var n int64
	if len(m.numbers) > 0 {
		nk := key
		if m.strKey && !odd {
			nk = string(m.partKey(row))
		}
		if k, ok := m.numbers[nk]; ok {
			// the partition was dropped while quiet: it continues its numbering
			delete(m.numbers, nk)
			n = k
		}
	}
	if k := len(m.free); k > 0 {
		p := m.free[k-1]
		m.free[k-1] = nil
		m.free = m.free[:k-1]
		// its matcher and evaluator point to p: they stay
		p.key, p.odd, p.tracked, p.number, p.dead = key, odd, -1, n, false
		for _, c := range m.cfg.Partition {
			p.keyVals = append(p.keyVals, row[c])
		}
		p.m.Reset(0, n)
		return p
	}
	p := &matchPart{key: key, odd: odd, tracked: -1, number: n}
	for _, c := range m.cfg.Partition {
		p.keyVals = append(p.keyVals, row[c])
	}
	p.evStore = partEvaluator{op: m, p: p}
	p.ev = &p.evStore // one allocation with p
	p.mStore.Init(m.cfg.Program, p.ev, m.matcherOptions(p), 0, n)
	p.m = &p.mStore // one allocation with p, and next to it in memory
	return p
}

// dropPart forgets the empty partition p (which a deadline may still point
// to: its gen tells) and keeps it for reuse if the free list has room.
func (m *matchOp) dropPart(p *matchPart) {
	if p.odd {
		delete(m.odd, p.key)
	} else {
		m.parts.remove(p)
	}
	p.dead = true
	p.gen++
	if len(m.free) >= maxFreeParts || len(m.free) >= m.numParts() {
		// a deadline may hold p a while: not its matcher's memory
		p.m, p.ev = nil, nil
		p.mStore, p.evStore = cep.Matcher{}, partEvaluator{}
		return
	}
	// empty already (rows, pending, waiting): let go of what it held and
	// of arrays grown large
	p.key = ""
	clear(p.keyVals)
	p.keyVals = p.keyVals[:0]
	p.base, p.next, p.dirty, p.dirtyTs, p.touched = 0, 0, false, 0, false
	clear(p.buf)
	p.buf, p.head, p.nrel = p.buf[:0], 0, 0
	if cap(p.buf) > 64 {
		p.buf = nil
	}
	clear(p.waiting[:cap(p.waiting)])
	if cap(p.waiting) > 16 {
		p.waiting = nil
	}
	m.free = append(m.free, p)
}

// matcherOptions are p's matcher options; WITHIN keeps a row in a match
// whose first row is at most the interval before it.
func (m *matchOp) matcherOptions(p *matchPart) cep.Options {
	o := cep.Options{Skip: m.cfg.Skip, SkipVars: m.cfg.SkipVars, MaxThreads: m.cfg.MaxThreads,
		// only SHOW TIMEOUT MATCHES reads a timed-out partial match
		DiscardTimedOut: m.cfg.Rows != plan.RowsOneRowShowTimeout}
	if m.cfg.Within > 0 {
		o.Window = p.ev // no closure: p holds what it reads
	}
	return o
}

// InWindow is WITHIN for the matcher: row is at most the interval after
// start.
func (e *partEvaluator) InWindow(start, row int) bool {
	return e.p.tsAt(row)-e.p.tsAt(start) <= e.op.withinUs
}

// partKey encodes row's partition key into m.keyBuf.
func (m *matchOp) partKey(row types.Row) []byte {
	m.keyBuf = m.keyBuf[:0]
	for _, c := range m.cfg.Partition {
		m.keyBuf = row[c].AppendBinary(m.keyBuf)
	}
	return m.keyBuf
}

func (m *matchOp) Process(ctx context.Context, _ int, b *runtime.Batch, out runtime.Emitter) error {
	m.ctx = ctx
	// first the partition of every row, then the rows into their
	// partitions, loaded a few at a time ahead: with many partitions both
	// are cache misses, which overlap when the loads are independent
	parts := m.batchParts[:0]
	var hs [prefetchChunk]uint64 // 0: the row's key is in m.odd
	var ok [prefetchChunk]bool   // the row is not late
	for c := 0; c < len(b.Rows); c += prefetchChunk {
		rows := b.Rows[c:min(c+prefetchChunk, len(b.Rows))]
		sink := uint64(0)
		if m.strKey {
			// the keys' bytes, loaded together before they are hashed
			// (likely a miss when the string is a partition's key
			// decoded long ago)
			for _, row := range rows {
				if v := row[m.cfg.Partition[0]]; v.Kind() == types.KindString {
					if k := v.Str(); len(k) > 0 {
						sink += uint64(k[0])
					}
				}
			}
		}
		for j, row := range rows {
			ok[j] = m.admit(ctx, row)
			if ok[j] {
				hs[j] = m.keyHash(row)
			}
		}
		// the slots the lookups start at, then their partitions (usually
		// the first slot's)
		for j := range rows {
			if ok[j] {
				sink += m.parts.home(hs[j])
			}
		}
		for j := range rows {
			if p := m.parts.homePart(hs[j]); ok[j] && p != nil {
				sink += uint64(len(p.key))
			}
		}
		m.sink += int(sink)
		for j, row := range rows {
			var p *matchPart
			if ok[j] {
				p = m.partOf(row, hs[j])
			}
			parts = append(parts, p)
		}
	}
	for i, row := range b.Rows {
		if i%prefetchChunk == 0 {
			s := 0
			for _, p := range parts[i:min(i+prefetchChunk, len(parts))] {
				if p != nil {
					s += len(p.buf) + p.nrel + int(p.dirtyTs)
				}
			}
			m.sink += s
		}
		p := parts[i]
		if p == nil {
			continue
		}
		ts := row[m.cfg.TimeCol].Micros()
		p.insertPending(pendingRow{ts: ts, row: row}, m.cfg.OrderKeys)
		m.markDirty(p, ts)
	}
	clear(parts)
	m.batchParts = parts[:0]
	if cap(parts) > 4096 {
		m.batchParts = nil
	}
	m.partitions.Set(float64(m.numParts()))
	return m.flush(ctx, out)
}

// admit reports whether row goes to its partition: a row without an event
// time, or late (at or behind the watermark), is dead-lettered.
func (m *matchOp) admit(ctx context.Context, row types.Row) bool {
	if tv := row[m.cfg.TimeCol]; !tv.IsNull() && tv.Micros() > m.wm {
		return true
	}
	return m.reject(ctx, row)
}

// reject dead-letters a row that admit does not admit.
func (m *matchOp) reject(ctx context.Context, row types.Row) bool {
	tv := row[m.cfg.TimeCol]
	if tv.IsNull() {
		m.oc.DeadLetter(ctx, runtime.DeadLetterRecord{Source: m.oc.Operator, Value: rowJSON(row),
			Err: errors.New("MATCH_RECOGNIZE: the row's event time is NULL")})
		return false
	}
	if ts := tv.Micros(); ts <= m.wm {
		m.late.Inc()
		m.oc.DeadLetter(ctx, runtime.DeadLetterRecord{Source: m.oc.Operator, Value: rowJSON(row),
			Err: fmt.Errorf("MATCH_RECOGNIZE: late row: event time %s is not after the watermark %s",
				types.NewTimestampLTZ(ts), types.NewTimestampLTZ(m.wm))})
	}
	return false
}

func (m *matchOp) flush(ctx context.Context, out runtime.Emitter) error {
	if m.timedOutN > 0 {
		m.timedOut.Add(float64(m.timedOutN))
		m.timedOutN = 0
	}
	rows := m.out
	if len(m.carry) > 0 {
		rows = append(m.carry, rows...)
		m.carry = nil
	}
	m.out = nil
	if len(rows) == 0 {
		return nil
	}
	return out.Emit(ctx, &runtime.Batch{Rows: rows})
}

func (m *matchOp) Watermark(ctx context.Context, wm int64, out runtime.Emitter) error {
	m.ctx = ctx
	if wm <= m.wm {
		return nil
	}
	m.wm = wm
	kept := m.dirty[:0]
	for i, e := range m.dirty {
		if i%prefetchChunk == 0 {
			m.prefetchDirty(m.dirty[i:min(i+prefetchChunk, len(m.dirty))], wm)
		}
		if e.ts <= wm { // a listed partition has rows waiting: it is not dropped
			p := e.p
			if err := m.release(p); err != nil {
				return err
			}
			m.touch(p)
			if p.nrel == len(p.buf) {
				p.dirty = false
				continue
			}
			// listed again at its earliest waiting row: markDirty relies
			// on an entry at or before dirtyTs
			e.ts = p.buf[p.nrel].ts
			p.dirtyTs = e.ts
		}
		kept = append(kept, e)
	}
	clear(m.dirty[len(kept):])
	m.dirty = shrink(kept)
	if m.cfg.Within > 0 {
		w := &m.deadlines
		w.advance(wm)
		pf := w.ri
		for {
			if w.ri >= pf && w.ri < len(w.ready) {
				pf = min(w.ri+prefetchChunk, len(w.ready))
				m.prefetchDeadlines(w.ready[w.ri:pf])
			}
			d, ok := w.next()
			if !ok {
				break
			}
			p := d.p
			if p.dead || p.gen != d.gen || p.tracked != d.start || !p.m.Pending() {
				continue
			}
			if err := m.expire(p, wm); err != nil {
				return err
			}
			m.touch(p)
		}
		w.due = shrink(w.due)
		w.release()
	}
	if wm == runtime.MaxWatermark {
		for p := range m.allParts() {
			m.touch(p)
			ms, err := p.m.Finish()
			if err != nil {
				return matchErr(err)
			}
			m.emitMatches(p, ms)
			m.emitWaiting(p, true)
		}
	}
	// only a partition whose state this watermark changed can have become
	// empty: drop those that did
	for i, p := range m.touched {
		if i%prefetchChunk == 0 {
			m.prefetchKeys(m.touched[i:min(i+prefetchChunk, len(m.touched))])
		}
		p.touched = false
		m.trim(p)
		if p.empty() && !p.m.Pending() && len(p.waiting) == 0 {
			if m.useNumbers {
				if _, n := p.m.State(); n > 0 {
					k := p.key
					if m.strKey && !p.odd {
						k = string(m.binKey(p.keyVals))
					}
					m.numbers[k] = n
				}
			}
			m.dropPart(p)
		}
	}
	if len(m.free) > m.numParts() {
		// no more spare partitions than live ones
		n := m.numParts()
		clear(m.free[n:])
		m.free = m.free[:n]
		if n == 0 {
			m.free = nil
		}
	}
	clear(m.touched)
	if n := len(m.touched); cap(m.touched) >= 4096 && n <= cap(m.touched)/8 {
		m.touched = make([]*matchPart, 0, 2*n)
	} else {
		m.touched = m.touched[:0]
	}
	if m.partsPeak >= 4096 && m.numParts() <= m.partsPeak/4 {
		// a map keeps its peak size: rebuild it, so that a burst of
		// partitions that went quiet gives its memory back
		m.parts.fit()
		odd := make(map[string]*matchPart, len(m.odd))
		for k, p := range m.odd {
			odd[k] = p
		}
		m.odd, m.partsPeak = odd, m.numParts()
	}
	m.partitions.Set(float64(m.numParts()))
	return m.flush(ctx, out)
}

// prefetchChunk is the number of partitions prefetchDirty loads ahead.
const prefetchChunk = 8

// prefetchDirty reads, for each partition of ds that the watermark wm
// releases rows of, its fields and its matcher's, then its first waiting
// row: with many partitions these are cache misses, and loads that do not
// depend on one another are served in parallel, where the loop that
// releases them would wait for each in turn. What it reads is discarded.
func (m *matchOp) prefetchDirty(ds []dirtyEntry, wm int64) {
	s := 0
	for _, e := range ds {
		if p := e.p; e.ts <= wm && p.m != nil {
			s += p.nrel + len(p.waiting) + p.m.Touch()
		}
	}
	for _, e := range ds {
		if p := e.p; e.ts <= wm && p.nrel < len(p.buf) {
			s += len(p.buf[p.nrel].row)
		}
	}
	for _, e := range ds {
		if p := e.p; e.ts <= wm && p.nrel < len(p.buf) {
			r := p.buf[p.nrel].row
			for j := 0; j < len(r); j += 2 {
				if r[j].IsNull() {
					s++
				}
			}
		}
	}
	m.sink += s
}

// prefetchDeadlines is prefetchDirty for the partitions of due deadlines:
// their fields, their matcher's and the time of their oldest row.
func (m *matchOp) prefetchDeadlines(ds []deadline) {
	s := 0
	for _, d := range ds {
		if p := d.p; p.m != nil { // (nil: dropped, not kept for reuse)
			s += p.tracked + p.head + len(p.buf) + p.m.Touch()
		}
	}
	for _, d := range ds {
		if p := d.p; p.head < len(p.buf) {
			s += int(p.buf[p.head].ts)
		}
	}
	m.sink += s
}

// prefetchKeys is prefetchDirty for partitions that may be dropped: their
// fields, their matcher's, and the slot of m.parts where the search for
// them starts.
func (m *matchOp) prefetchKeys(ps []*matchPart) {
	s := 0
	for _, p := range ps {
		s += int(p.hash) + p.nrel + p.m.Touch()
	}
	for _, p := range ps {
		if !p.odd {
			s += int(m.parts.home(p.hash))
		}
	}
	m.sink += s
}

// markDirty lists p for the watermark that passes ts. A partition already
// listed is listed again only for a row earlier than it is listed with
// (rows arrive mostly in time order): the list is never searched.
func (m *matchOp) markDirty(p *matchPart, ts int64) {
	if p.dirty && ts >= p.dirtyTs {
		return
	}
	p.dirty, p.dirtyTs = true, ts
	m.dirty = append(m.dirty, dirtyEntry{p: p, ts: ts})
}

// touch lists p for the end of the watermark: trimmed, dropped if empty.
func (m *matchOp) touch(p *matchPart) {
	if !p.touched {
		p.touched = true
		m.touched = append(m.touched, p)
	}
}

// shrink gives a slice that has grown far beyond its length a smaller
// array, so that a burst does not hold its peak memory for ever.
func shrink[S ~[]E, E any](s S) S {
	if cap(s) >= 4096 && len(s) <= cap(s)/8 {
		return append(make(S, 0, 2*len(s)), s...)
	}
	return s
}

func matchErr(err error) error {
	return fmt.Errorf("MATCH_RECOGNIZE: %w", err)
}

// release feeds the partition's rows that the watermark passed to its
// matcher, in event-time order.
func (m *matchOp) release(p *matchPart) error {
	// trim may move the rows (and nrel) down: nrel is read again each time
	for p.nrel < len(p.buf) && p.buf[p.nrel].ts <= m.wm {
		idx := p.next
		p.nrel++
		p.next = idx + 1
		before := p.m.Dropped()
		ms, err := p.m.Push(idx)
		if err != nil {
			m.emitMatches(p, ms) // the matches found before the error (and the one that caused a SKIP error)
			return matchErr(err)
		}
		if d := p.m.Dropped() - before; d > 0 {
			m.dropped.Add(float64(d))
		}
		m.emitMatches(p, ms)
		m.track(p)
		m.trim(p)
	}
	return nil
}

// expire ends the partial matches of p that no row after time at can
// extend: their first row is more than WITHIN before it.
func (m *matchOp) expire(p *matchPart, at int64) error {
	within := m.cfg.Within.Microseconds()
	ms, err := p.m.Expire(func(start int) bool { return at-p.tsAt(start) >= within })
	if err != nil {
		return matchErr(err)
	}
	m.emitMatches(p, ms)
	m.track(p)
	return nil
}

// track registers the WITHIN deadline of p's current attempt.
func (m *matchOp) track(p *matchPart) {
	if m.cfg.Within <= 0 {
		return
	}
	if !p.m.Pending() {
		p.tracked = -1
		return
	}
	start := p.m.Oldest()
	if start == p.tracked {
		return
	}
	p.tracked = start
	m.deadlines.push(deadline{at: p.tsAt(start) + m.cfg.Within.Microseconds(), p: p, start: start, gen: p.gen}, m.wm)
}

func (p *matchPart) tsAt(i int) int64 {
	j := i - p.base + p.head
	if j < p.head || j >= p.nrel {
		return math.MinInt64 / 2
	}
	return p.buf[j].ts
}

func (p *matchPart) row(i int) types.Row {
	j := i - p.base + p.head
	if j < p.head || j >= p.nrel {
		return nil
	}
	return p.buf[j].row
}

// trim frees the rows no matcher attempt or PREV can reach any more.
func (m *matchOp) trim(p *matchPart) {
	keep := p.m.Oldest()
	if len(p.waiting) > 0 {
		keep = min(keep, p.waiting[0].Start)
	}
	keep -= m.maxBack
	drop := min(keep-p.base, p.nrel-p.head)
	if drop <= 0 {
		return
	}
	if drop <= 4 {
		// (clear of a few elements costs more: a bulk write barrier while
		// the collector runs)
		for i := p.head; i < p.head+drop; i++ {
			p.buf[i] = pendingRow{}
		}
	} else {
		clear(p.buf[p.head : p.head+drop])
	}
	p.head += drop
	p.base += drop
	switch {
	case p.head == len(p.buf):
		p.buf, p.head, p.nrel = p.buf[:0], 0, 0
	case p.head > len(p.buf)/2 || cap(p.buf) > 64 && len(p.buf)-p.head < cap(p.buf)/4:
		// move the rows down (amortised: at most as many as were freed),
		// into a smaller array if this one has grown far beyond them
		n := len(p.buf) - p.head
		dst := p.buf
		if cap(p.buf) > 64 && n < cap(p.buf)/4 {
			dst = make([]pendingRow, n, 2*n)
		}
		copy(dst, p.buf[p.head:])
		clear(p.buf[n:]) // (a new dst leaves p.buf to the collector)
		p.buf, p.nrel, p.head = dst[:n], p.nrel-p.head, 0
	}
}

// emitMatches turns matches into output rows.
func (m *matchOp) emitMatches(p *matchPart, ms []cep.Match) {
	if n := p.m.TakeTimedOut(); n > 0 && m.cfg.Rows != plan.RowsOneRowShowTimeout {
		m.timedOutN += n // discarded by the matcher: counted here, added to the metric by flush
	}
	for i := range ms {
		mt := &ms[i]
		switch {
		case mt.TimedOut:
			m.timedOut.Inc()
			if m.cfg.Rows != plan.RowsOneRowShowTimeout {
				continue
			}
		case mt.End == mt.Start:
			m.empty.Inc()
		default:
			m.matches.Inc()
		}
		p.number = max(p.number, mt.Number)
		if m.maxFwd > 0 {
			p.waiting = append(p.waiting, *mt)
			continue
		}
		m.emitMatch(p, mt)
	}
	m.emitWaiting(p, false)
}

// emitWaiting emits the queued matches whose rows after them (for NEXT)
// have arrived, or all of them at the end of the partition's input.
func (m *matchOp) emitWaiting(p *matchPart, all bool) {
	n := 0
	for n < len(p.waiting) && (all || max(p.waiting[n].End-1, p.waiting[n].Start)+m.maxFwd <= p.next-1) {
		m.emitMatch(p, &p.waiting[n])
		n++
	}
	if n > 0 {
		rest := copy(p.waiting, p.waiting[n:])
		p.waiting = p.waiting[:rest]
	}
}

func (m *matchOp) emitMatch(p *matchPart, mt *cep.Match) {
	view := matchView{p: p, start: mt.Start, labels: mt.Labels, number: mt.Number, timedOut: mt.TimedOut}
	if !m.cfg.Rows.AllRows() {
		row := make(types.Row, 0, len(p.keyVals)+len(m.measures))
		row = append(row, p.keyVals...)
		view.cur, view.end = mt.End-1, mt.End
		for _, me := range m.measures {
			row = append(row, m.evalMeasure(me, &view))
		}
		m.out = append(m.out, row)
		return
	}
	if mt.End == mt.Start {
		if m.cfg.Rows == plan.RowsAllOmitEmpty {
			return
		}
		base := p.row(mt.Start)
		if base == nil {
			return
		}
		row := append(append(types.Row(nil), base...), make(types.Row, len(m.measures))...)
		view.cur, view.end = mt.Start-1, mt.Start
		for k, me := range m.measures {
			row[m.nIn+k] = m.evalMeasure(me, &view)
		}
		m.out = append(m.out, row)
		return
	}
	for r := mt.Start; r < mt.End; r++ {
		base := p.row(r)
		row := make(types.Row, m.nIn+len(m.measures))
		copy(row, base)
		view.cur, view.end = r, mt.End
		for k, me := range m.measures {
			row[m.nIn+k] = m.evalMeasure(me, &view)
		}
		m.out = append(m.out, row)
	}
}

func (m *matchOp) evalMeasure(me *matchEval, v *matchView) types.Value {
	base := v.p.row(v.cur)
	m.fill(me, v, base)
	val, err := me.eval(me.buf)
	if err != nil {
		m.oc.Logf("MATCH_RECOGNIZE %s: measure: %v", m.oc.Operator, err)
		return types.NullValue
	}
	return val
}

// matchView is the part of a match an expression sees: rows start..cur
// (running) or start..end-1 (final), with their labels.
type matchView struct {
	p         *matchPart
	start     int
	cur, end  int // current row; end of the match (exclusive)
	labels    []int
	thread    cep.Thread
	candidate int // DEFINE: the label being tried for row cur
	number    int64
	timedOut  bool
	define    bool
}

func (v *matchView) label(i int) int {
	if v.define {
		if i == v.cur {
			return v.candidate
		}
		return v.thread.Label(i)
	}
	if i-v.start < 0 || i-v.start >= len(v.labels) {
		return -1
	}
	return v.labels[i-v.start]
}

// fill computes the slots of me into its buffer over the base row.
func (m *matchOp) fill(me *matchEval, v *matchView, base types.Row) {
	buf := me.buf
	if base != nil {
		copy(buf, base)
	} else {
		clear(buf[:m.nIn])
	}
	for k := range me.slots {
		buf[m.nIn+k] = m.slotValue(&me.slots[k], v)
	}
}

func (m *matchOp) slotValue(s *matchSlot, v *matchView) types.Value {
	last := v.cur
	if s.Final {
		last = v.end - 1
	}
	in := func(i int) bool {
		if s.vars == nil {
			return true
		}
		l := v.label(i)
		return l >= 0 && l < len(s.vars) && s.vars[l]
	}
	switch s.Kind {
	case plan.SlotClassifier:
		idx := m.navIndex(s, v, last, in)
		if idx < v.start || idx >= v.end || (v.define && idx > v.cur) {
			return types.NullValue
		}
		if l := v.label(idx); l >= 0 && l < len(m.cfg.Vars) {
			return types.NewString(m.cfg.Vars[l])
		}
		return types.NullValue
	case plan.SlotMatchNumber:
		if v.timedOut {
			return types.NullValue // a timed-out partial match is not a match
		}
		if v.define {
			return types.NewBigInt(v.p.number + 1)
		}
		return types.NewBigInt(v.number)
	case plan.SlotTimedOut:
		return types.NewBool(v.timedOut)
	case plan.SlotAgg:
		return m.aggregate(s, v, last, in)
	}
	// navigation
	idx := m.navIndex(s, v, last, in)
	if idx < 0 || s.Phys > 0 && idx > v.p.next-1 {
		return types.NullValue
	}
	row := v.p.row(idx)
	if row == nil {
		return types.NullValue
	}
	val, err := s.arg(m.argRow(s, v, row))
	if err != nil {
		return types.NullValue
	}
	return val
}

// argRow is the row an argument is evaluated on: the input row, plus
// MATCH_NUMBER() when the argument reads it.
func (m *matchOp) argRow(s *matchSlot, v *matchView, row types.Row) types.Row {
	if !s.ArgMatchNumber {
		return row
	}
	num := v.number
	if v.define {
		num = v.p.number + 1
	}
	m.argBuf = append(append(m.argBuf[:0], row[:m.nIn]...), types.NewBigInt(num))
	return m.argBuf
}

// navIndex finds the row of a navigation: logical (FIRST/LAST over the
// rows of the slot's variables up to last), then physical (PREV/NEXT);
// -1 when there is none.
func (m *matchOp) navIndex(s *matchSlot, v *matchView, last int, in func(int) bool) int {
	idx := -1
	switch {
	case s.vars == nil && !s.First && s.Off == 0:
		if last >= v.start || s.Phys != 0 {
			idx = last
		}
	case s.First:
		// FIRST counts from the match's start; in MEASURES it may reach
		// past the current row into the rest of the match (Trino's RUNNING
		// FIRST(x, n))
		upper := last
		if !v.define {
			upper = max(last, v.end-1)
		}
		n := 0
		for i := v.start; i <= upper; i++ {
			if in(i) {
				if n == s.Off {
					idx = i
					break
				}
				n++
			}
		}
	default:
		n := 0
		for i := last; i >= v.start; i-- {
			if in(i) {
				if n == s.Off {
					idx = i
					break
				}
				n++
			}
		}
	}
	if idx < 0 && !(s.vars == nil && !s.First && s.Off == 0) {
		return -1
	}
	if idx < 0 {
		return -1
	}
	return idx + s.Phys
}

func (m *matchOp) aggregate(s *matchSlot, v *matchView, last int, in func(int) bool) types.Value {
	var (
		n       int64
		sumI    int64
		sumF    float64
		best    types.Value
		hasBest bool
		isFloat = s.T.Kind == types.KindDouble || s.Agg == "avg"
	)
	for i := v.start; i <= last; i++ {
		if !in(i) {
			continue
		}
		if s.arg == nil {
			n++
			continue
		}
		row := v.p.row(i)
		if row == nil {
			continue
		}
		val, err := s.arg(m.argRow(s, v, row))
		if err != nil || val.IsNull() {
			continue
		}
		n++
		switch s.Agg {
		case "sum", "avg":
			if val.Kind() == types.KindInt || val.Kind() == types.KindBigInt {
				sumI += val.Int()
			}
			sumF += val.AsFloat()
		case "min":
			if !hasBest || types.Compare(val, best) < 0 {
				best, hasBest = val, true
			}
		case "max":
			if !hasBest || types.Compare(val, best) > 0 {
				best, hasBest = val, true
			}
		}
	}
	switch s.Agg {
	case "count":
		return types.NewBigInt(n)
	case "sum":
		if n == 0 {
			return types.NullValue
		}
		if !isFloat && s.T.Kind == types.KindBigInt {
			return types.NewBigInt(sumI)
		}
		return types.NewDouble(sumF)
	case "avg":
		if n == 0 {
			return types.NullValue
		}
		return types.NewDouble(sumF / float64(n))
	}
	if !hasBest {
		return types.NullValue
	}
	return best
}

// partEvaluator evaluates DEFINE for a partition's matcher.
type partEvaluator struct {
	op *matchOp
	p  *matchPart
}

func (e *partEvaluator) Define(v int, row int, t cep.Thread) (bool, error) {
	me := e.op.define[v]
	if me == nil {
		return true, nil
	}
	base := e.p.row(row)
	var val types.Value
	var err error
	if len(me.slots) == 0 && base != nil {
		// the condition reads the row's columns only: no copy into buf
		val, err = me.eval(base)
	} else {
		dv := &e.op.defView
		*dv = matchView{p: e.p, start: t.Start(), cur: row, end: row + 1, thread: t, candidate: v, define: true}
		e.op.fill(me, dv, base)
		val, err = me.eval(me.buf)
	}
	if err != nil {
		// a row whose condition cannot be evaluated (CAST of 'login' to
		// BIGINT...) is dead-lettered once and takes no label, like a bad row
		// anywhere else: failing the job would fail again on restart
		if e.p.badRow != row+1 {
			e.p.badRow = row + 1
			e.op.oc.DeadLetter(e.op.ctx, runtime.DeadLetterRecord{Source: e.op.oc.Operator, Value: rowJSON(base),
				Err: fmt.Errorf("MATCH_RECOGNIZE: DEFINE %s: %w", e.op.cfg.Vars[v], err)})
		}
		return false, nil
	}
	return !val.IsNull() && val.Bool(), nil
}

// HistoryFree tells the matcher that partial matches at the same state are
// interchangeable.
func (e *partEvaluator) HistoryFree() bool { return e.op.cfg.HistoryFree }

func (m *matchOp) Close(ctx context.Context, out runtime.Emitter) error { return m.flush(ctx, out) }

// ---- state ----

const matchStateVersion = 3

// Snapshot writes every partition: key values, released rows still
// retained, rows waiting for the watermark, the matcher's position.
func (m *matchOp) Snapshot(_ context.Context, _ int64) ([]byte, error) {
	b := []byte{matchStateVersion}
	b = binary.AppendVarint(b, m.wm)
	b = binary.AppendUvarint(b, uint64(m.numParts()))
	// in the order of their keys' binary encoding
	type keyed struct {
		k string
		p *matchPart
	}
	parts := make([]keyed, 0, m.numParts())
	for p := range m.allParts() {
		k := p.key
		if m.strKey && !p.odd {
			k = string(m.binKey(p.keyVals))
		}
		parts = append(parts, keyed{k, p})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].k < parts[j].k })
	for _, kp := range parts {
		p := kp.p
		b = types.AppendRowBinary(b, p.keyVals)
		start, number := p.m.State()
		b = binary.AppendVarint(b, int64(p.base))
		b = binary.AppendVarint(b, int64(start))
		b = binary.AppendVarint(b, number)
		b = binary.AppendVarint(b, p.number)
		b = binary.AppendUvarint(b, uint64(p.nrel-p.head))
		for _, r := range p.buf[p.head:p.nrel] {
			b = binary.AppendVarint(b, r.ts)
			b = types.AppendRowBinary(b, r.row)
		}
		b = binary.AppendUvarint(b, uint64(len(p.pending())))
		for _, pr := range p.pending() {
			b = binary.AppendVarint(b, pr.ts)
			b = types.AppendRowBinary(b, pr.row)
		}
		b = binary.AppendUvarint(b, uint64(len(p.waiting)))
		for _, w := range p.waiting {
			b = binary.AppendVarint(b, int64(w.Start))
			b = binary.AppendVarint(b, int64(w.End))
			b = binary.AppendVarint(b, w.Number)
			to := int64(0)
			if w.TimedOut {
				to = 1
			}
			b = binary.AppendVarint(b, to)
			b = binary.AppendUvarint(b, uint64(len(w.Labels)))
			for _, l := range w.Labels {
				b = binary.AppendVarint(b, int64(l))
			}
		}
	}
	nkeys := make([]string, 0, len(m.numbers))
	for k := range m.numbers {
		nkeys = append(nkeys, k)
	}
	sort.Strings(nkeys)
	b = binary.AppendUvarint(b, uint64(len(nkeys)))
	for _, k := range nkeys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendVarint(b, m.numbers[k])
	}
	return b, nil
}

var errMatchState = errors.New("MATCH_RECOGNIZE: corrupt checkpoint state")

// Restore rebuilds the partitions and replays each matcher over its
// retained rows from the attempt it was in.
func (m *matchOp) Restore(_ context.Context, state []byte) error {
	if len(state) == 0 {
		return nil
	}
	if state[0] != matchStateVersion {
		return fmt.Errorf("%w: version %d", errMatchState, state[0])
	}
	b := state[1:]
	varint := func() int64 {
		v, k := binary.Varint(b)
		if k <= 0 {
			b = nil
			return 0
		}
		b = b[k:]
		return v
	}
	uvarint := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 || v > uint64(len(state)) {
			b = nil
			return 0
		}
		b = b[k:]
		return v
	}
	m.wm = varint()
	n := uvarint()
	for i := uint64(0); i < n; i++ {
		kv, rest, err := types.DecodeRow(b)
		if err != nil {
			return fmt.Errorf("%w: %v", errMatchState, err)
		}
		b = rest
		base, start, number, emitted := int(varint()), int(varint()), varint(), varint()
		p := &matchPart{keyVals: kv, tracked: -1, base: base, number: emitted}
		switch {
		case m.strKey && len(kv) == 1 && kv[0].Kind() == types.KindString:
			p.key = kv[0].Str()
		default:
			p.key, p.odd = string(m.binKey(kv)), m.strKey
		}
		nr := uvarint()
		for k := uint64(0); k < nr; k++ {
			ts := varint()
			r, rest, err := types.DecodeRow(b)
			if err != nil {
				return fmt.Errorf("%w: %v", errMatchState, err)
			}
			b = rest
			p.buf = append(p.buf, pendingRow{ts: ts, row: r})
		}
		p.nrel = len(p.buf)
		np := uvarint()
		for k := uint64(0); k < np; k++ {
			ts := varint()
			r, rest, err := types.DecodeRow(b)
			if err != nil {
				return fmt.Errorf("%w: %v", errMatchState, err)
			}
			b = rest
			p.buf = append(p.buf, pendingRow{ts: ts, row: r})
		}
		nw := uvarint()
		for k := uint64(0); k < nw; k++ {
			w := cep.Match{Start: int(varint()), End: int(varint()), Number: varint(), TimedOut: varint() == 1}
			nl := uvarint()
			for l := uint64(0); l < nl; l++ {
				w.Labels = append(w.Labels, int(varint()))
			}
			p.waiting = append(p.waiting, w)
		}
		if b == nil {
			return errMatchState
		}
		p.next = p.base + p.nrel
		p.evStore = partEvaluator{op: m, p: p}
		p.ev = &p.evStore
		p.mStore.Init(m.cfg.Program, p.ev, m.matcherOptions(p), start, number)
		p.m = &p.mStore
		for idx := start; idx < p.next; idx++ {
			if idx < p.base {
				continue
			}
			ms, err := p.m.Push(idx)
			if err != nil {
				return matchErr(err)
			}
			before := len(m.out)
			m.emitMatches(p, ms)
			if len(m.out) > before {
				m.oc.Logf("MATCH_RECOGNIZE %s: restoring partition state produced %d rows again (emitted; at-least-once)", m.oc.Operator, len(m.out)-before)
			}
		}
		m.track(p)
		if p.odd {
			m.odd[p.key] = p
		} else {
			p.hash = m.parts.hash(p.key)
			m.parts.put(p)
		}
		m.partsPeak = max(m.partsPeak, m.numParts())
		m.touch(p) // dropped at the next watermark if it holds nothing
		if p.nrel < len(p.buf) {
			m.markDirty(p, p.buf[p.nrel].ts)
		}
	}
	nn := uvarint()
	for i := uint64(0); i < nn; i++ {
		kl := uvarint()
		if b == nil || uint64(len(b)) < kl {
			return errMatchState
		}
		k := string(b[:kl])
		b = b[kl:]
		m.numbers[k] = varint()
	}
	if b == nil {
		return errMatchState
	}
	m.carry = append(m.carry, m.out...)
	m.out = nil
	return nil
}

// ---- WITHIN deadlines ----

type deadline struct {
	at    int64
	p     *matchPart
	start int
	gen   uint32 // p's gen when pushed
}

// deadlineWheel holds the WITHIN deadlines in a ring of buckets by time
// (a coarse timing wheel): pushing one is an append, and a watermark looks
// only at the buckets it passed. The deadlines it passed are moved to due, a
// small heap, and expired in time order as a single heap of every deadline
// would give them (an expiry may push a new deadline that is due already: it
// joins due).
type deadlineWheel struct {
	width   int64        // µs of event time per bucket
	buckets [][]deadline // the bucket of time t is floor(t/width) mod len
	slot    int64        // floor(wm/width) at the last advance: buckets of earlier slots are empty
	started bool
	// ready are the deadlines an advance passed, in time order, ready[ri:]
	// not yet expired; due those pushed at or before the watermark since
	// (next takes the earliest of both)
	ready []deadline
	ri    int
	due   deadlineHeap
	spare [][]deadline // emptied buckets' arrays, for buckets that fill
}

// next takes the earliest deadline of ready and due.
func (w *deadlineWheel) next() (deadline, bool) {
	if len(w.due) > 0 && (w.ri >= len(w.ready) || w.due[0].at < w.ready[w.ri].at) {
		return w.due.pop(), true
	}
	if w.ri < len(w.ready) {
		d := w.ready[w.ri]
		w.ready[w.ri] = deadline{}
		w.ri++
		return d, true
	}
	return deadline{}, false
}

// wheelBuckets is the number of buckets a WITHIN interval spans.
const wheelBuckets = 32

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// push adds d; wm is the watermark now: a deadline at or before it is due.
func (w *deadlineWheel) push(d deadline, wm int64) {
	if !w.started || d.at <= wm {
		// (before the first advance, on restore, every deadline waits in
		// due: advance sorts them out)
		w.due.push(d)
		return
	}
	s := floorDiv(d.at, w.width)
	if s-w.slot >= int64(len(w.buckets)) {
		w.grow(s - w.slot + 1)
	}
	i := s % int64(len(w.buckets))
	if i < 0 {
		i += int64(len(w.buckets))
	}
	b := w.buckets[i]
	if cap(b) == 0 && len(w.spare) > 0 {
		// an emptied bucket's array: buckets fill and empty in turn
		b = w.spare[len(w.spare)-1]
		w.spare[len(w.spare)-1] = nil
		w.spare = w.spare[:len(w.spare)-1]
	}
	w.buckets[i] = append(b, d)
}

// init sets the bucket width from the WITHIN interval.
func (w *deadlineWheel) init(within int64) {
	w.width = max(1, within/wheelBuckets)
	w.buckets = make([][]deadline, wheelBuckets+2)
}

// grow makes the ring n buckets long at least (a deadline further ahead
// than WITHIN after the watermark: not expected, handled).
func (w *deadlineWheel) grow(n int64) {
	old := w.buckets
	w.buckets = make([][]deadline, max(n, 2*int64(len(old))))
	for _, b := range old {
		for _, d := range b {
			s := floorDiv(d.at, w.width) % int64(len(w.buckets))
			if s < 0 {
				s += int64(len(w.buckets))
			}
			w.buckets[s] = append(w.buckets[s], d)
		}
	}
}

// advance moves the deadlines at or before wm to ready, in time order.
func (w *deadlineWheel) advance(wm int64) {
	if w.ri > 0 {
		n := copy(w.ready, w.ready[w.ri:])
		clear(w.ready[n:])
		w.ready, w.ri = w.ready[:n], 0
	}
	defer func() {
		slices.SortFunc(w.ready, func(a, b deadline) int { return cmp.Compare(a.at, b.at) })
	}()
	ns := floorDiv(wm, w.width)
	if !w.started {
		w.started, w.slot = true, ns
		waiting := w.due
		w.due = nil
		for _, d := range waiting {
			w.push(d, wm)
		}
		return
	}
	n := int64(len(w.buckets))
	from := w.slot
	if ns-from >= n {
		from = ns - n + 1 // every bucket
	}
	for s := from; s <= ns; s++ {
		i := s % n
		if i < 0 {
			i += n
		}
		b := w.buckets[i]
		kept := b[:0]
		for _, d := range b {
			if d.at <= wm {
				w.ready = append(w.ready, d)
			} else {
				kept = append(kept, d)
			}
		}
		clear(b[len(kept):])
		if len(kept) == 0 && cap(kept) > 0 {
			// for a bucket that fills next; a few at most, so that a
			// burst's buckets are not kept for ever
			if len(w.spare) < maxSpareBuckets && cap(kept) <= 4096 {
				w.spare = append(w.spare, kept)
			}
			kept = nil
		}
		w.buckets[i] = shrink(kept)
	}
	w.slot = max(w.slot, ns)
}

// maxSpareBuckets bounds deadlineWheel.spare.
const maxSpareBuckets = 4

// release forgets the deadlines that next took (ready[:ri]), keeping the
// array unless a burst made it large.
func (w *deadlineWheel) release() {
	clear(w.ready)
	w.ready, w.ri = w.ready[:0], 0
	if cap(w.ready) > 4096 {
		w.ready = nil
	}
}

// deadlineHeap is a min-heap by time, typed (container/heap would box
// every deadline pushed and popped).
type deadlineHeap []deadline

func (h *deadlineHeap) push(d deadline) {
	s := append(*h, d)
	i := len(s) - 1
	for i > 0 {
		up := (i - 1) / 2
		if s[up].at <= d.at {
			break
		}
		s[i] = s[up]
		i = up
	}
	s[i] = d
	*h = s
}

func (h *deadlineHeap) pop() deadline {
	s := *h
	top := s[0]
	n := len(s) - 1
	last := s[n]
	s[n] = deadline{} // let go of the partition
	s = s[:n]
	if n > 0 {
		i := 0
		for {
			c := 2*i + 1
			if c >= n {
				break
			}
			if c+1 < n && s[c+1].at < s[c].at {
				c++
			}
			if last.at <= s[c].at {
				break
			}
			s[i] = s[c]
			i = c
		}
		s[i] = last
	}
	*h = s
	return top
}
