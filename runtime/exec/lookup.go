package exec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/metrics"
	"github.com/chatsql/chatsql/runtime/reftable"
	"github.com/chatsql/chatsql/runtime/types"
)

// lookupOp is the Lookup operator: a temporal join or a subquery against a
// live reference table. Input 0 is the stream, input 1 the table's
// changelog. Stream rows wait until the table is loaded (input 1's
// watermark reaches MaxWatermark). Event-time joins (EventTime set) buffer
// rows until the watermark passes them and read the version valid at their
// time, in event-time order; everything else reads the latest version at
// once. A row whose expressions fail (or a scalar subquery with more than
// one row) is dead-lettered and dropped.
type lookupOp struct {
	cfg    *plan.LookupConfig
	schema types.Schema
	nl, nt int // left and table columns
	width  int // output columns
	oc     *runtime.OpContext
	m      *metrics.Lookup
	ctx    context.Context

	tbl       *reftable.Table
	text      *reftable.TextIndex // Contains[0] when it is the access path
	eventTime expr.Evaluator
	leftKeys  []expr.Evaluator
	outers    []expr.Evaluator
	inners    []expr.Evaluator
	cond      expr.Evaluator
	value     expr.Evaluator
	agg       string
	sep       string
	history   bool

	loaded bool
	wm     int64
	held   []types.Row // proctime: rows that arrived before the table was loaded
	pend   pendHeap    // event time: rows waiting for the watermark
	seq    uint64
	warnAt int

	keyVals []types.Value
	// uniqueKeys: the equalities cover the table's primary key (at most
	// one row per key: the lookup path beats every other)
	uniqueKeys bool
	outerStrs  []string
	outerNull  []bool
	cands      []types.Row
	comb       types.Row
	out        []types.Row
	slab       []types.Value
	innerErrs  int

	// uncorrelated results, per table version and read time
	cacheOK   bool
	cacheVer  uint64
	cacheAt   int64
	cacheVal  types.Value
	cacheErr  error
	cacheRows []types.Row
	// Evaluations counts candidate evaluations (tests).
	evaluations int64
}

func newLookup(n *plan.Node, _ *BuildContext) (runtime.Operator, error) {
	cfg, ok := n.Config.(*plan.LookupConfig)
	if !ok {
		return nil, fmt.Errorf("%w: Lookup config is %T, want *plan.LookupConfig", ErrBadPlan, n.Config)
	}
	if len(n.Inputs) != 2 {
		return nil, fmt.Errorf("%w: Lookup needs 2 inputs (stream, table changelog), has %d", ErrBadPlan, len(n.Inputs))
	}
	nt := len(cfg.Table.Schema.Columns)
	o := &lookupOp{cfg: cfg, schema: n.Schema, nt: nt, width: len(n.Schema.Columns)}
	if cfg.Mode == plan.LookupJoin {
		o.nl = o.width - nt
	} else {
		o.nl = o.width - 1
	}
	switch {
	case nt == 0 || len(cfg.Table.Key) == 0:
		return nil, fmt.Errorf("%w: Lookup: table %s needs columns and a primary key", ErrBadPlan, cfg.Table.Name)
	case o.nl < 0:
		return nil, fmt.Errorf("%w: Lookup: output schema has %d columns, too few for mode %s", ErrBadPlan, o.width, cfg.Mode)
	case len(cfg.LeftKeys) != len(cfg.TableKeys):
		return nil, fmt.Errorf("%w: Lookup: %d left keys, %d table keys", ErrBadPlan, len(cfg.LeftKeys), len(cfg.TableKeys))
	case cfg.Mode == plan.LookupScalar && cfg.Value == nil:
		return nil, fmt.Errorf("%w: Lookup: a scalar subquery needs a value", ErrBadPlan)
	}
	for _, c := range append(append([]int(nil), cfg.Table.Key...), cfg.TableKeys...) {
		if c < 0 || c >= nt {
			return nil, fmt.Errorf("%w: Lookup: table column %d out of range", ErrBadPlan, c)
		}
	}
	if cfg.Mode == plan.LookupAggregate {
		o.agg = strings.ToUpper(cfg.Agg)
		switch o.agg {
		case "COUNT", "SUM", "MIN", "MAX", "GROUP_CONCAT":
		default:
			return nil, fmt.Errorf("%w: Lookup: aggregate %q", ErrBadPlan, cfg.Agg)
		}
		if o.agg != "COUNT" && cfg.Value == nil {
			return nil, fmt.Errorf("%w: Lookup: %s needs an argument", ErrBadPlan, o.agg)
		}
		o.sep = cfg.Separator
		if o.sep == "" {
			o.sep = ","
		}
	}
	return o, nil
}

