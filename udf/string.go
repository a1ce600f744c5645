package udf

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chatsql/chatsql/runtime/types"
)

// maxStringLen bounds results built from a count (REPEAT, LPAD, SPACE):
// above it the result is NULL, as MySQL does past max_allowed_packet,
// rather than letting one row allocate gigabytes.
const maxStringLen = 16 << 20

func str(s string) types.Value { return types.NewString(s) }

func text(v types.Value) string {
	s, _ := ToString(v)
	return s
}

// intArg reads an integer argument; ok is false when it does not convert.
func intArg(v types.Value) (int64, bool) { return ToInt64(v) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// charCount counts characters (runes).
func charCount(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

// charOffset returns the byte offset of the n-th (0-based) character, or
// len(s) when s has fewer characters.
func charOffset(s string, n int) int {
	if n <= 0 {
		return 0
	}
	i := 0
	for off := range s {
		if i == n {
			return off
		}
		i++
	}
	return len(s)
}

// substrChars returns characters [start, start+n) of s.
func substrChars(s string, start, n int) string {
	if isASCII(s) {
		end := min(start+n, len(s))
		if start >= end {
			return ""
		}
		return s[start:end]
	}
	b := charOffset(s, start)
	rest := s[b:]
	return rest[:charOffset(rest, n)]
}

func init() {
	register("string",
		def{names: []string{"CONCAT"}, sig: "CONCAT(value, ...) -> VARCHAR",
			doc:  "Concatenates the text of its arguments; NULL if any argument is NULL. CONCAT(1, 'a') = '1a'.",
			bind: fixed(1, -1, types.String, evalConcat, cText)},
		def{names: []string{"CONCAT_WS"}, sig: "CONCAT_WS(separator, value, ...) -> VARCHAR",
			doc:  "Concatenates the non-NULL values with separator between them; NULL only if separator is NULL.",
			bind: bindConcatWS},
		def{names: []string{"LENGTH", "OCTET_LENGTH"}, sig: "LENGTH(str) -> BIGINT",
			doc: "Length of str in bytes (UTF-8).",
			bind: fixed(1, 1, types.BigInt, func(a []types.Value) (types.Value, error) {
				return types.NewBigInt(int64(len(text(a[0])))), nil
			}, cText)},
		def{names: []string{"CHAR_LENGTH", "CHARACTER_LENGTH"}, sig: "CHAR_LENGTH(str) -> BIGINT",
			doc: "Length of str in characters.",
			bind: fixed(1, 1, types.BigInt, func(a []types.Value) (types.Value, error) {
				return types.NewBigInt(int64(charCount(text(a[0])))), nil
			}, cText)},
		def{names: []string{"LOWER", "LCASE"}, sig: "LOWER(str) -> VARCHAR", doc: "str in lower case.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				if a[0].Kind() == types.KindString {
					if s := a[0].Str(); isLower(s) {
						return a[0], nil // nothing to change: no copy
					}
				}
				return str(strings.ToLower(text(a[0]))), nil
			}, cText)},
		def{names: []string{"UPPER", "UCASE"}, sig: "UPPER(str) -> VARCHAR", doc: "str in upper case.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				return str(strings.ToUpper(text(a[0]))), nil
			}, cText)},
		def{names: []string{"TRIM"}, sig: "TRIM(str [, remstr [, 'BOTH'|'LEADING'|'TRAILING']]) -> VARCHAR",
			doc:  "Removes leading and/or trailing occurrences of remstr (default a space) from str; TRIM(BOTH 'x' FROM s) arrives as TRIM(s, 'x', 'BOTH').",
			bind: bindTrim},
		def{names: []string{"LTRIM"}, sig: "LTRIM(str) -> VARCHAR", doc: "str without leading spaces.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				return str(strings.TrimLeft(text(a[0]), " ")), nil
			}, cText)},
		def{names: []string{"RTRIM"}, sig: "RTRIM(str) -> VARCHAR", doc: "str without trailing spaces.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				return str(strings.TrimRight(text(a[0]), " ")), nil
			}, cText)},
		def{names: []string{"SUBSTRING", "SUBSTR", "MID"}, sig: "SUBSTRING(str, pos [, len]) -> VARCHAR",
			doc:  "len characters of str from 1-based position pos (negative pos counts from the end; 0 gives '').",
			bind: fixed(2, 3, types.String, evalSubstring, cText, cNum)},
		def{names: []string{"LEFT"}, sig: "LEFT(str, len) -> VARCHAR", doc: "The leftmost len characters of str.",
			bind: fixed(2, 2, types.String, func(a []types.Value) (types.Value, error) {
				n, ok := intArg(a[1])
				if !ok {
					return types.NullValue, nil
				}
				s := text(a[0])
				if n <= 0 {
					return str(""), nil
				}
				return str(substrChars(s, 0, int(min(n, int64(len(s)))))), nil
			}, cText, cNum)},
		def{names: []string{"RIGHT"}, sig: "RIGHT(str, len) -> VARCHAR", doc: "The rightmost len characters of str.",
			bind: fixed(2, 2, types.String, func(a []types.Value) (types.Value, error) {
				n, ok := intArg(a[1])
				if !ok {
					return types.NullValue, nil
				}
				s := text(a[0])
				if n <= 0 {
					return str(""), nil
				}
				c := charCount(s)
				if int64(c) <= n {
					return str(s), nil
				}
				return str(substrChars(s, c-int(n), int(n))), nil
			}, cText, cNum)},
		def{names: []string{"REPLACE"}, sig: "REPLACE(str, from, to) -> VARCHAR", doc: "str with every occurrence of from replaced by to.",
			bind: fixed(3, 3, types.String, func(a []types.Value) (types.Value, error) {
				s, from := text(a[0]), text(a[1])
				if from == "" {
					return str(s), nil
				}
				return str(strings.ReplaceAll(s, from, text(a[2]))), nil
			}, cText)},
		def{names: []string{"REVERSE"}, sig: "REVERSE(str) -> VARCHAR", doc: "str with its characters in reverse order.",
			bind: fixed(1, 1, types.String, evalReverse, cText)},
		def{names: []string{"REPEAT"}, sig: "REPEAT(str, count) -> VARCHAR", doc: "str repeated count times ('' when count < 1).",
			bind: fixed(2, 2, types.String, func(a []types.Value) (types.Value, error) {
				s := text(a[0])
				n, ok := intArg(a[1])
				if !ok {
					return types.NullValue, nil
				}
				if n <= 0 || s == "" {
					return str(""), nil
				}
				if n > maxStringLen/int64(len(s)) {
					return types.NullValue, nil
				}
				return str(strings.Repeat(s, int(n))), nil
			}, cText, cNum)},
		def{names: []string{"LPAD"}, sig: "LPAD(str, len, padstr) -> VARCHAR",
			doc:  "str left-padded with padstr to len characters (or cut to len).",
			bind: fixed(3, 3, types.String, func(a []types.Value) (types.Value, error) { return evalPad(a, true) }, cText, cNum, cText)},
		def{names: []string{"RPAD"}, sig: "RPAD(str, len, padstr) -> VARCHAR",
			doc:  "str right-padded with padstr to len characters (or cut to len).",
			bind: fixed(3, 3, types.String, func(a []types.Value) (types.Value, error) { return evalPad(a, false) }, cText, cNum, cText)},
		def{names: []string{"INSTR"}, sig: "INSTR(str, substr) -> BIGINT", doc: "1-based character position of the first substr in str, 0 if absent.",
			bind: fixed(2, 2, types.BigInt, func(a []types.Value) (types.Value, error) {
				return types.NewBigInt(locate(text(a[1]), text(a[0]), 1)), nil
			}, cText)},
		def{names: []string{"LOCATE"}, sig: "LOCATE(substr, str [, pos]) -> BIGINT", doc: "1-based character position of the first substr in str at or after pos, 0 if absent.",
			bind: fixed(2, 3, types.BigInt, func(a []types.Value) (types.Value, error) {
				pos := int64(1)
				if len(a) == 3 {
					var ok bool
					if pos, ok = intArg(a[2]); !ok {
						return types.NullValue, nil
					}
				}
				return types.NewBigInt(locate(text(a[0]), text(a[1]), pos)), nil
			}, cText, cText, cNum)},
		def{names: []string{"POSITION"}, sig: "POSITION(substr, str) -> BIGINT", doc: "POSITION(substr IN str): same as LOCATE(substr, str).",
			bind: fixed(2, 2, types.BigInt, func(a []types.Value) (types.Value, error) {
				return types.NewBigInt(locate(text(a[0]), text(a[1]), 1)), nil
			}, cText)},
		def{names: []string{"SPACE"}, sig: "SPACE(n) -> VARCHAR", doc: "n spaces.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				n, ok := intArg(a[0])
				if !ok || n > maxStringLen {
					return types.NullValue, nil
				}
				if n <= 0 {
					return str(""), nil
				}
				return str(strings.Repeat(" ", int(n))), nil
			}, cNum)},
		def{names: []string{"SUBSTRING_INDEX"}, sig: "SUBSTRING_INDEX(str, delim, count) -> VARCHAR",
			doc:  "The part of str before the count-th delim (count > 0), or after the count-th delim from the right (count < 0).",
			bind: fixed(3, 3, types.String, evalSubstringIndex, cText, cText, cNum)},
		def{names: []string{"ASCII"}, sig: "ASCII(str) -> INT", doc: "The code of the first byte of str (0 for '').",
			bind: fixed(1, 1, types.Int, func(a []types.Value) (types.Value, error) {
				s := text(a[0])
				if s == "" {
					return types.NewInt(0), nil
				}
				return types.NewInt(int64(s[0])), nil
			}, cText)},
		def{names: []string{"HEX"}, sig: "HEX(str_or_number) -> VARCHAR", doc: "Upper-case hexadecimal of a string's bytes, or of an integer.",
			bind: fixed(1, 1, types.String, evalHex, cText)},
		def{names: []string{"MD5"}, sig: "MD5(str) -> VARCHAR", doc: "MD5 digest of str as 32 lower-case hex digits.",
			bind: fixed(1, 1, types.String, hashEval(md5.New), cText)},
		def{names: []string{"SHA1", "SHA"}, sig: "SHA1(str) -> VARCHAR", doc: "SHA-1 digest of str as 40 lower-case hex digits.",
			bind: fixed(1, 1, types.String, hashEval(sha1.New), cText)},
		def{names: []string{"SHA2"}, sig: "SHA2(str, bits) -> VARCHAR", doc: "SHA-2 digest (bits 224, 256, 384, 512; 0 means 256) as lower-case hex; NULL for other bits.",
			bind: fixed(2, 2, types.String, evalSHA2, cText, cNum)},
		def{names: []string{"TO_BASE64"}, sig: "TO_BASE64(str) -> VARCHAR", doc: "Standard base64 of str's bytes.",
			bind: fixed(1, 1, types.String, func(a []types.Value) (types.Value, error) {
				return str(base64.StdEncoding.EncodeToString([]byte(text(a[0])))), nil
			}, cText)},
		def{names: []string{"FROM_BASE64"}, sig: "FROM_BASE64(str) -> VARCHAR", doc: "Decodes base64 (whitespace ignored); NULL if str is not base64.",
			bind: fixed(1, 1, types.String, evalFromBase64, cText)},
		def{names: []string{"STRCMP"}, sig: "STRCMP(a, b) -> INT", doc: "-1, 0 or 1 as a sorts before, with or after b (bytewise).",
			bind: fixed(2, 2, types.Int, func(a []types.Value) (types.Value, error) {
				return types.NewInt(int64(strings.Compare(text(a[0]), text(a[1])))), nil
			}, cText)},
		def{names: []string{"INITCAP"}, sig: "INITCAP(str) -> VARCHAR", doc: "Each word (run of letters and digits) with its first character upper case and the rest lower case.",
			bind: fixed(1, 1, types.String, evalInitcap, cText)},
		def{names: []string{"SPLIT_INDEX"}, sig: "SPLIT_INDEX(str, delimiter, index) -> VARCHAR", doc: "The index-th (0-based) part of str split at delimiter; NULL when out of range (Flink).",
			bind: fixed(3, 3, types.String, evalSplitIndex, cText, cText, cNum)},
		def{names: []string{"FIELD"}, sig: "FIELD(str, s1, s2, ...) -> BIGINT", doc: "1-based index of the first si equal to str, 0 if none (or str is NULL).",
			bind: bindField},
		def{names: []string{"ELT"}, sig: "ELT(n, s1, s2, ...) -> VARCHAR", doc: "The n-th string (1-based); NULL when n is out of range.",
			bind: bindElt},
		def{names: []string{"FIND_IN_SET"}, sig: "FIND_IN_SET(str, list) -> BIGINT", doc: "1-based position of str in the comma-separated list, 0 if absent.",
			bind: fixed(2, 2, types.BigInt, evalFindInSet, cText)},
		def{names: []string{"QUOTE"}, sig: "QUOTE(str) -> VARCHAR", doc: "str as a quoted SQL string literal; the word NULL (unquoted) for NULL.",
			bind: bindQuote},
		def{names: []string{"REGEXP_LIKE"}, sig: "REGEXP_LIKE(str, pattern [, match_type]) -> BOOLEAN",
			doc:  "Whether str matches the regular expression (RE2 syntax). match_type letters: c case-sensitive (default), i case-insensitive, m multi-line, n '.' matches newline.",
			bind: bindRegexpLike},
		def{names: []string{"REGEXP_REPLACE"}, sig: "REGEXP_REPLACE(str, pattern, replacement [, pos [, occurrence [, match_type]]]) -> VARCHAR",
			doc:  "Replaces matches of pattern (all, or only the occurrence-th) from character pos on; $1 refers to a group.",
			bind: bindRegexpReplace},
		def{names: []string{"REGEXP_SUBSTR"}, sig: "REGEXP_SUBSTR(str, pattern [, pos [, occurrence [, match_type]]]) -> VARCHAR",
			doc:  "The occurrence-th match of pattern in str from character pos on; NULL if none.",
			bind: bindRegexpSubstr},
		def{names: []string{"REGEXP_INSTR"}, sig: "REGEXP_INSTR(str, pattern [, pos [, occurrence [, return_option [, match_type]]]]) -> BIGINT",
			doc:  "1-based character position of the occurrence-th match (of the character after it when return_option is 1); 0 if none.",
			bind: bindRegexpInstr},
	)
}

