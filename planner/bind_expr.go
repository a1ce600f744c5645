package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// scopeCol is a column visible to expressions: an input column with its
// qualifier (table alias).
type scopeCol struct {
	Qualifier string
	Name      string
	Type      types.Type
}

type scope struct{ cols []scopeCol }

func scopeOf(s types.Schema, qualifier string) *scope {
	sc := &scope{}
	for _, c := range s.Columns {
		sc.cols = append(sc.cols, scopeCol{Qualifier: qualifier, Name: c.Name, Type: c.Type})
	}
	return sc
}

// textSpan locates TiDB nodes in the user's source text.
type textSpan interface {
	offset(rewritten int) int
	source() *diag.Source
	start() int
}

type querySpan struct{ q *parser.Query }

func (s querySpan) offset(r int) int     { return s.q.Offset(r) }
func (s querySpan) source() *diag.Source { return s.q.Src }
func (s querySpan) start() int           { return s.q.Start }

type exprSpan struct{ e *parser.Expr }

func (s exprSpan) offset(r int) int     { return s.e.Offset(r) }
func (s exprSpan) source() *diag.Source { return s.e.Src }
func (s exprSpan) start() int           { return s.e.Start }

// binder binds TiDB expressions in one scope.
type binder struct {
	p     *Planner
	span  textSpan
	scope *scope
	// allowAsync permits TRANSLATE and other async calls (projections and
	// filters of streaming queries; not computed columns or watermarks).
	allowAsync bool
	what       string // "computed column", "watermark", ... for messages
	// hook, when set, sees every node first and may bind it itself
	// (MATCH_RECOGNIZE's pattern variables and navigation functions).
	hook func(n ast.ExprNode) (e expr.Expr, handled bool, err error)
	// inSubquery: binding a subquery's WHERE or value (no subquery there).
	inSubquery bool
}

// pos finds the best source offset of a TiDB node: its own position when
// TiDB recorded one, else the first descendant's.
func (b *binder) pos(n ast.Node) int {
	if n == nil {
		return b.span.start()
	}
	if p := n.OriginTextPosition(); p > 0 {
		return b.span.offset(p)
	}
	f := &firstPos{}
	n.Accept(f)
	if f.pos > 0 {
		return b.span.offset(f.pos)
	}
	return b.span.start()
}

type firstPos struct{ pos int }

func (f *firstPos) Enter(n ast.Node) (ast.Node, bool) {
	if f.pos > 0 {
		return n, true
	}
	if p := n.OriginTextPosition(); p > 0 {
		f.pos = p
		return n, true
	}
	return n, false
}
func (f *firstPos) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func (b *binder) errf(n ast.Node, kind diag.Kind, format string, args ...any) *diag.Error {
	return diag.Errorf(b.span.source(), b.pos(n), kind, format, args...)
}

