package cep

import (
	"errors"
	"fmt"
)

// Evaluator decides DEFINE conditions for the Matcher.
type Evaluator interface {
	// Define reports whether row may be labelled v in thread t, whose match
	// started at t.Start() and labelled rows t.Start() <= i < row with
	// t.Label(i). t is valid only during the call.
	Define(v int, row int, t Thread) (bool, error)
}

// HistoryFree is an optional ability of an Evaluator. HistoryFree() == true
// promises that Define(v, row, t) depends on v and row only: no DEFINE
// condition reads labels (CLASSIFIER(), A.x, FIRST/LAST, aggregates over
// variables), only the row and rows at fixed physical offsets (PREV, NEXT).
// The Matcher then keeps one thread per instruction (the most preferred),
// which bounds the work per row by the pattern's size, and evaluates each
// variable at most once per row.
type HistoryFree interface {
	HistoryFree() bool
}

// SkipMode is the AFTER MATCH SKIP clause.
type SkipMode int

const (
	SkipPastLastRow SkipMode = iota // AFTER MATCH SKIP PAST LAST ROW (the default)
	SkipToNextRow                   // AFTER MATCH SKIP TO NEXT ROW
	SkipToFirst                     // AFTER MATCH SKIP TO FIRST v
	SkipToLast                      // AFTER MATCH SKIP TO [LAST] v
)

func (s SkipMode) String() string {
	switch s {
	case SkipPastLastRow:
		return "PAST LAST ROW"
	case SkipToNextRow:
		return "TO NEXT ROW"
	case SkipToFirst:
		return "TO FIRST"
	case SkipToLast:
		return "TO LAST"
	}
	return fmt.Sprintf("SkipMode(%d)", int(s))
}

// DefaultMaxThreads is the thread cap of Options.MaxThreads == 0.
const DefaultMaxThreads = 10_000

// Options configure a Matcher.
type Options struct {
	Skip SkipMode
	// SkipVars are the variables of SKIP TO FIRST/LAST v: one, or the
	// members of a SUBSET (union) variable.
	SkipVars []int
	// MaxThreads caps the live partial matches of the partition; past it the
	// least preferred are dropped and counted (Dropped). 0 means
	// DefaultMaxThreads, a negative value no cap.
	MaxThreads int
	// Within, if set, reports whether row lies in the WITHIN window of a
	// match that starts at start (rows are in event-time order, so once it is
	// false it stays false for later rows). An attempt that reaches a row
	// outside its window ends there as Expire ends it. Expire handles a
	// window that closes while no row arrives.
	Within func(start, row int) bool
	// Window is Within as an interface, for a caller whose window test is a
	// method of a struct it has anyway (a closure is an allocation of its
	// own, and with many partitions a cache miss of its own on every row).
	// At most one of Within and Window may be set.
	Window Window
	// DiscardTimedOut drops the partial matches that a WITHIN window ends
	// instead of returning them as TimedOut matches (whose Labels cost an
	// allocation each): for a caller that would throw them away. They are
	// still counted (TakeTimedOut).
	DiscardTimedOut bool
}

// Window reports whether row lies in the WITHIN window of a match that
// starts at start: see Options.Within.
type Window interface {
	InWindow(start, row int) bool
}

// windowFunc is Options.Within as a Window.
type windowFunc func(start, row int) bool

func (f windowFunc) InWindow(start, row int) bool { return f(start, row) }

// Errors of the Matcher; test with errors.Is. The messages of the two SKIP
// errors are Trino's.
var (
	ErrSkipToMissingVariable = errors.New("AFTER MATCH SKIP failed: pattern variable is not present in match")
	ErrSkipToFirstRow        = errors.New("AFTER MATCH SKIP failed: cannot skip to first row of match")
	ErrBadOptions            = errors.New("invalid matcher options")
	ErrRowOrder              = errors.New("rows must be pushed in order, each once")
)

// Match is a match, or a timed-out partial match, of one attempt.
type Match struct {
	Start, End int   // rows [Start, End); End == Start for an empty match
	Labels     []int // the variable of each row Start..End-1
	Number     int64 // MATCH_NUMBER(): 1, 2, ... per partition; 0 when TimedOut
	// TimedOut marks a partial match whose WITHIN window closed before the
	// pattern completed (see Expire). It is not a match: it takes no
	// MATCH_NUMBER and the next attempt starts at Start+1.
	TimedOut bool
}

