package planner

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime/cep"
	"github.com/chatsql/chatsql/runtime/types"
)

// shownOptions are the connector options EXPLAIN prints; the others (keys,
// passwords, tuning) stay out of plans that people paste into tickets.
var shownOptions = map[string]bool{
	"topic": true, "topic-pattern": true, "path": true, "format": true, "scan.startup.mode": true,
	"properties.group.id": true, "key.fields": true, "dead-letter.topic": true, "rows-per-second": true,
	"number-of-rows": true, "sink.delivery-guarantee": true, "mode": true,
}

// Explain renders a physical graph as an indented tree, from the sink (or
// collect) down to the sources, with each node's schema.
func Explain(g *plan.Graph) string {
	byID := map[int]*plan.Node{}
	consumers := map[int]int{}
	for _, n := range g.Nodes {
		byID[n.ID] = n
		for _, in := range n.Inputs {
			consumers[in]++
		}
	}
	var roots []*plan.Node
	for _, n := range g.Nodes {
		if consumers[n.ID] == 0 {
			roots = append(roots, n)
		}
	}
	var b strings.Builder
	b.WriteString("== Physical Plan ==\n")
	var walk func(n *plan.Node, prefix string, last bool, top bool)
	walk = func(n *plan.Node, prefix string, last, top bool) {
		head, cont := "", ""
		if !top {
			head, cont = prefix+"+- ", prefix+"   "
			if !last {
				cont = prefix + "|  "
			}
		}
		pad := cont
		if top {
			pad = ""
		}
		// a description's further lines (indented by six spaces) continue
		// the tree's branches on their left
		lines := strings.Split(describeNode(n), "\n")
		for i := 1; i < len(lines); i++ {
			l := lines[i]
			k := 0
			for k < len(l) && k < len(pad) && l[k] == ' ' {
				k++
			}
			lines[i] = pad + l[k:]
		}
		fmt.Fprintf(&b, "%s%s\n", head, strings.Join(lines, "\n"))
		fmt.Fprintf(&b, "%s   schema: %s\n", pad, n.Schema)
		for i, in := range n.Inputs {
			walk(byID[in], pad, i == len(n.Inputs)-1, false)
		}
	}
	for _, r := range roots {
		walk(r, "", true, true)
	}
	return b.String()
}

func describeNode(n *plan.Node) string {
	switch c := n.Config.(type) {
	case *plan.SourceConfig:
		s := fmt.Sprintf("Source#%d[%s] connector=%s%s", n.ID, n.Name, c.Connector, optionList(c.Conn.Options, "sink."))
		if c.Project != nil {
			var comp []string
			for i, e := range c.Project {
				if _, ok := e.(*expr.Column); !ok {
					comp = append(comp, n.Schema.Columns[i].Name+"="+e.String())
				}
			}
			if len(comp) > 0 {
				s += " computed=[" + strings.Join(comp, ", ") + "]"
			}
		}
		for _, m := range c.Conn.Metadata {
			s += fmt.Sprintf(" %s=METADATA('%s')", m.Name, m.Key)
		}
		if js := c.Conn.Settings[settingIcebergScanFilterPrefix+strings.ToLower(n.Name)]; js != "" {
			s += " scan-filter=" + describeLakeFilter(js)
		}
		if c.Watermark != nil {
			s += fmt.Sprintf(" rowtime=%s watermark=%s", n.Schema.Columns[c.TimeAttr].Name, c.Watermark)
		}
		if c.Changelog {
			s += " changelog"
			if c.Conn.Changelog {
				s += " primary-key=[" + strings.Join(c.Conn.PrimaryKey, ", ") + "]"
			}
		}
		return s
	case *plan.CalcConfig:
		s := fmt.Sprintf("Calc#%d", n.ID)
		if c.Filter != nil {
			s += " where=" + c.Filter.String()
		}
		if isIdentity(c.Project) && len(c.Project) == len(n.Schema.Columns) && sameNames(c.Project, n.Schema) {
			return s + " select=*"
		}
		parts := make([]string, len(c.Project))
		for i, e := range c.Project {
			parts[i] = e.String()
			if col, ok := e.(*expr.Column); !ok || col.Name != n.Schema.Columns[i].Name {
				parts[i] += " AS " + n.Schema.Columns[i].Name
			}
		}
		return s + " select=[" + strings.Join(parts, ", ") + "]"
	case *plan.AsyncConfig:
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = a.String()
		}
		mode := "ordered"
		if !c.Ordered {
			mode = "unordered"
		}
		return fmt.Sprintf("AsyncCalc#%d %s(%s) AS %s capacity=%d timeout=%s %s", n.ID, c.Function,
			strings.Join(args, ", "), n.Schema.Columns[len(n.Schema.Columns)-1].Name, c.Capacity, c.Timeout, mode)
	case *plan.SinkConfig:
		return fmt.Sprintf("Sink#%d[%s] connector=%s%s", n.ID, n.Name, c.Connector, optionList(c.Conn.Options, "scan."))
	case *plan.MatchConfig:
		return describeMatch(n, c)
	case *plan.LookupConfig:
		return describeLookup(n, c)
	case *plan.CollectConfig:
		s := fmt.Sprintf("Collect#%d", n.ID)
		if c.Limit > 0 {
			s += fmt.Sprintf(" limit=%d", c.Limit)
		}
		return s
	}
	return fmt.Sprintf("%s#%d", n.Kind, n.ID)
}

