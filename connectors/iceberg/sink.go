package iceberg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	iceberggo "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/codec"
	"github.com/apache/iceberg-go/table"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// Snapshot summary keys of the sink's commits.
const (
	SummaryJob          = "chatsql.job"           // the job's name (stable across restarts)
	SummaryJobID        = "chatsql.job-id"        // the run that wrote the files
	SummaryCheckpointID = "chatsql.checkpoint-id" // the checkpoint the files belong to
	SummaryEndOfInput   = "chatsql.end-of-input"  // "true" on the commit made when a bounded input ended
)

// PropertyLastCommitPrefix + the job's name is the table property in which
// every commit of the sink also records its run and checkpoint (JSON of
// commitEvidence), in the same Iceberg commit as the files: the evidence a
// restore needs survives an expiry of the snapshot that carried it.
const PropertyLastCommitPrefix = "chatsql.last-commit."

// commitEvidence is the value of a job's PropertyLastCommitPrefix property.
type commitEvidence struct {
	JobID      string `json:"job-id"`
	Checkpoint int64  `json:"checkpoint-id"`
	EndOfInput bool   `json:"end-of-input,omitempty"`
}

// batchRows is the number of rows per arrow record batch handed to the
// parquet writer.
const batchRows = 1 << 16

// Sink writes rows to an Iceberg table, exactly once: rows become parquet
// data files at every checkpoint barrier (Flush); Snapshot lists the files
// of the checkpoint in the checkpoint's state; CheckpointComplete commits
// them in one Iceberg commit whose summary names the job run and the
// checkpoint. On restore, the pending files of the restored checkpoint are
// committed unless the table shows that run's commit of that checkpoint (or
// of a later one). Every commit starts from the table as the catalog has it
// then, so other writers, compactions, expiries and added columns may come
// and go while the sink runs.
type Sink struct {
	name         string
	catalogName  string
	ident        table.Identifier
	props        iceberggo.Properties
	create       bool
	partitioning []PartitionField
	targetSize   int64
	tableProps   iceberggo.Properties // of a table the sink creates
	schema       types.Schema
	key          []string // PRIMARY KEY: the identifier fields of a table the sink creates

	oc    *runtime.OpContext
	jobID string
	cat   catalog.Catalog
	tbl   *table.Table

	asc       *arrow.Schema
	appenders []appender // one per arrow field
	cols      []int      // the row column of each arrow field
	required  []int      // the row columns the table requires (no NULL)
	rb        *array.RecordBuilder
	rows      int

	wctx    context.Context
	wcancel context.CancelFunc
	w       *fileWriter

	flushed        []iceberggo.DataFile // written by Flush, not yet in a checkpoint
	finalFlush     bool                 // the last call was Flush (a graceful end if Close follows)
	pending        []pendingCommit      // in a checkpoint, not committed yet
	lastCheckpoint int64
	discard        bool // a previous run already committed everything up to its end of input
}

type pendingCommit struct {
	Checkpoint int64
	JobID      string
	Files      []iceberggo.DataFile
}

var (
	_ runtime.Sink               = (*Sink)(nil)
	_ runtime.CheckpointListener = (*Sink)(nil)
)