func (b *binder) bind(n ast.ExprNode) (expr.Expr, error) {
	if b.hook != nil {
		if e, ok, err := b.hook(n); ok || err != nil {
			return e, err
		}
	}
	switch x := n.(type) {
	case *ast.ParenthesesExpr:
		return b.bind(x.Expr)
	case *test_driver.ValueExpr:
		return literalOf(x)
	case *ast.ColumnNameExpr:
		return b.column(x)
	case *ast.FuncCallExpr:
		return b.funcCall(x)
	case *ast.BinaryOperationExpr:
		return b.binary(x)
	case *ast.UnaryOperationExpr:
		e, err := b.bind(x.V)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case opcode.Minus:
			if !e.Type().Kind.IsNumeric() && e.Type().Kind != types.KindInterval && e.Type().Kind != types.KindNull {
				e = &expr.Cast{E: e, To: types.Double}
			}
			return fold(&expr.Neg{E: e}), nil
		case opcode.Plus:
			return e, nil
		case opcode.Not, opcode.Not2:
			return fold(&expr.Not{E: e}), nil
		}
		return nil, b.errf(x, diag.Unsupported, "operator %s is not supported", x.Op)
	case *ast.IsNullExpr:
		e, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		return &expr.IsNull{E: e, Not: x.Not}, nil
	case *ast.IsTruthExpr:
		e, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		return &expr.IsTruth{E: e, Truth: x.True != 0, Not: x.Not}, nil
	case *ast.PatternInExpr:
		if x.Sel != nil {
			sq, ok := x.Sel.(*ast.SubqueryExpr)
			if !ok {
				return nil, b.errf(x, diag.Unsupported, "IN (%T) is not supported", x.Sel)
			}
			if x.Not {
				return nil, b.errf(x, diag.Unsupported, "NOT IN (subquery) is not supported").
					WithHint("write NOT EXISTS (SELECT 1 FROM t WHERE t.col = x): NOT IN is NULL, not TRUE, when the table holds a NULL")
			}
			e, err := b.bind(x.Expr)
			if err != nil {
				return nil, err
			}
			return b.subquery(sq, subIn, e)
		}
		e, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		list := make([]expr.Expr, len(x.List))
		for i, it := range x.List {
			if list[i], err = b.bind(it); err != nil {
				return nil, err
			}
			_, list[i] = coercePair(e, list[i])
		}
		for i := range list {
			e2, _ := coercePair(e, list[i])
			if e2 != e {
				e = e2
				break
			}
		}
		return &expr.In{E: e, List: list, Not: x.Not}, nil
	case *ast.BetweenExpr:
		es, err := b.bindAll(x.Expr, x.Left, x.Right)
		if err != nil {
			return nil, err
		}
		e, lo, hi := es[0], es[1], es[2]
		e, lo = coercePair(e, lo)
		e, hi = coercePair(e, hi)
		return &expr.Between{E: e, Lo: lo, Hi: hi, Not: x.Not}, nil
	case *ast.PatternLikeOrIlikeExpr:
		es, err := b.bindAll(x.Expr, x.Pattern)
		if err != nil {
			return nil, err
		}
		e, p := es[0], es[1]
		return &expr.Like{E: e, Pattern: p, Escape: x.Escape, Not: x.Not, Fold: !x.IsLike}, nil
	case *ast.PatternRegexpExpr:
		es, err := b.bindAll(x.Expr, x.Pattern)
		if err != nil {
			return nil, err
		}
		return &expr.Regexp{E: es[0], Pattern: es[1], Not: x.Not}, nil
	case *ast.CaseExpr:
		return b.caseExpr(x)
	case *ast.AggregateFuncExpr:
		return nil, b.errf(x, diag.Unsupported, "aggregate function %s is not supported on streams yet", strings.ToUpper(x.F)).
			WithHint("aggregations over streams need windows, which come in a later release")
	case *ast.WindowFuncExpr:
		return nil, b.errf(x, diag.Unsupported, "window function %s is not supported yet", strings.ToUpper(x.Name))
	case *ast.SubqueryExpr:
		return b.subquery(x, subScalar, nil)
	case *ast.ExistsSubqueryExpr:
		sq, ok := x.Sel.(*ast.SubqueryExpr)
		if !ok {
			return nil, b.errf(x, diag.Unsupported, "EXISTS (%T) is not supported", x.Sel)
		}
		e, err := b.subquery(sq, subExists, nil)
		if err != nil || !x.Not {
			return e, err
		}
		return &expr.Not{E: e}, nil
	case *ast.CompareSubqueryExpr:
		return nil, b.errf(x, diag.Unsupported, "comparisons with ANY, SOME or ALL (subquery) are not supported").
			WithHint("write EXISTS (SELECT 1 FROM t WHERE ...), or compare with an aggregate: x > (SELECT MAX(y) FROM t)")
	case *ast.DefaultExpr:
		return nil, b.errf(x, diag.Unsupported, "DEFAULT is not supported")
	case *ast.VariableExpr:
		return nil, b.errf(x, diag.Unsupported, "variables (@%s) are not supported; use SET 'key' = 'value' for settings", x.Name)
	case *ast.RowExpr:
		return nil, b.errf(x, diag.Unsupported, "row constructors are not supported")
	case *ast.FuncCastExpr:
		e, err := b.bind(x.Expr)
		if err != nil {
			return nil, err
		}
		t, err := castTarget(x)
		if err != nil {
			return nil, b.errf(x, diag.Type, "%v", err)
		}
		return fold(&expr.Cast{E: e, To: t}), nil
	}
	return nil, b.errf(n, diag.Unsupported, "expression %T is not supported", n)
}

