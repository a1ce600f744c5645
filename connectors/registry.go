// Package connectors is the registry of connectors (kafka, file, datagen,
// print, ...). Each connector declares one option Spec that drives
// validation, defaults, error messages and the generated docs. The planner
// validates options through this package; implementations live in
// subpackages that register themselves in init().
package connectors

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// OptionType says how an option's value is checked.
type OptionType int

const (
	OptString OptionType = iota
	OptInt
	OptBool
	OptDuration // Flink style: "5 s", "500ms", "1 min", "10s"
	OptEnum
)

func (t OptionType) String() string {
	return [...]string{"string", "int", "bool", "duration", "enum"}[t]
}

// Option describes one WITH option.
type Option struct {
	Name        string
	Type        OptionType
	Required    bool
	Default     string
	Enum        []string // allowed values for OptEnum
	Description string
	// Prefix marks a family of options, e.g. "properties." passes any
	// Kafka client property through.
	Prefix bool
}

// Spec is a connector's declared surface.
type Spec struct {
	Name        string
	Description string
	Options     []Option
	// Metadata lists the keys usable in METADATA FROM '...', with types.
	Metadata []types.Column
	// Formats lists the accepted 'format' values (empty: no format option).
	Formats []string
	Source  bool
	Sink    bool
}

// Config is what a source or sink constructor gets: validated options with
// defaults applied, plus the columns it must produce or consume.
type Config struct {
	Name    string // the SQL object name
	Options Options
	// Physical columns, in row order: the source produces them, the sink
	// consumes them.
	Schema types.Schema
	// Metadata columns a source appends after the physical ones, in order.
	Metadata []MetadataColumn
	// KeyColumns names the columns that make the record key (sink) or come
	// from it (source), when the connector supports keys.
	KeyColumns []string
	// Settings are the session settings (SET ...) in force, e.g. kafka.brokers.
	Settings map[string]string
	// Changelog asks a source for a changelog of a keyed table ('mode' =
	// 'upsert'): each raw row is the physical columns, the metadata
	// columns, then an INT operation (0 upsert, 1 delete: a tombstone,
	// whose non-key columns are NULL) and the record's TIMESTAMP_LTZ (NULL
	// if unknown). PrimaryKey names the key columns. Such a source calls
	// SourceContext.CaughtUp once it has read everything its topic held
	// when it started.
	Changelog bool
	// PrimaryKey is the table's PRIMARY KEY: the key of a changelog
	// source's rows; a sink gets it too (the iceberg sink makes it the
	// identifier fields of a table it creates).
	PrimaryKey []string
}

// MetadataColumn is a column filled from connector metadata.
type MetadataColumn struct {
	Name string
	Key  string // the metadata key, e.g. "offset", "partition", "topic", "timestamp", "key"
	Type types.Type
}

// Connector is a registered connector.
type Connector struct {
	Spec      Spec
	NewSource func(cfg Config) (runtime.Source, error)
	NewSink   func(cfg Config) (runtime.Sink, error)
}

// Registry maps connector names to connectors. The zero value is empty;
// Default holds what packages registered in init().
type Registry struct {
	mu sync.RWMutex
	m  map[string]*Connector
}

// Default is the process-wide registry.
var Default = &Registry{}

// Register adds c to the default registry; it panics on a duplicate name,
// which is a programming error found at start-up.
func Register(c Connector) { Default.MustRegister(c) }

// MustRegister adds c to r.
func (r *Registry) MustRegister(c Connector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*Connector{}
	}
	name := strings.ToLower(c.Spec.Name)
	if _, dup := r.m[name]; dup {
		panic("connectors: duplicate connector " + name)
	}
	cc := c
	r.m[name] = &cc
}

// Clone returns an independent copy, for tests that register fakes.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := &Registry{m: map[string]*Connector{}}
	for k, v := range r.m {
		out.m[k] = v
	}
	return out
}

// ErrUnknownConnector and ErrBadOption are the kinds of option errors.
var (
	ErrUnknownConnector = errors.New("unknown connector")
	ErrBadOption        = errors.New("bad connector option")
)

// OptionError says which option is wrong, what is wrong and what is allowed.
type OptionError struct {
	Option string // the option key as written
	Msg    string
	Hint   string // "did you mean ..." or the allowed values
}

func (e *OptionError) Error() string {
	s := fmt.Sprintf("option '%s': %s", e.Option, e.Msg)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}
func (e *OptionError) Unwrap() error { return ErrBadOption }

// Lookup finds a connector by name.
func (r *Registry) Lookup(name string) (*Connector, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := r.m[strings.ToLower(name)]; ok {
		return c, nil
	}
	hint := ""
	if m := Closest(name, r.namesLocked()); m != "" {
		hint = fmt.Sprintf("did you mean '%s'?", m)
	} else {
		hint = "known connectors: " + strings.Join(r.namesLocked(), ", ")
	}
	return nil, &OptionError{Option: "connector", Msg: fmt.Sprintf("%v '%s'", ErrUnknownConnector, name), Hint: hint}
}

// Names lists the registered connectors, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.namesLocked()
}

