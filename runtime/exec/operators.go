package exec

import (
	"sync"

	"github.com/chatsql/chatsql/planner/plan"
	"github.com/chatsql/chatsql/runtime"
)

// BuildContext is what an operator constructor gets from the job.
type BuildContext struct {
	JobID   string
	JobName string
	// Options are the job's options with defaults applied (Settings,
	// Connectors, Functions, Collect, Logf). Read-only.
	Options *Options
}

// Constructor builds the operator of a plan node. It runs in Start; it
// should check the node's config and prepare, and leave I/O to Open.
type Constructor func(node *plan.Node, bc *BuildContext) (runtime.Operator, error)

var operators = struct {
	sync.RWMutex
	m map[string]Constructor
}{m: map[string]Constructor{}}

// RegisterOperator makes kind runnable: Start calls fn for every node of
// that kind. Registering a kind again replaces it (tests register their own
// kinds). Source nodes are not operators: the source driver runs them.
func RegisterOperator(kind string, fn Constructor) {
	operators.Lock()
	defer operators.Unlock()
	operators.m[kind] = fn
}

func lookupOperator(kind string) (Constructor, bool) {
	operators.RLock()
	defer operators.RUnlock()
	fn, ok := operators.m[kind]
	return fn, ok
}

func init() {
	RegisterOperator(plan.KindCalc, newCalc)
	RegisterOperator(plan.KindAsync, newAsync)
	RegisterOperator(plan.KindSink, newSink)
	RegisterOperator(plan.KindCollect, newCollect)
	RegisterOperator(plan.KindMatch, newMatch)
	RegisterOperator(plan.KindLookup, newLookup)
}
