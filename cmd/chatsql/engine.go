package main

import (
	"context"

	"github.com/chatsql/chatsql/runtime/session"
)

// engine is what the CLI needs from a session. It is an interface so the
// REPL loop and the renderers can be tested with a scripted fake; the real
// one is runtime/session (see session_glue.go).
type engine interface {
	// Exec runs one statement typed in the REPL.
	Exec(ctx context.Context, name, text string) (session.Result, error)
	// ExecScript parses and plans every statement of a file, then executes
	// them in order; a SQL error means nothing was started.
	ExecScript(ctx context.Context, name, text string) ([]session.Result, error)
	// ExecScripts is ExecScript over several files taken as one: nothing
	// starts unless every statement of every file plans.
	ExecScripts(ctx context.Context, scripts ...session.Script) ([]session.Result, error)
	// WaitJobs returns when every job has ended or ctx is done.
	WaitJobs(ctx context.Context) error
	// StopJobs stops the jobs gracefully: final checkpoint, flushed sinks.
	StopJobs(ctx context.Context) error
	// Completions lists keywords, object and column names.
	Completions() []string
	Close() error
}

// engineConfig is what the flags decide about a session.
type engineConfig struct {
	DataDir  string
	Settings map[string]string
	Logf     func(format string, args ...any)
}

// newEngine opens a session; replaced in tests.
var newEngine = openSession
