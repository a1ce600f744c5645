package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/runtime/session"
)

// script is one SQL file, read before anything runs.
type script struct{ name, text string }

// readScripts reads every file first, so that a missing file is reported
// before any job starts.
func readScripts(paths []string) ([]script, error) {
	out := make([]script, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, usageErrorf("cannot read SQL file: %v", err)
		}
		out = append(out, script{name: p, text: string(b)})
	}
	return out, nil
}

// runCommand is `chatsql run FILE.sql ...`.
func runCommand(o *options, log *logger, stdout, stderr io.Writer) int {
	scripts, err := readScripts(o.args)
	if err != nil {
		fmt.Fprintf(stderr, "chatsql run: %s\n", trimUsage(err))
		return exitUsage
	}
	eng, err := openEngine(o, log, o.settings())
	if err != nil {
		fmt.Fprintf(stderr, "chatsql run: %v\n", err)
		return exitRuntime
	}
	return runScripts(eng, scripts, stdout, stderr)
}

// runScripts executes the scripts in order, then waits until every job has
// ended (bounded inputs) or a SIGINT/SIGTERM asks for a graceful stop; a
// second signal during the stop exits at once. It closes eng, except on that
// immediate exit.
func runScripts(eng engine, scripts []script, stdout, stderr io.Writer) int {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	out := &lockedWriter{w: stdout}
	var (
		printers  sync.WaitGroup
		streams   []*session.Stream
		mu        sync.Mutex
		streamErr error
	)
	cancelStreams := func() {
		for _, s := range streams {
			s.Cancel()
		}
	}
	var all []session.Script
	for _, s := range scripts {
		all = append(all, session.Script{Name: s.name, Text: s.text})
	}
	{
		results, err := eng.ExecScripts(ctx, all...)
		if err != nil {
			fmt.Fprint(stderr, diag.FormatError(err))
			cancelStreams()
			if stopErr := eng.StopJobs(ctx); stopErr != nil {
				fmt.Fprintf(stderr, "chatsql: stopping the jobs already started: %v\n", stopErr)
			}
			closeEngine(eng, stderr)
			if diag.IsSQLError(err) {
				return exitUsage
			}
			return exitRuntime
		}
		for _, r := range results {
			if r.Kind != session.ResultStream || r.Stream == nil {
				printResult(out, r)
				continue
			}
			streams = append(streams, r.Stream)
			printers.Add(1)
			go func(st *session.Stream) {
				defer printers.Done()
				if _, err := printStream(out, st, nil); err != nil {
					mu.Lock()
					streamErr = err
					mu.Unlock()
				}
			}(r.Stream)
		}
	}

	done := make(chan error, 1)
	go func() {
		err := eng.WaitJobs(ctx)
		printers.Wait()
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			err = streamErr
		}
		done <- err
	}()

	select {
	case err := <-done:
		if err != nil {
			fmt.Fprintf(stderr, "chatsql: %v\n", err)
			closeEngine(eng, stderr)
			return exitRuntime
		}
		return closeEngine(eng, stderr)
	case sig := <-sigs:
		fmt.Fprintf(stderr, "chatsql: %v: stopping the jobs gracefully (final checkpoint, flushing sinks); press Ctrl-C again to exit at once\n", sig)
		cancelStreams()
		stopped := make(chan error, 1)
		go func() { stopped <- eng.StopJobs(context.Background()) }()
		select {
		case err := <-stopped:
			cancel()
			if err != nil {
				fmt.Fprintf(stderr, "chatsql: graceful stop failed: %v\n", err)
				closeEngine(eng, stderr)
				return exitRuntime
			}
			return closeEngine(eng, stderr)
		case sig := <-sigs:
			fmt.Fprintf(stderr, "chatsql: %v again: exiting without waiting for the jobs\n", sig)
			return exitRuntime
		}
	}
}

// closeEngine closes the session and turns a failure into exit code 1.
func closeEngine(eng engine, stderr io.Writer) int {
	if err := eng.Close(); err != nil {
		fmt.Fprintf(stderr, "chatsql: closing the session: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// trimUsage drops the "usage error: " prefix for display.
func trimUsage(err error) string {
	s := err.Error()
	if p := errUsage.Error() + ": "; len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}
