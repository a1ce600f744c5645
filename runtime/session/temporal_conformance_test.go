package session

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/connectors/kafka/kafkatest"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Event-time temporal join conformance: the cases of Apache Flink's
// TemporalJoinITCase
// (flink-table/flink-table-planner/src/test/scala/org/apache/flink/table/
// planner/runtime/stream/sql/TemporalJoinITCase.scala), their expected rows
// copied from there, re-expressed in our SQL:
//
//   - the versioned currency tables are upsert Kafka tables: each +I/+U row
//     is a record keyed by the primary key, each -D a tombstone whose record
//     timestamp is the row's currency_time (Flink's "event time of a delete
//     is when it happened"); -U rows (update-before) have no counterpart in
//     an upsert topic and are left out, as Flink's upsert-kafka does;
//   - Flink's orders_rowtime is a changelog (order 2 updated, order 6
//     inserted then deleted) written to a sink with ON CONFLICT DO
//     DEDUPLICATE, so its expected rows are those of the orders' final
//     state; our stream is append-only, so it holds that final state;
//   - testEventTimeTemporalJoinWithFilter joins a view over the table (the
//     view only renames nothing: SELECT *); we join the table itself.

// flinkOrders is orders_rowtime's final state (order_id, currency,
// currency_no, amount, order_time).
var flinkOrders = []string{
	`{"order_id":1,"currency":"Euro","currency_no":"no1","amount":12,"order_time":"2020-08-15 00:01:00"}`,
	`{"order_id":2,"currency":"US Dollar","currency_no":"no1","amount":18,"order_time":"2020-08-16 00:03:00"}`,
	`{"order_id":3,"currency":"RMB","currency_no":"no1","amount":40,"order_time":"2020-08-15 00:03:00"}`,
	`{"order_id":4,"currency":"Euro","currency_no":"no1","amount":14,"order_time":"2020-08-16 00:04:00"}`,
	`{"order_id":5,"currency":"RMB","currency_no":"no1","amount":40,"order_time":"2020-08-16 00:03:00"}`,
}

// currencyRow is one upsert (rate >= 0) or tombstone (rate < 0).
type currencyRow struct {
	currency string
	rate     int64
	at       string // currency_time, and the record timestamp
}

// The three versioned tables of the ITCase.
var (
	// rowTimeCurrencyDataUsingMetaTime (versioned_currency_with_single_key
	// and _multi_key)
	currencyMetaTime = []currencyRow{
		{"Euro", 114, "2020-08-15 00:00:01"}, {"US Dollar", 102, "2020-08-15 00:00:02"},
		{"Yen", 1, "2020-08-15 00:00:03"}, {"RMB", 702, "2020-08-15 00:00:04"},
		{"Euro", 118, "2020-08-16 00:01:00"}, {"US Dollar", 106, "2020-08-16 00:02:00"},
		{"RMB", -1, "2020-08-16 00:02:00"},
	}
	// rowTimeCurrencyDataUsingBeforeTime (currency_using_update_before_time)
	currencyBeforeTime = []currencyRow{
		{"Euro", 114, "2020-08-15 00:00:01"}, {"US Dollar", 102, "2020-08-15 00:00:02"},
		{"Yen", 1, "2020-08-15 00:00:03"}, {"RMB", 702, "2020-08-15 00:00:04"},
		{"Euro", 118, "2020-08-16 00:01:00"}, {"US Dollar", 106, "2020-08-16 00:02:00"},
		{"RMB", -1, "2020-08-15 00:00:04"},
	}
	// upsertSourceCurrencyData (upsert_currency)
	currencyUpsert = []currencyRow{
		{"Euro", 114, "2020-08-15 00:00:01"}, {"US Dollar", 102, "2020-08-15 00:00:02"},
		{"Yen", 1, "2020-08-15 00:00:03"}, {"RMB", 702, "2020-08-15 00:00:04"},
		{"Euro", 118, "2020-08-16 00:01:00"}, {"US Dollar", 104, "2020-08-16 00:02:00"},
		{"RMB", -1, "2020-08-15 00:00:04"},
	}
)

type temporalCase struct {
	name   string // the ITCase test method
	tables map[string][]currencyRow
	multi  map[string]bool // tables keyed by (currency, currency_no)
	query  string          // SELECT ... producing order_id, currency, amount, order_time, rate, currency_time[, ...]
	want   []string        // Flink's expected rows, as written there
}

const temporalSelect = "SELECT o.order_id, o.currency, o.amount, o.order_time, r.rate, r.currency_time FROM orders_rowtime AS o "

