package parser

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
)

// The recursive descent over the inside of MATCH_RECOGNIZE ( ... ), from
// our own tokens; expressions in it go to TiDB one by one (parseExprWith),
// each with its own position map.

// mrParser parses the tokens of one clause: those after MATCH_RECOGNIZE's
// '(' up to and including its ')', then tokEOF.
type mrParser struct{ stmtParser }

// The clauses, in the order they must be written.
const (
	clPartition = iota
	clOrder
	clMeasures
	clRows
	clAfter
	clPattern
	clWithin
	clSubset
	clDefine
)

var mrClauseNames = [...]string{"PARTITION BY", "ORDER BY", "MEASURES", "ONE ROW / ALL ROWS PER MATCH",
	"AFTER MATCH SKIP", "PATTERN", "WITHIN", "SUBSET", "DEFINE"}

// mrKeywords are the clause keywords, for "did you mean".
var mrKeywords = []string{"PARTITION", "ORDER", "MEASURES", "ONE", "ALL", "AFTER", "PATTERN", "WITHIN", "SUBSET", "DEFINE"}

const mrClauseOrder = "the clauses go in this order: PARTITION BY, ORDER BY, MEASURES, ONE ROW | ALL ROWS PER MATCH, " +
	"AFTER MATCH SKIP, PATTERN (...), WITHIN, SUBSET, DEFINE"

// clauseAt reports which clause starts at token k, or -1.
func (p *mrParser) clauseAt(k int) int {
	t, n := p.toks[k], p.toks[min(k+1, len(p.toks)-1)]
	switch {
	case t.is("PARTITION") && n.is("BY"):
		return clPartition
	case t.is("ORDER") && n.is("BY"):
		return clOrder
	case t.is("MEASURES"):
		return clMeasures
	case (t.is("ONE") || t.is("ALL")) && (n.is("ROW") || n.is("ROWS")):
		return clRows
	case t.is("AFTER") && (n.is("MATCH") || n.is("SKIP")):
		return clAfter
	case t.is("PATTERN"):
		return clPattern
	case t.is("WITHIN"):
		return clWithin
	case t.is("SUBSET"):
		return clSubset
	case t.is("DEFINE"):
		return clDefine
	}
	return -1
}

// parseMatchRecognize parses the clause whose MATCH_RECOGNIZE keyword is
// kw; toks are as mrParser wants them. Errors bail out.
func parseMatchRecognize(src *diag.Source, kw token, toks []token) *MatchRecognize {
	p := &mrParser{stmtParser{src: src, toks: toks}}
	mr := &MatchRecognize{Pos: kw.start, End: toks[len(toks)-2].end, RowsPos: -1, WithinPos: -1, Skip: MRSkip{Pos: -1}}
	last := -1 // the last clause parsed
	if p.clauseAt(p.p) == clPartition {
		p.p += 2
		for _, e := range p.exprList("after PARTITION BY", false) {
			mr.PartitionBy = append(mr.PartitionBy, e.e)
		}
		last = clPartition
	}
	if p.clauseAt(p.p) == clOrder {
		p.p += 2
		for _, e := range p.exprList("after ORDER BY", true) {
			mr.OrderBy = append(mr.OrderBy, MROrder{Expr: e.e, Desc: e.desc, Pos: e.e.Start})
		}
		last = clOrder
	}
	if p.clauseAt(p.p) == clMeasures {
		p.next()
		mr.Measures = p.measures()
		last = clMeasures
	}
	if p.clauseAt(p.p) == clRows {
		mr.RowsPos = p.peek().start
		mr.RowsPerMatch = p.rowsPerMatch()
		last = clRows
	}
	if p.clauseAt(p.p) == clAfter {
		mr.Skip = p.afterMatch()
		last = clAfter
	}
	if !p.peek().is("PATTERN") {
		p.misplaced(last)
		t := p.peek()
		c := p.clauseAt(p.p)
		if c > clPattern && p.patternLater() {
			p.failHint(t.start, diag.Syntax, mrClauseOrder, "%s must come after PATTERN (...)", mrClauseNames[c])
		}
		if c > clPattern || t.isOp(")") {
			where := "before the closing ')'"
			if c > clPattern {
				where = "before " + mrClauseNames[c]
			}
			p.failHint(t.start, diag.Syntax, "add PATTERN (...) "+where+", e.g. PATTERN (A B+ C)",
				"MATCH_RECOGNIZE needs a PATTERN (...) clause")
		}
		p.unexpected(t, "PATTERN (...)", mrKeywords...)
	}
	mr.PatternPos = p.next().start
	p.expectOp("(", "after PATTERN")
	if p.peek().isOp(")") {
		p.failHint(p.peek().start, diag.Syntax, "e.g. PATTERN (A B+ C)", "empty PATTERN: it needs at least one pattern variable")
	}
	mr.Pattern = p.patAlt()
	p.closePattern()
	last = clPattern
	if p.clauseAt(p.p) == clWithin {
		mr.WithinPos = p.peek().start
		mr.Within = p.within()
		last = clWithin
	}
	if p.clauseAt(p.p) == clSubset {
		p.next()
		mr.Subsets = p.subsets()
		last = clSubset
	}
	if p.clauseAt(p.p) == clDefine {
		p.next()
		mr.Define = p.defines()
		last = clDefine
	}
	if !p.peek().isOp(")") {
		p.misplaced(last)
		p.unexpected(p.peek(), "')' to close MATCH_RECOGNIZE", mrKeywords...)
	}
	return mr
}

