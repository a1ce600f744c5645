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

// AppendJSONString appends s as a quoted JSON string.
func AppendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
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
