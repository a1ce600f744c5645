package parser

import (
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/types"
)

var createTargets = []string{"SOURCE", "TABLE", "SINK", "VIEW", "CATALOG"}

func (p *stmtParser) parseCreate() Statement {
	t := p.next()
	orReplace := false
	if p.accept("OR") {
		p.expect("REPLACE", "after CREATE OR")
		orReplace = true
	}
	w := p.peek()
	what := ""
	for _, s := range createTargets {
		if w.is(s) {
			what = s
		}
	}
	if what == "" {
		p.unexpected(w, strings.Join(createTargets, ", ")+" after CREATE", createTargets...)
	}
	p.next()
	if orReplace && (what == "SINK" || what == "CATALOG") {
		p.fail(w.start, diag.Unsupported, "CREATE OR REPLACE %s is not supported", what)
	}
	ifNotExists := false
	if p.accept("IF") {
		p.expect("NOT", "after IF")
		p.expect("EXISTS", "after IF NOT")
		ifNotExists = true
	}
	name := p.ident("the name of the " + strings.ToLower(what))
	node := Node{t.start, p.end()}
	switch what {
	case "SOURCE", "TABLE":
		s := &CreateRelationStmt{Node: node, Table: what == "TABLE", Name: name, IfNotExists: ifNotExists, OrReplace: orReplace}
		p.parseRelation(s)
		return s
	case "SINK":
		s := &CreateSinkStmt{Node: node, Name: name, IfNotExists: ifNotExists}
		if p.peek().is("WITH") {
			s.WithPos = p.peek().start
			p.next()
			s.Options = p.options()
		}
		if !p.accept("AS") {
			hint := "CREATE SINK name WITH ('connector' = ...) AS SELECT ..."
			if isQueryStart(p.peek()) {
				p.failHint(p.peek().start, diag.Syntax, hint, "missing AS before the query of CREATE SINK %s", name)
			}
			p.unexpected(p.peek(), "WITH (...) or AS after CREATE SINK "+name.String(), "WITH", "AS")
		}
		if !isQueryStart(p.peek()) {
			p.unexpected(p.peek(), "a query (SELECT ...) after AS", "SELECT", "WITH")
		}
		s.Query = p.query(p.p)
		return s
	case "VIEW":
		s := &CreateViewStmt{Node: node, Name: name, IfNotExists: ifNotExists, OrReplace: orReplace}
		if p.peek().isOp("(") {
			s.Columns = p.identList("before the column names")
		}
		if !p.accept("AS") {
			if isQueryStart(p.peek()) {
				p.failHint(p.peek().start, diag.Syntax, "CREATE VIEW name AS SELECT ...", "missing AS before the query of CREATE VIEW %s", name)
			}
			p.unexpected(p.peek(), "AS after CREATE VIEW "+name.String(), "AS")
		}
		if !isQueryStart(p.peek()) {
			p.unexpected(p.peek(), "a query (SELECT ...) after AS", "SELECT", "WITH")
		}
		s.Query = p.query(p.p)
		return s
	}
	s := &CreateCatalogStmt{Node: node, Name: name, IfNotExists: ifNotExists}
	w = p.peek()
	if !w.is("WITH") {
		p.unexpected(w, "WITH (...) after CREATE CATALOG "+name.String(), "WITH")
	}
	p.next()
	s.WithPos = w.start
	s.Options = p.options()
	p.expectEnd("CREATE CATALOG " + name.String())
	return s
}

// parseRelation parses the rest of CREATE SOURCE/TABLE, from the column list.
func (p *stmtParser) parseRelation(s *CreateRelationStmt) {
	kind := "CREATE SOURCE "
	if s.Table {
		kind = "CREATE TABLE "
	}
	if !p.peek().isOp("(") {
		p.unexpected(p.peek(), "'(' and the column list after "+kind+s.Name.String())
	}
	p.next()
	for {
		if t := p.peek(); t.isOp(")") {
			if len(s.Columns) == 0 {
				p.fail(t.start, diag.Syntax, "expected a column definition, found ')'")
			}
			p.failHint(p.toks[p.p-1].start, diag.Syntax, "remove the ','", "trailing ',' before ')'")
		}
		p.tableElement(s)
		if p.acceptOp(",") {
			continue
		}
		if p.peek().isOp(")") {
			p.next()
			break
		}
		t := p.peek()
		hint := ""
		if t.kind == tokIdent || t.kind == tokQuotedIdent {
			hint = "missing ',' between column definitions?"
		}
		p.failHint(t.start, diag.Syntax, hint, "expected ',' or ')' after the column definition, found %s", p.describe(t))
	}
	clauses := []string{"COMMENT", "PARTITIONED", "WITH"}
	seen := map[string]bool{}
	for p.peek().kind != tokEOF {
		t := p.peek()
		var c string
		for _, k := range clauses {
			if t.is(k) {
				c = k
			}
		}
		if c == "" {
			p.unexpected(t, "COMMENT, PARTITIONED BY or WITH (...) after the column list", clauses...)
		}
		if seen[c] {
			p.fail(t.start, diag.Syntax, "%s given twice", c)
		}
		seen[c] = true
		p.next()
		switch c {
		case "COMMENT":
			s.Comment = p.stringLit("the comment text after COMMENT")
		case "PARTITIONED":
			p.expect("BY", "after PARTITIONED")
			p.expectOp("(", "after PARTITIONED BY")
			for {
				s.PartitionedBy = append(s.PartitionedBy, p.exprUntilComma())
				if p.acceptOp(",") {
					continue
				}
				p.expectOp(")", "or ',' in PARTITIONED BY")
				break
			}
		case "WITH":
			s.WithPos = t.start
			s.Options = p.options()
		}
	}
	if s.Options == nil {
		s.WithPos = p.end()
	}
}

