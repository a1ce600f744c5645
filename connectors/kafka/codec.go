package kafka

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/format"
	"github.com/chatsql/chatsql/runtime/types"
)

// ErrKeyFields is wrapped by errors about 'key.fields' and the key format.
var ErrKeyFields = errors.New("bad record key configuration")

// layout says where a record's key and value go in (or come from) a row of
// the physical schema.
type layout struct {
	schema    types.Schema
	keyIdx    []int // row positions of the key fields, in key order
	valueIdx  []int // row positions of the value fields; nil means all, in order
	keySchema types.Schema
	valSchema types.Schema
}

func keyFields(cfg connectors.Config) []string {
	if len(cfg.KeyColumns) > 0 {
		return cfg.KeyColumns
	}
	return splitList(cfg.Options.Get(optKeyFields))
}

func newLayout(cfg connectors.Config) (*layout, error) {
	l := &layout{schema: cfg.Schema}
	for _, name := range keyFields(cfg) {
		i := cfg.Schema.Index(name)
		if i < 0 {
			hint := ""
			if m := connectors.Closest(name, cfg.Schema.Names()); m != "" {
				hint = fmt.Sprintf("; did you mean '%s'?", m)
			}
			return nil, fmt.Errorf("%w: 'key.fields' names '%s', which is not a physical column%s", ErrKeyFields, name, hint)
		}
		l.keyIdx = append(l.keyIdx, i)
		l.keySchema.Columns = append(l.keySchema.Columns, cfg.Schema.Columns[i])
	}
	l.keySchema.TimeAttr = -1
	if strings.EqualFold(cfg.Options.Get(optValueFieldsInclude), "except_key") && len(l.keyIdx) > 0 {
		isKey := map[int]bool{}
		for _, i := range l.keyIdx {
			isKey[i] = true
		}
		l.valueIdx = []int{}
		for i, c := range cfg.Schema.Columns {
			if !isKey[i] {
				l.valueIdx = append(l.valueIdx, i)
				l.valSchema.Columns = append(l.valSchema.Columns, c)
			}
		}
		l.valSchema.TimeAttr = -1
	} else {
		l.valSchema = types.NewSchema(cfg.Schema.Columns...)
	}
	return l, nil
}

func keyFormat(cfg connectors.Config) string {
	if f := cfg.Options.Get(optKeyFormat); f != "" {
		return strings.ToLower(f)
	}
	return "json"
}

func valueFormat(cfg connectors.Config) string {
	if f := cfg.Options.Get("format"); f != "" {
		return strings.ToLower(f)
	}
	return valueFormats[0]
}

// newDecoder finds a registered decoder, falling back to the built-in raw
// codec so that 'raw' works whether or not a raw format is registered.
func newDecoder(name string, schema types.Schema, opts connectors.Options) (format.Decoder, error) {
	if name == "raw" {
		if _, err := format.Lookup(name); err != nil {
			return newRawCodec(schema)
		}
	}
	return format.NewDecoder(name, schema, opts)
}

func newEncoder(name string, schema types.Schema, opts connectors.Options) (format.Encoder, error) {
	if name == "raw" {
		if _, err := format.Lookup(name); err != nil {
			return newRawCodec(schema)
		}
	}
	return format.NewEncoder(name, schema, opts)
}

// rowDecoder turns a record's key and value into the physical columns.
type rowDecoder struct {
	l       *layout
	value   format.Decoder
	key     format.Decoder // nil unless the key supplies columns
	scratch types.Row
}

func newRowDecoder(cfg connectors.Config) (*rowDecoder, error) {
	l, err := newLayout(cfg)
	if err != nil {
		return nil, err
	}
	d := &rowDecoder{l: l}
	if d.value, err = newDecoder(valueFormat(cfg), l.valSchema, cfg.Options); err != nil {
		return nil, fmt.Errorf("value format: %w", err)
	}
	// With ALL the value holds every column (Flink's behaviour): the key
	// is not decoded at all.
	if l.valueIdx != nil {
		if d.key, err = newDecoder(keyFormat(cfg), l.keySchema, cfg.Options); err != nil {
			return nil, fmt.Errorf("%w: key format: %w", ErrKeyFields, err)
		}
	}
	n := len(l.valSchema.Columns)
	if k := len(l.keySchema.Columns); k > n {
		n = k
	}
	d.scratch = make(types.Row, n)
	return d, nil
}

// errNullKey is returned when the key is needed and absent.
var errNullKey = errors.New("record has no key, but 'key.fields' columns are read from it")

