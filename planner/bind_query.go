package planner

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Planner binds and plans statements against a catalog.
type Planner struct {
	Catalog    *Catalog
	Functions  *udf.Registry
	Connectors *connectors.Registry
	Settings   map[string]string
	// Lake is the session's Iceberg catalogs (nil: none; qualified INSERT
	// targets are then unknown tables).
	Lake Lake
}

// New returns a planner over cat with the default registries.
func New(cat *Catalog, settings map[string]string) *Planner {
	return &Planner{Catalog: cat, Functions: udf.Default, Connectors: connectors.Default, Settings: settings}
}

// queryCtx binds one query (and its subqueries, which share the span).
type queryCtx struct {
	p    *Planner
	span querySpan
	ctes map[string]Logical
	// viewDepth guards against views that (through replacement) refer to
	// themselves.
	viewDepth int
}

// BindQuery binds a parsed query into a logical plan.
func (p *Planner) BindQuery(q *parser.Query) (Logical, error) {
	qc := &queryCtx{p: p, span: querySpan{q}, ctes: map[string]Logical{}}
	return qc.bindResultSet(q.Stmt)
}

func (qc *queryCtx) errAt(off int, kind diag.Kind, format string, args ...any) *diag.Error {
	return diag.Errorf(qc.span.q.Src, off, kind, format, args...)
}

func (qc *queryCtx) binder(sc *scope) *binder {
	return &binder{p: qc.p, span: qc.span, scope: sc, allowAsync: true, what: "query"}
}

func (qc *queryCtx) bindResultSet(n ast.Node) (Logical, error) {
	switch x := n.(type) {
	case *ast.SelectStmt:
		return qc.bindSelect(x)
	case *ast.SetOprStmt:
		return nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "UNION, INTERSECT and EXCEPT are not supported yet")
	}
	return nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "%T is not supported as a query", n)
}