// Empty reports whether m is an empty match.
func (m Match) Empty() bool { return m.End == m.Start }

type thread struct {
	pc int32
	h  *hnode
}

// Matcher finds the matches of one partition. It is not safe for concurrent
// use.
type Matcher struct {
	// the fields read for every row come first: an operator with many
	// partitions touches few cache lines of each
	prog        *Program
	ev          Evaluator
	err         error   // sticky: an evaluator or SKIP error ends the partition
	optErr      error   // what is wrong with the options, if anything
	chain       []int32 // the program's chain (nil: run the VM): see stepChain
	window      Window  // Options.Window, or Options.Within
	first, last int     // rows pushed so far: first..last (last < first: none)
	nextStart   int     // where the next attempt starts

	// the attempt in progress
	active      bool
	accepted    bool
	historyFree bool
	start       int
	pos         int // next row the attempt reads
	// accDepth is a chain attempt's accepted match's length. A chain's
	// attempts have one thread, which has labelled rows start..pos-1 with
	// the chain's labels: no threads or histories are kept.
	accDepth int

	number   int64
	dropped  int64
	timedOut int64 // partial matches ended by WITHIN since TakeTimedOut
	out      []Match
	cview    chainView // the Thread of a chain's Define call
	opt      Options

	// the VM's state; nil for a chain, which needs none of it
	*vmState
}

// vmState is what the VM keeps besides the Matcher's own fields: threads,
// histories and scratch. A chain pattern's Matcher has none (a quarter of
// a kilobyte less for each of many partitions).
type vmState struct {
	maxThreads int
	cur        []thread // live threads, most preferred first, all at label instructions
	acc        *hnode   // the accepted match, less preferred than every live thread
	root       *hnode
	slab       nodeSlab

	// scratch
	next         []thread
	stack        []int32
	view         threadView
	stamp        uint64
	seen         []uint64           // per pc: stamp of the step that last visited it
	seenHist     [][]*hnode         // per pc, without HistoryFree: histories seen this step
	seenMap      map[seenKey]*hnode // per step, for instructions with many histories
	seenMapStamp uint64
	defStamp     []uint64 // HistoryFree: per variable, stamp of the cached Define
	defValue     []bool
}

type seenKey struct {
	pc   int32
	hash uint64
}

// bigSeen is the number of histories at one instruction past which a step
// looks them up by hash instead of scanning.
const bigSeen = 16

// NewMatcher returns a matcher for one partition whose rows are pushed from
// row 0 on.
func NewMatcher(p *Program, ev Evaluator, o Options) *Matcher {
	return NewMatcherAt(p, ev, o, 0, 0)
}

// NewMatcherAt returns a matcher that resumes a partition from a snapshot
// taken with State: the next attempt starts at nextStart and the next match
// gets number+1. The operator then pushes its retained rows again from
// nextStart (or any earlier row: rows before nextStart start no attempt),
// which rebuilds the attempt that was in progress.
func NewMatcherAt(p *Program, ev Evaluator, o Options, nextStart int, number int64) *Matcher {
	m := new(Matcher)
	m.Init(p, ev, o, nextStart, number)
	return m
}

// Init makes the zero Matcher *m the one NewMatcherAt returns, for a caller
// that keeps matchers inside its own structs. m must not be in use.
func (m *Matcher) Init(p *Program, ev Evaluator, o Options, nextStart int, number int64) {
	*m = Matcher{
		prog:      p,
		ev:        ev,
		opt:       o,
		first:     0,
		last:      -1,
		nextStart: nextStart,
		number:    number,
	}
	if hf, ok := ev.(HistoryFree); ok && hf.HistoryFree() {
		m.historyFree = true
	}
	m.window = o.Window
	if o.Within != nil {
		m.window = windowFunc(o.Within)
	}
	m.chain = p.chain
	if m.chain == nil {
		m.initVM()
	}
	m.err = m.validate(nextStart)
	m.optErr = m.validate(0)
}

