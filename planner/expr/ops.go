package expr

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// CmpOp is a comparison operator.
type CmpOp int

const (
	EQ CmpOp = iota
	NE
	LT
	LE
	GT
	GE
	NullSafeEQ // <=>
)

var cmpNames = [...]string{"=", "<>", "<", "<=", ">", ">=", "<=>"}

func (o CmpOp) String() string { return cmpNames[o] }

// Compare compares two expressions the planner has already coerced to
// comparable types. NULL on either side gives NULL (except <=>).
type Compare struct {
	Op   CmpOp
	L, R Expr
}

func (c *Compare) Type() types.Type { return types.Boolean }
func (c *Compare) String() string {
	return "(" + c.L.String() + " " + c.Op.String() + " " + c.R.String() + ")"
}
func (c *Compare) Compile() Evaluator {
	l, r, op := c.L.Compile(), c.R.Compile(), c.Op
	return func(row types.Row) (types.Value, error) {
		a, err := l(row)
		if err != nil {
			return a, err
		}
		b, err := r(row)
		if err != nil {
			return b, err
		}
		if a.IsNull() || b.IsNull() {
			if op == NullSafeEQ {
				return types.NewBool(a.IsNull() && b.IsNull()), nil
			}
			return types.NullValue, nil
		}
		c := types.Compare(a, b)
		if c == 0 && types.Unordered(a, b) {
			return types.NewBool(op == NE), nil // NaN: only <> holds
		}
		return types.NewBool(cmpResult(op, c)), nil
	}
}

func cmpResult(op CmpOp, c int) bool {
	switch op {
	case EQ, NullSafeEQ:
		return c == 0
	case NE:
		return c != 0
	case LT:
		return c < 0
	case LE:
		return c <= 0
	case GT:
		return c > 0
	}
	return c >= 0
}

// ArithOp is an arithmetic operator.
type ArithOp int

const (
	Add ArithOp = iota
	Sub
	Mul
	Div
	IntDiv
	Mod
)

var arithNames = [...]string{"+", "-", "*", "/", "DIV", "%"}

func (o ArithOp) String() string { return arithNames[o] }

// ErrDivByZero is reported by... nothing: MySQL yields NULL for x/0. Kept
// for errors.Is in tests of overflow.
var ErrOverflow = errors.New("numeric overflow")

// Arith is binary arithmetic. T decides the evaluation domain: BIGINT,
// DOUBLE or DECIMAL (operands are converted accordingly).
type Arith struct {
	Op   ArithOp
	L, R Expr
	T    types.Type
}

func (a *Arith) Type() types.Type { return a.T }
func (a *Arith) String() string {
	return "(" + a.L.String() + " " + a.Op.String() + " " + a.R.String() + ")"
}
func (a *Arith) Compile() Evaluator {
	l, r, op := a.L.Compile(), a.R.Compile(), a.Op
	kind, scale := a.T.Kind, a.T.Scale
	return func(row types.Row) (types.Value, error) {
		x, err := l(row)
		if err != nil {
			return x, err
		}
		y, err := r(row)
		if err != nil {
			return y, err
		}
		if x.IsNull() || y.IsNull() {
			return types.NullValue, nil
		}
		switch kind {
		case types.KindTimestamp, types.KindTimestampLTZ:
			// time +/- interval (the planner puts the interval on the right)
			d := y.Micros()
			if op == Sub {
				d = -d
			}
			if kind == types.KindTimestamp {
				return types.NewTimestamp(x.Micros() + d), nil
			}
			return types.NewTimestampLTZ(x.Micros() + d), nil
		case types.KindInt, types.KindBigInt:
			return intArith(op, toInt(x), toInt(y))
		case types.KindDecimal:
			return decArith(op, x, y, scale)
		default:
			return floatArith(op, x.AsFloat(), y.AsFloat())
		}
	}
}

