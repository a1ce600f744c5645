package file

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/format"
	"github.com/chatsql/chatsql/runtime"
)

// Sink writes one record per line to one file. Flush fsyncs; the snapshot
// is the file's durable length, and a restore truncates the file to it so
// that rows replayed after the checkpoint are not written twice.
type Sink struct {
	cfg     connectors.Config
	path    string
	enc     format.Encoder
	header  format.HeaderWriter
	n       int // physical columns
	restore []byte

	f       *os.File
	w       *bufio.Writer
	written int64 // bytes handed to w
	durable int64 // bytes fsynced
	buf     []byte
}

// sinkState is the sink's snapshot.
type sinkState struct {
	Length int64 `json:"length"`
}

// NewSink builds a file sink from validated options.
func NewSink(cfg connectors.Config) (*Sink, error) {
	enc, err := format.NewEncoder(formatOf(cfg), cfg.Schema, cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("file sink '%s': %w", cfg.Name, err)
	}
	s := &Sink{cfg: cfg, path: cfg.Options.Get(OptPath), enc: enc, n: len(cfg.Schema.Columns)}
	s.header, _ = enc.(format.HeaderWriter)
	return s, nil
}

// Restore implements runtime.Snapshotter; the truncation happens in Open
// (or at once when the sink is already open).
func (s *Sink) Restore(_ context.Context, state []byte) error {
	s.restore = state
	if s.f != nil {
		return s.truncate(state)
	}
	return nil
}

// Open implements runtime.Sink. A fresh start (no state) truncates the file;
// a restore truncates it to the checkpoint's length.
func (s *Sink) Open(_ context.Context, _ *runtime.OpContext, state []byte) error {
	if state == nil {
		state = s.restore
	}
	if dir := filepath.Dir(s.path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("file sink '%s': %w", s.cfg.Name, err)
		}
	}
	f, err := os.OpenFile(s.path, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("file sink '%s': %w", s.cfg.Name, err)
	}
	s.f = f
	s.w = bufio.NewWriterSize(f, 256<<10)
	return s.truncate(state)
}

func (s *Sink) truncate(state []byte) error {
	var length int64
	if state != nil {
		var st sinkState
		if err := json.Unmarshal(state, &st); err != nil {
			return fmt.Errorf("file sink '%s': %w: %v", s.cfg.Name, ErrBadState, err)
		}
		length = st.Length
		fi, err := s.f.Stat()
		if err != nil {
			return fmt.Errorf("file sink '%s': %w", s.cfg.Name, err)
		}
		if fi.Size() < length {
			return fmt.Errorf("file sink '%s': %s: %w (%d bytes, checkpoint says %d)", s.cfg.Name, s.path, ErrCheckpointGap, fi.Size(), length)
		}
	}
	s.w.Reset(s.f)
	if err := s.f.Truncate(length); err != nil {
		return fmt.Errorf("file sink '%s': truncating %s: %w", s.cfg.Name, s.path, err)
	}
	if _, err := s.f.Seek(length, io.SeekStart); err != nil {
		return fmt.Errorf("file sink '%s': %w", s.cfg.Name, err)
	}
	s.written, s.durable = length, length
	if length == 0 && s.header != nil {
		s.buf = append(s.header.AppendHeader(s.buf[:0]), '\n')
		n, err := s.w.Write(s.buf)
		s.written += int64(n)
		if err != nil {
			return fmt.Errorf("file sink '%s': %w", s.cfg.Name, err)
		}
	}
	return nil
}

// Write implements runtime.Sink.
func (s *Sink) Write(_ context.Context, b *runtime.Batch) error {
	for _, row := range b.Rows {
		var err error
		s.buf, err = s.enc.Encode(s.buf[:0], row[:s.n])
		if err != nil {
			return fmt.Errorf("file sink '%s': %w", s.cfg.Name, err)
		}
		s.buf = append(s.buf, '\n')
		n, err := s.w.Write(s.buf)
		s.written += int64(n)
		if err != nil {
			return fmt.Errorf("file sink '%s': writing %s: %w", s.cfg.Name, s.path, err)
		}
	}
	return nil
}

// Flush implements runtime.Sink: everything written so far is on disk.
func (s *Sink) Flush(context.Context) error {
	if s.f == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("file sink '%s': writing %s: %w", s.cfg.Name, s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("file sink '%s': syncing %s: %w", s.cfg.Name, s.path, err)
	}
	s.durable = s.written
	return nil
}

// Snapshot implements runtime.Snapshotter: the durable length at the barrier.
func (s *Sink) Snapshot(ctx context.Context, _ int64) ([]byte, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	return json.Marshal(sinkState{Length: s.durable})
}

// Close implements runtime.Sink.
func (s *Sink) Close() error {
	if s.f == nil {
		return nil
	}
	err := s.Flush(context.Background())
	if cerr := s.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("file sink '%s': %w", s.cfg.Name, cerr)
	}
	s.f = nil
	return err
}

var (
	_ runtime.Sink        = (*Sink)(nil)
	_ runtime.Snapshotter = (*Sink)(nil)
)