// patternLater reports whether a PATTERN clause follows, at the clause's
// level.
func (p *mrParser) patternLater() bool {
	depth := 0
	for k := p.p; p.toks[k].kind != tokEOF; k++ {
		switch t := p.toks[k]; {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		case depth == 0 && t.is("PATTERN") && p.toks[k+1].isOp("("):
			return true
		}
	}
	return false
}

// misplaced fails when a clause that belongs before last (or is last
// again) comes next.
func (p *mrParser) misplaced(last int) {
	c := p.clauseAt(p.p)
	if c < 0 || last < 0 || c > last {
		return
	}
	t := p.peek()
	if c == last {
		p.failHint(t.start, diag.Syntax, "write each clause once", "duplicate %s clause", mrClauseNames[c])
	}
	p.failHint(t.start, diag.Syntax, mrClauseOrder, "%s must come before %s", mrClauseNames[c], mrClauseNames[last])
}

// item consumes the tokens of one list item: up to a ',' or the closing
// ')' at its level, a clause keyword, or (stopAtAS) AS. It returns their
// index range.
func (p *mrParser) item(stopAtAS bool) (from, to int) {
	from = p.p
	depth := 0
	for {
		t := p.toks[p.p]
		if t.kind == tokEOF {
			break
		}
		if depth == 0 && (t.isOp(",") || t.isOp(")") || p.clauseAt(p.p) >= 0 || stopAtAS && t.is("AS")) {
			break
		}
		switch {
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			depth--
		}
		p.p++
	}
	return from, p.p
}

// expr parses toks[from:to] as one expression with the lifters ls.
func (p *mrParser) expr(from, to int, ls []lifter, context string) *Expr {
	if from == to {
		if from > 0 && p.toks[from-1].isOp(",") {
			p.failHint(p.toks[from-1].start, diag.Syntax, "remove the ','", "trailing ',' before %s", p.describe(p.toks[to]))
		}
		p.unexpected(p.toks[to], "an expression "+context)
	}
	e, err := parseExprWith(p.src, p.toks[from].start, p.toks[to-1].end, ls)
	if err != nil {
		panic(bailout{err})
	}
	return e
}

type orderItem struct {
	e    *Expr
	desc bool
}

