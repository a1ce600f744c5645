package planner

import (
	"testing"

	iceberggo "github.com/apache/iceberg-go"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner/diag"
)

// pushdownPlanner has one Iceberg table m (declared, not read: nothing here
// opens it) with a column of each type and a computed column.
func pushdownPlanner(t *testing.T) (*Planner, *Relation) {
	t.Helper()
	p := New(NewCatalog(), map[string]string{})
	rel := addRelation(t, p, "m", "CREATE TABLE m (id BIGINT, n INT, username VARCHAR, ok BOOLEAN, price DECIMAL(10, 2), score DOUBLE, "+
		"event_time TIMESTAMP_LTZ(3), wall TIMESTAMP(3), d DATE, payload JSON, twice AS id * 2) "+
		"WITH ('connector' = 'iceberg', 'table' = 'chat.m')")
	return p, rel
}

// TestLakeScanFilter: what of a WHERE is pushed into an Iceberg scan, as
// EXPLAIN shows it; "" is nothing. Every pushed expression parses as an
// Iceberg expression against the table's schema, values typed by field.
func TestLakeScanFilter(t *testing.T) {
	p, rel := pushdownPlanner(t)
	sch, err := iceberg.IcebergSchema(rel.PhysicalSchema())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ where, want string }{
		// comparisons, either way round
		{"n > 3", "n > 3"},
		{"3 < n", "n > 3"},
		{"id <> 7", "id <> 7"},
		{"score <= 2.5", "score <= 2.5"},
		{"username = 'bob'", "username = 'bob'"},
		// an integer column against a fraction
		{"n > 2.5", "n > 2"},
		{"n <= 2.5", "n < 3"},
		{"n = 2.5", ""},
		{"n = 5.0", "n = 5"},
		// timestamps in either flavour, dates, a string made a timestamp
		{"event_time >= TIMESTAMP '2024-01-02 00:00:00'", "event_time >= '2024-01-02T00:00:00+00:00'"},
		{"event_time >= '2024-01-02 10:00:00'", "event_time >= '2024-01-02T10:00:00+00:00'"},
		{"wall < TIMESTAMP '2024-01-02 10:30:00.5'", "wall < '2024-01-02T10:30:00.5'"},
		{"d = DATE '2024-03-01'", "d = '2024-03-01'"},
		// decimals: no more digits than the column has
		{"price > 1.5", "price > '1.5'"},
		{"price > 2", "price > 2"},
		{"price > 1.505", ""},
		// BETWEEN, IN, NULL tests
		{"d BETWEEN DATE '2024-01-01' AND DATE '2024-01-31'", "(d >= '2024-01-01' AND d <= '2024-01-31')"},
		{"d NOT BETWEEN DATE '2024-01-01' AND DATE '2024-01-31'", "(d < '2024-01-01' OR d > '2024-01-31')"},
		{"username IN ('a', 'b')", "username IN ('a', 'b')"},
		{"username NOT IN ('a')", "username NOT IN ('a')"},
		{"id IN (1, NULL)", "id IN (1)"},
		{"id NOT IN (1, NULL)", ""},
		{"n IN (1, 2.5)", "n IN (1)"},
		{"username IS NULL", "username IS NULL"},
		{"username IS NOT NULL", "username IS NOT NULL"},
		{"id <=> NULL", "id IS NULL"},
		{"id <=> 5", "id = 5"},
		// LIKE: the literal prefix
		{"username LIKE 'ab%'", "username STARTS WITH 'ab'"},
		{"username LIKE 'ab%%'", "username STARTS WITH 'ab'"},
		{"username LIKE 'ab'", "username = 'ab'"},
		{`username LIKE 'a\_b%'`, "username STARTS WITH 'a_b'"},
		{"username LIKE 'ab%c'", "username STARTS WITH 'ab'"}, // implied, and that is enough here
		{"username NOT LIKE 'ab%'", "username NOT STARTS WITH 'ab'"},
		{"username NOT LIKE 'ab%c'", ""}, // 'abd' is kept by the query: not-starts-with would drop it
		{"NOT (username LIKE 'ab%c')", ""},
		{"username LIKE '%ab'", ""},
		{"username LIKE 'a_b'", "username STARTS WITH 'a'"},
		{"username LIKE '_ab'", ""},
		// BOOLEAN columns
		{"ok", "ok = true"},
		{"ok IS TRUE", "ok = true"},
		{"NOT ok", "NOT (ok = true)"},
		// casts that keep the order
		{"CAST(n AS BIGINT) > 3", "n > 3"},
		// AND keeps what it can; OR and NOT only whole
		{"n > 3 AND UPPER(username) = 'X'", "n > 3"},
		{"id = 1 OR id = 2", "(id = 1 OR id = 2)"},
		{"id = 1 OR UPPER(username) = 'X'", ""},
		{"(id = 1 AND UPPER(username) = 'X') OR id = 3", "(id = 1 OR id = 3)"},
		{"NOT (id = 1 AND UPPER(username) = 'X')", ""},
		{"NOT (id = 1 OR UPPER(username) = 'X')", "NOT (id = 1)"},
		{"NOT (id = 1 OR id = 2)", "NOT ((id = 1 OR id = 2))"},
		// not pushable: other columns, functions, JSON, computed columns
		{"id = n", ""},
		{"id + 1 > 2", ""},
		{"UPPER(username) = 'X'", ""},
		{"payload = '{}'", ""},
		{"twice > 4", ""},
		{"CAST(id AS VARCHAR) = '1'", ""},
		{"username REGEXP '^a'", ""},
	} {
		t.Run(tc.where, func(t *testing.T) {
			l, err := bindSelect(t, p, "SELECT id FROM m WHERE "+tc.where)
			if err != nil {
				t.Fatal(diag.FormatError(err))
			}
			opt, err := Optimize(l)
			if err != nil {
				t.Fatal(err)
			}
			var cond []string
			var got string
			var walk func(Logical)
			walk = func(n Logical) {
				if f, ok := n.(*Filter); ok {
					if _, ok := f.In.(*Scan); ok {
						cond = append(cond, f.Cond.String())
						if js := lakeScanFilter(rel, f.Cond); js != "" {
							got = describeLakeFilter(js)
							if _, err := iceberggo.ParseExpr([]byte(js), sch); err != nil {
								t.Errorf("pushed %s does not parse: %v", js, err)
							}
						}
					}
				}
				for _, in := range n.Inputs() {
					walk(in)
				}
			}
			walk(opt)
			if len(cond) != 1 {
				t.Fatalf("no Filter over the Scan in\n%s", FormatLogical(opt))
			}
			if got != tc.want {
				t.Errorf("WHERE %s (bound %s): pushed %q, want %q", tc.where, cond[0], got, tc.want)
			}
		})
	}
}

func TestLakeScanFilterSettingName(t *testing.T) {
	if settingIcebergScanFilterPrefix != iceberg.SettingScanFilterPrefix {
		t.Fatalf("planner writes %q, the source reads %q", settingIcebergScanFilterPrefix, iceberg.SettingScanFilterPrefix)
	}
}
