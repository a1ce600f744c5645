package cep

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// MaxProgramSize bounds the instructions of a compiled pattern. Bounded
// quantifiers are unrolled and PERMUTE expands to all permutations, so a small
// pattern text can compile to a large program (A{1,100000}, PERMUTE of nine
// items); past this size Compile fails with ErrPatternTooLarge.
const MaxProgramSize = 100_000

// Errors of Compile. Their messages say which node is at fault; test for the
// kind with errors.Is.
var (
	ErrInvalidPattern  = errors.New("invalid row pattern")
	ErrPatternTooLarge = errors.New("row pattern too large")
)

type opcode uint8

const (
	// opLabel consumes the current row if it may be labelled arg, then goes on
	// at the next instruction.
	opLabel opcode = iota
	// opSplit forks: x is the preferred continuation, y the other.
	opSplit
	// opJump goes on at x.
	opJump
	// opDone accepts: the thread is a complete match.
	opDone
)

type inst struct {
	op   opcode
	arg  int32 // opLabel: the variable
	x, y int32 // opSplit: preferred, other; opJump: target
}

// Program is a compiled row pattern: a Pike-VM program (Trino's
// io.trino.operator.window.matcher design) whose instructions are label v
// (consume a row labelled v), split x, y (fork, x preferred), jump x and done.
// Bounded quantifiers are unrolled, an unbounded one loops back on its last
// copy. A Program is immutable and may be shared by any number of Matchers.
type Program struct {
	insts []inst
	names []string

	canMatchEmpty bool
	onlyEmpty     bool
	alwaysEmpty   bool
	labelInsts    int

	// chain, when not nil, is the label of each row of a match of a pattern
	// whose attempts never have more than one thread: a sequence of labels
	// (A B C, A{3}), then either a greedy loop on the last label (A{5,},
	// A B+; chainLoop: rows past the chain take its last label) or greedy
	// optional labels each of which may end the match (A{2,4}, A B{0,1}).
	// A match has chainMin rows at least, len(chain) at most unless
	// chainLoop. The Matcher runs such patterns with a row count instead of
	// threads and histories (see Matcher.stepChain).
	chain     []int32
	chainMin  int
	chainLoop bool
}

// Compile turns a pattern into a Program. varNames names the variables that
// Var.Index refers to (they are used by String).
func Compile(pattern Node, varNames []string) (*Program, error) {
	c := compiler{names: varNames}
	if err := c.emit(pattern); err != nil {
		return nil, err
	}
	c.add(inst{op: opDone})
	if c.err != nil {
		return nil, c.err
	}
	p := &Program{insts: c.insts, names: append([]string(nil), varNames...)}
	p.analyse()
	p.analyseChain()
	return p, nil
}

// analyseChain recognises the single-thread patterns of Program.chain from
// the instructions: n >= 1 labels, then done; or a greedy split back to the
// last label and done; or greedy (split next, done; label) pairs and done.
// In each the closure of a thread that has taken i rows reaches at most one
// label instruction (and done when i >= n), so the VM never holds a second
// thread.
func (p *Program) analyseChain() {
	ins := p.insts
	n := 0
	for n < len(ins) && ins[n].op == opLabel {
		n++
	}
	last := len(ins) - 1
	if n == 0 || n > last || ins[last].op != opDone {
		return
	}
	seq := make([]int32, n, n+(last-n)/2)
	for i := range n {
		seq[i] = ins[i].arg
	}
	switch {
	case n == last:
	case n+1 == last && ins[n].op == opSplit && ins[n].x == int32(n-1) && ins[n].y == int32(last):
		p.chainLoop = true
	default:
		for pc := n; pc < last; pc += 2 {
			if pc+1 >= last || ins[pc].op != opSplit || ins[pc].x != int32(pc+1) || ins[pc].y != int32(last) || ins[pc+1].op != opLabel {
				return
			}
			seq = append(seq, ins[pc+1].arg)
		}
	}
	p.chain, p.chainMin = seq, n
}

type compiler struct {
	insts []inst
	names []string
	err   error
}

func (c *compiler) add(in inst) int {
	if len(c.insts) >= MaxProgramSize {
		if c.err == nil {
			c.err = fmt.Errorf("%w: more than %d instructions after unrolling quantifiers and expanding PERMUTE", ErrPatternTooLarge, MaxProgramSize)
		}
		return len(c.insts) - 1
	}
	c.insts = append(c.insts, in)
	return len(c.insts) - 1
}

func (c *compiler) here() int32 { return int32(len(c.insts)) }