// exprList parses "e [ASC|DESC], ..." (directions only when ordered).
func (p *mrParser) exprList(context string, ordered bool) []orderItem {
	var out []orderItem
	for {
		from, to := p.item(false)
		desc := false
		if ordered && to > from && (p.toks[to-1].is("ASC") || p.toks[to-1].is("DESC")) {
			desc = p.toks[to-1].is("DESC")
			to--
		}
		out = append(out, orderItem{p.expr(from, to, lifters, context), desc})
		if !p.acceptOp(",") {
			return out
		}
	}
}

// mrLifters lift, in MEASURES and DEFINE, the MATCH_RECOGNIZE functions
// TiDB does not parse (FIRST(, LAST(, RUNNING f(...), COUNT(A.*)) or that
// the binder must tell from a user function of the same name.
var mrLifters = append(append([]lifter(nil), lifters...), liftMRFunc, liftRunningFinal, liftVarStar)

func (p *mrParser) measures() []MRMeasure {
	var out []MRMeasure
	for {
		from, to := p.item(true)
		if !p.peek().is("AS") {
			p.measureWithoutAS(from, to)
		}
		e := p.expr(from, to, mrLifters, "after MEASURES")
		p.next() // AS
		t := p.peek()
		if t.kind != tokIdent && t.kind != tokQuotedIdent || t.kind == tokIdent && p.clauseAt(p.p) >= 0 {
			p.failHint(t.start, diag.Syntax, "MEASURES <expression> AS <name>, ...", "expected the measure's name after AS, found %s", p.describe(t))
		}
		p.next()
		out = append(out, MRMeasure{Expr: e, Alias: Ident{Parts: []string{t.val}, Pos: t.start}})
		if !p.acceptOp(",") {
			return out
		}
	}
}

// measureWithoutAS fails for a measure toks[from:to] not followed by AS,
// pointing where AS belongs.
func (p *mrParser) measureWithoutAS(from, to int) {
	const hint = "every measure is named: MEASURES LAST(A.event_time) AS last_at, ..."
	if to-from >= 2 {
		name, before := p.toks[to-1], p.toks[to-2]
		bare := name.kind == tokQuotedIdent || name.kind == tokIdent && !reservedWords[strings.ToUpper(name.val)] && !name.is("END")
		value := before.kind != tokOp || before.isOp(")")
		if bare && value {
			p.failHint(name.start, diag.Syntax, fmt.Sprintf("write %s AS %s", p.src.Text[p.toks[from].start:before.end], name.val),
				"missing AS before the measure name '%s'", name.val)
		}
	}
	if from == to {
		p.expr(from, to, mrLifters, "after MEASURES")
	}
	p.failHint(p.peek().start, diag.Syntax, hint, "expected AS and a name after the measure, found %s", p.describe(p.peek()))
}

func (p *mrParser) rowsPerMatch() RowsPerMatch {
	const hint = "ONE ROW PER MATCH [SHOW TIMEOUT MATCHES] | ALL ROWS PER MATCH [SHOW EMPTY MATCHES | OMIT EMPTY MATCHES | WITH UNMATCHED ROWS]"
	one := p.next().is("ONE")
	if one {
		p.expect("ROW", "after ONE")
	} else {
		p.expect("ROWS", "after ALL")
	}
	p.expect("PER", "in ROWS PER MATCH")
	p.expect("MATCH", "in ROWS PER MATCH")
	t, n := p.peek(), p.peekN(1)
	switch {
	case t.is("SHOW") && n.is("TIMEOUT"):
		if !one {
			p.failHint(t.start, diag.Syntax, "write ONE ROW PER MATCH SHOW TIMEOUT MATCHES",
				"SHOW TIMEOUT MATCHES goes with ONE ROW PER MATCH, not ALL ROWS PER MATCH")
		}
		p.p += 2
		p.expect("MATCHES", "after SHOW TIMEOUT")
		return RowsOneRowShowTimeout
	case t.is("SHOW") && n.is("EMPTY"), t.is("OMIT") && n.is("EMPTY"), t.is("WITH") && n.is("UNMATCHED"):
		what := strings.ToUpper(t.val+" "+n.val) + " MATCHES"
		if t.is("WITH") {
			what = "WITH UNMATCHED ROWS"
		}
		if one {
			p.failHint(t.start, diag.Syntax, "write ALL ROWS PER MATCH "+what+", or ONE ROW PER MATCH alone",
				"%s goes with ALL ROWS PER MATCH, not ONE ROW PER MATCH", what)
		}
		p.p += 2
		if t.is("WITH") {
			p.expect("ROWS", "after WITH UNMATCHED")
			return RowsAllWithUnmatched
		}
		p.expect("MATCHES", "after "+strings.TrimSuffix(what, " MATCHES"))
		if t.is("OMIT") {
			return RowsAllOmitEmpty
		}
		return RowsAllShowEmpty
	case t.is("SHOW") || t.is("OMIT"):
		p.failHint(n.start, diag.Syntax, hint, "expected EMPTY or TIMEOUT after %s, found %s", strings.ToUpper(t.val), p.describe(n))
	}
	if one {
		return RowsOneRow
	}
	return RowsAllShowEmpty
}