// optionList renders the shown options, leaving out those of the other
// role (a kafka source has no use for sink.* options).
func optionList(o map[string]string, otherRole string) string {
	var keys []string
	for k := range o {
		if shownOptions[k] && !strings.HasPrefix(k, otherRole) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, o[k])
	}
	return b.String()
}

// describeMatch renders MATCH_RECOGNIZE: its clauses, with input columns by
// name, then the compiled automaton, one state per line, so that a user can
// see why a pattern matches or not.
func describeMatch(n *plan.Node, c *plan.MatchConfig) string {
	// Names of the input columns: the node has only its output schema,
	// which holds them all in ALL ROWS PER MATCH and the PARTITION BY
	// columns in ONE ROW PER MATCH; the others are named by the column
	// references of DEFINE and MEASURES. A column named nowhere is $i.
	in := make([]string, c.InputWidth)
	if c.Rows.AllRows() {
		for i := 0; i < c.InputWidth && i < len(n.Schema.Columns); i++ {
			in[i] = n.Schema.Columns[i].Name
		}
	} else {
		for i, p := range c.Partition {
			if p < len(in) && i < len(n.Schema.Columns) {
				in[p] = n.Schema.Columns[i].Name
			}
		}
	}
	var exprs []expr.Expr
	for _, d := range c.Define {
		if d != nil {
			exprs = append(exprs, d.E)
			for _, s := range d.Slots {
				if s.Arg != nil {
					exprs = append(exprs, s.Arg)
				}
			}
		}
	}
	for _, m := range c.Measures {
		exprs = append(exprs, m.E.E)
		for _, s := range m.E.Slots {
			if s.Arg != nil {
				exprs = append(exprs, s.Arg)
			}
		}
	}
	for _, e := range exprs {
		expr.Any(e, func(x expr.Expr) bool {
			if col, ok := x.(*expr.Column); ok && col.Index < len(in) && in[col.Index] == "" {
				in[col.Index] = col.Name
			}
			return false
		})
	}
	name := func(i int) string {
		if i >= 0 && i < len(in) && in[i] != "" {
			return in[i]
		}
		return fmt.Sprintf("$%d", i)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "MatchRecognize#%d", n.ID)
	if len(c.Partition) > 0 {
		parts := make([]string, len(c.Partition))
		for i, p := range c.Partition {
			parts[i] = name(p)
		}
		fmt.Fprintf(&b, " partition=[%s]", strings.Join(parts, ", "))
	}
	order := []string{name(c.TimeCol)}
	for _, k := range c.OrderKeys {
		o := name(k.Col)
		if k.Desc {
			o += " DESC"
		}
		order = append(order, o)
	}
	fmt.Fprintf(&b, " order=[%s] pattern=%s", strings.Join(order, ", "), patternString(c.Pattern, c.Vars))
	if c.Within > 0 {
		fmt.Fprintf(&b, " within=%s", c.Within)
	}
	rows := map[plan.RowsPerMatch]string{plan.RowsOneRow: "one row", plan.RowsOneRowShowTimeout: "one row, show timeout matches",
		plan.RowsAllShowEmpty: "all rows", plan.RowsAllOmitEmpty: "all rows, omit empty matches", plan.RowsAllWithUnmatched: "all rows, with unmatched rows"}
	skip := skipString(c)
	if len(c.SkipVars) > 1 { // a SUBSET: the first/last row of any of its variables
		names := make([]string, len(c.SkipVars))
		for i, v := range c.SkipVars {
			names[i] = c.Vars[v]
		}
		skip = strings.TrimSuffix(skip, strings.Join(names, ",")) + "any of (" + strings.Join(names, ", ") + ")"
	}
	fmt.Fprintf(&b, " rows=%q skip=%s", rows[c.Rows], skip)
	if c.MaxThreads > 0 {
		fmt.Fprintf(&b, " max-partial-matches=%d", c.MaxThreads)
	}
	for i, d := range c.Define {
		if d != nil {
			fmt.Fprintf(&b, "\n      define %s: %s", c.Vars[i], matchExprString(d, c, in))
		} else {
			fmt.Fprintf(&b, "\n      define %s: TRUE (not in DEFINE: any row)", c.Vars[i])
		}
	}
	for _, m := range c.Measures {
		fmt.Fprintf(&b, "\n      measure %s: %s", m.Name, matchExprString(m.E, c, in))
	}
	if c.HistoryFree {
		b.WriteString("\n      conditions read only the current row and its neighbours: equal partial matches are merged")
	}
	b.WriteString("\n      automaton (label V: the row satisfies DEFINE V and is labelled V; split: both ways, the preferred first; done: a match):")
	for _, line := range strings.Split(strings.TrimRight(c.Program.String(), "\n"), "\n") {
		b.WriteString("\n        " + line)
	}
	return b.String()
}