// tableElement parses a column, WATERMARK FOR or PRIMARY KEY.
func (p *stmtParser) tableElement(s *CreateRelationStmt) {
	t, n1 := p.peek(), p.peekN(1)
	switch {
	case t.is("WATERMARK") && n1.is("FOR"):
		p.watermark(s)
		return
	case t.is("PRIMARY") && n1.is("KEY"):
		p.primaryKey(s, t.start)
		return
	case t.is("CONSTRAINT") && (n1.kind == tokIdent || n1.kind == tokQuotedIdent) && p.peekN(2).is("PRIMARY"):
		p.next()
		p.next()
		p.primaryKey(s, p.peek().start)
		return
	case t.kind == tokIdent && n1.is("FOR") && connectors.Closest(t.val, []string{"WATERMARK"}) != "":
		p.failHint(t.start, diag.Syntax, "did you mean WATERMARK?", "unknown clause '%s' in the column list", t.val)
	case t.kind == tokIdent && n1.is("KEY") && connectors.Closest(t.val, []string{"PRIMARY"}) != "":
		p.failHint(t.start, diag.Syntax, "did you mean PRIMARY KEY?", "unknown clause '%s' in the column list", t.val)
	}
	col := p.column(s)
	s.Columns = append(s.Columns, col)
}

func (p *stmtParser) watermark(s *CreateRelationStmt) {
	w := p.next()
	p.next() // FOR
	if s.Watermark != nil {
		p.fail(w.start, diag.Semantic, "only one WATERMARK is allowed per %s", map[bool]string{true: "table", false: "source"}[s.Table])
	}
	col := p.name("the time column after WATERMARK FOR")
	if !p.accept("AS") {
		p.failHint(p.peek().start, diag.Syntax, "WATERMARK FOR "+col.String()+" AS "+col.String()+" - INTERVAL '5' SECOND",
			"expected AS after WATERMARK FOR %s, found %s", col, p.describe(p.peek()))
	}
	e := p.exprUntilComma()
	s.Watermark = &WatermarkDef{Column: col, Expr: e, Pos: w.start}
}

func (p *stmtParser) primaryKey(s *CreateRelationStmt, pos int) {
	if s.PrimaryKey != nil {
		p.fail(pos, diag.Semantic, "PRIMARY KEY given twice")
	}
	p.next() // PRIMARY
	p.next() // KEY
	s.PrimaryKey = p.identList("after PRIMARY KEY")
	s.PKPos = pos
	p.notEnforced()
}

// notEnforced accepts Flink's NOT ENFORCED (chatsql never enforces keys).
func (p *stmtParser) notEnforced() {
	if p.peek().is("NOT") && p.peekN(1).is("ENFORCED") {
		p.next()
		p.next()
	}
}

// column parses "name TYPE [NOT NULL] [METADATA [FROM 'key'] [VIRTUAL]]
// [COMMENT '...'] [PRIMARY KEY [NOT ENFORCED]]" or "name AS expr [COMMENT '...']".
func (p *stmtParser) column(s *CreateRelationStmt) ColumnDef {
	col := ColumnDef{Name: p.name("a column name")}
	if p.accept("AS") {
		col.Computed, col.Comment = p.exprWithComment()
		return col
	}
	col.Type, col.TypePos = p.typ(col.Name.String())
	for {
		t := p.peek()
		switch {
		case t.is("NOT") && p.peekN(1).is("NULL"):
			p.next()
			p.next()
			col.Type.NotNull = true
		case t.is("NULL"):
			p.next()
		case t.is("METADATA"):
			p.next()
			md := &MetadataDef{KeyPos: t.start}
			if p.accept("FROM") {
				kt := p.peek()
				md.Key = p.stringLit("the metadata key after METADATA FROM, like 'offset'")
				md.KeyPos = kt.start
			}
			md.Virtual = p.accept("VIRTUAL")
			col.Metadata = md
		case t.is("COMMENT"):
			p.next()
			col.Comment = p.stringLit("the comment text after COMMENT")
		case t.is("PRIMARY") && p.peekN(1).is("KEY"):
			if s == nil {
				p.fail(t.start, diag.Unsupported, "PRIMARY KEY cannot be added with ALTER TABLE")
			}
			if s.PrimaryKey != nil {
				p.fail(t.start, diag.Semantic, "PRIMARY KEY given twice")
			}
			p.next()
			p.next()
			s.PrimaryKey, s.PKPos = []Ident{col.Name}, t.start
			p.notEnforced()
		default:
			return col
		}
	}
}

