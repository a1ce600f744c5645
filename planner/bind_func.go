package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Function names TiDB gives its literal forms DATE '...' and TIMESTAMP '...'.
const (
	tidbDateLiteral      = "dateliteral"
	tidbTimestampLiteral = "timestampliteral"
	tidbTimeLiteral      = "timeliteral"
)

// aliases maps names TiDB spells differently (or that are the same function)
// to our registry names.
var funcAliases = map[string]string{
	"adddate": "DATE_ADD", "subdate": "DATE_SUB",
}

func (b *binder) funcCall(x *ast.FuncCallExpr) (expr.Expr, error) {
	name := x.FnName.L
	if i := strings.LastIndex(name, "("); i >= 0 { // TiDB's internal 'tidb`.(dateliteral
		name = name[i+1:]
	}
	switch name {
	case tidbDateLiteral, tidbTimestampLiteral, tidbTimeLiteral:
		return b.timeLiteral(x, name)
	case parser.FuncCast, parser.FuncTryCast:
		return b.castCall(x, name == parser.FuncTryCast)
	case parser.FuncInterval:
		return b.intervalCall(x)
	case parser.FuncTranslate:
		name = "translate"
	case "date_add", "date_sub", "adddate", "subdate":
		if e, ok, err := b.fixedDateArith(x, name == "date_sub" || name == "subdate"); ok || err != nil {
			return e, err
		}
	}
	if a, ok := b.p.Functions.Async(name); ok {
		return b.asyncCall(x, a)
	}
	upper := strings.ToUpper(name)
	if al, ok := funcAliases[name]; ok {
		upper = al
	}
	fn, ok := b.p.Functions.Scalar(upper)
	if !ok {
		e := b.errf(x, diag.UnknownName, "unknown function %s", strings.ToUpper(x.FnName.O))
		if m := connectors.Closest(upper, b.p.Functions.Names()); m != "" {
			e.WithHint("did you mean %s?", m)
		} else {
			e.WithHint("SHOW FUNCTIONS lists them")
		}
		return nil, e
	}
	args, bargs, err := b.bindArgs(x)
	if err != nil {
		return nil, err
	}
	t, _, err := fn.Bind(bargs)
	if err != nil {
		return nil, b.errf(x, diag.Type, "%v", err)
	}
	return fold(&expr.Call{Fn: fn, Args: args, Bind: bargs, T: t}), nil
}

// bindArgs binds a call's arguments; TiDB's time units and TRIM directions
// become constant upper-case strings.
func (b *binder) bindArgs(x *ast.FuncCallExpr) ([]expr.Expr, []udf.Arg, error) {
	args := make([]expr.Expr, 0, len(x.Args))
	for _, a := range x.Args {
		var e expr.Expr
		switch u := a.(type) {
		case *ast.TimeUnitExpr:
			e = &expr.Literal{V: types.NewString(u.Unit.String()), T: types.String.WithNotNull()}
		case *ast.TrimDirectionExpr:
			e = &expr.Literal{V: types.NewString(u.Direction.String()), T: types.String.WithNotNull()}
		case *ast.GetFormatSelectorExpr:
			e = &expr.Literal{V: types.NewString(u.Selector.String()), T: types.String.WithNotNull()}
		default:
			var err error
			if e, err = b.bind(a); err != nil {
				return nil, nil, err
			}
		}
		args = append(args, e)
	}
	return args, udfArgs(args), nil
}

func udfArgs(args []expr.Expr) []udf.Arg {
	out := make([]udf.Arg, len(args))
	for i, a := range args {
		out[i] = udf.Arg{Type: a.Type()}
		if l, ok := a.(*expr.Literal); ok {
			v := l.V
			out[i].Const = &v
		}
	}
	return out
}

func (b *binder) asyncCall(x *ast.FuncCallExpr, fn *udf.Async) (expr.Expr, error) {
	if !b.allowAsync {
		return nil, b.errf(x, diag.Semantic, "%s cannot be used in a %s", fn.Name, b.what).
			WithHint("asynchronous functions are allowed in SELECT lists and WHERE clauses")
	}
	args, bargs, err := b.bindArgs(x)
	if err != nil {
		return nil, err
	}
	t, err := fn.Bind(bargs)
	if err != nil {
		return nil, b.errf(x, diag.Type, "%v", err)
	}
	return &expr.AsyncCall{Fn: fn, Args: args, T: t}, nil
}