// NewSink builds an Iceberg sink from validated options.
func NewSink(cfg connectors.Config) (runtime.Sink, error) {
	s := &Sink{
		name:        cfg.Name,
		catalogName: strings.ToLower(strings.TrimSpace(cfg.Options.Get(OptCatalog))),
		create:      cfg.Options.Get(OptCreateTable) == "" || cfg.Options.Bool(OptCreateTable),
		targetSize:  cfg.Options.Int(OptTargetFileSize),
		schema:      cfg.Schema,
		key:         cfg.PrimaryKey,
	}
	fail := func(err error) error { return fmt.Errorf("iceberg sink '%s': %w", cfg.Name, err) }
	if s.catalogName == "" {
		s.catalogName = DefaultCatalog
	}
	if s.targetSize <= 0 {
		s.targetSize = DefaultTargetFileSize
	}
	if f := cfg.Options.Get(OptFormat); f != "" && !strings.EqualFold(f, "parquet") {
		return nil, fail(fmt.Errorf("%w: 'write.format.default' = '%s': only parquet is written", connectors.ErrBadOption, f))
	}
	var err error
	if s.ident, err = tableOption(cfg.Options); err != nil {
		return nil, fail(err)
	}
	if s.tableProps, err = createdTableProperties(cfg.Options, s.targetSize); err != nil {
		return nil, fail(err)
	}
	if s.partitioning, err = ParsePartitioning(cfg.Options.Get(OptPartitioning)); err != nil {
		return nil, fail(fmt.Errorf("%w: 'partitioning': %w", connectors.ErrBadOption, err))
	}
	if s.props, err = catalogProperties(s.catalogName, cfg.Settings); err != nil {
		return nil, fail(err)
	}
	return s, nil
}

// tableOption reads the 'table' option: 'namespace.table' (parts may be
// quoted).
func tableOption(o connectors.Options) (table.Identifier, error) {
	t := strings.TrimSpace(o.Get(OptTable))
	parts := strings.Split(t, ".")
	if t == "" || len(parts) < 2 {
		return nil, fmt.Errorf("%w: 'table' = '%s' must be 'namespace.table'", connectors.ErrBadOption, t)
	}
	for i := range parts {
		if parts[i] = unquote(parts[i]); parts[i] == "" {
			return nil, fmt.Errorf("%w: 'table' = '%s' must be 'namespace.table'", connectors.ErrBadOption, t)
		}
	}
	return parts, nil
}

// catalogProperties are the iceberg-go properties of catalog name that the
// planner handed a sink or source in settings (CatalogSettings); without
// any, the embedded catalog of the settings' data directory.
func catalogProperties(name string, settings map[string]string) (iceberggo.Properties, error) {
	props := iceberggo.Properties{}
	for k, v := range settings {
		if p, ok := strings.CutPrefix(k, CatalogPropertyPrefix); ok {
			props[p] = v
		}
	}
	if len(props) > 0 {
		return props, nil
	}
	if name != DefaultCatalog {
		return nil, fmt.Errorf("%w '%s'", ErrNoSuchCatalog, name)
	}
	return EmbeddedProperties(NewCatalogs(settings[SettingDataDir]).DataDir()), nil
}

// SettingDataDir is the setting through which the session tells a sink
// its --data-dir when no catalog properties are given.
const SettingDataDir = "iceberg.data-dir"

// CatalogSettings turns a catalog's iceberg-go properties into the settings
// a sink reads them from.
func CatalogSettings(props map[string]string) map[string]string {
	out := make(map[string]string, len(props))
	for k, v := range props {
		out[CatalogPropertyPrefix+k] = v
	}
	return out
}

// sinkState is the sink's part of a checkpoint.
type sinkState struct {
	JobID string `json:"job_id"`
	// TableUUID is the table's table-uuid: a restore into another table of
	// the same name (the catalog was pointed elsewhere, the table dropped
	// and created again) commits none of the pending files there.
	TableUUID string       `json:"table_uuid,omitempty"`
	Pending   []stateEntry `json:"pending,omitempty"`
}

type stateEntry struct {
	Checkpoint int64    `json:"checkpoint"`
	JobID      string   `json:"job_id"`
	SpecID     int      `json:"spec_id"`
	SchemaID   int      `json:"schema_id"`
	Files      [][]byte `json:"files"` // iceberg-go's codec (manifest entry Avro)
}

func (s *Sink) logf(format string, args ...any) {
	if s.oc != nil && s.oc.Logf != nil {
		s.oc.Logf("iceberg sink '%s': "+format, append([]any{s.name}, args...)...)
	}
}

