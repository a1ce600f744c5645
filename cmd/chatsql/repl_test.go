package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/session"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chzyer/readline"
)

// fakeEngine records the statements it gets and answers from a script.
type fakeEngine struct {
	execs   []string
	scripts []string
	answer  func(text string) (session.Result, error)
	stopped bool
}

func (f *fakeEngine) Exec(_ context.Context, _, text string) (session.Result, error) {
	f.execs = append(f.execs, text)
	if f.answer != nil {
		return f.answer(text)
	}
	return session.Result{Kind: session.ResultMessage, Message: "ok"}, nil
}

func (f *fakeEngine) ExecScript(_ context.Context, name, text string) ([]session.Result, error) {
	f.scripts = append(f.scripts, name)
	var out []session.Result
	for _, s := range parser.SplitStatements(text) {
		r, err := f.Exec(context.Background(), name, s)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeEngine) ExecScripts(ctx context.Context, scripts ...session.Script) ([]session.Result, error) {
	var out []session.Result
	for _, sc := range scripts {
		rs, err := f.ExecScript(ctx, sc.Name, sc.Text)
		if err != nil {
			return out, err
		}
		out = append(out, rs...)
	}
	return out, nil
}
func (f *fakeEngine) WaitJobs(context.Context) error { return nil }
func (f *fakeEngine) StopJobs(context.Context) error { f.stopped = true; return nil }
func (f *fakeEngine) Completions() []string {
	return []string{"SELECT", "SET", "SHOW", "chat_messages", "username", "'translation.modelName'"}
}
func (f *fakeEngine) Close() error { return nil }

// scriptedReader feeds lines; an error in errs at the same index is
// returned instead of the line.
type scriptedReader struct {
	lines   []string
	errs    map[int]error
	i       int
	prompts []string
	history []string
}

func (s *scriptedReader) Readline() (string, error) {
	if s.i >= len(s.lines) {
		return "", io.EOF
	}
	i := s.i
	s.i++
	if err := s.errs[i]; err != nil {
		return "", err
	}
	return s.lines[i], nil
}
func (s *scriptedReader) SetPrompt(p string)       { s.prompts = append(s.prompts, p) }
func (s *scriptedReader) SaveHistory(entry string) { s.history = append(s.history, entry) }
func (s *scriptedReader) Close() error             { return nil }

func TestREPLLoop(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "inc.sql")
	if err := os.WriteFile(inc, []byte("SHOW SOURCES;\nSHOW SINKS;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := diag.NewSource("<repl>", "SELEC 1;")
	badSQL := diag.List{diag.Errorf(src, 0, diag.Syntax, "unexpected SELEC").WithHint("did you mean 'SELECT'?")}

	tests := []struct {
		name      string
		lines     []string
		errs      map[int]error
		wantExecs []string
		wantOut   []string
		wantErr   []string
		wantHist  []string
		prompts   []string
	}{
		{name: "multi-line statement", lines: []string{"SELECT", "  1;"}, wantExecs: []string{"SELECT\n  1"},
			prompts: []string{promptFirst, promptMore, promptFirst}, wantHist: []string{"SELECT 1;"}},
		{name: "two statements on a line", lines: []string{"SET 'a' = '1'; SET 'b' = '2';"},
			wantExecs: []string{"SET 'a' = '1'", "SET 'b' = '2'"}},
		{name: "ctrl-c clears the buffer", lines: []string{"SELECT", "", "SHOW JOBS;"}, errs: map[int]error{1: readline.ErrInterrupt},
			wantExecs: []string{"SHOW JOBS"}},
		{name: "quit stops reading", lines: []string{`\q`, "SHOW JOBS;"}, wantExecs: nil},
		{name: "help", lines: []string{`\help`}, wantOut: []string{`\i FILE`, "SHOW SOURCES"}},
		{name: "include", lines: []string{`\i ` + inc}, wantExecs: []string{"SHOW SOURCES", "SHOW SINKS"}},
		{name: "include missing file", lines: []string{`\i /nonexistent.sql`}, wantErr: []string{"nonexistent.sql"}},
		{name: "unknown command", lines: []string{`\x`}, wantErr: []string{`unknown command \x`}},
		{name: "sql error shows caret and continues", lines: []string{"SELEC 1;", "SHOW JOBS;"},
			wantExecs: []string{"SELEC 1", "SHOW JOBS"}, wantErr: []string{"<repl>:1:1: unexpected SELEC", "^", "did you mean 'SELECT'?"}},
		{name: "blank and comment lines are skipped", lines: []string{"", "-- note", "SHOW JOBS;"}, wantExecs: []string{"SHOW JOBS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &fakeEngine{answer: func(text string) (session.Result, error) {
				if strings.HasPrefix(strings.TrimSpace(text), "SELEC ") {
					return session.Result{}, badSQL
				}
				return session.Result{Kind: session.ResultMessage, Message: "ok"}, nil
			}}
			in := &scriptedReader{lines: tt.lines, errs: tt.errs}
			var out, errw bytes.Buffer
			r := &repl{eng: eng, in: in, out: &out, errw: &errw}
			r.loop(context.Background())
			if tt.wantExecs != nil || len(eng.execs) > 0 {
				eq(t, eng.execs, tt.wantExecs)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errw.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errw.String())
				}
			}
			if tt.wantHist != nil {
				eq(t, in.history, tt.wantHist)
			}
			if tt.prompts != nil {
				eq(t, in.prompts, tt.prompts)
			}
		})
	}
}

func TestREPLStreamsSelect(t *testing.T) {
	eng := &fakeEngine{answer: func(string) (session.Result, error) {
		rows := make(chan []types.Row, 1)
		rows <- []types.Row{{types.NewString("hi")}}
		close(rows)
		return session.Result{Kind: session.ResultStream, Stream: &session.Stream{
			Columns: []string{"text"}, Types: []types.Type{types.String}, Rows: rows,
			Cancel: func() {}, Err: func() error { return nil }}}, nil
	}}
	var out bytes.Buffer
	r := &repl{eng: eng, in: &scriptedReader{lines: []string{"SELECT text FROM t;"}}, out: &out, errw: io.Discard}
	r.loop(context.Background())
	if !strings.Contains(out.String(), " hi\n(1 row)\n") {
		t.Fatalf("stream output:\n%s", out.String())
	}
}

func TestCompleter(t *testing.T) {
	c := &completer{eng: &fakeEngine{}}
	tests := []struct {
		line    string
		want    []string
		wantLen int
	}{
		{"sel", []string{"ect"}, 3},
		{"SE", []string{"LECT", "T"}, 2},
		{"SELECT user", []string{"name"}, 4},
		{"SELECT m.user", []string{"name"}, 4},
		{"SELECT * FROM chat", []string{"_messages"}, 4},
		{`\h`, []string{"elp"}, 2},
		{"SET 'transl", []string{"ation.modelName'"}, 7},
		{"SELECT ", nil, 0},
		{"zzz", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, n := c.Do([]rune(tt.line), len([]rune(tt.line)))
			var gs []string
			for _, g := range got {
				gs = append(gs, string(g))
			}
			eq(t, gs, tt.want)
			eq(t, n, tt.wantLen)
		})
	}
}
