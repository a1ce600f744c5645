package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/chatsql/chatsql/udf"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/twmb/franz-go/pkg/kgo"
)

// binary is the chatsql executable, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chatsql-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "chatsql")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building chatsql:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runCLI runs the binary to completion (at most 60 s) in a temp working
// directory and returns its exit code and output.
func runCLI(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = testEnv(dir)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("chatsql %v did not finish within 60s; stderr:\n%s", args, e.String())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), o.String(), e.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, o.String(), e.String()
}

// testEnv keeps the binary away from the user's history and LLM.
func testEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENAI_") && !strings.HasPrefix(kv, "CHATSQL_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+dir, "CHATSQL_HISTORY="+filepath.Join(dir, "history"), "TERM=dumb")
}

// freePort returns a TCP port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestCLIExitCodes(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"version", []string{"--version"}, 0, "chatsql ", ""},
		{"help", []string{"--help"}, 0, "chatsql playground", ""},
		{"unknown command", []string{"rnu", "x.sql"}, 2, "", `unknown command "rnu" (did you mean "run"?)`},
		{"unknown flag", []string{"run", "--kafka", "x", "a.sql"}, 2, "", "-kafka"},
		{"run without files", []string{"run"}, 2, "", "run needs at least one FILE.sql"},
		{"run missing file", []string{"run", "missing.sql"}, 2, "", "missing.sql"},
		{"query", []string{"query", "SELECT 1 AS one"}, 0, " one\n-----\n   1\n(1 row)\n", ""},
		{"query format parsed", []string{"query", "--format", "json", "SELECT 1 AS x"}, 0, `{"x":1}`, ""},
		{"query without SQL", []string{"query"}, 2, "", "query takes one SQL argument"},
		{"query bad SQL", []string{"query", "SELEC 1"}, 2, "", "syntax error"},
		{"query bad format", []string{"query", "--format", "xml", "SELECT 1"}, 2, "", "--format must be table, csv or json"},
		{"playground remote broker", []string{"playground", "--kafka-brokers", "kafka.example.com:9092"}, 2, "", "must be localhost:PORT"},
		{"metrics port busy", []string{"--metrics-addr", busy.Addr().String(), "run", "a.sql"}, 1, "", "--metrics-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.TempDir(), tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, stdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr)
			}
		})
	}
}

func TestRunBadSQL(t *testing.T) {
	tests := []struct {
		name    string
		sql     string
		wantPos string
	}{
		{"syntax", "SET 'a' = 'b';\n\nSELEC username FROM x;\n", "bad.sql:3:1"},
		{"unknown source", "CREATE SINK s WITH ('connector' = 'print') AS\nSELECT username FROM no_such_source;\n", "bad.sql:2:22"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "bad.sql"), tt.sql)
			code, _, stderr := runCLI(t, dir, "run", "bad.sql")
			if code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if !strings.Contains(stderr, tt.wantPos) || !strings.Contains(stderr, "^") {
				t.Fatalf("stderr lacks %q and a caret:\n%s", tt.wantPos, stderr)
			}
		})
	}
}

func TestRunFileToFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	out := filepath.Join(dir, "out.jsonl")
	writeFile(t, in, `{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}
{"username":"bob","text":"hi","type":"CHAT","preferredLanguage":"fr","timestamp":1704067201}
`)
	writeFile(t, filepath.Join(dir, "job.sql"), fmt.Sprintf(`
CREATE SOURCE msgs (username VARCHAR, text VARCHAR, type VARCHAR, preferredLanguage VARCHAR, `+"`timestamp`"+` BIGINT)
  WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json');
CREATE SINK shouted WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS
  SELECT username, UPPER(text) AS text FROM msgs;
`, in, out))
	code, stdout, stderr := runCLI(t, dir, "run", "--checkpoint-interval", "1s", "job.sql")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"username":"alice"`, `"text":"HELLO WORLD!"`, `"username":"bob"`, `"text":"HI"`} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("output lacks %s:\n%s", want, got)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command(binary, "--metrics-addr", addr, "--data-dir", filepath.Join(dir, "data"))
	cmd.Dir, cmd.Env = dir, testEnv(dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for _, path := range []string{"/healthz", "/metrics"} {
		var body string
		waitFor(t, func() bool {
			resp, err := http.Get("http://" + addr + path)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body = string(b)
			return resp.StatusCode == 200
		})
		if path == "/metrics" && !strings.Contains(body, "go_goroutines") {
			t.Errorf("/metrics does not look like Prometheus text:\n%.300s", body)
		}
	}
	stdin.Close() // end of input quits the REPL
	if err := waitExit(cmd, 20*time.Second); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
}

func TestPlaygroundBrokerServesOutsideClients(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	cmd := exec.Command(binary, "playground", "--generate", "200",
		"--kafka-brokers", fmt.Sprintf("localhost:%d", port), "--data-dir", filepath.Join(dir, "data"))
	cmd.Dir, cmd.Env = dir, testEnv(dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, func() bool { return strings.Contains(stderr.String(), fmt.Sprintf("localhost:%d", port)) })
	// no LLM configured: the banner says which provider TRANSLATE uses,
	// Apertium where it is installed, else none
	wantTranslation := "translation: none"
	if pairs, err := udf.ApertiumAvailable(); err == nil && len(pairs) > 0 {
		wantTranslation = "translation: Apertium"
	}
	for _, want := range []string{"websocket_fanout", "processing_fanout", "chat_dead_letter", wantTranslation} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stderr.String())
		}
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(fmt.Sprintf("localhost:%d", port)),
		kgo.ConsumeTopics("websocket_fanout"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got int
	for got < 20 && ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		fetches.EachRecord(func(r *kgo.Record) {
			got++
			var m map[string]any
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Fatalf("record %d is not JSON: %v: %s", r.Offset, err, r.Value)
			}
			for _, f := range []string{"username", "text", "type", "preferredLanguage", "timestamp"} {
				if _, ok := m[f]; !ok {
					t.Fatalf("record %d lacks %q: %s", r.Offset, f, r.Value)
				}
			}
		})
	}
	if got < 20 {
		t.Fatalf("consumed %d records from websocket_fanout, want >= 20; stderr:\n%s", got, stderr.String())
	}
	stdin.Close()
	if err := waitExit(cmd, 20*time.Second); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
}

// TestREPLThroughPTY drives the REPL as a user would: a source, a streaming
// SELECT whose rows appear, Ctrl-C back to the prompt, \q.
func TestREPLThroughPTY(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "--data-dir", filepath.Join(dir, "data"))
	cmd.Dir, cmd.Env = dir, testEnv(dir)
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	defer cmd.Process.Kill()
	var screen syncBuffer
	go io.Copy(&screen, tty)
	// expect waits for want to appear after the mark-th byte of output.
	mark := 0
	expect := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := screen.String()
			if i := strings.Index(s[mark:], want); i >= 0 {
				mark += i + len(want)
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waited 20s for %q; screen since the last match:\n%s", want, s[mark:])
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	send := func(s string) {
		t.Helper()
		if _, err := tty.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}

	expect("chatsql> ")
	send("CREATE SOURCE chat (username VARCHAR, text VARCHAR)\r")
	expect("     -> ")
	send("  WITH ('connector' = 'datagen', 'rows-per-second' = '20');\r")
	expect("chatsql> ")
	send("SELECT username, text FROM chat;\r")
	expect("username")
	expect("-+-")
	expect("\n") // at least one row after the rule
	expect("\n")
	send("\x03")
	expect("cancelled")
	expect("chatsql> ")
	send("SHOW SOURCES;\r")
	expect("chat")
	expect("chatsql> ")
	send(`\q` + "\r")
	if err := waitExit(cmd, 20*time.Second); err != nil {
		t.Fatalf("%v; screen:\n%s", err, screen.String())
	}
	t.Logf("screen:\n%s", screen.String())
}

// TestPlaygroundRunsPipeline is the README's first command: the embedded
// broker, generated traffic and queries/chat_pipeline.sql; an outside
// client reads the seed's output format from processing_fanout.
func TestPlaygroundRunsPipeline(t *testing.T) {
	dir := t.TempDir()
	pipeline, err := filepath.Abs("../../queries/chat_pipeline.sql")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command(binary, "playground", "--generate", "100", "--checkpoint-interval", "1s",
		"--kafka-brokers", fmt.Sprintf("localhost:%d", port), pipeline)
	cmd.Dir, cmd.Env = dir, testEnv(dir)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, func() bool {
		return strings.Contains(stderr.String(), "started") || strings.Contains(stdout.String(), "started")
	})

	cl, err := kgo.NewClient(kgo.SeedBrokers(fmt.Sprintf("localhost:%d", port)),
		kgo.ConsumeTopics("processing_fanout"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := map[string]bool{}
	for len(ids) < 20 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var m struct {
				Type      string `json:"type"`
				Timestamp int64  `json:"timestamp"`
				Payload   struct {
					ID       string `json:"id"`
					Username string `json:"username"`
				} `json:"payload"`
			}
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Fatalf("not JSON: %v: %s", err, r.Value)
			}
			if m.Type != "chat_message" || m.Timestamp == 0 || !strings.HasPrefix(m.Payload.ID, "msg-") || m.Payload.Username == "" {
				t.Fatalf("not the seed's output format: %s", r.Value)
			}
			ids[m.Payload.ID] = true
		})
	}
	if len(ids) < 20 {
		t.Fatalf("read %d distinct messages from processing_fanout, want >= 20; stderr:\n%s", len(ids), stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(cmd, 30*time.Second); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
}

// waitExit waits for cmd and wants exit code 0.
func waitExit(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("chatsql exited: %w", err)
		}
		return nil
	case <-time.After(d):
		cmd.Process.Kill()
		return fmt.Errorf("chatsql did not exit within %v", d)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRunJobFailureExits1(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "not-a-dir")
	writeFile(t, blocker, "a file where the sink wants a directory")
	writeFile(t, filepath.Join(dir, "job.sql"), fmt.Sprintf(`