var temporalCases = []temporalCase{
	{name: "testEventTimeTemporalJoin",
		tables: map[string][]currencyRow{"versioned_currency_with_single_key": currencyMetaTime},
		query:  temporalSelect + "JOIN versioned_currency_with_single_key FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency = r.currency",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02",
			"3,RMB,40,2020-08-15T00:03,702,2020-08-15T00:00:04",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
		}},
	{name: "testEventTimeTemporalJoinThatJoinkeyContainsPk",
		tables: map[string][]currencyRow{"versioned_currency_with_single_key": currencyMetaTime},
		query:  temporalSelect + "JOIN versioned_currency_with_single_key FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency = r.currency AND o.currency_no = r.currency_no",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02",
			"3,RMB,40,2020-08-15T00:03,702,2020-08-15T00:00:04",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
		}},
	{name: "testEventTimeTemporalJoinWithFilter",
		tables: map[string][]currencyRow{"versioned_currency_with_single_key": currencyMetaTime},
		query:  temporalSelect + "JOIN versioned_currency_with_single_key FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency = r.currency WHERE rate < 115",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02",
		}},
	{name: "testEventTimeLeftTemporalJoin",
		tables: map[string][]currencyRow{"versioned_currency_with_single_key": currencyMetaTime},
		query:  temporalSelect + "LEFT JOIN versioned_currency_with_single_key FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency = r.currency",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02",
			"3,RMB,40,2020-08-15T00:03,702,2020-08-15T00:00:04",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
			"5,RMB,40,2020-08-16T00:03,null,null",
		}},
	{name: "testEventTimeTemporalJoinChangelogUsingBeforeTime",
		tables: map[string][]currencyRow{"currency_using_update_before_time": currencyBeforeTime},
		query:  temporalSelect + "LEFT JOIN currency_using_update_before_time FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency = r.currency",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02",
			"3,RMB,40,2020-08-15T00:03,null,null",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
			"5,RMB,40,2020-08-16T00:03,null,null",
		}},
	{name: "testEventTimeLeftTemporalJoinUpsertSource",
		tables: map[string][]currencyRow{"upsert_currency": currencyUpsert},
		query:  temporalSelect + "LEFT JOIN upsert_currency FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency = r.currency",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,104,2020-08-16T00:02",
			"3,RMB,40,2020-08-15T00:03,null,null",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
			"5,RMB,40,2020-08-16T00:03,null,null",
		}},
	{name: "testEventTimeTemporalJoinWithMultiKeys",
		tables: map[string][]currencyRow{"versioned_currency_with_multi_key": currencyMetaTime},
		multi:  map[string]bool{"versioned_currency_with_multi_key": true},
		query:  temporalSelect + "JOIN versioned_currency_with_multi_key FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency_no = r.currency_no AND o.currency = r.currency",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02",
			"3,RMB,40,2020-08-15T00:03,702,2020-08-15T00:00:04",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
		}},
	{name: "testEventTimeTemporalJoinWithNonEqualCondition",
		tables: map[string][]currencyRow{"currency_using_update_before_time": currencyBeforeTime},
		query: temporalSelect + "JOIN currency_using_update_before_time FOR SYSTEM_TIME AS OF o.order_time as r " +
			"ON o.currency = r.currency and o.currency_no = r.currency_no and o.order_id < 5 and r.rate > 102",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
		}},
	{name: "testEventTimeTemporalJoinEqualConditionOnKey",
		tables: map[string][]currencyRow{"currency_using_update_before_time": currencyBeforeTime},
		query: temporalSelect + "JOIN currency_using_update_before_time FOR SYSTEM_TIME AS OF o.order_time as r " +
			"ON o.currency = r.currency and o.currency_no = r.currency_no and o.currency = 'Euro' and r.rate > 102",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01",
		}},
	{name: "testEventTimeMultiTemporalJoin",
		tables: map[string][]currencyRow{"versioned_currency_with_multi_key": currencyMetaTime, "versioned_currency_with_single_key": currencyMetaTime},
		multi:  map[string]bool{"versioned_currency_with_multi_key": true},
		query: "SELECT o.order_id, o.currency, o.amount, o.order_time, r.rate, r.currency_time, r1.rate AS r1_rate, r1.currency_time AS r1_time FROM orders_rowtime AS o " +
			"LEFT JOIN versioned_currency_with_multi_key FOR SYSTEM_TIME AS OF o.order_time as r ON o.currency = r.currency and o.currency_no = r.currency_no " +
			"LEFT JOIN versioned_currency_with_single_key FOR SYSTEM_TIME AS OF o.order_time as r1 ON o.currency = r1.currency",
		want: []string{
			"1,Euro,12,2020-08-15T00:01,114,2020-08-15T00:00:01,114,2020-08-15T00:00:01",
			"2,US Dollar,18,2020-08-16T00:03,106,2020-08-16T00:02,106,2020-08-16T00:02",
			"3,RMB,40,2020-08-15T00:03,702,2020-08-15T00:00:04,702,2020-08-15T00:00:04",
			"4,Euro,14,2020-08-16T00:04,118,2020-08-16T00:01,118,2020-08-16T00:01",
			"5,RMB,40,2020-08-16T00:03,null,null,null,null",
		}},
}

