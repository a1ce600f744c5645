package main

import (
	"sort"
	"strings"
	"unicode"
)

// backslashCommands are completed like names.
var backslashCommands = []string{`\help`, `\i`, `\q`}

// completer is readline's tab completion: keywords, object names and
// columns from the session, and backslash commands.
type completer struct {
	eng engine // nil until the session is open
}

// Do implements readline.AutoCompleter: it returns the suffixes that
// complete the word before pos, and the length of that word.
func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	if pos > len(line) {
		pos = len(line)
	}
	start := pos
	for start > 0 && isWordRune(line[start-1]) {
		start--
	}
	if start > 0 && (line[start-1] == '\\' || line[start-1] == '\'') {
		start-- // a backslash command, or a quoted setting name: 'translation.modelName'
	}
	word := string(line[start:pos])
	if word == "" {
		return nil, 0
	}
	var candidates []string
	if strings.HasPrefix(word, `\`) {
		candidates = backslashCommands
	} else if c.eng != nil {
		candidates = c.eng.Completions()
	}
	return completeWord(word, candidates), len([]rune(word))
}

// completeWord returns, sorted and without duplicates, the suffixes of the
// candidates that start with word (case-insensitively). A keyword offered in
// upper case follows the case the user types in.
func completeWord(word string, candidates []string) [][]rune {
	lw := strings.ToLower(word)
	lowerTyped := word == lw && strings.ToUpper(word) != word
	seen := map[string]bool{}
	var sufs []string
	for _, cand := range candidates {
		if len(cand) <= len(word) || !strings.HasPrefix(strings.ToLower(cand), lw) {
			continue
		}
		suf := string([]rune(cand)[len([]rune(word)):])
		if lowerTyped && cand == strings.ToUpper(cand) {
			suf = strings.ToLower(suf)
		}
		if !seen[suf] {
			seen[suf] = true
			sufs = append(sufs, suf)
		}
	}
	sort.Strings(sufs)
	out := make([][]rune, len(sufs))
	for i, s := range sufs {
		out[i] = []rune(s)
	}
	return out
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