// typeWords continue a type name over several words.
var typeWords = map[string]bool{"PRECISION": true, "VARYING": true}

// typ parses a type, e.g. VARCHAR, DECIMAL(10, 2), TIMESTAMP(3) WITH LOCAL
// TIME ZONE, and checks it with types.ParseType.
func (p *stmtParser) typ(column string) (types.Type, int) {
	first := p.peek()
	if first.kind != tokIdent {
		if first.isOp(",") || first.isOp(")") || first.kind == tokEOF {
			p.failHint(first.start, diag.Syntax, "write '"+column+" VARCHAR', or '"+column+" AS <expression>' for a computed column",
				"missing type for column %s", column)
		}
		p.unexpected(first, "a type for column "+column)
	}
	p.next()
	last := first
	for typeWords[strings.ToUpper(p.peek().val)] && p.peek().kind == tokIdent {
		last = p.next()
	}
	if p.peek().isOp("(") {
		for !p.peek().isOp(")") && p.peek().kind != tokEOF {
			p.next()
		}
		last = p.next()
	}
	switch {
	case p.peek().is("WITH") && (p.peekN(1).is("LOCAL") || p.peekN(1).is("TIME")):
		p.next()
		p.accept("LOCAL")
		p.expect("TIME", "in WITH LOCAL TIME ZONE")
		last = p.expect("ZONE", "in WITH LOCAL TIME ZONE")
	case p.peek().is("WITHOUT"):
		p.next()
		p.expect("TIME", "in WITHOUT TIME ZONE")
		last = p.expect("ZONE", "in WITHOUT TIME ZONE")
	}
	text := strings.Join(strings.Fields(p.src.Text[first.start:last.end]), " ")
	t, err := types.ParseType(text)
	if err != nil {
		for _, n := range types.TypeNames {
			if strings.EqualFold(n, first.val) {
				detail := err.Error()
				if i := strings.Index(detail, "\": "); i >= 0 {
					detail = detail[i+3:]
				}
				p.fail(first.start, diag.Type, "bad type %s: %s", text, detail)
			}
		}
		e := diag.Errorf(p.src, first.start, diag.UnknownName, "unknown type '%s'", first.val)
		if c := connectors.Closest(first.val, types.TypeNames); c != "" {
			e = e.WithHint("did you mean %s?", c)
		} else {
			e = e.WithHint("known types: BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL(p, s), VARCHAR, STRING, TIMESTAMP(3), TIMESTAMP_LTZ(3), DATE, JSON")
		}
		panic(bailout{e})
	}
	return t, first.start
}

// stringLit consumes a quoted string.
func (p *stmtParser) stringLit(what string) string {
	t := p.peek()
	if t.kind != tokString {
		p.unexpected(t, what)
	}
	p.next()
	return t.val
}

// exprEnd finds the index of the first ',' or unmatched ')' at the top
// level from the current token: the end of a table element's expression.
func (p *stmtParser) exprEnd() int {
	depth := 0
	for k := p.p; ; k++ {
		t := p.toks[k]
		switch {
		case t.kind == tokEOF:
			return k
		case t.isOp("("):
			depth++
		case t.isOp(")"):
			if depth == 0 {
				return k
			}
			depth--
		case t.isOp(",") && depth == 0:
			return k
		}
	}
}

// exprUntilComma parses the expression that runs to the next top-level ','
// or ')'.
func (p *stmtParser) exprUntilComma() *Expr {
	e, _ := p.exprTo(p.exprEnd(), false)
	return e
}

// exprWithComment is exprUntilComma for computed columns, which may end in
// COMMENT '...'.
func (p *stmtParser) exprWithComment() (*Expr, string) {
	return p.exprTo(p.exprEnd(), true)
}

