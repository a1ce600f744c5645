// Command docgen writes the connector reference (one Markdown page per
// registered connector, from its option Spec, plus an index) so that the
// docs cannot drift from the code: `go run ./connectors/docgen -out docs/connectors`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chatsql/chatsql/connectors"
	_ "github.com/chatsql/chatsql/connectors/all"
)

func main() {
	out := flag.String("out", "docs/connectors", "directory to write the pages to")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "docgen:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	pages, err := Pages(connectors.Default)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, content := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