func (r *Registry) namesLocked() []string {
	out := make([]string, 0, len(r.m))
	for k := range r.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Options are validated WITH options, keys lower-cased.
type Options map[string]string

// Get returns an option's value ("" when absent).
func (o Options) Get(k string) string { return o[strings.ToLower(k)] }

// Int returns an int option (validated already, so errors are impossible
// for declared options; undeclared ones return 0).
func (o Options) Int(k string) int64 {
	n, _ := strconv.ParseInt(o.Get(k), 10, 64)
	return n
}

// Bool returns a bool option.
func (o Options) Bool(k string) bool {
	b, _ := strconv.ParseBool(o.Get(k))
	return b
}

// Duration returns a duration option.
func (o Options) Duration(k string) time.Duration {
	d, _ := ParseDuration(o.Get(k))
	return d
}

// WithPrefix returns the options starting with prefix, prefix removed.
func (o Options) WithPrefix(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range o {
		if strings.HasPrefix(k, prefix) {
			out[strings.TrimPrefix(k, prefix)] = v
		}
	}
	return out
}

// Validate checks raw WITH options against the spec and applies defaults.
// "connector" is accepted and kept. Every problem is reported, not only the
// first. forSource says whether the object is read (source) or written.
func (s *Spec) Validate(raw map[string]string, forSource bool) (Options, []*OptionError) {
	var errs []*OptionError
	if forSource && !s.Source {
		errs = append(errs, &OptionError{Option: "connector", Msg: fmt.Sprintf("connector '%s' cannot be read from (it is a sink only)", s.Name)})
	}
	if !forSource && !s.Sink {
		errs = append(errs, &OptionError{Option: "connector", Msg: fmt.Sprintf("connector '%s' cannot be written to (it is a source only)", s.Name)})
	}
	out := Options{}
	known := s.optionNames()
	for k, v := range raw {
		lk := strings.ToLower(strings.TrimSpace(k))
		if lk == "connector" {
			out[lk] = v
			continue
		}
		if lk == "format" && len(s.Formats) > 0 {
			if !containsFold(s.Formats, v) {
				errs = append(errs, &OptionError{Option: k, Msg: fmt.Sprintf("unsupported format '%s'", v), Hint: "allowed: " + strings.Join(s.Formats, ", ")})
			}
			out[lk] = strings.ToLower(v)
			continue
		}
		opt := s.find(lk)
		if opt == nil {
			hint := ""
			if m := Closest(lk, known); m != "" {
				hint = fmt.Sprintf("did you mean '%s'?", m)
			}
			errs = append(errs, &OptionError{Option: k, Msg: fmt.Sprintf("unknown option for connector '%s'", s.Name), Hint: hint})
			continue
		}
		if err := opt.check(v); err != nil {
			errs = append(errs, &OptionError{Option: k, Msg: err.Error(), Hint: opt.allowed()})
			continue
		}
		if opt.Type == OptEnum {
			v = strings.ToLower(v)
		}
		out[lk] = v
	}
	if len(s.Formats) > 0 {
		if _, ok := out["format"]; !ok {
			out["format"] = s.Formats[0]
		}
	}
	for _, opt := range s.Options {
		if opt.Prefix {
			continue
		}
		if _, ok := out[opt.Name]; ok {
			continue
		}
		if opt.Required {
			if misspelled(raw, opt.Name) {
				continue // the unknown option near it already says "did you mean"
			}
			errs = append(errs, &OptionError{Option: opt.Name, Msg: "required option is missing", Hint: opt.Description})
			continue
		}
		if opt.Default != "" {
			out[opt.Name] = opt.Default
		}
	}
	return out, errs
}

// misspelled reports whether one of the given keys is a near miss of name.
func misspelled(raw map[string]string, name string) bool {
	for k := range raw {
		lk := strings.ToLower(strings.TrimSpace(k))
		if lk != name && Closest(lk, []string{name}) != "" {
			return true
		}
	}
	return false
}

func (s *Spec) find(k string) *Option {
	for i := range s.Options {
		o := &s.Options[i]
		if o.Prefix && strings.HasPrefix(k, o.Name) && len(k) > len(o.Name) {
			return o
		}
		if !o.Prefix && o.Name == k {
			return o
		}
	}
	return nil
}

func (s *Spec) optionNames() []string {
	out := []string{"connector"}
	if len(s.Formats) > 0 {
		out = append(out, "format")
	}
	for _, o := range s.Options {
		out = append(out, o.Name)
	}
	return out
}

func (o *Option) check(v string) error {
	switch o.Type {
	case OptInt:
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return fmt.Errorf("'%s' is not an integer", v)
		}
	case OptBool:
		if _, err := strconv.ParseBool(strings.TrimSpace(v)); err != nil {
			return fmt.Errorf("'%s' is not a boolean", v)
		}
	case OptDuration:
		if _, err := ParseDuration(v); err != nil {
			return err
		}
	case OptEnum:
		if !containsFold(o.Enum, v) {
			hint := ""
			if m := Closest(v, o.Enum); m != "" {
				hint = fmt.Sprintf("; did you mean '%s'?", m)
			}
			return fmt.Errorf("'%s' is not allowed%s", v, hint)
		}
	}
	return nil
}

func (o *Option) allowed() string {
	switch o.Type {
	case OptEnum:
		return "allowed: " + strings.Join(o.Enum, ", ")
	case OptDuration:
		return "a duration such as '5 s', '500 ms', '1 min'"
	case OptInt:
		return "an integer"
	case OptBool:
		return "true or false"
	}
	return ""
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, strings.TrimSpace(v)) {
			return true
		}
	}
	return false
}

// ParseDuration accepts Go durations ("500ms", "1m30s") and Flink's
// "<n> <unit>" forms ("5 s", "10 sec", "1 min", "2 h", "100 ms").
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	if d, err := time.ParseDuration(t); err == nil {
		return d, nil
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.TrimSpace(t[i:])
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("'%s' is not a duration", s)
	}
	mult := map[string]time.Duration{
		"": time.Millisecond, "ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
		"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
		"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hour": time.Hour, "hours": time.Hour, "d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("'%s' is not a duration (unknown unit '%s')", s, unit)
	}
	return time.Duration(f * float64(mult)), nil
}