func toInt(v types.Value) int64 {
	switch v.Kind() {
	case types.KindInt, types.KindBigInt, types.KindBoolean:
		return v.Int()
	case types.KindDouble:
		return int64(v.Float())
	}
	f := v.AsFloat()
	return int64(f)
}

func intArith(op ArithOp, x, y int64) (types.Value, error) {
	switch op {
	case Add:
		s := x + y
		if (s > x) != (y > 0) {
			return types.NullValue, fmt.Errorf("%w: %d + %d", ErrOverflow, x, y)
		}
		return types.NewBigInt(s), nil
	case Sub:
		s := x - y
		if (s < x) != (y > 0) {
			return types.NullValue, fmt.Errorf("%w: %d - %d", ErrOverflow, x, y)
		}
		return types.NewBigInt(s), nil
	case Mul:
		if x != 0 && y != 0 {
			p := x * y
			if p/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				return types.NullValue, fmt.Errorf("%w: %d * %d", ErrOverflow, x, y)
			}
			return types.NewBigInt(p), nil
		}
		return types.NewBigInt(0), nil
	case IntDiv:
		if y == 0 {
			return types.NullValue, nil
		}
		return types.NewBigInt(x / y), nil
	case Mod:
		if y == 0 {
			return types.NullValue, nil
		}
		return types.NewBigInt(x % y), nil
	}
	if y == 0 {
		return types.NullValue, nil
	}
	return types.NewDouble(float64(x) / float64(y)), nil
}

func floatArith(op ArithOp, x, y float64) (types.Value, error) {
	switch op {
	case Add:
		return types.NewDouble(x + y), nil
	case Sub:
		return types.NewDouble(x - y), nil
	case Mul:
		return types.NewDouble(x * y), nil
	case Div:
		if y == 0 {
			return types.NullValue, nil
		}
		return types.NewDouble(x / y), nil
	case IntDiv:
		if y == 0 {
			return types.NullValue, nil
		}
		return types.NewBigInt(int64(x / y)), nil
	}
	if y == 0 {
		return types.NullValue, nil
	}
	return types.NewDouble(math.Mod(x, y)), nil
}

// decUnscaled returns v as an unscaled integer at the given scale.
func decUnscaled(v types.Value, scale int) (int64, bool) {
	switch v.Kind() {
	case types.KindDecimal:
		u, s := v.Unscaled(), v.DecimalScale()
		for s < scale {
			if u > math.MaxInt64/10 || u < math.MinInt64/10 {
				return 0, false
			}
			u *= 10
			s++
		}
		for s > scale {
			u /= 10
			s--
		}
		return u, true
	case types.KindInt, types.KindBigInt, types.KindBoolean:
		u := v.Int()
		for i := 0; i < scale; i++ {
			if u > math.MaxInt64/10 || u < math.MinInt64/10 {
				return 0, false
			}
			u *= 10
		}
		return u, true
	}
	f := v.AsFloat() * math.Pow10(scale)
	if math.Abs(f) > 9e18 {
		return 0, false
	}
	return int64(math.Round(f)), true
}

func decArith(op ArithOp, x, y types.Value, scale int) (types.Value, error) {
	switch op {
	case Add, Sub:
		a, ok1 := decUnscaled(x, scale)
		b, ok2 := decUnscaled(y, scale)
		if ok1 && ok2 {
			if op == Sub {
				b = -b
			}
			s := a + b
			if (s > a) == (b > 0) || b == 0 {
				return types.NewDecimal(s, scale), nil
			}
		}
	case Mul:
		sx, sy := decScaleOf(x), decScaleOf(y)
		if sx+sy == scale {
			a, ok1 := decUnscaled(x, sx)
			b, ok2 := decUnscaled(y, sy)
			if ok1 && ok2 && (a == 0 || (a*b)/a == b) {
				return types.NewDecimal(a*b, scale), nil
			}
		}
	}
	// Division, modulo and overflowing cases fall back to DOUBLE.
	return floatArith(op, x.AsFloat(), y.AsFloat())
}

func decScaleOf(v types.Value) int {
	if v.Kind() == types.KindDecimal {
		return v.DecimalScale()
	}
	return 0
}