// initVM allocates the VM's per-instruction scratch space, which a chain
// pattern does without.
func (m *Matcher) initVM() {
	p := m.prog
	m.vmState = &vmState{root: emptyHistory, maxThreads: m.opt.MaxThreads}
	if m.maxThreads == 0 {
		m.maxThreads = DefaultMaxThreads
	}
	stamps := make([]uint64, len(p.insts)+len(p.names)) // seen and defStamp: one allocation
	m.seen = stamps[:len(p.insts):len(p.insts)]
	if m.historyFree {
		m.defStamp = stamps[len(p.insts):]
		m.defValue = make([]bool, len(p.names))
	} else {
		m.seenHist = make([][]*hnode, len(p.insts))
	}
}

func (m *Matcher) validate(nextStart int) error {
	o := m.opt
	var err error
	switch {
	case o.Skip < SkipPastLastRow || o.Skip > SkipToLast:
		err = fmt.Errorf("%w: skip mode %d", ErrBadOptions, int(o.Skip))
	case (o.Skip == SkipToFirst || o.Skip == SkipToLast) && len(o.SkipVars) == 0:
		err = fmt.Errorf("%w: SKIP %s needs a variable", ErrBadOptions, o.Skip)
	case nextStart < 0:
		err = fmt.Errorf("%w: negative start row %d", ErrBadOptions, nextStart)
	case o.Within != nil && o.Window != nil:
		err = fmt.Errorf("%w: both Within and Window are set", ErrBadOptions)
	}
	for _, v := range o.SkipVars {
		if v < 0 || v >= len(m.prog.names) {
			err = fmt.Errorf("%w: SKIP variable %d out of range", ErrBadOptions, v)
		}
	}
	return err
}

// Reset makes m the matcher NewMatcherAt(p, ev, o, nextStart, number) would
// return, with the same program, evaluator and options, but keeping its
// scratch space: an operator whose partitions come and go reuses the
// matchers of dropped ones.
func (m *Matcher) Reset(nextStart int, number int64) {
	if m.optErr != nil || nextStart < 0 {
		m.err = m.validate(nextStart)
	} else {
		m.err = nil
	}
	m.first, m.last = 0, -1
	m.nextStart, m.number = nextStart, number
	m.dropped, m.timedOut = 0, 0
	m.active, m.start, m.pos = false, 0, 0
	m.accepted, m.accDepth = false, 0
	m.out = nil
	if m.chain != nil {
		// no threads, histories or VM scratch (cview is set before each use)
		return
	}
	m.acc = nil
	// stamp goes on rising: the seen and defStamp entries stay stale
	if cap(m.cur) > 64 {
		m.cur, m.next = nil, nil
	} else {
		clear(m.cur[:cap(m.cur)])
		clear(m.next[:cap(m.next)])
		m.cur, m.next = m.cur[:0], m.next[:0]
	}
	if cap(m.slab.block) > 2*minSlabBlock {
		m.slab = nodeSlab{} // a long match's block: not kept for ever
	} else {
		m.slab.reset()
	}
	m.seenMap = nil
	clear(m.seenHist)
}

// State is the snapshot of the matcher: the start of the attempt in progress
// (or of the next one) and the last MATCH_NUMBER given. With the rows from
// nextStart on, NewMatcherAt rebuilds the same matcher.
func (m *Matcher) State() (nextStart int, number int64) {
	if m.active {
		return m.start, m.number
	}
	return m.nextStart, m.number
}

// Pending reports whether an attempt is in progress: rows from Oldest() on
// may still become part of a match. An idle matcher is fully described by
// State(): an operator with many sparse partitions can drop it and build it
// again with NewMatcherAt when the partition's next row arrives.
func (m *Matcher) Pending() bool { return m.active }

// Oldest is the lowest row the matcher may still read: the start of the
// attempt in progress, or of the next attempt when idle. Rows below it can be
// freed (but for what PREV() needs).
func (m *Matcher) Oldest() int {
	if m.active {
		return m.start
	}
	return m.nextStart
}

// Touch reads the fields that Push, Expire and Oldest read first and
// returns a number made of them, to be discarded. An operator with many
// partitions, whose matchers are mostly not in the CPU's caches, calls it
// for several matchers before it uses them: the loads do not depend on one
// another, so their cache misses overlap.
func (m *Matcher) Touch() int {
	n := m.first + m.nextStart + m.start + len(m.chain) + len(m.out) + int(m.dropped) + int(m.opt.Skip)
	if m.opt.DiscardTimedOut {
		n++
	}
	return n
}

// Dropped is the number of threads dropped by the MaxThreads cap.
func (m *Matcher) Dropped() int64 { return m.dropped }

