package planner

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/runtime/types"
)

// Pushing WHERE into an Iceberg scan. The conditions of a Filter over the
// Scan of an Iceberg table that compare a column with constants become an
// Iceberg expression (its REST JSON form), which the source gives its scan:
// files are pruned by partition values and column statistics, and rows
// dropped while reading. The Filter stays above the source and decides; a
// pushed expression only has to keep every row the Filter keeps, so a
// condition that cannot be translated is left out (in an AND) or makes its
// whole branch stay behind (in an OR, or under NOT).

// settingIcebergScanFilterPrefix is connectors/iceberg's
// SettingScanFilterPrefix: the setting (+ the source's name) that carries a
// pushed filter to the source.
const settingIcebergScanFilterPrefix = "iceberg.scan.filter."

// lakeExpr is an Iceberg boolean expression in its REST JSON form
// (iceberg-go's ParseExpr reads it back, typing values by the field).
type lakeExpr struct {
	Type   string            `json:"type"`
	Child  *lakeExpr         `json:"child,omitempty"`
	Left   *lakeExpr         `json:"left,omitempty"`
	Right  *lakeExpr         `json:"right,omitempty"`
	Term   string            `json:"term,omitempty"`
	Value  json.RawMessage   `json:"value,omitempty"`
	Values []json.RawMessage `json:"values,omitempty"`
}

// lakeOps maps a comparison to its Iceberg predicate.
var lakeOps = map[expr.CmpOp]string{expr.EQ: "eq", expr.NE: "not-eq", expr.LT: "lt", expr.LE: "lt-eq", expr.GT: "gt", expr.GE: "gt-eq"}

// flipped is the comparison with its sides swapped (5 < x is x > 5).
var flipped = map[expr.CmpOp]expr.CmpOp{expr.EQ: expr.EQ, expr.NE: expr.NE, expr.LT: expr.GT, expr.LE: expr.GE, expr.GT: expr.LT, expr.GE: expr.LE, expr.NullSafeEQ: expr.NullSafeEQ}

// lakeScanFilter translates what it can of cond, a condition over rel's
// declared row, into the JSON of an Iceberg expression; "" when nothing of
// it can be pushed.
func lakeScanFilter(rel *Relation, cond expr.Expr) string {
	e := (&lakeTranslator{rel: rel}).translate(cond, true)
	if e == nil {
		return ""
	}
	b, err := json.Marshal(e)
	if err != nil {
		return ""
	}
	return string(b)
}

type lakeTranslator struct{ rel *Relation }

// translate returns an Iceberg expression for e, or nil. In a positive
// position (pos) the result may be weaker than e: it is true of every row
// e is true of, so an AND may lose a side. Under a NOT it may be stronger
// (false wherever e is false), so an OR may lose a side instead.
func (t *lakeTranslator) translate(e expr.Expr, pos bool) *lakeExpr {
	switch n := e.(type) {
	case *expr.Logic:
		l, r := t.translate(n.L, pos), t.translate(n.R, pos)
		switch {
		case n.Op != "AND" && n.Op != "OR":
			return nil
		case l != nil && r != nil:
			return &lakeExpr{Type: strings.ToLower(n.Op), Left: l, Right: r}
		case (n.Op == "AND") == pos && l != nil:
			return l
		case (n.Op == "AND") == pos:
			return r
		}
		return nil
	case *expr.Not:
		if c := t.translate(n.E, !pos); c != nil {
			return &lakeExpr{Type: "not", Child: c}
		}
		return nil
	case *expr.Compare:
		return t.compare(n)
	case *expr.IsNull:
		name, _, ok := t.column(n.E)
		if !ok {
			return nil
		}
		if n.Not {
			return &lakeExpr{Type: "not-null", Term: name}
		}
		return &lakeExpr{Type: "is-null", Term: name}
	case *expr.IsTruth:
		if n.Not {
			return nil
		}
		name, ct, ok := t.column(n.E)
		if !ok || ct.Kind != types.KindBoolean {
			return nil
		}
		return &lakeExpr{Type: "eq", Term: name, Value: json.RawMessage(strconv.FormatBool(n.Truth))}
	case *expr.Column:
		// a BOOLEAN column as a condition: col = TRUE
		name, ct, ok := t.column(n)
		if !ok || ct.Kind != types.KindBoolean {
			return nil
		}
		return &lakeExpr{Type: "eq", Term: name, Value: json.RawMessage("true")}
	case *expr.In:
		return t.in(n)
	case *expr.Between:
		name, ct, ok := t.column(n.E)
		lo, lok := literal(n.Lo)
		hi, hok := literal(n.Hi)
		if !ok || !lok || !hok {
			return nil
		}
		if n.Not { // x < lo OR x > hi
			a, b := t.predicate(name, ct, expr.LT, lo), t.predicate(name, ct, expr.GT, hi)
			if a == nil || b == nil {
				return nil
			}
			return &lakeExpr{Type: "or", Left: a, Right: b}
		}
		a, b := t.predicate(name, ct, expr.GE, lo), t.predicate(name, ct, expr.LE, hi)
		if a == nil || b == nil {
			return nil
		}
		return &lakeExpr{Type: "and", Left: a, Right: b}
	case *expr.Like:
		return t.like(n, pos)
	}
	return nil
}

