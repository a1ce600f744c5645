package cep

// hnode is one labelled row of a thread's history. Histories are persistent
// lists linked towards the start of the match, so the threads of an attempt
// share their common prefixes and forking a thread copies nothing. jump is a
// skip pointer (Myers' skew-binary scheme: the jumps of a node and its parent
// span equal lengths, or the jump is the parent) so that the label of any row
// is found in O(log n) steps.
type hnode struct {
	parent *hnode
	jump   *hnode
	hash   uint64 // of the labels from the start: prefilter for history equality
	depth  int32  // labelled rows from the start of the match up to this one
	label  int32
}

// ancestor returns the node of h's history at depth d (0 < d <= h.depth).
func (h *hnode) ancestor(d int32) *hnode {
	for h.depth > d {
		if h.jump.depth >= d {
			h = h.jump
		} else {
			h = h.parent
		}
	}
	return h
}

// sameHistory reports whether two histories of equal length hold the same
// labels. Shared structure makes it stop at their common suffix.
func sameHistory(a, b *hnode) bool {
	for a != b {
		if a.hash != b.hash || a.label != b.label {
			return false
		}
		a, b = a.parent, b.parent
	}
	return true
}

// nodeSlab hands out history nodes from blocks, so a step costs no allocation
// in the common case. A block lives while any of its nodes is referenced.
// Blocks start small and double up to maxSlabBlock, so that a partition
// whose matches are short (most of them, when partitions are per user) keeps
// little memory.
type nodeSlab struct{ block []hnode }

const (
	minSlabBlock = 8
	maxSlabBlock = 256
)

func (s *nodeSlab) extend(parent *hnode, label int32) *hnode {
	if len(s.block) == cap(s.block) {
		s.block = make([]hnode, 0, min(maxSlabBlock, max(minSlabBlock, 2*cap(s.block))))
	}
	s.block = s.block[:len(s.block)+1]
	n := &s.block[len(s.block)-1]
	n.parent = parent
	n.depth = parent.depth + 1
	n.label = label
	n.hash = (parent.hash ^ uint64(label+1)) * 0x100000001b3 // FNV-1a step
	n.hash ^= n.hash >> 29
	if pj := parent.jump; pj != nil && pj.jump != nil && parent.depth-pj.depth == pj.depth-pj.jump.depth {
		n.jump = pj.jump
	} else {
		n.jump = parent
	}
	return n
}

// reset reuses the current block from its start: every node of the attempt
// that just ended is dead (its labels were copied into the Match). The stale
// nodes are cleared so they keep no older block alive.
func (s *nodeSlab) reset() {
	clear(s.block)
	s.block = s.block[:0]
}

// emptyHistory is the root of every history. It is never written: the
// matchers share it.
var emptyHistory = newRoot()

// newRoot is the empty history: depth 0, its own jump.
func newRoot() *hnode {
	r := &hnode{}
	r.jump = r
	return r
}

// Thread is what an Evaluator sees of a partial match: where it started and
// the labels it gave so far. It is valid only during the Define call.
type Thread interface {
	// Start is the first row of the match.
	Start() int
	// Len is the number of rows labelled so far: rows Start()..Start()+Len()-1.
	Len() int
	// Label is the variable of row (Start() <= row < Start()+Len()), or -1
	// for a row outside that range. The last row is O(1), others O(log Len()).
	Label(row int) int
}

// LabelAppender is implemented by the Thread values the Matcher passes: it
// appends the labels of rows Start()..Start()+Len()-1 in row order, O(Len()),
// for evaluators that scan the whole history (FIRST(), aggregates).
type LabelAppender interface {
	AppendLabels(dst []int) []int
}

type threadView struct {
	start int
	h     *hnode
}

var (
	_ Thread        = (*threadView)(nil)
	_ LabelAppender = (*threadView)(nil)
)

func (t *threadView) Start() int { return t.start }
func (t *threadView) Len() int   { return int(t.h.depth) }

func (t *threadView) Label(row int) int {
	i := row - t.start
	if i < 0 || i >= int(t.h.depth) {
		return -1
	}
	return int(t.h.ancestor(int32(i + 1)).label)
}

func (t *threadView) AppendLabels(dst []int) []int {
	return appendLabels(dst, t.h)
}

func appendLabels(dst []int, h *hnode) []int {
	n := int(h.depth)
	base := len(dst)
	for i := 0; i < n; i++ {
		dst = append(dst, 0)
	}
	for i := n - 1; i >= 0; i-- {
		dst[base+i] = int(h.label)
		h = h.parent
	}
	return dst
}

// chainView is the Thread of a chain pattern's attempt (Program.chain): rows
// start..start+n-1 labelled with the chain's labels, the last repeated.
type chainView struct {
	start, n int
	chain    []int32
}

var (
	_ Thread        = (*chainView)(nil)
	_ LabelAppender = (*chainView)(nil)
)

func (t *chainView) Start() int { return t.start }
func (t *chainView) Len() int   { return t.n }

func (t *chainView) Label(row int) int {
	i := row - t.start
	if i < 0 || i >= t.n {
		return -1
	}
	return int(t.chain[min(i, len(t.chain)-1)])
}

func (t *chainView) AppendLabels(dst []int) []int {
	return appendChain(dst, t.chain, t.n)
}

// appendChain appends the labels of the first n rows of a chain's match.
func appendChain(dst []int, chain []int32, n int) []int {
	for i := range n {
		dst = append(dst, int(chain[min(i, len(chain)-1)]))
	}
	return dst
}
