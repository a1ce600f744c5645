// Package textable renders the aligned text tables that the REPL prints
// and that ad-hoc queries write in their "table" format:
//
//	 name | type
//	------+--------
//	 a    | BIGINT
//	(1 row)
package textable

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Write writes cols and rows as an aligned table with a "(N rows)" footer.
// right marks the columns aligned to the right (numbers); a row shorter
// than cols has blank cells at its end.
func Write(w io.Writer, cols []string, rows [][]string, right []bool) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = Width(c)
	}
	for _, row := range rows {
		for i := range cols {
			if i < len(row) {
				widths[i] = max(widths[i], Width(cleanCell(row[i])))
			}
		}
	}
	var b strings.Builder
	WriteRow(&b, cols, widths, nil)
	WriteRule(&b, widths)
	for _, row := range rows {
		WriteRow(&b, row, widths, right)
	}
	b.WriteString(RowCount(len(rows)) + "\n")
	io.WriteString(w, b.String())
}

// RowCount is the footer: "(1 row)", "(N rows)".
func RowCount(n int) string {
	if n == 1 {
		return "(1 row)"
	}
	return fmt.Sprintf("(%d rows)", n)
}

// WriteRow pads every cell to its column's width; a cell wider than its
// column pushes the rest of the row right rather than being cut, so no data
// is hidden. The last column is not padded (no trailing blanks).
func WriteRow(b *strings.Builder, cells []string, widths []int, right []bool) {
	for i, w := range widths {
		if i > 0 {
			b.WriteString(" |")
		}
		b.WriteByte(' ')
		cell := ""
		if i < len(cells) {
			cell = cleanCell(cells[i])
		}
		pad := max(w-Width(cell), 0)
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

// WriteRule writes the line under the header.
func WriteRule(b *strings.Builder, widths []int) {
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

// Width approximates the terminal columns s takes: wide East Asian
// characters and emoji take two, combining marks none.
func Width(s string) int {
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