func (b *binder) timeLiteral(x *ast.FuncCallExpr, kind string) (expr.Expr, error) {
	if len(x.Args) != 1 {
		return nil, b.errf(x, diag.Syntax, "malformed %s literal", kind)
	}
	v, ok := x.Args[0].(*test_driver.ValueExpr)
	if !ok {
		return nil, b.errf(x, diag.Syntax, "malformed %s literal", kind)
	}
	s := fmt.Sprint(v.GetValue())
	to := types.Timestamp
	switch kind {
	case tidbDateLiteral:
		to = types.Date
	case tidbTimeLiteral:
		return nil, b.errf(x, diag.Unsupported, "TIME literals are not supported; use TIMESTAMP")
	}
	out, err := udf.Cast(types.NewString(s), to)
	if err != nil {
		return nil, b.errf(x, diag.Type, "bad %s literal '%s': %v", to.Kind, s, err)
	}
	return &expr.Literal{V: out, T: to.WithNotNull()}, nil
}

func (b *binder) castCall(x *ast.FuncCallExpr, try bool) (expr.Expr, error) {
	if len(x.Args) != 2 {
		return nil, b.errf(x, diag.Syntax, "malformed CAST")
	}
	e, err := b.bind(x.Args[0])
	if err != nil {
		return nil, err
	}
	tv, ok := x.Args[1].(*test_driver.ValueExpr)
	if !ok {
		return nil, b.errf(x, diag.Syntax, "malformed CAST")
	}
	ts := fmt.Sprint(tv.GetValue())
	t, err := types.ParseType(ts)
	if err != nil {
		e := b.errf(x.Args[1], diag.Type, "unknown type '%s' in CAST", ts)
		// the type was lifted into a string; point at it in the user's text
		src := b.span.source().Text
		from := b.pos(x)
		if i := strings.Index(strings.ToUpper(src[from:]), strings.ToUpper(ts)); i >= 0 {
			e.Pos = b.span.source().Position(from + i)
		}
		word := strings.Fields(strings.ToUpper(ts) + " ")[0]
		if i := strings.IndexByte(word, '('); i >= 0 {
			word = word[:i]
		}
		if m := connectors.Closest(word, types.TypeNames); m != "" {
			e.WithHint("did you mean %s?", m)
		}
		return nil, e
	}
	return fold(&expr.Cast{E: e, To: t.Nullable(), Try: try}), nil
}

func (b *binder) intervalCall(x *ast.FuncCallExpr) (expr.Expr, error) {
	if len(x.Args) != 2 {
		return nil, b.errf(x, diag.Syntax, "malformed INTERVAL")
	}
	n, ok1 := x.Args[0].(*test_driver.ValueExpr)
	u, ok2 := x.Args[1].(*test_driver.ValueExpr)
	if !ok1 || !ok2 {
		return nil, b.errf(x, diag.Syntax, "malformed INTERVAL")
	}
	micros, ok := intervalOf(fmt.Sprint(n.GetValue()), fmt.Sprint(u.GetValue()))
	if !ok {
		return nil, b.errf(x, diag.Unsupported, "INTERVAL '%v' %v: only MICROSECOND, SECOND, MINUTE, HOUR, DAY and WEEK intervals are supported here",
			n.GetValue(), u.GetValue())
	}
	return &expr.Literal{V: types.NewInterval(micros), T: types.Interval.WithNotNull()}, nil
}

// fixedDateArith handles ts +/- INTERVAL n UNIT with a fixed-length unit
// natively (keeping ts's type, which a watermark needs). ok=false leaves the
// call to the DATE_ADD function (months, years, non-constant amounts).
func (b *binder) fixedDateArith(x *ast.FuncCallExpr, sub bool) (expr.Expr, bool, error) {
	if len(x.Args) != 3 {
		return nil, false, nil
	}
	unit, ok := x.Args[2].(*ast.TimeUnitExpr)
	if !ok {
		return nil, false, nil
	}
	n, ok := x.Args[1].(*test_driver.ValueExpr)
	if !ok {
		return nil, false, nil
	}
	micros, ok := intervalOf(fmt.Sprint(n.GetValue()), unit.Unit.String())
	if !ok {
		return nil, false, nil
	}
	ts, err := b.bind(x.Args[0])
	if err != nil {
		return nil, true, err
	}
	k := ts.Type().Kind
	if !k.IsTime() && k != types.KindDate {
		if k == types.KindString {
			ts = &expr.Cast{E: ts, To: types.Timestamp}
		} else {
			return nil, true, b.errf(x, diag.Type, "interval arithmetic needs a TIMESTAMP, got %s", ts.Type())
		}
	}
	iv := &expr.Literal{V: types.NewInterval(micros), T: types.Interval.WithNotNull()}
	e, err := b.dateArith(x, ts, iv, sub)
	return e, true, err
}

var _ = time.Second