func evalConcat(a []types.Value) (types.Value, error) {
	if len(a) == 1 && a[0].Kind() == types.KindString {
		return a[0], nil
	}
	n := 0
	for i := range a {
		n += textLenEstimate(a[i])
	}
	buf := make([]byte, 0, n)
	for i := range a {
		buf = appendText(buf, a[i])
	}
	return str(bytesString(buf)), nil
}

// textLenEstimate guesses how many bytes appendText writes, so one
// allocation usually suffices.
func textLenEstimate(v types.Value) int {
	switch v.Kind() {
	case types.KindString, types.KindJSON, types.KindBytes:
		return len(v.Str())
	case types.KindTimestamp, types.KindTimestampLTZ:
		return 26
	}
	return 20
}

func bindConcatWS(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 1, -1); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cText); err != nil {
		return types.Type{}, nil, err
	}
	return types.String, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.NullValue, nil
		}
		sep := text(a[0])
		n := 0
		for i := 1; i < len(a); i++ {
			n += textLenEstimate(a[i]) + len(sep)
		}
		buf := make([]byte, 0, n)
		first := true
		for i := 1; i < len(a); i++ {
			if a[i].IsNull() {
				continue
			}
			if !first {
				buf = append(buf, sep...)
			}
			first = false
			buf = appendText(buf, a[i])
		}
		return str(bytesString(buf)), nil
	}, nil
}