func (o *lookupOp) Open(ctx context.Context, oc *runtime.OpContext) error {
	o.oc = oc
	job := oc.JobName
	if job == "" {
		job = oc.JobID
	}
	o.m = metrics.NewLookup(job, oc.Operator)
	cfg := o.cfg
	o.history = cfg.EventTime != nil
	o.tbl = reftable.New(reftable.Options{Columns: o.nt, Key: cfg.Table.Key, VersionCol: cfg.Table.VersionCol, History: o.history})
	if cfg.Table.VersionCol >= o.nt {
		o.tbl = reftable.New(reftable.Options{Columns: o.nt, Key: cfg.Table.Key, VersionCol: -1, History: o.history})
	}
	if cfg.EventTime != nil {
		o.eventTime = cfg.EventTime.Compile()
	}
	for _, e := range cfg.LeftKeys {
		o.leftKeys = append(o.leftKeys, e.Compile())
	}
	o.keyVals = make([]types.Value, len(cfg.LeftKeys))
	for _, c := range cfg.Contains {
		o.outers = append(o.outers, c.Outer.Compile())
		o.inners = append(o.inners, c.Inner.Compile())
	}
	o.outerStrs = make([]string, len(cfg.Contains))
	o.outerNull = make([]bool, len(cfg.Contains))
	// The most selective access path: a primary-key lookup, else the text
	// index (equalities on other columns, like action = 'block', split a
	// table into a few large groups; a contains condition picks the few
	// rows whose word occurs), else a secondary index, else a scan.
	o.uniqueKeys = len(cfg.LeftKeys) > 0 && o.tbl.IsKey(cfg.TableKeys)
	if !o.uniqueKeys && len(cfg.Contains) > 0 {
		inner := cfg.Contains[0].Inner.Compile()
		o.text = o.tbl.NewTextIndex(func(r types.Row) (string, bool) {
			v, err := inner(r)
			if err != nil {
				o.innerErrs++
				if o.innerErrs == 1 {
					o.oc.Logf("warning: %s: table %s: %v (the row matches nothing)", o.oc.Operator, cfg.Table.Name, err)
				}
				return "", false
			}
			return valueText(v)
		})
	}
	if cfg.Cond != nil {
		o.cond = cfg.Cond.Compile()
	}
	if cfg.Value != nil {
		o.value = cfg.Value.Compile()
	}
	o.comb = make(types.Row, o.nl+o.nt)
	o.wm = runtime.MinWatermark
	o.warnAt = cfg.Table.WarnRows
	if o.warnAt <= 0 {
		o.warnAt = plan.DefaultReferenceWarnRows
	}
	return nil
}

// valueText is the string a Contains side reads; false for NULL.
func valueText(v types.Value) (string, bool) {
	switch v.Kind() {
	case types.KindNull:
		return "", false
	case types.KindString, types.KindJSON, types.KindBytes:
		return v.Str(), true
	}
	return v.String(), true
}

