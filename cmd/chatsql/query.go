package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/chzyer/readline"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/adhoc"
)

// queryCommand runs `chatsql query "SQL"`: an ad-hoc batch query over the
// Iceberg tables of the data directory's catalogs, executed by DuckDB
// (runtime/adhoc), printed as a table, CSV or JSON lines. Exit 2 for a bad
// query, 1 for a failure while running it.
func queryCommand(o *options, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cats := iceberg.NewCatalogs(o.dataDir)
	defer cats.Close()
	if err := cats.ApplySettings(o.settings()); err != nil { // --set catalog.<name>.<option>=...
		fmt.Fprintf(stderr, "chatsql query: %v\n", err)
		return exitUsage
	}
	var progress io.Writer
	if f, ok := stderr.(*os.File); ok && readline.IsTerminal(int(f.Fd())) {
		progress = stderr
	}
	rows, err := adhoc.Query(ctx, cats, o.args[0], adhoc.Options{Name: "<query>", Progress: progress})
	if err != nil {
		return queryFailed(stderr, err)
	}
	_, err = adhoc.Write(stdout, rows, o.format)
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return queryFailed(stderr, err)
	}
	return exitOK
}

func queryFailed(stderr io.Writer, err error) int {
	fmt.Fprint(stderr, diag.FormatError(err))
	if diag.IsSQLError(err) {
		return exitUsage
	}
	return exitRuntime
}
