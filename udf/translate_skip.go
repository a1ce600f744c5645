package udf

// Deciding, cheaply and without a model, which chat texts need no
// translation call: texts with nothing a translator would change (emoji,
// links, mentions, numbers) and texts already in the target language.
//
// The same_language decision is built for precision, not recall: skipping a
// text that is not in the target language leaves a reader with an
// untranslated message, while a missed skip only costs one call. So the
// detector says a language only on evidence that points at that language
// and at no other: a script that only it writes (kana, Hangul, Greek...),
// or, for Latin, Cyrillic, Arabic and Devanagari text, at least two words
// or letters that belong to it alone, and nothing that belongs to a rival.
// Words shared between languages ("no", "a", "me", "de") count for none.

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sameLanguageMinConfidence is the DetectLanguage confidence from which
// skipTranslation trusts the detected language. Two exclusive pieces of
// evidence and nothing against give 0.86; one gives 0.7.
const sameLanguageMinConfidence = 0.85

// Skip reasons of skipTranslation.
const (
	skipReasonEmpty        = "empty"
	skipReasonNoWords      = "no_words"
	skipReasonSameLanguage = "same_language"
)

// skipTranslation reports whether text needs no translation into lang, and
// why: "empty" (only white space), "no_words" (see noWords) or
// "same_language" (text is confidently in lang's base language: "pt-BR" is
// "pt"). It returns ("", false) when the text must be translated.
func skipTranslation(text, lang string) (reason string, skip bool) {
	if strings.TrimSpace(text) == "" {
		return skipReasonEmpty, true
	}
	if noWords(text) {
		return skipReasonNoWords, true
	}
	base, variant := targetLanguage(lang)
	if base == "" {
		return "", false
	}
	d := detectLanguage(text)
	if d.conf < sameLanguageMinConfidence || !strings.EqualFold(d.lang, base) {
		return "", false
	}
	if d.lang == "zh" {
		// Simplified and Traditional Chinese are one language but two
		// scripts: the model converts one into the other, so a text written
		// in the other script still needs the call.
		if variant == zhTraditional && d.simplified > 0 || variant == zhSimplified && d.traditional > 0 {
			return "", false
		}
	}
	return skipReasonSameLanguage, true
}

// The Chinese script a target asks for. The translation prompt maps "zh" to
// Simplified Chinese, so plain "zh" is zhSimplified.
const (
	zhAny = iota
	zhSimplified
	zhTraditional
	zhBoth      // in zhMarks: a character of both scripts that Japanese does not write
	zhCantonese // in zhMarks: a character of written Cantonese
)

// targetLanguage splits a language tag ("pt-BR", "zh_Hant_TW", " EN ") into
// its base language, as written (compare with strings.EqualFold), and the
// Chinese script it implies. "iw", the old code of Hebrew, is "he".
func targetLanguage(lang string) (base string, variant int) {
	lang = strings.TrimSpace(lang)
	end := strings.IndexAny(lang, "-_")
	if end < 0 {
		end = len(lang)
	}
	base, rest := lang[:end], lang[end:]
	if strings.EqualFold(base, "iw") {
		base = "he"
	}
	if !strings.EqualFold(base, "zh") {
		return base, zhAny
	}
	variant = zhSimplified
	for rest != "" {
		rest = rest[1:]
		end := strings.IndexAny(rest, "-_")
		if end < 0 {
			end = len(rest)
		}
		sub := rest[:end]
		rest = rest[end:]
		for _, t := range [...]string{"hant", "tw", "hk", "mo"} {
			if strings.EqualFold(sub, t) {
				variant = zhTraditional
			}
		}
	}
	return base, variant
}

