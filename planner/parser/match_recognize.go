package parser

import (
	"strconv"
	"strings"
	"time"
)

// MatchRecognize is one MATCH_RECOGNIZE clause (SQL:2016 row pattern
// recognition, as Flink SQL writes it) after a table reference in FROM:
//
//	FROM chat_messages MATCH_RECOGNIZE (PARTITION BY ... PATTERN (A B+) DEFINE ...) AS t
//
// The query TiDB parses names it by a placeholder table (see
// Query.MatchRecognize). Positions are byte offsets into the query's Src.
type MatchRecognize struct {
	Pos, End     int // the MATCH_RECOGNIZE keyword .. just after the closing ')'
	Input        MRInput
	PartitionBy  []*Expr
	OrderBy      []MROrder
	Measures     []MRMeasure
	RowsPerMatch RowsPerMatch // RowsOneRow when absent
	RowsPos      int          // position of ONE/ALL, -1 when absent
	Skip         MRSkip       // SkipPastLastRow when absent
	Pattern      PatternNode
	PatternPos   int           // position of the PATTERN keyword
	Within       time.Duration // 0 = no WITHIN
	WithinPos    int           // position of WITHIN, -1 when absent
	Subsets      []MRSubset
	Define       []MRDefine
	// Alias is the name after the clause ("" if none), as TiDB also sees
	// it on the placeholder table.
	Alias string
}

// MRInput is what MATCH_RECOGNIZE reads: exactly one of a table or view
// name and a parenthesised subquery. Pos is the name's or the '('s.
type MRInput struct {
	Name  *Ident
	Query *Query
	Pos   int
}

// MROrder is one ORDER BY item; Pos is the expression's start.
type MROrder struct {
	Expr *Expr
	Desc bool
	Pos  int
}

// MRMeasure is one MEASURES item, "Expr AS Alias". In Expr the
// MATCH_RECOGNIZE functions are lifted (FuncFirst, FuncRunning, ...).
type MRMeasure struct {
	Expr  *Expr
	Alias Ident
}

// RowsPerMatch is the ONE ROW / ALL ROWS PER MATCH option.
type RowsPerMatch int

const (
	RowsOneRow            RowsPerMatch = iota // ONE ROW PER MATCH (the default)
	RowsOneRowShowTimeout                     // ONE ROW PER MATCH SHOW TIMEOUT MATCHES
	RowsAllShowEmpty                          // ALL ROWS PER MATCH [SHOW EMPTY MATCHES]
	RowsAllOmitEmpty                          // ALL ROWS PER MATCH OMIT EMPTY MATCHES
	RowsAllWithUnmatched                      // ALL ROWS PER MATCH WITH UNMATCHED ROWS
)

func (r RowsPerMatch) String() string {
	switch r {
	case RowsOneRow:
		return "ONE ROW PER MATCH"
	case RowsOneRowShowTimeout:
		return "ONE ROW PER MATCH SHOW TIMEOUT MATCHES"
	case RowsAllShowEmpty:
		return "ALL ROWS PER MATCH"
	case RowsAllOmitEmpty:
		return "ALL ROWS PER MATCH OMIT EMPTY MATCHES"
	case RowsAllWithUnmatched:
		return "ALL ROWS PER MATCH WITH UNMATCHED ROWS"
	}
	return "RowsPerMatch(" + strconv.Itoa(int(r)) + ")"
}

// SkipKind is where matching resumes after a match.
type SkipKind int

const (
	SkipPastLastRow SkipKind = iota // AFTER MATCH SKIP PAST LAST ROW (the default)
	SkipToNextRow                   // SKIP TO NEXT ROW
	SkipToFirst                     // SKIP TO FIRST v
	SkipToLast                      // SKIP TO LAST v, and SKIP TO v
)

// MRSkip is the AFTER MATCH SKIP option. Var is set for SkipToFirst and
// SkipToLast. Pos is the AFTER keyword's, -1 when the clause is absent.
type MRSkip struct {
	Kind SkipKind
	Var  Ident
	Pos  int
}

func (s MRSkip) String() string {
	switch s.Kind {
	case SkipPastLastRow:
		return "AFTER MATCH SKIP PAST LAST ROW"
	case SkipToNextRow:
		return "AFTER MATCH SKIP TO NEXT ROW"
	case SkipToFirst:
		return "AFTER MATCH SKIP TO FIRST " + s.Var.String()
	case SkipToLast:
		return "AFTER MATCH SKIP TO LAST " + s.Var.String()
	}
	return "SkipKind(" + strconv.Itoa(int(s.Kind)) + ")"
}

