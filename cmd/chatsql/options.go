package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/session"
)

// Exit codes of PRODUCT.md: outside tests check them.
const (
	exitOK      = 0
	exitRuntime = 1 // a job or the broker failed
	exitUsage   = 2 // bad SQL or bad command line
)

// Commands; "" is the REPL.
const (
	cmdREPL       = ""
	cmdRun        = "run"
	cmdPlayground = "playground"
	cmdQuery      = "query"
)

var commands = []string{cmdRun, cmdPlayground, cmdQuery}

// errUsage marks a bad command line (exit 2, usage printed).
var errUsage = errors.New("usage error")

// usageErrorf makes an error that wraps errUsage.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// errHelp asks for the usage text on stdout and exit 0.
var errHelp = errors.New("help requested")

// options is the parsed command line.
type options struct {
	command string
	args    []string // positional arguments after the command

	kafkaBrokers       string
	apiKey             string
	translationModel   string
	llmBaseURL         string
	dataDir            string
	metricsAddr        string
	checkpointInterval time.Duration
	logLevel           string
	version            bool

	generate float64 // playground: messages/s fed to websocket_fanout
	format   string  // query: table|csv|json

	sets setFlag // --set KEY=VALUE / -D KEY=VALUE: any setting, in order

	given       map[string]bool   // flags set explicitly
	setSettings map[string]string // --set, checked, keys as the session spells them
}

const usageText = `chatsql — SQL-first streaming engine

Usage:
  chatsql [flags]                      interactive SQL shell (REPL)
  chatsql run [flags] FILE.sql ...     run the statements; wait for the jobs
  chatsql playground [flags] [FILE.sql]
                                       embedded Kafka broker on localhost:19092,
                                       optional synthetic chat traffic, then
                                       the REPL or FILE.sql
  chatsql query [--format table|csv|json] "SQL"
                                       ad-hoc query over Iceberg history

Flags (before or after the command):
  --kafka-brokers HOSTS        Kafka bootstrap servers (default localhost:19092)
  --api-key KEY                LLM API key (default $OPENAI_API_KEY)
  --translation-model NAME     translation model (default gpt-4o-mini)
  --llm-base-url URL           OpenAI-compatible base URL (default $OPENAI_BASE_URL, else OpenAI)
  --data-dir DIR               checkpoints, catalog and warehouse (default ./chatsql-data)
  --metrics-addr HOST:PORT     serve Prometheus /metrics and /healthz
  --checkpoint-interval DUR    checkpoint interval (default 10s)
  --log-level info|debug       log verbosity (default info)
  --generate RATE              playground: synthetic chat messages per second into websocket_fanout
  --format table|csv|json      query: output format (default table)
  --set KEY=VALUE              any SQL setting, repeatable (also -D KEY=VALUE), e.g.
                               --set catalog.lake.uri=postgres://host/db
                               --set catalog.lake.warehouse=s3://bucket/wh
  --version                    print the version and exit

Exit codes: 0 success, 1 runtime failure, 2 bad SQL or bad usage.
`

// commandOnly says which flags belong to one command only.
var commandOnly = map[string]string{"generate": cmdPlayground, "format": cmdQuery}

