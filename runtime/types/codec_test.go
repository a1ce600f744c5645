package types

import (
	"errors"
	"testing"
)

func TestRowBinaryRoundTrip(t *testing.T) {
	row := Row{NullValue, NewBool(true), NewInt(-5), NewBigInt(1 << 60), NewDouble(-2.5), NewString("héllo"),
		NewJSON(`{"a":1}`), NewBytes("\x00\x01"), NewDecimal(-12345, 2), NewTimestamp(1704067200123000),
		NewTimestampLTZ(-1), NewDate(19723), NewInterval(5_000_000), NewString("")}
	b := AppendRowBinary(nil, row)
	b = AppendRowBinary(b, Row{})
	got, rest, err := DecodeRow(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(row) {
		t.Fatalf("%d values, want %d", len(got), len(row))
	}
	for i := range row {
		if got[i] != row[i] {
			t.Errorf("value %d: %#v, want %#v", i, got[i], row[i])
		}
	}
	empty, rest, err := DecodeRow(rest)
	if err != nil || len(empty) != 0 || len(rest) != 0 {
		t.Errorf("second row %v, rest %d, %v", empty, len(rest), err)
	}
	for n := 0; n < len(b)-1; n++ {
		if _, _, err := DecodeRow(b[:n]); err == nil && n < len(AppendRowBinary(nil, row)) {
			t.Fatalf("truncated at %d decoded without error", n)
		} else if err != nil && !errors.Is(err, ErrBadEncoding) {
			t.Fatalf("truncated at %d: %v", n, err)
		}
	}
}
