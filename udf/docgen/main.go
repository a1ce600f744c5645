// Command docgen writes docs/functions.md from the function registry:
//
//	go run ./udf/docgen -out docs/functions.md
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/chatsql/chatsql/udf"
)

func main() {
	out := flag.String("out", "docs/functions.md", "file to write")
	flag.Parse()
	if err := os.WriteFile(*out, []byte(udf.FunctionsMarkdown(udf.Default)), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