// Neg is unary minus.
type Neg struct{ E Expr }

func (n *Neg) Type() types.Type { return n.E.Type() }
func (n *Neg) String() string   { return "-" + n.E.String() }
func (n *Neg) Compile() Evaluator {
	e := n.E.Compile()
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil || v.IsNull() {
			return v, err
		}
		switch v.Kind() {
		case types.KindInt:
			return types.NewInt(-v.Int()), nil
		case types.KindBigInt:
			return types.NewBigInt(-v.Int()), nil
		case types.KindDecimal:
			return types.NewDecimal(-v.Unscaled(), v.DecimalScale()), nil
		case types.KindInterval:
			return types.NewInterval(-v.Micros()), nil
		}
		return types.NewDouble(-v.AsFloat()), nil
	}
}

// Truth converts a value to SQL truth: (value, isNull).
func Truth(v types.Value) (bool, bool) {
	switch v.Kind() {
	case types.KindNull:
		return false, true
	case types.KindBoolean, types.KindInt, types.KindBigInt:
		return v.Int() != 0, false
	case types.KindDouble:
		return v.Float() != 0, false
	case types.KindDecimal:
		return v.Unscaled() != 0, false
	case types.KindString, types.KindJSON:
		s := strings.TrimSpace(v.Str())
		if strings.EqualFold(s, "true") {
			return true, false
		}
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && f != 0, false
	}
	return true, false
}

// Logic is AND / OR / XOR with SQL three-valued logic.
type Logic struct {
	Op   string // AND, OR, XOR
	L, R Expr
}

func (l *Logic) Type() types.Type { return types.Boolean }
func (l *Logic) String() string   { return "(" + l.L.String() + " " + l.Op + " " + l.R.String() + ")" }
func (l *Logic) Compile() Evaluator {
	a, b := l.L.Compile(), l.R.Compile()
	switch l.Op {
	case "AND":
		return func(row types.Row) (types.Value, error) {
			x, err := a(row)
			if err != nil {
				return x, err
			}
			xt, xn := Truth(x)
			if !xn && !xt {
				return types.NewBool(false), nil
			}
			y, err := b(row)
			if err != nil {
				return y, err
			}
			yt, yn := Truth(y)
			if !yn && !yt {
				return types.NewBool(false), nil
			}
			if xn || yn {
				return types.NullValue, nil
			}
			return types.NewBool(true), nil
		}
	case "OR":
		return func(row types.Row) (types.Value, error) {
			x, err := a(row)
			if err != nil {
				return x, err
			}
			xt, xn := Truth(x)
			if xt && !xn {
				return types.NewBool(true), nil
			}
			y, err := b(row)
			if err != nil {
				return y, err
			}
			yt, yn := Truth(y)
			if yt && !yn {
				return types.NewBool(true), nil
			}
			if xn || yn {
				return types.NullValue, nil
			}
			return types.NewBool(false), nil
		}
	}
	return func(row types.Row) (types.Value, error) {
		x, err := a(row)
		if err != nil {
			return x, err
		}
		y, err := b(row)
		if err != nil {
			return y, err
		}
		xt, xn := Truth(x)
		yt, yn := Truth(y)
		if xn || yn {
			return types.NullValue, nil
		}
		return types.NewBool(xt != yt), nil
	}
}

// Not is logical negation.
type Not struct{ E Expr }

func (n *Not) Type() types.Type { return types.Boolean }
func (n *Not) String() string   { return "NOT " + n.E.String() }
func (n *Not) Compile() Evaluator {
	e := n.E.Compile()
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil {
			return v, err
		}
		t, null := Truth(v)
		if null {
			return types.NullValue, nil
		}
		return types.NewBool(!t), nil
	}
}

// IsNull is "e IS [NOT] NULL".
type IsNull struct {
	E   Expr
	Not bool
}

