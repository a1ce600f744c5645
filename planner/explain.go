package planner

import (
	"fmt"
	"github.com/chatsql/chatsql/runtime/cep"
	"sort"
	"strings"

	"github.com/chatsql/chatsql/planner/expr"
	"github.com/chatsql/chatsql/planner/plan"
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
		fmt.Fprintf(&b, "%s%s\n", head, describeNode(n))
		pad := cont
		if top {
			pad = ""
		}
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
		if c.Watermark != nil {
			s += fmt.Sprintf(" rowtime=%s watermark=%s", n.Schema.Columns[c.TimeAttr].Name, c.Watermark)
		}
		return s
	case *plan.CalcConfig:
		s := fmt.Sprintf("Calc#%d", n.ID)
		if c.Filter != nil {
			s += " where=" + c.Filter.String()
		}
		if isIdentity(c.Project) && len(c.Project) == len(n.Schema.Columns) {
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

// describeMatch renders MATCH_RECOGNIZE: its clauses, then the compiled
// automaton, one state per line, so that a user can see why a pattern
// matches or not.
func describeMatch(n *plan.Node, c *plan.MatchConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, "MatchRecognize#%d", n.ID)
	in := n.Schema // names of the input columns are not at hand: use indices via exprs
	_ = in
	if len(c.Partition) > 0 {
		parts := make([]string, len(c.Partition))
		for i, p := range c.Partition {
			parts[i] = fmt.Sprintf("$%d", p)
		}
		fmt.Fprintf(&b, " partition=[%s]", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, " order=$%d pattern=%s", c.TimeCol, patternString(c.Pattern, c.Vars))
	if c.Within > 0 {
		fmt.Fprintf(&b, " within=%s", c.Within)
	}
	rows := map[plan.RowsPerMatch]string{plan.RowsOneRow: "one row", plan.RowsOneRowShowTimeout: "one row, show timeout matches",
		plan.RowsAllShowEmpty: "all rows", plan.RowsAllOmitEmpty: "all rows, omit empty matches", plan.RowsAllWithUnmatched: "all rows, with unmatched rows"}
	fmt.Fprintf(&b, " rows=%q skip=%s", rows[c.Rows], skipString(c))
	for i, d := range c.Define {
		if d != nil {
			fmt.Fprintf(&b, "\n      define %s: %s", c.Vars[i], matchExprString(d))
		}
	}
	for _, m := range c.Measures {
		fmt.Fprintf(&b, "\n      measure %s: %s", m.Name, matchExprString(m.E))
	}
	if c.HistoryFree {
		b.WriteString("\n      conditions read only the current row and its neighbours: equal partial matches are merged")
	}
	b.WriteString("\n      automaton:")
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

// matchExprString shows an expression with its slots substituted.
func matchExprString(m *plan.MatchExpr) string {
	s := m.E.String()
	return s
}