func (o *lookupOp) Process(ctx context.Context, input int, b *runtime.Batch, out runtime.Emitter) error {
	o.ctx = ctx
	if input == 1 {
		o.applyChanges(ctx, b.Rows)
		return nil
	}
	for _, row := range b.Rows {
		if len(row) != o.nl {
			o.deadLetter(ctx, row, fmt.Errorf("lookup %s: row has %d columns, want %d", o.cfg.Table.Name, len(row), o.nl))
			continue
		}
		if o.eventTime == nil {
			if !o.loaded {
				o.held = append(o.held, row)
				continue
			}
			o.lookup(row, reftable.Latest)
			if err := o.flushIfFull(ctx, out); err != nil {
				return err
			}
			continue
		}
		tv, err := o.eventTime(row)
		if err == nil && tv.IsNull() {
			err = errors.New("the row's event time (FOR SYSTEM_TIME AS OF) is NULL")
		}
		if err != nil {
			o.deadLetter(ctx, row, fmt.Errorf("lookup %s: %w", o.cfg.Table.Name, err))
			continue
		}
		ts := tv.Micros()
		if o.loaded && ts <= o.wm {
			// Behind the watermark: joined at once (versions before
			// the watermark may be pruned already).
			o.lookup(row, ts)
			continue
		}
		o.seq++
		o.pend.push(pendRow{ts: ts, seq: o.seq, row: row})
	}
	o.m.Held.Set(float64(len(o.held) + len(o.pend)))
	return o.flush(ctx, out)
}

// applyChanges applies changelog rows to the table.
func (o *lookupOp) applyChanges(ctx context.Context, rows []types.Row) {
	spec := &o.cfg.Table
	var upd, del, stale, late int
	for _, r := range rows {
		if len(r) != o.nt+plan.ChangelogExtra {
			o.deadLetter(ctx, r, fmt.Errorf("reference table %s: changelog row has %d columns, want %d", spec.Name, len(r), o.nt+plan.ChangelogExtra))
			continue
		}
		opv := r[o.nt]
		var op reftable.Op
		switch {
		case opv.IsNull() || opv.Kind() == types.KindString:
			o.deadLetter(ctx, r, fmt.Errorf("reference table %s: changelog operation is %s", spec.Name, opv))
			continue
		case opv.Int() == plan.ChangeUpsert:
			op = reftable.Upsert
		case opv.Int() == plan.ChangeDelete:
			op = reftable.Delete
		default:
			o.deadLetter(ctx, r, fmt.Errorf("reference table %s: unknown changelog operation %d", spec.Name, opv.Int()))
			continue
		}
		from := reftable.SinceEver
		if o.history {
			var tv types.Value
			if spec.TimeCol >= 0 && spec.TimeCol < o.nt {
				tv = r[spec.TimeCol]
			}
			if tv.IsNull() {
				tv = r[o.nt+1]
			}
			if !tv.IsNull() {
				from = tv.Micros()
			}
		}
		switch o.tbl.Apply(op, r, from) {
		case reftable.Stale:
			stale++
			continue
		case reftable.Deleted:
			del++
		}
		upd++
		if o.history && o.loaded && from != reftable.SinceEver && from <= o.wm && o.wm != runtime.MaxWatermark {
			late++
		}
	}
	o.m.Updates.Add(float64(upd))
	o.m.Deletes.Add(float64(del))
	o.m.Stale.Add(float64(stale))
	o.m.Late.Add(float64(late))
	n := o.tbl.Len()
	o.m.Rows.Set(float64(n))
	for n > o.warnAt {
		o.oc.Logf("warning: %s: reference table %s has %d rows (past %d): every parallel instance keeps all of it in memory",
			o.oc.Operator, spec.Name, n, o.warnAt)
		o.warnAt *= 2
	}
}

// InputWatermark implements InputWatermarkObserver: the table is loaded
// when its input's watermark reaches MaxWatermark.
func (o *lookupOp) InputWatermark(ctx context.Context, input int, wm int64, out runtime.Emitter) error {
	if input != 1 || wm != runtime.MaxWatermark || o.loaded {
		return nil
	}
	o.loaded = true
	o.ctx = ctx
	o.oc.Logf("%s: reference table %s loaded: %d rows", o.oc.Operator, o.cfg.Table.Name, o.tbl.Len())
	held := o.held
	o.held = nil
	for _, r := range held {
		o.lookup(r, reftable.Latest)
		if err := o.flushIfFull(ctx, out); err != nil {
			return err
		}
	}
	if err := o.release(ctx, out); err != nil {
		return err
	}
	return o.flush(ctx, out)
}