func skipString(c *plan.MatchConfig) string {
	names := func() string {
		var v []string
		for _, i := range c.SkipVars {
			v = append(v, c.Vars[i])
		}
		return strings.Join(v, ",")
	}
	switch c.Skip {
	case cep.SkipToNextRow:
		return "to next row"
	case cep.SkipToFirst:
		return "to first " + names()
	case cep.SkipToLast:
		return "to last " + names()
	}
	return "past last row"
}

// markedColumn is a column renamed by matchExprString: "$i:" and a marker.
var markedColumn = regexp.MustCompile(`\$\d+:\x00\d+\x00`)

// matchExprString shows a DEFINE or MEASURES expression as SQL: input
// columns by name (in: the input column names, "" when unknown), and each
// slot as the navigation, aggregate or function it stands for, with its
// pattern variable, offsets and FINAL.
func matchExprString(m *plan.MatchExpr, c *plan.MatchConfig, in []string) string {
	// Columns are renamed through a marker that no expression text
	// contains, then the marker (with Column's "$i:" prefix) is replaced.
	var shown []string
	mark := func(s string) string {
		shown = append(shown, s)
		return fmt.Sprintf("\x00%d\x00", len(shown)-1)
	}
	render := func(e expr.Expr, col func(*expr.Column) string) string {
		t, err := expr.Transform(e, func(x expr.Expr) (expr.Expr, error) {
			if cl, ok := x.(*expr.Column); ok {
				return &expr.Column{Index: cl.Index, Name: mark(col(cl)), T: cl.T}, nil
			}
			return x, nil
		})
		if err != nil {
			return e.String()
		}
		return markedColumn.ReplaceAllStringFunc(t.String(), func(m string) string {
			var k int
			fmt.Sscan(strings.Trim(m[strings.IndexByte(m, ':')+1:], "\x00"), &k)
			return shown[k]
		})
	}
	inputName := func(i int) string {
		if i >= 0 && i < len(in) && in[i] != "" {
			return in[i]
		}
		return fmt.Sprintf("$%d", i)
	}
	varList := func(vs []int) string {
		names := make([]string, len(vs))
		for i, v := range vs {
			names[i] = c.Vars[v]
		}
		return strings.Join(names, ",")
	}
	// qualifier: the variable or SUBSET name as written, which the slot's
	// label (the column name the binder gave it) starts with
	qualifier := func(s plan.MatchSlot, label string) string {
		if s.Vars == nil {
			return ""
		}
		if v, ok := strings.CutPrefix(label, "CLASSIFIER("); ok {
			return strings.TrimSuffix(v, ")")
		}
		l := label
		if i := strings.IndexByte(l, '('); i >= 0 && i < strings.IndexByte(l, '.') {
			l = l[i+1:]
		}
		if i := strings.IndexByte(l, '.'); i > 0 {
			return l[:i]
		}
		if len(s.Vars) == 1 {
			return c.Vars[s.Vars[0]]
		}
		return "{" + varList(s.Vars) + "}"
	}
	arg := func(s plan.MatchSlot, q string) string {
		a := render(s.Arg, func(cl *expr.Column) string {
			if cl.Index >= c.InputWidth { // MATCH_NUMBER() inside the argument
				return cl.Name
			}
			if q != "" {
				return q + "." + inputName(cl.Index)
			}
			return inputName(cl.Index)
		})
		// an argument is written without the parentheses around the
		// whole of a binary expression: SUM(A.price * 2)
		if strings.HasPrefix(a, "(") && strings.HasSuffix(a, ")") {
			depth := 0
			for i, r := range a {
				switch r {
				case '(':
					depth++
				case ')':
					depth--
				}
				if depth == 0 && i < len(a)-1 {
					return a // "(x) + (y)": not one pair around the whole
				}
			}
			return a[1 : len(a)-1]
		}
		return a
	}
	slotString := func(s plan.MatchSlot, label string) string {
		q := qualifier(s, label)
		var out string
		switch s.Kind {
		case plan.SlotMatchNumber:
			return "MATCH_NUMBER()"
		case plan.SlotTimedOut:
			return "MATCH_TIMED_OUT()"
		case plan.SlotAgg:
			f := strings.ToUpper(s.Agg)
			switch {
			case s.Arg == nil && q != "":
				out = f + "(" + q + ".*)"
			case s.Arg == nil:
				out = f + "(*)"
			default:
				out = f + "(" + arg(s, q) + ")"
			}
			if s.Final {
				out = "FINAL " + out
			}
			return out
		case plan.SlotClassifier:
			out = "CLASSIFIER()"
			if q != "" && strings.HasPrefix(label, "CLASSIFIER(") {
				out = "CLASSIFIER(" + q + ")"
			}
		default:
			out = arg(s, q)
		}
		// logical navigation: FIRST/LAST [offset]
		fn := ""
		if i := strings.IndexByte(label, '('); i > 0 {
			fn = label[:i]
		}
		switch {
		case s.First:
			out = "FIRST(" + out
			if s.Off != 0 {
				out += fmt.Sprintf(", %d", s.Off)
			}
			out += ")"
		case s.Off != 0:
			out = fmt.Sprintf("LAST(%s, %d)", out, s.Off)
		case fn == "LAST" || fn == "" && s.Final && s.Kind == plan.SlotNav: // FINAL x is FINAL LAST(x)
			out = "LAST(" + out + ")"
		}
		// physical navigation: PREV/NEXT [offset]
		if s.Phys != 0 {
			f, k := "PREV", -s.Phys
			if s.Phys > 0 {
				f, k = "NEXT", s.Phys
			}
			if k == 1 {
				out = f + "(" + out + ")"
			} else {
				out = fmt.Sprintf("%s(%s, %d)", f, out, k)
			}
		}
		if s.Final {
			out = "FINAL " + out
		}
		return out
	}
	return render(m.E, func(cl *expr.Column) string {
		if k := cl.Index - c.InputWidth; k >= 0 && k < len(m.Slots) {
			return slotString(m.Slots[k], cl.Name)
		}
		return inputName(cl.Index)
	})
}

