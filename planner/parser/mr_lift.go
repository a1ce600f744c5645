package parser

import (
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
)

// Cutting MATCH_RECOGNIZE out of a query: TiDB cannot parse it, so the
// table reference and the clause after it,
//
//	FROM chat_messages MATCH_RECOGNIZE (...) AS t
//
// are replaced by a placeholder table, FROM chatsql_mr_1 AS t, and the
// clause is parsed by mr_parse.go into Query.MatchRecognize.

// mrPrefix starts the placeholder names; a query with MATCH_RECOGNIZE
// cannot use such a name itself.
const mrPrefix = "chatsql_mr_"

// mrCut is what cutMatchRecognize found: the edits that put placeholders
// in, and the clause of each placeholder.
type mrCut struct {
	edits []textEdit
	names []string
	mrs   []*MatchRecognize
}

// cutMatchRecognize finds and parses the outermost MATCH_RECOGNIZE clauses
// of the query src.Text[start:end]. Clauses nested in another one's input
// subquery are parsed with that subquery.
func cutMatchRecognize(src *diag.Source, start, end int) (cut mrCut, err *diag.Error) {
	if !containsFold(src.Text[start:end], "MATCH_RECOGNIZE") {
		return cut, nil
	}
	p, match, openOf, ok := cutLex(src, start, end)
	if !ok {
		return cut, nil // lift reports it
	}
	toks := p.toks
	defer catchBailout(&cut, &err)
	type span struct{ kw, ref, close int } // token indices
	var spans []span
	for k := 0; k+1 < len(toks); k++ {
		if !toks[k].is("MATCH_RECOGNIZE") || !toks[k+1].isOp("(") {
			continue
		}
		if match[k+1] < 0 {
			p.failHint(toks[k+1].start, diag.Syntax, "add the missing ')'", "'(' is never closed")
		}
		spans = append(spans, span{k, p.mrTableRef(k, openOf), match[k+1]})
	}
	for i, s := range spans {
		outer := false
		for j, o := range spans {
			outer = outer || j != i && o.ref <= s.ref && s.close <= o.close
		}
		if outer {
			continue
		}
		name := mrPrefix + strconv.Itoa(len(cut.names)+1)
		in := p.mrInput(s.ref, s.kw)
		mrToks := append(toks[s.kw+2:s.close+1:s.close+1], token{kind: tokEOF, start: toks[s.close].end, end: toks[s.close].end})
		mr := parseMatchRecognize(src, toks[s.kw], mrToks)
		mr.Input = in
		cut.edits = append(cut.edits, textEdit{toks[s.ref].start, toks[s.close].end, name})
		cut.names = append(cut.names, name)
		cut.mrs = append(cut.mrs, mr)
	}
	p.reservePrefix(mrPrefix, "MATCH_RECOGNIZE", "the MATCH_RECOGNIZE clauses")
	return cut, nil
}

// parenMatch pairs parentheses: match[i] is the index of the ')' closing
// the '(' at i, openOf[j] the '(' that the ')' at j closes; -1 otherwise.
func parenMatch(toks []token) (match, openOf []int) {
	match, openOf = make([]int, len(toks)), make([]int, len(toks))
	var stack []int
	for k, t := range toks {
		match[k], openOf[k] = -1, -1
		switch {
		case t.isOp("("):
			stack = append(stack, k)
		case t.isOp(")") && len(stack) > 0:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			match[o], openOf[k] = k, o
		}
	}
	return match, openOf
}

const mrPlacement = "MATCH_RECOGNIZE follows a table name or a parenthesised subquery in FROM: " +
	"FROM t MATCH_RECOGNIZE (...) AS x"

