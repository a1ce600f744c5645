// Package file is the bounded file connector: a source that reads JSON lines
// or CSV from a file, a directory or a glob, resumable from a (file, byte
// offset) snapshot, and a sink that writes JSON lines or CSV to one file,
// truncating it back to the last checkpoint on restore.
package file

import (
	"errors"
	"fmt"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/format"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// Option and metadata names.
const (
	OptPath     = "path"
	MetaPath    = "file.path"
	MetaLine    = "file.line"
	batchSize   = 1024
	maxLineSize = 64 << 20 // a longer line is a broken file, not a record
)

// Errors with identity, wrapped with the path they concern.
var (
	ErrNoFiles       = errors.New("no input files")
	ErrBadState      = errors.New("unreadable file connector checkpoint state")
	ErrUnknownMeta   = errors.New("unknown metadata key")
	ErrLineTooLong   = errors.New("line too long")
	ErrCheckpointGap = errors.New("file is shorter than its checkpoint")
)

// Formats the connector reads and writes; json (JSON lines) is the default.
var Formats = []string{"json", "csv", "raw"}

// Spec is the file connector's declared surface.
func Spec() connectors.Spec {
	opts := []connectors.Option{{
		Name: OptPath, Type: connectors.OptString, Required: true,
		Description: "A file, a directory (every file in it, in name order; names starting with '.' or '_' are skipped) or a glob such as 'data/*.jsonl'. A sink writes one file and creates its directories.",
	}}
	opts = append(opts, format.OptionsFor(Formats...)...)
	return connectors.Spec{
		Name:        "file",
		Description: "Bounded JSON-lines or CSV files: a source that reads them line by line and ends, and a sink that writes them. Sources resume from a checkpoint after the last emitted line; sinks truncate back to the checkpoint on restore.",
		Options:     opts,
		Metadata: []types.Column{
			{Name: MetaPath, Type: types.String},
			{Name: MetaLine, Type: types.BigInt},
		},
		Formats: Formats,
		Source:  true,
		Sink:    true,
	}
}

func init() {
	connectors.Register(connectors.Connector{
		Spec:      Spec(),
		NewSource: func(cfg connectors.Config) (runtime.Source, error) { return NewSource(cfg) },
		NewSink:   func(cfg connectors.Config) (runtime.Sink, error) { return NewSink(cfg) },
	})
}

func formatOf(cfg connectors.Config) string {
	if f := cfg.Options.Get("format"); f != "" {
		return f
	}
	return Formats[0]
}

func metaKey(m connectors.MetadataColumn) error {
	switch m.Key {
	case MetaPath, MetaLine:
		return nil
	}
	return fmt.Errorf("%w '%s' for column '%s' (the file connector offers %s and %s)", ErrUnknownMeta, m.Key, m.Name, MetaPath, MetaLine)
}
