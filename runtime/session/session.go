package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chatsql/chatsql/connectors/iceberg"
	"github.com/chatsql/chatsql/planner"
	"github.com/chatsql/chatsql/planner/diag"
	"github.com/chatsql/chatsql/planner/parser"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/exec"
	"github.com/chatsql/chatsql/runtime/types"
	"github.com/chatsql/chatsql/udf"
)

// Config opens a session.
type Config struct {
	DataDir  string            // --data-dir: checkpoints live in DataDir/checkpoints/<job name>
	Settings map[string]string // initial settings (from flags), over the defaults
	Logf     func(format string, args ...any)
	// Functions is the function registry (nil: udf.Default); tests and
	// benchmarks pass a clone with fakes instead of changing the default.
	Functions *udf.Registry
}

// Session is one user's catalog, settings and jobs. Its methods are safe
// for concurrent use, though a shell calls them from one goroutine.
type Session struct {
	cfg Config

	mu       sync.Mutex
	catalog  *planner.Catalog
	settings map[string]string
	jobs     []*jobEntry
	closed   bool
	lake     *iceberg.Catalogs // Iceberg catalogs: 'lake' in DataDir, CREATE CATALOG's

	// ctx outlives statements: jobs run under it until stopped.
	ctx    context.Context
	cancel context.CancelFunc
}

type jobEntry struct {
	job    *exec.Job
	sink   string // the sink or table it writes ("" for a SELECT)
	stream bool
}

