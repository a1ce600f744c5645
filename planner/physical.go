package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// Settings the planner reads (the rest belong to connectors and functions).
const (
	SettingKafkaBrokers       = "kafka.brokers"
	SettingIdleTimeout        = "table.exec.source.idle-timeout"
	SettingAsyncCapacity      = "translation.capacity"
	SettingAsyncTimeout       = "translation.async-timeout"
	SettingAsyncOrdered       = "translation.ordered"
	SettingCheckpointInterval = "execution.checkpointing.interval"
)

// Job is a planned job: its graph and a stable name.
type Job struct {
	Name   string // sink or table name: names the checkpoint directory
	Graph  *plan.Graph
	Schema types.Schema // what the job produces (sink or collect)
	Limit  int
}

type lowering struct {
	p     *Planner
	g     *plan.Graph
	nodes int
	// scanFilters are conditions over a Scan's row that a Filter above it
	// asks of every row: a source may push them into its scan.
	scanFilters map[*Scan]expr.Expr
}

func (l *lowering) add(n *plan.Node) int {
	l.nodes++
	n.ID = l.nodes
	l.g.Nodes = append(l.g.Nodes, n)
	return n.ID
}

// lower turns an optimized logical plan into graph nodes; it returns the id
// of the node producing n's rows.
func (l *lowering) lower(n Logical) (int, error) {
	switch x := n.(type) {
	case *Scan:
		return l.source(x)
	case *Project:
		var filter expr.Expr
		in := x.In
		if f, ok := in.(*Filter); ok {
			filter, in = f.Cond, f.In
			l.noteScanFilter(in, filter)
		}
		id, err := l.lower(in)
		if err != nil {
			return 0, err
		}
		return l.add(&plan.Node{Kind: plan.KindCalc, Inputs: []int{id}, Schema: x.Schema(), Name: "Calc",
			Config: &plan.CalcConfig{Filter: filter, Project: x.Exprs}}), nil
	case *Filter:
		l.noteScanFilter(x.In, x.Cond)
		id, err := l.lower(x.In)
		if err != nil {
			return 0, err
		}
		s := x.In.Schema()
		ident := make([]expr.Expr, len(s.Columns))
		for i, c := range s.Columns {
			ident[i] = &expr.Column{Index: i, Name: c.Name, T: c.Type}
		}
		return l.add(&plan.Node{Kind: plan.KindCalc, Inputs: []int{id}, Schema: s, Name: "Calc",
			Config: &plan.CalcConfig{Filter: x.Cond, Project: ident}}), nil
	case *AsyncCalc:
		id, err := l.lower(x.In)
		if err != nil {
			return 0, err
		}
		cfg := &plan.AsyncConfig{Function: x.Fn.Name, Args: x.Args, Capacity: udf.DefaultTranslationCapacity, Timeout: 2 * time.Minute,
			Ordered: true, Settings: l.p.Settings}
		if v := l.p.Settings[SettingAsyncCapacity]; v != "" {
			fmt.Sscan(v, &cfg.Capacity)
		}
		if v := l.p.Settings[SettingAsyncTimeout]; v != "" {
			if d, err := connectors.ParseDuration(v); err == nil {
				cfg.Timeout = d
			}
		}
		if v := l.p.Settings[SettingAsyncOrdered]; strings.EqualFold(v, "false") {
			cfg.Ordered = false
		}
		return l.add(&plan.Node{Kind: plan.KindAsync, Inputs: []int{id}, Schema: x.Schema(), Name: x.Fn.Name, Config: cfg}), nil
	case *MatchRecognize:
		id, err := l.lower(x.In)
		if err != nil {
			return 0, err
		}
		return l.add(&plan.Node{Kind: plan.KindMatch, Inputs: []int{id}, Schema: x.Out, Name: "MatchRecognize", Config: x.Cfg}), nil
	case *Lookup:
		return l.lowerLookup(x)
	case *Limit:
		return 0, fmt.Errorf("LIMIT is only supported for a SELECT in the shell")
	}
	return 0, fmt.Errorf("planner: cannot lower %T", n)
}