func (c *compiler) emit(n Node) error {
	if c.err != nil {
		return c.err
	}
	switch n := n.(type) {
	case Var:
		if n.Index < 0 || n.Index >= len(c.names) {
			return fmt.Errorf("%w: variable index %d out of range (%d variables)", ErrInvalidPattern, n.Index, len(c.names))
		}
		c.add(inst{op: opLabel, arg: int32(n.Index)})
	case *Var:
		return c.emit(*n)
	case Concat:
		return c.concat(n.Items)
	case *Concat:
		return c.concat(n.Items)
	case Alt:
		return c.alt(n.Items)
	case *Alt:
		return c.alt(n.Items)
	case Permute:
		return c.permute(n.Items)
	case *Permute:
		return c.permute(n.Items)
	case Quant:
		return c.quant(n)
	case *Quant:
		return c.quant(*n)
	case Empty, *Empty:
	case nil:
		return fmt.Errorf("%w: nil node", ErrInvalidPattern)
	default:
		return fmt.Errorf("%w: unknown node %T", ErrInvalidPattern, n)
	}
	return c.err
}

func (c *compiler) concat(items []Node) error {
	for _, it := range items {
		if err := c.emit(it); err != nil {
			return err
		}
	}
	return nil
}

// alt emits split(b1, next) b1 jump(end) split(b2, next) b2 jump(end) ... bn.
func (c *compiler) alt(items []Node) error {
	if len(items) == 0 {
		return fmt.Errorf("%w: alternation without branches", ErrInvalidPattern)
	}
	return c.alternation(len(items), func(i int) error { return c.emit(items[i]) })
}

func (c *compiler) alternation(n int, branch func(i int) error) error {
	var jumps []int
	for i := 0; i < n-1; i++ {
		split := c.add(inst{op: opSplit})
		if err := branch(i); err != nil {
			return err
		}
		jumps = append(jumps, c.add(inst{op: opJump}))
		if c.err != nil {
			return c.err
		}
		c.insts[split].x, c.insts[split].y = int32(split+1), c.here()
	}
	if err := branch(n - 1); err != nil {
		return err
	}
	for _, j := range jumps {
		c.insts[j].x = c.here()
	}
	return c.err
}

func (c *compiler) permute(items []Node) error {
	switch len(items) {
	case 0:
		return nil
	case 1:
		return c.emit(items[0])
	}
	perms := permutations(len(items), MaxProgramSize)
	if perms == nil {
		return fmt.Errorf("%w: PERMUTE of %d items has too many permutations", ErrPatternTooLarge, len(items))
	}
	return c.alternation(len(perms), func(i int) error {
		for _, k := range perms[i] {
			if err := c.emit(items[k]); err != nil {
				return err
			}
		}
		return nil
	})
}

// permutations lists the permutations of 0..n-1 in lexicographic order, or
// nil if there are more than limit.
func permutations(n, limit int) [][]int {
	count := 1
	for i := 2; i <= n; i++ {
		count *= i
		if count > limit {
			return nil
		}
	}
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	out := make([][]int, 0, count)
	for {
		out = append(out, append([]int(nil), p...))
		// next permutation in lexicographic order
		i := n - 2
		for i >= 0 && p[i] >= p[i+1] {
			i--
		}
		if i < 0 {
			return out
		}
		j := n - 1
		for p[j] <= p[i] {
			j--
		}
		p[i], p[j] = p[j], p[i]
		for a, b := i+1, n-1; a < b; a, b = a+1, b-1 {
			p[a], p[b] = p[b], p[a]
		}
	}
}

func (c *compiler) quant(q Quant) error {
	if q.Min < 0 || (q.Max != -1 && q.Max < q.Min) || q.Max < -1 {
		return fmt.Errorf("%w: quantifier {%d,%d}", ErrInvalidPattern, q.Min, q.Max)
	}
	if q.Max == -1 {
		return c.loop(q.Item, q.Min, q.Greedy)
	}
	return c.rng(q.Item, q.Min, q.Max, q.Greedy)
}

func (c *compiler) split(at int, body, exit int32, greedy bool) {
	if greedy {
		c.insts[at].x, c.insts[at].y = body, exit
	} else {
		c.insts[at].x, c.insts[at].y = exit, body
	}
}

// loop: {0,}: split(body, exit) body split(body, exit); {n,}: n copies of the
// item and a split back to the start of the last one.
func (c *compiler) loop(item Node, min int, greedy bool) error {
	if min == 0 {
		first := c.add(inst{op: opSplit})
		body := c.here()
		if err := c.emit(item); err != nil {
			return err
		}
		back := c.add(inst{op: opSplit})
		if c.err != nil {
			return c.err
		}
		c.split(back, body, c.here(), greedy)
		c.split(first, body, c.here(), greedy)
		return nil
	}
	var body int32
	for i := 0; i < min; i++ {
		body = c.here()
		if err := c.emit(item); err != nil {
			return err
		}
	}
	back := c.add(inst{op: opSplit})
	if c.err != nil {
		return c.err
	}
	c.split(back, body, c.here(), greedy)
	return nil
}

