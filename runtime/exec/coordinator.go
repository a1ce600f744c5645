package exec

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/chatsql/chatsql/runtime/checkpoint"
)

// The checkpoint coordinator (Chandy-Lamport with aligned barriers): it asks
// every live source to inject barrier <id>, collects one ack per live node
// (sources: position; operators: state after the barrier aligned on all
// inputs), writes the checkpoint, then tells every node it is complete.
// Nodes that ended (bounded input exhausted) count as acked with their final
// state. One checkpoint at a time; requests that arrive meanwhile queue.

type evKind uint8

const (
	evAck evKind = iota
	evFinished
	evTrigger
)

type coordEvent struct {
	kind  evKind
	node  *node
	id    int64
	state []byte
	final bool               // evTrigger: the Stop checkpoint
	reply chan triggerResult // evTrigger: where to answer (may be nil)
}

type triggerResult struct {
	id  int64
	err error
}

type barrierRequest struct {
	id    int64
	final bool
}

type pendingCheckpoint struct {
	id      int64
	final   bool
	started time.Time
	states  map[int][]byte
	waiting map[*node]bool
	replies []chan triggerResult
	timeout *time.Timer
}

type coordinator struct {
	j        *Job
	store    *checkpoint.Store // nil: checkpoints are not written
	interval time.Duration     // <= 0: no periodic checkpoints
	nextID   int64
	events   chan coordEvent

	live     map[*node]bool
	finished map[int][]byte // final states of ended nodes, by node id
	pending  *pendingCheckpoint
	queue    []coordEvent // trigger requests waiting for the pending one
	stopDone chan struct{}

	completedID atomic.Int64 // newest durable checkpoint
	last        atomic.Pointer[CheckpointInfo]
	completed   atomic.Int64
	failed      atomic.Int64
}

func newCoordinator(j *Job, store *checkpoint.Store, nextID int64) *coordinator {
	c := &coordinator{
		j: j, store: store, nextID: nextID,
		events:   make(chan coordEvent, 2*len(j.nodes)+4),
		live:     map[*node]bool{},
		finished: map[int][]byte{},
		stopDone: make(chan struct{}),
	}
	if store != nil {
		c.interval = j.opts.CheckpointInterval
	}
	for _, n := range j.nodes {
		c.live[n] = true
	}
	return c
}