func bindTrim(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 1, 3); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cText); err != nil {
		return types.Type{}, nil, err
	}
	leading, trailing := true, true
	if len(args) == 3 {
		dir, err := constKeyword(name, args, 2, "direction")
		if err != nil {
			return types.Type{}, nil, err
		}
		switch dir {
		case "BOTH":
		case "LEADING":
			trailing = false
		case "TRAILING":
			leading = false
		default:
			return types.Type{}, nil, funcErr(name, ErrArgValue, "direction must be BOTH, LEADING or TRAILING, got %q", dir)
		}
	}
	return types.String, strict(func(a []types.Value) (types.Value, error) {
		s := text(a[0])
		rem := " "
		if len(a) > 1 {
			rem = text(a[1])
		}
		if rem == "" {
			return str(s), nil
		}
		if leading {
			for strings.HasPrefix(s, rem) {
				s = s[len(rem):]
			}
		}
		if trailing {
			for strings.HasSuffix(s, rem) {
				s = s[:len(s)-len(rem)]
			}
		}
		return str(s), nil
	}), nil
}

func evalSubstring(a []types.Value) (types.Value, error) {
	s := text(a[0])
	pos, ok := intArg(a[1])
	if !ok {
		return types.NullValue, nil
	}
	n := int64(len(s)) // more than the character count
	if len(a) == 3 {
		if n, ok = intArg(a[2]); !ok {
			return types.NullValue, nil
		}
	}
	if pos == 0 || n <= 0 {
		return str(""), nil
	}
	c := int64(charCount(s))
	var start int64
	if pos > 0 {
		start = pos - 1
	} else {
		start = c + pos
		if start < 0 {
			return str(""), nil
		}
	}
	if start >= c {
		return str(""), nil
	}
	return str(substrChars(s, int(start), int(min(n, c-start)))), nil
}