CREATE SOURCE g (username VARCHAR) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE SINK s WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS SELECT username FROM g;
`, filepath.Join(blocker, "out.jsonl")))
	code, _, stderr := runCLI(t, dir, "run", "job.sql")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "not-a-dir") {
		t.Fatalf("stderr does not say what failed:\n%s", stderr)
	}
}

// TestRunStopsGracefullyOnSIGINT runs an unbounded job; SIGINT stops it with
// the sink flushed and exit code 0.
func TestRunStopsGracefullyOnSIGINT(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out.jsonl")
			writeFile(t, filepath.Join(dir, "job.sql"), fmt.Sprintf(`
CREATE SOURCE g (username VARCHAR, text VARCHAR) WITH ('connector' = 'datagen', 'rows-per-second' = '200');
CREATE SINK s WITH ('connector' = 'file', 'path' = '%s', 'format' = 'json') AS SELECT username, text FROM g;
`, out))
			cmd := exec.Command(binary, "run", "job.sql")
			cmd.Dir, cmd.Env = dir, testEnv(dir)
			var stderr syncBuffer
			cmd.Stdout, cmd.Stderr = io.Discard, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			time.Sleep(500 * time.Millisecond) // let some rows through
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := waitExit(cmd, 30*time.Second); err != nil {
				t.Fatalf("%v; stderr:\n%s", err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "stopping the jobs gracefully") {
				t.Errorf("stderr does not announce the graceful stop:\n%s", stderr.String())
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(b, []byte("\n")); n == 0 {
				t.Fatal("the sink wrote nothing before the stop")
			}
		})
	}
}