func (o *lookupOp) Watermark(ctx context.Context, wm int64, out runtime.Emitter) error {
	o.ctx = ctx
	o.wm = max(o.wm, wm) // after a restore the inputs' watermarks start over
	if err := o.release(ctx, out); err != nil {
		return err
	}
	return o.flush(ctx, out)
}

// release joins the buffered rows the watermark passed, in event-time
// order, then prunes the versions no later row can read.
func (o *lookupOp) release(ctx context.Context, out runtime.Emitter) error {
	if !o.loaded || o.eventTime == nil {
		o.m.Held.Set(float64(len(o.held) + len(o.pend)))
		return nil
	}
	for len(o.pend) > 0 && o.pend[0].ts <= o.wm {
		p := o.pend.pop()
		o.lookup(p.row, p.ts)
		if err := o.flushIfFull(ctx, out); err != nil {
			return err
		}
	}
	if o.wm != runtime.MaxWatermark {
		o.tbl.Prune(o.wm)
	}
	o.m.Held.Set(float64(len(o.held) + len(o.pend)))
	return nil
}

func (o *lookupOp) Close(ctx context.Context, out runtime.Emitter) error {
	if n := len(o.held) + len(o.pend); n > 0 {
		o.oc.Logf("warning: %s: closing with %d rows not looked up yet (table %s loaded: %v); a restart from the checkpoint resumes them",
			o.oc.Operator, n, o.cfg.Table.Name, o.loaded)
	}
	return o.flush(ctx, out)
}

func (o *lookupOp) deadLetter(ctx context.Context, row types.Row, err error) {
	o.oc.DeadLetter(ctx, runtime.DeadLetterRecord{Source: o.oc.Operator, Value: rowJSON(row), Err: err})
}

const lookupOutBatch = 512

func (o *lookupOp) flushIfFull(ctx context.Context, out runtime.Emitter) error {
	if len(o.out) >= lookupOutBatch {
		return o.flush(ctx, out)
	}
	return nil
}

func (o *lookupOp) flush(ctx context.Context, out runtime.Emitter) error {
	if len(o.out) == 0 {
		return nil
	}
	rows := o.out
	o.out = nil
	return out.Emit(ctx, &runtime.Batch{Rows: rows})
}

// newRow returns a fresh output row (from a slab never handed out twice).
func (o *lookupOp) newRow() types.Row {
	if len(o.slab) < o.width {
		o.slab = make([]types.Value, o.width*256)
	}
	r := types.Row(o.slab[:o.width:o.width])
	o.slab = o.slab[o.width:]
	return r
}

// lookup processes one stream row against the table as of time at.
func (o *lookupOp) lookup(left types.Row, at int64) {
	o.m.Lookups.Inc()
	ctx := o.ctx
	var cands []types.Row
	if !o.cfg.Correlated && o.cacheOK && o.cacheVer == o.tbl.Version() && o.cacheAt == at {
		cands = o.cacheRows
		if o.cfg.Mode != plan.LookupJoin {
			if o.cacheErr != nil {
				o.deadLetter(ctx, left, o.cacheErr)
				return
			}
			r := o.newRow()
			copy(r, left)
			r[o.nl] = o.cacheVal
			o.out = append(o.out, r)
			return
		}
	} else {
		var err error
		cands, err = o.candidates(left, at)
		if err != nil {
			o.deadLetter(ctx, left, fmt.Errorf("lookup %s: %w", o.cfg.Table.Name, err))
			return
		}
		if !o.cfg.Correlated {
			o.cacheOK, o.cacheVer, o.cacheAt = true, o.tbl.Version(), at
			o.cacheRows = append(o.cacheRows[:0], cands...)
			o.cacheVal, o.cacheErr = types.Value{}, nil
			if o.cfg.Mode != plan.LookupJoin {
				o.cacheVal, o.cacheErr = o.result(left, cands)
			}
		}
	}
	if o.cfg.Mode == plan.LookupJoin {
		for _, c := range cands {
			r := o.newRow()
			copy(r, left)
			copy(r[o.nl:], c)
			o.out = append(o.out, r)
		}
		if len(cands) == 0 && o.cfg.Outer {
			r := o.newRow()
			copy(r, left)
			o.out = append(o.out, r)
		}
		return
	}
	var v types.Value
	var err error
	if !o.cfg.Correlated {
		v, err = o.cacheVal, o.cacheErr
	} else {
		v, err = o.result(left, cands)
	}
	if err != nil {
		o.deadLetter(ctx, left, err)
		return
	}
	r := o.newRow()
	copy(r, left)
	r[o.nl] = v
	o.out = append(o.out, r)
}

