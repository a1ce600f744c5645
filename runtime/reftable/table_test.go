package reftable

import (
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/runtime/types"
)

func row(id int64, v string) types.Row {
	return types.Row{types.NewBigInt(id), types.NewString(v)}
}

func str(r types.Row) string {
	if r == nil {
		return "<nil>"
	}
	return r[1].Str()
}

func hist() *Table {
	return New(Options{Columns: 2, Key: []int{0}, VersionCol: -1, History: true})
}

func TestAsOfVersionsAndOutOfOrder(t *testing.T) {
	tb := hist()
	k := types.NewBigInt(1)
	tb.Apply(Upsert, row(1, "a"), 10)
	tb.Apply(Upsert, row(1, "c"), 30)
	if r := tb.Apply(Upsert, row(1, "b"), 20); r != OutOfOrder {
		t.Fatalf("result %v, want OutOfOrder", r)
	}
	tb.Apply(Delete, types.Row{k, {}}, 40)
	tb.Apply(Upsert, row(1, "e"), 50)
	for _, c := range []struct {
		at   int64
		want string
	}{{5, "<nil>"}, {10, "a"}, {19, "a"}, {20, "b"}, {29, "b"}, {30, "c"}, {40, "<nil>"}, {49, "<nil>"}, {50, "e"}, {Latest, "e"}} {
		if got := str(tb.AsOf(c.at, k)); got != c.want {
			t.Errorf("AsOf(%d) = %s, want %s", c.at, got, c.want)
		}
	}
	// INT and BIGINT keys find each other
	if got := str(tb.AsOf(Latest, types.NewInt(1))); got != "e" {
		t.Errorf("INT key: %s", got)
	}
	// same valid-from replaces
	tb.Apply(Upsert, row(1, "e2"), 50)
	if got := str(tb.AsOf(Latest, k)); got != "e2" {
		t.Errorf("replace: %s", got)
	}
	if tb.Len() != 1 || tb.Stats().OutOfOrder != 1 || tb.Stats().Deletes != 1 {
		t.Fatalf("len %d stats %+v", tb.Len(), tb.Stats())
	}
}

func TestPrune(t *testing.T) {
	tb := hist()
	k := types.NewBigInt(1)
	for i := int64(0); i < 10; i++ {
		tb.Apply(Upsert, row(1, string(rune('a'+i))), i*10)
	}
	tb.Prune(35) // keeps the version from 30 (valid at 35) and later ones
	if n := tb.Versions(); n != 7 {
		t.Fatalf("versions after prune = %d, want 7", n)
	}
	if got := str(tb.AsOf(35, k)); got != "d" {
		t.Fatalf("AsOf(35) = %s", got)
	}
	tb.Prune(1000)
	if n := tb.Versions(); n != 1 {
		t.Fatalf("versions = %d, want 1", n)
	}
	tb.Apply(Delete, types.Row{k, {}}, 2000)
	if tb.Len() != 0 || tb.Keys() != 1 {
		t.Fatalf("len %d keys %d", tb.Len(), tb.Keys())
	}
	tb.Prune(1500)
	if tb.Keys() != 1 || str(tb.AsOf(1600, k)) != "j" {
		t.Fatal("prune before the delete must keep the key")
	}
	tb.Prune(2000)
	if tb.Keys() != 0 || tb.Versions() != 0 {
		t.Fatalf("deleted key not dropped: keys %d versions %d", tb.Keys(), tb.Versions())
	}
	// the freed slot is reused
	tb.Apply(Upsert, row(2, "x"), 0)
	if len(tb.entries) != 1 || str(tb.AsOf(Latest, types.NewBigInt(2))) != "x" {
		t.Fatal("slot not reused")
	}
}

