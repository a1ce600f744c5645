package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatsql/chatsql/connectors"
)

// TestDocsCurrent fails when docs/connectors differs from what the specs
// generate: run `go run ./connectors/docgen -out docs/connectors` and commit.
func TestDocsCurrent(t *testing.T) {
	pages, err := Pages(connectors.Default)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "connectors")
	for name, want := range pages {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("docs/connectors/%s is stale or missing; run `go run ./connectors/docgen -out docs/connectors`", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, ok := pages[e.Name()]; !ok && strings.HasSuffix(e.Name(), ".md") {
			t.Errorf("docs/connectors/%s documents no registered connector; delete it or regenerate", e.Name())
		}
	}
}

func TestPagesContent(t *testing.T) {
	pages, err := Pages(connectors.Default)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ page, want string }{
		{"file.md", "| `path` | string |  | yes |"},
		{"file.md", "| `file.line` | BIGINT |"},
		{"file.md", "`json.ignore-parse-errors`"},
		{"datagen.md", "| `rows-per-second` | int | `10000` | no |"},
		{"print.md", "`print-identifier`"},
		{"README.md", "| [file](file.md) | ✓ | ✓ |"},
	} {
		if !strings.Contains(pages[c.page], c.want) {
			t.Errorf("%s lacks %q:\n%s", c.page, c.want, pages[c.page])
		}
	}
}
