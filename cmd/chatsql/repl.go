package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime/session"
	"github.com/chzyer/readline"
)

const (
	promptFirst = "chatsql> "
	promptMore  = "     -> "
)

const replHelp = `Statements end with ';' and may span lines.
  SET 'key' = 'value';  RESET 'key';     settings (kafka.brokers, translation.modelName, ...)
  SHOW SOURCES | TABLES | SINKS | VIEWS | FUNCTIONS | JOBS;
  DESCRIBE name;                         columns of a source, table, sink or view
  EXPLAIN SELECT ... | CREATE SINK ...;  the physical plan
  CREATE SOURCE name (...) WITH (...);   a stream, e.g. over Kafka, a file or datagen
  CREATE TABLE name (...) WITH (...);    a table; INSERT INTO name SELECT ... starts a job
  CREATE VIEW name AS SELECT ...;
  CREATE SINK name WITH (...) AS SELECT ...;   starts a job
  DROP SOURCE | TABLE | SINK | VIEW name;
  SELECT ...;                            streams rows until it ends or Ctrl-C cancels it
Commands:
  \help, \?      this help
  \i FILE        run the statements of FILE
  \q             quit (running jobs stop gracefully); Ctrl-D does the same
Keys: Tab completes keywords, names and columns; Ctrl-C cancels the running
query or clears the line; the history is kept in ~/.chatsql_history
($CHATSQL_HISTORY).
`

// lineReader is the REPL's input: readline on a terminal, plain lines
// otherwise (piped input).
type lineReader interface {
	// Readline returns a line without its newline; io.EOF at the end (Ctrl-D)
	// and readline.ErrInterrupt on Ctrl-C.
	Readline() (string, error)
	SetPrompt(p string)
	// SaveHistory records a whole statement as one history entry.
	SaveHistory(entry string)
	Close() error
}

// repl is the interactive shell's state.
type repl struct {
	eng       engine
	in        lineReader
	out, errw io.Writer
	// interrupt delivers SIGINT while a query runs (the terminal is out of
	// raw mode then, so Ctrl-C is a signal rather than a key).
	interrupt <-chan os.Signal
}

// replCommand is `chatsql` with no command (and the end of `playground`).
// prepare, if set, runs on the session before the first prompt.
func replCommand(o *options, log *logger, stdin *os.File, stdout, stderr io.Writer, prepare func(engine) error) int {
	return replWithSettings(o, o.settings(), log, stdin, stdout, stderr, prepare)
}

func replWithSettings(o *options, settings map[string]string, log *logger, stdin *os.File, stdout, stderr io.Writer, prepare func(engine) error) int {
	in, out, errw, err := newLineReader(stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "chatsql: %v\n", err)
		return exitRuntime
	}
	defer in.Close()
	log.setWriter(errw)
	defer log.setWriter(stderr)

	eng, err := openEngine(o, log, settings)
	if err != nil {
		fmt.Fprintf(stderr, "chatsql: %v\n", err)
		return exitRuntime
	}
	if prepare != nil {
		if err := prepare(eng); err != nil {
			fmt.Fprint(errw, diag.FormatError(err))
		}
	}
	if rl, ok := in.(*readlineReader); ok {
		rl.completer.eng = eng
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	defer signal.Stop(term)
	go func() {
		// readline blocks in a read; SIGTERM still has to stop the jobs
		// gracefully, so it ends the process from here.
		if _, ok := <-term; ok {
			in.Close()
			code := stopAndClose(eng, errw)
			os.Exit(code)
		}
	}()

	r := &repl{eng: eng, in: in, out: out, errw: errw, interrupt: sigs}
	r.loop(context.Background())
	signal.Stop(term)
	return stopAndClose(eng, errw)
}

// stopAndClose stops the jobs gracefully and closes the session.
func stopAndClose(eng engine, errw io.Writer) int {
	code := exitOK
	if err := eng.StopJobs(context.Background()); err != nil {
		fmt.Fprintf(errw, "chatsql: stopping jobs: %v\n", err)
		code = exitRuntime
	}
	if c := closeEngine(eng, errw); c != exitOK {
		code = c
	}
	return code
}