// bindAll binds several expressions, stopping at the first error.
func (b *binder) bindAll(ns ...ast.ExprNode) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(ns))
	for i, n := range ns {
		e, err := b.bind(n)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// literalOf converts a TiDB literal.
func literalOf(v *test_driver.ValueExpr) (expr.Expr, error) {
	switch x := v.GetValue().(type) {
	case nil:
		return &expr.Literal{V: types.NullValue, T: types.Null}, nil
	case int64:
		if x >= -1<<31 && x < 1<<31 {
			return &expr.Literal{V: types.NewInt(x), T: types.Int.WithNotNull()}, nil
		}
		return &expr.Literal{V: types.NewBigInt(x), T: types.BigInt.WithNotNull()}, nil
	case uint64:
		return &expr.Literal{V: types.NewBigInt(int64(x)), T: types.BigInt.WithNotNull()}, nil
	case float64:
		return &expr.Literal{V: types.NewDouble(x), T: types.Double.WithNotNull()}, nil
	case float32:
		return &expr.Literal{V: types.NewDouble(float64(x)), T: types.Double.WithNotNull()}, nil
	case string:
		return &expr.Literal{V: types.NewString(x), T: types.String.WithNotNull()}, nil
	case *test_driver.MyDecimal:
		s := x.String()
		scale := 0
		if i := strings.IndexByte(s, '.'); i >= 0 {
			scale = len(s) - i - 1
		}
		u, err := strconv.ParseInt(strings.Replace(s, ".", "", 1), 10, 64)
		if err != nil || scale > 18 {
			f, _ := strconv.ParseFloat(s, 64)
			return &expr.Literal{V: types.NewDouble(f), T: types.Double.WithNotNull()}, nil
		}
		p := len(strings.TrimLeft(strings.Replace(strings.TrimPrefix(s, "-"), ".", "", 1), "0"))
		if p < scale {
			p = scale
		}
		if p == 0 {
			p = 1
		}
		return &expr.Literal{V: types.NewDecimal(u, scale), T: types.Decimal(max(p, 1), scale).WithNotNull()}, nil
	case test_driver.BinaryLiteral:
		return &expr.Literal{V: types.NewBytes(string(x)), T: types.Bytes.WithNotNull()}, nil
	}
	return &expr.Literal{V: types.NewString(fmt.Sprint(v.GetValue())), T: types.String}, nil
}

func (b *binder) column(x *ast.ColumnNameExpr) (expr.Expr, error) {
	name, qual := x.Name.Name.O, x.Name.Table.O
	idx := -1
	for i, c := range b.scope.cols {
		if !strings.EqualFold(c.Name, name) {
			continue
		}
		if qual != "" && !strings.EqualFold(c.Qualifier, qual) {
			continue
		}
		if idx >= 0 {
			return nil, b.errf(x, diag.Semantic, "column reference '%s' is ambiguous", name).WithHint("qualify it with a table name or alias")
		}
		idx = i
	}
	if idx < 0 {
		var cands []string
		quals := map[string]bool{}
		for _, c := range b.scope.cols {
			cands = append(cands, c.Name)
			if c.Qualifier != "" {
				quals[strings.ToLower(c.Qualifier)] = true
			}
		}
		full := name
		if qual != "" {
			full = qual + "." + name
			if !quals[strings.ToLower(qual)] {
				e := b.errf(x, diag.UnknownName, "unknown table or alias '%s'", qual)
				var qs []string
				for q := range quals {
					qs = append(qs, q)
				}
				if m := connectors.Closest(qual, qs); m != "" {
					e.WithHint("did you mean '%s'?", m)
				}
				return nil, e
			}
		}
		e := b.errf(x, diag.UnknownName, "unknown column '%s'", full)
		if m := connectors.Closest(name, cands); m != "" {
			e.WithHint("did you mean '%s'?", m)
		} else if len(cands) > 0 && len(cands) <= 12 {
			e.WithHint("available columns: %s", strings.Join(cands, ", "))
		}
		return nil, e
	}
	c := b.scope.cols[idx]
	return &expr.Column{Index: idx, Name: c.Name, T: c.Type}, nil
}

var cmpOps = map[opcode.Op]expr.CmpOp{opcode.EQ: expr.EQ, opcode.NE: expr.NE, opcode.LT: expr.LT,
	opcode.LE: expr.LE, opcode.GT: expr.GT, opcode.GE: expr.GE, opcode.NullEQ: expr.NullSafeEQ}

var arithOps = map[opcode.Op]expr.ArithOp{opcode.Plus: expr.Add, opcode.Minus: expr.Sub, opcode.Mul: expr.Mul,
	opcode.Div: expr.Div, opcode.IntDiv: expr.IntDiv, opcode.Mod: expr.Mod}

func (b *binder) binary(x *ast.BinaryOperationExpr) (expr.Expr, error) {
	es, err := b.bindAll(x.L, x.R)
	if err != nil {
		return nil, err
	}
	l, r := es[0], es[1]
	switch x.Op {
	case opcode.LogicAnd:
		return fold(&expr.Logic{Op: "AND", L: l, R: r}), nil
	case opcode.LogicOr:
		return fold(&expr.Logic{Op: "OR", L: l, R: r}), nil
	case opcode.LogicXor:
		return fold(&expr.Logic{Op: "XOR", L: l, R: r}), nil
	}
	if op, ok := cmpOps[x.Op]; ok {
		l, r = coercePair(l, r)
		return fold(&expr.Compare{Op: op, L: l, R: r}), nil
	}
	if op, ok := arithOps[x.Op]; ok {
		lk, rk := l.Type().Kind, r.Type().Kind
		// timestamp +/- interval (INTERVAL lifted into an argument position)
		if (lk.IsTime() || lk == types.KindDate) && rk == types.KindInterval && (op == expr.Add || op == expr.Sub) {
			return b.dateArith(x, l, r, op == expr.Sub)
		}
		t, err := arithType(op, l.Type(), r.Type())
		if err != nil {
			return nil, b.errf(x, diag.Type, "%v", err)
		}
		if !l.Type().Kind.IsNumeric() && lk != types.KindNull {
			l = &expr.Cast{E: l, To: types.Double}
		}
		if !r.Type().Kind.IsNumeric() && rk != types.KindNull {
			r = &expr.Cast{E: r, To: types.Double}
		}
		return fold(&expr.Arith{Op: op, L: l, R: r, T: t}), nil
	}
	return nil, b.errf(x, diag.Unsupported, "operator '%s' is not supported", x.Op)
}

// arithType decides the result type of l op r.
func arithType(op expr.ArithOp, l, r types.Type) (types.Type, error) {
	lk, rk := l.Kind, r.Kind
	for _, k := range []types.Kind{lk, rk} {
		if k.IsTime() || k == types.KindDate || k == types.KindJSON || k == types.KindInterval {
			return types.Type{}, fmt.Errorf("operator %s cannot take %s and %s", op, l, r)
		}
	}
	isInt := func(k types.Kind) bool {
		return k == types.KindInt || k == types.KindBigInt || k == types.KindBoolean || k == types.KindNull
	}
	switch {
	case op == expr.IntDiv:
		return types.BigInt, nil
	case op == expr.Div:
		return types.Double, nil
	case isInt(lk) && isInt(rk):
		return types.BigInt, nil
	case (lk == types.KindDecimal || isInt(lk)) && (rk == types.KindDecimal || isInt(rk)):
		ls, rs := l.Scale, r.Scale
		switch op {
		case expr.Add, expr.Sub:
			return types.Decimal(18, max(ls, rs)), nil
		case expr.Mul:
			if ls+rs <= 9 {
				return types.Decimal(18, ls+rs), nil
			}
		}
		return types.Double, nil
	}
	return types.Double, nil
}

// coercePair makes two operands comparable the way MySQL does: a string
// compared with a number is read as a number, with a time as a time.
func coercePair(l, r expr.Expr) (expr.Expr, expr.Expr) {
	lk, rk := l.Type().Kind, r.Type().Kind
	if lk == rk || lk == types.KindNull || rk == types.KindNull {
		return l, r
	}
	text := func(k types.Kind) bool { return k == types.KindString || k == types.KindJSON }
	num := func(k types.Kind) bool { return k.IsNumeric() || k == types.KindBoolean }
	timeish := func(k types.Kind) bool { return k.IsTime() || k == types.KindDate }
	switch {
	case text(lk) && num(rk):
		return fold(&expr.Cast{E: l, To: types.Double, Try: true}), r
	case num(lk) && text(rk):
		return l, fold(&expr.Cast{E: r, To: types.Double, Try: true})
	case text(lk) && timeish(rk):
		return fold(&expr.Cast{E: l, To: r.Type().Nullable(), Try: true}), r
	case timeish(lk) && text(rk):
		return l, fold(&expr.Cast{E: r, To: l.Type().Nullable(), Try: true})
	case lk == types.KindDate && rk.IsTime():
		return fold(&expr.Cast{E: l, To: r.Type().Nullable()}), r
	case lk.IsTime() && rk == types.KindDate:
		return l, fold(&expr.Cast{E: r, To: l.Type().Nullable()})
	case lk == types.KindBoolean && num(rk):
		return fold(&expr.Cast{E: l, To: types.Int}), r
	case num(lk) && rk == types.KindBoolean:
		return l, fold(&expr.Cast{E: r, To: types.Int})
	}
	return l, r
}

func (b *binder) caseExpr(x *ast.CaseExpr) (expr.Expr, error) {
	c := &expr.Case{}
	var err error
	if x.Value != nil {
		if c.Operand, err = b.bind(x.Value); err != nil {
			return nil, err
		}
	}
	var results []expr.Expr
	for _, w := range x.WhenClauses {
		we, err := b.bind(w.Expr)
		if err != nil {
			return nil, err
		}
		if c.Operand != nil {
			c.Operand, we = coercePair(c.Operand, we)
		}
		te, err := b.bind(w.Result)
		if err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, we)
		results = append(results, te)
	}
	if x.ElseClause != nil {
		e, err := b.bind(x.ElseClause)
		if err != nil {
			return nil, err
		}
		results = append(results, e)
	}
	t, err := CommonType(results)
	if err != nil {
		return nil, b.errf(x, diag.Type, "CASE branches have incompatible types: %v", err)
	}
	for i := range results {
		results[i] = castTo(results[i], t)
	}
	c.Thens = results[:len(c.Whens)]
	if x.ElseClause != nil {
		c.Else = results[len(results)-1]
	}
	c.T = t.Nullable()
	return c, nil
}