// rng: min copies, then max-min optional copies, each guarded by a split whose
// exit is the end of the whole quantifier.
func (c *compiler) rng(item Node, min, max int, greedy bool) error {
	for i := 0; i < min; i++ {
		if err := c.emit(item); err != nil {
			return err
		}
	}
	var splits []int
	for i := min; i < max; i++ {
		splits = append(splits, c.add(inst{op: opSplit}))
		if err := c.emit(item); err != nil {
			return err
		}
	}
	for _, s := range splits {
		c.split(s, int32(s+1), c.here(), greedy)
	}
	return c.err
}

// analyse computes what the binder asks of a pattern.
func (p *Program) analyse() {
	for _, in := range p.insts {
		if in.op == opLabel {
			p.labelInsts++
		}
	}
	// Walk from 0 in preference order, as the VM's closure does. With
	// throughLabels the walk crosses label instructions (any path), without it
	// only epsilon moves.
	walk := func(throughLabels bool, visit func(inst) bool) {
		seen := make([]bool, len(p.insts))
		stack := []int32{0}
		for len(stack) > 0 {
			pc := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[pc] {
				continue
			}
			seen[pc] = true
			in := p.insts[pc]
			if !visit(in) {
				return
			}
			switch in.op {
			case opLabel:
				if throughLabels {
					stack = append(stack, pc+1)
				}
			case opSplit:
				stack = append(stack, in.y, in.x)
			case opJump:
				stack = append(stack, in.x)
			}
		}
	}
	reachLabel := false
	walk(true, func(in inst) bool {
		reachLabel = reachLabel || in.op == opLabel
		return !reachLabel
	})
	p.onlyEmpty = !reachLabel
	walk(false, func(in inst) bool {
		p.canMatchEmpty = p.canMatchEmpty || in.op == opDone
		return !p.canMatchEmpty
	})
	// The first thing the preferred closure of 0 meets: done before any label
	// means that every attempt ends with the empty match (the VM drops the
	// less preferred threads as soon as one is accepted).
	labelFirst := false
	walk(false, func(in inst) bool {
		switch in.op {
		case opLabel:
			labelFirst = true
		case opDone:
			p.alwaysEmpty = !labelFirst
			return false
		}
		return true
	})
}

// CanMatchEmpty reports whether the pattern has an empty match (A*, A?, ()).
func (p *Program) CanMatchEmpty() bool { return p.canMatchEmpty }

// OnlyEmpty reports whether the pattern can label no row at all: it has no
// variable, or only under {0} (PATTERN (()), A{0}). The binder rejects those.
// Patterns that do have variables but whose preferred match is always empty,
// like A*? or () | A, are not OnlyEmpty (Trino accepts them): see AlwaysEmpty.
func (p *Program) OnlyEmpty() bool { return p.onlyEmpty }

// AlwaysEmpty reports whether every attempt ends in an empty match whatever
// the rows, because the preferred way through the pattern takes no row: A*?,
// A??, () | A, and every OnlyEmpty pattern. A binder may warn about these.
func (p *Program) AlwaysEmpty() bool { return p.alwaysEmpty }

// Len is the number of instructions.
func (p *Program) Len() int { return len(p.insts) }

// NumVars is the number of variables the program was compiled with.
func (p *Program) NumVars() int { return len(p.names) }

// String lists the program for EXPLAIN, one instruction a line:
//
//	0: label A -> 1
//	1: split 0, 2 (prefer 0)
//	2: done
func (p *Program) String() string {
	var b strings.Builder
	for pc, in := range p.insts {
		b.WriteString(strconv.Itoa(pc))
		b.WriteString(": ")
		switch in.op {
		case opLabel:
			fmt.Fprintf(&b, "label %s -> %d", p.varName(int(in.arg)), pc+1)
		case opSplit:
			fmt.Fprintf(&b, "split %d, %d (prefer %d)", in.x, in.y, in.x)
		case opJump:
			fmt.Fprintf(&b, "jump %d", in.x)
		case opDone:
			b.WriteString("done")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func (p *Program) varName(v int) string {
	if v >= 0 && v < len(p.names) && p.names[v] != "" {
		return p.names[v]
	}
	return "#" + strconv.Itoa(v)
}