const skipForms = "AFTER MATCH SKIP PAST LAST ROW | SKIP TO NEXT ROW | SKIP TO FIRST v | SKIP TO LAST v | SKIP TO v"

func (p *mrParser) afterMatch() MRSkip {
	s := MRSkip{Pos: p.next().start}
	p.expect("MATCH", "after AFTER")
	p.expect("SKIP", "after AFTER MATCH")
	t := p.next()
	switch {
	case t.is("PAST"):
		if !p.peek().is("LAST") || !p.peekN(1).is("ROW") {
			p.failHint(p.peek().start, diag.Syntax, skipForms, "unknown AFTER MATCH SKIP form: expected LAST ROW after SKIP PAST")
		}
		p.p += 2
		s.Kind = SkipPastLastRow
	case t.is("TO"):
		n := p.peek()
		switch {
		case n.is("NEXT") && p.peekN(1).is("ROW"):
			p.p += 2
			s.Kind = SkipToNextRow
		case n.is("NEXT") && p.peekN(1).kind != tokQuotedIdent && (p.peekN(1).kind != tokIdent || p.clauseAt(p.p+1) >= 0):
			p.failHint(p.peekN(1).start, diag.Syntax, "write AFTER MATCH SKIP TO NEXT ROW",
				"unknown AFTER MATCH SKIP form: expected ROW after SKIP TO NEXT, found %s", p.describe(p.peekN(1)))
		case n.is("LAST") && p.peekN(1).is("ROW"):
			p.failHint(n.start, diag.Syntax, "did you mean AFTER MATCH SKIP PAST LAST ROW?",
				"unknown AFTER MATCH SKIP form: SKIP TO LAST takes a pattern variable")
		case n.is("FIRST") || n.is("LAST"):
			p.next()
			s.Kind = SkipToFirst
			if n.is("LAST") {
				s.Kind = SkipToLast
			}
			s.Var = p.skipVar()
		default:
			s.Kind = SkipToLast
			s.Var = p.skipVar()
		}
	default:
		hint := skipForms
		if c := connectors.Closest(t.val, []string{"PAST", "TO"}); t.kind == tokIdent && c != "" {
			hint = "did you mean SKIP " + c + "? " + skipForms
		}
		p.failHint(t.start, diag.Syntax, hint, "unknown AFTER MATCH SKIP form: expected PAST or TO after SKIP, found %s", p.describe(t))
	}
	return s
}

// skipVar reads the pattern variable of SKIP TO [FIRST|LAST] v.
func (p *mrParser) skipVar() Ident {
	t := p.peek()
	if t.kind == tokQuotedIdent || t.kind == tokIdent && p.clauseAt(p.p) < 0 &&
		!t.is("NEXT") && !t.is("FIRST") && !t.is("LAST") && !t.is("ROW") && !t.is("PAST") {
		p.next()
		return Ident{Parts: []string{t.val}, Pos: t.start}
	}
	p.failHint(t.start, diag.Syntax, skipForms+" (quote a variable named like a keyword: `next`)",
		"unknown AFTER MATCH SKIP form: expected a pattern variable, found %s", p.describe(t))
	return Ident{}
}

