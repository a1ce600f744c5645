package types

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends v as a JSON value: NULL as null, numbers as numbers,
// timestamps as "2006-01-02 15:04:05.000" strings (with a trailing Z for
// TIMESTAMP_LTZ, as Flink's JSON format writes them), JSON values embedded as
// they are, bytes as base64. Strings are escaped minimally: UTF-8 passes
// through unchanged ("¡Hola mundo!" stays as it is; no HTML escaping).
func AppendJSON(buf []byte, v Value) []byte {
	switch v.kind {
	case KindNull:
		return append(buf, "null"...)
	case KindBoolean:
		return strconv.AppendBool(buf, v.n != 0)
	case KindInt, KindBigInt:
		return strconv.AppendInt(buf, int64(v.n), 10)
	case KindDouble:
		f := v.Float()
		if f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
			return append(buf, "null"...) // JSON has no NaN/Inf
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64)
	case KindDecimal:
		return append(buf, v.DecimalString()...)
	case KindJSON:
		if v.s == "" {
			return append(buf, "null"...)
		}
		return append(buf, v.s...)
	case KindBytes:
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, []byte(v.s))
		return append(buf, '"')
	case KindString:
		return AppendJSONString(buf, v.s)
	default:
		return AppendJSONString(buf, v.String())
	}
}

const hexDigits = "0123456789abcdef"

// jsonSafe[c] is true for bytes that go into a JSON string as they are.
// Bytes >= 0x80 are safe once the string is known to be valid UTF-8, except
// 0xE2, which may start U+2028 or U+2029 (escaped for JavaScript's sake).
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\' && c != 0xE2
	}
	return t
}()

// AppendJSONString appends s as a quoted JSON string.
func AppendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	if !utf8.ValidString(s) {
		return appendJSONStringSlow(buf, s)
	}
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if jsonSafe[c] {
			continue
		}
		if c == 0xE2 {
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				buf = append(buf, s[start:i]...)
				buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
				i += 2
				start = i + 1
			}
			continue
		}
		buf = append(buf, s[start:i]...)
		buf = appendEscaped(buf, c)
		start = i + 1
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

func appendEscaped(buf []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(buf, '\\', c)
	case '\n':
		return append(buf, '\\', 'n')
	case '\r':
		return append(buf, '\\', 'r')
	case '\t':
		return append(buf, '\\', 't')
	}
	return append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// appendJSONStringSlow handles invalid UTF-8: bad bytes become U+FFFD.
func appendJSONStringSlow(buf []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			buf = appendEscaped(buf, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