func (n *IsNull) Type() types.Type { return types.Boolean.WithNotNull() }
func (n *IsNull) String() string {
	if n.Not {
		return n.E.String() + " IS NOT NULL"
	}
	return n.E.String() + " IS NULL"
}
func (n *IsNull) Compile() Evaluator {
	e, not := n.E.Compile(), n.Not
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil {
			return v, err
		}
		return types.NewBool(v.IsNull() != not), nil
	}
}

// IsTruth is "e IS [NOT] TRUE|FALSE".
type IsTruth struct {
	E     Expr
	Truth bool
	Not   bool
}

func (n *IsTruth) Type() types.Type { return types.Boolean.WithNotNull() }
func (n *IsTruth) String() string {
	s := n.E.String() + " IS "
	if n.Not {
		s += "NOT "
	}
	return s + strings.ToUpper(strconv.FormatBool(n.Truth))
}
func (n *IsTruth) Compile() Evaluator {
	e, want, not := n.E.Compile(), n.Truth, n.Not
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil {
			return v, err
		}
		t, null := Truth(v)
		r := !null && t == want
		return types.NewBool(r != not), nil
	}
}

// In is "e [NOT] IN (list)".
type In struct {
	E    Expr
	List []Expr
	Not  bool
}

func (n *In) Type() types.Type { return types.Boolean }
func (n *In) String() string {
	s := n.E.String()
	if n.Not {
		s += " NOT"
	}
	return s + " IN (" + joinExprs(n.List) + ")"
}
func (n *In) Compile() Evaluator {
	e, not := n.E.Compile(), n.Not
	list := compileAll(n.List)
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil || v.IsNull() {
			return types.NullValue, err
		}
		sawNull := false
		for _, le := range list {
			x, err := le(row)
			if err != nil {
				return x, err
			}
			if x.IsNull() {
				sawNull = true
				continue
			}
			if types.Compare(v, x) == 0 && !types.Unordered(v, x) {
				return types.NewBool(!not), nil
			}
		}
		if sawNull {
			return types.NullValue, nil
		}
		return types.NewBool(not), nil
	}
}

// Between is "e [NOT] BETWEEN lo AND hi".
type Between struct {
	E, Lo, Hi Expr
	Not       bool
}

func (b *Between) Type() types.Type { return types.Boolean }
func (b *Between) String() string {
	s := b.E.String()
	if b.Not {
		s += " NOT"
	}
	return s + " BETWEEN " + b.Lo.String() + " AND " + b.Hi.String()
}
func (b *Between) Compile() Evaluator {
	e, lo, hi, not := b.E.Compile(), b.Lo.Compile(), b.Hi.Compile(), b.Not
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil {
			return v, err
		}
		l, err := lo(row)
		if err != nil {
			return l, err
		}
		h, err := hi(row)
		if err != nil {
			return h, err
		}
		if v.IsNull() || l.IsNull() || h.IsNull() {
			return types.NullValue, nil
		}
		in := types.Compare(v, l) >= 0 && types.Compare(v, h) <= 0 && !types.Unordered(v, l) && !types.Unordered(v, h)
		return types.NewBool(in != not), nil
	}
}

// Like is "e [NOT] LIKE pattern [ESCAPE c]" (and ILIKE when Fold).
type Like struct {
	E, Pattern Expr
	Escape     byte
	Not        bool
	Fold       bool
}

func (l *Like) Type() types.Type { return types.Boolean }
func (l *Like) String() string {
	op := " LIKE "
	if l.Fold {
		op = " ILIKE "
	}
	if l.Not {
		op = " NOT" + op
	}
	return l.E.String() + op + l.Pattern.String()
}
func (l *Like) Compile() Evaluator {
	e, not, esc, fold := l.E.Compile(), l.Not, l.Escape, l.Fold
	var fixed func(string) bool
	if lit, ok := l.Pattern.(*Literal); ok && !lit.V.IsNull() {
		p := lit.V.String()
		if fold {
			p = strings.ToLower(p)
		}
		fixed = udf.LikeMatcher(p, esc)
	}
	pat := l.Pattern.Compile()
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil || v.IsNull() {
			return types.NullValue, err
		}
		s := v.String()
		if fold {
			s = strings.ToLower(s)
		}
		m := fixed
		if m == nil {
			p, err := pat(row)
			if err != nil || p.IsNull() {
				return types.NullValue, err
			}
			ps := p.String()
			if fold {
				ps = strings.ToLower(ps)
			}
			m = udf.LikeMatcher(ps, esc)
		}
		return types.NewBool(m(s) != not), nil
	}
}

