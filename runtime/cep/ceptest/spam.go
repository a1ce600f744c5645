// Package ceptest generates the chat traffic of the MATCH_RECOGNIZE spam
// benchmarks (runtime/exec's operator alone, runtime/session's end to end)
// and computes their reference answer, so that both measure the same
// stream and check the same matches.
package ceptest

import (
	"math/rand/v2"
	"slices"
)

// Event is one generated chat event.
type Event struct {
	User int32
	Msg  bool  // USER_MESSAGE; otherwise USER_JOINED or USER_LEFT
	TS   int64 // epoch seconds, as the seed
}

const (
	Users    = 100_000
	Span     = 600 // seconds of event time
	Epoch    = 1_704_067_200
	Bursters = Users / 20 // 5% of the users burst
)

// SpamEvents generates the traffic in arrival order: 100,000 users over 10
// minutes of event time. 95% write now and then (a join, 1-15 messages at
// random times, sometimes a leave); 5% also burst three times, 5-12
// messages about a second apart. Arrival order is event time with up to 2 s
// of disorder (the watermark allows 5 s), so no row is late. With seed 42:
// 1,037,265 events.
func SpamEvents(seed uint64) []Event {
	r := rand.New(rand.NewPCG(seed, 1))
	var ev []Event
	for u := int32(0); u < Users; u++ {
		first := r.Int64N(Span - 60)
		ev = append(ev, Event{User: u, TS: first}) // joined
		for range 1 + r.IntN(15) {
			ev = append(ev, Event{User: u, Msg: true, TS: first + r.Int64N(Span-first)})
		}
		if r.IntN(10) == 0 {
			ev = append(ev, Event{User: u, TS: first + r.Int64N(Span-first)}) // left
		}
		if u < Bursters {
			for range 3 {
				t := first + r.Int64N(Span-first-20)
				for range 5 + r.IntN(8) {
					ev = append(ev, Event{User: u, Msg: true, TS: t})
					t += int64(r.IntN(3)) // 0, 1 or 2 s apart: about one a second
				}
			}
		}
	}
	// arrival: event time plus up to 2.999 s of jitter, so a row arrives
	// at most 2 s after a row with a later event time
	key := make([]int64, len(ev))
	idx := make([]int32, len(ev))
	for i := range ev {
		key[i] = ev[i].TS*1000 + r.Int64N(3000)
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int { return int(key[a] - key[b]) })
	out := make([]Event, len(ev))
	for i, j := range idx {
		out[i] = ev[j]
		out[i].TS += Epoch
	}
	return out
}

// SpamExpected is the reference answer of queries/cep_spam.sql on events:
// per user, rows in event-time order (ties in arrival order), greedy
// M{5,} within 10 s (last row at most 10 s after the first), SKIP PAST
// LAST ROW. It returns the number of matches and of messages in them.
func SpamExpected(events []Event) (matches, messages int) {
	per := make([][]Event, Users)
	for _, e := range events {
		per[e.User] = append(per[e.User], e)
	}
	for _, rows := range per {
		slices.SortStableFunc(rows, func(a, b Event) int { return int(a.TS - b.TS) })
		for i := 0; i < len(rows); {
			j := i
			for j < len(rows) && rows[j].Msg && rows[j].TS-rows[i].TS <= 10 {
				j++
			}
			if j-i >= 5 {
				matches++
				messages += j - i
				i = j
			} else {
				i++
			}
		}
	}
	return matches, messages
}
