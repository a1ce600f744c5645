package udf

import (
	"crypto/rand"
	"crypto/sha1"

	"github.com/chatsql/chatsql/runtime/types"
)

// uuidNamespace is RFC 9562's URL namespace (6ba7b811-9dad-11d1-80b4-
// 00c04fd430c8). UUID(x, ...) is therefore reproducible anywhere, e.g. in
// Python: uuid.uuid5(uuid.NAMESPACE_URL, "websocket_fanout\x000\x0042").
var uuidNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
	0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

func init() {
	register("chatsql",
		def{names: []string{"UUID"}, sig: "UUID([value, ...]) -> VARCHAR", volatile: true,
			doc: "Without arguments a random version-4 UUID. With arguments a name-based version-5 UUID " +
				"(URL namespace) of their text joined with NUL bytes: deterministic, so " +
				"UUID(topic, partition, offset) gives a message id that is stable under replay. NULL if an argument is NULL.",
			bind: bindUUID},
	)
}

func bindUUID(name string, args []Arg) (types.Type, EvalFunc, error) {
	if len(args) == 0 {
		return types.String, func([]types.Value) (types.Value, error) { return str(UUIDv4()), nil }, nil
	}
	if err := checkClasses(name, args, cText); err != nil {
		return types.Type{}, nil, err
	}
	return types.String, strict(func(a []types.Value) (types.Value, error) {
		// The namespace goes first in the same buffer, so one sha1.Sum over
		// a stack buffer hashes it all without allocating.
		var scratch [128]byte
		buf := append(scratch[:0], uuidNamespace[:]...)
		for i := range a {
			if i > 0 {
				buf = append(buf, 0)
			}
			buf = appendText(buf, a[i])
		}
		return str(uuidFromHash(sha1.Sum(buf))), nil
	}), nil
}

// UUIDv5 returns the version-5 UUID of name in chatsql's namespace (the
// RFC URL namespace), in the canonical 36-character form.
func UUIDv5(name []byte) string {
	return uuidFromHash(sha1.Sum(append(uuidNamespace[:len(uuidNamespace):len(uuidNamespace)], name...)))
}

func uuidFromHash(sum [sha1.Size]byte) string {
	var u [16]byte
	copy(u[:], sum[:16])
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

// UUIDv4 returns a random version-4 UUID.
func UUIDv4() string {
	var u [16]byte
	_, _ = rand.Read(u[:]) // crypto/rand.Read never fails (Go 1.24+)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

func formatUUID(u [16]byte) string {
	buf := make([]byte, 36)
	j := 0
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf[j] = '-'
			j++
		}
		buf[j] = hexDigits[b>>4]
		buf[j+1] = hexDigits[b&0xf]
		j += 2
	}
	return bytesString(buf)
}

const hexDigits = "0123456789abcdef"
