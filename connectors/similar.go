package connectors

import "strings"

// Closest returns the candidate nearest to name by edit distance, or "" when
// none is near enough to be a plausible typo. It backs every "did you mean".
func Closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	ln := strings.ToLower(name)
	// a prefix of exactly one candidate ('earliest' for 'earliest-offset')
	var prefixed []string
	for _, c := range candidates {
		if len(ln) >= 3 && strings.HasPrefix(strings.ToLower(c), ln) && len(c) > len(ln) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	for _, c := range candidates {
		d := Levenshtein(ln, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := len(name)/3 + 1
	if limit > 4 {
		limit = 4
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// Levenshtein is the edit distance between a and b (bytes).
func Levenshtein(a, b string) int {
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