// candidates returns the table rows valid at time at that satisfy the
// whole condition. The slice is reused by the next call.
func (o *lookupOp) candidates(left types.Row, at int64) ([]types.Row, error) {
	c := o.cands[:0]
	for i, ev := range o.outers {
		v, err := ev(left)
		if err != nil {
			return nil, fmt.Errorf("contains: %w", err)
		}
		o.outerStrs[i], o.outerNull[i] = valueText(v)
		o.outerNull[i] = !o.outerNull[i]
	}
	firstResidual := 0
	for i, ev := range o.leftKeys {
		v, err := ev(left)
		if err != nil {
			return nil, fmt.Errorf("key: %w", err)
		}
		o.keyVals[i] = v
	}
	keyResidual := false
	switch {
	case o.text != nil:
		firstResidual = 1
		keyResidual = len(o.leftKeys) > 0
		if !o.outerNull[0] {
			c = o.text.AppendMatch(c, o.outerStrs[0], at)
		}
	case len(o.leftKeys) > 0:
		c = o.tbl.AppendLookup(c, o.cfg.TableKeys, o.keyVals, at)
	default:
		c = o.tbl.AppendScan(c, at)
	}
	o.cands = c
	if len(c) == 0 || (firstResidual == len(o.inners) && o.cond == nil && !keyResidual) {
		return c, nil
	}
	copy(o.comb, left)
	keep := c[:0]
	for _, tr := range c {
		o.evaluations++
		ok := true
		if keyResidual {
			for i, col := range o.cfg.TableKeys {
				if o.keyVals[i].IsNull() || tr[col].IsNull() || !types.Equal(tr[col], o.keyVals[i]) {
					ok = false
					break
				}
			}
		}
		for i := firstResidual; i < len(o.inners) && ok; i++ {
			if o.outerNull[i] {
				ok = false
				break
			}
			iv, err := o.inners[i](tr)
			if err != nil {
				return nil, fmt.Errorf("contains: %w", err)
			}
			s, notNull := valueText(iv)
			ok = notNull && strings.Contains(o.outerStrs[i], s)
		}
		if ok && o.cond != nil {
			copy(o.comb[o.nl:], tr)
			v, err := o.cond(o.comb)
			if err != nil {
				return nil, fmt.Errorf("condition: %w", err)
			}
			t, null := expr.Truth(v)
			ok = t && !null
		}
		if ok {
			keep = append(keep, tr)
		}
	}
	o.cands = keep
	return keep, nil
}

// result computes the appended column of exists, scalar and aggregate
// modes from the matching table rows.
func (o *lookupOp) result(left types.Row, cands []types.Row) (types.Value, error) {
	switch o.cfg.Mode {
	case plan.LookupExists:
		return types.NewBool(len(cands) > 0), nil
	case plan.LookupScalar:
		switch len(cands) {
		case 0:
			return types.NullValue, nil
		case 1:
			return o.evalValue(left, cands[0])
		}
		return types.NullValue, fmt.Errorf("lookup %s: scalar subquery returned more than one row (%d)", o.cfg.Table.Name, len(cands))
	}
	return o.aggregate(left, cands)
}

func (o *lookupOp) evalValue(left, tr types.Row) (types.Value, error) {
	copy(o.comb, left)
	copy(o.comb[o.nl:], tr)
	v, err := o.value(o.comb)
	if err != nil {
		return types.NullValue, fmt.Errorf("lookup %s: value: %w", o.cfg.Table.Name, err)
	}
	return v, nil
}

