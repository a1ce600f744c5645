package types

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// AppendBinary appends v in a compact, self-describing binary form (kind,
// scale, then the number or the string), for operator state in checkpoints.
func (v Value) AppendBinary(b []byte) []byte {
	b = append(b, byte(v.kind), byte(v.sc))
	switch v.kind {
	case KindNull:
	case KindString, KindJSON, KindBytes:
		b = binary.AppendUvarint(b, uint64(len(v.s)))
		b = append(b, v.s...)
	default:
		b = binary.AppendUvarint(b, v.n)
	}
	return b
}

// ErrBadEncoding is returned by the decoders for truncated or corrupt input.
var ErrBadEncoding = errors.New("bad binary value encoding")

// DecodeValue reads one value written by AppendBinary and returns the rest.
func DecodeValue(b []byte) (Value, []byte, error) {
	if len(b) < 2 {
		return Value{}, nil, ErrBadEncoding
	}
	v := Value{kind: Kind(b[0]), sc: int8(b[1])}
	b = b[2:]
	switch v.kind {
	case KindNull:
		return v, b, nil
	case KindString, KindJSON, KindBytes:
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return Value{}, nil, ErrBadEncoding
		}
		v.s = string(b[k : k+int(n)])
		return v, b[k+int(n):], nil
	}
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return Value{}, nil, ErrBadEncoding
	}
	v.n = n
	return v, b[k:], nil
}

// AppendRowBinary appends a row: its length, then its values.
func AppendRowBinary(b []byte, r Row) []byte {
	b = binary.AppendUvarint(b, uint64(len(r)))
	for _, v := range r {
		b = v.AppendBinary(b)
	}
	return b
}

// DecodeRow reads one row written by AppendRowBinary and returns the rest.
func DecodeRow(b []byte) (Row, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("%w: row length", ErrBadEncoding)
	}
	b = b[k:]
	r := make(Row, n)
	for i := range r {
		var err error
		if r[i], b, err = DecodeValue(b); err != nil {
			return nil, nil, err
		}
	}
	return r, b, nil
}
