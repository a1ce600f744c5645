package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/chatsql/chatsql/runtime/session"
	"github.com/chatsql/chatsql/runtime/types"
)

// cancelGrace is how long a cancelled query may take to close its stream
// before the shell stops waiting for it.
const cancelGrace = 5 * time.Second

// printStream prints a streaming SELECT: the header at once, then each batch
// as it arrives, then "(N rows)". A value on interrupt cancels the query
// (only it). It returns whether the query was cancelled and the query's
// error.
func printStream(w io.Writer, s *session.Stream, interrupt <-chan os.Signal) (cancelled bool, err error) {
	p := newStreamPrinter(w, s.Columns, s.Types)
	p.header(s.Columns)
	for {
		select {
		case rows, ok := <-s.Rows:
			if !ok {
				fmt.Fprintln(w, rowCount(p.rows))
				return false, s.Err()
			}
			p.batch(rows)
		case <-interrupt:
			s.Cancel()
			closed := drain(s.Rows, cancelGrace)
			fmt.Fprintf(w, "%s, cancelled\n", rowCount(p.rows))
			if !closed {
				return true, fmt.Errorf("the query did not stop within %v of being cancelled", cancelGrace)
			}
			return true, nil
		}
	}
}

// drain discards rows until the channel closes or d passes; reports whether
// it closed. A query keeps running until it notices the cancel, and its
// last batches must not block it.
func drain(rows <-chan []types.Row, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-rows:
			if !ok {
				return true
			}
		case <-timer.C:
			// Keep draining in the background so the query never blocks.
			go func() {
				for range rows {
				}
			}()
			return false
		}
	}
}

// lockedWriter serialises writes from several streams so their lines do not
// interleave mid-line (each batch is one write).
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
