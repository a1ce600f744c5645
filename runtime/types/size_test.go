package types

import (
	"testing"
	"unsafe"
)

func TestValueSize(t *testing.T) {
	if s := unsafe.Sizeof(Value{}); s != 32 {
		t.Fatalf("Value is %d bytes, want 32", s)
	}
}