// New opens a session.
func New(cfg Config) (*Session, error) {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "./chatsql-data"
	}
	if cfg.Functions == nil {
		cfg.Functions = udf.Default
	}
	s := &Session{cfg: cfg, catalog: planner.NewCatalog(), settings: defaultSettings(), lake: iceberg.NewCatalogs(cfg.DataDir)}
	for k, v := range cfg.Settings {
		if v == "" {
			continue
		}
		ck, _, err := canonicalKey(k)
		if err != nil {
			return nil, fmt.Errorf("setting '%s': %w", k, err)
		}
		s.settings[ck] = v
	}
	if err := s.lake.ApplySettings(s.settings); err != nil { // catalog.<name>.<option> (settings.go)
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Setting returns a setting's current value.
func (s *Session) Setting(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings[key]
}

// Exec parses and executes the statements of text (usually one, typed in
// the shell) and returns the last statement's result.
func (s *Session) Exec(ctx context.Context, name, text string) (Result, error) {
	if r, ok, err := s.execAdhoc(ctx, name, text); ok { // a SELECT on an Iceberg table: DuckDB (adhoc.go)
		return r, err
	}
	rs, err := s.ExecScript(ctx, name, text)
	if err != nil {
		return Result{}, err
	}
	if len(rs) == 0 {
		return Result{Kind: ResultMessage, Message: ""}, nil
	}
	return rs[len(rs)-1], nil
}

// ExecScript parses every statement of text and plans them all (against a
// copy of the catalog and settings, statement by statement, so later
// statements see earlier ones); only when everything planned does it
// execute them in order. A SQL error therefore starts nothing; it is a
// diag.List (exit code 2 for the CLI).
func (s *Session) ExecScript(ctx context.Context, name, text string) ([]Result, error) {
	return s.ExecScripts(ctx, Script{Name: name, Text: text})
}

// Script is one named SQL text (a file).
type Script struct{ Name, Text string }

// ExecScripts is ExecScript over several files taken as one: every
// statement of every file is parsed and planned before the first one runs.
func (s *Session) ExecScripts(ctx context.Context, scripts ...Script) ([]Result, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errors.New("session is closed")
	}
	st := &state{catalog: s.catalog.Clone(), settings: cloneMap(s.settings), lake: s.lake.Clone()}
	s.mu.Unlock()

	// parse everything first: with a syntax error anywhere, report the
	// syntax errors alone (planning the rest would only add errors that
	// follow from them, e.g. a source that failed to parse being unknown)
	type parsed struct {
		src    *diag.Source
		script *parser.Script
	}
	var files []parsed
	var errs diag.List
	for _, sc := range scripts {
		src := diag.NewSource(sc.Name, sc.Text)
		script, err := parser.ParseScript(src)
		if err != nil {
			errs = append(errs, asList(err)...)
			continue
		}
		files = append(files, parsed{src, script})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var actions []action
	for _, f := range files {
		for _, stmt := range f.script.Statements {
			a, err := s.prepare(st, f.src, stmt)
			if err != nil {
				if diag.IsSQLError(err) {
					errs = append(errs, asList(err)...)
					if name := definedName(stmt); name != "" {
						st.catalog.MarkFailed(name)
					}
					continue
				}
				return nil, err
			}
			actions = append(actions, a)
		}
	}
	if len(errs) > 0 {
		return nil, errs.WithoutConsequences()
	}
	var out []Result
	for _, a := range actions {
		r, err := a(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// state is the catalog and settings as they will be after the statements
// prepared so far.
type state struct {
	catalog  *planner.Catalog
	settings map[string]string
	lake     *iceberg.Catalogs // definitions only, never opened
}

type action func(ctx context.Context) (Result, error)

func msg(format string, args ...any) action {
	m := fmt.Sprintf(format, args...)
	return func(context.Context) (Result, error) { return Result{Kind: ResultMessage, Message: m}, nil }
}

func (s *Session) prepare(st *state, src *diag.Source, stmt parser.Statement) (action, error) {
	p := planner.New(st.catalog, st.settings)
	p.Functions = s.cfg.Functions
	p.Lake = lakeView{s: s, st: st}
	start, _ := stmt.Span()
	switch x := stmt.(type) {
	case *parser.SetStmt:
		if x.Key == "" {
			return s.tableAction(settingsTable(st.settings)), nil
		}
		key, hint, err := canonicalKey(x.Key)
		if err != nil {
			return nil, diag.Errorf(src, x.KeyPos, diag.UnknownName, "%v", err).WithHint("did you mean '%s'?", hint)
		}
		if err := st.lake.ApplySettings(withSetting(st.settings, key, x.Value)); err != nil { // catalog.* (settings.go)
			return nil, diag.Errorf(src, x.KeyPos, diag.Option, "%v", err)
		}
		st.settings[key] = x.Value
		return func(context.Context) (Result, error) {
			s.mu.Lock()
			s.settings[key] = x.Value
			err := s.lake.ApplySettings(s.settings)
			s.mu.Unlock()
			if err != nil {
				return Result{}, err
			}
			return Result{Kind: ResultMessage, Message: fmt.Sprintf("Setting '%s' set.", key) + catalogNote(s.lake, key)}, nil
		}, nil
	case *parser.ResetStmt:
		key := ""
		if x.Key != "" {
			k, hint, err := canonicalKey(x.Key)
			if err != nil {
				return nil, diag.Errorf(src, x.KeyPos, diag.UnknownName, "%v", err).WithHint("did you mean '%s'?", hint)
			}
			key = k
		}
		apply := func(m map[string]string) {
			defs := defaultSettings()
			if key == "" {
				for k := range m {
					delete(m, k)
				}
				for k, v := range defs {
					m[k] = v
				}
				for k, v := range s.cfg.Settings {
					if ck, _, err := canonicalKey(k); err == nil && v != "" {
						m[ck] = v
					}
				}
				return
			}
			delete(m, key)
			if v, ok := defs[key]; ok {
				m[key] = v
			}
			for k, v := range s.cfg.Settings {
				if ck, _, err := canonicalKey(k); err == nil && ck == key && v != "" {
					m[key] = v
				}
			}
		}
		if _, _, ok, _ := iceberg.ParseSetting(key); ok { // RESET 'catalog.<name>[.<option>]' (settings.go)
			apply = func(m map[string]string) { resetCatalogSettings(m, key, s.cfg.Settings) }
		}
		apply(st.settings)
		if err := st.lake.ApplySettings(st.settings); err != nil {
			return nil, diag.Errorf(src, x.KeyPos, diag.Option, "%v", err)
		}
		return func(context.Context) (Result, error) {
			s.mu.Lock()
			apply(s.settings)
			err := s.lake.ApplySettings(s.settings)
			s.mu.Unlock()
			if err != nil {
				return Result{}, err
			}
			if key == "" {
				return Result{Kind: ResultMessage, Message: "All settings reset."}, nil
			}
			return Result{Kind: ResultMessage, Message: fmt.Sprintf("Setting '%s' reset.", key)}, nil
		}, nil
	case *parser.ShowStmt:
		return s.show(st, src, x)
	case *parser.DescribeStmt:
		if x.Job {
			id := x.Name.String()
			return func(context.Context) (Result, error) {
				j := s.findJob(id)
				if j == nil {
					return Result{}, diag.Errorf(src, x.Name.Pos, diag.UnknownName, "no job '%s'", id).WithHint("SHOW JOBS lists them")
				}
				return Result{Kind: ResultText, Text: describeJob(j.job.Status())}, nil
			}, nil
		}
		obj, ok := st.catalog.Lookup(x.Name.String())
		if !ok {
			return nil, unknownObject(src, x.Name, st.catalog)
		}
		cols, rows := planner.Describe(obj)
		return s.tableAction(cols, rows), nil
	case *parser.ExplainStmt:
		var job *planner.Job
		var err error
		switch in := x.Stmt.(type) {
		case *parser.QueryStmt:
			job, err = p.PlanSelect(in.Query)
		case *parser.CreateSinkStmt:
			_, job, err = p.PlanSink(in, src)
		case *parser.InsertStmt:
			job, err = p.PlanInsert(in, src)
		default:
			return nil, diag.Errorf(src, start, diag.Unsupported, "EXPLAIN takes a SELECT, CREATE SINK or INSERT INTO")
		}
		if err != nil {
			return nil, err
		}
		text := planner.Explain(job.Graph)
		return func(context.Context) (Result, error) { return Result{Kind: ResultText, Text: text}, nil }, nil
	case *parser.CreateRelationStmt:
		rel, err := p.BindRelation(x, src)
		if err != nil {
			return nil, err
		}
		if err := checkNew(st.catalog, src, x.Name, x.IfNotExists, x.OrReplace); err != nil {
			if err == errExists {
				return msg("%s '%s' already exists, not replaced.", capital(rel.Kind.String()), rel.Name), nil
			}
			return nil, err
		}
		st.catalog.Put(rel.Name, rel)
		return func(context.Context) (Result, error) {
			s.mu.Lock()
			s.catalog.Put(rel.Name, rel)
			s.mu.Unlock()
			return Result{Kind: ResultMessage, Message: fmt.Sprintf("%s '%s' created.", capital(rel.Kind.String()), rel.Name)}, nil
		}, nil
	case *parser.CreateViewStmt:
		l, err := p.BindQuery(x.Query)
		if err != nil {
			return nil, err
		}
		v := &planner.View{Name: x.Name.String(), Query: x.Query, Schema: l.Schema(), DDL: src.Text[x.Start:x.End]}
		for _, c := range x.Columns {
			v.Columns = append(v.Columns, c.String())
		}
		if len(v.Columns) > 0 {
			if len(v.Columns) != len(v.Schema.Columns) {
				return nil, diag.Errorf(src, x.Name.Pos, diag.Semantic, "view '%s' names %d columns but its query has %d", v.Name, len(v.Columns), len(v.Schema.Columns))
			}
			for i := range v.Columns {
				v.Schema.Columns[i].Name = v.Columns[i]
			}
		}
		if err := checkNew(st.catalog, src, x.Name, x.IfNotExists, x.OrReplace); err != nil {
			if err == errExists {
				return msg("View '%s' already exists, not replaced.", v.Name), nil
			}
			return nil, err
		}
		st.catalog.Put(v.Name, v)
		return func(context.Context) (Result, error) {
			s.mu.Lock()
			s.catalog.Put(v.Name, v)
			s.mu.Unlock()
			return Result{Kind: ResultMessage, Message: fmt.Sprintf("View '%s' created.", v.Name)}, nil
		}, nil
	case *parser.CreateSinkStmt:
		if err := checkNew(st.catalog, src, x.Name, x.IfNotExists, false); err != nil {
			if err == errExists {
				return msg("Sink '%s' already exists, not replaced.", x.Name.String()), nil
			}
			return nil, err
		}
		def, job, err := p.PlanSink(x, src)
		if err != nil {
			return nil, err
		}
		st.catalog.Put(def.Name, def)
		settings := cloneMap(st.settings)
		return func(ctx context.Context) (Result, error) {
			s.mu.Lock()
			s.catalog.Put(def.Name, def)
			s.mu.Unlock()
			return s.startJob(job, def.Name, settings)
		}, nil
	case *parser.InsertStmt:
		job, err := p.PlanInsert(x, src)
		if err != nil {
			return nil, err
		}
		settings := cloneMap(st.settings)
		return func(ctx context.Context) (Result, error) { return s.startJob(job, x.Table.String(), settings) }, nil
	case *parser.QueryStmt:
		job, err := p.PlanSelect(x.Query)
		if err != nil {
			return nil, err
		}
		settings := cloneMap(st.settings)
		return func(ctx context.Context) (Result, error) { return s.startStream(job, settings) }, nil
	case *parser.DropStmt:
		return s.drop(st, src, x)
	case *parser.StopJobStmt:
		return func(ctx context.Context) (Result, error) {
			j := s.findJob(x.JobID)
			if j == nil {
				return Result{}, diag.Errorf(src, x.Pos, diag.UnknownName, "no job '%s'", x.JobID).WithHint("SHOW JOBS lists them")
			}
			if err := j.job.Stop(ctx); err != nil {
				return Result{}, err
			}
			return Result{Kind: ResultMessage, Message: fmt.Sprintf("Job %s (%s) stopped.", j.job.ID(), j.job.Name())}, nil
		}, nil
	case *parser.CreateCatalogStmt:
		return s.createCatalog(st, src, x)
	case *parser.AlterTableStmt:
		return s.alterTable(st, src, x)
	case *parser.CallStmt:
		return s.callProcedure(st, src, x)
	}
	return nil, diag.Errorf(src, start, diag.Unsupported, "statement %T is not supported", stmt)
}

var errExists = errors.New("exists")

// definedName is the name a CREATE statement defines, "" for others.
func definedName(stmt parser.Statement) string {
	switch x := stmt.(type) {
	case *parser.CreateRelationStmt:
		return x.Name.String()
	case *parser.CreateViewStmt:
		return x.Name.String()
	case *parser.CreateSinkStmt:
		return x.Name.String()
	}
	return ""
}

func checkNew(cat *planner.Catalog, src *diag.Source, name parser.Ident, ifNotExists, orReplace bool) error {
	if len(name.Parts) > 1 {
		return diag.Errorf(src, name.Pos, diag.Unsupported, "qualified name '%s': catalogs come with the lakehouse in a later release", name.String())
	}
	if old, ok := cat.Lookup(name.String()); ok {
		switch {
		case ifNotExists:
			return errExists
		case orReplace && planner.KindOf(old) != planner.KindSink:
			return nil
		}
		return diag.Errorf(src, name.Pos, diag.Semantic, "%s '%s' already exists", planner.KindOf(old), planner.NameOf(old)).
			WithHint("DROP it first, or use IF NOT EXISTS")
	}
	return nil
}

func unknownObject(src *diag.Source, name parser.Ident, cat *planner.Catalog) error {
	e := diag.Errorf(src, name.Pos, diag.UnknownName, "unknown object '%s'", name.String())
	if m := closest(name.String(), cat.Names()); m != "" {
		e.WithHint("did you mean '%s'?", m)
	}
	return e
}

func (s *Session) drop(st *state, src *diag.Source, x *parser.DropStmt) (action, error) {
	if x.What == "CATALOG" {
		return s.dropCatalog(st, src, x)
	}
	name := x.Name.String()
	obj, ok := st.catalog.Lookup(name)
	want := map[string]planner.ObjectKind{"SOURCE": planner.KindSource, "TABLE": planner.KindTable, "SINK": planner.KindSink, "VIEW": planner.KindView}[x.What]
	if !ok || (want != 0 && planner.KindOf(obj) != want) {
		if x.IfExists {
			return msg("%s '%s' does not exist, nothing dropped.", capital(strings.ToLower(x.What)), name), nil
		}
		if ok {
			return nil, diag.Errorf(src, x.Name.Pos, diag.Semantic, "'%s' is a %s, not a %s", name, planner.KindOf(obj), strings.ToLower(x.What)).
				WithHint("DROP %s %s", strings.ToUpper(planner.KindOf(obj).String()), name)
		}
		return nil, unknownObject(src, x.Name, st.catalog)
	}
	st.catalog.Drop(name)
	return func(ctx context.Context) (Result, error) {
		stopped := ""
		if planner.KindOf(obj) == planner.KindSink {
			for _, j := range s.jobList() {
				if strings.EqualFold(j.sink, name) && !ended(j.job) {
					if err := j.job.Stop(ctx); err != nil {
						return Result{}, err
					}
					stopped = fmt.Sprintf(" Its job %s was stopped.", j.job.ID())
				}
			}
		}
		s.mu.Lock()
		s.catalog.Drop(name)
		s.mu.Unlock()
		return Result{Kind: ResultMessage, Message: fmt.Sprintf("%s '%s' dropped.%s", capital(planner.KindOf(obj).String()), planner.NameOf(obj), stopped)}, nil
	}, nil
}

// ---- jobs ----

func newJobID() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (s *Session) startJob(job *planner.Job, sink string, settings map[string]string) (Result, error) {
	id := newJobID()
	name := s.uniqueJobName(job.Name)
	opts := exec.Options{
		JobID: id, Name: name, Settings: settings, Logf: s.cfg.Logf, Functions: s.cfg.Functions,
		CheckpointDir: filepath.Join(s.cfg.DataDir, "checkpoints", safeName(name)),
	}
	if err := os.MkdirAll(opts.CheckpointDir, 0o755); err != nil {
		return Result{}, fmt.Errorf("checkpoint directory: %w", err)
	}
	j, err := exec.Start(s.ctx, job.Graph, opts)
	if err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	s.jobs = append(s.jobs, &jobEntry{job: j, sink: sink})
	s.mu.Unlock()
	return Result{Kind: ResultJob, JobID: id, Message: fmt.Sprintf("Job %s started: writing '%s'.", id, sink)}, nil
}

// uniqueJobName is name unless a running job of this session has it (two
// INSERTs into one table), then name-2, name-3, ...: no two running jobs
// share a checkpoint directory, and a script run again gives each job the
// checkpoints it wrote before (the numbering follows the order of the
// statements). A job started after one of its name ended takes the name
// again and resumes from that job's last checkpoint, as after a restart.
func (s *Session) uniqueJobName(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := map[string]bool{}
	for _, e := range s.jobs {
		select {
		case <-e.job.Done():
		default:
			taken[e.job.Name()] = true
		}
	}
	if !taken[name] {
		return name
	}
	for i := 2; ; i++ {
		if n := fmt.Sprintf("%s-%d", name, i); !taken[n] {
			return n
		}
	}
}

func (s *Session) startStream(job *planner.Job, settings map[string]string) (Result, error) {
	id := newJobID()
	rows := make(chan []types.Row, 16)
	opts := exec.Options{
		JobID: id, Name: "select-" + id, Settings: settings, Logf: s.cfg.Logf, Functions: s.cfg.Functions,
		// a query in the shell takes no checkpoints: it must not commit
		// offsets to the group of a pipeline reading the same source
		CheckpointInterval: -1,
		Collect: func(ctx context.Context, batch []types.Row) error {
			cp := make([]types.Row, len(batch))
			for i, r := range batch {
				cp[i] = append(types.Row(nil), r...)
			}
			select {
			case rows <- cp:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}
	j, err := exec.Start(s.ctx, job.Graph, opts)
	if err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	s.jobs = append(s.jobs, &jobEntry{job: j, stream: true})
	s.mu.Unlock()
	go func() {
		<-j.Done()
		close(rows)
	}()
	names := job.Schema.Names()
	ts := make([]types.Type, len(job.Schema.Columns))
	for i, c := range job.Schema.Columns {
		ts[i] = c.Type
	}
	st := &Stream{Columns: names, Types: ts, Rows: rows, Cancel: j.Cancel,
		Err: func() error {
			err := j.Wait()
			if errors.Is(err, context.Canceled) {
				return nil
			}
			return err
		}}
	return Result{Kind: ResultStream, Columns: names, Stream: st, JobID: id}, nil
}

func ended(j *exec.Job) bool {
	select {
	case <-j.Done():
		return true
	default:
		return false
	}
}

func (s *Session) jobList() []*jobEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*jobEntry(nil), s.jobs...)
}

func (s *Session) findJob(idOrName string) *jobEntry {
	for _, j := range s.jobList() {
		if j.job.ID() == idOrName {
			return j
		}
	}
	var found *jobEntry
	for _, j := range s.jobList() {
		if strings.EqualFold(j.job.Name(), idOrName) && !ended(j.job) {
			found = j
		}
	}
	return found
}

// WaitJobs returns when every job that writes a sink has ended (bounded
// inputs), with the first job failure, or when ctx is done.
func (s *Session) WaitJobs(ctx context.Context) error {
	for _, j := range s.jobList() {
		if j.stream {
			continue
		}
		select {
		case <-j.job.Done():
			if err := j.job.Wait(); err != nil {
				return fmt.Errorf("job %s (%s): %w", j.job.ID(), j.job.Name(), err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// StopJobs stops every running job gracefully (final checkpoint, flushed
// sinks) and waits for them.
func (s *Session) StopJobs(ctx context.Context) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, j := range s.jobList() {
		if ended(j.job) {
			continue
		}
		wg.Add(1)
		go func(j *jobEntry) {
			defer wg.Done()
			var err error
			if j.stream {
				j.job.Cancel()
			} else {
				err = j.job.Stop(ctx)
			}
			if err != nil && !errors.Is(err, context.Canceled) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("job %s (%s): %w", j.job.ID(), j.job.Name(), err))
				mu.Unlock()
			}
		}(j)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close stops the jobs and releases the session.
func (s *Session) Close() error {
	err := s.StopJobs(context.Background())
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	if lerr := s.lake.Close(); lerr != nil && err == nil {
		err = lerr
	}
	return err
}

// JobInfo is a job at a glance.
type JobInfo struct {
	Status exec.JobStatus
	Sink   string
}

// Jobs lists the session's jobs, newest last.
func (s *Session) Jobs() []JobInfo {
	var out []JobInfo
	for _, j := range s.jobList() {
		out = append(out, JobInfo{Status: j.job.Status(), Sink: j.sink})
	}
	return out
}

// ---- SHOW ----

func (s *Session) tableAction(cols []string, rows [][]string) action {
	return func(context.Context) (Result, error) {
		return Result{Kind: ResultTable, Columns: cols, Rows: rows}, nil
	}
}

func (s *Session) show(st *state, src *diag.Source, x *parser.ShowStmt) (action, error) {
	start, _ := x.Span()
	if x.What == "TABLES" && x.From != nil {
		return s.showLakeTables(st, src, x.From)
	}
	kinds := map[string]planner.ObjectKind{"SOURCES": planner.KindSource, "TABLES": planner.KindTable, "SINKS": planner.KindSink, "VIEWS": planner.KindView}
	if k, ok := kinds[x.What]; ok {
		var rows [][]string
		for _, n := range st.catalog.Names(k) {
			o, _ := st.catalog.Lookup(n)
			rows = append(rows, objectRow(o))
		}
		return s.tableAction([]string{"name", "connector", "target", "columns"}, rows), nil
	}
	switch x.What {
	case "FUNCTIONS":
		return s.tableAction(functionsTable(s.cfg.Functions)), nil
	case "JOBS":
		return func(context.Context) (Result, error) {
			cols, rows := jobsTable(s.Jobs())
			return Result{Kind: ResultTable, Columns: cols, Rows: rows}, nil
		}, nil
	case "CATALOGS":
		return s.showCatalogs(st), nil
	}
	return nil, diag.Errorf(src, start, diag.Unsupported, "SHOW %s is not supported", x.What)
}

func objectRow(o any) []string {
	switch x := o.(type) {
	case *planner.Relation:
		return []string{x.Name, x.Connector, target(x.Options), fmt.Sprint(len(x.Columns))}
	case *planner.SinkDef:
		return []string{x.Name, x.Connector, target(x.Options), fmt.Sprint(len(x.Schema.Columns))}
	case *planner.View:
		return []string{x.Name, "", "", fmt.Sprint(len(x.Schema.Columns))}
	}
	return []string{planner.NameOf(o), "", "", ""}
}

func target(o map[string]string) string {
	for _, k := range []string{"topic", "topic-pattern", "path"} {
		if v := o[k]; v != "" {
			return v
		}
	}
	return ""
}

func settingsTable(m map[string]string) ([]string, [][]string) {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rows [][]string
	for _, k := range keys {
		rows = append(rows, []string{k, shownValue(k, m[k])})
	}
	return []string{"key", "value"}, rows
}

func jobsTable(jobs []JobInfo) ([]string, [][]string) {
	cols := []string{"id", "name", "state", "uptime", "rows in", "rows out", "dead-lettered", "watermark lag", "checkpoints", "last checkpoint", "translate", "error"}
	var rows [][]string
	for _, j := range jobs {
		st := j.Status
		var in, out int64
		for _, op := range st.Operators {
			if op.Kind == "Source" {
				in += op.RowsOut
			}
			if op.Kind == "Sink" || op.Kind == "Collect" {
				out += op.RowsIn
			}
		}
		end := time.Now()
		if !st.Ended.IsZero() {
			end = st.Ended
		}
		lag := "-"
		switch {
		case st.Watermark == runtime.MaxWatermark:
			lag = "done"
		case st.Watermark > runtime.MinWatermark:
			lag = time.Since(time.UnixMicro(st.Watermark)).Round(time.Millisecond).String()
		}
		last := "-"
		if st.LastCheckpoint != nil {
			last = fmt.Sprintf("#%d %s ago (%s)", st.LastCheckpoint.ID, time.Since(st.LastCheckpoint.Time).Round(time.Second), st.LastCheckpoint.Duration.Round(time.Millisecond))
		}
		errText := ""
		if st.Err != nil {
			errText = st.Err.Error()
		}
		rows = append(rows, []string{st.ID, st.Name, string(st.State), end.Sub(st.Started).Round(time.Second).String(),
			fmt.Sprint(in), fmt.Sprint(out), fmt.Sprint(st.DeadLettered), lag,
			fmt.Sprintf("%d ok, %d failed", st.CheckpointsCompleted, st.CheckpointsFailed), last, translateSummary(udf.TranslateStats(st.ID)), errText})
	}
	return cols, rows
}

func describeJob(st exec.JobStatus) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Job %s (%s): %s since %s\n", st.ID, st.Name, st.State, st.Started.Format(time.RFC3339))
	if st.Err != nil {
		fmt.Fprintf(&b, "error: %v\n", st.Err)
	}
	fmt.Fprintf(&b, "checkpoints: %d completed, %d failed", st.CheckpointsCompleted, st.CheckpointsFailed)
	if st.LastCheckpoint != nil {
		fmt.Fprintf(&b, "; last #%d at %s took %s", st.LastCheckpoint.ID, st.LastCheckpoint.Time.Format(time.RFC3339), st.LastCheckpoint.Duration)
	}
	fmt.Fprintf(&b, "\ndead-lettered records: %d\n", st.DeadLettered)
	fmt.Fprintf(&b, "%-28s %12s %12s %8s  %s\n", "operator", "rows in", "rows out", "errors", "watermark")
	for _, op := range st.Operators {
		wm := "-"
		switch {
		case op.Watermark == runtime.MaxWatermark:
			wm = "end of input"
		case op.Watermark > runtime.MinWatermark:
			wm = time.UnixMicro(op.Watermark).UTC().Format(types.TimestampLayout)
		}
		fmt.Fprintf(&b, "%-28s %12d %12d %8d  %s\n", op.Label, op.RowsIn, op.RowsOut, op.Errors, wm)
	}
	if ts := udf.TranslateStats(st.ID); ts.Calls > 0 || ts.InFlight > 0 {
		fmt.Fprintf(&b, "translation (%s): %d calls, %d in flight, %d failed (NULL)\n", ts.Provider, ts.Calls, ts.InFlight, ts.Failures)
		fmt.Fprintf(&b, "  no request needed: %.1f%% (cache %d, shared in flight %d, skipped %d; new %d)\n",
			100*ts.HitRate(), ts.CacheHits, ts.CacheShared, ts.Skipped, ts.CacheMisses)
		perBatch := 0.0
		if ts.Requests > 0 {
			perBatch = float64(ts.Texts) / float64(ts.Requests)
		}
		fmt.Fprintf(&b, "  requests: %d (%.1f texts each), %d retries, %d batch fallbacks, %d circuit breakers open\n",
			ts.Requests, perBatch, ts.Retries, ts.Fallbacks, ts.CircuitOpen)
		fmt.Fprintf(&b, "  tokens: %d in, %d out; estimated cost $%.4f\n", ts.InputTokens, ts.OutputTokens, ts.CostUSD)
	}
	return b.String()
}

// translateSummary is SHOW JOBS' translate column.
func translateSummary(ts udf.Stats) string {
	if ts.Calls == 0 && ts.InFlight == 0 {
		return "-"
	}
	out := fmt.Sprintf("%d calls, %.0f%% no request, %d req", ts.Calls, 100*ts.HitRate(), ts.Requests)
	if ts.Failures > 0 {
		out += fmt.Sprintf(", %d NULL", ts.Failures)
	}
	if ts.CostUSD > 0 {
		out += fmt.Sprintf(", $%.4f", ts.CostUSD)
	}
	if ts.CircuitOpen > 0 {
		out += ", breaker open"
	}
	return out
}

// Completions lists keywords, object names and column names, for the
// shell's tab completion.
func (s *Session) Completions() []string {
	out := append([]string(nil), keywords...)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.catalog.Names() {
		out = append(out, n)
		o, _ := s.catalog.Lookup(n)
		switch x := o.(type) {
		case *planner.Relation:
			out = append(out, x.Schema().Names()...)
		case *planner.SinkDef:
			out = append(out, x.Schema.Names()...)
		case *planner.View:
			out = append(out, x.Schema.Names()...)
		}
	}
	for _, st := range Settings {
		out = append(out, "'"+st.Name+"'")
	}
	return out
}

var keywords = []string{"SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "NULL", "IS", "IN", "LIKE", "CASE", "WHEN",
	"THEN", "ELSE", "END", "CREATE", "SOURCE", "TABLE", "SINK", "VIEW", "WITH", "INSERT", "INTO", "DROP", "SHOW",
	"SOURCES", "TABLES", "SINKS", "VIEWS", "FUNCTIONS", "JOBS", "DESCRIBE", "EXPLAIN", "SET", "RESET", "STOP", "JOB",
	"WATERMARK", "FOR", "METADATA", "PRIMARY", "KEY", "INTERVAL", "SECOND", "MINUTE", "HOUR", "LIMIT", "CAST",
	"TRANSLATE", "JSON_OBJECT", "TO_TIMESTAMP_LTZ", "PROCTIME", "UUID", "VARCHAR", "BIGINT", "INT", "DOUBLE",
	"BOOLEAN", "TIMESTAMP", "TIMESTAMP_LTZ", "DECIMAL", "DATE", "JSON", "STRING"}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func asList(err error) diag.List {
	var l diag.List
	if errors.As(err, &l) {
		return l
	}
	var e *diag.Error
	if errors.As(err, &e) {
		return diag.List{e}
	}
	return nil
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