func (l *lowering) source(s *Scan) (int, error) {
	rel := s.Rel
	conn, err := l.p.Connectors.Lookup(rel.Connector)
	if err != nil {
		return 0, err
	}
	if !conn.Spec.Source {
		return 0, fmt.Errorf("'%s' uses connector '%s', which cannot be read from", rel.Name, rel.Connector)
	}
	opts, oerrs := conn.Spec.Validate(rel.Options, true)
	if len(oerrs) > 0 {
		return 0, fmt.Errorf("'%s': %v", rel.Name, oerrs[0])
	}
	project, err := l.p.sourceProject(rel)
	if err != nil {
		return 0, err
	}
	wm, err := l.p.watermarkExpr(rel)
	if err != nil {
		return 0, err
	}
	settings, err := l.p.withLakeSettings(rel.Connector, opts)
	if err != nil {
		return 0, fmt.Errorf("'%s': %v", rel.Name, err)
	}
	f := l.scanFilters[s]
	delete(l.scanFilters, s) // for this lowering of the scan only
	if f != nil && rel.Connector == icebergConnector {
		if js := lakeScanFilter(rel, f); js != "" {
			settings = withSetting(settings, settingIcebergScanFilterPrefix+strings.ToLower(rel.Name), js)
		}
	}
	cfg := &plan.SourceConfig{
		Connector: rel.Connector,
		Conn: connectors.Config{Name: rel.Name, Options: opts, Schema: rel.PhysicalSchema(),
			Metadata: rel.MetadataColumns(), KeyColumns: keyFields(opts), Settings: settings},
		Project: project, TimeAttr: rel.TimeAttr, Watermark: wm,
	}
	if isIdentity(project) {
		cfg.Project = nil
	}
	idle := l.p.Settings[SettingIdleTimeout]
	if v := opts.Get("scan.watermark.idle-timeout"); v != "" {
		idle = v
	}
	if idle != "" {
		if d, err := connectors.ParseDuration(idle); err == nil {
			cfg.IdleTimeout = d
		}
	}
	return l.add(&plan.Node{Kind: plan.KindSource, Schema: rel.Schema(), Name: rel.Name, Config: cfg}), nil
}

// noteScanFilter records cond, a Filter's condition over n's row, for the
// Scan it reads from, which is lowered next: through AsyncCalc nodes
// (which append a column; the conditions on it stay behind), projections
// (the condition is rewritten over the projection's input) and other
// filters.
func (l *lowering) noteScanFilter(n Logical, cond expr.Expr) {
	for cond != nil {
		switch x := n.(type) {
		case *Scan:
			if l.scanFilters == nil {
				l.scanFilters = map[*Scan]expr.Expr{}
			}
			if prev := l.scanFilters[x]; prev != nil {
				cond = &expr.Logic{Op: "AND", L: prev, R: cond}
			}
			l.scanFilters[x] = cond
			return
		case *AsyncCalc:
			width := len(x.In.Schema().Columns)
			var keep expr.Expr
			for _, c := range conjuncts(cond) {
				if !expr.Any(c, func(e expr.Expr) bool { col, ok := e.(*expr.Column); return ok && col.Index >= width }) {
					keep = andOf(keep, c)
				}
			}
			cond, n = keep, x.In
		case *Project:
			s, err := expr.Substitute(cond, x.Exprs)
			if err != nil {
				return
			}
			cond, n = s, x.In
		case *Filter:
			n = x.In // its own condition joins when it is lowered
		default:
			return
		}
	}
}

func andOf(a, b expr.Expr) expr.Expr {
	if a == nil {
		return b
	}
	return &expr.Logic{Op: "AND", L: a, R: b}
}

// withSetting returns a copy of settings with k = v.
func withSetting(settings map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(settings)+1)
	for k, v := range settings {
		out[k] = v
	}
	out[k] = v
	return out
}

func isIdentity(es []expr.Expr) bool {
	for i, e := range es {
		c, ok := e.(*expr.Column)
		if !ok || c.Index != i {
			return false
		}
	}
	return true
}