// CommonType is the type that several branch results unify to.
func CommonType(es []expr.Expr) (types.Type, error) {
	var t types.Type
	for _, e := range es {
		et := e.Type()
		switch {
		case et.Kind == types.KindNull:
		case t.Kind == types.KindNull:
			t = et
		case t.Kind == et.Kind:
			if et.Scale > t.Scale {
				t.Scale = et.Scale
			}
			t.Precision = max(t.Precision, et.Precision)
		case t.Kind.IsNumeric() && et.Kind.IsNumeric():
			if t.Kind == types.KindDouble || et.Kind == types.KindDouble {
				t = types.Double
			} else if t.Kind == types.KindDecimal || et.Kind == types.KindDecimal {
				t = types.Decimal(18, max(t.Scale, et.Scale))
			} else {
				t = types.BigInt
			}
		case t.Kind.IsTime() && et.Kind.IsTime():
			t = types.TimestampLTZ
		default:
			t = types.String
		}
	}
	if t.Kind == types.KindNull {
		return types.String, nil
	}
	return t, nil
}

func castTo(e expr.Expr, t types.Type) expr.Expr {
	et := e.Type()
	if et.Kind == t.Kind && et.Scale == t.Scale || et.Kind == types.KindNull {
		return e
	}
	return fold(&expr.Cast{E: e, To: t.Nullable()})
}

