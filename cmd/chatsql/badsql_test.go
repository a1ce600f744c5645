package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// badSQLCase is one file of testdata/badsql, described by its leading
// comment block:
//
//	-- expect: LINE:COL message     (first line; "ok" for a valid companion file)
//	-- hint: text                   (optional: the hint must contain it)
//	-- after: other.sql             (optional: given to run before this file)
type badSQLCase struct {
	file      string
	after     []string
	line, col int
	message   string
	hint      string
}

var expectRE = regexp.MustCompile(`^-- expect: (\d+):(\d+) (.+)$`)

// readBadSQLCases parses the headers of testdata/badsql; ok lists the
// valid companion files ("-- expect: ok").
func readBadSQLCases(t *testing.T) (cases []badSQLCase, ok []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "badsql", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no files in testdata/badsql")
	}
	for _, path := range files {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		lines := strings.Split(string(text), "\n")
		if lines[0] == "-- expect: ok" {
			ok = append(ok, name)
			continue
		}
		m := expectRE.FindStringSubmatch(lines[0])
		if m == nil {
			t.Fatalf("%s: the first line is not '-- expect: LINE:COL message': %q", name, lines[0])
		}
		c := badSQLCase{file: name, message: m[3]}
		c.line, _ = strconv.Atoi(m[1])
		c.col, _ = strconv.Atoi(m[2])
		for _, l := range lines[1:] {
			if !strings.HasPrefix(l, "--") {
				break
			}
			if h, found := strings.CutPrefix(l, "-- hint: "); found {
				c.hint = h
			}
			if a, found := strings.CutPrefix(l, "-- after: "); found {
				c.after = append(c.after, a)
			}
		}
		if c.line < 1 || c.line > len(lines) {
			t.Fatalf("%s: expected line %d is outside the file", name, c.line)
		}
		cases = append(cases, c)
	}
	return cases, ok
}

// runInCopy copies files from testdata/badsql and a small valid in.jsonl
// into a fresh directory and runs chatsql there with a 20 s limit (a job
// that wrongly started on a Kafka source would otherwise wait for a broker).
func runInCopy(t *testing.T, files ...string) (dir string, before []string, code int, stdout, stderr string) {
	t.Helper()
	dir = t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", "badsql", f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, f), string(b))
	}
	writeFile(t, filepath.Join(dir, "in.jsonl"),
		`{"username":"alice","text":"Hello world!","type":"CHAT","preferredLanguage":"es","timestamp":1704067200}`+"\n")
	before = listDir(t, dir)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"run", "--checkpoint-interval", "200ms"}, files...)...)
	cmd.Dir, cmd.Env = dir, testEnv(dir)
	var o, e syncBuffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("chatsql run %v still ran after 20s (a job started?)\nstdout:\n%s\nstderr:\n%s", files, o.String(), e.String())
	}
	code = 0
	if ee, isExit := err.(*exec.ExitError); isExit {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return dir, before, code, o.String(), e.String()
}

// listDir lists every path under dir, relative and sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestRunBadSQLFiles runs every file of testdata/badsql: exit 2, the first
// error at FILE:LINE:COL with the source line and a caret under the column,
// the hint where one is expected, and nothing started (no sink file, no
// data directory, nothing on stdout).
func TestRunBadSQLFiles(t *testing.T) {
	cases, _ := readBadSQLCases(t)
	if len(cases) < 12 {
		t.Fatalf("%d bad SQL files, want at least a dozen", len(cases))
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.file, ".sql"), func(t *testing.T) {
			t.Parallel()
			files := append(slices.Clone(c.after), c.file)
			dir, before, code, stdout, stderr := runInCopy(t, files...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			checkDiagnostic(t, dir, c, stderr)
			if after := listDir(t, dir); !slices.Equal(before, after) {
				t.Errorf("something started: the directory held %v before and %v after", before, after)
			}
			if stdout != "" {
				t.Errorf("stdout should be empty when nothing starts, got:\n%s", stdout)
			}
		})
	}
}

// checkDiagnostic wants the first line of stderr to be
// "FILE:LINE:COL: ...message...", followed by the numbered source line and a
// caret under COL, then the hint (if expected) before the next error.
func checkDiagnostic(t *testing.T, dir string, c badSQLCase, stderr string) {
	t.Helper()
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 3 {
		t.Fatalf("stderr is not a positioned error with a caret:\n%s", stderr)
	}
	want := c.file + ":" + strconv.Itoa(c.line) + ":" + strconv.Itoa(c.col) + ": "
	if !strings.HasPrefix(lines[0], want) {
		t.Fatalf("the first error is not at %s\nstderr:\n%s", strings.TrimSuffix(want, ": "), stderr)
	}
	if !strings.Contains(lines[0], c.message) {
		t.Errorf("the error message lacks %q: %s", c.message, lines[0])
	}
	text, err := os.ReadFile(filepath.Join(dir, c.file))
	if err != nil {
		t.Fatal(err)
	}
	srcLine := strings.Split(string(text), "\n")[c.line-1]
	// "  27 | <line>" then "     | <spaces>^"
	quoted, caret := lines[1], lines[2]
	bar := strings.Index(quoted, "| ")
	if bar < 0 || strings.TrimSpace(quoted[:bar]) != strconv.Itoa(c.line) || quoted[bar+2:] != srcLine {
		t.Errorf("the second line does not quote line %d (%q): %q", c.line, srcLine, quoted)
	}
	wantCaret := strings.Repeat(" ", c.col-1) + "^"
	if bar < 0 || len(caret) <= bar+2 || strings.TrimSpace(caret[:bar+1]) != "|" || strings.TrimRight(caret[bar+2:], " ") != wantCaret {
		t.Errorf("the caret is not under column %d:\n%s\n%s", c.col, quoted, caret)
	}
	if c.hint == "" {
		return
	}
	for _, l := range lines[3:] {
		if h, ok := strings.CutPrefix(l, "hint: "); ok {
			if !strings.Contains(h, c.hint) {
				t.Errorf("the hint lacks %q: %s", c.hint, l)
			}
			return
		}
		if strings.Contains(l, ".sql:") {
			break // the next error
		}
	}
	t.Errorf("no hint containing %q after the first error:\n%s", c.hint, stderr)
}

// TestRunBadSQLCompanionsAreValid runs the valid companion files on their
// own, so that the two-file case shows an error in the second file only.
func TestRunBadSQLCompanionsAreValid(t *testing.T) {
	_, ok := readBadSQLCases(t)
	if len(ok) == 0 {
		t.Fatal("no valid companion file in testdata/badsql")
	}
	for _, f := range ok {
		t.Run(strings.TrimSuffix(f, ".sql"), func(t *testing.T) {
			dir, _, code, stdout, stderr := runInCopy(t, f)
			if code != 0 {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "out.jsonl"))
			if err != nil {
				t.Fatalf("the valid file wrote no sink file: %v\nstderr:\n%s", err, stderr)
			}
			if !strings.Contains(string(b), `"username":"alice"`) {
				t.Errorf("the sink lacks the input row:\n%s", b)
			}
		})
	}
}