func (o *lookupOp) aggregate(left types.Row, cands []types.Row) (types.Value, error) {
	var (
		n      int64
		acc    types.Value
		sb     strings.Builder
		sum    sumAcc
		result = o.schema.Columns[o.width-1].Type
	)
	for _, tr := range cands {
		if o.value == nil { // COUNT(*)
			n++
			continue
		}
		v, err := o.evalValue(left, tr)
		if err != nil {
			return types.NullValue, err
		}
		if v.IsNull() {
			continue
		}
		n++
		switch o.agg {
		case "SUM":
			sum.add(v)
		case "MIN":
			if n == 1 || types.Compare(v, acc) < 0 {
				acc = v
			}
		case "MAX":
			if n == 1 || types.Compare(v, acc) > 0 {
				acc = v
			}
		case "GROUP_CONCAT":
			if n > 1 {
				sb.WriteString(o.sep)
			}
			s, _ := valueText(v)
			sb.WriteString(s)
		}
	}
	switch o.agg {
	case "COUNT":
		if result.Kind == types.KindInt {
			return types.NewInt(n), nil
		}
		return types.NewBigInt(n), nil
	case "MIN", "MAX":
		return acc, nil
	case "GROUP_CONCAT":
		if n == 0 {
			return types.NullValue, nil
		}
		return types.NewString(sb.String()), nil
	}
	if n == 0 {
		return types.NullValue, nil
	}
	v, err := sum.value(result)
	if err != nil {
		return types.NullValue, fmt.Errorf("lookup %s: SUM: %w", o.cfg.Table.Name, err)
	}
	return v, nil
}

// sumAcc adds numbers exactly while they are integers or decimals of one
// scale, and as floats otherwise.
type sumAcc struct {
	ints, unscaled            int64
	scale                     int // of the decimals; -1 before the first
	f                         float64
	anyDec, inexact, overflow bool
}

func addExact(a, b int64, overflow *bool) int64 {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		*overflow = true
	}
	return s
}

func (s *sumAcc) add(v types.Value) {
	s.f += v.AsFloat()
	switch v.Kind() {
	case types.KindInt, types.KindBigInt:
		s.ints = addExact(s.ints, v.Int(), &s.overflow)
	case types.KindDecimal:
		if !s.anyDec {
			s.anyDec, s.scale = true, v.DecimalScale()
		} else if s.scale != v.DecimalScale() {
			s.inexact = true
		}
		s.unscaled = addExact(s.unscaled, v.Unscaled(), &s.overflow)
	default:
		s.inexact = true
	}
}

func pow10(n int) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// value returns the sum as type t.
func (s *sumAcc) value(t types.Type) (types.Value, error) {
	exact := !s.inexact && !s.overflow
	switch t.Kind {
	case types.KindDouble:
		return types.NewDouble(s.f), nil
	case types.KindDecimal:
		if exact {
			// ints at the decimals' scale, then rescaled to t's
			sc := max(s.scale, 0)
			u := addExact(s.unscaled, s.ints*pow10(sc), &s.overflow)
			switch {
			case t.Scale > sc:
				u *= pow10(t.Scale - sc)
			case t.Scale < sc:
				u /= pow10(sc - t.Scale)
			}
			if !s.overflow {
				return types.NewDecimal(u, t.Scale), nil
			}
		}
		return types.NewDecimal(int64(s.f*float64(pow10(t.Scale))), t.Scale), nil
	case types.KindInt, types.KindBigInt:
		if s.overflow {
			return types.NullValue, errors.New("overflows BIGINT")
		}
		if s.anyDec || s.inexact {
			return types.NewBigInt(int64(s.f)), nil
		}
		if t.Kind == types.KindInt {
			return types.NewInt(s.ints), nil
		}
		return types.NewBigInt(s.ints), nil
	}
	if s.anyDec || s.inexact {
		return types.NewDouble(s.f), nil
	}
	return types.NewBigInt(s.ints), nil
}

// ---- buffered rows of event-time joins ----

