// Package print is Flink's print connector: a sink that writes each row as
// "+I[v1, v2, ...]" to standard output (or standard error), optionally
// prefixed with "identifier> ", for watching a job's output by eye.
package print

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
)

// Option names (Flink's).
const (
	OptIdentifier    = "print-identifier"
	OptStandardError = "standard-error"
)

// Stdout and Stderr are where sinks write; tests swap them. Writes go
// through one lock, so lines of concurrent sinks never interleave.
var (
	Stdout io.Writer = os.Stdout
	Stderr io.Writer = os.Stderr
	outMu  sync.Mutex
)

// Spec is the print connector's declared surface.
func Spec() connectors.Spec {
	return connectors.Spec{
		Name:        "print",
		Description: "Writes every row to standard output as +I[v1, v2, ...] (Flink's print connector), for watching a job by eye.",
		Options: []connectors.Option{
			{Name: OptIdentifier, Type: connectors.OptString,
				Description: "A prefix for every line: 'id' prints 'id> +I[...]'."},
			{Name: OptStandardError, Type: connectors.OptBool, Default: "false",
				Description: "Write to standard error instead of standard output."},
		},
		Sink: true,
	}
}

func init() {
	connectors.Register(connectors.Connector{
		Spec:    Spec(),
		NewSink: func(cfg connectors.Config) (runtime.Sink, error) { return NewSink(cfg), nil },
	})
}

// Sink prints rows.
type Sink struct {
	name   string
	prefix string
	stderr bool
	n      int
	buf    []byte
}

// NewSink builds a print sink from validated options.
func NewSink(cfg connectors.Config) *Sink {
	s := &Sink{name: cfg.Name, stderr: cfg.Options.Bool(OptStandardError), n: len(cfg.Schema.Columns)}
	if id := cfg.Options.Get(OptIdentifier); id != "" {
		s.prefix = id + "> "
	}
	return s
}

func (s *Sink) out() io.Writer {
	if s.stderr {
		return Stderr
	}
	return Stdout
}

// Open implements runtime.Sink.
func (s *Sink) Open(context.Context, *runtime.OpContext, []byte) error { return nil }

// Write implements runtime.Sink: one write per batch.
func (s *Sink) Write(_ context.Context, b *runtime.Batch) error {
	s.buf = s.buf[:0]
	for _, row := range b.Rows {
		s.buf = append(s.buf, s.prefix...)
		s.buf = append(s.buf, "+I["...)
		for i, v := range row[:min(s.n, len(row))] {
			if i > 0 {
				s.buf = append(s.buf, ", "...)
			}
			s.buf = append(s.buf, v.String()...)
		}
		s.buf = append(s.buf, "]\n"...)
	}
	outMu.Lock()
	_, err := s.out().Write(s.buf)
	outMu.Unlock()
	if err != nil {
		return fmt.Errorf("print sink '%s': %w", s.name, err)
	}
	return nil
}

// Flush implements runtime.Sink: a buffered writer is flushed.
func (s *Sink) Flush(context.Context) error {
	outMu.Lock()
	defer outMu.Unlock()
	if f, ok := s.out().(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return fmt.Errorf("print sink '%s': %w", s.name, err)
		}
	}
	return nil
}

// Close implements runtime.Sink.
func (s *Sink) Close() error { return s.Flush(context.Background()) }

var _ runtime.Sink = (*Sink)(nil)
