package parser

import (
	"strings"

	"github.com/chatsql/chatsql/planner/diag"
)

// CallStmt is CALL catalog.system.procedure(arg, ...): an Iceberg stored
// procedure (rewrite_data_files, rewrite_manifests, expire_snapshots).
// Arguments are positional or named (name => value); a value is a string,
// a number, TRUE or FALSE, a TIMESTAMP '...' literal or map('k', 'v', ...).
type CallStmt struct {
	Node
	Procedure Ident
	Args      []CallArg
}

// CallArg is one argument of CALL.
type CallArg struct {
	Name  string   // "" for a positional argument
	Value string   // the literal's text (a TIMESTAMP literal's string)
	Map   []string // map(...)'s keys and values, alternating; nil otherwise
	IsMap bool
	Pos   int
}

func (p *stmtParser) parseCall() Statement {
	t := p.next()
	s := &CallStmt{Node: Node{t.start, p.end()}}
	s.Procedure = p.ident("a procedure after CALL, e.g. lake.system.rewrite_data_files")
	p.expectOp("(", "after the procedure name: CALL lake.system.rewrite_data_files('chat.messages')")
	if !p.acceptOp(")") {
		for {
			s.Args = append(s.Args, p.callArg())
			if p.acceptOp(",") {
				continue
			}
			p.expectOp(")", "or ',' after a procedure argument")
			break
		}
	}
	p.expectEnd("CALL " + s.Procedure.String() + "(...)")
	return s
}

func (p *stmtParser) callArg() CallArg {
	a := CallArg{Pos: p.peek().start}
	if n := p.peekN(1); p.peek().kind == tokIdent && n.isOp("=") && p.peekN(2).isOp(">") {
		a.Name = strings.ToLower(p.next().val)
		p.next()
		p.next()
	} else if p.peek().kind == tokIdent && n.isOp("=>") {
		a.Name = strings.ToLower(p.next().val)
		p.next()
	}
	t := p.peek()
	switch {
	case t.kind == tokString || t.kind == tokNumber:
		p.next()
		a.Value = t.val
	case t.is("TRUE") || t.is("FALSE"):
		p.next()
		a.Value = strings.ToLower(t.val)
	case t.is("TIMESTAMP") || t.is("DATE"):
		p.next()
		a.Value = p.stringLit("a string after " + strings.ToUpper(t.val) + ", e.g. TIMESTAMP '2024-01-01 00:00:00'")
	case t.is("MAP") && p.peekN(1).isOp("("):
		p.next()
		p.next()
		a.IsMap = true
		if !p.acceptOp(")") {
			for {
				v := p.peek()
				if v.kind != tokString && v.kind != tokNumber {
					p.unexpected(v, "a string or number in map(...)")
				}
				p.next()
				a.Map = append(a.Map, v.val)
				if p.acceptOp(",") {
					continue
				}
				p.expectOp(")", "or ',' in map(...)")
				break
			}
		}
		if len(a.Map)%2 != 0 {
			p.fail(a.Pos, diag.Semantic, "map(...) takes keys and values in pairs")
		}
	default:
		p.unexpected(t, "a procedure argument: a string, a number, TRUE, FALSE, TIMESTAMP '...' or map('key', 'value', ...)")
	}
	return a
}