func TestLatestOnlyAndStale(t *testing.T) {
	tb := New(Options{Columns: 3, Key: []int{0}, VersionCol: 2})
	r := func(id int64, v string, ver int64) types.Row {
		return types.Row{types.NewBigInt(id), types.NewString(v), types.NewBigInt(ver)}
	}
	tb.Apply(Upsert, r(1, "a", 5), 0)
	if res := tb.Apply(Upsert, r(1, "old", 3), 0); res != Stale {
		t.Fatalf("stale update: %v", res)
	}
	tb.Apply(Upsert, r(1, "b", 5), 0) // equal version applies
	if got := tb.AsOf(Latest, types.NewBigInt(1))[1].Str(); got != "b" {
		t.Fatalf("got %s", got)
	}
	tb.Apply(Delete, types.Row{types.NewBigInt(1), {}, {}}, 0)
	if tb.AsOf(Latest, types.NewBigInt(1)) != nil || tb.Len() != 0 {
		t.Fatal("delete")
	}
	// a stale upsert after the delete stays ignored (the version is remembered)
	if res := tb.Apply(Upsert, r(1, "older", 4), 0); res != Stale {
		t.Fatalf("stale after delete: %v", res)
	}
	if tb.Stats().Stale != 2 || tb.Versions() != 1 {
		t.Fatalf("stats %+v versions %d", tb.Stats(), tb.Versions())
	}
	// without a version column, a delete frees the key
	t2 := New(Options{Columns: 2, Key: []int{0}, VersionCol: -1})
	t2.Apply(Upsert, row(1, "a"), 0)
	t2.Apply(Upsert, row(1, "b"), 0)
	t2.Apply(Delete, types.Row{types.NewBigInt(1), {}}, 0)
	if t2.Keys() != 0 || t2.Len() != 0 {
		t.Fatal("not freed")
	}
}

func TestSecondaryIndexAndScan(t *testing.T) {
	tb := hist()
	for i := int64(0); i < 100; i++ {
		tb.Apply(Upsert, row(i, []string{"red", "green", "blue"}[i%3]), 0)
	}
	got := tb.AppendLookup(nil, []int{1}, []types.Value{types.NewString("green")}, Latest)
	if len(got) != 33 {
		t.Fatalf("green rows = %d", len(got))
	}
	tb.Apply(Upsert, row(1, "red"), 10) // was green
	got = tb.AppendLookup(nil, []int{1}, []types.Value{types.NewString("green")}, Latest)
	if len(got) != 32 {
		t.Fatalf("green rows after change = %d", len(got))
	}
	got = tb.AppendLookup(nil, []int{1}, []types.Value{types.NewString("green")}, 5)
	if len(got) != 33 {
		t.Fatalf("green rows as of 5 = %d", len(got))
	}
	if got := tb.AppendLookup(nil, []int{1}, []types.Value{{}}, Latest); len(got) != 0 {
		t.Fatal("NULL matched")
	}
	// the primary key through AppendLookup
	if got := tb.AppendLookup(nil, []int{0}, []types.Value{types.NewInt(7)}, Latest); len(got) != 1 || got[0][0].Int() != 7 {
		t.Fatalf("pk lookup %v", got)
	}
	if n := len(tb.AppendScan(nil, Latest)); n != 100 {
		t.Fatalf("scan %d", n)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	tb := New(Options{Columns: 3, Key: []int{0, 1}, VersionCol: 2, History: true})
	r := func(a int64, b string, ver int64) types.Row {
		return types.Row{types.NewBigInt(a), types.NewString(b), types.NewBigInt(ver)}
	}
	for i := int64(0); i < 50; i++ {
		tb.Apply(Upsert, r(i%7, "k", i), i)
		if i%11 == 0 {
			tb.Apply(Delete, types.Row{types.NewBigInt(i % 5), types.NewString("k"), {}}, i+1)
		}
	}
	snap := tb.AppendSnapshot([]byte("x"))
	t2 := New(Options{Columns: 3, Key: []int{0, 1}, VersionCol: 2, History: true})
	rest, err := t2.Restore(append(snap[1:], 'y'))
	if err != nil || string(rest) != "y" {
		t.Fatalf("restore: %v %q", err, rest)
	}
	if t2.Len() != tb.Len() || t2.Keys() != tb.Keys() || t2.Versions() != tb.Versions() {
		t.Fatalf("len %d/%d keys %d/%d", t2.Len(), tb.Len(), t2.Keys(), tb.Keys())
	}
	for k := int64(0); k < 7; k++ {
		for at := int64(0); at < 55; at++ {
			a, b := tb.AsOf(at, types.NewBigInt(k), types.NewString("k")), t2.AsOf(at, types.NewBigInt(k), types.NewString("k"))
			if (a == nil) != (b == nil) || (a != nil && a[2].Int() != b[2].Int()) {
				t.Fatalf("key %d at %d: %v vs %v", k, at, a, b)
			}
		}
	}
	if res := t2.Apply(Upsert, r(3, "k", 1), 100); res != Stale {
		t.Fatal("max version not restored")
	}
	if _, err := t2.Restore(snap[1 : len(snap)-3]); err == nil {
		t.Fatal("truncated snapshot accepted")
	}
}

func TestTextIndex(t *testing.T) {
	tb := New(Options{Columns: 2, Key: []int{0}, VersionCol: -1})
	words := []string{"spam", "scam", "am", "", "free money"}
	for i, w := range words {
		tb.Apply(Upsert, row(int64(i), w), 0)
	}
	tb.Apply(Upsert, types.Row{types.NewBigInt(9), {}}, 0) // NULL word: never matches
	ix := tb.NewTextIndex(func(r types.Row) (string, bool) { return r[1].Str(), !r[1].IsNull() })
	names := func(text string) string {
		var out []string
		for _, r := range ix.AppendMatch(nil, text, Latest) {
			out = append(out, r[1].Str())
		}
		return strings.Join(out, "|")
	}
	if got := names("this is spam, free money"); got != "spam|am||free money" {
		t.Fatalf("got %q", got)
	}
	if got := names("hello"); got != "" {
		t.Fatalf("got %q", got)
	}
	builds := ix.Builds
	tb.Apply(Upsert, row(3, "hello"), 0)
	tb.Apply(Upsert, row(2, "xyz"), 0)
	if got := names("hello"); got != "hello" {
		t.Fatalf("after change got %q", got)
	}
	names("hello spam")
	if ix.Builds != builds+1 {
		t.Fatalf("builds %d, want one rebuild for two changes", ix.Builds-builds)
	}
}

// TestAhoCorasickDifferential checks the automaton against strings.Contains
// on random patterns and texts over small alphabets (many overlaps).
func TestAhoCorasickDifferential(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	rs := func(alpha string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.Intn(len(alpha))]
		}
		return string(b)
	}
	for round := 0; round < 300; round++ {
		alpha := []string{"ab", "abc", "abcdefgh", "aé\x00\xff"}[round%4]
		np := 1 + rng.Intn(40)
		pats := make([]string, np)
		for i := range pats {
			pats[i] = rs(alpha, 1+rng.Intn(6))
		}
		a := NewAutomaton(pats)
		if round%2 == 1 {
			a.dense, a.fast = nil, nil // exercise the sparse walk too
		}
		for k := 0; k < 20; k++ {
			text := rs(alpha, rng.Intn(60))
			found := map[int]bool{}
			a.Find(text, func(pid int) bool { found[pid] = true; return true })
			for i, p := range pats {
				if want := strings.Contains(text, p); want != found[i] {
					t.Fatalf("round %d: pattern %q in %q: automaton %v, strings.Contains %v", round, p, text, found[i], want)
				}
			}
		}
		// occurrences: count must equal the number of (overlapping) positions
		text := rs(alpha, 80)
		count := map[int]int{}
		a.Find(text, func(pid int) bool { count[pid]++; return true })
		for i, p := range pats {
			n := 0
			for j := 0; j+len(p) <= len(text); j++ {
				if text[j:j+len(p)] == p {
					n++
				}
			}
			if count[i] != n {
				t.Fatalf("pattern %q in %q: %d occurrences, want %d", p, text, count[i], n)
			}
		}
	}
}