func keyFields(o connectors.Options) []string {
	v := o.Get("key.fields")
	if v == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(v, ";") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// build optimizes a bound query and lowers it, ending in the given node.
func (p *Planner) build(q Logical, end func(l *lowering, in int, s types.Schema) error) (*plan.Graph, error) {
	opt, err := Optimize(q)
	if err != nil {
		return nil, err
	}
	l := &lowering{p: p, g: &plan.Graph{}}
	if lim, ok := opt.(*Limit); ok {
		opt = lim.In
	}
	id, err := l.lower(opt)
	if err != nil {
		return nil, err
	}
	if err := end(l, id, opt.Schema()); err != nil {
		return nil, err
	}
	return l.g, nil
}

// PlanSink binds and plans CREATE SINK ... AS query. It returns the sink
// definition for the catalog and the job.
func (p *Planner) PlanSink(st *parser.CreateSinkStmt, src *diag.Source) (*SinkDef, *Job, error) {
	var errs diag.List
	raw := map[string]string{}
	conn, spec := p.bindOptions(st.Options, st.WithPos, src, &errs, raw)
	var opts connectors.Options
	if spec != nil {
		var verrs diag.List
		opts, verrs = p.validateOptions(spec, raw, st.Options, st.WithPos, src, false)
		errs = append(errs, verrs...)
	}
	q, err := p.BindQuery(st.Query)
	if err != nil {
		errs = append(errs, asDiag(err)...)
	}
	if len(errs) > 0 {
		errs.Sort()
		return nil, nil, errs
	}
	if _, ok := q.(*Limit); ok {
		return nil, nil, diag.Errorf(src, st.Query.Start, diag.Unsupported, "LIMIT is not supported in a sink's query")
	}
	schema := q.Schema()
	if err := checkOutputNames(schema, st.Query); err != nil {
		return nil, nil, err
	}
	def := &SinkDef{Name: st.Name.String(), Connector: strings.ToLower(conn.Spec.Name), Options: raw,
		Schema: schema, DDL: src.Text[st.Start:st.End], Stmt: st}
	settings, err := p.withLakeSettings(def.Connector, opts)
	if err != nil {
		return nil, nil, diag.Errorf(src, st.WithPos, diag.Option, "%v", err)
	}
	g, err := p.build(q, func(l *lowering, in int, s types.Schema) error {
		l.add(&plan.Node{Kind: plan.KindSink, Inputs: []int{in}, Schema: s, Name: def.Name,
			Config: &plan.SinkConfig{Connector: def.Connector, Conn: connectors.Config{Name: def.Name, Options: opts,
				Schema: types.NewSchema(s.Columns...), KeyColumns: keyFields(opts), Settings: settings}}})
		return nil
	})
	if err != nil {
		return nil, nil, planErr(src, st.Start, err)
	}
	return def, &Job{Name: def.Name, Graph: g, Schema: schema}, nil
}

// checkOutputNames rejects duplicate output column names: a sink writes
// them as field names.
func checkOutputNames(s types.Schema, q *parser.Query) error {
	seen := map[string]bool{}
	for _, c := range s.Columns {
		k := strings.ToLower(c.Name)
		if seen[k] {
			off := q.Start
			if i := findWordIn(q.Src.Text[q.Start:q.End], c.Name); i >= 0 {
				off = q.Start + i
			}
			return diag.Errorf(q.Src, off, diag.Semantic, "duplicate output column '%s'", c.Name).
				WithHint("name the columns apart with AS")
		}
		seen[k] = true
	}
	return nil
}

// PlanInsert binds and plans INSERT INTO table query.
func (p *Planner) PlanInsert(st *parser.InsertStmt, src *diag.Source) (*Job, error) {
	name := st.Table.String()
	obj, ok := p.Catalog.Lookup(name)
	if !ok {
		if cat, tbl, lake := p.lakeName(st.Table); lake {
			return p.planLakeInsert(st, src, cat, tbl)
		}
		e := diag.Errorf(src, st.Table.Pos, diag.UnknownName, "unknown table '%s'", name)
		if p.Catalog.Failed(name) {
			e.Msg, e.Consequence = fmt.Sprintf("table '%s' could not be created (see the error above)", name), true
			return nil, e
		}
		if m := connectors.Closest(name, p.Catalog.Names(KindTable)); m != "" {
			e.WithHint("did you mean '%s'?", m)
		} else {
			e.WithHint("create it with CREATE TABLE ... WITH ('connector' = ...)")
		}
		return nil, e
	}
	rel, ok := obj.(*Relation)
	if !ok || rel.Kind != KindTable {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Semantic, "cannot INSERT INTO %s '%s'", KindOf(obj), name).
			WithHint("INSERT INTO writes to a table declared with CREATE TABLE; CREATE SINK ... AS writes a query to a connector")
	}
	conn, err := p.Connectors.Lookup(rel.Connector)
	if err != nil {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Option, "%v", err)
	}
	opts, verrs := p.validateOptions(&conn.Spec, rel.Options, rel.Stmt.Options, rel.Stmt.WithPos, rel.Src, false)
	if len(verrs) > 0 {
		return nil, verrs
	}
	q, err := p.BindQuery(st.Query)
	if err != nil {
		return nil, err
	}
	target := rel.PhysicalSchema()
	proj, err := castToTarget(q, st, src, name, target)
	if err != nil {
		return nil, err
	}
	settings, err := p.withLakeSettings(rel.Connector, opts)
	if err != nil {
		return nil, diag.Errorf(src, st.Table.Pos, diag.Option, "%v", err)
	}
	g, err := p.build(proj, func(l *lowering, in int, s types.Schema) error {
		l.add(&plan.Node{Kind: plan.KindSink, Inputs: []int{in}, Schema: s, Name: rel.Name,
			Config: &plan.SinkConfig{Connector: rel.Connector, Conn: connectors.Config{Name: rel.Name, Options: opts,
				Schema: target, KeyColumns: keyFields(opts), PrimaryKey: rel.PrimaryKey, Settings: settings}}})
		return nil
	})
	if err != nil {
		return nil, planErr(src, st.Start, err)
	}
	return &Job{Name: "insert-" + rel.Name, Graph: g, Schema: target}, nil
}