// closePattern expects the ')' that ends PATTERN (...).
func (p *mrParser) closePattern() {
	t := p.peek()
	if t.isOp(")") {
		p.next()
		return
	}
	if t.kind == tokIdent && patternStopWords[strings.ToUpper(t.val)] {
		p.failHint(t.start, diag.Syntax, "add ')' at the end of the pattern", "expected ')' to close PATTERN before %s", strings.ToUpper(t.val))
	}
	p.unexpected(t, "')' or '|' in PATTERN")
}

// patternStopWords cannot be pattern variables: they start the clauses
// that follow PATTERN, so finding one means the pattern was not closed.
var patternStopWords = map[string]bool{"WITHIN": true, "SUBSET": true, "DEFINE": true, "MEASURES": true, "PATTERN": true}

const quantifierForms = "quantifiers are *, +, ?, {n}, {n,}, {n,m} and {,m}, each optionally followed by ? (reluctant)"

// patAlt parses "concat | concat | ...".
func (p *mrParser) patAlt() PatternNode {
	first := p.patConcat()
	if t := p.peek(); t.isOp("||") {
		p.failHint(t.start, diag.Syntax, "write () for an empty alternative", "expected a pattern between '|' and '|'")
	}
	if !p.peek().isOp("|") {
		return first
	}
	alt := &PatAlt{Items: []PatternNode{first}, Pos: patStart(first)}
	for p.acceptOp("|") {
		alt.Items = append(alt.Items, p.patConcat())
	}
	return alt
}

// patStart is where the text of n starts (a PatQuant's Pos is its
// quantifier's).
func patStart(n PatternNode) int {
	if q, ok := n.(*PatQuant); ok {
		return patStart(q.Item)
	}
	return n.PatPos()
}

// patConcat parses one or more quantified primaries.
func (p *mrParser) patConcat() PatternNode {
	var items []PatternNode
	for p.patStarts() {
		items = append(items, p.patQuant())
	}
	switch len(items) {
	case 0:
		p.patPrimary() // fails, saying why
	case 1:
		return items[0]
	}
	return &PatConcat{Items: items, Pos: patStart(items[0])}
}

// patStarts reports whether a primary starts at the next token.
func (p *mrParser) patStarts() bool {
	t := p.peek()
	return t.kind == tokQuotedIdent || t.isOp("(") || t.kind == tokIdent && !patternStopWords[strings.ToUpper(t.val)]
}

func (p *mrParser) patQuant() PatternNode {
	item := p.patPrimary()
	t := p.peek()
	q := &PatQuant{Item: item, Greedy: true, Pos: t.start}
	switch {
	case t.isOp("*"):
		q.Min, q.Max = 0, -1
	case t.isOp("+"):
		q.Min, q.Max = 1, -1
	case t.isOp("?"):
		q.Min, q.Max = 0, 1
	case t.isOp("{"):
		q.Min, q.Max = p.bounds()
	default:
		return item
	}
	p.next()
	if p.acceptOp("?") {
		q.Greedy = false
	}
	if n := p.peek(); n.isOp("*") || n.isOp("+") || n.isOp("?") || n.isOp("{") {
		p.failHint(n.start, diag.Syntax, fmt.Sprintf("group the element to quantify it again, e.g. (%s)%s", q, p.src.Text[n.start:n.end]),
			"a pattern element takes one quantifier")
	}
	return q
}