// Open connects to the catalog, loads (or creates) the table, and commits
// the pending files of a restored checkpoint.
func (s *Sink) Open(ctx context.Context, oc *runtime.OpContext, state []byte) error {
	s.oc = oc
	s.jobID = oc.JobID
	if s.jobID == "" {
		s.jobID = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	cat, err := catalog.Load(ctx, s.catalogName, s.props)
	if err != nil {
		return fmt.Errorf("iceberg sink '%s': catalog %s: %w", s.name, s.catalogName, err)
	}
	s.cat = cat
	if err := s.loadTable(ctx); err != nil {
		return err
	}
	if err := s.prepareWriter(); err != nil {
		return err
	}
	s.wctx, s.wcancel = context.WithCancel(context.Background())
	if len(state) > 0 {
		if err := s.restore(ctx, state); err != nil {
			return fmt.Errorf("iceberg sink '%s': restoring checkpoint state: %w", s.name, err)
		}
	}
	return nil
}

func (s *Sink) tableName() string { return s.catalogName + "." + strings.Join(s.ident, ".") }

func (s *Sink) loadTable(ctx context.Context) error {
	t, err := s.cat.LoadTable(ctx, s.ident)
	if err == nil {
		s.tbl = t
		if have := IdentifierFields(t.Schema()); len(s.key) > 0 && !sameNames(have, s.key) {
			s.logf("warning: PRIMARY KEY (%s) is not the identifier fields of the existing table %s (%s); the table is left as it is",
				strings.Join(s.key, ", "), s.tableName(), strings.Join(have, ", "))
		}
		return nil
	}
	if !errors.Is(err, catalog.ErrNoSuchTable) {
		return fmt.Errorf("iceberg sink '%s': loading %s: %w", s.name, s.tableName(), err)
	}
	if !s.create {
		return fmt.Errorf("iceberg sink '%s': table %s does not exist (and 'sink.create-table' is false)", s.name, s.tableName())
	}
	t, err = createTable(ctx, s.cat, s.ident, s.schema, s.key, s.partitioning, s.tableProps)
	if err != nil {
		return fmt.Errorf("iceberg sink '%s': creating %s: %w", s.name, s.tableName(), err)
	}
	s.logf("created Iceberg table %s", s.tableName())
	s.tbl = t
	return nil
}

// createdTableProperties are the table properties of a table the sink
// creates: the target file size, and the manifest merge of every commit
// (Java's default, not iceberg-go's: a sink commits every checkpoint, and
// with fast appends every commit leaves one more manifest that each scan
// plan reads, 360 an hour at a 10 s checkpoint interval).
func createdTableProperties(o connectors.Options, targetSize int64) (iceberggo.Properties, error) {
	p := iceberggo.Properties{
		table.WriteTargetFileSizeBytesKey: strconv.FormatInt(targetSize, 10),
		OptManifestMerge:                  "true",
		OptManifestMinMerge:               strconv.Itoa(table.ManifestMinMergeCountDefault),
		OptManifestTargetSize:             strconv.Itoa(table.ManifestTargetSizeBytesDefault),
	}
	if o.Get(OptManifestMerge) != "" {
		p[OptManifestMerge] = strconv.FormatBool(o.Bool(OptManifestMerge))
	}
	for _, k := range []string{OptManifestMinMerge, OptManifestTargetSize} {
		if v := o.Get(k); v != "" {
			if n := o.Int(k); n < 1 {
				return nil, fmt.Errorf("%w: '%s' = '%s' must be a positive integer", connectors.ErrBadOption, k, v)
			}
			p[k] = strconv.FormatInt(o.Int(k), 10)
		}
	}
	return p, nil
}

// sameNames reports whether a and b name the same columns, in any order
// and case.
func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || strings.EqualFold(x, y)
		}
		if !found {
			return false
		}
	}
	return true
}