// fold evaluates constant expressions at plan time.
func fold(e expr.Expr) expr.Expr {
	if _, ok := e.(*expr.Literal); ok || !expr.IsConstant(e) {
		return e
	}
	v, err := e.Compile()(nil)
	if err != nil {
		return e // keep it: the error surfaces per row, where it has context
	}
	t := e.Type()
	if v.IsNull() {
		t = t.Nullable()
	}
	return &expr.Literal{V: v, T: t}
}

var timeUnits = map[string]int64{
	"MICROSECOND": 1, "SECOND": 1e6, "MINUTE": 60e6, "HOUR": 3600e6, "DAY": 86400e6, "WEEK": 7 * 86400e6,
}

// intervalOf parses INTERVAL 'n' UNIT into micros; months and years are not
// fixed lengths and go through DATE_ADD instead.
func intervalOf(n, unit string) (int64, bool) {
	mult, ok := timeUnits[strings.ToUpper(strings.TrimSuffix(strings.ToUpper(unit), "S"))]
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if err != nil {
		return 0, false
	}
	return int64(f * float64(mult)), true
}

// dateArith is ts +/- interval with a fixed-length interval value.
func (b *binder) dateArith(x ast.Node, ts, iv expr.Expr, sub bool) (expr.Expr, error) {
	op := expr.Add
	if sub {
		op = expr.Sub
	}
	t := ts.Type()
	if t.Kind == types.KindDate {
		t = types.Timestamp
		ts = &expr.Cast{E: ts, To: t}
	}
	return fold(&expr.Arith{Op: op, L: ts, R: iv, T: t}), nil
}

// castTarget maps the target of a CAST/CONVERT that TiDB parsed itself
// (MySQL type names) to our types.
func castTarget(x *ast.FuncCastExpr) (types.Type, error) {
	s := strings.ToUpper(x.Tp.CompactStr())
	if i := strings.IndexByte(s, ' '); i >= 0 {
		s = s[:i]
	}
	switch {
	case strings.HasPrefix(s, "BIGINT"), strings.HasPrefix(s, "INT"):
		return types.BigInt, nil
	case strings.HasPrefix(s, "CHAR"), strings.HasPrefix(s, "VARCHAR"), strings.HasPrefix(s, "TEXT"):
		return types.String, nil
	case strings.HasPrefix(s, "VARBINARY"), strings.HasPrefix(s, "BINARY"), strings.HasPrefix(s, "BLOB"):
		return types.Bytes, nil
	}
	return types.ParseType(s)
}