type pendRow struct {
	ts  int64
	seq uint64
	row types.Row
}

// pendHeap is a min-heap by (ts, seq): event-time order, ties in arrival
// order.
type pendHeap []pendRow

func (h pendHeap) less(i, j int) bool {
	return h[i].ts < h[j].ts || (h[i].ts == h[j].ts && h[i].seq < h[j].seq)
}

func (h *pendHeap) push(p pendRow) {
	*h = append(*h, p)
	a := *h
	i := len(a) - 1
	for i > 0 {
		up := (i - 1) / 2
		if !a.less(i, up) {
			break
		}
		a[i], a[up] = a[up], a[i]
		i = up
	}
}

func (h *pendHeap) pop() pendRow {
	a := *h
	top := a[0]
	last := len(a) - 1
	a[0] = a[last]
	a[last] = pendRow{}
	a = a[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(a) {
			break
		}
		m := l
		if r := l + 1; r < len(a) && a.less(r, l) {
			m = r
		}
		if !a.less(m, i) {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}

// ---- checkpoints ----

const lookupStateVersion = 1

var errLookupState = errors.New("lookup: corrupt checkpoint state")

// Snapshot writes the loaded flag, the watermark, the held and buffered
// stream rows and the whole table (every version).
func (o *lookupOp) Snapshot(context.Context, int64) ([]byte, error) {
	b := []byte{lookupStateVersion}
	if o.loaded {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendVarint(b, o.wm)
	b = binary.AppendUvarint(b, o.seq)
	b = binary.AppendUvarint(b, uint64(len(o.held)))
	for _, r := range o.held {
		b = types.AppendRowBinary(b, r)
	}
	b = binary.AppendUvarint(b, uint64(len(o.pend)))
	for _, p := range o.pend {
		b = binary.AppendVarint(b, p.ts)
		b = binary.AppendUvarint(b, p.seq)
		b = types.AppendRowBinary(b, p.row)
	}
	return o.tbl.AppendSnapshot(b), nil
}

func (o *lookupOp) Restore(_ context.Context, state []byte) error {
	if len(state) == 0 {
		return nil
	}
	if state[0] != lookupStateVersion || len(state) < 2 {
		return fmt.Errorf("%w: version %d", errLookupState, state[0])
	}
	// state[1] is whether the table was loaded; a restored operator waits
	// for its table to catch up again either way (below)
	b := state[2:]
	var bad bool
	varint := func() int64 {
		v, k := binary.Varint(b)
		if k <= 0 {
			bad = true
			return 0
		}
		b = b[k:]
		return v
	}
	uvarint := func() uint64 {
		v, k := binary.Uvarint(b)
		if k <= 0 {
			bad = true
			return 0
		}
		b = b[k:]
		return v
	}
	rowv := func() types.Row {
		r, rest, err := types.DecodeRow(b)
		if err != nil {
			bad = true
			return nil
		}
		b = rest
		return r
	}
	wm := varint()
	seq := uvarint()
	var held []types.Row
	for n := uvarint(); n > 0 && !bad && len(b) > 0; n-- {
		held = append(held, rowv())
	}
	var pend pendHeap
	for n := uvarint(); n > 0 && !bad && len(b) > 0; n-- {
		ts := varint()
		s := uvarint()
		pend = append(pend, pendRow{ts: ts, seq: s, row: rowv()})
	}
	if bad {
		return errLookupState
	}
	if _, err := o.tbl.Restore(b); err != nil {
		return fmt.Errorf("%w: %v", errLookupState, err)
	}
	// The table was loaded when the checkpoint was taken, but records may
	// have been published to its topic since (while the job was down):
	// the stream's backlog waits until the table source has caught up
	// again, as at a first start, so that a restarted run joins as an
	// uninterrupted one would.
	o.loaded, o.wm, o.seq, o.held, o.pend = false, wm, seq, held, pend
	o.cacheOK = false
	o.m.Rows.Set(float64(o.tbl.Len()))
	o.m.Held.Set(float64(len(o.held) + len(o.pend)))
	return nil
}