// createTable creates namespace and table ident with the columns of
// schema, the identifier fields key and the partition spec of fields (the
// caller found the table missing), or loads the table when another writer
// created it meanwhile.
func createTable(ctx context.Context, cat catalog.Catalog, ident table.Identifier, schema types.Schema, key []string, fields []PartitionField, props iceberggo.Properties) (*table.Table, error) {
	isc, err := IcebergSchema(schema, key...)
	if err != nil {
		return nil, err
	}
	spec, err := PartitionSpec(fields, isc)
	if err != nil {
		return nil, err
	}
	ns := table.Identifier(ident[:len(ident)-1])
	if ok, err := cat.CheckNamespaceExists(ctx, ns); err != nil {
		return nil, err
	} else if !ok {
		if err := cat.CreateNamespace(ctx, ns, nil); err != nil && !errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
			return nil, err
		}
	}
	// several jobs may append to one table: a commit that loses the race
	// is replayed on the new head (iceberg-go's default is no retry)
	p := iceberggo.Properties{"write.format.default": "parquet", table.CommitNumRetriesKey: "4"}
	for k, v := range props {
		p[k] = v
	}
	t, err := cat.CreateTable(ctx, ident, isc, catalog.WithPartitionSpec(spec), catalog.WithProperties(p))
	if errors.Is(err, catalog.ErrTableAlreadyExists) {
		return cat.LoadTable(ctx, ident)
	}
	return t, err
}

// prepareWriter maps the sink's columns to the table's fields and makes
// the arrow builders.
func (s *Sink) prepareWriter() error {
	full, err := table.SchemaToArrowSchema(s.tbl.Schema(), nil, true, false)
	if err != nil {
		return fmt.Errorf("iceberg sink '%s': %w", s.name, err)
	}
	var fields []arrow.Field
	s.cols, s.required = s.cols[:0], s.required[:0]
	for i, c := range s.schema.Columns {
		idx := -1
		for j, f := range full.Fields() {
			if strings.EqualFold(f.Name, c.Name) {
				idx = j
			}
		}
		if idx < 0 {
			return fmt.Errorf("iceberg sink '%s': column '%s' is not in Iceberg table %s (columns: %s); add it with ALTER TABLE ... ADD COLUMN",
				s.name, c.Name, s.tableName(), strings.Join(fieldNames(full), ", "))
		}
		f := full.Field(idx)
		if !f.Nullable {
			s.required = append(s.required, i) // Write keeps NULLs out
		}
		fields = append(fields, f)
		s.cols = append(s.cols, i)
	}
	s.asc = arrow.NewSchema(fields, nil)
	s.rb = array.NewRecordBuilder(memory.DefaultAllocator, s.asc)
	s.appenders = make([]appender, len(fields))
	for i, f := range fields {
		a, err := newAppender(f.Type, s.rb.Field(i))
		if err != nil {
			return fmt.Errorf("iceberg sink '%s': column '%s': %w", s.name, f.Name, err)
		}
		s.appenders[i] = a
	}
	return nil
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, 0, s.NumFields())
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

// appender appends one value to a column builder.
type appender func(v types.Value)

