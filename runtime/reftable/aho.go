package reftable

import "sort"

// Automaton is an Aho–Corasick automaton over byte strings: one pass over a
// text finds every occurrence of every pattern. Bytes are mapped to classes
// (the bytes that occur in some pattern, plus one class for all others), and
// when states × classes is small enough the transitions are a dense table
// (one load per text byte); otherwise a sparse trie with failure links.
type Automaton struct {
	class  [256]uint8
	nclass int
	dense  []int32 // nstates*nclass, nil in sparse mode
	// fast is dense with every target premultiplied by nclass and
	// negated when the target state reports a match (out or dict), so the
	// scan loop is one table load per byte and one sign test.
	fast []int32
	// sparse mode: edges of state s are edges[first[s]:first[s+1]], sorted
	first []int32
	edges []edge
	fail  []int32
	out   []int32 // pattern ending exactly at the state, -1: none
	dict  []int32 // nearest state on the failure chain (not itself) with out >= 0, -1: none
	npat  int
}

type edge struct {
	b  byte
	to int32
}

// maxDense bounds the dense transition table (entries of 4 bytes).
const maxDense = 1 << 24

// NewAutomaton builds an automaton over patterns; pattern i is reported as
// i. Empty patterns never match (callers handle them apart); duplicates
// are each reported.
func NewAutomaton(patterns []string) *Automaton {
	a := &Automaton{npat: len(patterns)}
	// byte classes
	var used [256]bool
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
	}
	a.nclass = 1
	for b := 0; b < 256; b++ {
		if used[b] {
			a.class[b] = uint8(a.nclass)
			a.nclass++
		}
	}
	// the trie: goto during construction in a map keyed by state<<8|byte
	type key = uint64
	gotoM := make(map[key]int32)
	a.out = []int32{-1}
	var dup [][2]int32 // extra pattern ids ending at a state (duplicates)
	for pid, p := range patterns {
		if p == "" {
			continue
		}
		s := int32(0)
		for i := 0; i < len(p); i++ {
			k := uint64(s)<<8 | uint64(p[i])
			nx, ok := gotoM[k]
			if !ok {
				nx = int32(len(a.out))
				a.out = append(a.out, -1)
				gotoM[k] = nx
			}
			s = nx
		}
		if a.out[s] < 0 {
			a.out[s] = int32(pid)
		} else {
			dup = append(dup, [2]int32{s, int32(pid)})
		}
	}
	n := len(a.out)
	// per-state sorted edges
	counts := make([]int32, n+1)
	for k := range gotoM {
		counts[int(k>>8)+1]++
	}
	for i := 1; i <= n; i++ {
		counts[i] += counts[i-1]
	}
	a.first = counts
	a.edges = make([]edge, len(gotoM))
	fill := make([]int32, n)
	for k, to := range gotoM {
		s := int(k >> 8)
		a.edges[a.first[s]+fill[s]] = edge{b: byte(k), to: to}
		fill[s]++
	}
	gotoM = nil
	for s := 0; s < n; s++ {
		es := a.edges[a.first[s]:a.first[s+1]]
		if len(es) > 1 {
			sort.Slice(es, func(i, j int) bool { return es[i].b < es[j].b })
		}
	}
	// failure links, breadth first
	a.fail = make([]int32, n)
	a.dict = make([]int32, n)
	for i := range a.dict {
		a.dict[i] = -1
	}
	queue := make([]int32, 0, n)
	for _, e := range a.edges[a.first[0]:a.first[1]] {
		a.fail[e.to] = 0
		queue = append(queue, e.to)
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		for _, e := range a.edges[a.first[s]:a.first[s+1]] {
			f := a.fail[s]
			for {
				if nx, ok := a.sparseGoto(f, e.b); ok {
					f = nx
					break
				}
				if f == 0 {
					break
				}
				f = a.fail[f]
			}
			a.fail[e.to] = f
			if a.out[f] >= 0 {
				a.dict[e.to] = f
			} else {
				a.dict[e.to] = a.dict[f]
			}
			queue = append(queue, e.to)
		}
	}
	if n*a.nclass <= maxDense {
		a.dense = make([]int32, n*a.nclass)
		// root row
		for _, e := range a.edges[a.first[0]:a.first[1]] {
			a.dense[int(a.class[e.b])] = e.to
		}
		for _, s := range queue {
			row := a.dense[int(s)*a.nclass : int(s+1)*a.nclass]
			copy(row, a.dense[int(a.fail[s])*a.nclass:int(a.fail[s]+1)*a.nclass])
			for _, e := range a.edges[a.first[s]:a.first[s+1]] {
				row[a.class[e.b]] = e.to
			}
		}
	}
	if len(dup) > 0 {
		a.addDuplicates(dup)
	}
	if a.dense != nil && n*a.nclass < 1<<30 {
		a.fast = make([]int32, len(a.dense))
		for i, to := range a.dense {
			v := to * int32(a.nclass)
			if a.out[to] >= 0 || a.dict[to] >= 0 {
				v = -v - 1
			}
			a.fast[i] = v
		}
	}
	return a
}

