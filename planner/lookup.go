package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Reference tables: a table with a PRIMARY KEY (a Kafka topic read with
// 'mode' = 'upsert', or a bounded file whose rows upsert their key) read by
// a temporal join (JOIN t FOR SYSTEM_TIME AS OF ...) or by a subquery in an
// expression (EXISTS, scalar, aggregate, IN). Both become a Lookup node
// over the stream; it is lowered to a plan.KindLookup node whose second
// input reads the table as a changelog.

// Lookup reads a reference table for every row of In: a temporal join
// (output: In's columns, then the table's) or a subquery (output: In's
// columns, then the subquery's value as column Name).
type Lookup struct {
	In    Logical
	Rel   *Relation
	Alias string
	// Cfg is the lookup without its Table (filled in when lowered).
	Cfg  *plan.LookupConfig
	AsOf string     // the AS OF expression as written (joins)
	Name string     // the appended column (subqueries)
	T    types.Type // its type
}

func (l *Lookup) Schema() types.Schema {
	s := l.In.Schema()
	cols := append([]types.Column(nil), s.Columns...)
	if l.Cfg.Mode == plan.LookupJoin {
		for _, c := range l.Rel.Schema().Columns {
			if l.Cfg.Outer {
				c.Type = c.Type.Nullable()
			}
			cols = append(cols, c)
		}
	} else {
		cols = append(cols, types.Column{Name: l.Name, Type: l.T})
	}
	return types.Schema{Columns: cols, TimeAttr: s.TimeAttr}
}
func (l *Lookup) Inputs() []Logical { return []Logical{l.In} }
func (l *Lookup) String() string {
	if l.Cfg.Mode == plan.LookupJoin {
		return fmt.Sprintf("Lookup(join %s AS OF %s)", l.Rel.Name, l.AsOf)
	}
	return fmt.Sprintf("Lookup(%s %s AS %s)", l.Cfg.Mode, l.Rel.Name, l.Name)
}

// subqueryPlan is expr.Subquery's Plan: a bound subquery whose
// expressions read the enclosing row (Width columns) then the table's.
type subqueryPlan struct {
	Rel   *Relation
	Alias string
	Cfg   *plan.LookupConfig
	Width int
}

// isUpsertTable reports whether rel is a Kafka table read with 'mode' =
// 'upsert': a changelog, not a stream.
func isUpsertTable(rel *Relation) bool {
	return rel.Connector == "kafka" && strings.EqualFold(strings.TrimSpace(rel.Options["mode"]), "upsert")
}

// isChangelogTable reports whether a reference table's source is read as
// a changelog with its records' times: an upsert Kafka table, or an
// Iceberg table (each row a version from the commit of its snapshot).
func isChangelogTable(rel *Relation) bool {
	return isUpsertTable(rel) || rel.Connector == icebergConnector
}

// referenceTableParts is referenceTable for a possibly qualified name: a
// name of two or more parts that is not a catalog object is an Iceberg
// table.
func (p *Planner) referenceTableParts(src *diag.Source, parts []string, pos int, what string) (*Relation, *diag.Error) {
	name := strings.Join(parts, ".")
	if len(parts) > 1 {
		if _, ok := p.Catalog.Lookup(name); !ok {
			rel, err := p.lakeTable(src, parser.Ident{Parts: parts, Pos: pos})
			if err != nil {
				return nil, err
			}
			if len(rel.PrimaryKey) == 0 {
				return nil, diag.Errorf(src, pos, diag.Semantic, "Iceberg table '%s' has no identifier fields: %s reads a table kept by its primary key", rel.Name, what).
					WithHint("declare it: CREATE TABLE t (..., PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'iceberg', 'catalog' = '%s', 'table' = '%s')",
						rel.Options["catalog"], rel.Options["table"])
			}
			return rel, nil
		}
	}
	return p.referenceTable(src, name, pos, what)
}

const refTableHint = "a reference table is declared with a PRIMARY KEY: CREATE TABLE t (..., PRIMARY KEY (k) NOT ENFORCED) " +
	"WITH ('connector' = 'kafka', 'mode' = 'upsert', ...), or a 'file' table whose rows upsert their key"

// referenceTable finds the reference table name (at pos in src) for a
// temporal join or subquery (what).
func (p *Planner) referenceTable(src *diag.Source, name string, pos int, what string) (*Relation, *diag.Error) {
	obj, ok := p.Catalog.Lookup(name)
	if !ok {
		e := diag.Errorf(src, pos, diag.UnknownName, "unknown table '%s'", name)
		if p.Catalog.Failed(name) {
			e.Msg, e.Consequence = fmt.Sprintf("'%s' could not be created (see the error above)", name), true
			return nil, e
		}
		var cands []string
		for _, n := range p.Catalog.Names(KindSource, KindTable) {
			if o, _ := p.Catalog.Lookup(n); o != nil && len(o.(*Relation).PrimaryKey) > 0 {
				cands = append(cands, n)
			}
		}
		if m := connectors.Closest(name, cands); m != "" {
			e.WithHint("did you mean '%s'?", m)
		} else {
			e.WithHint("%s", refTableHint)
		}
		return nil, e
	}
	rel, ok := obj.(*Relation)
	if !ok {
		return nil, diag.Errorf(src, pos, diag.Semantic, "'%s' is a %s: %s reads a table with a PRIMARY KEY", name, KindOf(obj), what).
			WithHint("%s", refTableHint)
	}
	if len(rel.PrimaryKey) == 0 {
		return nil, diag.Errorf(src, pos, diag.Semantic, "'%s' has no PRIMARY KEY: %s reads a reference table, kept by its primary key", rel.Name, what).
			WithHint("%s", refTableHint)
	}
	switch {
	case rel.Connector == "kafka" && !isUpsertTable(rel):
		return nil, diag.Errorf(src, pos, diag.Semantic, "Kafka table '%s' is read as a stream: %s needs 'mode' = 'upsert'", rel.Name, what).
			WithHint("add 'mode' = 'upsert' to its WITH options: a record upserts the row of its key, a tombstone deletes it")
	case rel.Connector != "kafka" && rel.Connector != "file" && rel.Connector != icebergConnector:
		return nil, diag.Errorf(src, pos, diag.Unsupported, "connector '%s' cannot hold a reference table", rel.Connector).
			WithHint("use a Kafka table with 'mode' = 'upsert', a 'file' table or an Iceberg table")
	}
	return rel, nil
}

// joinPos finds where the join of table name is written: its JOIN (or
// ',') keyword, else the name.
func (qc *queryCtx) joinPos(name string) int {
	text := qc.span.q.Rewritten
	lt := strings.ToLower(text)
	ln := strings.ToLower(name)
	for _, kw := range []string{"join", ","} {
		for from := 0; ; {
			i := strings.Index(lt[from:], kw)
			if i < 0 {
				break
			}
			i += from
			from = i + len(kw)
			rest := strings.TrimLeft(lt[from:], " \t\r\n`")
			if strings.HasPrefix(rest, ln) && (len(rest) == len(ln) || !isWordByte(rest[len(ln)])) {
				return qc.span.offset(i)
			}
		}
	}
	return qc.findWord(name, qc.span.q.Start)
}

// bindJoin binds FROM left JOIN t FOR SYSTEM_TIME AS OF ... ON ...: the
// only joins there are, temporal joins against a reference table.
func (qc *queryCtx) bindJoin(j *ast.Join) (Logical, *scope, error) {
	src := qc.span.q.Src
	rts, _ := j.Right.(*ast.TableSource)
	var rname string
	namePos := -1 // where the right side's name is, when known
	var tt *parser.TemporalTable
	if rts != nil {
		if tn, ok := rts.Source.(*ast.TableName); ok {
			rname = tn.Name.O
			if tn.Schema.O == "" {
				tt = qc.span.q.Temporal[tn.Name.L]
			}
			namePos = qc.span.q.TableName(tn).Pos
		}
	}
	at := qc.span.q.Start
	if tt != nil {
		namePos = tt.Name.Pos
	}
	if namePos >= 0 {
		at = namePos
		before := strings.TrimRight(src.Text[qc.span.q.Start:namePos], " \t\r\n")
		if strings.HasSuffix(before, ",") {
			at = qc.span.q.Start + len(before) - 1
		} else if i := strings.LastIndex(strings.ToUpper(before), "JOIN"); i >= 0 {
			at = qc.span.q.Start + i
		}
	} else if rname != "" {
		at = qc.joinPos(rname)
	}
	joinHint := "a temporal join reads a table with a PRIMARY KEY: JOIN t FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k (or AS OF PROCTIME())"
	// TiDB reads FULL JOIN as an alias FULL followed by JOIN
	if l := rightmost(j.Left); l != nil && l.AsName.L == "full" {
		return nil, nil, diag.Errorf(src, qc.findWord("FULL", at), diag.Unsupported, "FULL JOIN is not supported").
			WithHint("a temporal join keeps the stream's rows: JOIN or LEFT JOIN")
	}
	switch {
	case j.Tp == ast.RightJoin:
		return nil, nil, diag.Errorf(src, qc.findWord("RIGHT", at), diag.Unsupported, "RIGHT JOIN is not supported").
			WithHint("a temporal join keeps the stream's rows: JOIN or LEFT JOIN, with the stream on the left")
	case j.NaturalJoin:
		return nil, nil, diag.Errorf(src, qc.findWord("NATURAL", at), diag.Unsupported, "NATURAL JOIN is not supported").
			WithHint("write the condition: %s", joinHint)
	case tt == nil && j.On == nil && len(j.Using) == 0:
		return nil, nil, diag.Errorf(src, at, diag.Unsupported, "CROSS joins (and joins by ',') are not supported").
			WithHint("%s", joinHint)
	case tt == nil:
		return nil, nil, diag.Errorf(src, at, diag.Unsupported,
			"regular joins between streams are not supported; join a table with PRIMARY KEY with FOR SYSTEM_TIME AS OF").
			WithHint("%s", joinHint)
	case len(j.Using) > 0:
		return nil, nil, diag.Errorf(src, qc.findWord("USING", at), diag.Unsupported, "USING is not supported in a temporal join").
			WithHint("write ON s.k = r.k")
	case j.On == nil:
		return nil, nil, diag.Errorf(src, tt.Pos, diag.Semantic, "a temporal join needs ON <condition>").
			WithHint("%s", joinHint)
	}
	// the left side
	var left Logical
	var lsc *scope
	var err error
	switch l := j.Left.(type) {
	case *ast.Join:
		left, lsc, err = qc.bindFrom(l)
	case *ast.TableSource:
		left, lsc, err = qc.bindTableSource(l)
	default:
		err = diag.Errorf(src, at, diag.Unsupported, "unsupported FROM clause")
	}
	if err != nil {
		return nil, nil, err
	}
	rel, derr := qc.p.referenceTableParts(src, tt.Name.Parts, tt.Name.Pos, "a temporal join")
	if derr != nil {
		return nil, nil, derr
	}
	alias := tt.Alias
	if alias == "" {
		alias = tt.Name.Parts[len(tt.Name.Parts)-1] // the table's own name, as in FROM
	}
	ls := left.Schema()
	cfg := &plan.LookupConfig{Mode: plan.LookupJoin, Outer: j.Tp == ast.LeftJoin, Correlated: true}

	// AS OF: the left side's time attribute, or PROCTIME()
	ab := &binder{p: qc.p, span: exprSpan{tt.AsOf}, scope: lsc, what: "FOR SYSTEM_TIME AS OF"}
	asOf, err := ab.bind(tt.AsOf.Node)
	if err != nil {
		return nil, nil, err
	}
	timeName := ""
	if ls.TimeAttr >= 0 {
		timeName = ls.Columns[ls.TimeAttr].Name
	}
	switch x := asOf.(type) {
	case *expr.Call:
		if !strings.EqualFold(x.Fn.Name, "PROCTIME") {
			return nil, nil, asOfError(src, tt, timeName)
		}
	case *expr.Column:
		if x.Index != ls.TimeAttr || ls.TimeAttr < 0 {
			return nil, nil, asOfError(src, tt, timeName)
		}
		if rel.TimeAttr < 0 && !isChangelogTable(rel) {
			return nil, nil, diag.Errorf(src, tt.AsOf.Start, diag.Semantic,
				"an event-time temporal join needs the times of the table's versions, and '%s' has no time attribute", rel.Name).
				WithHint("declare WATERMARK FOR <time column> in '%s' (an upsert Kafka table also has its records' times), "+
					"or join FOR SYSTEM_TIME AS OF PROCTIME() for the latest version", rel.Name)
		}
		cfg.EventTime = x
	default:
		return nil, nil, asOfError(src, tt, timeName)
	}

	// the condition, over the left row then the table's
	tsc := scopeOf(rel.Schema(), alias)
	combined := &scope{cols: append(append([]scopeCol(nil), lsc.cols...), tsc.cols...)}
	ob := &binder{p: qc.p, span: qc.span, scope: combined, what: "join condition"}
	cond, err := ob.bind(j.On.Expr)
	if err != nil {
		return nil, nil, err
	}
	if k := cond.Type().Kind; k != types.KindBoolean && k != types.KindNull {
		return nil, nil, ob.errf(j.On.Expr, diag.Type, "the join condition must be a condition (BOOLEAN), not %s", cond.Type())
	}
	splitCondition(cond, len(lsc.cols), cfg)
	if cfg.Outer {
		for i := range tsc.cols {
			tsc.cols[i].Type = tsc.cols[i].Type.Nullable()
		}
	}
	out := &Lookup{In: left, Rel: rel, Alias: alias, Cfg: cfg, AsOf: tt.AsOf.Text()}
	return out, &scope{cols: append(append([]scopeCol(nil), lsc.cols...), tsc.cols...)}, nil
}

func asOfError(src *diag.Source, tt *parser.TemporalTable, timeName string) *diag.Error {
	e := diag.Errorf(src, tt.AsOf.Start, diag.Semantic,
		"FOR SYSTEM_TIME AS OF must be the left side's time attribute or PROCTIME(), not %s", tt.AsOf.Text())
	if timeName != "" {
		return e.WithHint("FOR SYSTEM_TIME AS OF %s (the version valid at the row's event time), or PROCTIME() (the latest)", timeName)
	}
	return e.WithHint("the left side has no time attribute (WATERMARK): join FOR SYSTEM_TIME AS OF PROCTIME() for the latest version")
}

// rightmost is the last table of a FROM list.
func rightmost(n ast.ResultSetNode) *ast.TableSource {
	switch x := n.(type) {
	case *ast.TableSource:
		return x
	case *ast.Join:
		if x.Right != nil {
			return rightmost(x.Right)
		}
		return rightmost(x.Left)
	}
	return nil
}

// conjuncts flattens ANDs.
func conjuncts(e expr.Expr) []expr.Expr {
	if l, ok := e.(*expr.Logic); ok && l.Op == "AND" {
		return append(conjuncts(l.L), conjuncts(l.R)...)
	}
	return []expr.Expr{e}
}

// reads reports whether e reads a column with index < nl (left) and one
// with index >= nl (table).
func reads(e expr.Expr, nl int) (left, table bool) {
	expr.Any(e, func(x expr.Expr) bool {
		if c, ok := x.(*expr.Column); ok {
			if c.Index < nl {
				left = true
			} else {
				table = true
			}
		}
		return false
	})
	return left, table
}

// shift makes an expression over the combined row one over the table row.
func shift(e expr.Expr, nl int) expr.Expr {
	out, _ := expr.Transform(e, func(x expr.Expr) (expr.Expr, error) {
		if c, ok := x.(*expr.Column); ok {
			return &expr.Column{Index: c.Index - nl, Name: c.Name, T: c.T}, nil
		}
		return x, nil
	})
	return out
}

// splitCondition sorts the conjuncts of cond (over the combined row, nl
// left columns) into cfg's equality keys, contains predicates and the rest.
func splitCondition(cond expr.Expr, nl int, cfg *plan.LookupConfig) {
	var rest []expr.Expr
	for _, c := range conjuncts(cond) {
		if cmp, ok := c.(*expr.Compare); ok && cmp.Op == expr.EQ {
			l, r := cmp.L, cmp.R
			if col, ok := l.(*expr.Column); ok && col.Index >= nl {
				l, r = r, l
			}
			if col, ok := r.(*expr.Column); ok && col.Index >= nl {
				if k, ok := keyOf(l, col.T); ok {
					if _, t := reads(l, nl); !t {
						cfg.LeftKeys = append(cfg.LeftKeys, k)
						cfg.TableKeys = append(cfg.TableKeys, col.Index-nl)
						continue
					}
				}
			}
		}
		if outer, inner, ok := containsPred(c); ok {
			_, ot := reads(outer, nl)
			il, it := reads(inner, nl)
			if !ot && !il && it {
				cfg.Contains = append(cfg.Contains, plan.ContainsPred{Outer: outer, Inner: shift(inner, nl)})
				continue
			}
		}
		rest = append(rest, c)
	}
	for _, r := range rest {
		if cfg.Cond == nil {
			cfg.Cond = r
		} else {
			cfg.Cond = &expr.Logic{Op: "AND", L: cfg.Cond, R: r}
		}
	}
}

// keyOf returns the left side of an equality as a hash key for a table
// column of type t: values of the same kind hash alike, so a key must have
// t's kind (an INT widened to BIGINT is exact); other equalities stay in
// the condition, compared as SQL compares them.
func keyOf(l expr.Expr, t types.Type) (expr.Expr, bool) {
	lt := l.Type()
	switch {
	case lt.Kind == t.Kind && (lt.Kind != types.KindDecimal || lt.Scale == t.Scale):
		return l, true
	case lt.Kind == types.KindInt && t.Kind == types.KindBigInt:
		return fold(&expr.Cast{E: l, To: t.Nullable()}), true
	}
	return nil, false
}

// containsPred recognises "outer contains inner": INSTR(outer, inner) > 0,
// LOCATE(inner, outer) > 0, POSITION(inner IN outer) > 0 (also >= 1,
// <> 0, and with the operands swapped), and
// outer LIKE CONCAT('%', inner, '%').
func containsPred(c expr.Expr) (outer, inner expr.Expr, ok bool) {
	switch x := c.(type) {
	case *expr.Compare:
		call, lit, op := x.L, x.R, x.Op
		if _, isLit := x.L.(*expr.Literal); isLit {
			call, lit = x.R, x.L
			op = map[expr.CmpOp]expr.CmpOp{expr.LT: expr.GT, expr.LE: expr.GE, expr.NE: expr.NE}[x.Op]
		}
		l, isLit := lit.(*expr.Literal)
		if !isLit {
			return nil, nil, false
		}
		v := l.String()
		if !(op == expr.GT && v == "0" || op == expr.GE && v == "1" || op == expr.NE && v == "0") {
			return nil, nil, false
		}
		f, isCall := call.(*expr.Call)
		if !isCall || len(f.Args) != 2 {
			return nil, nil, false
		}
		switch strings.ToUpper(f.Fn.Name) {
		case "INSTR":
			return f.Args[0], f.Args[1], true
		case "LOCATE", "POSITION":
			return f.Args[1], f.Args[0], true
		}
	case *expr.Like:
		if x.Not || x.Fold {
			return nil, nil, false
		}
		f, isCall := x.Pattern.(*expr.Call)
		if !isCall || !strings.EqualFold(f.Fn.Name, "CONCAT") || len(f.Args) != 3 {
			return nil, nil, false
		}
		if isPercent(f.Args[0]) && isPercent(f.Args[2]) {
			return x.E, f.Args[1], true
		}
	}
	return nil, nil, false
}

func isPercent(e expr.Expr) bool {
	l, ok := e.(*expr.Literal)
	return ok && l.V.Kind() == types.KindString && l.V.Str() == "%"
}

// subqueryKind is what a subquery computes.
type subqueryKind int

const (
	subScalar subqueryKind = iota
	subExists
	subIn
)

// subquery binds a subquery in an expression: against one reference
// table, its references resolved first to the table, then to the
// enclosing row (correlation). in is the left operand of IN.
func (b *binder) subquery(sq *ast.SubqueryExpr, kind subqueryKind, in expr.Expr) (expr.Expr, error) {
	src := b.span.source()
	if !b.allowAsync {
		what := b.what
		if b.inSubquery {
			what = "subquery"
		}
		return nil, b.errf(sq, diag.Unsupported, "a subquery cannot be used in a %s", what).
			WithHint("subqueries against reference tables are allowed in SELECT lists and WHERE clauses")
	}
	sel, ok := sq.Query.(*ast.SelectStmt)
	if !ok {
		return nil, b.errf(sq, diag.Unsupported, "UNION, INTERSECT and EXCEPT are not supported in a subquery")
	}
	shape := "a subquery reads one reference table: (SELECT value FROM t WHERE ...), EXISTS (SELECT 1 FROM t WHERE ...)"
	at := b.pos(sq)
	switch {
	case sel.With != nil:
		return nil, diag.Errorf(src, at, diag.Unsupported, "WITH is not supported in a subquery")
	case sel.From == nil:
		return nil, diag.Errorf(src, at, diag.Unsupported, "a subquery needs FROM <reference table>").WithHint("%s", shape)
	case sel.GroupBy != nil:
		return nil, diag.Errorf(src, b.pos(sel.GroupBy.Items[0].Expr), diag.Unsupported, "GROUP BY is not supported in a subquery").
			WithHint("an aggregate subquery aggregates all the rows that match: (SELECT COUNT(*) FROM t WHERE ...)")
	case sel.Having != nil:
		return nil, diag.Errorf(src, b.pos(sel.Having.Expr), diag.Unsupported, "HAVING is not supported in a subquery")
	case sel.OrderBy != nil || sel.Limit != nil:
		return nil, diag.Errorf(src, at, diag.Unsupported, "ORDER BY and LIMIT are not supported in a subquery").
			WithHint("a scalar subquery must match at most one row; use MIN or MAX to pick one")
	case sel.Distinct:
		return nil, diag.Errorf(src, at, diag.Unsupported, "SELECT DISTINCT is not supported in a subquery")
	}
	refs := sel.From.TableRefs
	ts, _ := refs.Left.(*ast.TableSource)
	var tn *ast.TableName
	if ts != nil {
		tn, _ = ts.Source.(*ast.TableName)
	}
	if refs.Right != nil || tn == nil {
		return nil, diag.Errorf(src, at, diag.Unsupported, "a subquery reads one reference table, not a join or a subquery").WithHint("%s", shape)
	}
	name := tn.Name.O
	namePos := at
	if i := findWordIn(src.Text[at:], name); i >= 0 {
		namePos = at + i
	}
	if qs, ok := b.span.(querySpan); ok && strings.HasPrefix(tn.Name.L, "chatsql_") {
		if tt := qs.q.Temporal[tn.Name.L]; tt != nil {
			return nil, diag.Errorf(src, tt.Pos, diag.Unsupported, "FOR SYSTEM_TIME AS OF is not supported in a subquery").
				WithHint("a subquery reads the table's current contents: remove FOR SYSTEM_TIME AS OF")
		}
		if _, ok := qs.q.MatchRecognize[tn.Name.L]; ok {
			return nil, diag.Errorf(src, at, diag.Unsupported, "MATCH_RECOGNIZE is not supported in a subquery").WithHint("%s", shape)
		}
	}
	parts := []string{name}
	if tn.Schema.O != "" {
		parts = []string{tn.Schema.O, name}
	}
	if qs, ok := b.span.(querySpan); ok {
		if id := qs.q.TableName(tn); id.Pos >= 0 {
			parts, namePos = id.Parts, id.Pos
		}
	}
	rel, derr := b.p.referenceTableParts(src, parts, namePos, "a subquery")
	if derr != nil {
		return nil, derr
	}
	alias := ts.AsName.O
	if alias == "" {
		alias = parts[len(parts)-1] // the table's own name, as in FROM
	}
	nl := len(b.scope.cols)
	tsc := scopeOf(rel.Schema(), alias)
	combined := &scope{cols: append(append([]scopeCol(nil), b.scope.cols...), tsc.cols...)}
	ib := &binder{p: b.p, span: b.span, scope: combined, what: "subquery", inSubquery: true}
	ib.hook = func(n ast.ExprNode) (expr.Expr, bool, error) {
		switch x := n.(type) {
		case *ast.ColumnNameExpr:
			// the table first, then the enclosing row
			tb := &binder{p: b.p, span: b.span, scope: tsc}
			if e, err := tb.column(x); err == nil {
				c := e.(*expr.Column)
				return &expr.Column{Index: nl + c.Index, Name: c.Name, T: c.T}, true, nil
			}
			ob := &binder{p: b.p, span: b.span, scope: b.scope}
			if e, err := ob.column(x); err == nil {
				return e, true, nil
			}
			e, err := (&binder{p: b.p, span: b.span, scope: combined}).column(x)
			return e, true, err
		case *ast.AggregateFuncExpr:
			return nil, true, ib.errf(x, diag.Unsupported, "an aggregate in a subquery must be its whole select expression").
				WithHint("(SELECT COUNT(*) FROM t WHERE ...), (SELECT MAX(x) FROM t WHERE ...)")
		}
		return nil, false, nil
	}
	cfg := &plan.LookupConfig{Mode: plan.LookupExists}
	var cond expr.Expr
	if sel.Where != nil {
		c, err := ib.bind(sel.Where)
		if err != nil {
			return nil, err
		}
		if k := c.Type().Kind; k != types.KindBoolean && k != types.KindNull {
			return nil, ib.errf(sel.Where, diag.Type, "WHERE must be a condition (BOOLEAN), not %s", c.Type())
		}
		cond = c
	}
	t := types.Boolean.WithNotNull()
	if kind != subExists {
		fields := sel.Fields.Fields
		if len(fields) != 1 || fields[0].WildCard != nil {
			return nil, diag.Errorf(src, at, diag.Semantic, "a subquery used as a value must select exactly one column").WithHint("%s", shape)
		}
		f := fields[0].Expr
		if agg, ok := f.(*ast.AggregateFuncExpr); ok {
			if kind == subIn {
				return nil, ib.errf(agg, diag.Unsupported, "an aggregate is not supported in IN (subquery)")
			}
			var err error
			if t, err = ib.lookupAggregate(agg, cfg); err != nil {
				return nil, err
			}
		} else {
			v, err := ib.bind(f)
			if err != nil {
				return nil, err
			}
			if kind == subIn {
				l, r := coercePair(in, v)
				eq := &expr.Compare{Op: expr.EQ, L: l, R: r}
				if cond == nil {
					cond = eq
				} else {
					cond = &expr.Logic{Op: "AND", L: eq, R: cond}
				}
			} else {
				cfg.Mode, cfg.Value, t = plan.LookupScalar, v, v.Type().Nullable()
			}
		}
	}
	if cond != nil {
		splitCondition(cond, nl, cfg)
	}
	// correlated: anything reads the enclosing row
	var outerReads []expr.Expr
	outerReads = append(outerReads, cfg.LeftKeys...)
	for _, c := range cfg.Contains {
		outerReads = append(outerReads, c.Outer)
	}
	for _, e := range []expr.Expr{cfg.Cond, cfg.Value} {
		if e != nil {
			outerReads = append(outerReads, e)
		}
	}
	for _, e := range outerReads {
		if l, _ := reads(e, nl); l {
			cfg.Correlated = true
		}
	}
	text := map[plan.LookupMode]string{plan.LookupExists: "EXISTS", plan.LookupScalar: "SCALAR", plan.LookupAggregate: strings.ToUpper(cfg.Agg)}[cfg.Mode]
	return &expr.Subquery{Plan: &subqueryPlan{Rel: rel, Alias: alias, Cfg: cfg, Width: nl},
		Text: text + "(SELECT ... FROM " + rel.Name + ")", T: t}, nil
}

// lookupAggregate binds the aggregate of (SELECT agg(x) FROM t WHERE ...).
func (b *binder) lookupAggregate(x *ast.AggregateFuncExpr, cfg *plan.LookupConfig) (types.Type, error) {
	f := strings.ToUpper(x.F)
	if x.Distinct {
		return types.Type{}, b.errf(x, diag.Unsupported, "%s(DISTINCT ...) is not supported in a subquery", f)
	}
	if x.Order != nil {
		return types.Type{}, b.errf(x, diag.Unsupported, "ORDER BY in GROUP_CONCAT is not supported")
	}
	cfg.Mode, cfg.Agg = plan.LookupAggregate, f
	args := x.Args
	switch f {
	case "COUNT", "SUM", "MIN", "MAX":
		if len(args) != 1 {
			return types.Type{}, b.errf(x, diag.Semantic, "%s takes one argument", f)
		}
	case "GROUP_CONCAT":
		if len(args) != 2 {
			return types.Type{}, b.errf(x, diag.Unsupported, "GROUP_CONCAT in a subquery takes one value (and SEPARATOR)")
		}
		sep, ok := args[1].(ast.ValueExpr)
		if !ok {
			return types.Type{}, b.errf(x, diag.Semantic, "GROUP_CONCAT's SEPARATOR must be a string")
		}
		cfg.Separator = fmt.Sprint(sep.GetValue())
		args = args[:1]
	default:
		return types.Type{}, b.errf(x, diag.Unsupported, "aggregate %s is not supported in a subquery", f).
			WithHint("COUNT, SUM, MIN, MAX and GROUP_CONCAT are")
	}
	if f == "COUNT" {
		if v, ok := args[0].(ast.ValueExpr); ok && v.GetValue() != nil {
			return types.BigInt.WithNotNull(), nil // COUNT(*), COUNT(1): the rows
		}
	}
	v, err := b.bind(args[0])
	if err != nil {
		return types.Type{}, err
	}
	cfg.Value = v
	t := v.Type()
	switch f {
	case "COUNT":
		return types.BigInt.WithNotNull(), nil
	case "GROUP_CONCAT":
		return types.String, nil
	case "SUM":
		switch t.Kind {
		case types.KindInt, types.KindBigInt, types.KindBoolean, types.KindNull:
			return types.BigInt, nil
		case types.KindDecimal:
			return types.Decimal(18, t.Scale), nil
		case types.KindDouble:
			return types.Double, nil
		}
		return types.Type{}, b.errf(args[0], diag.Type, "SUM takes a number, not %s", t)
	}
	return t.Nullable(), nil
}

// extractSubquery moves a subquery of a Project or Filter into a Lookup
// below it; the subquery becomes a read of the appended column.
func extractSubquery(n Logical) (Logical, bool, error) {
	exprs, in, ok := extractTarget(n)
	if !ok {
		return n, false, nil
	}
	sq, ok := firstOf(exprs, func(*expr.Subquery) bool { return true })
	if !ok {
		return n, false, nil
	}
	sp := sq.Plan.(*subqueryPlan)
	width := len(in.Schema().Columns)
	if width < sp.Width {
		return nil, false, fmt.Errorf("internal error: a subquery over %d columns is planned over %d", sp.Width, width)
	}
	cfg := sp.Cfg
	if width > sp.Width {
		// columns were appended (by an earlier subquery or async call):
		// the table's columns of the combined row move right
		d := width - sp.Width
		c := *cfg
		move := func(e expr.Expr) expr.Expr {
			if e == nil {
				return nil
			}
			out, _ := expr.Transform(e, func(x expr.Expr) (expr.Expr, error) {
				if col, ok := x.(*expr.Column); ok && col.Index >= sp.Width {
					return &expr.Column{Index: col.Index + d, Name: col.Name, T: col.T}, nil
				}
				return x, nil
			})
			return out
		}
		c.Cond, c.Value = move(cfg.Cond), move(cfg.Value)
		cfg = &c
	}
	name := "$" + strings.ToLower(cfg.Mode.String())
	if cfg.Mode == plan.LookupAggregate {
		name = "$" + strings.ToLower(cfg.Agg)
	}
	lk := &Lookup{In: in, Rel: sp.Rel, Alias: sp.Alias, Cfg: cfg, Name: name + "_" + strconv.Itoa(width), T: sq.T}
	ref := &expr.Column{Index: width, Name: lk.Name, T: sq.T}
	return readAppended(n, lk, ref, func(s expr.Expr) bool { return s == sq })
}

// Names of the changelog columns a reference table's source appends.
const (
	changeColumn     = "$change"
	recordTimeColumn = "$record_time"
)

// lowerLookup lowers a Lookup: the stream's nodes, a changelog Source for
// the table, and the Lookup node over both.
func (l *lowering) lowerLookup(x *Lookup) (int, error) {
	left, err := l.lower(x.In)
	if err != nil {
		return 0, err
	}
	rel := x.Rel
	conn, err := l.p.Connectors.Lookup(rel.Connector)
	if err != nil {
		return 0, err
	}
	opts, oerrs := conn.Spec.Validate(rel.Options, true)
	if len(oerrs) > 0 {
		return 0, fmt.Errorf("'%s': %v", rel.Name, oerrs[0])
	}
	project, err := l.p.sourceProject(rel)
	if err != nil {
		return 0, err
	}
	cc := connectors.Config{Name: rel.Name, Options: opts, Schema: rel.PhysicalSchema(),
		Metadata: rel.MetadataColumns(), KeyColumns: keyFields(opts), Settings: l.p.Settings}
	if isLakeRelation(rel) && unbounded(x.In) {
		// A table named by its qualified name follows a stream that
		// does not end: its new snapshots keep coming.
		opts["streaming"] = "true"
		if v := l.p.Settings[SettingIcebergMonitorInterval]; v != "" {
			opts["monitor-interval"] = v
		}
	}
	settings, err := l.p.withLakeSettings(rel.Connector, opts)
	if err != nil {
		return 0, fmt.Errorf("'%s': %v", rel.Name, err)
	}
	cc.Settings = settings
	if isChangelogTable(rel) {
		cc.Changelog, cc.PrimaryKey = true, rel.PrimaryKey
		raw := len(rawScope(rel).cols)
		project = append(project, &expr.Column{Index: raw, Name: changeColumn, T: types.Int.WithNotNull()},
			&expr.Column{Index: raw + 1, Name: recordTimeColumn, T: types.TimestampLTZ})
	} else {
		project = append(project, &expr.Literal{V: types.NewInt(plan.ChangeUpsert), T: types.Int.WithNotNull()},
			&expr.Literal{V: types.NullValue, T: types.TimestampLTZ})
	}
	declared := types.NewSchema(rel.Schema().Columns...)
	srcSchema := types.NewSchema(append(append([]types.Column(nil), declared.Columns...),
		types.Column{Name: changeColumn, Type: types.Int.WithNotNull()},
		types.Column{Name: recordTimeColumn, Type: types.TimestampLTZ})...)
	tbl := l.add(&plan.Node{Kind: plan.KindSource, Schema: srcSchema, Name: rel.Name, Config: &plan.SourceConfig{
		Connector: rel.Connector, Conn: cc, Project: project, TimeAttr: -1, Changelog: true}})

	spec := plan.TableSpec{Name: rel.Name, Schema: declared, TimeCol: rel.TimeAttr, VersionCol: -1, WarnRows: plan.DefaultReferenceWarnRows}
	for _, k := range rel.PrimaryKey {
		spec.Key = append(spec.Key, declared.Index(k))
	}
	if v := strings.TrimSpace(rel.Options["version.column"]); v != "" {
		spec.VersionCol = declared.Index(v)
	}
	if v := l.p.Settings[plan.SettingReferenceWarnRows]; v != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
			spec.WarnRows = n
		}
	}
	cfg := *x.Cfg
	cfg.Table = spec
	return l.add(&plan.Node{Kind: plan.KindLookup, Inputs: []int{left, tbl}, Schema: x.Schema(), Name: rel.Name, Config: &cfg}), nil
}
