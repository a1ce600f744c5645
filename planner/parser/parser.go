package parser

import (
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
)

// ParseScript parses every statement of src. Errors are collected, not
// stopped at: after an error parsing resumes at the next top-level ';'. The
// returned error is a diag.List (nil when there is none); the Script holds
// the statements that parsed and is never nil.
func ParseScript(src *diag.Source) (*Script, error) {
	script := &Script{Src: src}
	var errs diag.List
	r := lex(src.Text, 0, len(src.Text))
	if r.err != nil {
		errs = append(errs, unterminated(src, r.err))
	}
	chunks, _ := split(r.toks)
	for _, c := range chunks {
		if c.from == c.to {
			if c.semi >= 0 {
				errs = append(errs, diag.Errorf(src, c.semi, diag.Syntax, "empty statement: nothing before ';'").
					WithHint("remove the extra ';'"))
			}
			continue
		}
		if r.err != nil && c.semi < 0 {
			continue // the statement holding the unterminated string, already reported
		}
		toks := append(r.toks[c.from:c.to:c.to], token{kind: tokEOF, start: r.toks[c.to-1].end, end: r.toks[c.to-1].end})
		st, err := parseTokens(src, toks)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		script.Statements = append(script.Statements, st)
	}
	errs.Sort()
	return script, errs.Err()
}

// ParseStatement parses src as exactly one statement (a trailing ';' is
// allowed). Errors are a diag.List.
func ParseStatement(src *diag.Source) (Statement, error) {
	script, err := ParseScript(src)
	if err != nil {
		return nil, err
	}
	switch len(script.Statements) {
	case 0:
		return nil, diag.List{diag.Errorf(src, len(src.Text), diag.Syntax, "empty statement")}
	case 1:
		return script.Statements[0], nil
	}
	start, _ := script.Statements[1].Span()
	return nil, diag.List{diag.Errorf(src, start, diag.Syntax, "expected one statement, found more").
		WithHint("run one statement at a time here")}
}

func unterminated(src *diag.Source, e *lexError) *diag.Error {
	d := diag.Errorf(src, e.pos, diag.Syntax, "unterminated %s", e.what)
	switch e.what {
	case "string":
		return d.WithHint("close it with %s", src.Text[e.pos:e.pos+1])
	case "quoted name":
		return d.WithHint("close it with `")
	}
	return d.WithHint("close it with */")
}

// bailout carries a statement's first error up the recursive descent to
// parseTokens, which recovers it.
type bailout struct{ err *diag.Error }

// stmtParser parses one statement's tokens (ending in tokEOF).
type stmtParser struct {
	src  *diag.Source
	toks []token
	p    int
}

// parseTokens parses one statement. Any panic, ours or a bug's, becomes an
// error: the front end must never crash on input.
func parseTokens(src *diag.Source, toks []token) (st Statement, err *diag.Error) {
	p := &stmtParser{src: src, toks: toks}
	defer func() {
		if r := recover(); r != nil {
			st = nil
			if b, ok := r.(bailout); ok {
				err = b.err
				return
			}
			err = diag.Errorf(src, toks[0].start, diag.Syntax, "internal parser error: %v", r).
				WithHint("this is a bug in chatsql; please report it with the statement")
		}
	}()
	p.checkParens()
	st = p.parseStatement()
	return st, nil
}

func (p *stmtParser) peek() token { return p.toks[p.p] }

// peekN looks n tokens ahead, staying on tokEOF at the end.
func (p *stmtParser) peekN(n int) token { return p.toks[min(p.p+n, len(p.toks)-1)] }

func (p *stmtParser) next() token {
	t := p.toks[p.p]
	if t.kind != tokEOF {
		p.p++
	}
	return t
}

// accept consumes the keyword kw if it comes next.
func (p *stmtParser) accept(kw string) bool {
	if p.peek().is(kw) {
		p.p++
		return true
	}
	return false
}

func (p *stmtParser) acceptOp(op string) bool {
	if p.peek().isOp(op) {
		p.p++
		return true
	}
	return false
}

// end is the byte offset where the statement ends (after its last token).
func (p *stmtParser) end() int { return p.toks[len(p.toks)-1].end }

