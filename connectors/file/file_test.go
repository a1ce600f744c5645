package file

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/conformance"
	"github.com/chatsql/chatsql/connectors/format"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

var chatSchema = types.NewSchema(
	types.Column{Name: "username", Type: types.String},
	types.Column{Name: "text", Type: types.String},
	types.Column{Name: "timestamp", Type: types.BigInt},
)

// config validates raw options through the connector's Spec, as the planner does.
func config(t *testing.T, raw map[string]string, schema types.Schema, meta []connectors.MetadataColumn, forSource bool) connectors.Config {
	t.Helper()
	spec := Spec()
	opts, errs := spec.Validate(raw, forSource)
	if len(errs) > 0 {
		t.Fatalf("options %v: %v", raw, errs)
	}
	return connectors.Config{Name: "t", Options: opts, Schema: schema, Metadata: meta}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsonLines(from, to int) string {
	var sb strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&sb, `{"username":"u%d","text":"hello %d","timestamp":%d}`+"\n", i, i, 1704067200+i)
	}
	return sb.String()
}

type collector struct {
	dead []runtime.DeadLetterRecord
	rows []types.Row
	part []int32
}

func (c *collector) open(t *testing.T, src runtime.Source, state []byte) {
	t.Helper()
	sc := &runtime.SourceContext{OpContext: runtime.OpContext{
		DeadLetter: func(_ context.Context, r runtime.DeadLetterRecord) { c.dead = append(c.dead, r) }}}
	if err := src.Open(context.Background(), sc, state); err != nil {
		t.Fatal(err)
	}
}

func (c *collector) drain(t *testing.T, src runtime.Source) {
	t.Helper()
	for {
		b, err := src.Poll(context.Background())
		if errors.Is(err, runtime.ErrEndOfInput) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if b != nil {
			c.rows = append(c.rows, b.Rows...)
			for range b.Rows {
				c.part = append(c.part, b.Partition)
			}
		}
	}
}

func TestSourceConformance(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "in", "a.jsonl"), jsonLines(0, 1500))
	write(t, filepath.Join(dir, "in", "b.jsonl"), "\n"+jsonLines(1500, 1510)+"not json\n"+jsonLines(1510, 1600))
	write(t, filepath.Join(dir, "in", ".hidden"), "garbage")
	write(t, filepath.Join(dir, "c.csv"), "timestamp,username,text\n1,a,\"x\ny\"\n2,b,plain\n3,c,\"q,\"\"r\"\"\"\n")
	cases := []struct {
		name string
		raw  map[string]string
	}{
		{"json directory", map[string]string{"path": filepath.Join(dir, "in")}},
		{"json glob", map[string]string{"path": filepath.Join(dir, "in", "*.jsonl"), "format": "json"}},
		{"csv file", map[string]string{"path": filepath.Join(dir, "c.csv"), "format": "csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conformance.RunSource(t, conformance.Source{
				New: func(t *testing.T) runtime.Source {
					src, err := NewSource(config(t, c.raw, chatSchema, nil, true))
					if err != nil {
						t.Fatal(err)
					}
					return src
				},
				Deterministic: true,
			})
		})
	}
}

