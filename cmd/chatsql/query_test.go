package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chatsql/chatsql/runtime/adhoc/adhoctest"
)

// TestQueryCommand runs `chatsql query` over a data directory whose
// embedded catalog has lake.chat.messages with two snapshots.
func TestQueryCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	t0 := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	m := func(id int64, user, lang string) adhoctest.Message {
		return adhoctest.Message{ID: id, Username: user, Language: lang, Text: "hi", TS: t0.Add(time.Duration(id) * time.Minute)}
	}
	snaps, err := adhoctest.MessagesTable(ctx, data, []adhoctest.Message{m(1, "alice", "es"), m(2, "bob", "en")}, []adhoctest.Message{m(3, "carol", "es")})
	if err != nil {
		t.Fatal(err)
	}
	first := snaps[0]

	q := "SELECT language, count(*) AS n FROM lake.chat.messages GROUP BY language ORDER BY language"
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // exact when stderr is ""
		stderrIn string
	}{
		{"table", []string{"query", q}, 0, " language | n\n----------+---\n en       | 1\n es       | 2\n(2 rows)\n", ""},
		{"csv", []string{"query", "--format", "csv", q}, 0, "language,n\nen,1\nes,2\n", ""},
		{"json", []string{"query", q, "--format=json"}, 0, "{\"language\":\"en\",\"n\":1}\n{\"language\":\"es\",\"n\":2}\n", ""},
		{"time travel", []string{"query", "--format", "csv", fmt.Sprintf("SELECT username, ts FROM chat.messages FOR VERSION AS OF %d ORDER BY id", first)}, 0,
			"username,ts\nalice,2024-01-01T10:01:00Z\nbob,2024-01-01T10:02:00Z\n", ""},
		{"unknown table", []string{"query", "SELECT * FROM lake.chat.mesages"}, 2, "", "<query>:1:20: unknown Iceberg table 'lake.chat.mesages'\n  1 | SELECT * FROM lake.chat.mesages\n    |                    ^\nhint: did you mean 'lake.chat.messages'?\n"},
		{"unknown column", []string{"query", "SELECT usrname FROM lake.chat.messages"}, 2, "", "usrname"},
		{"bad format", []string{"query", "--format", "yaml", q}, 2, "", "--format must be table, csv or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, dir, append(tt.args, "--data-dir", data)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if tt.stderrIn == "" {
				if stdout != tt.stdout || stderr != "" {
					t.Fatalf("stdout:\n%q\nwant:\n%q\nstderr:\n%s", stdout, tt.stdout, stderr)
				}
				return
			}
			if !strings.Contains(stderr, tt.stderrIn) {
				t.Fatalf("stderr lacks %q:\n%s", tt.stderrIn, stderr)
			}
		})
	}

	// a data file gone from the warehouse: a runtime failure, exit 1
	var files []string
	filepath.Walk(filepath.Join(data, "warehouse"), func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no parquet files in the warehouse")
	}
	for _, f := range files {
		os.Remove(f)
	}
	code, _, stderr := runCLI(t, dir, "query", "--data-dir", data, "SELECT count(*) FROM lake.chat.messages")
	if code != 1 {
		t.Fatalf("missing file: exit %d, want 1\n%s", code, stderr)
	}
}