func evalReverse(a []types.Value) (types.Value, error) {
	s := text(a[0])
	buf := make([]byte, len(s))
	if isASCII(s) {
		for i := 0; i < len(s); i++ {
			buf[len(s)-1-i] = s[i]
		}
		return str(bytesString(buf)), nil
	}
	end := len(buf)
	for _, r := range s {
		n := utf8.RuneLen(r)
		if n < 0 {
			n = 3 // RuneError's encoding
		}
		utf8.EncodeRune(buf[end-n:], r)
		end -= n
	}
	return str(bytesString(buf[end:])), nil
}

func evalPad(a []types.Value, left bool) (types.Value, error) {
	s, pad := text(a[0]), text(a[2])
	n, ok := intArg(a[1])
	if !ok || n < 0 || n > maxStringLen {
		return types.NullValue, nil
	}
	c := int64(charCount(s))
	if c >= n {
		return str(substrChars(s, 0, int(n))), nil
	}
	if pad == "" {
		return types.NullValue, nil
	}
	need := int(n - c)
	padChars := charCount(pad)
	var b strings.Builder
	b.Grow(len(s) + (need/padChars+1)*len(pad))
	writePad := func() {
		for need >= padChars {
			b.WriteString(pad)
			need -= padChars
		}
		b.WriteString(substrChars(pad, 0, need))
	}
	if left {
		writePad()
		b.WriteString(s)
	} else {
		b.WriteString(s)
		writePad()
	}
	return str(b.String()), nil
}