func newAppender(dt arrow.DataType, b array.Builder) (appender, error) {
	switch dt.ID() {
	case arrow.BOOL:
		bb := b.(*array.BooleanBuilder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(v.Bool())
			}
		}, nil
	case arrow.INT32:
		bb := b.(*array.Int32Builder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(int32(v.Int()))
			}
		}, nil
	case arrow.INT64:
		bb := b.(*array.Int64Builder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(v.Int())
			}
		}, nil
	case arrow.FLOAT32:
		bb := b.(*array.Float32Builder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(float32(v.AsFloat()))
			}
		}, nil
	case arrow.FLOAT64:
		bb := b.(*array.Float64Builder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(v.AsFloat())
			}
		}, nil
	case arrow.DECIMAL128:
		bb := b.(*array.Decimal128Builder)
		scale := int(dt.(*arrow.Decimal128Type).Scale)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
				return
			}
			u, sc := v.Unscaled(), v.DecimalScale()
			if v.Kind() != types.KindDecimal {
				u, sc = v.Int(), 0
			}
			bb.Append(decimal128.FromI64(rescale(u, sc, scale)))
		}, nil
	case arrow.STRING:
		bb := b.(*array.StringBuilder)
		return func(v types.Value) {
			switch v.Kind() {
			case types.KindNull:
				bb.AppendNull()
			case types.KindString, types.KindJSON, types.KindBytes:
				bb.Append(v.Str())
			default:
				bb.Append(v.String())
			}
		}, nil
	case arrow.LARGE_STRING:
		bb := b.(*array.LargeStringBuilder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(v.Str())
			}
		}, nil
	case arrow.BINARY:
		bb := b.(*array.BinaryBuilder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.AppendString(v.Str())
			}
		}, nil
	case arrow.TIMESTAMP:
		bb := b.(*array.TimestampBuilder)
		mult := int64(1)
		if dt.(*arrow.TimestampType).Unit == arrow.Nanosecond {
			mult = 1000
		}
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(arrow.Timestamp(v.Micros() * mult))
			}
		}, nil
	case arrow.DATE32:
		bb := b.(*array.Date32Builder)
		return func(v types.Value) {
			if v.IsNull() {
				bb.AppendNull()
			} else {
				bb.Append(arrow.Date32(v.Days()))
			}
		}, nil
	}
	return nil, fmt.Errorf("Iceberg column type %s cannot be written by chatsql", dt)
}

