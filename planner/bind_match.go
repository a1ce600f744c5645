package planner

import (
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime/cep"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// SettingMaxPartialMatches caps the partial matches per partition of a
// MATCH_RECOGNIZE (the protection against pathological patterns).
const SettingMaxPartialMatches = "cep.max-partial-matches"

// DefaultMaxPartialMatches is the cap when the setting is absent.
const DefaultMaxPartialMatches = 10_000

// MatchRecognize is the logical MATCH_RECOGNIZE: In's rows, partitioned and
// ordered by event time, matched against a pattern.
type MatchRecognize struct {
	In  Logical
	Cfg *plan.MatchConfig
	Out types.Schema
}

func (m *MatchRecognize) Schema() types.Schema { return m.Out }
func (m *MatchRecognize) Inputs() []Logical    { return []Logical{m.In} }
func (m *MatchRecognize) String() string {
	return fmt.Sprintf("MatchRecognize(pattern=%s)", patternString(m.Cfg.Pattern, m.Cfg.Vars))
}

// matchVars are the pattern variables and subsets of one MATCH_RECOGNIZE.
type matchVars struct {
	names   []string         // variable index -> name as first written
	index   map[string]int   // lower-case name -> index
	subsets map[string][]int // lower-case subset name -> variables
}

// lookup resolves a variable or subset name to its variables.
func (v *matchVars) lookup(name string) ([]int, bool) {
	if i, ok := v.index[strings.ToLower(name)]; ok {
		return []int{i}, true
	}
	s, ok := v.subsets[strings.ToLower(name)]
	return s, ok
}

func (v *matchVars) all() []string {
	out := append([]string(nil), v.names...)
	for k := range v.subsets {
		out = append(out, k)
	}
	return out
}

// bindMatch binds mr (the MATCH_RECOGNIZE behind the placeholder table of
// a query) and returns its plan and the scope of its output under alias.
func (qc *queryCtx) bindMatch(mr *parser.MatchRecognize, alias string) (Logical, *scope, error) {
	src := qc.span.q.Src
	errAt := func(pos int, kind diag.Kind, format string, args ...any) *diag.Error {
		return diag.Errorf(src, pos, kind, format, args...)
	}
	// the input
	var in Logical
	switch {
	case mr.Input.Name != nil:
		l, _, err := qc.bindIdent(*mr.Input.Name, "")
		if err != nil {
			return nil, nil, err
		}
		in = l
	case mr.Input.Query != nil:
		sub := &queryCtx{p: qc.p, span: querySpan{mr.Input.Query}, ctes: qc.ctes, viewDepth: qc.viewDepth}
		l, err := sub.bindResultSet(mr.Input.Query.Stmt)
		if err != nil {
			return nil, nil, err
		}
		in = l
	default:
		return nil, nil, errAt(mr.Pos, diag.Syntax, "MATCH_RECOGNIZE without an input")
	}
	inSchema := in.Schema()
	inScope := scopeOf(inSchema, "")
	nIn := len(inSchema.Columns)

	// pattern variables: in order of first appearance in PATTERN
	vars := &matchVars{index: map[string]int{}, subsets: map[string][]int{}}
	var collect func(n parser.PatternNode)
	collect = func(n parser.PatternNode) {
		switch x := n.(type) {
		case *parser.PatVar:
			if _, ok := vars.index[strings.ToLower(x.Name)]; !ok {
				vars.index[strings.ToLower(x.Name)] = len(vars.names)
				vars.names = append(vars.names, x.Name)
			}
		case *parser.PatConcat:
			for _, it := range x.Items {
				collect(it)
			}
		case *parser.PatAlt:
			for _, it := range x.Items {
				collect(it)
			}
		case *parser.PatPermute:
			for _, it := range x.Items {
				collect(it)
			}
		case *parser.PatQuant:
			collect(x.Item)
		}
	}
	collect(mr.Pattern)
	for _, s := range mr.Subsets {
		if _, dup := vars.index[strings.ToLower(s.Name.String())]; dup {
			return nil, nil, errAt(s.Name.Pos, diag.Semantic, "SUBSET '%s' has the name of a pattern variable", s.Name.String())
		}
		var members []int
		for _, v := range s.Vars {
			i, ok := vars.index[strings.ToLower(v.String())]
			if !ok {
				e := errAt(v.Pos, diag.UnknownName, "SUBSET '%s' names '%s', which is not a variable of the PATTERN", s.Name.String(), v.String())
				if m := connectors.Closest(v.String(), vars.names); m != "" {
					e.WithHint("did you mean '%s'?", m)
				}
				return nil, nil, e
			}
			members = append(members, i)
		}
		vars.subsets[strings.ToLower(s.Name.String())] = members
	}
	pattern := toCEP(mr.Pattern, vars)
	prog, err := cep.Compile(pattern, vars.names)
	if err != nil {
		return nil, nil, errAt(mr.PatternPos, diag.Semantic, "%v", err)
	}
	if prog.OnlyEmpty() {
		return nil, nil, errAt(mr.PatternPos, diag.Semantic, "this PATTERN can only match an empty sequence of rows").
			WithHint("give it at least one variable that must match a row, e.g. PATTERN (A B*)")
	}

	cfg := &plan.MatchConfig{InputWidth: nIn, Vars: vars.names, Pattern: pattern, Program: prog, Within: mr.Within,
		MaxThreads: DefaultMaxPartialMatches}
	if v := qc.p.Settings[SettingMaxPartialMatches]; v != "" {
		fmt.Sscan(v, &cfg.MaxThreads)
	}

	// ORDER BY: the time attribute, ascending
	if inSchema.TimeAttr < 0 {
		return nil, nil, errAt(mr.Pos, diag.Semantic, "MATCH_RECOGNIZE needs an input with an event time (a WATERMARK)").
			WithHint("declare WATERMARK FOR <column> AS ... in the CREATE SOURCE of its input")
	}
	timeName := inSchema.Columns[inSchema.TimeAttr].Name
	if len(mr.OrderBy) == 0 {
		return nil, nil, errAt(mr.Pos, diag.Semantic, "MATCH_RECOGNIZE needs ORDER BY %s (its input's time attribute)", timeName)
	}
	for i, o := range mr.OrderBy {
		e, err := qc.matchBinder(o.Expr, inScope, nil).bind(o.Expr.Node)
		if err != nil {
			return nil, nil, err
		}
		col, ok := e.(*expr.Column)
		if i == 0 && (!ok || col.Index != inSchema.TimeAttr || o.Desc) {
			return nil, nil, errAt(o.Pos, diag.Semantic, "ORDER BY of MATCH_RECOGNIZE must start with the time attribute '%s', ascending", timeName).
				WithHint("rows are matched in event-time order; WITHIN and timeouts need it")
		}
		if i > 0 {
			if !ok {
				return nil, nil, errAt(o.Pos, diag.Unsupported, "ORDER BY of MATCH_RECOGNIZE takes columns after the time attribute")
			}
			cfg.OrderKeys = append(cfg.OrderKeys, plan.OrderKey{Col: col.Index, Desc: o.Desc})
		}
	}
	cfg.TimeCol = inSchema.TimeAttr
	if mr.Within < 0 {
		return nil, nil, errAt(mr.WithinPos, diag.Semantic, "WITHIN must be a positive interval")
	}

	// PARTITION BY: columns of the input
	var outCols []types.Column
	for _, pe := range mr.PartitionBy {
		e, err := qc.matchBinder(pe, inScope, nil).bind(pe.Node)
		if err != nil {
			return nil, nil, err
		}
		col, ok := e.(*expr.Column)
		if !ok {
			return nil, nil, errAt(pe.Start, diag.Unsupported, "PARTITION BY of MATCH_RECOGNIZE takes columns of its input")
		}
		cfg.Partition = append(cfg.Partition, col.Index)
		outCols = append(outCols, types.Column{Name: col.Name, Type: col.T})
	}

	// DEFINE
	cfg.Define = make([]*plan.MatchExpr, len(vars.names))
	for _, d := range mr.Define {
		vi, ok := vars.index[strings.ToLower(d.Var.String())]
		if !ok {
			e := errAt(d.Var.Pos, diag.UnknownName, "DEFINE of '%s', which is not a variable of the PATTERN", d.Var.String())
			if m := connectors.Closest(d.Var.String(), vars.names); m != "" {
				e.WithHint("did you mean '%s'?", m)
			}
			return nil, nil, e
		}
		if cfg.Define[vi] != nil {
			return nil, nil, errAt(d.Var.Pos, diag.Semantic, "'%s' is defined twice", d.Var.String())
		}
		me, err := qc.bindMatchExpr(d.Cond, inScope, nIn, vars, true)
		if err != nil {
			return nil, nil, err
		}
		if k := me.E.Type().Kind; k != types.KindBoolean && k != types.KindNull && k != types.KindInt && k != types.KindBigInt {
			return nil, nil, errAt(d.Cond.Start, diag.Type, "DEFINE %s must be a condition (BOOLEAN), not %s", d.Var.String(), me.E.Type())
		}
		cfg.Define[vi] = me
	}
	cfg.HistoryFree = historyFree(cfg.Define)

	// AFTER MATCH SKIP
	switch mr.Skip.Kind {
	case parser.SkipPastLastRow:
		cfg.Skip = cep.SkipPastLastRow
	case parser.SkipToNextRow:
		cfg.Skip = cep.SkipToNextRow
	case parser.SkipToFirst, parser.SkipToLast:
		cfg.Skip = cep.SkipToLast
		if mr.Skip.Kind == parser.SkipToFirst {
			cfg.Skip = cep.SkipToFirst
		}
		vs, ok := vars.lookup(mr.Skip.Var.String())
		if !ok {
			e := errAt(mr.Skip.Var.Pos, diag.UnknownName, "AFTER MATCH SKIP TO '%s': not a variable of the PATTERN", mr.Skip.Var.String())
			if m := connectors.Closest(mr.Skip.Var.String(), vars.all()); m != "" {
				e.WithHint("did you mean '%s'?", m)
			}
			return nil, nil, e
		}
		cfg.SkipVars = vs
	}

	// ROWS PER MATCH and MEASURES
	switch mr.RowsPerMatch {
	case parser.RowsOneRow:
		cfg.Rows = plan.RowsOneRow
	case parser.RowsOneRowShowTimeout:
		cfg.Rows = plan.RowsOneRowShowTimeout
		if mr.Within == 0 {
			return nil, nil, errAt(mr.RowsPos, diag.Semantic, "SHOW TIMEOUT MATCHES needs a WITHIN interval after PATTERN").
				WithHint("a partial match times out when its WITHIN window closes, e.g. PATTERN (J M) WITHIN INTERVAL '2' MINUTE")
		}
	case parser.RowsAllShowEmpty:
		cfg.Rows = plan.RowsAllShowEmpty
	case parser.RowsAllOmitEmpty:
		cfg.Rows = plan.RowsAllOmitEmpty
	case parser.RowsAllWithUnmatched:
		return nil, nil, errAt(mr.RowsPos, diag.Unsupported, "ALL ROWS PER MATCH WITH UNMATCHED ROWS is not supported yet").
			WithHint("use ALL ROWS PER MATCH (SHOW EMPTY MATCHES) or OMIT EMPTY MATCHES")
	}
	if cfg.Rows.AllRows() {
		outCols = append([]types.Column(nil), inSchema.Columns...)
	}
	seen := map[string]bool{}
	for _, c := range outCols {
		seen[strings.ToLower(c.Name)] = true
	}
	for _, m := range mr.Measures {
		me, err := qc.bindMatchExpr(m.Expr, inScope, nIn, vars, false)
		if err != nil {
			return nil, nil, err
		}
		name := m.Alias.String()
		if seen[strings.ToLower(name)] {
			return nil, nil, errAt(m.Alias.Pos, diag.Semantic, "measure '%s' has the name of another output column", name)
		}
		seen[strings.ToLower(name)] = true
		cfg.Measures = append(cfg.Measures, plan.MatchMeasure{Name: name, E: me})
		outCols = append(outCols, types.Column{Name: name, Type: me.E.Type().Nullable()})
	}
	out := types.NewSchema(outCols...)
	if cfg.Rows.AllRows() {
		out.TimeAttr = inSchema.TimeAttr
	}
	if alias == "" {
		alias = mr.Alias
	}
	return &MatchRecognize{In: in, Cfg: cfg, Out: out}, scopeOf(out, alias), nil
}

// toCEP converts the parsed pattern.
func toCEP(n parser.PatternNode, vars *matchVars) cep.Node {
	switch x := n.(type) {
	case *parser.PatVar:
		return cep.Var{Index: vars.index[strings.ToLower(x.Name)]}
	case *parser.PatConcat:
		out := cep.Concat{}
		for _, it := range x.Items {
			out.Items = append(out.Items, toCEP(it, vars))
		}
		return out
	case *parser.PatAlt:
		out := cep.Alt{}
		for _, it := range x.Items {
			out.Items = append(out.Items, toCEP(it, vars))
		}
		return out
	case *parser.PatPermute:
		out := cep.Permute{}
		for _, it := range x.Items {
			out.Items = append(out.Items, toCEP(it, vars))
		}
		return out
	case *parser.PatQuant:
		return cep.Quant{Item: toCEP(x.Item, vars), Min: x.Min, Max: x.Max, Greedy: x.Greedy}
	}
	return cep.Empty{}
}

// patternString renders a pattern with variable names, for plans.
func patternString(n cep.Node, names []string) string {
	switch x := n.(type) {
	case cep.Var:
		return names[x.Index]
	case cep.Concat:
		parts := make([]string, len(x.Items))
		for i, it := range x.Items {
			parts[i] = patternString(it, names)
		}
		return "(" + strings.Join(parts, " ") + ")"
	case cep.Alt:
		parts := make([]string, len(x.Items))
		for i, it := range x.Items {
			parts[i] = patternString(it, names)
		}
		return "(" + strings.Join(parts, " | ") + ")"
	case cep.Permute:
		parts := make([]string, len(x.Items))
		for i, it := range x.Items {
			parts[i] = patternString(it, names)
		}
		return "PERMUTE(" + strings.Join(parts, ", ") + ")"
	case cep.Quant:
		q := ""
		switch {
		case x.Min == 0 && x.Max == -1:
			q = "*"
		case x.Min == 1 && x.Max == -1:
			q = "+"
		case x.Min == 0 && x.Max == 1:
			q = "?"
		case x.Max == -1:
			q = fmt.Sprintf("{%d,}", x.Min)
		case x.Min == x.Max:
			q = fmt.Sprintf("{%d}", x.Min)
		default:
			q = fmt.Sprintf("{%d,%d}", x.Min, x.Max)
		}
		if !x.Greedy {
			q += "?"
		}
		return patternString(x.Item, names) + q
	}
	return "()"
}

// historyFree reports whether no DEFINE reads anything but the current
// row and its physical neighbours: then partial matches at the same
// pattern state are interchangeable and the matcher may merge them.
func historyFree(defs []*plan.MatchExpr) bool {
	for _, d := range defs {
		if d == nil {
			continue
		}
		for _, s := range d.Slots {
			if s.Kind != plan.SlotNav || s.First || s.Off != 0 || s.Vars != nil {
				return false
			}
		}
	}
	return true
}

// matchBinder is a binder for MATCH_RECOGNIZE's own expressions.
func (qc *queryCtx) matchBinder(e *parser.Expr, sc *scope, hook func(ast.ExprNode) (expr.Expr, bool, error)) *binder {
	return &binder{p: qc.p, span: exprSpan{e}, scope: sc, what: "MATCH_RECOGNIZE expression", hook: hook}
}

// matchExprBinder binds one DEFINE or MEASURES expression, collecting the
// slots it needs.
type matchExprBinder struct {
	qc     *queryCtx
	e      *parser.Expr
	sc     *scope
	nIn    int
	vars   *matchVars
	define bool
	slots  []plan.MatchSlot
	final  bool // inside FINAL(...)
	b      *binder
	// argNumber: the last argument bound reads MATCH_NUMBER()
	argNumber bool
}

func (qc *queryCtx) bindMatchExpr(e *parser.Expr, sc *scope, nIn int, vars *matchVars, define bool) (*plan.MatchExpr, error) {
	mb := &matchExprBinder{qc: qc, e: e, sc: sc, nIn: nIn, vars: vars, define: define}
	mb.b = qc.matchBinder(e, sc, mb.hook)
	out, err := mb.b.bind(e.Node)
	if err != nil {
		return nil, err
	}
	return &plan.MatchExpr{E: out, Slots: mb.slots}, nil
}

func (mb *matchExprBinder) slot(s plan.MatchSlot, name string) expr.Expr {
	s.Final = s.Final || mb.final
	mb.slots = append(mb.slots, s)
	return &expr.Column{Index: mb.nIn + len(mb.slots) - 1, Name: name, T: s.T}
}

func (mb *matchExprBinder) errf(n ast.Node, kind diag.Kind, format string, args ...any) *diag.Error {
	return mb.b.errf(n, kind, format, args...)
}

// hook binds what only MATCH_RECOGNIZE has: A.col, navigation functions,
// aggregates over variables, CLASSIFIER, MATCH_NUMBER, RUNNING/FINAL.
func (mb *matchExprBinder) hook(n ast.ExprNode) (expr.Expr, bool, error) {
	switch x := n.(type) {
	case *ast.ColumnNameExpr:
		q := x.Name.Table.O
		if q == "" {
			if mb.define {
				return nil, false, nil // the current row: a plain column
			}
			// MEASURES: the universal variable's last row; the operator
			// evaluates measures with the last row (running: the current
			// row) as the base row, so a plain column is right, unless
			// FINAL asks for the last row of the whole match
			if !mb.final {
				return nil, false, nil
			}
			arg, err := mb.plainColumn(x)
			if err != nil {
				return nil, true, err
			}
			return mb.slot(plan.MatchSlot{Kind: plan.SlotNav, Arg: arg, T: arg.Type()}, x.Name.Name.O), true, nil
		}
		vs, ok := mb.vars.lookup(q)
		if !ok {
			return nil, false, nil // an ordinary qualifier: the binder reports it
		}
		arg, err := mb.plainColumn(x)
		if err != nil {
			return nil, true, err
		}
		return mb.slot(plan.MatchSlot{Kind: plan.SlotNav, Vars: vs, Arg: arg, T: arg.Type()}, q+"."+x.Name.Name.O), true, nil
	case *ast.FuncCallExpr:
		switch strings.ToLower(x.FnName.L) {
		case parser.FuncPrev, parser.FuncNext, parser.FuncFirst, parser.FuncLast:
			e, err := mb.nav(x)
			return e, true, err
		case parser.FuncClassifier:
			s := plan.MatchSlot{Kind: plan.SlotClassifier, T: types.String}
			label := "CLASSIFIER()"
			if len(x.Args) > 1 {
				return nil, true, mb.errf(x, diag.Syntax, "CLASSIFIER takes at most one variable")
			}
			if len(x.Args) == 1 {
				// CLASSIFIER(U): the variable of the last row labelled by one of U's
				c, ok := x.Args[0].(*ast.ColumnNameExpr)
				var vs []int
				if ok && c.Name.Table.O == "" {
					vs, ok = mb.vars.lookup(c.Name.Name.O)
				}
				if !ok {
					return nil, true, mb.errf(x, diag.Semantic, "CLASSIFIER takes a pattern variable or SUBSET name")
				}
				s.Vars = vs
				label = "CLASSIFIER(" + c.Name.Name.O + ")"
			}
			return mb.slot(s, label), true, nil
		case parser.FuncMatchNumber:
			return mb.slot(plan.MatchSlot{Kind: plan.SlotMatchNumber, T: types.BigInt}, "MATCH_NUMBER()"), true, nil
		case parser.FuncMatchTimedOut:
			if mb.define {
				return nil, true, mb.errf(x, diag.Semantic, "MATCH_TIMED_OUT() belongs in MEASURES, not DEFINE")
			}
			return mb.slot(plan.MatchSlot{Kind: plan.SlotTimedOut, T: types.Boolean}, "MATCH_TIMED_OUT()"), true, nil
		case parser.FuncRunning, parser.FuncFinal:
			if len(x.Args) != 1 {
				return nil, true, mb.errf(x, diag.Syntax, "RUNNING/FINAL apply to one navigation or aggregate call")
			}
			fin := strings.ToLower(x.FnName.L) == parser.FuncFinal
			if fin && mb.define {
				return nil, true, mb.errf(x, diag.Semantic, "FINAL is not allowed in DEFINE (a condition sees the match only up to the current row)")
			}
			saved := mb.final
			mb.final = fin
			e, err := mb.b.bind(x.Args[0])
			mb.final = saved
			return e, true, err
		case parser.FuncVarStar:
			return nil, true, mb.errf(x, diag.Syntax, "v.* is only allowed in COUNT(v.*)")
		}
	case *ast.AggregateFuncExpr:
		e, err := mb.agg(x)
		return e, true, err
	}
	return nil, false, nil
}

// plainColumn binds a (possibly variable-qualified) column as a column of
// the input row.
func (mb *matchExprBinder) plainColumn(x *ast.ColumnNameExpr) (expr.Expr, error) {
	c := *x
	name := *x.Name
	name.Table = ast.NewCIStr("")
	c.Name = &name
	b := &binder{p: mb.b.p, span: mb.b.span, scope: mb.sc, what: mb.b.what}
	return b.column(&c)
}

// argExpr binds the argument of a navigation or aggregate: an expression
// over one row whose columns are qualified by at most one variable (or
// subset), which it returns (nil: the universal variable).
func (mb *matchExprBinder) argExpr(n ast.ExprNode) (expr.Expr, []int, string, error) {
	var vs []int
	qual := ""
	usesNumber := false
	defer func() { mb.argNumber = usesNumber }()
	inner := &binder{p: mb.b.p, span: mb.b.span, scope: mb.sc, what: mb.b.what}
	inner.hook = func(n ast.ExprNode) (expr.Expr, bool, error) {
		switch x := n.(type) {
		case *ast.ColumnNameExpr:
			q := x.Name.Table.O
			if q == "" {
				return nil, false, nil
			}
			got, ok := mb.vars.lookup(q)
			if !ok {
				return nil, false, nil
			}
			if qual != "" && !strings.EqualFold(qual, q) {
				return nil, true, mb.errf(x, diag.Semantic, "a navigation or aggregate argument must refer to one pattern variable, not both %s and %s", qual, q)
			}
			qual, vs = q, got
			e, err := mb.plainColumn(x)
			return e, true, err
		case *ast.FuncCallExpr:
			switch strings.ToLower(x.FnName.L) {
			case parser.FuncMatchNumber:
				usesNumber = true
				return &expr.Column{Index: len(mb.sc.cols), Name: "MATCH_NUMBER()", T: types.BigInt}, true, nil
			case parser.FuncPrev, parser.FuncNext, parser.FuncFirst, parser.FuncLast, parser.FuncClassifier,
				parser.FuncRunning, parser.FuncFinal:
				return nil, true, mb.errf(x, diag.Unsupported, "this call cannot be nested here")
			}
		case *ast.AggregateFuncExpr:
			return nil, true, mb.errf(x, diag.Unsupported, "aggregates cannot be nested")
		}
		return nil, false, nil
	}
	e, err := inner.bind(n)
	return e, vs, qual, err
}

// offsetArg reads the constant offset of a navigation function.
func (mb *matchExprBinder) offsetArg(n ast.ExprNode) (int, error) {
	if v, ok := n.(*test_driver.ValueExpr); ok {
		switch x := v.GetValue().(type) {
		case int64:
			if x >= 0 {
				return int(x), nil
			}
		case uint64:
			return int(x), nil
		}
	}
	return 0, mb.errf(n, diag.Semantic, "the offset of a navigation function must be a non-negative integer literal")
}

// nav binds PREV/NEXT/FIRST/LAST, including PREV(LAST(A.x, 1), 2).
func (mb *matchExprBinder) nav(x *ast.FuncCallExpr) (expr.Expr, error) {
	fn := strings.ToLower(x.FnName.L)
	name := strings.ToUpper(strings.TrimPrefix(fn, "chatsql_"))
	if len(x.Args) < 1 || len(x.Args) > 2 {
		return nil, mb.errf(x, diag.Syntax, "%s takes (expression [, offset])", name)
	}
	off := 1
	if fn == parser.FuncFirst || fn == parser.FuncLast {
		off = 0
	}
	if len(x.Args) == 2 {
		var err error
		if off, err = mb.offsetArg(x.Args[1]); err != nil {
			return nil, err
		}
	}
	s := plan.MatchSlot{Kind: plan.SlotNav}
	target := mb.unwrapMode(x.Args[0], &s)
	switch fn {
	case parser.FuncPrev, parser.FuncNext:
		s.Phys = off
		if fn == parser.FuncPrev {
			s.Phys = -off
		}
		if mb.define && fn == parser.FuncNext {
			return nil, mb.errf(x, diag.Unsupported, "NEXT in DEFINE would look at rows that have not arrived; a stream cannot wait for them")
		}
		// PREV(LAST(A.x, 1), 2): logical navigation inside
		if inner, ok := target.(*ast.FuncCallExpr); ok {
			ifn := strings.ToLower(inner.FnName.L)
			if ifn == parser.FuncFirst || ifn == parser.FuncLast {
				if len(inner.Args) < 1 || len(inner.Args) > 2 {
					return nil, mb.errf(inner, diag.Syntax, "FIRST/LAST take (expression [, offset])")
				}
				s.First = ifn == parser.FuncFirst
				if len(inner.Args) == 2 {
					var err error
					if s.Off, err = mb.offsetArg(inner.Args[1]); err != nil {
						return nil, err
					}
				}
				target = mb.unwrapMode(inner.Args[0], &s)
			}
		}
	default:
		s.First = fn == parser.FuncFirst
		s.Off = off
	}
	if call, ok := target.(*ast.FuncCallExpr); ok && strings.ToLower(call.FnName.L) == parser.FuncClassifier {
		// PREV(CLASSIFIER()), LAST(CLASSIFIER()): the variable of a row
		s.Kind, s.T = plan.SlotClassifier, types.String
		return mb.slot(s, name+"(CLASSIFIER())"), nil
	}
	arg, vs, qual, err := mb.argExpr(target)
	if err != nil {
		return nil, err
	}
	s.Arg, s.Vars, s.T, s.ArgMatchNumber = arg, vs, arg.Type(), mb.argNumber
	label := name + "(" + arg.String() + ")"
	if qual != "" {
		label = name + "(" + qual + "." + arg.String() + ")"
	}
	return mb.slot(s, label), nil
}

// unwrapMode strips RUNNING/FINAL around a navigation's target, noting
// FINAL in s.
func (mb *matchExprBinder) unwrapMode(n ast.ExprNode, s *plan.MatchSlot) ast.ExprNode {
	for {
		call, ok := n.(*ast.FuncCallExpr)
		if !ok || len(call.Args) != 1 {
			return n
		}
		switch strings.ToLower(call.FnName.L) {
		case parser.FuncRunning:
			n = call.Args[0]
		case parser.FuncFinal:
			s.Final = !mb.define
			n = call.Args[0]
		default:
			return n
		}
	}
}

// agg binds COUNT/SUM/AVG/MIN/MAX over the rows of a variable.
func (mb *matchExprBinder) agg(x *ast.AggregateFuncExpr) (expr.Expr, error) {
	f := strings.ToLower(x.F)
	if x.Distinct {
		return nil, mb.errf(x, diag.Unsupported, "DISTINCT in aggregates of MATCH_RECOGNIZE is not supported")
	}
	s := plan.MatchSlot{Kind: plan.SlotAgg, Agg: f}
	switch f {
	case "count", "sum", "avg", "min", "max":
	default:
		return nil, mb.errf(x, diag.Unsupported, "aggregate %s is not supported in MATCH_RECOGNIZE (COUNT, SUM, AVG, MIN, MAX are)", strings.ToUpper(f))
	}
	if len(x.Args) != 1 {
		return nil, mb.errf(x, diag.Syntax, "%s takes one argument", strings.ToUpper(f))
	}
	label := strings.ToUpper(f) + "(*)"
	arg := x.Args[0]
	if call, ok := arg.(*ast.FuncCallExpr); ok && strings.ToLower(call.FnName.L) == parser.FuncVarStar {
		if f != "count" {
			return nil, mb.errf(x, diag.Semantic, "v.* is only allowed in COUNT")
		}
		var name string
		if len(call.Args) == 1 {
			if v, ok := call.Args[0].(*test_driver.ValueExpr); ok {
				name, _ = v.GetValue().(string)
			}
		}
		vs, ok := mb.vars.lookup(name)
		if !ok {
			e := mb.errf(x, diag.UnknownName, "COUNT(%s.*): '%s' is not a pattern variable", name, name)
			if m := connectors.Closest(name, mb.vars.all()); m != "" {
				e.WithHint("did you mean '%s'?", m)
			}
			return nil, e
		}
		s.Vars, s.T = vs, types.BigInt
		return mb.slot(s, "COUNT("+name+".*)"), nil
	}
	if v, ok := arg.(*test_driver.ValueExpr); ok && f == "count" && v.GetValue() != nil {
		s.T = types.BigInt // COUNT(*) / COUNT(1): every row of the match
		return mb.slot(s, label), nil
	}
	e, vs, qual, err := mb.argExpr(arg)
	if err != nil {
		return nil, err
	}
	s.Arg, s.Vars, s.ArgMatchNumber = e, vs, mb.argNumber
	switch f {
	case "count":
		s.T = types.BigInt
	case "avg":
		s.T = types.Double
	case "sum":
		switch e.Type().Kind {
		case types.KindInt, types.KindBigInt:
			s.T = types.BigInt
		case types.KindDecimal:
			s.T = e.Type()
		default:
			s.T = types.Double
		}
	default:
		s.T = e.Type()
	}
	label = strings.ToUpper(f) + "(" + e.String() + ")"
	if qual != "" {
		label = strings.ToUpper(f) + "(" + qual + "." + e.String() + ")"
	}
	return mb.slot(s, label), nil
}