func TestSourceReadsEverythingAndDeadLetters(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "1.jsonl"), jsonLines(0, 3)+`{"username":"x","timestamp":"abc"}`+"\n"+jsonLines(3, 5))
	write(t, filepath.Join(dir, "2.jsonl"), "\r\n{broken\n"+strings.TrimSuffix(jsonLines(5, 7), "\n")) // no final newline
	meta := []connectors.MetadataColumn{{Name: "p", Key: MetaPath, Type: types.String}, {Name: "l", Key: MetaLine, Type: types.BigInt}}
	src, err := NewSource(config(t, map[string]string{"path": dir}, chatSchema, meta, true))
	if err != nil {
		t.Fatal(err)
	}
	var c collector
	c.open(t, src, nil)
	c.drain(t, src)
	src.Close()
	if len(c.rows) != 7 {
		t.Fatalf("got %d rows, want 7", len(c.rows))
	}
	for i, r := range c.rows {
		if r[0].Str() != fmt.Sprintf("u%d", i) || r[2].Int() != int64(1704067200+i) {
			t.Errorf("row %d = %v", i, r)
		}
	}
	// metadata: path and line of the second file's first good row (line 3)
	if r := c.rows[5]; r[3].Str() != filepath.Join(dir, "2.jsonl") || r[4] != types.NewBigInt(3) || c.part[5] != 1 {
		t.Errorf("metadata of row 5 = %v partition %d", r, c.part[5])
	}
	if r := c.rows[3]; r[4] != types.NewBigInt(5) || c.part[3] != 0 {
		t.Errorf("line of row 3 = %v", r[4])
	}
	if len(c.dead) != 2 {
		t.Fatalf("dead letters: %+v, want 2", c.dead)
	}
	d := c.dead[0]
	if d.Topic != filepath.Join(dir, "1.jsonl") || d.Offset != 4 || !strings.Contains(string(d.Value), `"abc"`) ||
		!errors.Is(d.Err, format.ErrFieldType) || d.Source != "t" {
		t.Errorf("first dead letter = %+v", d)
	}
	if d := c.dead[1]; d.Offset != 2 || !errors.Is(d.Err, format.ErrSyntax) || string(d.Value) != "{broken" {
		t.Errorf("second dead letter = %+v (err %v)", d, d.Err)
	}
}

func TestSourceCSVHeaderOnRestore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.csv")
	write(t, path, "text;username\nhi;a\nho;b\n")
	cfg := config(t, map[string]string{"path": path, "format": "csv", "csv.field-delimiter": ";"}, chatSchema, nil, true)
	src, _ := NewSource(cfg)
	var c collector
	c.open(t, src, nil)
	// Snapshot after the first record, as a barrier between two polls would.
	snap := positionState(path, int64(len("text;username\nhi;a\n")), 2)
	src.Close()
	again, _ := NewSource(cfg)
	c.open(t, again, snap)
	c.drain(t, again)
	if len(c.rows) != 1 || c.rows[0][0].Str() != "b" || c.rows[0][1].Str() != "ho" || !c.rows[0][2].IsNull() {
		t.Fatalf("rows after restore = %v", c.rows)
	}
}

func positionState(path string, offset, line int64) []byte {
	return []byte(fmt.Sprintf(`{"file":0,"path":%q,"offset":%d,"line":%d}`, path, offset, line))
}

func TestSourceErrors(t *testing.T) {
	dir := t.TempDir()
	t.Run("no files", func(t *testing.T) {
		src, _ := NewSource(config(t, map[string]string{"path": filepath.Join(dir, "*.nothing")}, chatSchema, nil, true))
		err := src.Open(context.Background(), &runtime.SourceContext{}, nil)
		if !errors.Is(err, ErrNoFiles) {
			t.Fatalf("err = %v, want ErrNoFiles", err)
		}
	})
	t.Run("bad state", func(t *testing.T) {
		write(t, filepath.Join(dir, "a.jsonl"), "{}\n")
		src, _ := NewSource(config(t, map[string]string{"path": filepath.Join(dir, "a.jsonl")}, chatSchema, nil, true))
		for _, st := range []string{`nope`, `{"file":0,"path":"/elsewhere","offset":0}`} {
			if err := src.Open(context.Background(), &runtime.SourceContext{}, []byte(st)); !errors.Is(err, ErrBadState) {
				t.Errorf("state %s: err = %v, want ErrBadState", st, err)
			}
		}
	})
	t.Run("unknown metadata", func(t *testing.T) {
		_, err := NewSource(config(t, map[string]string{"path": dir}, chatSchema, []connectors.MetadataColumn{{Name: "o", Key: "offset"}}, true))
		if !errors.Is(err, ErrUnknownMeta) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("option validation", func(t *testing.T) {
		spec := Spec()
		_, errs := spec.Validate(map[string]string{"format": "xml"}, true)
		if len(errs) != 2 { // bad format, missing path
			t.Fatalf("errs = %v", errs)
		}
		_, errs = spec.Validate(map[string]string{"path": "x", "json.ignore-parse-error": "true"}, true)
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), "did you mean 'json.ignore-parse-errors'") {
			t.Fatalf("errs = %v", errs)
		}
	})
}