// bounds parses {n}, {n,}, {n,m}, {,m} or {,}, leaving p at the '}'.
func (p *mrParser) bounds() (lo, hi int) {
	open := p.next()
	num := func() (int, bool) {
		t := p.peek()
		if t.kind != tokNumber {
			return 0, false
		}
		for i := 0; i < len(t.val); i++ {
			if !isDigit(t.val[i]) {
				p.failHint(t.start, diag.Syntax, quantifierForms, "bad quantifier: %s is not a whole number", p.describe(t))
			}
		}
		n, err := strconv.Atoi(t.val)
		if err != nil || n > math.MaxInt32 {
			p.failHint(t.start, diag.Syntax, quantifierForms, "bad quantifier: %s is too large", t.val)
		}
		p.next()
		return n, true
	}
	bad := func() {
		t := p.peek()
		p.failHint(t.start, diag.Syntax, quantifierForms, "bad quantifier: expected a number, ',' or '}', found %s", p.describe(t))
	}
	lo, hasLo := num()
	if p.acceptOp(",") {
		var hasHi bool
		if hi, hasHi = num(); !hasHi {
			hi = -1
		}
	} else {
		if !hasLo {
			bad()
		}
		hi = lo
	}
	if !p.peek().isOp("}") {
		bad()
	}
	if hi >= 0 && hi < lo {
		p.failHint(open.start, diag.Syntax, "write the smaller bound first: {"+strconv.Itoa(hi)+","+strconv.Itoa(lo)+"}",
			"bad quantifier {%d,%d}: the upper bound is below the lower bound", lo, hi)
	}
	return lo, hi
}

func (p *mrParser) patPrimary() PatternNode {
	t := p.peek()
	switch {
	case t.kind == tokIdent && t.is("PERMUTE") && p.peekN(1).isOp("("):
		p.p += 2
		perm := &PatPermute{Pos: t.start}
		for {
			perm.Items = append(perm.Items, p.patAlt())
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")", "or ',' in PERMUTE(...)")
		return perm
	case t.kind == tokIdent && !patternStopWords[strings.ToUpper(t.val)]:
		if strings.Contains(t.val, "$") {
			p.failHint(t.start, diag.Unsupported, "pattern variables are letters, digits and '_'; the anchors ^ and $ are not supported",
				"'%s' is not a pattern variable", t.val)
		}
		p.next()
		return &PatVar{Name: t.val, Pos: t.start}
	case t.kind == tokQuotedIdent:
		p.next()
		if t.val == "" {
			p.fail(t.start, diag.Syntax, "empty pattern variable name")
		}
		return &PatVar{Name: t.val, Pos: t.start}
	case t.isOp("("):
		p.next()
		if p.acceptOp(")") {
			return &PatEmpty{Pos: t.start}
		}
		n := p.patAlt()
		if !p.peek().isOp(")") {
			p.closeGroup(t)
		}
		p.next()
		return n
	case t.isOp("^"):
		p.fail(t.start, diag.Unsupported, "the pattern anchor ^ is not supported")
	case t.isOp("{") && p.peekN(1).isOp("-"):
		p.fail(t.start, diag.Unsupported, "pattern exclusion {- ... -} is not supported")
	case t.isOp("*") || t.isOp("+") || t.isOp("?") || t.isOp("{"):
		p.failHint(t.start, diag.Syntax, "a quantifier follows a pattern variable or a group, e.g. A+ or (A B)*",
			"quantifier %s has nothing to repeat", p.describe(t))
	case t.isOp("|") || t.isOp("||"):
		p.failHint(t.start, diag.Syntax, "write () for an empty alternative", "expected a pattern before %s", p.describe(t))
	}
	p.unexpected(t, "a pattern variable, '(' or PERMUTE(...)")
	return nil
}

// closeGroup fails for a group opened at open that is not closed.
func (p *mrParser) closeGroup(open token) {
	t := p.peek()
	p.failHint(t.start, diag.Syntax, fmt.Sprintf("close the '(' at column %d", p.src.Position(open.start).Col),
		"expected ')' or '|' in the pattern, found %s", p.describe(t))
}

