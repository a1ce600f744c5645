// Command chatsql is the shell of the chatsql streaming engine: the REPL,
// `run` for SQL files, `playground` with an embedded Kafka broker and
// synthetic chat traffic, and `query` for ad-hoc history queries. It is a thin
// layer over runtime/session; the commands, flags and exit codes are the
// contract of PRODUCT.md and are checked by outside tests.
package main

import (
	"errors"
	"fmt"
	chatruntime "github.com/chatsql/chatsql/runtime"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

func main() {
	chatruntime.ApplyGCDefaults()
	os.Exit(cli(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// cli runs one command line and returns the exit code.
func cli(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, getenv)
	switch {
	case errors.Is(err, errHelp):
		printUsage(stdout)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "chatsql: %s\n\n", trimUsage(err))
		printUsage(stderr)
		return exitUsage
	}
	if o.version {
		fmt.Fprintln(stdout, "chatsql", version())
		return exitOK
	}
	if o.command == cmdQuery {
		return queryCommand(o, stdout, stderr)
	}

	log := &logger{w: stderr, debug: o.logLevel == "debug"}
	stopMetrics, err := startMetrics(o.metricsAddr)
	if err != nil {
		fmt.Fprintf(stderr, "chatsql: %v\n", err)
		return exitRuntime
	}
	defer stopMetrics()
	if o.metricsAddr != "" {
		log.Debugf("serving Prometheus metrics on http://%s/metrics", o.metricsAddr)
	}

	switch o.command {
	case cmdRun:
		return runCommand(o, log, stdout, stderr)
	case cmdPlayground:
		return playgroundCommand(o, log, stdin, stdout, stderr)
	default:
		return replCommand(o, log, stdin, stdout, stderr, nil)
	}
}

// logger writes the session's log lines to stderr; the REPL points it at
// readline's writer so a log line does not break the prompt.
type logger struct {
	mu    sync.Mutex
	w     io.Writer
	debug bool
}

func (l *logger) Logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s chatsql: %s\n", time.Now().Format("15:04:05"), strings.TrimRight(msg, "\n"))
}

// Debugf logs only with --log-level debug.
func (l *logger) Debugf(format string, args ...any) {
	if l.debug {
		l.Logf(format, args...)
	}
}

func (l *logger) setWriter(w io.Writer) {
	l.mu.Lock()
	l.w = w
	l.mu.Unlock()
}

// openEngine opens the session with the settings the flags give.
func openEngine(o *options, log *logger, settings map[string]string) (engine, error) {
	return newEngine(engineConfig{DataDir: o.dataDir, Settings: settings, Logf: log.Logf})
}

// buildVersion is set with -ldflags "-X main.buildVersion=v1.2.3".
var buildVersion = ""

// version is the release version, else the module version and VCS revision
// recorded by the Go toolchain.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	v := "(devel)"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if info.Main.Version != "" {
		v = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
