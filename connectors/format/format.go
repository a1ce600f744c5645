// Package format turns record bytes into rows and rows into record bytes
// (JSON lines, CSV, raw). Connectors share it.
package format

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/runtime/types"
)

// Decoder fills the physical columns of one row from one record.
type Decoder interface {
	// Decode parses data into row[:len(schema.Columns)]. row has at least
	// that length. A returned error means the record is malformed or a
	// field has the wrong type; the caller dead-letters it. The error says
	// which field and what was wrong.
	Decode(data []byte, row types.Row) error
}

// Encoder renders one row.
type Encoder interface {
	// Encode appends the record for row to buf and returns it.
	Encode(buf []byte, row types.Row) ([]byte, error)
}

// Factory builds decoders and encoders of one format.
type Factory struct {
	Name       string
	NewDecoder func(schema types.Schema, opts connectors.Options) (Decoder, error)
	NewEncoder func(schema types.Schema, opts connectors.Options) (Encoder, error)
	// Options are the format's own options (e.g. json.ignore-parse-errors,
	// csv.field-delimiter), merged into a connector's spec by connectors
	// that take this format.
	Options []connectors.Option
}

var (
	mu        sync.RWMutex
	factories = map[string]*Factory{}
)

// Register adds a format; duplicate names panic at start-up.
func Register(f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := factories[f.Name]; dup {
		panic("format: duplicate " + f.Name)
	}
	ff := f
	factories[strings.ToLower(f.Name)] = &ff
}

// Lookup finds a format by name.
func Lookup(name string) (*Factory, error) {
	mu.RLock()
	defer mu.RUnlock()
	if f, ok := factories[strings.ToLower(name)]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("unknown format '%s'", name)
}

// Names lists the registered formats.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for k := range factories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NewDecoder builds a decoder for the named format.
func NewDecoder(name string, schema types.Schema, opts connectors.Options) (Decoder, error) {
	f, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if f.NewDecoder == nil {
		return nil, fmt.Errorf("format '%s' cannot be read", name)
	}
	return f.NewDecoder(schema, opts)
}

// NewEncoder builds an encoder for the named format.
func NewEncoder(name string, schema types.Schema, opts connectors.Options) (Encoder, error) {
	f, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if f.NewEncoder == nil {
		return nil, fmt.Errorf("format '%s' cannot be written", name)
	}
	return f.NewEncoder(schema, opts)
}
