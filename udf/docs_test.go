package udf

import (
	"os"
	"testing"
)

// TestFunctionsDocCurrent fails when docs/functions.md is stale:
// regenerate with go run ./udf/docgen -out docs/functions.md.
func TestFunctionsDocCurrent(t *testing.T) {
	want := FunctionsMarkdown(Default)
	got, err := os.ReadFile("../docs/functions.md")
	if err != nil || string(got) != want {
		t.Fatalf("docs/functions.md is stale: run go run ./udf/docgen -out docs/functions.md")
	}
}
