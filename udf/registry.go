// Package udf holds chatsql's functions: the everyday MySQL scalar functions,
// chatsql's own (UUID, TO_TIMESTAMP_LTZ, PROCTIME) and asynchronous ones such
// as TRANSLATE, which the planner turns into an async operator.
package udf

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"

	"github.com/chatsql/chatsql/runtime/types"
)

// Arg describes one argument at plan time.
type Arg struct {
	Type types.Type
	// Const is set when the argument is a constant (a literal or a constant
	// expression), so Bind can precompute, e.g. compile a regular expression.
	Const *types.Value
}

// EvalFunc evaluates a bound function over argument values. args is only
// valid during the call. A returned error fails the row (the planner decides
// whether that dead-letters the row or fails the job).
type EvalFunc func(args []types.Value) (types.Value, error)

// Scalar is a synchronous function.
type Scalar struct {
	Name string
	// Bind checks argument types once, at plan time, and returns the result
	// type and the evaluator. Errors are user errors ("LENGTH expects 1
	// argument, got 2").
	Bind func(args []Arg) (types.Type, EvalFunc, error)
	// Volatile marks functions whose result changes between calls with the
	// same arguments (UUID(), PROCTIME(), RAND()): never constant-folded.
	Volatile  bool
	Signature string // e.g. "CONCAT(str, ...) -> VARCHAR", for SHOW FUNCTIONS and docs
	Doc       string
	Category  string // string, math, date, json, conditional, chatsql
}

// Env is what an async function instance gets from its job: the session
// settings in force when the job started, and where to count things.
type Env struct {
	JobID    string // unique per run of a job
	JobName  string // stable across restarts (the sink's name); the job label of metrics
	Settings map[string]string
	Logf     func(format string, args ...any)
	// StateDir is a directory that survives restarts of the job (next to
	// its checkpoints), for state a function keeps itself, such as
	// TRANSLATE's journal of translations; "" when the job keeps none.
	StateDir string
}

// AsyncCaller performs calls of one async function for one operator instance.
type AsyncCaller interface {
	// Call starts a call and returns at once (or blocks briefly for a
	// budget); done is called exactly once, from any goroutine, with the
	// result. A final failure is reported as (NULL, err): the row still
	// flows with NULL and the error is counted.
	Call(ctx context.Context, args []types.Value, done func(types.Value, error))
	Close() error
}

// ErrReported marks a failure the function has already told the user about
// (e.g. "no LLM provider configured", said once): the async operator counts
// it but does not log it again for every row.
var ErrReported = errors.New("already reported")

// Async is an asynchronous function (Flink's async I/O).
type Async struct {
	Name      string
	Bind      func(args []Arg) (types.Type, error)
	New       func(env Env) (AsyncCaller, error)
	Signature string
	Doc       string
}

// Registry holds the functions by upper-case name.
type Registry struct {
	mu     sync.RWMutex
	scalar map[string]*Scalar
	async  map[string]*Async
}

// Default is the process-wide registry, filled in init().
var Default = &Registry{}

// RegisterScalar adds f to the default registry.
func RegisterScalar(f Scalar) { Default.AddScalar(f) }

// RegisterAsync adds f to the default registry.
func RegisterAsync(f Async) { Default.AddAsync(f) }

// AddScalar adds or replaces f.
func (r *Registry) AddScalar(f Scalar) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.scalar == nil {
		r.scalar = map[string]*Scalar{}
	}
	ff := f
	r.scalar[strings.ToUpper(f.Name)] = &ff
}

// AddAsync adds or replaces f.
func (r *Registry) AddAsync(f Async) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.async == nil {
		r.async = map[string]*Async{}
	}
	ff := f
	r.async[strings.ToUpper(f.Name)] = &ff
}

// Scalar finds a scalar function by name.
func (r *Registry) Scalar(name string) (*Scalar, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.scalar[strings.ToUpper(name)]
	return f, ok
}

// Async finds an async function by name.
func (r *Registry) Async(name string) (*Async, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.async[strings.ToUpper(name)]
	return f, ok
}

// Names lists every function name, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []string
	for k := range r.scalar {
		out = append(out, k)
	}
	for k := range r.async {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Clone returns an independent copy, for tests that register fakes.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := &Registry{scalar: map[string]*Scalar{}, async: map[string]*Async{}}
	for k, v := range r.scalar {
		out.scalar[k] = v
	}
	for k, v := range r.async {
		out.async[k] = v
	}
	return out
}
