package parser

import (
	"strings"
	"unicode"
)

// tokKind classifies the tokens of our own small lexer. It exists because
// TiDB's scanner cannot be driven from outside its package, and the statement
// parser and the lifting pass need exact clause boundaries and byte offsets.
type tokKind uint8

const (
	tokEOF         tokKind = iota
	tokIdent               // bare word: identifier or keyword
	tokQuotedIdent         // `name`, with `` escapes
	tokString              // '...' or "..." (MySQL treats both as strings)
	tokNumber              // 12, 1.5, .5, 1e3, 0x1F
	tokOp                  // operators and punctuation: ( ) , ; . = + - ...
)

// token is one lexical token. Start and End are byte offsets in the text the
// lexer ran over.
type token struct {
	kind       tokKind
	start, end int
	// val is the decoded value: the unquoted name for tokQuotedIdent, the
	// unescaped string for tokString, the raw text otherwise.
	val string
}

// is reports whether t is the bare keyword kw (case-insensitive). Quoted
// names never count as keywords.
func (t token) is(kw string) bool { return t.kind == tokIdent && strings.EqualFold(t.val, kw) }

// isOp reports whether t is the operator or punctuation op.
func (t token) isOp(op string) bool { return t.kind == tokOp && t.val == op }

// lexError is an unterminated string, quoted name or comment, found at pos.
type lexError struct {
	pos  int
	what string // "string", "quoted name", "comment"
}

// comment is a comment's byte range; the lifting pass blanks comments so that
// TiDB and this lexer never disagree about where one ends.
type comment struct{ start, end int }

// lexResult is the outcome of lexing a text.
type lexResult struct {
	toks     []token // without comments; the last one is tokEOF
	comments []comment
	err      *lexError // first unterminated construct; lexing stops there
}

// multiOps are the operators of more than one byte, longest first.
var multiOps = []string{"<=>", "->>", "<=", ">=", "<>", "!=", "||", "&&", "->", ":=", "<<", ">>"}

// lex tokenizes text[start:end]. Offsets in the result are offsets in text.
func lex(text string, start, end int) lexResult {
	var r lexResult
	i := start
	for i < end {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#' || (c == '-' && i+1 < end && text[i+1] == '-' && (i+2 == end || unicode.IsSpace(rune(text[i+2])))):
			// MySQL line comments: '#', and '--' followed by white space
			// (a--b is a minus minus b, as TiDB reads it).
			j := i
			for j < end && text[j] != '\n' {
				j++
			}
			r.comments = append(r.comments, comment{i, j})
			i = j
		case c == '/' && i+1 < end && text[i+1] == '*':
			j := strings.Index(text[i+2:end], "*/")
			if j < 0 {
				r.err = &lexError{pos: i, what: "comment"}
				r.comments = append(r.comments, comment{i, end})
				i = end
				continue
			}
			r.comments = append(r.comments, comment{i, i + 2 + j + 2})
			i += 2 + j + 2
		case c == '\'' || c == '"':
			val, j, ok := scanString(text, i, end)
			if !ok {
				r.err = &lexError{pos: i, what: "string"}
				i = end
				continue
			}
			r.toks = append(r.toks, token{kind: tokString, start: i, end: j, val: val})
			i = j
		case c == '`':
			val, j, ok := scanQuotedIdent(text, i, end)
			if !ok {
				r.err = &lexError{pos: i, what: "quoted name"}
				i = end
				continue
			}
			r.toks = append(r.toks, token{kind: tokQuotedIdent, start: i, end: j, val: val})
			i = j
		case isDigit(c) || (c == '.' && i+1 < end && isDigit(text[i+1])):
			j := scanNumber(text, i, end)
			r.toks = append(r.toks, token{kind: tokNumber, start: i, end: j, val: text[i:j]})
			i = j
		case isIdentByte(c):
			j := i
			for j < end && (isIdentByte(text[j]) || isDigit(text[j])) {
				j++
			}
			r.toks = append(r.toks, token{kind: tokIdent, start: i, end: j, val: text[i:j]})
			i = j
		default:
			n := 1
			for _, op := range multiOps {
				if strings.HasPrefix(text[i:end], op) {
					n = len(op)
					break
				}
			}
			r.toks = append(r.toks, token{kind: tokOp, start: i, end: i + n, val: text[i : i+n]})
			i += n
		}
	}
	r.toks = append(r.toks, token{kind: tokEOF, start: end, end: end})
	return r
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isIdentByte accepts letters, '_', '$' and every byte of a multi-byte UTF-8
// character, as MySQL does for unquoted names.
func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' || c >= 0x80
}

