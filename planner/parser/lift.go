package parser

import (
	"sort"
	"strings"
)

// The lifting pass rewrites, token by token, the parts of a query or
// expression that TiDB's MySQL grammar does not accept into function calls
// it does accept, recording every edit in a posMap so that positions in
// TiDB's AST and errors map back to the user's text. Each construct is one
// small lifter in the lifters list; later issues add theirs
// (FOR SYSTEM_TIME AS OF) the same way. MATCH_RECOGNIZE is cut out before
// the lifters run (mr_lift.go), since it is parsed by our own code.

// textEdit replaces text[start:end] (offsets in the original text) by repl.
type textEdit struct {
	start, end int
	repl       string
}

// editAt reports whether one of edits replaces the text at offset off.
func editAt(edits []textEdit, off int) bool {
	for _, e := range edits {
		if e.start <= off && off < e.end {
			return true
		}
	}
	return false
}

// liftCtx is what a lifter sees: the tokens of the range being lifted and
// their parenthesis structure.
type liftCtx struct {
	text  string
	toks  []token // ends with tokEOF
	cmts  []comment
	match []int // for a "(" token, the index of its ")" (-1 if none); else -1
	outer []int // the index of the innermost "(" enclosing each token, -1 at top level
}

// lifter looks at toks[i] and returns the edits that lift the construct
// starting there, or nil.
type lifter func(c *liftCtx, i int) []textEdit

// lifters run in this order at every token; an edit overlapping an earlier
// one is dropped.
var lifters = []lifter{liftTranslate, liftCast, liftInterval}

// liftTranslate renames TRANSLATE( to CHATSQL_TRANSLATE(: TiDB has a
// 3-argument TRANSLATE in its grammar and rejects the 2-argument call.
func liftTranslate(c *liftCtx, i int) []textEdit {
	t := c.toks[i]
	if !t.is("TRANSLATE") || !c.toks[i+1].isOp("(") || (i > 0 && c.toks[i-1].isOp(".")) {
		return nil
	}
	return []textEdit{{t.start, t.end, strings.ToUpper(FuncTranslate)}}
}

// liftCast turns CAST(x AS <type>) into CHATSQL_CAST(x, '<type>') (and
// TRY_CAST likewise), because our types (TIMESTAMP(3), STRING,
// TIMESTAMP_LTZ, ...) are not MySQL's cast targets.
func liftCast(c *liftCtx, i int) []textEdit {
	t := c.toks[i]
	var fn string
	switch {
	case t.is("CAST"):
		fn = FuncCast
	case t.is("TRY_CAST"):
		fn = FuncTryCast
	default:
		return nil
	}
	if !c.toks[i+1].isOp("(") || (i > 0 && c.toks[i-1].isOp(".")) {
		return nil
	}
	closeIdx := c.match[i+1]
	if closeIdx < 0 {
		return nil
	}
	as := -1
	for k := i + 2; k < closeIdx; k++ {
		if c.outer[k] == i+1 && c.toks[k].is("AS") {
			as = k
			break
		}
	}
	if as < 0 || as+1 == closeIdx {
		return nil // let TiDB report the malformed CAST
	}
	typ := c.plainText(c.toks[as].end, c.toks[closeIdx].start)
	return []textEdit{
		{t.start, t.end, strings.ToUpper(fn)},
		{c.toks[as].start, c.toks[closeIdx].start, ", " + quoteString(typ)},
	}
}

// intervalFuncs take INTERVAL as an argument in TiDB's own grammar; their
// intervals are left alone.
var intervalFuncs = map[string]bool{"date_add": true, "date_sub": true, "adddate": true, "subdate": true}