// castToTarget matches the query's columns to the target's (by position,
// or by the INSERT's column list) and casts them to the target's types.
func castToTarget(q Logical, st *parser.InsertStmt, src *diag.Source, name string, target types.Schema) (*Project, error) {
	var cols []int // target column for each query column
	if len(st.Columns) > 0 {
		for _, c := range st.Columns {
			i := target.Index(c.String())
			if i < 0 {
				return nil, diag.Errorf(src, c.Pos, diag.UnknownName, "table '%s' has no column '%s'", name, c.String())
			}
			cols = append(cols, i)
		}
	} else {
		for i := range target.Columns {
			cols = append(cols, i)
		}
	}
	qs := q.Schema()
	if len(qs.Columns) != len(cols) {
		return nil, diag.Errorf(src, st.Query.Start, diag.Type, "the query produces %d columns but '%s' takes %d", len(qs.Columns), name, len(cols)).
			WithHint("INSERT INTO matches columns by position: %s", strings.Join(target.Names(), ", "))
	}
	// cast the query's columns to the table's types, by position
	proj := &Project{In: q, TimeAttr: -1}
	for ti := range target.Columns {
		qi := -1
		for k, c := range cols {
			if c == ti {
				qi = k
			}
		}
		tc := target.Columns[ti]
		var e expr.Expr
		if qi < 0 {
			e = &expr.Literal{V: types.NullValue, T: tc.Type.Nullable()}
		} else {
			e = &expr.Column{Index: qi, Name: qs.Columns[qi].Name, T: qs.Columns[qi].Type}
			if !assignable(qs.Columns[qi].Type, tc.Type) {
				return nil, diag.Errorf(src, st.Query.Start, diag.Type, "column %d (%s %s) cannot be written to '%s' %s",
					qi+1, qs.Columns[qi].Name, qs.Columns[qi].Type, tc.Name, tc.Type)
			}
			if qs.Columns[qi].Type.Kind != tc.Type.Kind {
				e = &expr.Cast{E: e, To: tc.Type.Nullable()}
			}
		}
		proj.Exprs = append(proj.Exprs, e)
		proj.Names = append(proj.Names, tc.Name)
	}
	return proj, nil
}

// assignable reports whether a value of type from may be written to a
// column of type to (with an implicit cast).
func assignable(from, to types.Type) bool {
	if from.Kind == to.Kind || from.Kind == types.KindNull || to.Kind == types.KindString || to.Kind == types.KindJSON {
		return true
	}
	num := func(k types.Kind) bool { return k.IsNumeric() || k == types.KindBoolean }
	tm := func(k types.Kind) bool { return k.IsTime() || k == types.KindDate }
	return num(from.Kind) && num(to.Kind) || tm(from.Kind) && tm(to.Kind) || from.Kind == types.KindString
}

// PlanSelect plans a bare SELECT whose rows go back to the caller.
func (p *Planner) PlanSelect(q *parser.Query) (*Job, error) {
	l, err := p.BindQuery(q)
	if err != nil {
		return nil, err
	}
	limit := 0
	if lim, ok := l.(*Limit); ok {
		limit = lim.N
	}
	schema := l.Schema()
	g, err := p.build(l, func(lw *lowering, in int, s types.Schema) error {
		lw.add(&plan.Node{Kind: plan.KindCollect, Inputs: []int{in}, Schema: s, Name: "collect",
			Config: &plan.CollectConfig{Limit: limit}})
		return nil
	})
	if err != nil {
		return nil, planErr(q.Src, q.Start, err)
	}
	return &Job{Name: "select", Graph: g, Schema: schema, Limit: limit}, nil
}

func planErr(src *diag.Source, off int, err error) error {
	if diag.IsSQLError(err) {
		return err
	}
	return diag.Errorf(src, off, diag.Semantic, "%v", err)
}