func (p *stmtParser) fail(off int, kind diag.Kind, format string, args ...any) {
	panic(bailout{diag.Errorf(p.src, off, kind, format, args...)})
}

func (p *stmtParser) failHint(off int, kind diag.Kind, hint, format string, args ...any) {
	e := diag.Errorf(p.src, off, kind, format, args...)
	if hint != "" {
		e = e.WithHint("%s", hint)
	}
	panic(bailout{e})
}

// describe renders a token for messages.
func (p *stmtParser) describe(t token) string {
	if t.kind == tokEOF {
		return "end of statement"
	}
	s := p.src.Text[t.start:t.end]
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	if t.kind == tokString {
		return s // already quoted
	}
	return "'" + s + "'"
}

// statementStarts are the words a statement begins with: finding one where
// a clause was expected usually means the previous statement lacks its ';'.
var statementStarts = map[string]bool{"CREATE": true, "SELECT": true, "INSERT": true, "SET": true,
	"RESET": true, "SHOW": true, "DESCRIBE": true, "EXPLAIN": true, "DROP": true, "STOP": true, "ALTER": true, "CALL": true}

// unexpected fails at t, saying what was expected; when t is a bare word
// close to one of the keywords, the hint suggests it.
func (p *stmtParser) unexpected(t token, expected string, keywords ...string) {
	hint := ""
	if t.kind == tokIdent {
		if c := connectors.Closest(t.val, keywords); c != "" && !strings.EqualFold(c, t.val) {
			hint = fmt.Sprintf("did you mean %s?", c)
		}
		if hint == "" && statementStarts[strings.ToUpper(t.val)] {
			hint = fmt.Sprintf("is a ';' missing before %s?", strings.ToUpper(t.val))
		}
	}
	p.failHint(t.start, diag.Syntax, hint, "expected %s, found %s", expected, p.describe(t))
}

// expect consumes keyword kw or fails saying what it is needed for.
func (p *stmtParser) expect(kw, context string) token {
	t := p.peek()
	if !t.is(kw) {
		p.unexpected(t, kw+" "+context, kw)
	}
	return p.next()
}

func (p *stmtParser) expectOp(op, context string) token {
	t := p.peek()
	if !t.isOp(op) {
		p.unexpected(t, "'"+op+"' "+context)
	}
	return p.next()
}

// expectEnd fails on anything left in the statement.
func (p *stmtParser) expectEnd(after string) {
	if t := p.peek(); t.kind != tokEOF {
		p.failHint(t.start, diag.Syntax, "a ';' ends each statement",
			"unexpected %s after %s", p.describe(t), after)
	}
}