// ack and finish are called by node goroutines.
func (c *coordinator) ack(ctx context.Context, n *node, id int64, state []byte) error {
	select {
	case c.events <- coordEvent{kind: evAck, node: n, id: id, state: state}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *coordinator) finish(ctx context.Context, n *node, state []byte) {
	select {
	case c.events <- coordEvent{kind: evFinished, node: n, state: state}:
	case <-ctx.Done():
	}
}

func (c *coordinator) run(ctx context.Context) {
	var tick <-chan time.Time
	if c.interval > 0 {
		t := time.NewTicker(c.interval)
		defer t.Stop()
		tick = t.C
	}
	timeouts := make(chan int64, 1)
	defer func() {
		// Answer everyone still waiting: the job is ending.
		if c.pending != nil {
			c.pending.timeout.Stop()
			c.answer(c.pending.replies, 0, ErrJobEnded)
		}
		for _, ev := range c.queue {
			c.answer([]chan triggerResult{ev.reply}, 0, ErrJobEnded)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if c.pending == nil && !c.j.stopping.Load() {
				c.begin(coordEvent{kind: evTrigger}, timeouts)
			}
		case id := <-timeouts:
			if p := c.pending; p != nil && p.id == id {
				c.abort(fmt.Errorf("checkpoint %d: %w after %s (waiting for %d nodes)", id, ErrCheckpointTimeout, checkpointTimeout, len(p.waiting)))
				c.next(timeouts)
			}
		case ev := <-c.events:
			switch ev.kind {
			case evTrigger:
				if c.pending != nil {
					c.queue = append(c.queue, ev)
				} else {
					c.begin(ev, timeouts)
				}
			case evAck:
				p := c.pending
				if p == nil || p.id != ev.id {
					continue // a late ack of an abandoned checkpoint
				}
				p.states[ev.node.pn.ID] = ev.state
				delete(p.waiting, ev.node)
			case evFinished:
				delete(c.live, ev.node)
				c.finished[ev.node.pn.ID] = ev.state
				if p := c.pending; p != nil && p.waiting[ev.node] {
					delete(p.waiting, ev.node)
				}
			}
			if p := c.pending; p != nil && len(p.waiting) == 0 {
				c.complete(ctx)
				c.next(timeouts)
			}
		}
	}
}

func (c *coordinator) answer(replies []chan triggerResult, id int64, err error) {
	for _, r := range replies {
		if r != nil {
			r <- triggerResult{id: id, err: err}
		}
	}
}

// next starts the first queued request, if any.
func (c *coordinator) next(timeouts chan int64) {
	if c.pending != nil || len(c.queue) == 0 {
		return
	}
	ev := c.queue[0]
	c.queue = c.queue[1:]
	// Several queued plain requests are served by one checkpoint.
	for len(c.queue) > 0 && !ev.final && !c.queue[0].final {
		c.queue[0].reply, ev.reply = nil, mergeReplies(ev.reply, c.queue[0].reply)
		c.queue = c.queue[1:]
	}
	c.begin(ev, timeouts)
}

// mergeReplies makes one reply channel stand for two requesters.
func mergeReplies(a, b chan triggerResult) chan triggerResult {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	m := make(chan triggerResult, 1)
	go func() {
		r := <-m
		a <- r
		b <- r
	}()
	return m
}

func (c *coordinator) begin(ev coordEvent, timeouts chan int64) {
	var sources []*node
	for n := range c.live {
		if n.src != nil {
			sources = append(sources, n)
		}
	}
	if len(sources) == 0 {
		// Every source ended: the job is draining by itself and no barrier
		// can be injected any more.
		if ev.final {
			close(c.stopDone)
		}
		c.answer([]chan triggerResult{ev.reply}, 0, ErrJobEnded)
		return
	}
	id := c.nextID
	c.nextID++
	p := &pendingCheckpoint{id: id, final: ev.final, started: time.Now(),
		states: map[int][]byte{}, waiting: map[*node]bool{}}
	if ev.reply != nil {
		p.replies = append(p.replies, ev.reply)
	}
	for n := range c.live {
		p.waiting[n] = true
	}
	p.timeout = time.AfterFunc(checkpointTimeout, func() {
		select {
		case timeouts <- id:
		default:
		}
	})
	c.pending = p
	for _, n := range sources {
		// The channel holds one request; a stale one (of an abandoned
		// checkpoint) is replaced.
		req := barrierRequest{id: id, final: ev.final}
		select {
		case n.barrierReq <- req:
		default:
			select {
			case <-n.barrierReq:
			default:
			}
			n.barrierReq <- req
		}
	}
}

func (c *coordinator) abort(err error) {
	p := c.pending
	c.pending = nil
	p.timeout.Stop()
	c.failed.Add(1)
	c.j.metrics.CheckpointFailed()
	c.j.logf("warning: job %s: %v", c.j.name, err)
	c.answer(p.replies, 0, err)
	if p.final {
		c.j.fail(err)
	}
}

func (c *coordinator) complete(ctx context.Context) {
	p := c.pending
	m := &checkpoint.Manifest{ID: p.id, Job: c.j.name, JobID: c.j.id, Time: time.Now().UTC(), Fingerprint: fingerprint(c.j.graph)}
	for _, n := range c.j.nodes {
		ns := checkpoint.NodeState{ID: n.pn.ID, Kind: n.pn.Kind, Name: n.pn.Name}
		if st, ok := c.finished[n.pn.ID]; ok && !c.live[n] {
			ns.State, ns.Finished = st, true
		} else {
			ns.State = p.states[n.pn.ID]
		}
		m.Nodes = append(m.Nodes, ns)
	}
	if c.store != nil {
		if err := c.store.Write(m); err != nil {
			c.abort(err)
			return
		}
	}
	c.pending = nil
	p.timeout.Stop()
	d := time.Since(p.started)
	c.completed.Add(1)
	c.j.metrics.CheckpointCompleted(d)
	c.last.Store(&CheckpointInfo{ID: p.id, Time: m.Time, Duration: d})
	c.completedID.Store(p.id)
	for _, n := range c.j.nodes {
		select {
		case n.notify <- struct{}{}:
		default:
		}
	}
	c.answer(p.replies, p.id, nil)
	if p.final {
		close(c.stopDone)
	}
}
