package print

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

func TestPrint(t *testing.T) {
	schema := types.NewSchema(
		types.Column{Name: "u", Type: types.String}, types.Column{Name: "n", Type: types.BigInt},
		types.Column{Name: "ts", Type: types.TimestampLTZ}, types.Column{Name: "b", Type: types.Boolean})
	rows := []types.Row{
		{types.NewString("alice"), types.NewBigInt(1), types.NewTimestampLTZ(1704067200_000_000), types.NewBool(true)},
		{types.NewString("¡Hola mundo!"), types.Value{}, types.Value{}, types.NewBool(false), types.NewString("extra column ignored")},
	}
	cases := []struct {
		name       string
		raw        map[string]string
		wantStdout string
		wantStderr string
	}{
		{"plain", nil, "+I[alice, 1, 2024-01-01 00:00:00.000Z, TRUE]\n+I[¡Hola mundo!, NULL, NULL, FALSE]\n", ""},
		{"identifier", map[string]string{"print-identifier": "chat"},
			"chat> +I[alice, 1, 2024-01-01 00:00:00.000Z, TRUE]\nchat> +I[¡Hola mundo!, NULL, NULL, FALSE]\n", ""},
		{"standard error", map[string]string{"standard-error": "true"}, "",
			"+I[alice, 1, 2024-01-01 00:00:00.000Z, TRUE]\n+I[¡Hola mundo!, NULL, NULL, FALSE]\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			bw := bufio.NewWriter(&out)
			oldOut, oldErr := Stdout, Stderr
			t.Cleanup(func() { Stdout, Stderr = oldOut, oldErr })
			Stdout, Stderr = bw, &errOut
			spec := Spec()
			opts, errs := spec.Validate(c.raw, false)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			s := NewSink(connectors.Config{Name: "p", Options: opts, Schema: schema})
			ctx := context.Background()
			if err := s.Open(ctx, &runtime.OpContext{}, nil); err != nil {
				t.Fatal(err)
			}
			if err := s.Write(ctx, &runtime.Batch{Rows: rows}); err != nil {
				t.Fatal(err)
			}
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if out.String() != c.wantStdout || errOut.String() != c.wantStderr {
				t.Fatalf("stdout %q stderr %q\nwant stdout %q stderr %q", out.String(), errOut.String(), c.wantStdout, c.wantStderr)
			}
			s.Close()
		})
	}
	t.Run("print is a sink only", func(t *testing.T) {
		spec := Spec()
		if _, errs := spec.Validate(nil, true); len(errs) != 1 {
			t.Fatalf("reading from print: %v", errs)
		}
	})
}
