package session

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/chatsql/chatsql/connectors/file"
	"github.com/chatsql/chatsql/planner/diag"
)

func newTestSession(t *testing.T) *Session {
	t.Helper()
	s, err := New(Config{DataDir: t.TempDir(), Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestFileToFileJob(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	out := filepath.Join(dir, "out.jsonl")
	os.WriteFile(in, []byte(`{"username":"alice","text":"Hello world!","type":"USER_JOINED","preferredLanguage":"es","timestamp":1704067200}
{"username":"bob","text":"hi","type":"USER_MESSAGE","preferredLanguage":"fr","timestamp":1704067201}
`), 0o644)
	s := newTestSession(t)
	script := `
CREATE SOURCE chat (
  username VARCHAR, text VARCHAR, type VARCHAR, preferredLanguage VARCHAR, ` + "`timestamp`" + ` BIGINT,
  event_time AS TO_TIMESTAMP_LTZ(` + "`timestamp`" + `, 0),
  line BIGINT METADATA FROM 'file.line',
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH ('connector' = 'file', 'path' = '` + in + `', 'format' = 'json');
CREATE SINK outs WITH ('connector' = 'file', 'path' = '` + out + `', 'format' = 'json') AS
SELECT 'chat_message' AS type, ` + "`timestamp`" + `,
       JSON_OBJECT('id', CONCAT('msg-', UUID('f', line)), 'username', username, 'text', UPPER(text), 'language', preferredLanguage) AS payload
FROM chat WHERE type <> 'X';
`
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := s.ExecScript(ctx, "t.sql", script)
	if err != nil {
		t.Fatal(diag.FormatError(err))
	}
	if len(rs) != 2 || rs[1].Kind != ResultJob {
		t.Fatalf("results %+v", rs)
	}
	if err := s.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %q", b)
	}
	if !strings.HasPrefix(lines[0], `{"type":"chat_message","timestamp":1704067200,"payload":{"id":"msg-`) ||
		!strings.HasSuffix(lines[0], `","username":"alice","text":"HELLO WORLD!","language":"es"}}`) {
		t.Errorf("line 0 = %s", lines[0])
	}
}