// mrTableRef returns the index of the first token of the table reference
// before the MATCH_RECOGNIZE at k: a possibly qualified name, or a
// parenthesised subquery.
func (p *stmtParser) mrTableRef(k int, openOf []int) int {
	toks := p.toks
	kw := toks[k]
	misplaced := func() {
		p.failHint(kw.start, diag.Syntax, mrPlacement, "MATCH_RECOGNIZE must follow a table name or a subquery")
	}
	if k == 0 {
		misplaced()
	}
	prev := toks[k-1]
	ref := k - 1
	switch {
	case prev.kind == tokQuotedIdent || prev.kind == tokIdent && !reservedWords[strings.ToUpper(prev.val)]:
		for ref >= 2 && toks[ref-1].isOp(".") && (toks[ref-2].kind == tokIdent || toks[ref-2].kind == tokQuotedIdent) {
			ref -= 2
		}
	case prev.isOp(")") && openOf[k-1] >= 0:
		ref = openOf[k-1]
		if ref > 0 && toks[ref-1].is("MATCH_RECOGNIZE") {
			p.failHint(kw.start, diag.Syntax, "read the first one's result in a subquery: FROM (SELECT * FROM t MATCH_RECOGNIZE (...)) MATCH_RECOGNIZE (...)",
				"MATCH_RECOGNIZE cannot follow another MATCH_RECOGNIZE directly")
		}
		if !isQueryStart(toks[ref+1]) {
			misplaced()
		}
	default:
		misplaced()
	}
	if ref == 0 {
		misplaced()
	}
	switch b := toks[ref-1]; {
	case b.is("FROM") || b.is("JOIN") || b.is("STRAIGHT_JOIN") || b.isOp(",") || b.isOp("("):
		return ref
	case b.is("AS") || b.kind == tokQuotedIdent || b.isOp(")") || b.kind == tokIdent && !reservedWords[strings.ToUpper(b.val)]:
		alias := toks[ref]
		at := alias.start
		if b.is("AS") {
			at = b.start
		}
		p.failHint(at, diag.Syntax, "write the alias after the clause: MATCH_RECOGNIZE (...) AS "+alias.val,
			"the alias '%s' must come after MATCH_RECOGNIZE (...), not before it", alias.val)
	}
	misplaced()
	return 0
}

// mrInput parses the table reference toks[ref:kw].
func (p *stmtParser) mrInput(ref, kw int) MRInput {
	t := p.toks[ref]
	if !t.isOp("(") {
		id := Ident{Pos: t.start}
		for k := ref; k < kw; k += 2 {
			id.Parts = append(id.Parts, p.toks[k].val)
		}
		return MRInput{Name: &id, Pos: t.start}
	}
	q, err := parseQuery(p.src, p.toks[ref+1].start, p.toks[kw-2].end)
	if err != nil {
		panic(bailout{err})
	}
	return MRInput{Query: q, Pos: t.start}
}

// attach records the clauses in q, with the aliases TiDB found, checking
// that each placeholder is a table in FROM (a MATCH_RECOGNIZE after, say,
// a column in a select list is not).
func (c mrCut) attach(q *Query) *diag.Error {
	if len(c.mrs) == 0 {
		return nil
	}
	aliases, missing := placeholderAliases(q, mrPrefix, c.names)
	if missing >= 0 {
		return diag.Errorf(q.Src, c.mrs[missing].Pos, diag.Syntax, "MATCH_RECOGNIZE must follow a table name or a subquery in FROM").
			WithHint("%s", mrPlacement)
	}
	q.MatchRecognize = make(map[string]*MatchRecognize, len(c.mrs))
	for i, name := range c.names {
		c.mrs[i].Alias = aliases[i]
		q.MatchRecognize[name] = c.mrs[i]
	}
	return nil
}

// mrFuncs are the MATCH_RECOGNIZE functions that liftMRFunc renames.
var mrFuncs = map[string]string{"PREV": FuncPrev, "NEXT": FuncNext, "FIRST": FuncFirst, "LAST": FuncLast,
	"CLASSIFIER": FuncClassifier, "MATCH_NUMBER": FuncMatchNumber, "MATCH_TIMED_OUT": FuncMatchTimedOut}

// liftMRFunc renames FIRST( to CHATSQL_FIRST( and so on: TiDB rejects
// FIRST(, LAST( and NEXT( (they are keywords), and the binder must not take
// a user's function for them.
func liftMRFunc(c *liftCtx, i int) []textEdit {
	t := c.toks[i]
	if t.kind != tokIdent || !c.toks[i+1].isOp("(") || i > 0 && c.toks[i-1].isOp(".") {
		return nil
	}
	fn, ok := mrFuncs[strings.ToUpper(t.val)]
	if !ok {
		return nil
	}
	return []textEdit{{t.start, t.end, strings.ToUpper(fn)}}
}

// liftRunningFinal turns RUNNING f(...) into CHATSQL_RUNNING(f(...)), and
// FINAL likewise.
func liftRunningFinal(c *liftCtx, i int) []textEdit {
	t := c.toks[i]
	var fn string
	switch {
	case t.is("RUNNING"):
		fn = FuncRunning
	case t.is("FINAL"):
		fn = FuncFinal
	default:
		return nil
	}
	if i+2 >= len(c.toks) || i > 0 && c.toks[i-1].isOp(".") || c.toks[i+1].kind != tokIdent || !c.toks[i+2].isOp("(") {
		return nil
	}
	closeIdx := c.match[i+2]
	if closeIdx < 0 {
		return nil
	}
	end := c.toks[closeIdx].end
	return []textEdit{{t.start, c.toks[i+1].start, strings.ToUpper(fn) + "("}, {end, end, ")"}}
}

