package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/chatsql/chatsql/runtime/session"
	"github.com/chatsql/chatsql/runtime/textable"
	"github.com/chatsql/chatsql/runtime/types"
)

// printResult writes a non-streaming result the way psql would.
func printResult(w io.Writer, r session.Result) {
	switch r.Kind {
	case session.ResultMessage, session.ResultJob:
		if r.Message != "" {
			fmt.Fprintln(w, r.Message)
		}
	case session.ResultTable:
		printTable(w, r.Columns, r.Rows, nil)
	case session.ResultText:
		fmt.Fprint(w, r.Text)
		if !strings.HasSuffix(r.Text, "\n") {
			fmt.Fprintln(w)
		}
	}
}

// printTable writes an aligned table with a "(N rows)" footer.
func printTable(w io.Writer, cols []string, rows [][]string, right []bool) {
	textable.Write(w, cols, rows, right)
}

func rowCount(n int) string { return textable.RowCount(n) }

// streamPrinter prints the rows of a streaming SELECT as they arrive. The
// header goes out before any row exists, so column widths come from the
// header and the column type's typical width; a longer cell overflows its
// column instead of waiting for the whole result.
type streamPrinter struct {
	w      io.Writer
	widths []int
	right  []bool
	rows   int
	buf    strings.Builder
}

func newStreamPrinter(w io.Writer, cols []string, colTypes []types.Type) *streamPrinter {
	p := &streamPrinter{w: w, widths: make([]int, len(cols)), right: make([]bool, len(cols))}
	for i, c := range cols {
		p.widths[i] = textable.Width(c)
		if i < len(colTypes) {
			p.widths[i] = max(p.widths[i], typicalWidth(colTypes[i]))
			p.right[i] = colTypes[i].Kind.IsNumeric()
		}
	}
	return p
}

// header writes the column names and the rule.
func (p *streamPrinter) header(cols []string) {
	p.buf.Reset()
	textable.WriteRow(&p.buf, cols, p.widths, nil)
	textable.WriteRule(&p.buf, p.widths)
	io.WriteString(p.w, p.buf.String())
}

// batch writes one batch in a single write so a terminal shows it at once.
func (p *streamPrinter) batch(rows []types.Row) {
	p.buf.Reset()
	cells := make([]string, len(p.widths))
	for _, row := range rows {
		for i := range cells {
			cells[i] = ""
			if i < len(row) {
				cells[i] = row[i].String()
			}
		}
		textable.WriteRow(&p.buf, cells, p.widths, p.right)
	}
	p.rows += len(rows)
	io.WriteString(p.w, p.buf.String())
}

// typicalWidth is how wide values of t usually print; it keeps a streamed
// table aligned for ordinary values.
func typicalWidth(t types.Type) int {
	switch t.Kind {
	case types.KindBoolean:
		return 5
	case types.KindInt:
		return 6
	case types.KindBigInt, types.KindDouble, types.KindDecimal, types.KindDate:
		return 10
	case types.KindTimestamp:
		return len(types.TimestampLayout)
	case types.KindTimestampLTZ:
		return len(types.TimestampLayout) + 1
	case types.KindJSON:
		return 24
	case types.KindString, types.KindBytes:
		if t.Precision > 0 && t.Precision < 16 {
			return t.Precision
		}
		return 16
	}
	return 4
}