// Write appends the batch to the arrow builders; every batchRows rows go to
// the parquet writer.
func (s *Sink) Write(ctx context.Context, b *runtime.Batch) error {
	s.finalFlush = false
	if s.discard {
		return nil
	}
	for _, row := range b.Rows {
		if s.nullInRequired(ctx, row) {
			continue
		}
		for i, a := range s.appenders {
			a(row[s.cols[i]])
		}
		s.rows++
		if s.rows >= batchRows {
			if err := s.sendBatch(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// nullInRequired reports whether row has a NULL in a column the table
// requires (an identifier field: a PRIMARY KEY column), and sends such a
// row to the job's dead letters: Iceberg cannot store it.
func (s *Sink) nullInRequired(ctx context.Context, row types.Row) bool {
	for _, c := range s.required {
		if !row[c].IsNull() {
			continue
		}
		err := fmt.Errorf("iceberg sink '%s': column '%s' of %s is NULL, but the table requires it (a PRIMARY KEY column is an Iceberg identifier field); the row is dropped",
			s.name, s.schema.Columns[c].Name, s.tableName())
		if s.oc != nil && s.oc.DeadLetter != nil {
			s.oc.DeadLetter(ctx, runtime.DeadLetterRecord{Source: s.oc.Operator, Value: rowJSON(s.schema, row), Err: err})
		} else {
			s.logf("%v", err)
		}
		return true
	}
	return false
}

// rowJSON renders a row as a JSON object of its columns.
func rowJSON(schema types.Schema, row types.Row) []byte {
	buf := []byte{'{'}
	for i, v := range row {
		if i > 0 {
			buf = append(buf, ',')
		}
		name := fmt.Sprintf("col%d", i)
		if i < len(schema.Columns) {
			name = schema.Columns[i].Name
		}
		buf = strconv.AppendQuote(buf, name)
		buf = append(buf, ':')
		buf = types.AppendJSON(buf, v)
	}
	return append(buf, '}')
}

// fileWriter is one checkpoint interval's parquet writer: iceberg-go's
// WriteRecords fed from a channel, rolling files at the target size.
type fileWriter struct {
	ch    chan arrow.RecordBatch
	done  chan struct{}
	files []iceberggo.DataFile
	err   error
}

func (s *Sink) sendBatch(ctx context.Context) error {
	if s.rows == 0 {
		return nil
	}
	rec := s.rb.NewRecordBatch()
	s.rows = 0
	if s.w == nil {
		s.w = s.startWriter()
	}
	select {
	case s.w.ch <- rec:
		return nil
	case <-ctx.Done():
		rec.Release()
		return ctx.Err()
	}
}

func (s *Sink) startWriter() *fileWriter {
	w := &fileWriter{ch: make(chan arrow.RecordBatch, 2), done: make(chan struct{})}
	tbl, asc, ctx := s.tbl, s.asc, s.wctx
	go func() {
		defer close(w.done)
		recs := func(yield func(arrow.RecordBatch, error) bool) {
			for r := range w.ch {
				if !yield(r, nil) {
					return
				}
			}
		}
		for df, err := range table.WriteRecords(ctx, tbl, asc, recs, table.WithTargetFileSize(s.targetSize)) {
			if err != nil {
				w.err = err
				break
			}
			w.files = append(w.files, df)
		}
		for r := range w.ch { // after an error: keep senders from blocking
			r.Release()
		}
	}()
	return w
}

// Flush writes the rows so far as parquet data files (not committed yet).
func (s *Sink) Flush(ctx context.Context) error {
	if s.discard {
		s.finalFlush = true
		return nil
	}
	if err := s.sendBatch(ctx); err != nil {
		return err
	}
	if s.w != nil {
		w := s.w
		s.w = nil
		close(w.ch)
		select {
		case <-w.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if w.err != nil {
			return fmt.Errorf("iceberg sink '%s': writing data files of %s: %w", s.name, s.tableName(), w.err)
		}
		s.flushed = append(s.flushed, w.files...)
	}
	s.finalFlush = true
	return nil
}

// Snapshot assigns the files flushed for this checkpoint to it and returns
// every pending (uncommitted) checkpoint's files.
func (s *Sink) Snapshot(ctx context.Context, checkpointID int64) ([]byte, error) {
	s.finalFlush = false
	s.lastCheckpoint = checkpointID
	if len(s.flushed) > 0 {
		s.pending = append(s.pending, pendingCommit{Checkpoint: checkpointID, JobID: s.jobID, Files: s.flushed})
		s.flushed = nil
	}
	meta := s.tbl.Metadata()
	st := sinkState{JobID: s.jobID, TableUUID: meta.TableUUID().String()}
	sc, version := s.tbl.Schema(), meta.Version()
	for _, p := range s.pending {
		// the files' own spec: the table may have a newer one by now
		spec := s.tbl.Spec()
		if len(p.Files) > 0 {
			if fs := meta.PartitionSpecByID(int(p.Files[0].SpecID())); fs != nil {
				spec = *fs
			}
		}
		e := stateEntry{Checkpoint: p.Checkpoint, JobID: p.JobID, SpecID: spec.ID(), SchemaID: sc.ID}
		for _, f := range p.Files {
			b, err := codec.EncodeDataFile(f, spec, sc, version)
			if err != nil {
				return nil, fmt.Errorf("iceberg sink '%s': encoding data file %s: %w", s.name, f.FilePath(), err)
			}
			e.Files = append(e.Files, b)
		}
		st.Pending = append(st.Pending, e)
	}
	return json.Marshal(st)
}

// CheckpointComplete commits the files of every pending checkpoint up to
// checkpointID, one Iceberg commit per checkpoint.
func (s *Sink) CheckpointComplete(ctx context.Context, checkpointID int64) error {
	for len(s.pending) > 0 && s.pending[0].Checkpoint <= checkpointID {
		if err := s.commit(ctx, s.pending[0], false); err != nil {
			return err
		}
		s.pending = s.pending[1:]
	}
	return nil
}

func (s *Sink) evidenceKey() string { return PropertyLastCommitPrefix + s.oc.JobName }

// committed reports whether the table holds run jobID's commit of
// checkpoint cp (or, with cp < 0, its end-of-input commit). A run commits
// its checkpoints in order, so a commit of a later checkpoint of the run
// answers yes too. The evidence is the job's table property (it survives
// snapshot expiry) or a snapshot's summary (tables written before the
// property existed).
func (s *Sink) committed(jobID string, cp int64) bool {
	if v, ok := s.tbl.Properties()[s.evidenceKey()]; ok {
		var ev commitEvidence
		if json.Unmarshal([]byte(v), &ev) == nil && ev.JobID == jobID && (cp < 0 && ev.EndOfInput || cp >= 0 && ev.Checkpoint >= cp) {
			return true
		}
	}
	for _, sn := range s.tbl.Metadata().Snapshots() {
		if sn.Summary == nil || sn.Summary.Properties[SummaryJobID] != jobID {
			continue
		}
		if cp < 0 && sn.Summary.Properties[SummaryEndOfInput] == "true" {
			return true
		}
		if n, err := strconv.ParseInt(sn.Summary.Properties[SummaryCheckpointID], 10, 64); cp >= 0 && err == nil && n >= cp {
			return true
		}
	}
	return false
}

// Commit retries: a commit that fails (another writer's commit came
// first, which the SQL catalog reports as a failed requirement that
// iceberg-go does not retry; or an error after which the outcome is
// unknown) is tried again on the table reloaded, after checking that it
// did not reach the table after all.
const (
	commitAttempts  = 10
	commitBackoff   = 25 * time.Millisecond
	commitBackoffTo = 2 * time.Second
)

// backoff waits before retry attempt n (1, 2, ...): doubling from
// commitBackoff up to commitBackoffTo, with jitter so that two writers that
// collided do not collide again.
func backoff(ctx context.Context, n int) error {
	d := commitBackoff << min(n-1, 10)
	d = min(d, commitBackoffTo)
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reload replaces the sink's table with the catalog's current state (a new
// value: a file writer may still be using the old one).
func (s *Sink) reload(ctx context.Context) error {
	t, err := s.cat.LoadTable(ctx, s.ident)
	if err != nil {
		return fmt.Errorf("loading %s: %w", s.tableName(), err)
	}
	s.tbl = t
	return nil
}

// commit commits p's files in one Iceberg commit (end-of-input marked),
// based on the table's current state, unless the table shows it committed.
func (s *Sink) commit(ctx context.Context, p pendingCommit, endOfInput bool) error {
	if len(p.Files) == 0 {
		return nil
	}
	var err error
	for attempt := 1; attempt <= commitAttempts; attempt++ {
		if attempt > 1 {
			s.logf("committing checkpoint %d to %s (attempt %d of %d) failed: %v; retrying on the table's current state", p.Checkpoint, s.tableName(), attempt-1, commitAttempts, err)
			if werr := backoff(ctx, attempt-1); werr != nil {
				break
			}
		}
		if err = s.reload(ctx); err != nil {
			continue
		}
		if s.committed(p.JobID, p.Checkpoint) {
			return nil // an earlier attempt reached the catalog, though it reported an error
		}
		if err = s.commitOnce(ctx, p, endOfInput); err == nil {
			return nil
		}
	}
	return fmt.Errorf("iceberg sink '%s': committing checkpoint %d to %s: %w", s.name, p.Checkpoint, s.tableName(), err)
}

// commitOnce makes one commit of p on the table as the sink has it: the
// files, the summary naming the run and checkpoint, and the job's evidence
// property.
func (s *Sink) commitOnce(ctx context.Context, p pendingCommit, endOfInput bool) error {
	props := iceberggo.Properties{
		SummaryJob:          s.oc.JobName,
		SummaryJobID:        p.JobID,
		SummaryCheckpointID: strconv.FormatInt(p.Checkpoint, 10),
	}
	if endOfInput {
		props[SummaryEndOfInput] = "true"
	}
	ev, err := json.Marshal(commitEvidence{JobID: p.JobID, Checkpoint: p.Checkpoint, EndOfInput: endOfInput})
	if err != nil {
		return err
	}
	tx := s.tbl.NewTransaction()
	if err := tx.SetProperties(iceberggo.Properties{s.evidenceKey(): string(ev)}); err != nil {
		return err
	}
	if err := tx.AddDataFiles(ctx, p.Files, props, table.WithoutDuplicateCheck()); err != nil {
		return err
	}
	t, err := tx.Commit(ctx)
	if err != nil {
		return err
	}
	s.tbl = t
	return nil
}

func (s *Sink) restore(ctx context.Context, state []byte) error {
	var st sinkState
	if err := json.Unmarshal(state, &st); err != nil {
		return err
	}
	if err := s.reload(ctx); err != nil {
		return err
	}
	meta := s.tbl.Metadata()
	if uuid := meta.TableUUID().String(); st.TableUUID != "" && st.TableUUID != uuid {
		n := 0
		for _, e := range st.Pending {
			s.lastCheckpoint = max(s.lastCheckpoint, e.Checkpoint)
			n += len(e.Files)
		}
		s.logf("warning: the checkpoint was written for another table named %s (table-uuid %s, now %s: the catalog was pointed elsewhere or the table created again); its %d uncommitted data files are not committed into this one", s.tableName(), st.TableUUID, uuid, n)
		return nil
	}
	for _, e := range st.Pending {
		s.lastCheckpoint = max(s.lastCheckpoint, e.Checkpoint)
		if s.committed(e.JobID, e.Checkpoint) {
			s.logf("checkpoint %d of run %s is already committed", e.Checkpoint, e.JobID)
			continue
		}
		spec := meta.PartitionSpecByID(e.SpecID)
		var sc *iceberggo.Schema
		for _, x := range meta.Schemas() {
			if x.ID == e.SchemaID {
				sc = x
			}
		}
		if spec == nil || sc == nil {
			return fmt.Errorf("checkpoint %d: the table has no partition spec %d or schema %d any more", e.Checkpoint, e.SpecID, e.SchemaID)
		}
		p := pendingCommit{Checkpoint: e.Checkpoint, JobID: e.JobID}
		for _, b := range e.Files {
			f, err := codec.DecodeDataFile(b, *spec, sc, meta.Version())
			if err != nil {
				return fmt.Errorf("checkpoint %d: decoding a data file: %w", e.Checkpoint, err)
			}
			p.Files = append(p.Files, f)
		}
		if err := s.commit(ctx, p, false); err != nil {
			return err
		}
		s.logf("committed checkpoint %d of run %s after the restart (%d files)", e.Checkpoint, e.JobID, len(p.Files))
	}
	if st.JobID != "" && s.committed(st.JobID, -1) {
		// The run that wrote this state reached the end of its (bounded)
		// input and committed everything: what is replayed now is in the
		// table already.
		s.discard = true
		s.logf("run %s already committed its whole input to %s; the replayed rows are dropped", st.JobID, s.tableName())
	}
	return nil
}

// Close ends the sink. After a graceful end (Flush was the last call: the
// input ended), it commits what is left, marked end-of-input; after a
// cancellation the files written since the last checkpoint stay
// uncommitted (orphans on disk).
func (s *Sink) Close() error {
	var err error
	if s.tbl != nil && s.finalFlush && !s.discard && (len(s.flushed) > 0 || len(s.pending) > 0) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		all := s.pending
		if len(s.flushed) > 0 {
			all = append(all, pendingCommit{Checkpoint: s.lastCheckpoint + 1, JobID: s.jobID, Files: s.flushed})
		}
		for i, p := range all {
			if err = s.commit(ctx, p, i == len(all)-1); err != nil {
				break
			}
		}
		cancel()
		s.pending, s.flushed = nil, nil
	}
	if s.w != nil {
		close(s.w.ch)
		s.wcancel()
		<-s.w.done
		s.w = nil
	}
	if s.wcancel != nil {
		s.wcancel()
	}
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	if c, ok := s.cat.(io.Closer); ok {
		c.Close()
	}
	return err
}