// scanString scans a '...' or "..." string starting at text[i]: doubled
// quotes and MySQL backslash escapes (TiDB's default SQL mode) are decoded.
func scanString(text string, i, end int) (string, int, bool) {
	q := text[i]
	var b strings.Builder
	j := i + 1
	for j < end {
		c := text[j]
		switch {
		case c == '\\' && j+1 < end:
			b.WriteString(unescape(text[j+1]))
			j += 2
		case c == q && j+1 < end && text[j+1] == q:
			b.WriteByte(q)
			j += 2
		case c == q:
			return b.String(), j + 1, true
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", end, false
}

// unescape decodes the character after a backslash the way MySQL does.
func unescape(c byte) string {
	switch c {
	case '0':
		return "\x00"
	case 'b':
		return "\b"
	case 'n':
		return "\n"
	case 'r':
		return "\r"
	case 't':
		return "\t"
	case 'Z':
		return "\x1a"
	case '%', '_':
		return "\\" + string(c) // kept for LIKE patterns, as MySQL does
	}
	return string(c)
}

// scanQuotedIdent scans a `name` with “ escapes.
func scanQuotedIdent(text string, i, end int) (string, int, bool) {
	var b strings.Builder
	j := i + 1
	for j < end {
		if text[j] == '`' {
			if j+1 < end && text[j+1] == '`' {
				b.WriteByte('`')
				j += 2
				continue
			}
			return b.String(), j + 1, true
		}
		b.WriteByte(text[j])
		j++
	}
	return "", end, false
}

// scanNumber scans decimal, float and 0x hex literals.
func scanNumber(text string, i, end int) int {
	j := i
	if text[j] == '0' && j+1 < end && (text[j+1] == 'x' || text[j+1] == 'X') {
		j += 2
		for j < end && strings.IndexByte("0123456789abcdefABCDEF", text[j]) >= 0 {
			j++
		}
		return j
	}
	for j < end && isDigit(text[j]) {
		j++
	}
	if j < end && text[j] == '.' {
		j++
		for j < end && isDigit(text[j]) {
			j++
		}
	}
	if j < end && (text[j] == 'e' || text[j] == 'E') {
		k := j + 1
		if k < end && (text[k] == '+' || text[k] == '-') {
			k++
		}
		if k < end && isDigit(text[k]) {
			for k < end && isDigit(text[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

// chunk is one statement's token range in a lexed text: toks[from:to], with
// semi the offset of its terminating ';' (-1 at end of input).
type chunk struct {
	from, to int
	semi     int
}

// split cuts tokens into statements at each ';' outside parentheses. When
// the input ends inside an unclosed '(' the statement is cut at the first
// ';' inside it instead, so that one missing ')' does not swallow the rest
// of a file. open reports whether the input ended with a '(' still open.
func split(toks []token) (chunks []chunk, open bool) {
	from := 0
	for from < len(toks) && toks[from].kind != tokEOF {
		depth, firstInner, cut := 0, -1, -1
		k := from
		for ; toks[k].kind != tokEOF; k++ {
			t := toks[k]
			if t.kind != tokOp {
				continue
			}
			switch t.val {
			case "(":
				depth++
			case ")":
				if depth > 0 {
					depth--
				}
			case ";":
				if depth == 0 {
					cut = k
				} else if firstInner < 0 {
					firstInner = k
				}
			}
			if cut >= 0 {
				break
			}
		}
		switch {
		case cut >= 0:
			chunks = append(chunks, chunk{from, cut, toks[cut].start})
			from = cut + 1
		case depth > 0 && firstInner >= 0:
			open = true
			chunks = append(chunks, chunk{from, firstInner, toks[firstInner].start})
			from = firstInner + 1
		default:
			open = open || depth > 0
			chunks = append(chunks, chunk{from, k, -1})
			from = k
		}
	}
	return chunks, open
}

// Complete reports whether text holds at least one statement ending in a
// top-level ';' with nothing unterminated after it: an open string, quoted
// name, comment or parenthesis means the user is still typing. The REPL uses
// it to decide when to run what has been entered.
func Complete(text string) bool {
	r := lex(text, 0, len(text))
	if r.err != nil {
		return false
	}
	chunks, open := split(r.toks)
	return !open && len(chunks) > 0 && chunks[len(chunks)-1].semi >= 0
}

// SplitStatements cuts text into statements at top-level ';', without the
// ';' and without surrounding white space. Empty statements are dropped; a
// trailing statement without ';' is included. Strings, quoted names and
// comments are respected, so a ';' inside them does not split.
func SplitStatements(text string) []string {
	r := lex(text, 0, len(text))
	chunks, _ := split(r.toks)
	var out []string
	tail := 0 // where the text after the last ';' starts
	for _, c := range chunks {
		end := len(text)
		if c.semi >= 0 {
			end = c.semi
			tail = c.semi + 1
		} else {
			tail = len(text)
		}
		if c.from == c.to && c.semi >= 0 {
			continue
		}
		if s := strings.TrimSpace(text[r.toks[c.from].start:end]); s != "" {
			out = append(out, s)
		}
	}
	if r.err != nil && tail < len(text) {
		// An unterminated string or comment after the last ';' is a
		// statement of its own (which will fail to parse).
		if s := strings.TrimSpace(text[tail:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}
