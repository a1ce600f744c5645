package exec

import (
	"hash/maphash"
	"unsafe"
)

// partTable is MATCH_RECOGNIZE's partitions by key: an open-addressing hash
// table (linear probing) of string keys, specialised for partitions that
// come and go by the hundred thousand. A key is hashed once per row (the
// runtime's string hash, hash/maphash) and its hash kept in the partition,
// so deleting a partition neither hashes nor reads its key: it finds the
// slot that holds the partition along the key's probe sequence and shifts
// the following entries back (no tombstones, so lookups never slow down
// with churn). A slot is the key's full hash (0: empty) and the partition;
// a lookup compares the key only when the hashes are equal.
type partTable struct {
	slots []partSlot // len a power of two (or 0)
	n     int
	seed  maphash.Seed
}

type partSlot struct {
	hash uint64 // 0: empty
	p    *matchPart
}

// partTableMin is the smallest table (slots).
const partTableMin = 64

func newPartTable() partTable { return partTable{seed: maphash.MakeSeed()} }

// hash is k's hash, never 0 (0 marks an empty slot).
func (t *partTable) hash(k string) uint64 {
	h := maphash.String(t.seed, k)
	if h == 0 {
		h = 1
	}
	return h
}

// hashBytes is hash for a key held in a byte slice.
func (t *partTable) hashBytes(k []byte) uint64 {
	h := maphash.Bytes(t.seed, k)
	if h == 0 {
		h = 1
	}
	return h
}

// len is the number of partitions.
func (t *partTable) len() int { return t.n }

// home loads the slot where a probe for h starts (a prefetch: the result
// only keeps the load from being dropped).
func (t *partTable) home(h uint64) uint64 {
	if len(t.slots) == 0 {
		return 0
	}
	return t.slots[h&uint64(len(t.slots)-1)].hash
}

// get returns the partition of key k (whose hash is h), or nil.
func (t *partTable) get(h uint64, k string) *matchPart {
	if len(t.slots) == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.hash == h && s.p.key == k {
			return s.p
		}
		if s.hash == 0 {
			return nil
		}
	}
}

// getBytes is get for a key held in a byte slice (not kept).
func (t *partTable) getBytes(h uint64, k []byte) *matchPart {
	return t.get(h, unsafe.String(unsafe.SliceData(k), len(k)))
}

// put adds p, whose key (p.key, hash p.hash) is not in t.
func (t *partTable) put(p *matchPart) {
	if (t.n+1)*8 > len(t.slots)*5 { // load at most 5/8
		t.resize(max(partTableMin, 2*len(t.slots)))
	}
	t.insert(p.hash, p)
	t.n++
}

func (t *partTable) insert(h uint64, p *matchPart) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].hash != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = partSlot{hash: h, p: p}
}

// remove deletes p, which is in t.
func (t *partTable) remove(p *matchPart) {
	mask := uint64(len(t.slots) - 1)
	i := p.hash & mask
	for t.slots[i].p != p {
		if t.slots[i].hash == 0 {
			panic("MATCH_RECOGNIZE: partition not in its table")
		}
		i = (i + 1) & mask
	}
	// backward shift: move each following entry of the cluster that may
	// live in slot i (its home is not in (i, j]) into it
	j := i
	for {
		j = (j + 1) & mask
		s := t.slots[j]
		if s.hash == 0 {
			break
		}
		if home := s.hash & mask; (j-home)&mask >= (j-i)&mask {
			t.slots[i] = s
			i = j
		}
	}
	t.slots[i] = partSlot{}
	t.n--
}

// resize rehashes t into n slots (a power of two, room for t.n).
func (t *partTable) resize(n int) {
	old := t.slots
	t.slots = make([]partSlot, n)
	for _, s := range old {
		if s.hash != 0 {
			t.insert(s.hash, s.p)
		}
	}
}

// fit gives t a smaller array when it holds far fewer partitions than its
// size (after a burst), so that the memory goes back.
func (t *partTable) fit() {
	n := partTableMin
	for n*5 < t.n*8*2 { // load at most 5/16 after
		n *= 2
	}
	if n < len(t.slots) {
		t.resize(n)
	}
}

// all calls yield for every partition until it returns false. yield must
// not change t.
func (t *partTable) all(yield func(*matchPart) bool) bool {
	for _, s := range t.slots {
		if s.hash != 0 && !yield(s.p) {
			return false
		}
	}
	return true
}

// homePart is the partition in the slot where a probe for h starts (a
// prefetch), nil if none.
func (t *partTable) homePart(h uint64) *matchPart {
	if len(t.slots) == 0 || h == 0 {
		return nil
	}
	return t.slots[h&uint64(len(t.slots)-1)].p
}
