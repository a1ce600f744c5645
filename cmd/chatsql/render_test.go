package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/runtime/session"
	"github.com/chatsql/chatsql/runtime/types"
)

func TestPrintTable(t *testing.T) {
	tests := []struct {
		name  string
		cols  []string
		rows  [][]string
		right []bool
		want  string
	}{
		{name: "aligned", cols: []string{"name", "type"}, rows: [][]string{{"username", "VARCHAR"}, {"ts", "BIGINT"}},
			want: " name     | type\n" +
				"----------+---------\n" +
				" username | VARCHAR\n" +
				" ts       | BIGINT\n" +
				"(2 rows)\n"},
		{name: "one row, right aligned", cols: []string{"n", "count"}, rows: [][]string{{"a", "7"}}, right: []bool{false, true},
			want: " n | count\n" +
				"---+-------\n" +
				" a |     7\n" +
				"(1 row)\n"},
		{name: "empty", cols: []string{"job"}, want: " job\n-----\n(0 rows)\n"},
		{name: "newline escaped, wide chars", cols: []string{"text", "x"}, rows: [][]string{{"a\nb", "1"}, {"日本", "2"}},
			want: " text | x\n" +
				"------+---\n" +
				` a\nb | 1` + "\n" +
				" 日本 | 2\n" +
				"(2 rows)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printTable(&b, tt.cols, tt.rows, tt.right)
			if b.String() != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestPrintResult(t *testing.T) {
	tests := []struct {
		name string
		res  session.Result
		want string
	}{
		{"message", session.Result{Kind: session.ResultMessage, Message: "Source 'x' created."}, "Source 'x' created.\n"},
		{"job", session.Result{Kind: session.ResultJob, Message: "Job j1 started.", JobID: "j1"}, "Job j1 started.\n"},
		{"text gets a newline", session.Result{Kind: session.ResultText, Text: "Sink\n  Calc"}, "Sink\n  Calc\n"},
		{"table", session.Result{Kind: session.ResultTable, Columns: []string{"a"}, Rows: [][]string{{"1"}}}, " a\n---\n 1\n(1 row)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printResult(&b, tt.res)
			eq(t, b.String(), tt.want)
		})
	}
}

func TestPrintStream(t *testing.T) {
	rows := make(chan []types.Row, 2)
	rows <- []types.Row{{types.NewString("alice"), types.NewBigInt(42)}}
	rows <- []types.Row{{types.NewString("bob"), types.NewBigInt(7)}, {types.NewString("a-very-long-name-indeed"), types.Value{}}}
	close(rows)
	s := &session.Stream{
		Columns: []string{"username", "n"},
		Types:   []types.Type{types.String, types.BigInt},
		Rows:    rows,
		Cancel:  func() {},
		Err:     func() error { return nil },
	}
	var b bytes.Buffer
	cancelled, err := printStream(&b, s, nil)
	if err != nil || cancelled {
		t.Fatalf("cancelled=%v err=%v", cancelled, err)
	}
	want := " username         | n\n" +
		"------------------+------------\n" +
		" alice            |         42\n" +
		" bob              |          7\n" +
		" a-very-long-name-indeed |       NULL\n" +
		"(3 rows)\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestPrintStreamCancel(t *testing.T) {
	rows := make(chan []types.Row)
	cancelled := make(chan struct{})
	s := &session.Stream{
		Columns: []string{"x"},
		Types:   []types.Type{types.BigInt},
		Rows:    rows,
		Cancel:  func() { close(cancelled) },
		Err:     func() error { return nil },
	}
	go func() {
		rows <- []types.Row{{types.NewBigInt(1)}}
		<-cancelled
		close(rows)
	}()
	interrupt := make(chan os.Signal, 1)
	var b syncBuffer
	done := make(chan bool)
	go func() {
		c, err := printStream(&b, s, interrupt)
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	waitFor(t, func() bool { return strings.Contains(b.String(), " 1\n") })
	interrupt <- os.Interrupt
	if !<-done {
		t.Fatal("printStream did not report the cancel")
	}
	if !strings.HasSuffix(b.String(), "(1 row), cancelled\n") {
		t.Fatalf("footer: %q", b.String())
	}
}

// BenchmarkStreamPrinterBatch measures rendering a 1024-row batch of chat
// rows, the REPL's cost per batch of a streaming SELECT.
func BenchmarkStreamPrinterBatch(b *testing.B) {
	batch := make([]types.Row, 1024)
	for i := range batch {
		batch[i] = types.Row{types.NewString("alice"), types.NewString("Hello world, how is everyone?"),
			types.NewString("es"), types.NewBigInt(1704067200 + int64(i))}
	}
	p := newStreamPrinter(io.Discard, []string{"username", "text", "language", "timestamp"},
		[]types.Type{types.String, types.String, types.String, types.BigInt})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p.batch(batch)
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "rows/s")
}
