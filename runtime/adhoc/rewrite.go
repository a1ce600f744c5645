package adhoc

import (
	"strings"
)

// tokKind classifies the tokens of a DuckDB query as far as the rewrite
// needs them: names, literals and punctuation; whitespace and comments are
// skipped.
type tokKind int

const (
	tokIdent  tokKind = iota // bare word (keyword or name)
	tokQuoted                // "quoted identifier" (or `backquoted`, MySQL's and Flink's)
	tokString                // 'string', E'string', $$dollar$$
	tokNumber
	tokPunct // one character, or :: and the like
)

type token struct {
	kind       tokKind
	start, end int    // byte offsets in the query text
	text       string // the token as written
}

// value is an identifier's name (unquoted) or a string literal's contents.
func (t token) value() string {
	switch t.kind {
	case tokQuoted:
		q := t.text[:1]
		if len(t.text) < 2 || t.text[len(t.text)-1:] != q {
			return t.text[1:] // unterminated: DuckDB reports it
		}
		return strings.ReplaceAll(t.text[1:len(t.text)-1], q+q, q)
	case tokString:
		s := t.text
		if strings.HasPrefix(s, "$") {
			i := strings.IndexByte(s[1:], '$') + 2
			return s[i : len(s)-i]
		}
		if s[0] == 'e' || s[0] == 'E' {
			s = s[1:]
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	}
	return t.text
}

// is reports whether t is the bare keyword kw (case-insensitive).
func (t token) is(kw string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, kw) }

