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
// MATCH SKIP says. An empty match (e == s) is a match: it gets a MATCH_NUMBER
// and the next attempt starts at s+1 whatever the skip mode.
//
// An attempt runs all its partial matches (threads) in lock step, in
// preference order. A thread that completes the pattern makes every less
// preferred thread irrelevant; its match is final once no more preferred
// thread is alive. So a greedy A+ at the end of a pattern stays pending until
// a row arrives that is not an A, or Finish, or the WITHIN window closes.
//
// A quantified group whose iteration matched no row ends its loop: a thread
// that comes back to an instruction at the same row with the same history is
// the same computation and is dropped (as in Trino's matcher), which also
// makes the VM terminate on patterns like (A*)*.
//
// # Cost
//
// Only one attempt runs at a time. When the next attempt starts before the
// last pushed row (after a failed attempt, after SKIP TO NEXT ROW or TO
// FIRST/LAST, after a timed-out attempt) the matcher replays the rows from
// that start, calling Define again: a row is evaluated once per attempt that
// reaches it, so patterns whose attempts fail late (A+ B over a long run of
// A rows) cost up to quadratic time in the length of such runs, as in every
// SQL:2016 engine. The operator must keep the rows from Oldest() on (plus
// whatever PREV() needs before them).
//
// Threads of an attempt share their label histories (a persistent
// parent-linked list with skip pointers, so Label(i) is O(log n)); a step
// costs O(live threads) plus the evaluator's calls. Threads at the same
// instruction with the same history are merged; with an evaluator that
// declares HistoryFree, threads at the same instruction are merged whatever
// their history, which bounds the live threads by the number of variable
// occurrences in the compiled pattern.
package cep