func TestTextIndexDifferentialVersions(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	tb := hist()
	var log []struct {
		k, at int64
		w     string
		del   bool
	}
	for i := 0; i < 400; i++ {
		k, at := int64(rng.Intn(30)), int64(rng.Intn(100))
		w := string([]byte{byte('a' + rng.Intn(3)), byte('a' + rng.Intn(3))})[:1+rng.Intn(2)]
		del := rng.Intn(6) == 0
		if del {
			tb.Apply(Delete, types.Row{types.NewBigInt(k), {}}, at)
		} else {
			tb.Apply(Upsert, row(k, w), at)
		}
		log = append(log, struct {
			k, at int64
			w     string
			del   bool
		}{k, at, w, del})
	}
	ix := tb.NewTextIndex(func(r types.Row) (string, bool) { return r[1].Str(), true })
	for q := 0; q < 200; q++ {
		at := int64(rng.Intn(110))
		text := string([]byte{byte('a' + rng.Intn(3)), byte('a' + rng.Intn(3)), byte('a' + rng.Intn(3))})
		var got []int64
		for _, r := range ix.AppendMatch(nil, text, at) {
			got = append(got, r[0].Int())
		}
		var want []int64
		tb.Scan(at, func(r types.Row) bool {
			if strings.Contains(text, r[1].Str()) {
				want = append(want, r[0].Int())
			}
			return true
		})
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		if len(got) != len(want) {
			t.Fatalf("at %d text %q: got %v want %v", at, text, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("at %d text %q: got %v want %v", at, text, got, want)
			}
		}
	}
}