// locate is LOCATE(sub, s, pos) in characters.
func locate(sub, s string, pos int64) int64 {
	if pos < 1 {
		return 0
	}
	c := int64(charCount(s))
	if pos > c+1 {
		return 0
	}
	off := charOffset(s, int(pos-1))
	i := strings.Index(s[off:], sub)
	if i < 0 {
		return 0
	}
	if isASCII(s) {
		return int64(off+i) + 1
	}
	return int64(utf8.RuneCountInString(s[:off+i])) + 1
}

func evalSubstringIndex(a []types.Value) (types.Value, error) {
	s, delim := text(a[0]), text(a[1])
	count, ok := intArg(a[2])
	if !ok {
		return types.NullValue, nil
	}
	if delim == "" || count == 0 {
		return str(""), nil
	}
	if count > 0 {
		off := 0
		for ; count > 0; count-- {
			i := strings.Index(s[off:], delim)
			if i < 0 {
				return str(s), nil
			}
			off += i
			if count > 1 {
				off += len(delim)
			}
		}
		return str(s[:off]), nil
	}
	end := len(s)
	for ; count < 0; count++ {
		i := strings.LastIndex(s[:end], delim)
		if i < 0 {
			return str(s), nil
		}
		end = i
	}
	return str(s[end+len(delim):]), nil
}

func evalHex(a []types.Value) (types.Value, error) {
	switch a[0].Kind() {
	case types.KindInt, types.KindBigInt, types.KindDouble, types.KindDecimal, types.KindBoolean:
		n, ok := ToInt64(a[0])
		if !ok {
			return types.NullValue, nil
		}
		return str(strings.ToUpper(strconv.FormatUint(uint64(n), 16))), nil
	}
	return str(strings.ToUpper(hex.EncodeToString([]byte(text(a[0]))))), nil
}

func hashEval(h func() hash.Hash) EvalFunc {
	return func(a []types.Value) (types.Value, error) {
		d := h()
		d.Write([]byte(text(a[0])))
		var sum [64]byte
		return str(hex.EncodeToString(d.Sum(sum[:0]))), nil
	}
}