func (p *mrParser) within() time.Duration {
	const hint = "WITHIN INTERVAL '10' SECOND (units: DAY, HOUR, MINUTE, SECOND, MILLISECOND)"
	p.next()
	if !p.peek().is("INTERVAL") {
		p.failHint(p.peek().start, diag.Syntax, hint, "expected INTERVAL after WITHIN, found %s", p.describe(p.peek()))
	}
	p.next()
	v := p.peek()
	if v.isOp("-") {
		p.failHint(v.start, diag.Syntax, hint, "WITHIN takes a positive interval")
	}
	if v.kind != tokString && v.kind != tokNumber {
		p.failHint(v.start, diag.Syntax, hint, "expected the interval's value, like '10', found %s", p.describe(v))
	}
	p.next()
	u := p.peek()
	if u.kind != tokIdent {
		p.failHint(u.start, diag.Syntax, hint, "expected the interval's unit (SECOND, MINUTE, ...), found %s", p.describe(u))
	}
	p.next()
	unit, to := strings.ToUpper(u.val), ""
	if p.peek().is("TO") && p.peekN(1).kind == tokIdent {
		p.next()
		to = strings.ToUpper(p.next().val)
	}
	d, msg := intervalDuration(v.val, unit, to)
	if msg != "" {
		h := hint
		if _, ok := durationUnits[singular(unit)]; !ok {
			if c := connectors.Closest(unit, intervalUnitNames); c != "" {
				h = "did you mean " + c + "? " + hint
			}
			p.failHint(u.start, diag.Syntax, h, "%s", msg)
		}
		p.failHint(v.start, diag.Syntax, h, "%s", msg)
	}
	return d
}

// durationUnits are the units WITHIN takes.
var durationUnits = map[string]time.Duration{"DAY": 24 * time.Hour, "HOUR": time.Hour, "MINUTE": time.Minute,
	"SECOND": time.Second, "MILLISECOND": time.Millisecond}

var intervalUnitNames = []string{"DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND",
	"DAYS", "HOURS", "MINUTES", "SECONDS", "MILLISECONDS"}

// singular turns the plural units Flink accepts (MINUTES) into singular.
func singular(unit string) string {
	if s, ok := strings.CutSuffix(unit, "S"); ok {
		if _, ok := durationUnits[s]; ok {
			return s
		}
	}
	return unit
}

// intervalDuration converts INTERVAL '<value>' <unit> [TO <to>] to a
// duration; msg says what is wrong otherwise. Single units take a whole
// number (SECOND also a fraction); "a TO b" takes SQL's day-time literal,
// e.g. '1 02:30:00.5' DAY TO SECOND.
func intervalDuration(value, unit, to string) (d time.Duration, msg string) {
	unit, to = singular(unit), singular(to)
	if _, ok := durationUnits[unit]; !ok {
		switch unit {
		case "YEAR", "MONTH", "WEEK", "QUARTER":
			return 0, fmt.Sprintf("WITHIN takes a day-time interval, not %s", unit)
		}
		return 0, fmt.Sprintf("unknown interval unit %s", unit)
	}
	value = strings.TrimSpace(value)
	if strings.HasPrefix(value, "-") {
		return 0, "WITHIN takes a positive interval"
	}
	if to == "" {
		d, ok := scaled(value, durationUnits[unit], unit == "SECOND")
		if !ok {
			return 0, fmt.Sprintf("bad interval value '%s' for %s", value, unit)
		}
		if d <= 0 {
			return 0, "WITHIN takes a positive interval"
		}
		return d, ""
	}
	// Fields from unit down to to: DAY, then HOUR:MINUTE:SECOND.
	order := []string{"DAY", "HOUR", "MINUTE", "SECOND"}
	from, upto := -1, -1
	for i, u := range order {
		if u == unit {
			from = i
		}
		if u == to {
			upto = i
		}
	}
	if from < 0 || upto <= from {
		return 0, fmt.Sprintf("unsupported interval %s TO %s", unit, to)
	}
	var fields []string
	rest := value
	if from == 0 { // days, a space, then the time fields
		day, tail, _ := strings.Cut(rest, " ")
		fields, rest = append(fields, day), strings.TrimSpace(tail)
	}
	fields = append(fields, strings.Split(rest, ":")...)
	if len(fields) != upto-from+1 {
		return 0, fmt.Sprintf("bad interval value '%s' for %s TO %s", value, unit, to)
	}
	for i, f := range fields {
		u := order[from+i]
		v, ok := scaled(f, durationUnits[u], u == "SECOND")
		if !ok || d > math.MaxInt64-v {
			return 0, fmt.Sprintf("bad interval value '%s' for %s TO %s", value, unit, to)
		}
		d += v
	}
	if d <= 0 {
		return 0, "WITHIN takes a positive interval"
	}
	return d, ""
}

