package udf

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// LikeMatcher compiles a SQL LIKE pattern ('%' any run, '_' one character,
// escape before either to match it literally; escape 0 means none) into a
// matcher. Matching is case-sensitive, as TiDB's default utf8mb4_bin
// collation is. The common shapes ('abc', 'abc%', '%abc', '%abc%') become
// plain string tests; the rest use a backtracking matcher that allocates
// nothing per call.
func LikeMatcher(pattern string, escape byte) func(string) bool {
	// Split into literal text and wildcards.
	var toks []likeTok
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			toks = append(toks, likeTok{lit: string(lit)})
			lit = nil
		}
	}
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case escape != 0 && c == escape && i+1 < len(pattern):
			i++
			lit = append(lit, pattern[i])
		case c == '%':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != likeAny {
				toks = append(toks, likeTok{kind: likeAny})
			}
		case c == '_':
			flush()
			toks = append(toks, likeTok{kind: likeOne})
		default:
			lit = append(lit, c)
		}
	}
	flush()

	hasOne := false
	for _, t := range toks {
		hasOne = hasOne || t.kind == likeOne
	}
	if !hasOne {
		switch {
		case len(toks) == 0:
			return func(s string) bool { return s == "" }
		case len(toks) == 1 && toks[0].kind == likeAny:
			return func(string) bool { return true }
		case len(toks) == 1:
			l := toks[0].lit
			return func(s string) bool { return s == l }
		case len(toks) == 2 && toks[1].kind == likeAny:
			l := toks[0].lit
			return func(s string) bool { return strings.HasPrefix(s, l) }
		case len(toks) == 2 && toks[0].kind == likeAny:
			l := toks[1].lit
			return func(s string) bool { return strings.HasSuffix(s, l) }
		case len(toks) == 3 && toks[0].kind == likeAny && toks[2].kind == likeAny:
			l := toks[1].lit
			return func(s string) bool { return strings.Contains(s, l) }
		}
	}
	return func(s string) bool { return likeMatch(toks, s) }
}

type likeKind uint8

const (
	likeLit likeKind = iota
	likeAny
	likeOne
)

type likeTok struct {
	kind likeKind
	lit  string
}

// likeMatch matches tokens against s with the classic wildcard algorithm:
// only the last '%' is remembered, and on a mismatch it swallows one more
// character and the match resumes after it.
func likeMatch(toks []likeTok, s string) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case likeAny:
				// Jump straight to the next place the following literal
				// occurs rather than trying every position.
				starT = ti
				ti++
				if ti < len(toks) && toks[ti].kind == likeLit {
					k := strings.Index(s[si:], toks[ti].lit)
					if k < 0 {
						return false
					}
					si += k
				}
				starS = si
				continue
			case likeOne:
				if si < len(s) {
					_, n := utf8.DecodeRuneInString(s[si:])
					si += n
					ti++
					continue
				}
			case likeLit:
				if strings.HasPrefix(s[si:], t.lit) {
					si += len(t.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		// Mismatch: let the last '%' swallow one more character.
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		ti, si = starT, starS+n
	}
}

// regexpCache keeps compiled regular expressions for patterns that are not
// constants, so a column of a few distinct patterns compiles each once.
var regexpCache = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const regexpCacheMax = 1024

// CompileRegexp returns the compiled regular expression for pattern, from a
// process-wide cache (bounded: it is cleared when it fills). The error
// wraps ErrArgValue. The syntax is Go's RE2, close to MySQL's ICU regexps
// without backreferences.
func CompileRegexp(pattern string) (*regexp.Regexp, error) {
	regexpCache.Lock()
	re, ok := regexpCache.m[pattern]
	regexpCache.Unlock()
	if ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("%w: bad regular expression %q: %v", ErrArgValue, pattern, err)
	}
	regexpCache.Lock()
	if len(regexpCache.m) >= regexpCacheMax {
		clear(regexpCache.m)
	}
	regexpCache.m[pattern] = re
	regexpCache.Unlock()
	return re, nil
}