func (qc *queryCtx) bindSelect(sel *ast.SelectStmt) (Logical, error) {
	if sel.With != nil {
		for _, cte := range sel.With.CTEs {
			if sel.With.IsRecursive {
				return nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "recursive WITH is not supported")
			}
			l, err := qc.bindResultSet(cte.Query.Query)
			if err != nil {
				return nil, err
			}
			if len(cte.ColNameList) > 0 {
				if l, err = renameColumns(l, cte.ColNameList); err != nil {
					return nil, qc.errAt(qc.span.q.Start, diag.Semantic, "WITH %s: %v", cte.Name.O, err)
				}
			}
			qc.ctes[cte.Name.L] = l
		}
	}
	if sel.Kind != ast.SelectStmtKindSelect {
		return nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "VALUES and TABLE statements are not supported yet")
	}
	if sel.From == nil {
		return nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "SELECT without FROM is not supported: a streaming query reads a source")
	}
	in, sc, err := qc.bindFrom(sel.From.TableRefs)
	if err != nil {
		return nil, err
	}
	b := qc.binder(sc)
	if sel.Where != nil {
		cond, err := b.bind(sel.Where)
		if err != nil {
			return nil, err
		}
		in = &Filter{In: in, Cond: cond}
	}
	if sel.GroupBy != nil {
		off := qc.span.q.Start
		if len(sel.GroupBy.Items) > 0 {
			off = b.pos(sel.GroupBy.Items[0].Expr)
		}
		return nil, qc.errAt(off, diag.Unsupported, "GROUP BY is not supported on streams yet").
			WithHint("aggregations over streams need windows, which come in a later release")
	}
	if sel.Having != nil {
		return nil, qc.errAt(b.pos(sel.Having.Expr), diag.Unsupported, "HAVING is not supported yet")
	}
	if sel.OrderBy != nil {
		off := qc.span.q.Start
		if len(sel.OrderBy.Items) > 0 {
			off = b.pos(sel.OrderBy.Items[0].Expr)
		}
		return nil, qc.errAt(off, diag.Unsupported, "ORDER BY is not supported on an unbounded stream").
			WithHint("rows arrive in event-time order per partition; MATCH_RECOGNIZE orders by time")
	}
	if sel.Distinct {
		return nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "SELECT DISTINCT is not supported on streams yet")
	}
	if len(sel.WindowSpecs) > 0 {
		return nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "WINDOW clauses are not supported yet")
	}
	proj := &Project{In: in, TimeAttr: -1}
	inSchema := in.Schema()
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			qual := f.WildCard.Table.O
			found := false
			for i, c := range sc.cols {
				if qual != "" && !strings.EqualFold(c.Qualifier, qual) {
					continue
				}
				found = true
				if i == inSchema.TimeAttr && proj.TimeAttr < 0 {
					proj.TimeAttr = len(proj.Exprs)
				}
				proj.Exprs = append(proj.Exprs, &expr.Column{Index: i, Name: c.Name, T: c.Type})
				proj.Names = append(proj.Names, c.Name)
			}
			if !found {
				return nil, qc.errAt(qc.span.offset(f.Offset), diag.UnknownName, "unknown table or alias '%s'", qual)
			}
			continue
		}
		e, err := b.bind(f.Expr)
		if err != nil {
			return nil, err
		}
		name := f.AsName.O
		if name == "" {
			if cn, ok := f.Expr.(*ast.ColumnNameExpr); ok {
				name = sc.cols[e.(*expr.Column).Index].Name
				_ = cn
			} else {
				name = qc.span.q.RestoreTableNames(fieldText(f))
			}
		}
		if c, ok := e.(*expr.Column); ok && c.Index == inSchema.TimeAttr && proj.TimeAttr < 0 {
			proj.TimeAttr = len(proj.Exprs)
		}
		proj.Exprs = append(proj.Exprs, e)
		proj.Names = append(proj.Names, name)
	}
	var out Logical = proj
	if sel.Limit != nil {
		if sel.Limit.Offset != nil {
			return nil, qc.errAt(b.pos(sel.Limit.Offset), diag.Unsupported, "LIMIT with an offset is not supported on streams")
		}
		v, ok := sel.Limit.Count.(*test_driver.ValueExpr)
		n, isInt := int64(0), false
		if ok {
			switch c := v.GetValue().(type) {
			case int64:
				n, isInt = c, true
			case uint64:
				n, isInt = int64(c), true
			}
		}
		if !isInt || n < 0 {
			return nil, qc.errAt(b.pos(sel.Limit.Count), diag.Semantic, "LIMIT takes a non-negative integer")
		}
		out = &Limit{In: out, N: int(n)}
	}
	return out, nil
}

var spaces = regexp.MustCompile(`\s+`)

// fieldText is a select field's text without its alias, used as the column
// name when the user gave none (MySQL's rule).
func fieldText(f *ast.SelectField) string {
	t := strings.TrimSpace(spaces.ReplaceAllString(f.Text(), " "))
	if t == "" {
		return fmt.Sprintf("EXPR$%d", f.Offset)
	}
	return t
}

func renameColumns(l Logical, names []ast.CIStr) (Logical, error) {
	s := l.Schema()
	if len(names) != len(s.Columns) {
		return nil, fmt.Errorf("%d column names given for %d columns", len(names), len(s.Columns))
	}
	p := &Project{In: l, TimeAttr: s.TimeAttr}
	for i, c := range s.Columns {
		p.Exprs = append(p.Exprs, &expr.Column{Index: i, Name: c.Name, T: c.Type})
		p.Names = append(p.Names, names[i].O)
	}
	return p, nil
}

func (qc *queryCtx) bindFrom(j *ast.Join) (Logical, *scope, error) {
	if j.Right != nil {
		return qc.bindJoin(j)
	}
	switch l := j.Left.(type) {
	case *ast.Join:
		return qc.bindFrom(l)
	case *ast.TableSource:
		return qc.bindTableSource(l)
	}
	return nil, nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "unsupported FROM clause")
}