// tokenize splits a query into tokens. It never fails: an unterminated
// string or comment runs to the end (DuckDB reports it).
func tokenize(s string) []token {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			depth := 0
			for i < len(s) {
				if strings.HasPrefix(s[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(s[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'' || ((c == 'e' || c == 'E') && i+1 < len(s) && s[i+1] == '\''):
			start := i
			if c != '\'' {
				i++
			}
			i++
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						i += 2
						continue
					}
					i++
					break
				}
				if s[i] == '\\' && s[start] != '\'' {
					i++
				}
				i++
			}
			i = min(i, len(s))
			out = append(out, token{tokString, start, i, s[start:i]})
		case c == '"' || c == '`':
			start := i
			i++
			for i < len(s) {
				if s[i] == c {
					if i+1 < len(s) && s[i+1] == c {
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
			i = min(i, len(s))
			out = append(out, token{tokQuoted, start, i, s[start:i]})
		case c == '$' && dollarTag(s[i:]) != "":
			tag := dollarTag(s[i:])
			start := i
			j := strings.Index(s[i+len(tag):], tag)
			if j < 0 {
				i = len(s)
			} else {
				i += len(tag) + j + len(tag)
			}
			out = append(out, token{tokString, start, i, s[start:i]})
		case isIdentStart(c):
			start := i
			for i < len(s) && isIdentPart(s[i]) {
				i++
			}
			out = append(out, token{tokIdent, start, i, s[start:i]})
		case c >= '0' && c <= '9':
			start := i
			for i < len(s) && (isIdentPart(s[i]) || s[i] == '.') {
				i++
			}
			out = append(out, token{tokNumber, start, i, s[start:i]})
		default:
			start := i
			i++
			if c == ':' && i < len(s) && s[i] == ':' {
				i++
			}
			out = append(out, token{tokPunct, start, i, s[start:i]})
		}
	}
	return out
}

// dollarTag returns "$tag$" when s starts a dollar-quoted string.
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		if s[j] == '$' {
			return s[:j+1]
		}
		if !isIdentPart(s[j]) || (j == 1 && s[j] >= '0' && s[j] <= '9') {
			return ""
		}
	}
	return ""
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

// tableRef is a dotted name in a FROM clause that may be an Iceberg table,
// with its time-travel clause.
type tableRef struct {
	parts      []string // 2 or 3 names
	partPos    []int    // offset of each part
	start, end int      // span of the name and the time-travel clause

	// time travel: at most one is set
	asOfTime   string // FOR SYSTEM_TIME AS OF [TIMESTAMP] '...'
	asOfTimeAt int
	version    string // FOR VERSION AS OF <id>
	versionAt  int
	hasClause  bool
	clauseAt   int
}

// ident is the name as written, parts joined by dots.
func (r tableRef) ident() string { return strings.Join(r.parts, ".") }

// clauseEnd keywords end a FROM clause at its parenthesis depth.
var clauseEnd = map[string]bool{
	"where": true, "group": true, "having": true, "order": true, "limit": true, "offset": true,
	"union": true, "except": true, "intersect": true, "qualify": true, "window": true,
	"select": true, "on": true, "using": true, "returning": true, "fetch": true, "set": true,
	"values": true,
}

// findTableRefs finds the dotted names (namespace.table or
// catalog.namespace.table) that a FROM or JOIN clause reads, and the
// FOR SYSTEM_TIME AS OF / FOR VERSION AS OF clause after each. Names called
// as functions (a.b(...)) are not table references.
func findTableRefs(toks []token) []tableRef {
	var refs []tableRef
	// inFrom[depth]: the tokens at this parenthesis depth are in a FROM
	// clause; expect[depth]: the next token may start a table reference.
	inFrom := map[int]bool{}
	expect := map[int]bool{}
	depth := 0
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.kind == tokPunct && t.text == "(":
			depth++
			inFrom[depth], expect[depth] = false, false
			continue
		case t.kind == tokPunct && t.text == ")":
			delete(inFrom, depth)
			delete(expect, depth)
			depth--
			expect[depth] = false
			continue
		case t.is("from") || t.is("join"):
			inFrom[depth], expect[depth] = true, true
			continue
		case t.kind == tokPunct && t.text == "," && inFrom[depth]:
			expect[depth] = true
			continue
		case t.kind == tokIdent && clauseEnd[strings.ToLower(t.text)]:
			inFrom[depth], expect[depth] = false, false
			continue
		}
		if !expect[depth] {
			continue
		}
		expect[depth] = false
		if t.is("lateral") || t.is("only") {
			expect[depth] = true
			continue
		}
		if t.kind != tokIdent && t.kind != tokQuoted {
			continue
		}
		// a dotted name of 2 or 3 parts
		ref := tableRef{start: t.start}
		j := i
		for {
			if toks[j].kind != tokIdent && toks[j].kind != tokQuoted {
				break
			}
			ref.parts = append(ref.parts, toks[j].value())
			ref.partPos = append(ref.partPos, toks[j].start)
			ref.end = toks[j].end
			if j+2 < len(toks) && toks[j+1].kind == tokPunct && toks[j+1].text == "." {
				j += 2
				continue
			}
			break
		}
		if len(ref.parts) < 2 || len(ref.parts) > 3 {
			i = j
			continue
		}
		if j+1 < len(toks) && toks[j+1].kind == tokPunct && toks[j+1].text == "(" {
			i = j // a function call: lake.f(...)
			continue
		}
		// time travel
		k := j + 1
		if k < len(toks) && toks[k].is("for") {
			ref.hasClause, ref.clauseAt = true, toks[k].start
			switch {
			case k+4 < len(toks) && toks[k+1].is("system_time") && toks[k+2].is("as") && toks[k+3].is("of"):
				v := k + 4
				if toks[v].is("timestamp") && v+1 < len(toks) {
					v++
				}
				ref.asOfTime, ref.asOfTimeAt = toks[v].text, toks[v].start
				if toks[v].kind == tokString {
					ref.asOfTime = toks[v].value()
				} else {
					ref.asOfTime = "\x00" + toks[v].text // not a literal: rejected later
				}
				ref.end = toks[v].end
				k = v + 1
			case k+4 < len(toks) && toks[k+1].is("version") && toks[k+2].is("as") && toks[k+3].is("of"):
				v := k + 4
				ref.version, ref.versionAt = toks[v].value(), toks[v].start
				if toks[v].kind != tokNumber && toks[v].kind != tokString {
					ref.version = "\x00" + toks[v].text
				}
				ref.end = toks[v].end
				k = v + 1
			default:
				ref.end = toks[k].end // reported as a bad clause
				k++
			}
		}
		refs = append(refs, ref)
		i = k - 1
	}
	return refs
}

// doubleQuoted turns the `backquoted` names of toks (the statements'
// quoting, which DuckDB does not know) into "double-quoted" ones in text,
// keeping its length where the name holds no double quote, so that
// DuckDB's error positions stay the user's.
func doubleQuoted(text string, toks []token) string {
	var b strings.Builder
	last := 0
	for _, t := range toks {
		if t.kind != tokQuoted || t.text[0] != '`' {
			continue
		}
		b.WriteString(text[last:t.start])
		b.WriteString(quoteIdent(t.value()))
		last = t.end
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// quoteIdent quotes a name for DuckDB.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString quotes a string literal for DuckDB.
func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// ReadsIceberg reports whether query is a SELECT (or WITH ... SELECT) whose
// FROM or JOIN names a table as catalog.namespace.table with catalog one of
// catalogs: the REPL runs such a query here rather than in the streaming
// engine.
func ReadsIceberg(query string, catalogs []string) bool {
	toks := tokenize(query)
	if len(toks) == 0 || !(toks[0].is("select") || toks[0].is("with") || toks[0].is("from") || (toks[0].kind == tokPunct && toks[0].text == "(")) {
		return false
	}
	for _, r := range findTableRefs(toks) {
		if len(r.parts) != 3 {
			continue
		}
		for _, c := range catalogs {
			if strings.EqualFold(c, r.parts[0]) {
				return true
			}
		}
	}
	return false
}
