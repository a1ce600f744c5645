package reftable

import (
	"sort"

	"github.com/chatsql/chatsql/runtime/types"
)

// TextIndex answers "which table rows' text occurs in this string": each
// table row gives a string (Extract, e.g. a banned word), and Match finds
// the rows whose string occurs in a text with one Aho–Corasick pass. A row
// whose string is empty matches every text; a row without one (Extract
// returns false) matches none. The automaton is rebuilt on the first Match
// after the table changed, so a batch of changes costs one rebuild.
type TextIndex struct {
	t       *Table
	extract func(types.Row) (string, bool)
	ok      bool
	built   uint64
	ac      *Automaton
	refs    [][]ref // per pattern
	always  []ref   // rows with an empty string
	seen    []uint32
	stamp   uint32
	hits    []ref
	pids    []int32
	Builds  int // how many times the automaton was built
}

type ref struct {
	idx int32
	row types.Row // the version whose string this is
}

// NewTextIndex returns a text index over extract's strings of the table's
// rows. extract is called only while (re)building.
func (t *Table) NewTextIndex(extract func(types.Row) (string, bool)) *TextIndex {
	return &TextIndex{t: t, extract: extract}
}

func (x *TextIndex) build() {
	t := x.t
	ids := map[string]int{}
	var pats []string
	x.refs = x.refs[:0]
	x.always = x.always[:0]
	for i := range t.entries {
		e := &t.entries[i]
		if e.key == "" {
			continue
		}
		for _, v := range e.vers {
			if v.row == nil {
				continue
			}
			s, ok := x.extract(v.row)
			if !ok {
				continue
			}
			r := ref{idx: int32(i), row: v.row}
			if s == "" {
				x.always = append(x.always, r)
				continue
			}
			id, ok := ids[s]
			if !ok {
				id = len(pats)
				ids[s] = id
				pats = append(pats, s)
				x.refs = append(x.refs, nil)
			}
			x.refs[id] = append(x.refs[id], r)
		}
	}
	x.ac = NewAutomaton(pats)
	if cap(x.seen) < len(pats) {
		x.seen = make([]uint32, len(pats))
	}
	x.seen = x.seen[:len(pats)]
	clear(x.seen)
	x.stamp = 0
	x.built, x.ok = t.changes, true
	x.Builds++
}

// AppendMatch appends to dst every row valid at time at whose string
// occurs in text, in the order the table first stored their keys. The rows
// belong to the table: read them, do not keep or change them.
func (x *TextIndex) AppendMatch(dst []types.Row, text string, at int64) []types.Row {
	if !x.ok || x.built != x.t.changes {
		x.build()
	}
	x.stamp++
	if x.stamp == 0 {
		clear(x.seen)
		x.stamp = 1
	}
	hits := x.hits[:0]
	for _, r := range x.always {
		if x.valid(r, at) {
			hits = append(hits, r)
		}
	}
	x.pids = x.ac.AppendMatches(x.pids[:0], text)
	for _, pid := range x.pids {
		if x.seen[pid] == x.stamp {
			continue
		}
		x.seen[pid] = x.stamp
		for _, r := range x.refs[pid] {
			if x.valid(r, at) {
				hits = append(hits, r)
			}
		}
	}
	if len(hits) > 1 {
		sort.Slice(hits, func(i, j int) bool { return hits[i].idx < hits[j].idx })
	}
	for _, r := range hits {
		dst = append(dst, r.row)
	}
	clear(hits) // drop row references
	x.hits = hits[:0]
	return dst
}

func (x *TextIndex) valid(r ref, at int64) bool {
	cur := x.t.entries[r.idx].asOf(at)
	return len(cur) > 0 && &cur[0] == &r.row[0]
}