// loop reads statements until \q or end of input.
func (r *repl) loop(ctx context.Context) {
	var buf strings.Builder
	for {
		if buf.Len() == 0 {
			r.in.SetPrompt(promptFirst)
		} else {
			r.in.SetPrompt(promptMore)
		}
		line, err := r.in.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			buf.Reset() // Ctrl-C at the prompt drops what was typed
			continue
		case err != nil: // io.EOF: Ctrl-D
			return
		}
		if buf.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), `\`) {
			r.in.SaveHistory(strings.TrimSpace(line))
			if quit := r.command(ctx, strings.TrimSpace(line)); quit {
				return
			}
			continue
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		text := buf.String()
		stmts := parser.SplitStatements(text)
		if len(stmts) == 0 && !parser.Complete(text) {
			buf.Reset() // only blanks and comments
			continue
		}
		if !parser.Complete(text) {
			continue
		}
		buf.Reset()
		r.in.SaveHistory(strings.Join(strings.Fields(text), " "))
		for _, stmt := range stmts {
			r.exec(ctx, stmt)
		}
	}
}

// command runs a backslash command; it returns true for \q.
func (r *repl) command(ctx context.Context, line string) (quit bool) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case `\q`, `\quit`:
		return true
	case `\help`, `\?`, `\h`:
		fmt.Fprint(r.out, replHelp)
	case `\i`, `\include`:
		if arg == "" {
			fmt.Fprintln(r.errw, `\i needs a file name: \i FILE.sql`)
			return false
		}
		r.include(ctx, arg)
	default:
		fmt.Fprintf(r.errw, "unknown command %s; \\help lists the commands\n", name)
	}
	return false
}

// include runs a file's statements (\i).
func (r *repl) include(ctx context.Context, path string) {
	b, err := os.ReadFile(expandHome(path))
	if err != nil {
		fmt.Fprintf(r.errw, "\\i: %v\n", err)
		return
	}
	r.drainInterrupts()
	results, err := r.eng.ExecScript(ctx, path, string(b))
	if err != nil {
		fmt.Fprint(r.errw, diag.FormatError(err))
		return
	}
	for _, res := range results {
		r.show(res)
	}
}

// exec runs one statement and shows its result.
func (r *repl) exec(ctx context.Context, stmt string) {
	r.drainInterrupts()
	res, err := r.eng.Exec(ctx, "<repl>", stmt)
	if err != nil {
		fmt.Fprint(r.errw, diag.FormatError(err))
		return
	}
	r.show(res)
}

func (r *repl) show(res session.Result) {
	if res.Kind == session.ResultStream && res.Stream != nil {
		if _, err := printStream(r.out, res.Stream, r.interrupt); err != nil {
			fmt.Fprint(r.errw, diag.FormatError(err))
		}
		return
	}
	printResult(r.out, res)
}

// drainInterrupts forgets a Ctrl-C pressed while nothing was running, so it
// does not cancel the next query.
func (r *repl) drainInterrupts() {
	for {
		select {
		case <-r.interrupt:
		default:
			return
		}
	}
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// historyFile is $CHATSQL_HISTORY, else ~/.chatsql_history ("" = none).
func historyFile() string {
	if f := getenv("CHATSQL_HISTORY"); f != "" {
		return f
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".chatsql_history")
}

// newLineReader picks readline for a terminal and plain line reading for
// piped input. It returns the writers to use for output: readline's, which
// keep the prompt intact when something prints.
func newLineReader(stdin *os.File, stdout, stderr io.Writer) (lineReader, io.Writer, io.Writer, error) {
	if stdin == nil || !readline.IsTerminal(int(stdin.Fd())) {
		var r io.Reader = os.Stdin
		if stdin != nil {
			r = stdin
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 16<<20) // a statement line may be long
		return &plainReader{sc: sc}, stdout, stderr, nil
	}
	c := &completer{}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 promptFirst,
		HistoryFile:            historyFile(),
		DisableAutoSaveHistory: true,
		AutoComplete:           c,
		InterruptPrompt:        "^C",
		EOFPrompt:              `\q`,
		Stdout:                 stdout,
		Stderr:                 stderr,
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("starting the line editor: %w", err)
	}
	return &readlineReader{Instance: rl, completer: c}, rl.Stdout(), rl.Stderr(), nil
}

// readlineReader adapts *readline.Instance.
type readlineReader struct {
	*readline.Instance
	completer *completer
}

func (r *readlineReader) SaveHistory(entry string) { _ = r.Instance.SaveHistory(entry) }

// plainReader reads lines from a pipe; it prints no prompt.
type plainReader struct{ sc *bufio.Scanner }

func (p *plainReader) Readline() (string, error) {
	if p.sc.Scan() {
		return p.sc.Text(), nil
	}
	if err := p.sc.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}
func (p *plainReader) SetPrompt(string)   {}
func (p *plainReader) SaveHistory(string) {}
func (p *plainReader) Close() error       { return nil }
