package parser

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"

	// TiDB's parser needs a driver for literal values; registering it here
	// means every user of this package gets it.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// errTiDBPanic marks a panic inside the TiDB parser, turned into an error.
var errTiDBPanic = errors.New("TiDB parser panicked")

// A TiDB parser is not safe for concurrent use and costs allocations to
// build, so parsers are pooled.
var tidbPool = sync.Pool{New: func() any {
	p := tidb.New()
	// '||' concatenates strings, as in Flink SQL and standard SQL, rather
	// than being MySQL's logical OR.
	p.SetSQLMode(mysql.ModePipesAsConcat)
	return p
}}

// tidbParse parses text with TiDB. A panic inside TiDB becomes an error
// wrapping errTiDBPanic; the parser that panicked is not reused.
func tidbParse(text string) (stmt []ast.StmtNode, err error) {
	p := tidbPool.Get().(*tidb.Parser)
	defer func() {
		if r := recover(); r != nil {
			stmt, err = nil, fmt.Errorf("%w: %v", errTiDBPanic, r)
			return
		}
		tidbPool.Put(p)
	}()
	stmts, _, err := p.ParseSQL(text)
	if err != nil {
		return nil, err
	}
	// ParseSQL returns the parser's own slice, which the next parse reuses.
	return append([]ast.StmtNode(nil), stmts...), nil
}

var (
	tidbErrRE    = regexp.MustCompile(`^line (\d+) column (\d+) near "`)
	tidbLengthRE = regexp.MustCompile(`\(total length (\d+)\)\s*$`)
)

// tidbErrorOffset finds the byte offset in text that a TiDB syntax error
// ("line L column C near "<rest of text>"...") points at: the start of the
// token TiDB could not take. ok is false for errors of another shape.
func tidbErrorOffset(err error, text string) (off int, ok bool) {
	msg := err.Error()
	m := tidbErrRE.FindStringSubmatchIndex(msg)
	if m == nil {
		return 0, false
	}
	rest := msg[m[1]:]
	// Long remainders are cut at 2048 bytes and followed by their length.
	if lm := tidbLengthRE.FindStringSubmatch(rest); lm != nil {
		if n, err := strconv.Atoi(lm[1]); err == nil && n <= len(text) {
			return len(text) - n, true
		}
	}
	// The near text is text[off:] followed by '"'; find the longest suffix
	// of text that it starts with.
	for off := 0; off <= len(text); off++ {
		if strings.HasPrefix(rest, text[off:]+`"`) {
			return off, true
		}
	}
	// Fall back to line and column (TiDB counts bytes, 1-based, at the end
	// of the token).
	line, _ := strconv.Atoi(msg[m[2]:m[3]])
	col, _ := strconv.Atoi(msg[m[4]:m[5]])
	off = 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			break
		}
		off += i + 1
	}
	return min(off+max(col-1, 0), len(text)), true
}