func (qc *queryCtx) bindTableSource(ts *ast.TableSource) (Logical, *scope, error) {
	alias := ts.AsName.O
	switch src := ts.Source.(type) {
	case *ast.TableName:
		name := src.Name.O
		if mr, ok := qc.span.q.MatchRecognize[strings.ToLower(name)]; ok && src.Schema.O == "" {
			return qc.bindMatch(mr, alias)
		}
		if tt, ok := qc.span.q.Temporal[strings.ToLower(name)]; ok && src.Schema.O == "" {
			return nil, nil, qc.errAt(tt.Pos, diag.Semantic, "FOR SYSTEM_TIME AS OF reads a table for the rows of a stream on its left").
				WithHint("FROM s JOIN %s FOR SYSTEM_TIME AS OF s.event_time AS r ON s.k = r.k", tt.Name.String())
		}
		id := qc.span.q.TableName(src)
		if id.Pos < 0 && len(id.Parts) > 1 {
			id.Pos = qc.findWord(src.Schema.O, qc.span.q.Start)
		}
		return qc.bindIdent(id, alias)
	case *ast.SelectStmt, *ast.SetOprStmt:
		l, err := qc.bindResultSet(src)
		if err != nil {
			return nil, nil, err
		}
		return l, scopeOf(l.Schema(), alias), nil
	}
	return nil, nil, qc.errAt(qc.span.q.Start, diag.Unsupported, "unsupported table reference")
}

// bindIdent binds a possibly qualified name: one part names a source,
// table, view or CTE, more an Iceberg table (catalog.namespace.table, or
// namespace.table in the default catalog). A qualified name's alias is its
// table's name unless given.
func (qc *queryCtx) bindIdent(id parser.Ident, alias string) (Logical, *scope, error) {
	if len(id.Parts) == 1 {
		return qc.bindNamed(id.Parts[0], alias, id.Pos)
	}
	rel, err := qc.p.lakeTable(qc.span.q.Src, id)
	if err != nil {
		return nil, nil, err
	}
	if alias == "" {
		alias = id.Parts[len(id.Parts)-1]
	}
	return &Scan{Rel: rel, Alias: alias}, scopeOf(rel.Schema(), alias), nil
}

// bindNamed binds a source, table, view or CTE by name; pos is where the
// name is in the source (-1: search the query's text for it).
func (qc *queryCtx) bindNamed(name, alias string, pos int) (Logical, *scope, error) {
	if alias == "" {
		alias = name
	}
	at := func() int {
		if pos >= 0 {
			return pos
		}
		return qc.findWord(name, qc.span.q.Start)
	}
	if l, ok := qc.ctes[strings.ToLower(name)]; ok {
		return l, scopeOf(l.Schema(), alias), nil
	}
	obj, ok := qc.p.Catalog.Lookup(name)
	if !ok {
		e := qc.errAt(at(), diag.UnknownName, "unknown source, table or view '%s'", name)
		if qc.p.Catalog.Failed(name) {
			e.Msg = fmt.Sprintf("'%s' could not be created (see the error above)", name)
			e.Consequence = true
			return nil, nil, e
		}
		cands := qc.p.Catalog.Names(KindSource, KindTable, KindView)
		for k := range qc.ctes {
			cands = append(cands, k)
		}
		if m := connectors.Closest(name, cands); m != "" {
			e.WithHint("did you mean '%s'?", m)
		} else if len(cands) == 0 {
			e.WithHint("create one with CREATE SOURCE; SHOW SOURCES lists them")
		}
		return nil, nil, e
	}
	switch o := obj.(type) {
	case *Relation:
		if isUpsertTable(o) {
			return nil, nil, qc.errAt(at(), diag.Semantic, "'%s' is a reference table ('mode' = 'upsert'), not a stream", name).
				WithHint("read it in a temporal join (JOIN %s FOR SYSTEM_TIME AS OF s.event_time AS r ON ...) or a subquery (EXISTS (SELECT 1 FROM %s WHERE ...))", name, name)
		}
		return &Scan{Rel: o, Alias: alias}, scopeOf(o.Schema(), alias), nil
	case *View:
		if qc.viewDepth > 32 {
			return nil, nil, qc.errAt(at(), diag.Semantic, "view '%s' refers to itself", name)
		}
		sub := &queryCtx{p: qc.p, span: querySpan{o.Query}, ctes: map[string]Logical{}, viewDepth: qc.viewDepth + 1}
		l, err := sub.bindResultSet(o.Query.Stmt)
		if err != nil {
			return nil, nil, fmt.Errorf("in view '%s': %w", o.Name, err)
		}
		if len(o.Columns) > 0 {
			names := make([]ast.CIStr, len(o.Columns))
			for i, c := range o.Columns {
				names[i] = ast.NewCIStr(c)
			}
			if l, err = renameColumns(l, names); err != nil {
				return nil, nil, err
			}
		}
		return l, scopeOf(l.Schema(), alias), nil
	case *SinkDef:
		return nil, nil, qc.errAt(at(), diag.Semantic, "'%s' is a sink and cannot be read", name).
			WithHint("read the sink's topic with a CREATE SOURCE over it")
	}
	return nil, nil, qc.errAt(at(), diag.Unsupported, "unsupported table reference")
}