// liftInterval turns INTERVAL '<n>' <UNIT> [TO <UNIT>] used as a function
// argument (after '(' or ',') into CHATSQL_INTERVAL('<n>', '<UNIT>'). After
// '+' or '-' TiDB parses it itself (as DATE_ADD/DATE_SUB).
func liftInterval(c *liftCtx, i int) []textEdit {
	t := c.toks[i]
	if !t.is("INTERVAL") || i == 0 || !(c.toks[i-1].isOp("(") || c.toks[i-1].isOp(",")) {
		return nil
	}
	if o := c.outer[i]; o > 0 && c.toks[o-1].kind == tokIdent && intervalFuncs[strings.ToLower(c.toks[o-1].val)] {
		return nil
	}
	k := i + 1
	valStart := c.toks[k].start
	if c.toks[k].isOp("-") && c.toks[k+1].kind == tokNumber {
		k++
	}
	if v := c.toks[k]; v.kind != tokString && v.kind != tokNumber {
		return nil
	}
	val := c.text[valStart:c.toks[k].end]
	k++
	if c.toks[k].kind != tokIdent {
		return nil
	}
	unit := strings.ToUpper(c.toks[k].val)
	end := c.toks[k].end
	if c.toks[k+1].is("TO") && c.toks[k+2].kind == tokIdent {
		unit += " TO " + strings.ToUpper(c.toks[k+2].val)
		end = c.toks[k+2].end
	}
	return []textEdit{{t.start, end, strings.ToUpper(FuncInterval) + "(" + val + ", " + quoteString(unit) + ")"}}
}

// plainText is text[start:end] without comments and with white space runs
// collapsed to one space.
func (c *liftCtx) plainText(start, end int) string {
	b := []byte(c.text[start:end])
	for _, cm := range c.cmts {
		for k := max(cm.start, start); k < min(cm.end, end); k++ {
			b[k-start] = ' '
		}
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// quoteString renders s as a SQL string literal TiDB reads back as s.
func quoteString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// lifted is a text ready for TiDB and the map back to the original.
type lifted struct {
	text string
	pm   posMap
}

// lift rewrites text[start:end] for TiDB, prefixed by prefix (e.g.
// "SELECT " to parse an expression). posMap offsets are relative: original
// offsets to start, rewritten offsets to the beginning of the result.
// Comments are blanked (same length, so no posMap entry is needed) so that
// TiDB's and our idea of a comment cannot differ. A lexing error
// (unterminated string or comment) is returned as is. pre are edits made
// before the lifters run (the MATCH_RECOGNIZE placeholders); a lifter's
// edit inside one of them is dropped.
func lift(text string, start, end int, prefix string, pre ...textEdit) (lifted, *lexError) {
	return liftWith(text, start, end, prefix, lifters, pre)
}

// liftWith is lift with the lifters ls (MEASURES and DEFINE add theirs).
func liftWith(text string, start, end int, prefix string, ls []lifter, pre []textEdit) (lifted, *lexError) {
	r := lex(text, start, end)
	if r.err != nil {
		return lifted{}, r.err
	}
	c := &liftCtx{text: text, toks: r.toks, cmts: r.comments}
	c.match = make([]int, len(c.toks))
	c.outer = make([]int, len(c.toks))
	var stack []int
	for k, t := range c.toks {
		c.match[k] = -1
		c.outer[k] = -1
		if len(stack) > 0 {
			c.outer[k] = stack[len(stack)-1]
		}
		switch {
		case t.isOp("("):
			stack = append(stack, k)
		case t.isOp(")") && len(stack) > 0:
			c.match[stack[len(stack)-1]] = k
			stack = stack[:len(stack)-1]
		}
	}
	edits := append([]textEdit(nil), pre...)
	for k := range c.toks {
		if c.toks[k].kind == tokEOF {
			break
		}
		for _, l := range ls {
			edits = append(edits, l(c, k)...)
		}
	}
	sort.SliceStable(edits, func(a, b int) bool { return edits[a].start < edits[b].start })

	body := []byte(text[start:end])
	for _, cm := range r.comments {
		for k := cm.start; k < cm.end; k++ {
			if body[k-start] != '\n' {
				body[k-start] = ' '
			}
		}
	}
	var out strings.Builder
	var pm posMap
	out.WriteString(prefix)
	if prefix != "" {
		pm = append(pm, edit{0, 0, 0, len(prefix)})
	}
	pos := start
	for _, e := range edits {
		if e.start < pos {
			continue // overlaps an earlier edit
		}
		out.Write(body[pos-start : e.start-start])
		ns := out.Len()
		out.WriteString(e.repl)
		pm = append(pm, edit{OrigStart: e.start - start, OrigEnd: e.end - start, NewStart: ns, NewEnd: out.Len()})
		pos = e.end
	}
	out.Write(body[pos-start:])
	return lifted{text: out.String(), pm: pm}, nil
}
