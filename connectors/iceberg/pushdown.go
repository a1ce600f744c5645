package iceberg

import (
	"encoding/json"
	"fmt"
	"time"

	iceberggo "github.com/apache/iceberg-go"

	"github.com/chatsql/chatsql/runtime/types"
)

// A pushed-down filter arrives as Iceberg's REST JSON over the declared
// columns (the planner's lake_pushdown.go writes it). Before it reaches
// the scan, each condition of its top-level AND is checked against the
// table: the column's Iceberg field must order its values as the declared
// SQL type does (a VARCHAR declared over a long field compares text, which
// Iceberg's numeric statistics would prune wrongly), names are resolved to
// the field's own spelling and timestamps written in the field's flavour.
// A condition that fails any of this is not pushed: the query's own
// Filter still applies, so leaving one out only costs pruning.

// filterNode is one node of the REST form.
type filterNode struct {
	Type   string            `json:"type"`
	Child  *filterNode       `json:"child,omitempty"`
	Left   *filterNode       `json:"left,omitempty"`
	Right  *filterNode       `json:"right,omitempty"`
	Term   json.RawMessage   `json:"term,omitempty"`
	Value  json.RawMessage   `json:"value,omitempty"`
	Values []json.RawMessage `json:"values,omitempty"`
}

// scanFilter is a pushed filter read against a table.
type scanFilter struct {
	expr    iceberggo.BooleanExpression // nil: nothing pushable
	dropped []string                    // conditions left to the query's Filter, and why
}

// parseScanFilter reads the JSON of a pushed filter for a table of schema
// sch whose declared columns are declared.
func parseScanFilter(js string, sch *iceberggo.Schema, declared types.Schema) (scanFilter, error) {
	var root filterNode
	if err := json.Unmarshal([]byte(js), &root); err != nil {
		return scanFilter{}, fmt.Errorf("not an Iceberg expression: %v", err)
	}
	var out scanFilter
	var parts []iceberggo.BooleanExpression
	for _, c := range andParts(&root) {
		e, err := checkCondition(c, sch, declared)
		if err != nil {
			b, _ := json.Marshal(c)
			out.dropped = append(out.dropped, fmt.Sprintf("%s (%v)", b, err))
			continue
		}
		parts = append(parts, e)
	}
	switch len(parts) {
	case 0:
	case 1:
		out.expr = parts[0]
	default:
		out.expr = iceberggo.NewAnd(parts[0], parts[1], parts[2:]...)
	}
	return out, nil
}

func andParts(n *filterNode) []*filterNode {
	if n.Type == "and" && n.Left != nil && n.Right != nil {
		return append(andParts(n.Left), andParts(n.Right)...)
	}
	return []*filterNode{n}
}

// checkCondition fixes up one condition and parses it.
func checkCondition(n *filterNode, sch *iceberggo.Schema, declared types.Schema) (iceberggo.BooleanExpression, error) {
	if err := fixNode(n, sch, declared); err != nil {
		return nil, err
	}
	b, err := json.Marshal(n)
	if err != nil {
		return nil, err
	}
	e, err := iceberggo.ParseExpr(b, sch)
	if err != nil {
		return nil, err
	}
	if _, err := iceberggo.BindExpr(sch, e, true); err != nil {
		return nil, err
	}
	return e, nil
}

func fixNode(n *filterNode, sch *iceberggo.Schema, declared types.Schema) error {
	if n == nil {
		return fmt.Errorf("incomplete expression")
	}
	switch n.Type {
	case "and", "or":
		if err := fixNode(n.Left, sch, declared); err != nil {
			return err
		}
		return fixNode(n.Right, sch, declared)
	case "not":
		return fixNode(n.Child, sch, declared)
	}
	var name string
	if err := json.Unmarshal(n.Term, &name); err != nil {
		return fmt.Errorf("only a column may be compared")
	}
	col := declared.Index(name) // case-insensitive
	if col < 0 {
		return fmt.Errorf("'%s' is not a column of the source", name)
	}
	f, ok := sch.FindFieldByNameCaseInsensitive(name)
	if !ok {
		return fmt.Errorf("no field '%s' in the table", name)
	}
	if !sameOrder(declared.Columns[col].Type, f.Type) {
		return fmt.Errorf("column '%s' is declared %s over Iceberg %s, which orders values differently", name, declared.Columns[col].Type, f.Type)
	}
	n.Term, _ = json.Marshal(f.Name)
	fix := func(v json.RawMessage) (json.RawMessage, error) {
		var s string
		if json.Unmarshal(v, &s) != nil {
			return v, nil
		}
		switch f.Type.(type) {
		case iceberggo.TimestampType, iceberggo.TimestampTzType:
		default:
			return v, nil
		}
		var tm time.Time
		var err error
		if tm, err = time.Parse(time.RFC3339Nano, s); err != nil {
			if tm, err = time.Parse("2006-01-02T15:04:05.999999999", s); err != nil {
				return nil, fmt.Errorf("'%s' is not a timestamp", s)
			}
		}
		layout := "2006-01-02T15:04:05.999999"
		if _, tz := f.Type.(iceberggo.TimestampTzType); tz {
			layout += "-07:00"
		}
		return json.Marshal(tm.UTC().Format(layout))
	}
	var err error
	if len(n.Value) > 0 {
		if n.Value, err = fix(n.Value); err != nil {
			return err
		}
	}
	for i := range n.Values {
		if n.Values[i], err = fix(n.Values[i]); err != nil {
			return err
		}
	}
	return nil
}

// sameOrder reports whether values of Iceberg type it, read as the
// declared type dt, compare in SQL as Iceberg compares them (in its
// statistics, partition transforms and row filter).
func sameOrder(dt types.Type, it iceberggo.Type) bool {
	switch x := it.(type) {
	case iceberggo.BooleanType:
		return dt.Kind == types.KindBoolean
	case iceberggo.Int32Type, iceberggo.Int64Type:
		return dt.Kind == types.KindInt || dt.Kind == types.KindBigInt
	case iceberggo.Float64Type:
		return dt.Kind == types.KindDouble // a float field's values are not the DOUBLE literals
	case iceberggo.DecimalType:
		return dt.Kind == types.KindDecimal && dt.Scale == x.Scale()
	case iceberggo.StringType:
		return dt.Kind == types.KindString
	case iceberggo.DateType:
		return dt.Kind == types.KindDate
	case iceberggo.TimestampType, iceberggo.TimestampTzType:
		// microseconds either way; nanosecond fields are read truncated
		return dt.Kind.IsTime()
	}
	return false
}