func (p *stmtParser) exprTo(end int, comment bool) (*Expr, string) {
	text, hasComment := "", false
	if comment && end-p.p >= 2 && p.toks[end-2].is("COMMENT") && p.toks[end-1].kind == tokString {
		text, hasComment = p.toks[end-1].val, true
		end -= 2
	}
	if end == p.p {
		p.fail(p.peek().start, diag.Syntax, "expected an expression, found %s", p.describe(p.peek()))
	}
	e, err := parseExpr(p.src, p.toks[p.p].start, p.toks[end-1].end)
	if err != nil {
		panic(bailout{err})
	}
	p.p = end
	if hasComment {
		p.p += 2
	}
	return e, text
}

// options parses ('key' = 'value', ...) after WITH; keys and values may be
// written without quotes (kafka.brokers = localhost:19092).
func (p *stmtParser) options() []Option { return p.optionsAfter("WITH") }

// optionsAfter is options after the keyword(s) after (WITH, or SET of
// ALTER TABLE).
func (p *stmtParser) optionsAfter(after string) []Option {
	p.expectOp("(", "after "+after)
	opts := []Option{}
	if p.acceptOp(")") {
		return opts
	}
	for {
		if t := p.peek(); t.isOp(")") {
			p.failHint(p.toks[p.p-1].start, diag.Syntax, "remove the ','", "trailing ',' before ')' in %s (...)", after)
		}
		key, kpos, ok := p.keyOrValue()
		if !ok {
			p.unexpected(p.peek(), "an option name, like 'connector'")
		}
		if !p.acceptOp("=") {
			t := p.peek()
			p.failHint(t.start, diag.Syntax, "'"+key+"' = 'value'", "expected '=' after option '%s', found %s", key, p.describe(t))
		}
		val, vpos, ok := p.keyOrValue()
		if !ok {
			t := p.peek()
			if t.isOp(",") || t.isOp(")") {
				p.failHint(t.start, diag.Syntax, "'"+key+"' = 'value'", "missing value for option '%s'", key)
			}
			p.unexpected(t, "a value for option '"+key+"'")
		}
		opts = append(opts, Option{Key: key, Value: val, KeyPos: kpos, ValPos: vpos})
		if p.acceptOp(",") {
			continue
		}
		if p.acceptOp(")") {
			return opts
		}
		t := p.peek()
		hint := ""
		if t.kind == tokString || t.kind == tokIdent {
			hint = "missing ',' between options?"
		}
		p.failHint(t.start, diag.Syntax, hint, "expected ',' or ')' after option '%s', found %s", key, p.describe(t))
	}
}

// parseAlter parses ALTER TABLE name ADD [COLUMN] col TYPE ..., or
// ADD (col TYPE, ...), or Flink's SET ('key' = 'value', ...) and
// RESET ('key', ...) of table properties.
func (p *stmtParser) parseAlter() Statement {
	t := p.next()
	p.expect("TABLE", "after ALTER")
	s := &AlterTableStmt{Node: Node{t.start, p.end()}}
	s.Table = p.ident("the name of the table to alter")
	switch {
	case p.accept("SET"):
		s.SetProperties = p.optionsAfter("ALTER TABLE ... SET")
		if len(s.SetProperties) == 0 {
			p.fail(p.toks[p.p-1].start, diag.Syntax, "ALTER TABLE ... SET () names no property")
		}
		p.expectEnd("ALTER TABLE " + s.Table.String() + " SET (...)")
		return s
	case p.accept("RESET"):
		p.expectOp("(", "after ALTER TABLE ... RESET")
		for {
			key, pos, ok := p.keyOrValue()
			if !ok {
				p.unexpected(p.peek(), "a property name, like 'commit.manifest-merge.enabled'")
			}
			s.ResetProperties = append(s.ResetProperties, Option{Key: key, KeyPos: pos})
			if p.acceptOp(",") {
				continue
			}
			p.expectOp(")", "or ',' after the property name")
			break
		}
		p.expectEnd("ALTER TABLE " + s.Table.String() + " RESET (...)")
		return s
	}
	p.expect("ADD", "after ALTER TABLE "+s.Table.String()+" (ADD COLUMN, SET (...) or RESET (...))")
	if p.acceptOp("(") {
		for {
			s.AddColumns = append(s.AddColumns, p.plainColumn())
			if p.acceptOp(",") {
				continue
			}
			p.expectOp(")", "or ',' after the column definition")
			break
		}
	} else {
		p.accept("COLUMN")
		s.AddColumns = append(s.AddColumns, p.plainColumn())
	}
	p.expectEnd("ALTER TABLE " + s.Table.String())
	return s
}

// plainColumn is a physical column for ALTER TABLE: name TYPE [NOT NULL]
// [COMMENT '...'].
func (p *stmtParser) plainColumn() ColumnDef {
	pos := p.peek().start
	col := p.column(nil)
	if col.Computed != nil || col.Metadata != nil {
		p.fail(pos, diag.Unsupported, "ALTER TABLE ADD takes physical columns only")
	}
	return col
}