// decode fills row[:len(schema)] from key and value.
func (d *rowDecoder) decode(key, value []byte, row types.Row) error {
	if d.l.valueIdx == nil {
		return d.value.Decode(value, row)
	}
	vs := d.scratch[:len(d.l.valSchema.Columns)]
	clear(vs)
	if err := d.value.Decode(value, vs); err != nil {
		return err
	}
	for j, i := range d.l.valueIdx {
		row[i] = vs[j]
	}
	if key == nil {
		return fmt.Errorf("key: %w", errNullKey)
	}
	ks := d.scratch[:len(d.l.keySchema.Columns)]
	clear(ks)
	if err := d.key.Decode(key, ks); err != nil {
		return fmt.Errorf("key: %w", err)
	}
	for j, i := range d.l.keyIdx {
		row[i] = ks[j]
	}
	return nil
}

// rowEncoder renders a row as a record key (nil without key fields) and value.
type rowEncoder struct {
	l       *layout
	value   format.Encoder
	key     format.Encoder
	scratch types.Row
}

func newRowEncoder(cfg connectors.Config) (*rowEncoder, error) {
	l, err := newLayout(cfg)
	if err != nil {
		return nil, err
	}
	e := &rowEncoder{l: l}
	if e.value, err = newEncoder(valueFormat(cfg), l.valSchema, cfg.Options); err != nil {
		return nil, fmt.Errorf("value format: %w", err)
	}
	if len(l.keyIdx) > 0 {
		if e.key, err = newEncoder(keyFormat(cfg), l.keySchema, cfg.Options); err != nil {
			return nil, fmt.Errorf("%w: key format: %w", ErrKeyFields, err)
		}
	}
	e.scratch = make(types.Row, len(cfg.Schema.Columns))
	return e, nil
}

// encode returns freshly allocated key and value bytes (the producer keeps
// them until the record is acknowledged).
func (e *rowEncoder) encode(row types.Row) (key, value []byte, err error) {
	if e.key != nil {
		ks := e.scratch[:len(e.l.keyIdx)]
		for j, i := range e.l.keyIdx {
			ks[j] = row[i]
		}
		if key, err = e.key.Encode(nil, ks); err != nil {
			return nil, nil, fmt.Errorf("key: %w", err)
		}
	}
	vr := row[:len(e.l.schema.Columns)]
	if e.l.valueIdx != nil {
		vs := e.scratch[:len(e.l.valueIdx)]
		for j, i := range e.l.valueIdx {
			vs[j] = row[i]
		}
		vr = vs
	}
	if value, err = e.value.Encode(nil, vr); err != nil {
		return nil, nil, err
	}
	return key, value, nil
}

// rawCodec is the 'raw' format: the record bytes are the single column's
// value (VARCHAR or BYTES); NULL is an absent key or value.
type rawCodec struct{ t types.Type }

// ErrRawSchema says the raw format was used with other than one text column.
var ErrRawSchema = errors.New("the raw format needs exactly one VARCHAR or BYTES column")

func newRawCodec(schema types.Schema) (*rawCodec, error) {
	if len(schema.Columns) != 1 {
		return nil, fmt.Errorf("%w (got %d columns)", ErrRawSchema, len(schema.Columns))
	}
	t := schema.Columns[0].Type
	if t.Kind != types.KindString && t.Kind != types.KindBytes {
		return nil, fmt.Errorf("%w (column '%s' is %s)", ErrRawSchema, schema.Columns[0].Name, t)
	}
	return &rawCodec{t: t}, nil
}

func (c *rawCodec) Decode(data []byte, row types.Row) error {
	switch {
	case data == nil:
		row[0] = types.NullValue
	case c.t.Kind == types.KindBytes:
		row[0] = types.NewBytes(string(data))
	default:
		row[0] = types.NewString(string(data))
	}
	return nil
}

func (c *rawCodec) Encode(buf []byte, row types.Row) ([]byte, error) {
	if row[0].IsNull() {
		return buf, nil
	}
	return append(buf, row[0].Str()...), nil
}

// Changelog operations, the INT column after the metadata columns of a
// changelog row ('mode' = 'upsert'). They are plan.ChangeUpsert and
// plan.ChangeDelete (a test keeps them in step; the connector does not
// import the planner).
const (
	changeUpsert = 0
	changeDelete = 1
	// changelogExtra is plan.ChangelogExtra: the operation and the
	// record time follow the metadata columns.
	changelogExtra = 2
)

// Errors of upsert records, dead-lettered like malformed ones.
var (
	errTombstoneNoKey = errors.New("tombstone (null value) without a key: it names no row to delete")
	errNullPrimaryKey = errors.New("primary key column is NULL")
)