// liftVarStar turns v.* as a function argument, as in COUNT(A.*), into
// CHATSQL_VAR_STAR('v'): the rows mapped to v.
func liftVarStar(c *liftCtx, i int) []textEdit {
	t := c.toks[i]
	if t.kind != tokIdent && t.kind != tokQuotedIdent || i == 0 || i+3 >= len(c.toks) {
		return nil
	}
	if b := c.toks[i-1]; !b.isOp("(") && !b.isOp(",") && !b.is("DISTINCT") {
		return nil
	}
	if a := c.toks[i+3]; !c.toks[i+1].isOp(".") || !c.toks[i+2].isOp("*") || !a.isOp(")") && !a.isOp(",") {
		return nil
	}
	return []textEdit{{t.start, c.toks[i+2].end, strings.ToUpper(FuncVarStar) + "(" + quoteString(t.val) + ")"}}
}

// matchRecognizeError explains a TiDB error in a text holding a
// MATCH_RECOGNIZE that was not cut out (or a misspelled one); nil when
// there is none. toks are the text's tokens, pm its edits (offsets
// relative to start).
func matchRecognizeError(src *diag.Source, start int, toks []token, pm posMap) *diag.Error {
	for k, t := range toks {
		if t.kind != tokIdent || inEdit(pm, t.start-start) {
			continue
		}
		n := toks[k+1]
		switch {
		case t.is("MATCH_RECOGNIZE") && n.isOp("("):
			return diag.Errorf(src, t.start, diag.Unsupported, "MATCH_RECOGNIZE is not allowed here").WithHint("%s", mrPlacement)
		case t.is("MATCH_RECOGNIZE") && n.kind == tokIdent && connectors.Closest(n.val, mrKeywords) != "":
			return diag.Errorf(src, n.start, diag.Syntax, "expected '(' after MATCH_RECOGNIZE, found '%s'", n.val).
				WithHint("MATCH_RECOGNIZE (PARTITION BY ... PATTERN (...) DEFINE ...)")
		case n.isOp("(") && len(t.val) >= 10 && !t.is("MATCH_RECOGNIZE") && k > 0 &&
			(toks[k-1].kind == tokIdent || toks[k-1].kind == tokQuotedIdent || toks[k-1].isOp(")")) &&
			connectors.Levenshtein(strings.ToUpper(t.val), "MATCH_RECOGNIZE") <= 3:
			return diag.Errorf(src, t.start, diag.Syntax, "syntax error at '%s'", t.val).WithHint("did you mean MATCH_RECOGNIZE?")
		}
	}
	return nil
}

// inEdit reports whether the original offset off (relative to the lifted
// range) was replaced by an edit.
func inEdit(pm posMap, off int) bool {
	for _, e := range pm {
		if e.OrigStart <= off && off < e.OrigEnd {
			return true
		}
	}
	return false
}

// mrParenError runs when a statement's parentheses do not balance: when
// the culprit is in a PATTERN, it says so there rather than at the
// MATCH_RECOGNIZE's '('.
func (p *stmtParser) mrParenError() {
	for k, t := range p.toks {
		if !t.is("PATTERN") || !p.toks[k+1].isOp("(") {
			continue
		}
		var stack []int
	scan:
		for j := k + 1; p.toks[j].kind != tokEOF; j++ {
			u := p.toks[j]
			switch {
			case u.isOp("("):
				stack = append(stack, j)
			case u.isOp(")"):
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					continue
				}
				if n := p.toks[j+1]; n.isOp(")") && p.toks[j+2].kind == tokIdent && patternStopWords[strings.ToUpper(p.toks[j+2].val)] {
					p.failHint(n.start, diag.Syntax, "remove it", "extra ')' after PATTERN (...)")
				}
				break scan
			case u.kind == tokIdent && patternStopWords[strings.ToUpper(u.val)]:
				w := strings.ToUpper(u.val)
				p.failHint(p.toks[stack[len(stack)-1]].start, diag.Syntax, "add the missing ')' before "+w,
					"'(' is never closed: the pattern ends before %s", w)
			}
		}
	}
}

// containsFold reports whether s contains the upper-case ASCII word sub,
// in any case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]&^0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