// MRSubset is SUBSET Name = (Vars...), a union of pattern variables.
type MRSubset struct {
	Name Ident
	Vars []Ident
}

// MRDefine is DEFINE Var AS Cond. In Cond the MATCH_RECOGNIZE functions
// are lifted, as in MEASURES.
type MRDefine struct {
	Var  Ident
	Cond *Expr
}

// PatternNode is a node of a row pattern, a regular expression over
// pattern variables: *PatVar, *PatConcat, *PatAlt, *PatPermute, *PatQuant
// or *PatEmpty. String gives a canonical form that parses back to the same
// tree (concatenations and alternations in parentheses).
type PatternNode interface {
	PatPos() int
	String() string
}

// PatVar is a pattern variable. Names are case-insensitive, as in SQL:
// kept as written, compared with strings.EqualFold.
type PatVar struct {
	Name string
	Pos  int
}

// PatConcat is a sequence "a b c". Its Pos, and PatAlt's, is where its
// first item's text starts.
type PatConcat struct {
	Items []PatternNode
	Pos   int
}

// PatAlt is an alternation "a | b | c"; the leftmost alternative that
// matches is preferred.
type PatAlt struct {
	Items []PatternNode
	Pos   int
}

// PatPermute is PERMUTE(a, b, ...): the items in any order. Pos is the
// PERMUTE keyword's.
type PatPermute struct {
	Items []PatternNode
	Pos   int
}

// PatQuant is Item followed by a quantifier: * + ? {n} {n,} {n,m} {,m}.
// Max is -1 for no upper bound. Greedy is false for the reluctant forms
// (a trailing '?': *? +? ?? {n,m}?). Pos is the quantifier's position.
type PatQuant struct {
	Item     PatternNode
	Min, Max int
	Greedy   bool
	Pos      int
}

// PatEmpty is "()", the empty pattern, which matches no rows.
type PatEmpty struct{ Pos int }

func (n *PatVar) PatPos() int     { return n.Pos }
func (n *PatConcat) PatPos() int  { return n.Pos }
func (n *PatAlt) PatPos() int     { return n.Pos }
func (n *PatPermute) PatPos() int { return n.Pos }
func (n *PatQuant) PatPos() int   { return n.Pos }
func (n *PatEmpty) PatPos() int   { return n.Pos }

// String writes the name bare when it can be read back as one, else in
// backquotes.
func (n *PatVar) String() string {
	if isPlainPatternName(n.Name) {
		return n.Name
	}
	return "`" + strings.ReplaceAll(n.Name, "`", "``") + "`"
}

func (n *PatConcat) String() string { return "(" + joinPatterns(n.Items, " ") + ")" }
func (n *PatAlt) String() string    { return "(" + joinPatterns(n.Items, "|") + ")" }
func (n *PatPermute) String() string {
	return "PERMUTE(" + joinPatterns(n.Items, ", ") + ")"
}
func (n *PatEmpty) String() string { return "()" }

func (n *PatQuant) String() string {
	item := n.Item.String()
	if _, ok := n.Item.(*PatQuant); ok {
		item = "(" + item + ")"
	}
	var q string
	switch {
	case n.Min == 0 && n.Max == -1:
		q = "*"
	case n.Min == 1 && n.Max == -1:
		q = "+"
	case n.Min == 0 && n.Max == 1:
		q = "?"
	case n.Max == -1:
		q = "{" + strconv.Itoa(n.Min) + ",}"
	case n.Min == n.Max:
		q = "{" + strconv.Itoa(n.Min) + "}"
	case n.Min == 0:
		q = "{," + strconv.Itoa(n.Max) + "}"
	default:
		q = "{" + strconv.Itoa(n.Min) + "," + strconv.Itoa(n.Max) + "}"
	}
	if !n.Greedy {
		q += "?"
	}
	return item + q
}

func joinPatterns(items []PatternNode, sep string) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = it.String()
	}
	return strings.Join(s, sep)
}

// isPlainPatternName reports whether name reads back as a bare pattern
// variable: an identifier that is not a word the pattern grammar reserves.
func isPlainPatternName(name string) bool {
	if name == "" || isDigit(name[0]) || strings.EqualFold(name, "PERMUTE") || patternStopWords[strings.ToUpper(name)] {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isIdentByte(c) && !isDigit(c) || c == '$' {
			return false
		}
	}
	return true
}

var (
	_ PatternNode = (*PatVar)(nil)
	_ PatternNode = (*PatConcat)(nil)
	_ PatternNode = (*PatAlt)(nil)
	_ PatternNode = (*PatPermute)(nil)
	_ PatternNode = (*PatQuant)(nil)
	_ PatternNode = (*PatEmpty)(nil)
)
