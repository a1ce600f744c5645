// Package cep is the row pattern matching engine behind MATCH_RECOGNIZE: it
// compiles a PATTERN into a Pike-VM program and, per partition, decides which
// rows get which pattern variable (SQL:2016 semantics, as Trino and Oracle
// define them), one pushed row at a time.
//
// The package knows nothing of rows, values or expressions: the operator keeps
// the rows, evaluates DEFINE conditions through an Evaluator, and computes
// MEASURES from the labels of each Match.
//
// # Semantics
//
// Matching is sequential. An attempt starts at a row s and looks for the
// preferred match starting at s, by the standard's preference order (greedy
// quantifiers prefer more iterations, reluctant ones fewer, alternation its
// left branch, PERMUTE the lexicographic order of its items). If there is none
// the next attempt starts at s+1; after a match [s,e) it starts where AFTER
// MATCH SKIP says: PAST LAST ROW at e, TO NEXT ROW at s+1, TO FIRST/LAST v at
// the first/last row of the match labelled v (any of SkipVars, for a SUBSET).
// SKIP TO a variable absent from the match, or to the match's first row, is
// an error (ErrSkipToMissingVariable, ErrSkipToFirstRow, Trino's messages).
// An empty match (e == s) is a match: it gets a MATCH_NUMBER and the next
// attempt starts at s+1 whatever the skip mode (as in Trino).
//
// An attempt runs all its partial matches (threads) in lock step, in
// preference order. A thread that completes the pattern makes every less
// preferred thread irrelevant; its match is final once no more preferred
// thread is alive. So a greedy A+ at the end of a pattern stays pending until
// a row arrives that is not an A, or Finish, or its WITHIN window closes.
//
// Empty iterations follow Trino's automaton: a thread that comes back to an
// instruction at the same row with the same history is the same computation
// and is dropped. So a loop cannot go round again after an iteration that
// matched no row, and the VM terminates on (A*)*; the loop then leaves
// through its own exit, at the exit's place in the preference order (see
// TestEmptyIterationSemantics for where this differs from a literal reading
// of "an empty iteration ends the loop").
//
// # WITHIN and timed-out matches
//
// Options.Within ends an attempt when it reaches a row outside its window;
// Expire ends the attempts whose window closed while no row came (watermark).
// An attempt that ends so with a complete match pending (a greedy tail)
// reports that match as final. Without one, it reports its most preferred
// live thread as a Match with TimedOut set, for SHOW TIMEOUT MATCHES: all
// live threads of an attempt have labelled the same rows (from the start up
// to the last row read), so "most preferred" is the whole definition. A
// timed-out attempt is a failed one: it takes no MATCH_NUMBER, and the next
// attempt starts at s+1 and may time out in turn with its own partial match.
//
// # Errors, snapshots
//
// An error of the Evaluator or of AFTER MATCH SKIP ends the partition: it is
// returned with the matches found before it, and again by every later call.
// State() (the start of the attempt in progress, or of the next, and the last
// MATCH_NUMBER) is the matcher's whole snapshot: NewMatcherAt and the replay
// of the retained rows from that start rebuild the same threads, because the
// matcher is deterministic given the Evaluator's answers.
//
// # Cost
//
// Only one attempt runs at a time. When the next attempt starts before the
// last pushed row (after a failed or timed-out attempt, after SKIP TO NEXT
// ROW or TO FIRST/LAST) the matcher replays the rows from that start, calling
// Define again: a row is evaluated once per attempt that reaches it, so
// patterns whose attempts fail late (A+ B over a long run of A rows) cost up
// to quadratic time in the length of such runs, as in every SQL:2016 engine.
// The operator keeps the rows from Oldest() on (plus what PREV() needs).
//
// Threads of an attempt share their label histories (a persistent
// parent-linked list with skip pointers, so Label(i) is O(log n)); a step
// costs O(live threads) plus the Evaluator's calls. Threads at the same
// instruction with the same history are merged; with an evaluator that
// declares HistoryFree, threads at the same instruction are merged whatever
// their history, which bounds the live threads by the number of variable
// occurrences in the compiled pattern and makes PATTERN (A{5,}) one thread
// and one Define call per row. Otherwise Options.MaxThreads caps them.
// History nodes are recycled when an attempt ends; an idle matcher can be
// dropped and rebuilt from State().
package cep