// column returns the Iceberg field a column reference reads, when it is a
// physical column of a type whose order Iceberg's agrees with. A cast that
// only widens an integer or changes a timestamp's precision is looked
// through.
func (t *lakeTranslator) column(e expr.Expr) (string, types.Type, bool) {
	if c, ok := e.(*expr.Cast); ok && !c.Try {
		from, to := c.E.Type().Kind, c.To.Kind
		if from == to || from == types.KindInt && to == types.KindBigInt {
			e = c.E
		}
	}
	col, ok := e.(*expr.Column)
	if !ok || col.Index < 0 || col.Index >= len(t.rel.Columns) {
		return "", types.Type{}, false
	}
	rc := t.rel.Columns[col.Index]
	if rc.Kind != Physical {
		return "", types.Type{}, false
	}
	switch rc.Type.Kind {
	case types.KindBoolean, types.KindInt, types.KindBigInt, types.KindDouble, types.KindDecimal,
		types.KindString, types.KindDate, types.KindTimestamp, types.KindTimestampLTZ:
		return rc.Name, rc.Type, true
	}
	return "", types.Type{}, false // JSON, BYTES: their SQL order is not Iceberg's
}

// literal returns the value of a constant.
func literal(e expr.Expr) (types.Value, bool) {
	if l, ok := e.(*expr.Literal); ok {
		return l.V, true
	}
	return types.Value{}, false
}

func (t *lakeTranslator) compare(c *expr.Compare) *lakeExpr {
	op, col, lit := c.Op, c.L, c.R
	if _, ok := literal(col); ok {
		op, col, lit = flipped[c.Op], c.R, c.L
	}
	name, ct, ok := t.column(col)
	v, lok := literal(lit)
	if !ok || !lok {
		return nil
	}
	if op == expr.NullSafeEQ {
		if v.IsNull() {
			return &lakeExpr{Type: "is-null", Term: name}
		}
		op = expr.EQ // x <=> v is x = v but FALSE instead of NULL: the same rows
	}
	return t.predicate(name, ct, op, v)
}

// predicate is column name (of type ct) op v; nil when v cannot be written
// as a value of the column.
func (t *lakeTranslator) predicate(name string, ct types.Type, op expr.CmpOp, v types.Value) *lakeExpr {
	if v.IsNull() {
		return nil
	}
	if isInteger(ct.Kind) && !isInteger(v.Kind()) && v.Kind().IsNumeric() {
		// an integer column against 2.5: x > 2.5 is x > 2, x < 2.5 is x < 3
		f := v.AsFloat()
		if f != math.Trunc(f) {
			switch op {
			case expr.GT, expr.GE:
				op, v = expr.GT, types.NewDouble(math.Floor(f))
			case expr.LT, expr.LE:
				op, v = expr.LT, types.NewDouble(math.Ceil(f))
			default:
				return nil
			}
		}
	}
	val, ok := lakeValue(ct, v)
	if !ok {
		return nil
	}
	return &lakeExpr{Type: lakeOps[op], Term: name, Value: val}
}

func (t *lakeTranslator) in(n *expr.In) *lakeExpr {
	name, ct, ok := t.column(n.E)
	if !ok {
		return nil
	}
	var vals []json.RawMessage
	for _, it := range n.List {
		v, ok := literal(it)
		if !ok {
			return nil
		}
		if v.IsNull() {
			if n.Not {
				return nil // x NOT IN (.., NULL) is never true: leave it to the Filter
			}
			continue // never equal: the other values decide
		}
		if isInteger(ct.Kind) && v.Kind().IsNumeric() && !isInteger(v.Kind()) && v.AsFloat() != math.Trunc(v.AsFloat()) {
			continue // an integer is never 2.5
		}
		val, ok := lakeValue(ct, v)
		if !ok {
			return nil
		}
		vals = append(vals, val)
	}
	if len(vals) == 0 {
		return nil
	}
	if n.Not {
		return &lakeExpr{Type: "not-in", Term: name, Values: vals}
	}
	return &lakeExpr{Type: "in", Term: name, Values: vals}
}

// like pushes a pattern's literal prefix: x LIKE 'ab%' is starts-with 'ab'
// (exactly), x LIKE 'ab%c' implies it (pushed only where a weaker
// condition may stand), x LIKE 'abc' is x = 'abc'.
func (t *lakeTranslator) like(n *expr.Like, pos bool) *lakeExpr {
	name, ct, ok := t.column(n.E)
	p, pok := literal(n.Pattern)
	if !ok || !pok || n.Fold || ct.Kind != types.KindString || p.Kind() != types.KindString {
		return nil
	}
	prefix, rest := likePrefix(p.Str(), n.Escape)
	exact := strings.Trim(rest, "%") == "" && rest != ""
	var e *lakeExpr
	switch {
	case rest == "" && !n.Not:
		e = &lakeExpr{Type: "eq", Term: name, Value: jsonString(prefix)}
	case rest == "":
		e = &lakeExpr{Type: "not-eq", Term: name, Value: jsonString(prefix)}
	case prefix == "" || !exact && pos == n.Not:
		return nil
	case n.Not:
		e = &lakeExpr{Type: "not-starts-with", Term: name, Value: jsonString(prefix)}
	default:
		e = &lakeExpr{Type: "starts-with", Term: name, Value: jsonString(prefix)}
	}
	return e
}