// changelogDecoder turns a record of an upsert topic into a changelog row:
// the key (the PRIMARY KEY columns) comes from the record key, the other
// columns from the value; a tombstone is a delete of its key.
type changelogDecoder struct {
	l         *layout // keyIdx: the primary-key columns
	key       format.Decoder
	value     format.Decoder
	pkNames   []string
	kscratch  types.Row
	vscratch  types.Row
	exceptKey bool // the value holds only the non-key columns
}

// primaryKey is the table's key: cfg.PrimaryKey, else the key columns.
func primaryKey(cfg connectors.Config) []string {
	if len(cfg.PrimaryKey) > 0 {
		return cfg.PrimaryKey
	}
	return keyFields(cfg)
}

func newChangelogDecoder(cfg connectors.Config) (*changelogDecoder, error) {
	pk := primaryKey(cfg)
	if len(pk) == 0 {
		return nil, fmt.Errorf("%w: 'mode' = 'upsert' needs a PRIMARY KEY (the columns of the record key)", ErrKeyFields)
	}
	for _, name := range pk {
		if cfg.Schema.Index(name) < 0 {
			hint := ""
			if m := connectors.Closest(name, cfg.Schema.Names()); m != "" {
				hint = fmt.Sprintf("; did you mean '%s'?", m)
			}
			return nil, fmt.Errorf("%w: the PRIMARY KEY names '%s', which is not a physical column%s", ErrKeyFields, name, hint)
		}
	}
	if kf := keyFields(cfg); len(kf) > 0 && !sameNames(kf, pk) {
		return nil, fmt.Errorf("%w: in upsert mode the record key holds the PRIMARY KEY (%s); 'key.fields' (%s) must name the same columns or be left out",
			ErrKeyFields, strings.Join(pk, ", "), strings.Join(kf, ", "))
	}
	kcfg := cfg
	kcfg.KeyColumns = pk
	l, err := newLayout(kcfg)
	if err != nil {
		return nil, err
	}
	d := &changelogDecoder{l: l, exceptKey: l.valueIdx != nil}
	for _, i := range l.keyIdx {
		d.pkNames = append(d.pkNames, cfg.Schema.Columns[i].Name)
	}
	if d.value, err = newDecoder(valueFormat(cfg), l.valSchema, cfg.Options); err != nil {
		return nil, fmt.Errorf("value format: %w", err)
	}
	if d.key, err = newDecoder(keyFormat(cfg), l.keySchema, cfg.Options); err != nil {
		return nil, fmt.Errorf("%w: key format: %w", ErrKeyFields, err)
	}
	d.kscratch = make(types.Row, len(l.keySchema.Columns))
	d.vscratch = make(types.Row, len(l.valSchema.Columns))
	return d, nil
}

func sameNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// decode fills row[:len(schema)] and returns the operation. A record with
// a value upserts: the value's columns, with the key's (non-NULL) fields
// over them when the record has a key. A tombstone with a key deletes: the
// key columns set, the others NULL.
func (d *changelogDecoder) decode(key, value []byte, row types.Row) (int, error) {
	n := len(d.l.schema.Columns)
	clear(row[:n])
	hasKey := key != nil
	if hasKey {
		clear(d.kscratch)
		if err := d.key.Decode(key, d.kscratch); err != nil {
			return 0, fmt.Errorf("key: %w", err)
		}
	}
	op := changeUpsert
	switch {
	case value == nil && !hasKey:
		return 0, errTombstoneNoKey
	case value == nil:
		op = changeDelete
	case d.exceptKey:
		if !hasKey {
			return 0, fmt.Errorf("key: %w", errNullKey)
		}
		clear(d.vscratch)
		if err := d.value.Decode(value, d.vscratch); err != nil {
			return 0, err
		}
		for j, i := range d.l.valueIdx {
			row[i] = d.vscratch[j]
		}
	default:
		if err := d.value.Decode(value, row[:n]); err != nil {
			return 0, err
		}
	}
	if hasKey {
		for j, i := range d.l.keyIdx {
			if v := d.kscratch[j]; !v.IsNull() {
				row[i] = v
			}
		}
	}
	for j, i := range d.l.keyIdx {
		if row[i].IsNull() {
			where := "the value"
			if hasKey {
				where = "the key"
				if value != nil {
					where = "the key and the value"
				}
			}
			return 0, fmt.Errorf("%w: '%s' is missing from %s", errNullPrimaryKey, d.pkNames[j], where)
		}
	}
	return op, nil
}