// scaled parses a non-negative whole number (or, with frac, a decimal) of
// unit; false when it is malformed or overflows.
func scaled(s string, unit time.Duration, frac bool) (time.Duration, bool) {
	whole, fraction, hasFrac := strings.Cut(s, ".")
	if whole == "" && !hasFrac || hasFrac && !frac || !allDigits(whole) || !allDigits(fraction) {
		return 0, false
	}
	var d time.Duration
	if whole != "" {
		n, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || n > int64(math.MaxInt64/unit) {
			return 0, false
		}
		d = time.Duration(n) * unit
	}
	if fraction != "" {
		if len(fraction) > 9 {
			fraction = fraction[:9]
		}
		n, _ := strconv.ParseInt(fraction+strings.Repeat("0", 9-len(fraction)), 10, 64)
		f := time.Duration(n) * unit / time.Second
		if d > math.MaxInt64-f {
			return 0, false
		}
		d += f
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func (p *mrParser) subsets() []MRSubset {
	const hint = "SUBSET U = (A, B), ..."
	var out []MRSubset
	for {
		s := MRSubset{Name: p.name("a subset name after SUBSET")}
		if !p.acceptOp("=") {
			p.failHint(p.peek().start, diag.Syntax, hint, "expected '=' after SUBSET %s, found %s", s.Name, p.describe(p.peek()))
		}
		if !p.peek().isOp("(") {
			p.failHint(p.peek().start, diag.Syntax, hint, "expected '(' and the subset's pattern variables, found %s", p.describe(p.peek()))
		}
		p.next()
		for {
			s.Vars = append(s.Vars, p.name("a pattern variable"))
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")", "or ',' in the SUBSET list")
		out = append(out, s)
		if !p.acceptOp(",") {
			return out
		}
	}
}

func (p *mrParser) defines() []MRDefine {
	var out []MRDefine
	for {
		d := MRDefine{Var: p.name("a pattern variable after DEFINE")}
		if !p.accept("AS") {
			p.failHint(p.peek().start, diag.Syntax, fmt.Sprintf("DEFINE %s AS <condition>, ...", d.Var),
				"expected AS after DEFINE %s, found %s", d.Var, p.describe(p.peek()))
		}
		from, to := p.item(false)
		d.Cond = p.expr(from, to, mrLifters, "after DEFINE "+d.Var.String()+" AS")
		out = append(out, d)
		if !p.acceptOp(",") {
			return out
		}
	}
}

// ParsePattern parses text as a row pattern, the inside of PATTERN (...),
// e.g. "A B+ (C | D)*?". Positions are offsets into text; errors are
// *diag.Error on a source named "pattern".
func ParsePattern(text string) (n PatternNode, err error) {
	src := diag.NewSource("pattern", text)
	r := lex(text, 0, len(text))
	if r.err != nil {
		return nil, unterminated(src, r.err)
	}
	p := &mrParser{stmtParser{src: src, toks: r.toks}}
	defer func() {
		if x := recover(); x != nil {
			b, ok := x.(bailout)
			if !ok {
				panic(x)
			}
			n, err = nil, b.err
		}
	}()
	n = p.patAlt()
	if t := p.peek(); t.kind != tokEOF {
		if t.isOp(")") {
			p.fail(t.start, diag.Syntax, "unexpected ')': no '(' to close")
		}
		p.unexpected(t, "'|' or the end of the pattern")
	}
	return n, nil
}