// likePrefix splits a LIKE pattern into its literal prefix (escapes
// resolved) and the rest, from the first wildcard on.
func likePrefix(pattern string, escape byte) (prefix, rest string) {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case escape != 0 && c == escape && i+1 < len(pattern):
			i++
			b.WriteByte(pattern[i])
		case c == '%' || c == '_':
			return b.String(), pattern[i:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func isInteger(k types.Kind) bool { return k == types.KindInt || k == types.KindBigInt }

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// lakeValue writes v as a value of a column of type ct in the REST form
// (numbers, strings, dates as 'YYYY-MM-DD', timestamps in ISO form with an
// offset for TIMESTAMP_LTZ); ok is false when the pair does not compare in
// Iceberg as it does in SQL.
func lakeValue(ct types.Type, v types.Value) (json.RawMessage, bool) {
	k := v.Kind()
	switch ct.Kind {
	case types.KindInt, types.KindBigInt:
		if !k.IsNumeric() {
			return nil, false
		}
		if isInteger(k) {
			return json.RawMessage(strconv.FormatInt(v.Int(), 10)), true
		}
		f := v.AsFloat()
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, false
		}
		return json.RawMessage(strconv.FormatInt(int64(f), 10)), true
	case types.KindDouble:
		if !k.IsNumeric() {
			return nil, false
		}
		f := v.AsFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		return json.RawMessage(strconv.FormatFloat(f, 'g', -1, 64)), true
	case types.KindDecimal:
		switch {
		case isInteger(k):
			return json.RawMessage(strconv.FormatInt(v.Int(), 10)), true
		case k == types.KindDecimal && v.DecimalScale() <= ct.Scale:
			// a value with more digits than the column would be rounded
			return jsonString(v.String()), true
		}
		return nil, false
	case types.KindString:
		if k != types.KindString {
			return nil, false
		}
		return jsonString(v.Str()), true
	case types.KindBoolean:
		if k != types.KindBoolean {
			return nil, false
		}
		return json.RawMessage(strconv.FormatBool(v.Bool())), true
	case types.KindDate:
		if k != types.KindDate {
			return nil, false
		}
		return jsonString(time.Unix(v.Int()*86400, 0).UTC().Format("2006-01-02")), true
	case types.KindTimestamp, types.KindTimestampLTZ:
		if !k.IsTime() {
			return nil, false
		}
		// SQL compares both flavours by their microseconds, as Iceberg does
		tm := time.UnixMicro(v.Micros()).UTC()
		if ct.Kind == types.KindTimestampLTZ {
			return jsonString(tm.Format("2006-01-02T15:04:05.999999-07:00")), true
		}
		return jsonString(tm.Format("2006-01-02T15:04:05.999999")), true
	}
	return nil, false
}

// String renders the expression for EXPLAIN: SQL-like, with Iceberg's
// values as they are pushed.
func (e *lakeExpr) String() string {
	val := func(v json.RawMessage) string {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return "'" + strings.ReplaceAll(s, "'", "''") + "'"
		}
		return string(v)
	}
	switch e.Type {
	case "and", "or":
		if e.Left == nil || e.Right == nil {
			break
		}
		return "(" + e.Left.String() + " " + strings.ToUpper(e.Type) + " " + e.Right.String() + ")"
	case "not":
		if e.Child == nil {
			break
		}
		return "NOT (" + e.Child.String() + ")"
	case "is-null":
		return e.Term + " IS NULL"
	case "not-null":
		return e.Term + " IS NOT NULL"
	case "in", "not-in":
		parts := make([]string, len(e.Values))
		for i, v := range e.Values {
			parts[i] = val(v)
		}
		op := " IN ("
		if e.Type == "not-in" {
			op = " NOT IN ("
		}
		return e.Term + op + strings.Join(parts, ", ") + ")"
	case "starts-with":
		return e.Term + " STARTS WITH " + val(e.Value)
	case "not-starts-with":
		return e.Term + " NOT STARTS WITH " + val(e.Value)
	default:
		for op, name := range lakeOps {
			if name == e.Type {
				return e.Term + " " + op.String() + " " + val(e.Value)
			}
		}
	}
	b, _ := json.Marshal(e)
	return string(b)
}

// describeLakeFilter renders a pushed filter's JSON for EXPLAIN.
func describeLakeFilter(js string) string {
	var e lakeExpr
	if err := json.Unmarshal([]byte(js), &e); err != nil {
		return js
	}
	return e.String()
}
