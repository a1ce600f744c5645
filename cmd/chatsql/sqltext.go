package main

import "strings"

// scanSQL walks text as SQL and calls at for every ';' that ends a
// statement, i.e. one outside strings, quoted names and comments. It
// returns whether text ends inside a string, quoted name or block comment.
func scanSQL(text string, at func(i int)) (open bool) {
	const (
		normal = iota
		single // '...'  ('' and \' escape)
		double // "..."
		back   // `...`  (`` escapes)
		line   // -- to end of line
		block  // /* ... */
	)
	state := normal
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch state {
		case normal:
			switch {
			case c == '\'':
				state = single
			case c == '"':
				state = double
			case c == '`':
				state = back
			case c == '-' && i+1 < len(text) && text[i+1] == '-':
				state, i = line, i+1
			case c == '/' && i+1 < len(text) && text[i+1] == '*':
				state, i = block, i+1
			case c == ';':
				at(i)
			}
		case single, double:
			quote := byte('\'')
			if state == double {
				quote = '"'
			}
			switch c {
			case '\\':
				i++ // MySQL escape: the next byte is literal
			case quote:
				if i+1 < len(text) && text[i+1] == quote {
					i++
				} else {
					state = normal
				}
			}
		case back:
			if c == '`' {
				if i+1 < len(text) && text[i+1] == '`' {
					i++
				} else {
					state = normal
				}
			}
		case line:
			if c == '\n' {
				state = normal
			}
		case block:
			if c == '*' && i+1 < len(text) && text[i+1] == '/' {
				state, i = normal, i+1
			}
		}
	}
	return state != normal && state != line
}

// splitStatements cuts text into statements at top-level ';', keeping each
// ';'. A trailing part with only blanks and comments is dropped; a trailing
// part with text and no ';' is returned as the last statement.
func splitStatements(text string) []string {
	var out []string
	start := 0
	scanSQL(text, func(i int) {
		out = append(out, text[start:i+1])
		start = i + 1
	})
	if rest := text[start:]; !onlyBlanksAndComments(rest) {
		out = append(out, rest)
	}
	var stmts []string
	for _, s := range out {
		if !onlyBlanksAndComments(strings.TrimSuffix(strings.TrimSpace(s), ";")) {
			stmts = append(stmts, s)
		}
	}
	return stmts
}

// statementComplete reports whether the REPL has a whole statement: the
// text, leaving out trailing blanks and comments, ends in a top-level ';'.
func statementComplete(text string) bool {
	last := -1
	if scanSQL(text, func(i int) { last = i }) || last < 0 {
		return false
	}
	return onlyBlanksAndComments(text[last+1:])
}

// onlyBlanksAndComments reports whether s holds no SQL.
func onlyBlanksAndComments(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				return true
			}
			i += j
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return true
			}
			i += j + 3
		default:
			return false
		}
	}
	return true
}
