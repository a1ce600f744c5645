package cep

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkSpamPattern is the spam rule of queries/cep_*.sql at the
// matcher's level: PATTERN (A{5,}) with A true on every row, AFTER MATCH SKIP
// PAST LAST ROW, rows pushed one at a time, and Expire every 10 rows for the
// attempts that started more than 10 rows ago (the WITHIN window closing).
// One op is one row.
func BenchmarkSpamPattern(b *testing.B) {
	p, err := Compile(Quant{Item: Var{0}, Min: 5, Max: -1, Greedy: true}, []string{"A"})
	if err != nil {
		b.Fatal(err)
	}
	ev := &allTrueHF{}
	m := NewMatcher(p, ev, Options{})
	var matches int
	b.ReportAllocs()
	b.ResetTimer()
	for r := 0; r < b.N; r++ {
		ms, err := m.Push(r)
		if err != nil {
			b.Fatal(err)
		}
		matches += len(ms)
		if r%10 == 9 {
			limit := r - 10
			ms, err = m.Expire(func(start int) bool { return start < limit })
			if err != nil {
				b.Fatal(err)
			}
			matches += len(ms)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if b.N > 100 && matches == 0 {
		b.Fatal("no match")
	}
}

// priceEval is DEFINE B AS price < PREV(price), C AS price > PREV(price) (A
// is true).
type priceEval struct{ prices []float64 }

func (e *priceEval) Define(v, row int, _ Thread) (bool, error) {
	switch v {
	case 1:
		return row > 0 && e.prices[row] < e.prices[row-1], nil
	case 2:
		return row > 0 && e.prices[row] > e.prices[row-1], nil
	}
	return true, nil
}

type priceEvalHF struct{ priceEval }

func (*priceEvalHF) HistoryFree() bool { return true }

// BenchmarkVShape is Trino's testSimpleQuery pattern, PATTERN (A B+ C+), on a
// random walk of prices, with the DEFINE conditions evaluated through the
// Evaluator; once as an evaluator that reads no labels (HistoryFree), once as
// one that might. One op is one row.
func BenchmarkVShape(b *testing.B) {
	p, err := Compile(Concat{Items: []Node{
		Var{0},
		Quant{Item: Var{1}, Min: 1, Max: -1, Greedy: true},
		Quant{Item: Var{2}, Min: 1, Max: -1, Greedy: true},
	}}, []string{"A", "B", "C"})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 1 << 16
	prices := make([]float64, n)
	price := 100.0
	for i := range prices {
		price += rng.Float64() - 0.5
		prices[i] = price
	}
	for _, c := range []struct {
		name string
		ev   Evaluator
	}{
		{"HistoryFree", &priceEvalHF{priceEval{prices}}},
		{"History", &priceEval{prices}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var matches int
			b.ReportAllocs()
			m := NewMatcher(p, c.ev, Options{})
			for i := 0; i < b.N; i++ {
				r := i % n
				if r == 0 && i > 0 {
					ms, _ := m.Finish()
					matches += len(ms)
					m = NewMatcher(p, c.ev, Options{})
				}
				ms, err := m.Push(r)
				if err != nil {
					b.Fatal(err)
				}
				matches += len(ms)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			if b.N > 1000 && matches == 0 {
				b.Fatal("no match")
			}
		})
	}
}