// TakeTimedOut returns the number of partial matches (of at least one row)
// that a WITHIN window ended since the last call, and resets it. With
// DiscardTimedOut it is the only trace they leave.
func (m *Matcher) TakeTimedOut() int64 {
	n := m.timedOut
	m.timedOut = 0
	return n
}

// Threads is the number of live threads of the attempt in progress.
func (m *Matcher) Threads() int {
	if m.chain != nil {
		if m.active {
			return 1
		}
		return 0
	}
	return len(m.cur)
}

// Push feeds the next row (the previous row + 1; the first row pushed may be
// any row up to the next attempt's start) and returns the matches that became
// final, in order. An error from the Evaluator or from AFTER MATCH SKIP is
// returned with the matches found before it (and, for a SKIP error, the match
// that caused it) and ends the partition: later calls return it again.
func (m *Matcher) Push(row int) ([]Match, error) {
	if m.err != nil {
		return nil, m.err
	}
	if m.last < m.first {
		if row > m.nextStart {
			return nil, fmt.Errorf("%w: first row pushed is %d, but the next attempt starts at row %d", ErrRowOrder, row, m.nextStart)
		}
		m.first = row
	} else if row != m.last+1 {
		return nil, fmt.Errorf("%w: pushed row %d after row %d", ErrRowOrder, row, m.last)
	}
	m.last = row
	m.run(false)
	return m.flush()
}

// Finish ends the partition's input: every pending attempt is resolved (a
// greedy match waiting for a row that could extend it is final now; partial
// matches fail) and the attempts still due from the retained rows are run.
func (m *Matcher) Finish() ([]Match, error) {
	if m.err != nil {
		return nil, m.err
	}
	m.run(true)
	if m.vmState != nil {
		// the partition is over: let go of the histories and scratch space
		m.slab = nodeSlab{}
		clear(m.seenHist)
		m.seenMap = nil
	}
	return m.flush()
}

// Expire ends the attempts whose WITHIN window has closed: while the attempt
// in progress has a start for which deadline(start) is true, its threads die.
// If it had accepted a complete match (a greedy tail waiting for more rows),
// that match is final and returned, and the next attempt starts as AFTER
// MATCH SKIP says. Otherwise its most preferred live thread is returned as a
// Match with TimedOut set: since all threads of an attempt advance in lock
// step, every live thread has labelled exactly the rows [start, last pushed
// row], and the most preferred of them is the partial match that the
// pattern's preference order ranks first. The next attempt then starts at
// start+1 (a timed-out attempt is a failed one), is replayed over the
// retained rows, and is checked against deadline in turn.
func (m *Matcher) Expire(deadline func(start int) bool) ([]Match, error) {
	if m.err != nil {
		return nil, m.err
	}
	for m.err == nil && m.active && deadline(m.start) {
		m.timeout()
		m.run(false)
	}
	return m.flush()
}

func (m *Matcher) flush() ([]Match, error) {
	out := m.out
	m.out = nil
	return out, m.err
}

// run advances attempts as far as the pushed rows allow; final resolves an
// attempt that waits for rows that will not come.
func (m *Matcher) run(final bool) {
	for m.err == nil {
		switch {
		case !m.active:
			if m.nextStart > m.last || m.nextStart < m.first {
				return
			}
			m.begin(m.nextStart)
		case m.pos <= m.last:
			if m.window != nil && !m.window.InWindow(m.start, m.pos) {
				m.timeout()
			} else {
				m.step(m.pos)
			}
		case final:
			m.resolve()
		default:
			return
		}
	}
}

// begin starts an attempt at row s: the closure of instruction 0.
func (m *Matcher) begin(s int) {
	m.active = true
	m.start = s
	m.pos = s
	m.accepted = false
	if m.chain != nil {
		// the closure of 0 is the first label (a chain has one at least)
		m.accDepth = 0
		return
	}
	m.acc = nil
	m.stamp++
	m.cur = m.cur[:0]
	var done bool
	m.cur, done = m.closure(0, m.root, m.cur)
	if done {
		m.accept(m.root)
	}
	if len(m.cur) == 0 {
		m.resolve()
	}
}

func (m *Matcher) accept(h *hnode) {
	m.accepted = true
	m.acc = h
}