var sha2Evals = map[int64]EvalFunc{
	0: hashEval(sha256.New), 256: hashEval(sha256.New), 224: hashEval(sha256.New224),
	384: hashEval(sha512.New384), 512: hashEval(sha512.New),
}

func evalSHA2(a []types.Value) (types.Value, error) {
	bits, ok := intArg(a[1])
	f := sha2Evals[bits]
	if !ok || f == nil {
		return types.NullValue, nil
	}
	return f(a[:1])
}

func evalFromBase64(a []types.Value) (types.Value, error) {
	s := text(a[0])
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, s)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return types.NullValue, nil
		}
	}
	return str(bytesString(b)), nil
}

func evalInitcap(a []types.Value) (types.Value, error) {
	s := text(a[0])
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case word && !inWord:
			b.WriteRune(unicode.ToUpper(r))
		case word:
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteRune(r)
		}
		inWord = word
	}
	return str(b.String()), nil
}

func evalSplitIndex(a []types.Value) (types.Value, error) {
	s, delim := text(a[0]), text(a[1])
	idx, ok := intArg(a[2])
	if !ok || idx < 0 {
		return types.NullValue, nil
	}
	if delim == "" {
		if idx == 0 {
			return str(s), nil
		}
		return types.NullValue, nil
	}
	for ; idx > 0; idx-- {
		i := strings.Index(s, delim)
		if i < 0 {
			return types.NullValue, nil
		}
		s = s[i+len(delim):]
	}
	if i := strings.Index(s, delim); i >= 0 {
		s = s[:i]
	}
	return str(s), nil
}

func bindField(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, -1); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cText); err != nil {
		return types.Type{}, nil, err
	}
	// MySQL compares as numbers when every argument is a number, else as text.
	numeric := true
	for _, a := range args {
		numeric = numeric && (a.Type.Kind.IsNumeric() || a.Type.Kind == types.KindNull)
	}
	return types.BigInt, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.NewBigInt(0), nil
		}
		for i := 1; i < len(a); i++ {
			if a[i].IsNull() {
				continue
			}
			var eq bool
			if numeric {
				x, _ := ToFloat64(a[0])
				y, _ := ToFloat64(a[i])
				eq = x == y
			} else {
				eq = text(a[0]) == text(a[i])
			}
			if eq {
				return types.NewBigInt(int64(i)), nil
			}
		}
		return types.NewBigInt(0), nil
	}, nil
}

func bindElt(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 2, -1); err != nil {
		return types.Type{}, nil, err
	}
	if err := checkClasses(name, args, cNum, cText); err != nil {
		return types.Type{}, nil, err
	}
	return types.String, func(a []types.Value) (types.Value, error) {
		n, ok := intArg(a[0])
		if !ok || n < 1 || n >= int64(len(a)) || a[n].IsNull() {
			return types.NullValue, nil
		}
		return str(text(a[n])), nil
	}, nil
}

func evalFindInSet(a []types.Value) (types.Value, error) {
	s, list := text(a[0]), text(a[1])
	if strings.IndexByte(s, ',') >= 0 || list == "" {
		return types.NewBigInt(0), nil
	}
	pos := int64(1)
	for {
		item, rest, more := strings.Cut(list, ",")
		if item == s {
			return types.NewBigInt(pos), nil
		}
		if !more {
			return types.NewBigInt(0), nil
		}
		list = rest
		pos++
	}
}

func bindQuote(name string, args []Arg) (types.Type, EvalFunc, error) {
	if err := checkArgs(name, args, 1, 1); err != nil {
		return types.Type{}, nil, err
	}
	return types.String, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return str("NULL"), nil
		}
		s := text(a[0])
		var b strings.Builder
		b.Grow(len(s) + 2)
		b.WriteByte('\'')
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '\\', '\'':
				b.WriteByte('\\')
				b.WriteByte(c)
			case 0:
				b.WriteString(`\0`)
			case 0x1a:
				b.WriteString(`\Z`)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('\'')
		return str(b.String()), nil
	}, nil
}

// isLower reports whether strings.ToLower(s) == s, without allocating: the
// common case for chat text, whose non-ASCII part is mostly emoji and
// lower-case letters (strings.ToLower copies any string with a non-ASCII
// byte).
func isLower(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.ToLower(r) != r {
			return false
		}
		i += n
	}
	return true
}