// parseArgs parses the command line. Flags may come before or after the
// command and between file names; "--" ends the flags.
func parseArgs(args []string, getenv func(string) string) (*options, error) {
	o := &options{given: map[string]bool{}}
	fs := flag.NewFlagSet("chatsql", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // we print our own usage
	fs.StringVar(&o.kafkaBrokers, "kafka-brokers", "localhost:19092", "")
	fs.StringVar(&o.apiKey, "api-key", getenv("OPENAI_API_KEY"), "")
	fs.StringVar(&o.translationModel, "translation-model", "gpt-4o-mini", "")
	fs.StringVar(&o.llmBaseURL, "llm-base-url", getenv("OPENAI_BASE_URL"), "")
	fs.StringVar(&o.dataDir, "data-dir", "./chatsql-data", "")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "")
	fs.DurationVar(&o.checkpointInterval, "checkpoint-interval", 10*time.Second, "")
	fs.StringVar(&o.logLevel, "log-level", "info", "")
	fs.BoolVar(&o.version, "version", false, "")
	fs.Float64Var(&o.generate, "generate", 0, "")
	fs.StringVar(&o.format, "format", "table", "")
	fs.Var(&o.sets, "set", "")
	fs.Var(&o.sets, "D", "") // Flink's spelling: -D key=value, -Dkey=value
	args = splitDashD(args)

	var tail []string // everything after "--" is positional
	for i, a := range args {
		if a == "--" {
			args, tail = args[:i], args[i+1:]
			break
		}
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageErrorf("%s", strings.TrimPrefix(err.Error(), "flag provided but not defined: "))
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	positional = append(positional, tail...)
	fs.Visit(func(f *flag.Flag) { o.given[f.Name] = true })

	if o.version {
		return o, nil
	}
	if len(positional) > 0 {
		o.command, o.args = positional[0], positional[1:]
	}
	return o, o.validate()
}

func (o *options) validate() error {
	switch o.command {
	case cmdREPL:
	case cmdRun:
		if len(o.args) == 0 {
			return usageErrorf("run needs at least one FILE.sql")
		}
	case cmdPlayground:
		if len(o.args) > 1 {
			return usageErrorf("playground takes at most one FILE.sql, got %d", len(o.args))
		}
	case cmdQuery:
		if len(o.args) != 1 {
			return usageErrorf(`query takes one SQL argument (quote it: chatsql query "SELECT ...")`)
		}
	default:
		msg := fmt.Sprintf("unknown command %q", o.command)
		if c := connectors.Closest(o.command, commands); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		return usageErrorf("%s", msg)
	}
	for name, cmd := range commandOnly {
		if o.given[name] && o.command != cmd {
			return usageErrorf("--%s is a flag of %q only", name, "chatsql "+cmd)
		}
	}
	switch o.format {
	case "table", "csv", "json":
	default:
		return usageErrorf("--format must be table, csv or json, not %q", o.format)
	}
	switch o.logLevel {
	case "info", "debug":
	default:
		return usageErrorf("--log-level must be info or debug, not %q", o.logLevel)
	}
	if o.generate < 0 {
		return usageErrorf("--generate must be a rate >= 0 messages/s, not %v", o.generate)
	}
	if o.checkpointInterval <= 0 {
		return usageErrorf("--checkpoint-interval must be positive, not %v", o.checkpointInterval)
	}
	if strings.TrimSpace(o.kafkaBrokers) == "" {
		return usageErrorf("--kafka-brokers must not be empty")
	}
	return o.checkSets()
}

// setFlag collects --set KEY=VALUE.
type setFlag []string

func (f *setFlag) String() string { return strings.Join(*f, " ") }

func (f *setFlag) Set(v string) error {
	k, _, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("--set wants KEY=VALUE, not %q", v)
	}
	*f = append(*f, v)
	return nil
}

// splitDashD turns Flink's -Dkey=value into -D key=value (Go's flag
// package wants the value apart). Arguments after "--" are left alone.
func splitDashD(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if strings.HasPrefix(a, "-D") && len(a) > 2 && a[2] != '=' {
			out = append(out, "-D", a[2:])
			continue
		}
		out = append(out, a)
	}
	return out
}

// flagSettings are the settings the flags give (settings() without --set).
var flagSettings = map[string]string{
	"kafka-brokers": "kafka.brokers", "translation-model": "translation.modelName",
	"checkpoint-interval": "execution.checkpointing.interval", "api-key": "translation.api-key",
	"llm-base-url": "translation.base-url",
}

// checkSets validates the --set settings: known keys (or a near miss's
// "did you mean"), the catalogs catalog.* settings define (complete, with
// options and values CREATE CATALOG would take), no clash with a flag.
func (o *options) checkSets() error {
	if len(o.sets) == 0 {
		return nil
	}
	canon, err := session.CheckSettings(o.dataDir, o.setMap())
	if err != nil {
		return usageErrorf("--set: %v", err)
	}
	for flagName, key := range flagSettings {
		if v, ok := canon[key]; ok && o.given[flagName] {
			return usageErrorf("--%s and --set %s=%s both given; give one", flagName, key, v)
		}
	}
	o.setSettings = canon
	return nil
}

// setMap is --set as a map; a later KEY wins.
func (o *options) setMap() map[string]string {
	m := map[string]string{}
	for _, kv := range o.sets {
		k, v, _ := strings.Cut(kv, "=")
		m[strings.TrimSpace(k)] = v
	}
	return m
}

// settings maps the flags onto the session's SQL settings (every flag is also
// a SET-table setting, PRODUCT.md).
func (o *options) settings() map[string]string {
	s := map[string]string{
		"kafka.brokers":                    o.kafkaBrokers,
		"translation.modelName":            o.translationModel,
		"execution.checkpointing.interval": formatDuration(o.checkpointInterval),
	}
	if o.apiKey != "" {
		s["translation.api-key"] = o.apiKey
	}
	if o.llmBaseURL != "" {
		s["translation.base-url"] = o.llmBaseURL
	}
	for k, v := range o.setSettings {
		s[k] = v
	}
	return s
}

// formatDuration renders d the way both Go and Flink read it ("10s",
// "1500ms"), unlike time.Duration.String's "1m0s".
func formatDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	if d%time.Millisecond == 0 {
		return fmt.Sprintf("%dms", d/time.Millisecond)
	}
	return d.String()
}

// printUsage writes the usage text; used for --help (stdout) and usage
// errors (stderr).
func printUsage(w io.Writer) { fmt.Fprint(w, usageText) }

// envOr is os.Getenv, replaceable in tests.
var getenv = os.Getenv