// Regexp is "e [NOT] REGEXP pattern" (RLIKE).
type Regexp struct {
	E, Pattern Expr
	Not        bool
}

func (r *Regexp) Type() types.Type { return types.Boolean }
func (r *Regexp) String() string {
	op := " REGEXP "
	if r.Not {
		op = " NOT REGEXP "
	}
	return r.E.String() + op + r.Pattern.String()
}
func (r *Regexp) Compile() Evaluator {
	e, not := r.E.Compile(), r.Not
	var fixed *regexp.Regexp
	var fixedErr error
	if lit, ok := r.Pattern.(*Literal); ok && !lit.V.IsNull() {
		fixed, fixedErr = regexp.Compile(lit.V.String())
	}
	pat := r.Pattern.Compile()
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil || v.IsNull() {
			return types.NullValue, err
		}
		re := fixed
		if fixedErr != nil {
			return types.NullValue, fixedErr
		}
		if re == nil {
			p, err := pat(row)
			if err != nil || p.IsNull() {
				return types.NullValue, err
			}
			re, err = regexp.Compile(p.String())
			if err != nil {
				return types.NullValue, err
			}
		}
		return types.NewBool(re.MatchString(v.String()) != not), nil
	}
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Operand Expr // nil for searched CASE
	Whens   []Expr
	Thens   []Expr
	Else    Expr // nil: NULL
	T       types.Type
}

func (c *Case) Type() types.Type { return c.T }
func (c *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if c.Operand != nil {
		b.WriteString(" " + c.Operand.String())
	}
	for i := range c.Whens {
		b.WriteString(" WHEN " + c.Whens[i].String() + " THEN " + c.Thens[i].String())
	}
	if c.Else != nil {
		b.WriteString(" ELSE " + c.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}
func (c *Case) Compile() Evaluator {
	var operand Evaluator
	if c.Operand != nil {
		operand = c.Operand.Compile()
	}
	whens, thens := compileAll(c.Whens), compileAll(c.Thens)
	var els Evaluator
	if c.Else != nil {
		els = c.Else.Compile()
	}
	return func(row types.Row) (types.Value, error) {
		var op types.Value
		if operand != nil {
			v, err := operand(row)
			if err != nil {
				return v, err
			}
			op = v
		}
		for i, w := range whens {
			wv, err := w(row)
			if err != nil {
				return wv, err
			}
			hit := false
			if operand != nil {
				hit = !op.IsNull() && !wv.IsNull() && types.Compare(op, wv) == 0
			} else {
				t, null := Truth(wv)
				hit = t && !null
			}
			if hit {
				return thens[i](row)
			}
		}
		if els != nil {
			return els(row)
		}
		return types.NullValue, nil
	}
}

// Cast converts to type To (TRY_CAST yields NULL instead of an error).
type Cast struct {
	E   Expr
	To  types.Type
	Try bool
}

func (c *Cast) Type() types.Type { return c.To }
func (c *Cast) String() string {
	fn := "CAST"
	if c.Try {
		fn = "TRY_CAST"
	}
	return fn + "(" + c.E.String() + " AS " + c.To.String() + ")"
}
func (c *Cast) Compile() Evaluator {
	e, to, try := c.E.Compile(), c.To, c.Try
	return func(row types.Row) (types.Value, error) {
		v, err := e(row)
		if err != nil {
			return v, err
		}
		if try {
			return udf.TryCast(v, to), nil
		}
		return udf.Cast(v, to)
	}
}