// checkParens reports an unbalanced parenthesis before anything else, since
// every later error would be a consequence of it.
func (p *stmtParser) checkParens() {
	var stack []token
	for _, t := range p.toks {
		switch {
		case t.isOp("("):
			stack = append(stack, t)
		case t.isOp(")"):
			if len(stack) == 0 {
				p.mrParenError()
				p.failHint(t.start, diag.Syntax, "remove it, or add the '(' it should close", "unexpected ')': no '(' to close")
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		p.mrParenError()
		p.failHint(stack[len(stack)-1].start, diag.Syntax, "add the missing ')'", "'(' is never closed")
	}
}

// name parses one unqualified name (bare or backquoted).
func (p *stmtParser) name(what string) Ident {
	t := p.peek()
	if t.kind != tokIdent && t.kind != tokQuotedIdent {
		p.unexpected(t, what)
	}
	p.next()
	return Ident{Parts: []string{t.val}, Pos: t.start}
}

// ident parses a possibly qualified name: a.b.c, parts bare or backquoted.
func (p *stmtParser) ident(what string) Ident {
	id := p.name(what)
	for p.peek().isOp(".") {
		p.next()
		t := p.peek()
		if t.kind != tokIdent && t.kind != tokQuotedIdent {
			p.unexpected(t, "a name after '.'")
		}
		p.next()
		id.Parts = append(id.Parts, t.val)
	}
	return id
}

// identList parses "(a, b, ...)".
func (p *stmtParser) identList(context string) []Ident {
	p.expectOp("(", context)
	var ids []Ident
	for {
		ids = append(ids, p.name("a column name"))
		if p.acceptOp(",") {
			continue
		}
		p.expectOp(")", "or ',' in the column list")
		return ids
	}
}

// bareword reads a key or value written without quotes: adjacent tokens
// such as kafka.brokers, sink.delivery-guarantee, localhost:19092, -1.
// ok is false when the next token cannot start one.
func (p *stmtParser) bareword() (text string, pos int, ok bool) {
	first := p.peek()
	switch {
	case first.kind == tokIdent || first.kind == tokNumber:
	case first.isOp("-") && p.peekN(1).kind == tokNumber && p.peekN(1).start == first.end:
	default:
		return "", 0, false
	}
	p.next()
	last := first
	for {
		t := p.peek()
		if t.start != last.end {
			break
		}
		if t.kind != tokIdent && t.kind != tokNumber && !t.isOp(".") && !t.isOp("-") && !t.isOp(":") && !t.isOp("/") {
			break
		}
		last = p.next()
	}
	return p.src.Text[first.start:last.end], first.start, true
}

// keyOrValue reads a quoted string, a backquoted name or a bareword.
func (p *stmtParser) keyOrValue() (string, int, bool) {
	if t := p.peek(); t.kind == tokString || t.kind == tokQuotedIdent {
		p.next()
		return t.val, t.start, true
	}
	return p.bareword()
}

var statementKeywords = []string{"SELECT", "WITH", "CREATE", "INSERT", "SET", "RESET", "SHOW",
	"DESCRIBE", "DESC", "EXPLAIN", "DROP", "STOP", "ALTER", "CALL"}

func (p *stmtParser) parseStatement() Statement {
	t := p.peek()
	switch {
	case t.is("SELECT") || t.is("WITH") || t.isOp("("):
		q := p.query(p.p)
		return &QueryStmt{Node: Node{q.Start, q.End}, Query: q}
	case t.is("SET"):
		return p.parseSet()
	case t.is("RESET"):
		return p.parseReset()
	case t.is("SHOW"):
		return p.parseShow()
	case t.is("DESCRIBE") || t.is("DESC"):
		return p.parseDescribe()
	case t.is("EXPLAIN"):
		p.next()
		inner := p.peek()
		if !(inner.is("SELECT") || inner.is("WITH") || inner.isOp("(") || inner.is("CREATE") || inner.is("INSERT")) {
			p.unexpected(inner, "a query, CREATE SINK or INSERT INTO after EXPLAIN", "SELECT", "WITH", "CREATE", "INSERT")
		}
		if n := p.peekN(1); inner.is("CREATE") && !n.is("SINK") {
			p.fail(n.start, diag.Unsupported, "EXPLAIN takes a query, CREATE SINK or INSERT INTO, not CREATE %s", p.src.Text[n.start:n.end])
		}
		st := p.parseStatement()
		return &ExplainStmt{Node: Node{t.start, p.end()}, Stmt: st}
	case t.is("CREATE"):
		return p.parseCreate()
	case t.is("INSERT"):
		return p.parseInsert()
	case t.is("DROP"):
		return p.parseDrop()
	case t.is("STOP"):
		return p.parseStop()
	case t.is("ALTER"):
		return p.parseAlter()
	case t.is("CALL"):
		return p.parseCall()
	}
	hint := "statements start with " + strings.Join(statementKeywords, ", ")
	if t.kind == tokIdent {
		if c := connectors.Closest(t.val, statementKeywords); c != "" {
			hint = fmt.Sprintf("did you mean %s?", c)
		}
		p.failHint(t.start, diag.Syntax, hint, "unknown statement '%s'", t.val)
	}
	p.failHint(t.start, diag.Syntax, hint, "expected a statement, found %s", p.describe(t))
	return nil
}

func (p *stmtParser) parseSet() Statement {
	t := p.next()
	s := &SetStmt{Node: Node{t.start, p.end()}}
	if p.peek().kind == tokEOF {
		return s
	}
	key, pos, ok := p.keyOrValue()
	if !ok {
		p.unexpected(p.peek(), "a setting name after SET, like 'kafka.brokers'")
	}
	s.Key, s.KeyPos = key, pos
	if !p.acceptOp("=") {
		p.failHint(p.peek().start, diag.Syntax, "SET 'key' = 'value'", "expected '=' after SET %s, found %s", key, p.describe(p.peek()))
	}
	val, _, ok := p.keyOrValue()
	if !ok {
		p.failHint(p.peek().start, diag.Syntax, "SET 'key' = 'value'", "missing value for setting '%s'", key)
	}
	s.Value = val
	p.expectEnd("SET " + key)
	return s
}

func (p *stmtParser) parseReset() Statement {
	t := p.next()
	s := &ResetStmt{Node: Node{t.start, p.end()}}
	if p.peek().kind == tokEOF {
		return s
	}
	key, pos, ok := p.keyOrValue()
	if !ok {
		p.unexpected(p.peek(), "a setting name after RESET")
	}
	s.Key, s.KeyPos = key, pos
	p.expectEnd("RESET " + key)
	return s
}

var showTargets = []string{"SOURCES", "TABLES", "SINKS", "VIEWS", "FUNCTIONS", "JOBS", "CATALOGS"}

func (p *stmtParser) parseShow() Statement {
	t := p.next()
	w := p.peek()
	what := ""
	for _, s := range showTargets {
		if w.is(s) {
			what = s
		}
	}
	if what == "" {
		p.unexpected(w, strings.Join(showTargets, ", ")+" after SHOW", showTargets...)
	}
	p.next()
	s := &ShowStmt{Node: Node{t.start, p.end()}, What: what}
	if p.accept("FROM") || p.accept("IN") {
		id := p.ident("a catalog or database name after FROM")
		s.From = &id
	}
	p.expectEnd("SHOW " + what)
	return s
}

func (p *stmtParser) parseDescribe() Statement {
	t := p.next()
	s := &DescribeStmt{Node: Node{t.start, p.end()}}
	if p.peek().is("JOB") && p.peekN(1).kind != tokEOF {
		p.next()
		s.Job = true
		if id, pos, ok := p.keyOrValue(); ok {
			s.Name = Ident{Parts: []string{id}, Pos: pos}
		} else {
			s.Name = p.name("a job id after DESCRIBE JOB")
		}
		p.expectEnd("DESCRIBE JOB")
		return s
	}
	s.Name = p.ident("a name after DESCRIBE")
	p.expectEnd("DESCRIBE " + s.Name.String())
	return s
}

var dropTargets = []string{"SOURCE", "TABLE", "SINK", "VIEW", "CATALOG"}

func (p *stmtParser) parseDrop() Statement {
	t := p.next()
	w := p.peek()
	what := ""
	for _, s := range dropTargets {
		if w.is(s) {
			what = s
		}
	}
	if what == "" {
		p.unexpected(w, strings.Join(dropTargets, ", ")+" after DROP", dropTargets...)
	}
	p.next()
	s := &DropStmt{Node: Node{t.start, p.end()}, What: what}
	if p.accept("IF") {
		p.expect("EXISTS", "after DROP "+what+" IF")
		s.IfExists = true
	}
	s.Name = p.ident("the name of the " + strings.ToLower(what) + " to drop")
	p.expectEnd("DROP " + what + " " + s.Name.String())
	return s
}

func (p *stmtParser) parseStop() Statement {
	t := p.next()
	p.expect("JOB", "after STOP")
	id, pos, ok := p.keyOrValue()
	if !ok {
		p.unexpected(p.peek(), "a job id after STOP JOB")
	}
	p.expectEnd("STOP JOB " + id)
	return &StopJobStmt{Node: Node{t.start, p.end()}, JobID: id, Pos: pos}
}

func (p *stmtParser) parseInsert() Statement {
	t := p.next()
	p.expect("INTO", "after INSERT")
	s := &InsertStmt{Node: Node{t.start, p.end()}}
	s.Table = p.ident("the name of the table to insert into")
	if p.peek().isOp("(") && !isQueryStart(p.peekN(1)) {
		s.Columns = p.identList("before the column list")
	}
	if !isQueryStart(p.peek()) {
		p.unexpected(p.peek(), "a query (SELECT ...) after INSERT INTO "+s.Table.String(), "SELECT", "WITH")
	}
	s.Query = p.query(p.p)
	return s
}

func isQueryStart(t token) bool { return t.is("SELECT") || t.is("WITH") || t.isOp("(") }
