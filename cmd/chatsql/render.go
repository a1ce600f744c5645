package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/chatsql/chatsql/runtime/session"
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

// printTable writes an aligned table with a "(N rows)" footer:
//
//	 name | type
//	------+--------
//	 a    | BIGINT
//	(1 row)
func printTable(w io.Writer, cols []string, rows [][]string, right []bool) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = displayWidth(c)
	}
	for _, row := range rows {
		for i := range cols {
			if i < len(row) {
				widths[i] = max(widths[i], displayWidth(cleanCell(row[i])))
			}
		}
	}
	var b strings.Builder
	writeRow(&b, cols, widths, nil)
	writeRule(&b, widths)
	for _, row := range rows {
		writeRow(&b, row, widths, right)
	}
	b.WriteString(rowCount(len(rows)) + "\n")
	io.WriteString(w, b.String())
}

func rowCount(n int) string {
	if n == 1 {
		return "(1 row)"
	}
	return fmt.Sprintf("(%d rows)", n)
}

// writeRow pads every cell to its column's width; a cell wider than its
// column pushes the rest of the row right rather than being cut, so no data
// is hidden. The last column is not padded (no trailing blanks).
func writeRow(b *strings.Builder, cells []string, widths []int, right []bool) {
	for i, w := range widths {
		if i > 0 {
			b.WriteString(" |")
		}
		b.WriteByte(' ')
		cell := ""
		if i < len(cells) {
			cell = cleanCell(cells[i])
		}
		pad := max(w-displayWidth(cell), 0)
		last := i == len(widths)-1
		switch {
		case i < len(right) && right[i]:
			b.WriteString(strings.Repeat(" ", pad))
			b.WriteString(cell)
		case last:
			b.WriteString(cell)
		default:
			b.WriteString(cell)
			b.WriteString(strings.Repeat(" ", pad))
		}
	}
	b.WriteByte('\n')
}

func writeRule(b *strings.Builder, widths []int) {
	for i, w := range widths {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strings.Repeat("-", w+2))
	}
	b.WriteByte('\n')
}

// cleanCell keeps a cell on one line: control characters would break the
// table (and could move the cursor), so they are shown escaped.
func cleanCell(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// displayWidth approximates the terminal columns s takes: wide East Asian
// characters and emoji take two, combining marks none.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < 0x300:
			n++
		case unicode.Is(unicode.Mn, r) || r == 0x200d:
			// combining mark or zero-width joiner
		case isWide(r):
			n += 2
		default:
			n++
		}
	}
	return n
}

func isWide(r rune) bool {
	return (r >= 0x1100 && r <= 0x115f) || (r >= 0x2e80 && r <= 0xa4cf) ||
		(r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) || (r >= 0x1f300 && r <= 0x1faff) ||
		(r >= 0x20000 && r <= 0x3fffd)
}

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
		p.widths[i] = displayWidth(c)
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
	writeRow(&p.buf, cols, p.widths, nil)
	writeRule(&p.buf, p.widths)
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
		writeRow(&p.buf, cells, p.widths, p.right)
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
