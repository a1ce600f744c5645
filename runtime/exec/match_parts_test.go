package exec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPartTable runs random puts, gets and removes against a Go map, with
// hashes chosen from a few values so that clusters collide, wrap around the
// end of the array and are shifted back by removes.
func TestPartTable(t *testing.T) {
	for _, spread := range []uint64{3, 64, 1 << 62} {
		r := rand.New(rand.NewPCG(1, spread))
		tb := newPartTable()
		ref := map[string]*matchPart{}
		var live []*matchPart
		for op := range 100_000 {
			switch k := fmt.Sprint(r.IntN(3000)); {
			case r.IntN(3) > 0 && ref[k] == nil:
				p := &matchPart{key: k, hash: 1 + r.Uint64N(spread)}
				if spread == 3 {
					p.hash = uint64(len(tb.slots)) - 1 - r.Uint64N(spread) // near the end: clusters wrap
					if len(tb.slots) == 0 {
						p.hash = 1
					}
				}
				if tb.get(p.hash, k) != nil {
					t.Fatalf("op %d: %q found before put", op, k)
				}
				tb.put(p)
				ref[k] = p
				live = append(live, p)
			case len(live) > 0:
				i := r.IntN(len(live))
				p := live[i]
				live[i] = live[len(live)-1]
				live = live[:len(live)-1]
				tb.remove(p)
				delete(ref, p.key)
			}
			if op%1000 == 0 || op > 99_800 {
				if tb.len() != len(ref) {
					t.Fatalf("op %d: %d partitions, want %d", op, tb.len(), len(ref))
				}
				for k, p := range ref {
					if got := tb.get(p.hash, k); got != p {
						t.Fatalf("op %d: get(%q) = %p, want %p", op, k, got, p)
					}
				}
				n := 0
				tb.all(func(p *matchPart) bool {
					if ref[p.key] != p {
						t.Fatalf("op %d: all yields %q, not in the table", op, p.key)
					}
					n++
					return true
				})
				if n != len(ref) {
					t.Fatalf("op %d: all yields %d, want %d", op, n, len(ref))
				}
			}
			if op%50_000 == 0 {
				tb.fit()
			}
		}
		for _, p := range live {
			tb.remove(p)
		}
		tb.fit()
		if tb.len() != 0 || len(tb.slots) != partTableMin {
			t.Fatalf("emptied: %d partitions in %d slots", tb.len(), len(tb.slots))
		}
	}
}
