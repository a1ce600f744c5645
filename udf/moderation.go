package udf

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/chatsql/chatsql/runtime/types"
)

// MASK_WORDS(text, words [, mask]) masks banned words and phrases. words is
// a list separated by commas or newlines — what
// (SELECT GROUP_CONCAT(word) FROM moderation_rules WHERE action = 'mask')
// gives — so a live rules table drives it. Matching is whole words,
// case-insensitive (Unicode lower case); a phrase of several words matches
// the same words separated by any non-word characters. Each occurrence
// becomes mask, or as many '*' as it has characters when mask is omitted.
// A NULL or empty list leaves the text unchanged; NULL text gives NULL.
//
// The list is parsed into a word set once per distinct list (the last one
// is kept), so a list that only changes with the rules table costs one
// string comparison per row; a message costs one map lookup per word (per
// word and phrase length, for lists with phrases).

func init() {
	register("string",
		def{names: []string{"MASK_WORDS"}, sig: "MASK_WORDS(text, words [, mask]) -> VARCHAR",
			doc: "Masks every occurrence of the listed words and phrases (words separated by commas or newlines, " +
				"e.g. from (SELECT GROUP_CONCAT(word) FROM rules)): whole words, case-insensitive; each becomes mask, " +
				"or one '*' per character. A NULL or empty list leaves text unchanged.",
			bind: bindMaskWords},
	)
}

func bindMaskWords(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, 3); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cText, cText, cText); err != nil {
		return types.Type{}, nil, err
	}
	var last atomic.Pointer[wordList]
	return types.String, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.NullValue, nil
		}
		s := text(a[0])
		if a[1].IsNull() {
			return a[0], nil
		}
		list := text(a[1])
		wl := last.Load()
		if wl == nil || wl.src != list {
			wl = parseWordList(list)
			last.Store(wl)
		}
		mask, fixedMask := "", false
		if len(a) > 2 && !a[2].IsNull() {
			mask, fixedMask = text(a[2]), true
		}
		out, changed := wl.mask(s, mask, fixedMask)
		if !changed {
			return a[0], nil
		}
		return str(out), nil
	}, nil
}

// wordList is a parsed MASK_WORDS list: each entry's words in lower case,
// joined by one space.
type wordList struct {
	src     string
	entries map[string]struct{}
	maxLen  int // the most words in one entry
}

func parseWordList(src string) *wordList {
	wl := &wordList{src: src, entries: map[string]struct{}{}}
	for _, item := range strings.FieldsFunc(src, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		words := lowerWords(item)
		if len(words) == 0 {
			continue
		}
		wl.entries[strings.Join(words, " ")] = struct{}{}
		wl.maxLen = max(wl.maxLen, len(words))
	}
	return wl
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r)
}

// appendWordSpans appends the byte spans of s's words to dst.
func appendWordSpans(dst [][2]int, s string) [][2]int {
	start := -1
	for i, r := range s {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			dst = append(dst, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		dst = append(dst, [2]int{start, len(s)})
	}
	return dst
}

func lowerWords(s string) []string {
	spans := appendWordSpans(nil, s)
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = strings.ToLower(s[sp[0]:sp[1]])
	}
	return out
}

// mask replaces the list's entries in s, longest phrase first at each word.
func (wl *wordList) mask(s, mask string, fixedMask bool) (string, bool) {
	if len(wl.entries) == 0 || s == "" {
		return s, false
	}
	var spansBuf [32][2]int
	spans := appendWordSpans(spansBuf[:0], s)
	var b strings.Builder
	copied := 0
	var key []byte
	for i := 0; i < len(spans); {
		n := 0
		for l := min(wl.maxLen, len(spans)-i); l >= 1; l-- {
			key = key[:0]
			for k := i; k < i+l; k++ {
				if k > i {
					key = append(key, ' ')
				}
				key = appendLower(key, s[spans[k][0]:spans[k][1]])
			}
			if _, ok := wl.entries[string(key)]; ok { // no allocation: map index by converted []byte
				n = l
				break
			}
		}
		if n == 0 {
			i++
			continue
		}
		from, to := spans[i][0], spans[i+n-1][1]
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[copied:from])
		if fixedMask {
			b.WriteString(mask)
		} else {
			b.WriteString(strings.Repeat("*", utf8.RuneCountInString(s[from:to])))
		}
		copied = to
		i += n
	}
	if copied == 0 {
		return s, false
	}
	b.WriteString(s[copied:])
	return b.String(), true
}

// appendLower appends the lower case of w; ASCII without a conversion.
func appendLower(dst []byte, w string) []byte {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return append(dst, strings.ToLower(w)...)
		}
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