// addDuplicates gives every duplicate pattern its own terminal state (a
// copy reached only through the dict chain), so each id is reported.
func (a *Automaton) addDuplicates(dup [][2]int32) {
	for _, d := range dup {
		s, pid := d[0], d[1]
		ns := int32(len(a.out))
		a.out = append(a.out, pid)
		a.dict = append(a.dict, a.dict[s])
		a.fail = append(a.fail, a.fail[s])
		a.dict[s] = ns
		// states whose dict pointed past s keep working: the chain from
		// s now goes through ns first; states pointing at s reach ns via
		// s.dict.
	}
}

func (a *Automaton) sparseGoto(s int32, b byte) (int32, bool) {
	es := a.edges[a.first[s]:a.first[s+1]]
	lo, hi := 0, len(es)
	for lo < hi {
		m := (lo + hi) >> 1
		if es[m].b < b {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(es) && es[lo].b == b {
		return es[lo].to, true
	}
	return 0, false
}

// States returns the number of states (for tests and sizing).
func (a *Automaton) States() int { return len(a.first) - 1 }

// Find calls fn(pattern id) for every occurrence of a pattern in text (a
// pattern occurring twice is reported twice). fn returns false to stop.
func (a *Automaton) Find(text string, fn func(pid int) bool) {
	for _, pid := range a.AppendMatches(nil, text) {
		if !fn(int(pid)) {
			return
		}
	}
}

// AppendMatches appends the id of every occurrence of a pattern in text
// to dst (a pattern occurring twice is appended twice).
func (a *Automaton) AppendMatches(dst []int32, text string) []int32 {
	if a.npat == 0 || len(a.first) <= 1 {
		return dst
	}
	if a.fast != nil {
		fast, class, nc := a.fast, &a.class, int32(a.nclass)
		s := int32(0) // premultiplied
		for i := 0; i < len(text); i++ {
			s = fast[s+int32(class[text[i]])]
			if s < 0 {
				s = -s - 1
				o := s / nc
				if a.out[o] < 0 {
					o = a.dict[o]
				}
				for o >= 0 {
					dst = append(dst, a.out[o])
					o = a.dict[o]
				}
			}
		}
		return dst
	}
	s := int32(0)
	for i := 0; i < len(text); i++ {
		if a.dense != nil {
			s = a.dense[int(s)*a.nclass+int(a.class[text[i]])]
		} else {
			b := text[i]
			for {
				if nx, ok := a.sparseGoto(s, b); ok {
					s = nx
					break
				}
				if s == 0 {
					break
				}
				s = a.fail[s]
			}
		}
		if a.out[s] < 0 && a.dict[s] < 0 {
			continue
		}
		o := s
		if a.out[o] < 0 {
			o = a.dict[o]
		}
		for o >= 0 {
			dst = append(dst, a.out[o])
			o = a.dict[o]
		}
	}
	return dst
}