// noWords reports whether text has nothing a translator would change: only
// emoji (with their ZWJ sequences, skin tones, variation selectors, flags and
// keycaps), URLs (http://, https://, www.), @mentions, #hashtags,
// :shortcodes:, numbers, punctuation, symbols and white space. Any letter
// outside those makes it false, so "ok", "lol", "gg" and "xD" are words.
func noWords(text string) bool {
	prevAlnum := false
	for i := 0; i < len(text); {
		if !prevAlnum {
			if j := skipChatToken(text, i); j > i {
				i = j
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		if unicode.IsLetter(r) && r != 'ℹ' { // ℹ (information source) is a letter-like emoji
			return false
		}
		prevAlnum = unicode.IsDigit(r) || r == '_'
	}
	return true
}

// skipChatToken returns the end of the URL, @mention, #hashtag or
// :shortcode: that starts at text[i], or i when none does. The caller checks
// that text[i] starts a token (follows no letter or digit).
func skipChatToken(text string, i int) int {
	s := text[i:]
	switch s[0] {
	case 'h', 'H':
		for _, scheme := range [...]string{"https://", "http://"} {
			if len(s) > len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) && isURLByte(s[len(scheme)]) {
				return i + urlLen(s)
			}
		}
	case 'w', 'W':
		if len(s) > 4 && strings.EqualFold(s[:4], "www.") && isURLByte(s[4]) {
			return i + urlLen(s)
		}
	case '@':
		j := 1
	mention:
		for j < len(s) {
			c := s[j]
			switch {
			case isASCIIAlnum(c) || c == '_':
				j++
			case (c == '.' || c == '-') && j+1 < len(s) && isASCIIAlnum(s[j+1]):
				j++
			case c >= utf8.RuneSelf:
				r, size := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r) || !unicode.Is(unicode.Latin, r) { // "@josé", but not "@bob谢谢"
					break mention
				}
				j += size
			default:
				break mention
			}
		}
		if j > 1 { // "@" alone is punctuation
			return i + j
		}
	case '#':
		j := 1
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !(j > 1 && unicode.IsMark(r)) {
				break
			}
			j += size
		}
		if j > 1 {
			return i + j
		}
	case ':':
		j := 1
		for j < len(s) && (isASCIIAlnum(s[j]) || s[j] == '_' || s[j] == '+' || s[j] == '-') {
			j++
		}
		if j > 1 && j < len(s) && s[j] == ':' {
			return i + j + 1
		}
	}
	return i
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// isURLByte reports whether c can be part of a URL as people paste them.
// Non-ASCII ends the URL: "https://x.y看看" keeps its words.
func isURLByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != '<' && c != '>' && c != '"'
}

func urlLen(s string) int {
	j := 0
	for j < len(s) && isURLByte(s[j]) {
		j++
	}
	return j
}

// Languages with a word profile, and ldOther for the Latin, Cyrillic, Arabic
// and Devanagari languages without one (Catalan, Polish, Indonesian,
// Swedish, Persian, Serbian, Marathi...): their words and letters are
// evidence against every profiled language.
const (
	ldEN = iota
	ldES
	ldPT
	ldFR
	ldDE
	ldIT
	ldNL
	ldTR
	ldRU
	ldUK
	ldBG
	ldAR
	ldHI
	ldOther
	ldCount
)

// langSet is a set of the languages above, one bit each.
type langSet uint16

const ldAll langSet = 1<<ldCount - 1

var ldCodes = [ldCount]string{"en", "es", "pt", "fr", "de", "it", "nl", "tr", "ru", "uk", "bg", "ar", "hi", ""}

// The scripts DetectLanguage tells apart.
const (
	scLatin = iota
	scCyrillic
	scArabic
	scDevanagari
	scGreek
	scHebrew
	scThai
	scHangul
	scKana
	scHan
	scOtherLetters
	scCount
)

// Languages a script's words are scored for.
var scriptLangs = [scCount]langSet{
	scLatin:      1<<ldEN | 1<<ldES | 1<<ldPT | 1<<ldFR | 1<<ldDE | 1<<ldIT | 1<<ldNL | 1<<ldTR,
	scCyrillic:   1<<ldRU | 1<<ldUK | 1<<ldBG,
	scArabic:     1 << ldAR,
	scDevanagari: 1 << ldHI,
}

// detection is what detectLanguage found.
type detection struct {
	lang string
	conf float64
	// Han characters only Simplified (Traditional) Chinese writes.
	simplified, traditional int
}

// DetectLanguage names the language of a chat text (ISO 639-1: "en", "ja",
// "zh", "ru"...) with a confidence in [0, 1]; lang is "" when unsure. URLs,
// @mentions, #hashtags, :shortcodes:, emoji and numbers are ignored.
//
// Non-Latin scripts decide by themselves: kana is "ja", Hangul "ko", Han
// without kana "zh", Greek "el", Hebrew "he", Thai "th"; Cyrillic is "ru",
// or "uk" with і ї є ґ, or "bg" by its words; Arabic script is "ar" ("fa" or
// "ur" at low confidence with their own letters); Devanagari is "hi". Latin
// text is scored on common words and letters of en, es, pt, fr, de, it, nl
// and tr. The confidence is high (>= 0.85) only with at least two pieces of
// evidence for the language and none for another, or a script of its own;
// short or mixed texts stay below.
func DetectLanguage(text string) (lang string, confidence float64) {
	d := detectLanguage(text)
	return d.lang, d.conf
}

// ldScan is the state of one detection pass. It lives on the stack.
type ldScan struct {
	letters [scCount]int // letters per script
	words   [scCount]int // words per script (for the scripts with words)
	hits    [ldCount]int // words known in the language
	excl    [ldCount]int // words (or letters) that only the language has
	veto    langSet      // languages whose alphabet lacks a letter seen
	invMark bool         // ¿ or ¡
	persian bool         // پ چ ژ گ ک ی
	urdu    bool         // ٹ ڈ ڑ ں ے ہ ھ
	simp    int
	trad    int
	zh      int // Han characters only Chinese uses in either script
	yue     int // characters of written Cantonese

	// the word being read
	buf      [48]byte
	n        int
	script   int // -1 when no word is open
	long     bool
	qwx      bool // q, w or x in the word
	allowed  langSet
	specific langSet
}