// tableRef renders a column of a reference table as table.column in
// EXPLAIN (a leaf that only prints).
type tableRef struct {
	name string
	t    types.Type
}

func (r *tableRef) Type() types.Type        { return r.t }
func (r *tableRef) String() string          { return r.name }
func (r *tableRef) Compile() expr.Evaluator { return nil }

// describeLookup renders a Lookup: what it computes, as of when, and its
// condition split into the parts the operator serves from indexes (keys,
// contains) and the rest; left columns as $i:name, table columns as
// table.column.
func describeLookup(n *plan.Node, c *plan.LookupConfig) string {
	tbl := c.Table
	nl := len(n.Schema.Columns) - 1
	if c.Mode == plan.LookupJoin {
		nl = len(n.Schema.Columns) - len(tbl.Schema.Columns)
	}
	col := func(i int) string {
		if i >= 0 && i < len(tbl.Schema.Columns) {
			return tbl.Name + "." + tbl.Schema.Columns[i].Name
		}
		return fmt.Sprintf("%s.$%d", tbl.Name, i)
	}
	// render shows e with columns at and past base as table columns
	render := func(e expr.Expr, base int) string {
		if e == nil {
			return ""
		}
		t, err := expr.Transform(e, func(x expr.Expr) (expr.Expr, error) {
			if cl, ok := x.(*expr.Column); ok && cl.Index >= base {
				return &tableRef{name: col(cl.Index - base), t: cl.T}, nil
			}
			return x, nil
		})
		if err != nil {
			return e.String()
		}
		return t.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Lookup#%d[%s] ", n.ID, tbl.Name)
	switch c.Mode {
	case plan.LookupJoin:
		if c.Outer {
			b.WriteString("left join")
		} else {
			b.WriteString("join")
		}
	case plan.LookupAggregate:
		arg := "*"
		if c.Value != nil {
			arg = render(c.Value, nl)
		}
		fmt.Fprintf(&b, "aggregate %s(%s)", c.Agg, arg)
		if c.Agg == "GROUP_CONCAT" {
			fmt.Fprintf(&b, " separator=%q", c.Separator)
		}
		fmt.Fprintf(&b, " AS %s", n.Schema.Columns[nl].Name)
	case plan.LookupScalar:
		fmt.Fprintf(&b, "scalar %s AS %s", render(c.Value, nl), n.Schema.Columns[nl].Name)
	default:
		fmt.Fprintf(&b, "exists AS %s", n.Schema.Columns[nl].Name)
	}
	if c.EventTime != nil {
		fmt.Fprintf(&b, " as-of=event-time(%s)", c.EventTime)
	} else {
		b.WriteString(" as-of=processing-time")
	}
	if !c.Correlated && c.Mode != plan.LookupJoin {
		b.WriteString(" uncorrelated")
	}
	if len(c.LeftKeys) > 0 {
		keys := make([]string, len(c.LeftKeys))
		for i, k := range c.LeftKeys {
			keys[i] = k.String() + " = " + col(c.TableKeys[i])
		}
		b.WriteString("\n      keys: " + strings.Join(keys, ", "))
	}
	for _, p := range c.Contains {
		fmt.Fprintf(&b, "\n      contains: %s contains %s", p.Outer, render(p.Inner, 0))
	}
	if c.Cond != nil {
		b.WriteString("\n      condition: " + render(c.Cond, nl))
	}
	keys := make([]string, len(tbl.Key))
	for i, k := range tbl.Key {
		keys[i] = tbl.Schema.Columns[k].Name
	}
	fmt.Fprintf(&b, "\n      table: primary-key=[%s]", strings.Join(keys, ", "))
	switch {
	case c.EventTime == nil:
	case tbl.TimeCol >= 0:
		fmt.Fprintf(&b, " versions-from=%s", tbl.Schema.Columns[tbl.TimeCol].Name)
	default:
		b.WriteString(" versions-from=record-time")
	}
	if tbl.VersionCol >= 0 {
		fmt.Fprintf(&b, " version-column=%s", tbl.Schema.Columns[tbl.VersionCol].Name)
	}
	fmt.Fprintf(&b, " warn-rows=%d", tbl.WarnRows)
	return b.String()
}

// sameNames reports whether the column references es keep their names in s.
func sameNames(es []expr.Expr, s types.Schema) bool {
	for i, e := range es {
		if c, ok := e.(*expr.Column); !ok || c.Name != s.Columns[i].Name {
			return false
		}
	}
	return true
}