// step feeds row r to every live thread, in preference order.
func (m *Matcher) step(r int) {
	if m.chain != nil {
		m.stepChain(r)
		return
	}
	m.stamp++
	next := m.next[:0]
	for _, t := range m.cur {
		v := m.prog.insts[t.pc].arg
		ok, err := m.define(v, r, t.h)
		if err != nil {
			m.err = err
			m.next = next
			return
		}
		if !ok {
			continue
		}
		h := m.slab.extend(t.h, v)
		var done bool
		next, done = m.closure(t.pc+1, h, next)
		if done {
			// every thread after t is less preferred than this match
			m.accept(h)
			break
		}
	}
	m.next = m.cur // its stale entries are overwritten next step; resolve clears them
	m.cur = next
	m.pos = r + 1
	if m.maxThreads > 0 && len(m.cur) > m.maxThreads {
		m.dropped += int64(len(m.cur) - m.maxThreads)
		clear(m.cur[m.maxThreads:])
		m.cur = m.cur[:m.maxThreads]
	}
	if len(m.cur) == 0 {
		m.resolve()
	}
}

// stepChain is step for a chain pattern: the one thread, which has labelled
// rows start..r-1, takes row r if its label's condition holds. As in step,
// a thread that dies resolves the attempt, and a thread that can take no
// more rows (the chain's end without a loop) is a match at once.
func (m *Matcher) stepChain(r int) {
	i := r - m.start
	v := m.chain[min(i, len(m.chain)-1)]
	m.cview = chainView{start: m.start, n: i, chain: m.chain}
	ok, err := m.ev.Define(int(v), r, &m.cview)
	if err != nil {
		m.err = err
		return
	}
	m.pos = r + 1
	if !ok {
		m.resolve()
		return
	}
	if i+1 >= m.prog.chainMin {
		m.accepted, m.accDepth = true, i+1
	}
	if !m.prog.chainLoop && i+1 == len(m.chain) {
		m.resolve()
	}
}

func (m *Matcher) define(v int32, r int, h *hnode) (bool, error) {
	if m.historyFree {
		if m.defStamp[v] == m.stamp {
			return m.defValue[v], nil
		}
	}
	m.view = threadView{start: m.start, h: h}
	ok, err := m.ev.Define(int(v), r, &m.view)
	if m.historyFree && err == nil {
		m.defStamp[v] = m.stamp
		m.defValue[v] = ok
	}
	return ok, err
}

// closure follows the epsilon moves from pc in preference order (depth
// first, the preferred branch of a split first), appending the threads that
// reach a label instruction to dst. It stops at the first done: the threads
// it would still find are less preferred than that match.
func (m *Matcher) closure(pc int32, h *hnode, dst []thread) ([]thread, bool) {
	// h is the same for every instruction reached: the stack holds only pcs
	stack := append(m.stack[:0], pc)
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !m.visit(pc, h) {
			continue
		}
		in := &m.prog.insts[pc]
		switch in.op {
		case opLabel:
			dst = append(dst, thread{pc, h})
		case opSplit:
			stack = append(stack, in.y, in.x)
		case opJump:
			stack = append(stack, in.x)
		case opDone:
			m.stack = stack
			return dst, true
		}
	}
	m.stack = stack
	return dst, false
}

// visit records that a thread reached pc in this step and reports whether
// it is the first equivalent one to do so. A later equivalent thread is less
// preferred and its future is the same, so it is dropped. This also ends
// empty loop iterations: a thread coming back to an instruction without
// having consumed a row meets its own earlier visit.
func (m *Matcher) visit(pc int32, h *hnode) bool {
	if m.seen[pc] != m.stamp {
		m.seen[pc] = m.stamp
		if !m.historyFree {
			m.seenHist[pc] = append(m.seenHist[pc][:0], h)
		}
		return true
	}
	if m.historyFree {
		return false
	}
	hs := m.seenHist[pc]
	if hs[len(hs)-1] == h {
		return false // the common case: the same thread, or the same history
	}
	if len(hs) < bigSeen {
		for _, o := range hs {
			if sameHistory(o, h) {
				return false
			}
		}
	} else {
		if m.seenMapStamp != m.stamp {
			if m.seenMap == nil {
				m.seenMap = make(map[seenKey]*hnode)
			}
			clear(m.seenMap)
			m.seenMapStamp = m.stamp
		}
		if len(hs) == bigSeen {
			for _, o := range hs {
				m.seenMap[seenKey{pc, o.hash}] = o
			}
		}
		k := seenKey{pc, h.hash}
		if o, ok := m.seenMap[k]; ok {
			if sameHistory(o, h) {
				return false
			}
			// a hash collision: keep the first; missing a duplicate is safe
		} else {
			m.seenMap[k] = h
		}
	}
	m.seenHist[pc] = append(hs, h)
	return true
}