func detectLanguage(text string) detection {
	var st ldScan
	st.script = -1
	prevAlnum := false
	for i := 0; i < len(text); {
		if !prevAlnum {
			if j := skipChatToken(text, i); j > i {
				st.flush()
				i = j
				continue
			}
		}
		if c := text[i] | 0x20; c >= 'a' && c <= 'z' { // ASCII letter: the common case, inline
			st.asciiLetter(c)
			prevAlnum = true
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		switch {
		case unicode.IsLetter(r):
			st.letter(r)
			prevAlnum = true
		case unicode.IsMark(r) && st.script >= 0:
			st.add(r) // Devanagari vowel signs, decomposed accents
		case (r == '\'' || r == '’') && st.script == scLatin && i < len(text):
			// in a word ("don't", "j'adore", "l'ho"); elsewhere a break
			if next, _ := utf8.DecodeRuneInString(text[i:]); unicode.IsLetter(next) {
				st.add('\'')
			} else {
				st.flush()
			}
		default:
			st.flush()
			if r == '¿' || r == '¡' {
				st.invMark = true
			}
			prevAlnum = unicode.IsDigit(r) || r == '_'
		}
	}
	st.flush()
	return st.decide()
}

func scriptOf(r rune) int {
	// The blocks of the common scripts first, then the Unicode tables.
	switch {
	case r < 0x250:
		return scLatin
	case r >= 0x4e00 && r <= 0x9fff || r >= 0x3400 && r <= 0x4dbf:
		return scHan
	case r >= 0x3040 && r <= 0x30ff:
		return scKana
	case r >= 0xac00 && r <= 0xd7a3 || r >= 0x3131 && r <= 0x318e:
		return scHangul
	case r >= 0x400 && r <= 0x4ff:
		return scCyrillic
	case r >= 0x620 && r <= 0x6ff:
		return scArabic
	case r >= 0x900 && r <= 0x97f:
		return scDevanagari
	case unicode.Is(unicode.Latin, r):
		return scLatin
	case unicode.Is(unicode.Cyrillic, r):
		return scCyrillic
	case unicode.Is(unicode.Arabic, r):
		return scArabic
	case unicode.Is(unicode.Devanagari, r):
		return scDevanagari
	case unicode.Is(unicode.Greek, r):
		return scGreek
	case unicode.Is(unicode.Hebrew, r):
		return scHebrew
	case unicode.Is(unicode.Thai, r):
		return scThai
	case unicode.Is(unicode.Hangul, r):
		return scHangul
	case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || r == 'ー' || r == 'ｰ':
		return scKana
	case unicode.Is(unicode.Han, r):
		return scHan
	}
	return scOtherLetters
}

func (st *ldScan) letter(r rune) {
	sc := scriptOf(r)
	st.letters[sc]++
	switch sc {
	case scKana, scThai:
		st.flush()
		return
	case scHan:
		st.flush()
		switch zhMarks[r] {
		case zhCantonese:
			st.yue++
		case zhSimplified:
			st.simp++
		case zhTraditional:
			st.trad++
		case zhBoth:
			st.zh++
		}
		return
	}
	if sc != st.script {
		st.flush()
		st.script = sc
		st.allowed = ldAll
	}
	st.add(r)
}

// asciiLetter is letter and add for a lower-cased ASCII letter.
func (st *ldScan) asciiLetter(c byte) {
	st.letters[scLatin]++
	if st.script != scLatin {
		st.flush()
		st.script = scLatin
		st.allowed = ldAll
	}
	if c == 'q' || c == 'w' || c == 'x' {
		st.qwx = true
	}
	if st.n < len(st.buf) {
		st.buf[st.n] = c
		st.n++
	} else {
		st.long = true
	}
}

// add appends r, lower-cased, to the open word.
func (st *ldScan) add(r rune) {
	r = unicode.ToLower(r)
	if r == 'q' || r == 'w' || r == 'x' {
		st.qwx = true
	}
	if r >= 0x80 {
		a, s := letterLangs(r)
		st.allowed &= a
		st.specific |= s
		switch r {
		case 'پ', 'چ', 'ژ', 'گ', 'ک', 'ی':
			st.persian = true
		case 'ٹ', 'ڈ', 'ڑ', 'ں', 'ے', 'ہ', 'ھ':
			st.urdu = true
		}
	}
	if st.n+utf8.UTFMax > len(st.buf) {
		st.long = true
		return
	}
	st.n += utf8.EncodeRune(st.buf[st.n:], r)
}

// flush scores the open word, if any.
func (st *ldScan) flush() {
	sc := st.script
	if sc < 0 {
		return
	}
	st.script = -1
	word := st.buf[:st.n]
	long, allowed, specific := st.long, st.allowed, st.specific
	if st.qwx && allowed != ldAll {
		// Turkish writes no q, w or x: "yaxşı" and "çox" are Azerbaijani.
		allowed &^= 1 << ldTR
	}
	specific &= allowed
	st.n, st.long, st.specific, st.qwx = 0, false, 0, false
	if len(word) == 0 {
		return
	}
	st.words[sc]++
	if scriptLangs[sc] == 0 {
		return
	}
	st.veto |= scriptLangs[sc] &^ allowed
	var m langSet
	if !long {
		m = lookupWord(word)
	}
	m &= allowed
	if m == 0 {
		m = wordShape(sc, word)
	}
	if m == 0 {
		// An unknown word still counts when one of its letters belongs to
		// one profiled language only (ñ, ã, ß, ğ, ї, ة...).
		if onlyOne(specific) {
			m = specific
		} else if allowed&ldAll == 1<<ldOther {
			m = 1 << ldOther // a letter no profiled language writes (ł, ř, ș, پ)
		}
	}
	for b := m; b != 0; b &= b - 1 {
		st.hits[bits.TrailingZeros16(uint16(b))]++
	}
	if onlyOne(m) {
		st.excl[bits.TrailingZeros16(uint16(m))]++
	}
}

// wordShape recognises words by their form: Spanish laughter ("jajaja",
// "jejeje"), Brazilian laughter ("kkkk", "rsrs") and Russian verb endings
// that Ukrainian and Bulgarian do not write ("-ешь", "-ишь", "-ется",
// "-ится").
func wordShape(sc int, word []byte) langSet {
	switch sc {
	case scLatin:
		if len(word) >= 4 && word[0] == 'j' && (len(word) >= 6 && allOf(word, "jaei") || allOf(word, "je") || allOf(word, "ji")) {
			return 1 << ldES
		}
		if len(word) >= 3 && allOf(word, "k") || len(word) >= 4 && allOf(word, "rs") && word[0] == 'r' {
			return 1 << ldPT
		}
	case scCyrillic:
		if len(word) >= 10 { // five letters or more
			for _, suffix := range [...]string{"ешь", "ишь", "ется", "ится"} {
				if string(word[len(word)-len(suffix):]) == suffix {
					return 1 << ldRU
				}
			}
		}
	}
	return 0
}

// allOf reports whether word has only bytes of set.
func allOf(word []byte, set string) bool {
	for _, c := range word {
		if strings.IndexByte(set, c) < 0 {
			return false
		}
	}
	return true
}

func onlyOne(m langSet) bool { return m != 0 && m&(m-1) == 0 }

// lookupWord returns the languages that have word (lower case). A word with
// an apostrophe that is not known whole ("j'adore", "l'ho") is the
// languages both of its halves share ("j'" and "adore"), or of the one
// known half.
func lookupWord(word []byte) langSet {
	if m, ok := ldWords[string(word)]; ok {
		return m
	}
	k := -1
	for i, c := range word {
		if c == '\'' {
			k = i
			break
		}
	}
	if k < 0 {
		return 0
	}
	left, right := ldWords[string(word[:k+1])], ldWords[string(word[k+1:])]
	switch {
	case left == 0:
		return right
	case right == 0:
		return left
	}
	return left & right
}

// decide turns the counts into a language and a confidence.
func (st *ldScan) decide() detection {
	// Units of text per script: words, or characters for the scripts that
	// write no spaces (two Han or kana characters, four Thai, per word).
	var units [scCount]int
	for sc := range units {
		units[sc] = st.words[sc]
	}
	units[scKana] = (st.letters[scKana] + 1) / 2
	units[scHan] = (st.letters[scHan] + 1) / 2
	units[scThai] = (st.letters[scThai] + 3) / 4
	// Han is Japanese when kana is present: count the two as one.
	if st.letters[scKana] > 0 {
		units[scKana], units[scHan] = (st.letters[scKana]+st.letters[scHan]+1)/2, 0
	}
	total, top := 0, -1
	for sc, u := range units {
		total += u
		if u > 0 && (top < 0 || u > units[top]) {
			top = sc
		}
	}
	if top < 0 {
		return detection{}
	}
	// Other scripts in the text: a mixed text is less surely one language.
	mix := 1 - 0.6*float64(total-units[top])/float64(total)

	d := detection{simplified: st.simp, traditional: st.trad}
	switch top {
	case scKana:
		d.lang, d.conf = "ja", 0.97
	case scHangul:
		d.lang, d.conf = "ko", 0.97
	case scGreek:
		d.lang, d.conf = "el", 0.97
	case scHebrew:
		d.lang, d.conf = "he", 0.95
	case scThai:
		d.lang, d.conf = "th", 0.97
	case scHan:
		// Japanese written in kanji only ("大丈夫", "了解") has no kana:
		// only characters that Japanese does not write make it Chinese.
		d.lang, d.conf = "zh", 0.6
		switch {
		case st.yue > 0:
			d.lang = "yue" // written Cantonese: not for a Mandarin reader
		case st.simp+st.trad+st.zh > 0:
			d.conf = 0.95
		}
	case scArabic:
		switch {
		case st.urdu:
			d.lang, d.conf = "ur", 0.6
		case st.persian:
			d.lang, d.conf = "fa", 0.6
		default:
			d.lang, d.conf = st.byWords(scArabic, ldAR)
		}
	case scLatin:
		d.lang, d.conf = st.byWords(scLatin, -1)
	case scCyrillic:
		d.lang, d.conf = st.byWords(scCyrillic, ldRU)
	case scDevanagari:
		d.lang, d.conf = st.byWords(scDevanagari, ldHI)
	default:
		return detection{}
	}
	d.conf *= mix
	return d
}

// byWords picks the language of a script's words from the exclusive
// evidence: the language with the most, if it has some and no other
// language (profiled or not) has any. fallback (or -1) is the language
// named, at low confidence, when the evidence decides nothing.
func (st *ldScan) byWords(sc, fallback int) (string, float64) {
	cands := scriptLangs[sc] &^ st.veto
	best, bestScore := -1, -1
	for b := cands; b != 0; b &= b - 1 {
		l := bits.TrailingZeros16(uint16(b))
		ev := st.excl[l]
		if l == ldES && st.invMark {
			ev++
		}
		if score := 4*ev + st.hits[l]; ev > 0 && score > bestScore {
			best, bestScore = l, score
		}
	}
	if best < 0 {
		if fallback >= 0 && cands&(1<<fallback) != 0 {
			return ldCodes[fallback], 0.5
		}
		return "", 0.2
	}
	ev := st.excl[best]
	if best == ldES && st.invMark {
		ev++
	}
	rival := 0
	for l := 0; l < ldCount; l++ {
		if l != best && st.excl[l] > rival {
			rival = st.excl[l]
		}
	}
	if best != ldES && st.invMark && rival < 1 {
		rival = 1
	}
	// One word of another language already makes a mixed text, in which
	// a skip would leave that word untranslated.
	eff := ev - 3*rival
	if eff <= 0 {
		return "", 0.3
	}
	conf := 0.96
	switch eff {
	case 1:
		conf = 0.7
	case 2:
		conf = 0.86
	case 3:
		conf = 0.92
	}
	// Most words should be known words of the language: a text of
	// unknown words with one known word may be in a language without a
	// profile.
	if n := st.words[sc]; n > 0 {
		switch cover := float64(st.hits[best]) / float64(n); {
		case cover < 0.25:
			conf *= 0.75
		case cover < 0.4:
			conf *= 0.9
		}
	}
	return ldCodes[best], conf
}

// letterLangs returns, for a lower-case non-ASCII letter, the languages
// whose alphabet has it (allowed) and, when one profiled language alone has
// it, that language (specific). Letters of the basic alphabets allow all.
func letterLangs(r rune) (allowed, specific langSet) {
	const (
		en, es, pt, fr = 1 << ldEN, 1 << ldES, 1 << ldPT, 1 << ldFR
		de, it, nl, tr = 1 << ldDE, 1 << ldIT, 1 << ldNL, 1 << ldTR
		ru, uk, bg, ar = 1 << ldRU, 1 << ldUK, 1 << ldBG, 1 << ldAR
		hi, ot         = 1 << ldHI, 1 << ldOther
	)
	var a langSet
	switch r {
	case 'á':
		a = es | pt | nl | ot
	case 'à':
		a = pt | fr | it | ot
	case 'â':
		a = pt | fr | tr | ot
	case 'ã', 'õ':
		a = pt | ot
	case 'ä':
		a = de | ot
	case 'ç':
		a = pt | fr | tr | ot
	case 'è':
		a = fr | it | nl | ot
	case 'é':
		a = es | pt | fr | it | nl | ot
	case 'ê':
		a = pt | fr | nl | ot
	case 'ë', 'ï':
		a = fr | nl | ot
	case 'ì':
		a = it
	case 'í', 'ú':
		a = es | pt | it | ot
	case 'î':
		a = fr | it | tr | ot
	case 'ñ':
		a = es | ot
	case 'ò':
		a = it | ot
	case 'ó':
		a = es | pt | it | nl | ot
	case 'ô':
		a = pt | fr | ot
	case 'ö':
		a = de | tr | nl | ot
	case 'ù':
		a = fr | it
	case 'û':
		a = fr | tr
	case 'ü':
		a = de | tr | es | fr | pt | nl | ot
	case 'ÿ', 'œ':
		a = fr
	case 'ß':
		a = de
	case 'ğ', 'ı', 'ş':
		a = tr | ot
	case 'і':
		a = uk | ot
	case 'ї', 'є', 'ґ':
		a = uk
	case 'ы', 'э', 'ё':
		a = ru | ot
	case 'ъ':
		a = ru | bg
	case 'ў', 'ј', 'љ', 'њ', 'ћ', 'ђ', 'џ', 'ѓ', 'ќ', 'ѕ':
		a = ot
	case 'ة', 'ى':
		a = ar
	case 'ي', 'ك':
		a = ar | ot
	case 'ळ', 'ऱ':
		a = ot
	case 'پ', 'چ', 'ژ', 'گ', 'ک', 'ی', 'ٹ', 'ڈ', 'ڑ', 'ں', 'ے', 'ہ', 'ھ':
		a = ot
	default:
		a = ldAll
		if r >= 0xc0 && unicode.Is(unicode.Latin, r) { // ł ř ș ő đ å ø ə ạ...
			a = ot
		}
	}
	// An unknown word is evidence for the one language of its letters only
	// when other languages seldom write them: ä, ö, ü and õ are Finnish,
	// Swedish, Estonian and Hungarian as much as German or Portuguese.
	switch r {
	case 'ß', 'ì', 'œ', 'ÿ', 'ã', 'ñ', 'ğ', 'ı', 'ї', 'є', 'ґ', 'і', 'ы', 'э', 'ё', 'ة', 'ى', 'ي', 'ك':
		specific = a &^ ot
	}
	return a, specific
}

// zhMarks are Han characters that Japanese does not write (zhBoth), and
// among them those of one Chinese script only. A Han-only text is Chinese
// only with one of them: "大丈夫" and "了解" are Japanese as well.
var zhMarks = func() map[rune]uint8 {
	m := map[rune]uint8{}
	for _, set := range []struct {
		mark  uint8
		chars string
	}{
		{zhSimplified, "这们吗么说个还让为时过对开关门问间见觉现发听头买卖东车长书话语认识请谢错难欢乐飞马鸟鱼龙气电网题应该给经结红线级约动边进运远连达张总爱处实几从众传变报岁师帮无杀极样树梦热刚戏决谁"},
		{zhTraditional, "這們嗎麼說讓對關覺發聽賣歡樂氣應經邊總處實從眾傳變歲幫樣戲沒"},
		{zhBoth, "的你她吧呢啊哈很是我好怎哪吃呀嘛咱啦哦嗯您也"},
		{zhCantonese, "咗嘅唔係啲嘢喺冇佢哋咩嗰乜噉啱睇攞嚟"},
	} {
		for _, r := range set.chars {
			m[r] = set.mark
		}
	}
	return m
}()

// ldWords maps common chat words (lower case) to the languages that use
// them. A word listed under several languages is evidence for none of
// them alone; the lists name the usual false friends ("die", "son", "ne",
// "hier", "mais", "ja") under every language that has them.
var ldWords = func() map[string]langSet {
	m := map[string]langSet{}
	for _, l := range []struct {
		lang  int
		words string
	}{
		{ldEN, `the a an and or but if so to of in on at for with from by about as into over after
			before than then is are was were be been being am i i'm im i've i'll i'd you you're you've
			you'll your yours he he's she she's it it's its we we're our they they're their them me my
			mine him his her us this that that's these those there there's here what what's whats who
			who's where where's when why how which not no yes yeah yep nope don't dont doesn't didn't
			can't cant won't isn't aren't wasn't couldn't shouldn't wouldn't haven't can could would
			should will just also very really too much many more most some any all every each other
			only still again already never always maybe well back now today tonight tomorrow yesterday
			morning night week time day year have has had do does did doing done get got getting go
			going gone went come coming came know knows knew think thought want wanted like likes love
			need needs see saw seen look looking make made take took say said tell told thanks thank
			please good great new old right wrong sure thing things people guys anyone anybody someone
			everyone something anything nothing everything because let let's game play playing played
			music weather work working friend friends home dinner tried try trying idea hour hours up
			down out off through way lot little big better first next same different though even pretty
			fun happy welcome car comment plus chose pour man war hat met door tag later male can her
			ever sounds sound should've gonna wanna gotta yet since while until both own why's isnt hello world sorry bye everyone
			cannot myself yourself together best`},
		{ldES, `el la los las un una uno unos unas y o pero si sí no de del al a en con por para sin sobre
			entre hasta desde que qué quien quién como cómo cuando cuándo donde dónde porque cual cuál
			es son está están estás estoy estar esta era fue ser soy eres somos hay ha he has han hemos
			tengo tiene tienes tenemos tener hago hace hacer voy vas va vamos ir puedo puede puedes
			poder quiero quiere quieres sé sabe sabes saber creo yo tú tu te me mi mis ti usted él ella
			ellos ellas nosotros nos su sus le les lo este esto estos estas ese esa eso aquí aqui ahí
			allí muy mucho mucha muchos muchas más mas menos también tampoco ya todavía aún nunca siempre
			hoy mañana ayer ahora luego después antes bien mal bueno buena buenos buenas gracias hola
			adiós favor perdón claro vale nada algo alguien nadie todo todos todas otro otra cosa casa
			juego partido canción noche día días tiempo hora horas gente amigo amigos verdad ni idea
			jugar pues entonces así cada mismo gusta encanta mundo calor música adoro funciona cara
			pelo dos os mes prima tanto ve hace acabo llegar difícil dificil solo tarde jajaja vez nuevo nueva otra`},
		{ldPT, `o a os as um uma uns umas e ou mas se não sim de do da dos das no na nos nas em com por
			para pelo pela sem sobre entre até desde que quê quem como quando onde porque porquê qual é
			são está estão estou estás estava era foi ser sou somos tem têm tenho temos ter há faço faz
			fazer vou vai vamos ir posso pode podes poder quero quer sei sabe sabes acho eu você vocês
			tu te me meu minha meus minhas seu sua ele ela eles elas nós lhe isso isto esse essa este
			esta aquele aqui aí ali lá muito muita muitos muitas mais menos também já ainda nunca sempre
			hoje amanhã ontem agora depois antes bem mal bom boa bons obrigado obrigada olá oi tchau
			favor desculpa claro nada algo alguém ninguém tudo todo todos todas outro outra coisa casa
			jogo música noite dia dias tempo hora horas gente amigo amigos verdade ideia então assim
			cada mesmo gosto adoro funciona cara vc pra tá tô né penso tua lei dei sai vale tanto
			chegar cheguei acabei demais essa quente difícil novo nova pessoal galera beleza tarde fala falar só vez à nem ano mau`},
		{ldFR, `le la les un une des du de au aux et ou mais donc car ni que qui quoi quand comment
			pourquoi où est sont suis es êtes sommes être était été ai as avons avez ont avoir fait
			faire vais va vas allez aller peux peut pouvoir veux veut vouloir sais sait savoir crois
			pense je j' tu te toi il elle on nous vous ils elles me moi mon ma mes ton ta tes son sa
			ses notre votre leur leurs ce cet cette ces ça cela ceci ici là très trop beaucoup plus
			moins aussi déjà encore jamais toujours aujourd'hui demain hier maintenant après avant
			bien mal bon bonne merci bonjour salut bonsoir oui non pas ne n' rien tout tous toutes
			quelque quelqu'un personne chose jeu chanson soir nuit jour temps heure monde ami amis vrai
			idée alors comme dans sur sous avec sans pour par chez en y d' l' c' qu' s' m' t' c'est
			j'ai vraiment mdr ptdr stp svp bref marche eu lui sa mais but nos viens vient venir désolé gars quel quelle quels joyeux aucun aucune fois a à an si se`},
		{ldDE, `der die das den dem des ein eine einen einem einer und oder aber wenn dass daß weil denn
			ob als wie was wer wo wann warum wieso ist sind bin bist sein war waren hat habe haben hast
			hatte wird werden kann kannst können muss musst will willst möchte mag ich du er sie es wir
			ihr mich mir dich dir ihn ihm uns euch mein meine dein deine seine unser nicht kein keine
			nichts ja nein doch schon noch auch nur sehr mehr viel viele ganz gut schlecht heute morgen
			gestern jetzt dann später immer nie wieder hier da dort so mal gerade bitte danke dankeschön
			hallo servus tschüss moin guten gute neue alles alle etwas jemand niemand mit von zu zum zur
			bei nach aus für auf an am im in um über unter vor durch ohne gegen bis seit lied spiel
			wetter zeit tag nacht abend woche leute freund freunde hause geht gibt gehen machen macht
			gemacht weiß weißt glaube denke finde echt wirklich genau vielleicht eigentlich halt einfach
			heißt kommst kommt komme los ahnung liebe zusammen schwer dieses diese dieser geht's gibt's
			woher gekommen gerade man später later also lang`},
		{ldIT, `il lo la i gli le un uno una e ed o ma se che chi cosa come quando dove perché perche
			quale è sono sei siamo siete essere era stato ho hai ha abbiamo avete hanno avere fatto fare
			faccio vado vai va andiamo andare posso puoi può potere voglio vuoi vuole so sai sa credo
			penso io tu te ti mi me lui lei noi voi loro mio mia miei mie tuo tua suo sua nostro questo
			questa questi quello quella qui qua lì là molto tanto troppo più meno anche già ancora mai
			sempre oggi domani ieri adesso ora poi dopo prima bene male buono buona buongiorno buonasera
			grazie prego scusa sì si no non niente nulla tutto tutti tutte qualcosa qualcuno nessuno
			altro altra casa gioco partita canzone sera notte giorno tempo gente amico amici vero idea
			allora così cioè di del della dello dei delle da dal dalla in nel nella con su sul sulla per
			tra fra a al alla ai alle c'è l' d' c' un' po' vabbè boh dai comunque proprio davvero bello
			bella piace sto sta stai adoro ce ne qual ci stasera ragazzi forse subito devo devi deve ecco solo insieme volta cara`},
		{ldNL, `de het een en of maar als dat die dit deze wat wie waar wanneer waarom hoe is zijn ben
			bent was waren heb hebt heeft hebben had kan kun kunnen moet moeten wil wilt willen zal zou
			ik jij je u hij zij ze wij we jullie mij me mijn jouw jou haar ons onze hun niet geen niets
			nee ja wel ook nog al alleen heel erg veel meer vandaag morgen gisteren nu dan later altijd
			nooit weer hier daar zo even eens graag dank bedankt dankjewel hallo hoi doei goed goede
			leuk mooi alles alle iets iemand niemand met van voor naar op aan in uit bij over door tot
			om na mensen spel tijd dag nacht avond week thuis gaat gaan doen doet weet denk vind echt
			gewoon misschien eigenlijk toch lekker nou hoor zeker kijken lied die er pas mag man help
			best want`},
		{ldTR, `ve veya ama fakat ile için gibi kadar daha çok az bir bu şu o ben sen biz siz onlar beni
			seni bana sana benim senin onun bizim ne neden niye nasıl nerede nereye kim hangi evet hayır
			yok var değil mi mı mu mü de da ki bile hep hiç şimdi bugün yarın dün sonra önce iyi kötü
			güzel merhaba selam teşekkürler teşekkür sağol tamam lütfen pardon abi kanka oyun şarkı hava
			gece gün zaman herkes biri birisi şey her iyiyim nasılsın naber oldu olur olmaz yapıyorum
			yap yaptım geldim geliyorum gidiyorum hadi haydi bence aslında gerçekten sadece hala hâlâ
			artık evde can hasta ya ses son ben`},
		{ldOther, `és amb però això molt perquè també vull són què gràcies avui doncs jo ets
			și nu sunt ești bună mulțumesc foarte acum unde pentru
			nie jest się tak dziękuję cześć jak ale co czy że mam dobrze
			ano děkuji ahoj jsem není taky
			dan yang tidak saya aku kamu ini itu ada apa juga sudah belum terima kasih bisa mau dengan
			untuk ang ng mga sa ako ikaw hindi po salamat naman lang
			och är det jag inte att som på har jeg ikke og er med vi tack hej takk tak du
			ja on ei kiitos moi minä sinä se az nem igen köszönöm szia hogy van
			habari asante na ni wa kwa khong toi ban la va co hai ho hain kya nahi nahin mujhe yaar bhai kal tum aap mera tera kaise kaha kahan
			accha acha theek thik haan ka ki ke ko se mein bhi toh kuch kyun abhi gaya raha rahi karo kar hum
			ek nie baie jy hy sal dankie goeie
			nun facer grazas tamén xa pola polo unha coa cos vémonos moitas`},
		{ldRU, `что это как так да нет не я ты он она мы вы они меня тебя мне тебе его её всем все всё
			привет спасибо пожалуйста хорошо очень сегодня завтра вчера сейчас здесь тут там где когда
			почему кто куда откуда сколько можно нужно надо есть был была было будет только уже ещё еще
			или если но и в на с у к о от за из по для до дела знаю знает знаешь понятия имею игра игру
			ребята давай ладно блин пока свидания понял думаю хочу могу может работает дома домой доброе
			утро спокойной ночи люблю круто норм ну вот чем чего то тоже вообще просто та много те ли ни здрасти`},
		{ldUK, `як так я тебе все тут там було но і й в на у до за по не що це але та дякую ти ми ви
			вони він вона мене добре будь ласка зараз дуже треба коли чому хто де буде можна щось
			нічого вже ще мені гра ну о може`},
		{ldBG, `това какво съм си е не да как и в на с от за по до но там много добре благодаря здравей
			здрасти сега тук защо кой къде може нещо нищо всички аз ти той тя ние вие те мен теб със
			във ли ми ни ги беше бях още вече днес утре вчера хубаво игра та ще`},
		{ldAR, `في من على إلى الى أن ان إن لا ما هذا هذه هل كيف أنا انا أنت انت نحن هو هي مع عن كل
			شكرا شكراً مرحبا السلام عليكم الله يا لم لن قد كان الآن اليوم بس ليش وين شو ايش ماذا لماذا
			جدا جداً جميل حبيبي تمام نعم أيضا صباح مساء الخير او أو به هم`},
		{ldHI, `है हैं था थी थे का की के को में से और यह वह ये वो नहीं मैं हम तुम आप क्या कैसे कहाँ कब
			क्यों कौन भी तो ही पर लिए साथ बहुत अच्छा अच्छी शुक्रिया हाँ हां रहा रही रहे गया गई कर करना
			करो मुझे तुम्हें आज कल अभी फिर सब कुछ कोई गाना खेल भाई यार ठीक हो`},
		{ldOther, `आहे आहेत आणि नाही मी तू तुम्ही काय कसे कसा कुठे का मला तुला आम्ही होते झाले करतो छान
			उद्या छ छन् हो तिमी हामी के छैन धेरै राम्रो कस्तो अनि पनि भयो छु आज तो ही कर ठीक
			است این آن که را با از به در برای من تو ما شما او خوب چی چه هست نیست هم`},
	} {
		for _, w := range strings.Fields(l.words) {
			m[w] |= 1 << l.lang
		}
	}
	return m
}()