var sinkRows = []types.Row{
	{types.NewString("alice"), types.NewString("Hello world!"), types.NewBigInt(1704067200)},
	{types.NewString("bob"), types.NewString("¡Hola, \"mundo\"!"), types.NewBigInt(1704067201)},
	{types.NewString("carol"), types.Value{}, types.NewBigInt(1704067202)},
	{types.NewString("dave"), types.NewString("line\nbreak"), types.Value{}},
	{types.NewString("erin"), types.NewString("gg"), types.NewBigInt(1704067204)},
}

func TestSinkConformance(t *testing.T) {
	for _, f := range []string{"json", "csv"} {
		t.Run(f, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "deep", "dir", "out."+f)
			cfg := config(t, map[string]string{"path": path, "format": f}, chatSchema, nil, false)
			enc, _ := format.NewEncoder(f, chatSchema, cfg.Options)
			conformance.RunSink(t, conformance.Sink{
				New: func(t *testing.T) runtime.Sink {
					s, err := NewSink(cfg)
					if err != nil {
						t.Fatal(err)
					}
					return s
				},
				Rows: sinkRows,
				Render: func(r types.Row) string {
					b, _ := enc.Encode(nil, r)
					return string(b)
				},
				ReadBack: func(t *testing.T) []string {
					data, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					if f == "csv" {
						hdr := "username,text,timestamp\n"
						if !strings.HasPrefix(string(data), hdr) {
							t.Fatalf("CSV file lacks its header: %q", data)
						}
						data = data[len(hdr):]
						return splitCSVRecords(string(data))
					}
					return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
				},
				NoDuplicatesOnRestore: true,
			})
		})
	}
}

// splitCSVRecords splits at line breaks outside quotes.
func splitCSVRecords(s string) []string {
	var out []string
	start, inQuote := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case '\n':
			if !inQuote {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	if out == nil {
		out = []string{""}
	}
	return out
}

func TestSinkTruncatesOnRestore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	cfg := config(t, map[string]string{"path": path}, chatSchema, nil, false)
	ctx := context.Background()
	s, _ := NewSink(cfg)
	if err := s.Open(ctx, &runtime.OpContext{}, nil); err != nil {
		t.Fatal(err)
	}
	s.Write(ctx, &runtime.Batch{Rows: sinkRows[:2]})
	state, err := s.Snapshot(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(ctx, &runtime.Batch{Rows: sinkRows[2:]})
	s.Flush(ctx)
	s.Close()
	// A torn half-line after the checkpoint, as a crash mid-write leaves.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"username":"tor`)
	f.Close()

	again, _ := NewSink(cfg)
	if err := again.Open(ctx, &runtime.OpContext{}, state); err != nil {
		t.Fatal(err)
	}
	again.Close()
	data, _ := os.ReadFile(path)
	want := `{"username":"alice","text":"Hello world!","timestamp":1704067200}` + "\n" +
		`{"username":"bob","text":"¡Hola, \"mundo\"!","timestamp":1704067201}` + "\n"
	if string(data) != want {
		t.Fatalf("after restore the file holds\n%s\nwant\n%s", data, want)
	}

	t.Run("file shorter than the checkpoint", func(t *testing.T) {
		os.WriteFile(path, []byte("x"), 0o644)
		s, _ := NewSink(cfg)
		if err := s.Open(ctx, &runtime.OpContext{}, state); !errors.Is(err, ErrCheckpointGap) {
			t.Fatalf("err = %v, want ErrCheckpointGap", err)
		}
		s.Close()
	})
}

func BenchmarkSourceJSON(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "in.jsonl")
	os.WriteFile(path, []byte(strings.Repeat(`{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}`+"\n", 100_000)), 0o644)
	schema := types.NewSchema(
		types.Column{Name: "username", Type: types.String}, types.Column{Name: "text", Type: types.String},
		types.Column{Name: "type", Type: types.String}, types.Column{Name: "preferredLanguage", Type: types.String},
		types.Column{Name: "timestamp", Type: types.BigInt})
	spec := Spec()
	opts, _ := spec.Validate(map[string]string{"path": path}, true)
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		src, _ := NewSource(connectors.Config{Name: "b", Options: opts, Schema: schema})
		src.Open(context.Background(), &runtime.SourceContext{}, nil)
		for {
			batch, err := src.Poll(context.Background())
			if err != nil {
				break
			}
			if batch != nil {
				rows += len(batch.Rows)
			}
		}
		src.Close()
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