// resolve ends the attempt in progress when no thread is alive or no row
// will come: the accepted match, if any, is final.
func (m *Matcher) resolve() {
	s := m.start
	m.active = false
	if m.chain == nil { // (a chain has no threads or histories)
		clear(m.cur)
		clear(m.next[:cap(m.next)])
		m.cur = m.cur[:0]
	}
	if !m.accepted {
		if m.chain == nil {
			m.slab.reset()
		}
		m.nextStart = s + 1
		return
	}
	m.accepted = false
	m.number++
	if m.chain != nil {
		match := Match{Start: s, End: s + m.accDepth, Number: m.number}
		if m.accDepth > 0 {
			match.Labels = appendChain(make([]int, 0, m.accDepth), m.chain, m.accDepth)
		}
		m.out = append(m.out, match)
		m.nextStart = m.skip(match)
		return
	}
	acc := m.acc
	m.acc = nil
	match := Match{Start: s, End: s + int(acc.depth), Number: m.number}
	if acc.depth > 0 {
		match.Labels = appendLabels(make([]int, 0, acc.depth), acc)
	}
	m.slab.reset()
	m.out = append(m.out, match)
	m.nextStart = m.skip(match)
}

// timeout ends the attempt in progress because its WITHIN window closed.
func (m *Matcher) timeout() {
	if m.accepted {
		if m.chain == nil {
			clear(m.cur)
			m.cur = m.cur[:0]
		}
		m.resolve()
		return
	}
	if m.chain != nil {
		// an active chain attempt has its thread, which labelled pos-start rows
		if n := m.pos - m.start; n > 0 {
			m.timedOut++
			if !m.opt.DiscardTimedOut {
				m.out = append(m.out, Match{Start: m.start, End: m.pos,
					Labels: appendChain(make([]int, 0, n), m.chain, n), TimedOut: true})
			}
		}
		m.resolve()
		return
	}
	if len(m.cur) > 0 && m.pos > m.start {
		// threads advance in lock step: each has labelled pos-start rows
		m.timedOut++
	}
	if len(m.cur) > 0 && m.cur[0].h.depth > 0 && !m.opt.DiscardTimedOut {
		h := m.cur[0].h
		m.out = append(m.out, Match{
			Start:    m.start,
			End:      m.start + int(h.depth),
			Labels:   appendLabels(make([]int, 0, h.depth), h),
			TimedOut: true,
		})
	}
	m.resolve() // no accepted match: the next attempt starts at start+1
}

// skip is where the attempt after match starts.
func (m *Matcher) skip(match Match) int {
	s, e := match.Start, match.End
	if e == s {
		return s + 1 // whatever the mode: an empty match skips to the next row
	}
	switch m.opt.Skip {
	case SkipToNextRow:
		return s + 1
	case SkipToFirst, SkipToLast:
		at := -1
		for i, l := range match.Labels {
			if !m.isSkipVar(l) {
				continue
			}
			at = s + i
			if m.opt.Skip == SkipToFirst {
				break
			}
		}
		switch at {
		case -1:
			m.err = fmt.Errorf("%w (SKIP %s %s, match %d at rows %d..%d)", ErrSkipToMissingVariable, m.opt.Skip, m.skipVarNames(), match.Number, s, e-1)
			return e
		case s:
			m.err = fmt.Errorf("%w (SKIP %s %s, match %d at rows %d..%d)", ErrSkipToFirstRow, m.opt.Skip, m.skipVarNames(), match.Number, s, e-1)
			return e
		}
		return at
	}
	return e
}

func (m *Matcher) isSkipVar(l int) bool {
	for _, v := range m.opt.SkipVars {
		if v == l {
			return true
		}
	}
	return false
}

func (m *Matcher) skipVarNames() string {
	if len(m.opt.SkipVars) == 1 {
		return m.prog.varName(m.opt.SkipVars[0])
	}
	s := "("
	for i, v := range m.opt.SkipVars {
		if i > 0 {
			s += ", "
		}
		s += m.prog.varName(v)
	}
	return s + ")"
}
