package adhoc

import (
	"reflect"
	"testing"
)

func TestFindTableRefs(t *testing.T) {
	cases := []struct {
		q    string
		want []string
	}{
		{"SELECT * FROM lake.chat.messages", []string{"lake.chat.messages"}},
		{"SELECT 'FROM a.b' AS s, x.y FROM t -- FROM c.d\n/* FROM e.f */", nil},
		{"SELECT * FROM a.b x, c.d AS y JOIN e.f ON x.id = e.f.id WHERE z.w IN (SELECT 1 FROM g.h)", []string{"a.b", "c.d", "e.f", "g.h"}},
		{`SELECT * FROM "my ns"."tab""le"`, []string{`my ns.tab"le`}},
		{"SELECT * FROM read_parquet('x'), main.f(1), a.b.c.d", nil},
		{"WITH w AS (SELECT * FROM lake.n.t FOR VERSION AS OF 7) SELECT * FROM w, n.t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01'", []string{"lake.n.t@v7", "n.t@t2024-01-01"}},
		{"SELECT * FROM (SELECT * FROM a.b) s LEFT JOIN LATERAL c.d ON true", []string{"a.b", "c.d"}},
		{"SELECT $$FROM a.b$$, E'it''s FROM c.d' FROM e.f", []string{"e.f"}},
		{"SELECT * FROM `lake`.`my ns`.`tab``le` JOIN `c`.d ON 1 = 1", []string{"lake.my ns.tab`le", "c.d"}},
	}
	for _, c := range cases {
		var got []string
		for _, r := range findTableRefs(tokenize(c.q)) {
			s := r.ident()
			if r.version != "" {
				s += "@v" + r.version
			}
			if r.asOfTime != "" {
				s += "@t" + r.asOfTime
			}
			got = append(got, s)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.q, got, c.want)
		}
	}
}

func TestReadsIceberg(t *testing.T) {
	cats := []string{"lake", "other"}
	for q, want := range map[string]bool{
		"SELECT * FROM lake.chat.messages":                             true,
		"  with x AS (SELECT 1) SELECT * FROM x JOIN Other.a.b ON 1=1": true,
		"SELECT * FROM chat_messages":                                  false,
		"SELECT * FROM chat.messages":                                  false,
		"SELECT * FROM nope.chat.messages":                             false,
		"INSERT INTO t SELECT * FROM lake.chat.messages":               false,
		"SELECT 'FROM lake.chat.messages'":                             false,
		"SELECT * FROM `lake`.`chat`.`messages`":                       true,
	} {
		if got := ReadsIceberg(q, cats); got != want {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
}