// TestTemporalJoinConformance runs Flink's event-time temporal join cases
// end to end: upsert tables on Kafka (kfake), the orders from a bounded
// file (its end sends the watermark to +infinity, which releases every
// held order), the result to a Kafka topic as JSON.
func TestTemporalJoinConformance(t *testing.T) {
	for _, c := range temporalCases {
		t.Run(c.name, func(t *testing.T) {
			br := kafkatest.NewKfake(t)
			dir := t.TempDir()
			orders := filepath.Join(dir, "orders.jsonl")
			if err := os.WriteFile(orders, []byte(strings.Join(flinkOrders, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out := kafkatest.Topic(t, "out")
			kafkatest.CreateTopic(t, br, out, 1)
			var script strings.Builder
			fmt.Fprintf(&script, `CREATE SOURCE orders_rowtime (
  order_id BIGINT, currency STRING, currency_no STRING, amount BIGINT, order_time TIMESTAMP(3),
  WATERMARK FOR order_time AS order_time - INTERVAL '2' DAY
) WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
`, orders)
			names := make([]string, 0, len(c.tables))
			for n := range c.tables {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, name := range names {
				topic := kafkatest.Topic(t, name)
				kafkatest.CreateTopic(t, br, topic, 1)
				kafkatest.Produce(t, br, currencyRecords(t, topic, c.tables[name], c.multi[name])...)
				key, keyFormat := "currency", "raw"
				if c.multi[name] {
					key, keyFormat = "currency, currency_no", "json"
				}
				fmt.Fprintf(&script, `CREATE TABLE %s (
  currency STRING, currency_no STRING, rate BIGINT, currency_time TIMESTAMP(3),
  WATERMARK FOR currency_time AS currency_time - INTERVAL '10' SECOND,
  PRIMARY KEY (%s) NOT ENFORCED
) WITH ('connector' = 'kafka', 'topic' = '%s', 'mode' = 'upsert', 'format' = 'json', 'key.format' = '%s');
`, name, key, topic, keyFormat)
			}
			fmt.Fprintf(&script, "CREATE SINK result WITH ('connector' = 'kafka', 'topic' = '%s', 'format' = 'json') AS\n%s;\n", out, c.query)
			s, err := New(Config{DataDir: t.TempDir(), Logf: t.Logf, Settings: map[string]string{"kafka.brokers": br}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.ExecScript(context.Background(), c.name+".sql", script.String()); err != nil {
				t.Fatal(diag.FormatError(err))
			}
			kafkatest.Consume(t, br, out, len(c.want), 30*time.Second)
			recs := kafkatest.ConsumeFor(t, br, out, time.Second)
			var got []string
			for _, r := range recs {
				got = append(got, flinkRowString(t, r.Value))
			}
			sort.Strings(got)
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("rows differ\n got:\n  %s\nwant (Flink's TemporalJoinITCase.%s):\n  %s", strings.Join(got, "\n  "), c.name, strings.Join(want, "\n  "))
			}
		})
	}
}

func currencyRecords(t *testing.T, topic string, rows []currencyRow, multi bool) []*kgo.Record {
	var recs []*kgo.Record
	for _, r := range rows {
		ts, err := time.Parse("2006-01-02 15:04:05", r.at)
		if err != nil {
			t.Fatal(err)
		}
		key := []byte(r.currency)
		if multi {
			key, _ = json.Marshal(map[string]string{"currency": r.currency, "currency_no": "no1"})
		}
		rec := &kgo.Record{Topic: topic, Key: key, Timestamp: ts}
		if r.rate >= 0 {
			rec.Value, _ = json.Marshal(map[string]any{"currency": r.currency, "currency_no": "no1", "rate": r.rate, "currency_time": r.at})
		}
		recs = append(recs, rec)
	}
	return recs
}

// flinkRowString renders an output record as Flink's test sink does: the
// fields joined by commas in the query's order, timestamps as Java's
// LocalDateTime.toString (seconds left out when zero), NULL as null.
func flinkRowString(t *testing.T, value []byte) string {
	dec := json.NewDecoder(strings.NewReader(string(value)))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", value)
	}
	var parts []string
	for dec.More() {
		if _, err := dec.Token(); err != nil { // key
			t.Fatal(err)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		switch x := v.(type) {
		case nil:
			parts = append(parts, "null")
		case string:
			parts = append(parts, javaLocalDateTime(x))
		default:
			parts = append(parts, fmt.Sprint(x))
		}
	}
	return strings.Join(parts, ",")
}

func javaLocalDateTime(s string) string {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		ts, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if ts.Second() == 0 && ts.Nanosecond() == 0 {
			return ts.Format("2006-01-02T15:04")
		}
		return ts.Format("2006-01-02T15:04:05")
	}
	return s
}