// findWord finds the first whole-word, case-insensitive occurrence of w in
// the query's rewritten text outside quotes (TiDB keeps no positions for
// table names) and returns its source offset.
func (qc *queryCtx) findWord(w string, fallback int) int {
	if i := findWordIn(qc.span.q.Rewritten, w); i >= 0 {
		return qc.span.offset(i)
	}
	return fallback
}

func findWordIn(text, w string) int {
	lt, lw := strings.ToLower(text), strings.ToLower(w)
	inQuote := byte(0)
	for i := 0; i < len(lt); i++ {
		c := lt[i]
		if inQuote != 0 {
			if c == inQuote {
				inQuote = 0
			}
			continue
		}
		if c == '\'' || c == '"' {
			inQuote = c
			continue
		}
		if strings.HasPrefix(lt[i:], lw) && (i == 0 || !isWordByte(lt[i-1])) &&
			(i+len(lw) == len(lt) || !isWordByte(lt[i+len(lw)])) {
			if i > 0 && lt[i-1] == '`' {
				return i - 1
			}
			return i
		}
	}
	return -1
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

// ---- CREATE SOURCE / TABLE ----

// BindRelation validates a CREATE SOURCE or CREATE TABLE statement into a
// Relation. Every problem found is reported.
func (p *Planner) BindRelation(st *parser.CreateRelationStmt, src *diag.Source) (*Relation, error) {
	var errs diag.List
	rel := &Relation{Name: st.Name.String(), Kind: KindSource, TimeAttr: -1, Stmt: st,
		Options: map[string]string{}, DDL: src.Text[st.Start:st.End], Src: src}
	if st.Table {
		rel.Kind = KindTable
	}
	seen := map[string]bool{}
	for _, c := range st.Columns {
		name := c.Name.String()
		if seen[strings.ToLower(name)] {
			errs = append(errs, diag.Errorf(src, c.Name.Pos, diag.Semantic, "duplicate column '%s'", name))
			continue
		}
		seen[strings.ToLower(name)] = true
		rc := RelColumn{Name: name, Type: c.Type, Comment: c.Comment, Position: c.Name.Pos}
		switch {
		case c.Computed != nil:
			rc.Kind, rc.Expr = Computed, c.Computed
		case c.Metadata != nil:
			rc.Kind, rc.MetaKey, rc.Virtual = Metadata, c.Metadata.Key, c.Metadata.Virtual
			if rc.MetaKey == "" {
				rc.MetaKey = name
			}
		}
		rel.Columns = append(rel.Columns, rc)
	}
	// options and connector
	conn, spec := p.bindOptions(st.Options, st.WithPos, src, &errs, rel.Options)
	if conn != nil {
		rel.Connector = strings.ToLower(conn.Spec.Name)
		_, verrs := p.validateOptions(spec, rel.Options, st.Options, st.WithPos, src, spec.Source)
		errs = append(errs, verrs...)
		if spec != nil {
			for i, c := range rel.Columns {
				if c.Kind != Metadata {
					continue
				}
				if !metaKeyKnown(spec.Metadata, c.MetaKey) {
					pos := st.Columns[i].Name.Pos
					if st.Columns[i].Metadata.KeyPos > 0 {
						pos = st.Columns[i].Metadata.KeyPos
					}
					e := diag.Errorf(src, pos, diag.Option, "connector '%s' has no metadata key '%s'", spec.Name, c.MetaKey)
					var keys []string
					for _, m := range spec.Metadata {
						keys = append(keys, m.Name)
					}
					if m := connectors.Closest(c.MetaKey, keys); m != "" {
						e.WithHint("did you mean '%s'?", m)
					} else if len(keys) > 0 {
						e.WithHint("available: %s", strings.Join(keys, ", "))
					} else {
						e.WithHint("this connector has no metadata")
					}
					errs = append(errs, e)
				}
			}
		}
	}
	// computed columns bind over the raw row: physical, then metadata
	raw := rawScope(rel)
	for i := range rel.Columns {
		c := &rel.Columns[i]
		if c.Kind != Computed {
			continue
		}
		b := &binder{p: p, span: exprSpan{c.Expr}, scope: raw, what: "computed column"}
		e, err := b.bind(c.Expr.Node)
		if err != nil {
			errs = append(errs, asDiag(err)...)
			continue
		}
		c.Type = e.Type().Nullable()
	}
	if st.Watermark != nil {
		rel.Watermark = st.Watermark
		idx := -1
		for i, c := range rel.Columns {
			if strings.EqualFold(c.Name, st.Watermark.Column.String()) {
				idx = i
			}
		}
		if idx < 0 {
			e := diag.Errorf(src, st.Watermark.Column.Pos, diag.UnknownName, "WATERMARK FOR unknown column '%s'", st.Watermark.Column.String())
			var names []string
			for _, c := range rel.Columns {
				names = append(names, c.Name)
			}
			if m := connectors.Closest(st.Watermark.Column.String(), names); m != "" {
				e.WithHint("did you mean '%s'?", m)
			}
			errs = append(errs, e)
		} else if k := rel.Columns[idx].Type.Kind; !k.IsTime() && len(errs) == 0 {
			errs = append(errs, diag.Errorf(src, st.Watermark.Column.Pos, diag.Type,
				"the event-time column '%s' must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not %s", rel.Columns[idx].Name, rel.Columns[idx].Type).
				WithHint("declare a computed column, e.g. event_time AS TO_TIMESTAMP_LTZ(`timestamp`, 0)"))
		} else {
			rel.TimeAttr = idx
			if len(errs) == 0 {
				if _, err := p.watermarkExpr(rel); err != nil {
					errs = append(errs, asDiag(err)...)
				}
			}
		}
	}
	for _, k := range st.PrimaryKey {
		found := false
		for _, c := range rel.Columns {
			if strings.EqualFold(c.Name, k.String()) {
				found = true
			}
		}
		if !found {
			errs = append(errs, diag.Errorf(src, k.Pos, diag.UnknownName, "PRIMARY KEY names unknown column '%s'", k.String()))
		}
		rel.PrimaryKey = append(rel.PrimaryKey, k.String())
	}
	errs = append(errs, referenceTableChecks(rel, st, src)...)
	errs = append(errs, p.partitioning(rel, st, src)...)
	if len(errs) > 0 {
		errs.Sort()
		return nil, errs
	}
	return rel, nil
}

func metaKeyKnown(cols []types.Column, key string) bool {
	for _, m := range cols {
		if strings.EqualFold(m.Name, key) {
			return true
		}
	}
	return false
}

// rawScope is the row a connector produces: physical columns, then metadata.
func rawScope(rel *Relation) *scope {
	sc := &scope{}
	for _, c := range rel.Columns {
		if c.Kind == Physical {
			sc.cols = append(sc.cols, scopeCol{Qualifier: rel.Name, Name: c.Name, Type: c.Type})
		}
	}
	for _, c := range rel.Columns {
		if c.Kind == Metadata {
			sc.cols = append(sc.cols, scopeCol{Qualifier: rel.Name, Name: c.Name, Type: c.Type})
		}
	}
	return sc
}

// sourceProject builds the projection from the raw row to the declared row.
func (p *Planner) sourceProject(rel *Relation) ([]expr.Expr, error) {
	raw := rawScope(rel)
	out := make([]expr.Expr, len(rel.Columns))
	for i, c := range rel.Columns {
		if c.Kind == Computed {
			b := &binder{p: p, span: exprSpan{c.Expr}, scope: raw, what: "computed column"}
			e, err := b.bind(c.Expr.Node)
			if err != nil {
				return nil, err
			}
			out[i] = e
			continue
		}
		for j, rc := range raw.cols {
			if strings.EqualFold(rc.Name, c.Name) {
				out[i] = &expr.Column{Index: j, Name: c.Name, T: c.Type}
			}
		}
	}
	return out, nil
}

// watermarkExpr binds the WATERMARK expression over the declared row.
func (p *Planner) watermarkExpr(rel *Relation) (expr.Expr, error) {
	if rel.Watermark == nil {
		return nil, nil
	}
	b := &binder{p: p, span: exprSpan{rel.Watermark.Expr}, scope: scopeOf(rel.Schema(), rel.Name), what: "watermark"}
	e, err := b.bind(rel.Watermark.Expr.Node)
	if err != nil {
		return nil, err
	}
	if !e.Type().Kind.IsTime() {
		return nil, diag.Errorf(rel.Watermark.Expr.Src, rel.Watermark.Expr.Start, diag.Type,
			"the watermark expression must be a timestamp, not %s", e.Type()).
			WithHint("e.g. WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND")
	}
	return e, nil
}

// bindOptions validates WITH options against the connector's spec; the raw
// options (lower-case keys) are stored in into.
func (p *Planner) bindOptions(opts []parser.Option, withPos int, src *diag.Source, errs *diag.List, into map[string]string) (*connectors.Connector, *connectors.Spec) {
	pos := map[string]parser.Option{}
	for _, o := range opts {
		k := strings.ToLower(strings.TrimSpace(o.Key))
		if _, dup := pos[k]; dup {
			*errs = append(*errs, diag.Errorf(src, o.KeyPos, diag.Option, "option '%s' is given twice", o.Key))
		}
		pos[k] = o
		into[k] = o.Value
	}
	name, ok := into["connector"]
	if !ok {
		*errs = append(*errs, diag.Errorf(src, withPos, diag.Option, "missing option 'connector'").
			WithHint("known connectors: %s", strings.Join(p.Connectors.Names(), ", ")))
		return nil, nil
	}
	conn, err := p.Connectors.Lookup(name)
	if err != nil {
		o := pos["connector"]
		e := diag.Errorf(src, o.ValPos, diag.Option, "unknown connector '%s'", name)
		var oe *connectors.OptionError
		if ok := asOptionError(err, &oe); ok && oe.Hint != "" {
			e.Hint = oe.Hint
		}
		*errs = append(*errs, e)
		return nil, nil
	}
	return conn, &conn.Spec
}

// ValidateOptions checks options for reading (forSource) or writing and
// reports positioned errors.
func (p *Planner) validateOptions(spec *connectors.Spec, raw map[string]string, opts []parser.Option, withPos int, src *diag.Source, forSource bool) (connectors.Options, diag.List) {
	valid, oerrs := spec.Validate(raw, forSource)
	var errs diag.List
	for _, oe := range oerrs {
		off, val := withPos, false
		for _, o := range opts {
			if strings.EqualFold(strings.TrimSpace(o.Key), oe.Option) {
				off = o.KeyPos
				if !strings.Contains(oe.Msg, "unknown option") && !strings.Contains(oe.Msg, "given twice") {
					off, val = o.ValPos, true
				}
			}
		}
		_ = val
		e := diag.Errorf(src, off, diag.Option, "%s", strings.TrimPrefix(oe.Error(), ""))
		e.Msg = fmt.Sprintf("option '%s': %s", oe.Option, oe.Msg)
		e.Hint = oe.Hint
		errs = append(errs, e)
	}
	errs.Sort()
	return valid, errs
}

func asDiag(err error) diag.List {
	switch e := err.(type) {
	case diag.List:
		return e
	case *diag.Error:
		return diag.List{e}
	}
	return diag.List{&diag.Error{Kind: diag.Semantic, Msg: err.Error()}}
}

func asOptionError(err error, target **connectors.OptionError) bool {
	oe, ok := err.(*connectors.OptionError)
	if ok {
		*target = oe
	}
	return ok
}

// referenceTableChecks validates what makes a relation a reference table:
// a Kafka table with 'mode' = 'upsert' needs a PRIMARY KEY (the record key
// carries it), and 'version.column' names one of its columns.
func referenceTableChecks(rel *Relation, st *parser.CreateRelationStmt, src *diag.Source) diag.List {
	var errs diag.List
	opt := func(key string) (parser.Option, bool) {
		for _, o := range st.Options {
			if strings.EqualFold(strings.TrimSpace(o.Key), key) {
				return o, true
			}
		}
		return parser.Option{}, false
	}
	if mode, ok := opt("mode"); ok && rel.Connector == "kafka" && strings.EqualFold(strings.TrimSpace(mode.Value), "upsert") && len(st.PrimaryKey) == 0 {
		errs = append(errs, diag.Errorf(src, mode.ValPos, diag.Semantic, "a Kafka table with 'mode' = 'upsert' needs a PRIMARY KEY").
			WithHint("declare the key the records upsert: PRIMARY KEY (col) NOT ENFORCED (the record key carries it)"))
	}
	if vc, ok := opt("version.column"); ok {
		name := strings.TrimSpace(vc.Value)
		idx := -1
		var names []string
		for i, c := range rel.Columns {
			names = append(names, c.Name)
			if strings.EqualFold(c.Name, name) {
				idx = i
			}
		}
		switch {
		case idx < 0:
			e := diag.Errorf(src, vc.ValPos, diag.UnknownName, "option 'version.column': unknown column '%s'", name)
			if m := connectors.Closest(name, names); m != "" {
				e.WithHint("did you mean '%s'?", m)
			} else {
				e.WithHint("columns: %s", strings.Join(names, ", "))
			}
			errs = append(errs, e)
		case rel.Columns[idx].Kind == Computed && rel.Columns[idx].Type.Kind == types.KindNull:
		default:
			if k := rel.Columns[idx].Type.Kind; !k.IsNumeric() && !k.IsTime() && k != types.KindDate {
				errs = append(errs, diag.Errorf(src, vc.ValPos, diag.Type,
					"option 'version.column': '%s' is %s; a version is a number or a time", rel.Columns[idx].Name, rel.Columns[idx].Type).
					WithHint("e.g. a BIGINT version, an update time, or the record offset (BIGINT METADATA FROM 'offset')"))
			}
		}
	}
	return errs
}
