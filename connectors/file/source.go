package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chatsql/chatsql/connectors"
	"github.com/chatsql/chatsql/connectors/format"
	"github.com/chatsql/chatsql/runtime"
	"github.com/chatsql/chatsql/runtime/types"
)

// Source reads the files of one path in order, line by line. Each batch
// holds rows of one file and carries the file's index as its Partition.
type Source struct {
	cfg    connectors.Config
	dec    format.Decoder
	header format.HeaderReader // non-nil for CSV: the first line of each file
	quote  byte                // CSV quote character: a record spans lines while quotes are open
	width  int

	sc     *runtime.SourceContext
	files  []string
	idx    int // current file
	f      *os.File
	r      *bufio.Reader
	offset int64 // byte offset of the next unread line in files[idx]
	line   int64 // lines consumed in files[idx]
	done   bool
	rec    []byte // the record being assembled when it spans buffer fills or lines
}

// position is the source's snapshot.
type position struct {
	File   int    `json:"file"`
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
	Line   int64  `json:"line"`
	Done   bool   `json:"done,omitempty"`
}

// NewSource builds a file source from validated options.
func NewSource(cfg connectors.Config) (*Source, error) {
	name := formatOf(cfg)
	dec, err := format.NewDecoder(name, cfg.Schema, cfg.Options)
	if err != nil {
		return nil, fmt.Errorf("file source '%s': %w", cfg.Name, err)
	}
	for _, m := range cfg.Metadata {
		if err := metaKey(m); err != nil {
			return nil, fmt.Errorf("file source '%s': %w", cfg.Name, err)
		}
	}
	s := &Source{cfg: cfg, dec: dec, width: len(cfg.Schema.Columns) + len(cfg.Metadata)}
	if h, ok := dec.(format.HeaderReader); ok {
		s.header = h
		s.quote = '"'
		if q := cfg.Options.Get(format.OptCSVQuoteCharacter); len(q) == 1 {
			s.quote = q[0]
		}
	}
	return s, nil
}

// Bounded implements runtime.Bounded.
func (s *Source) Bounded() bool { return true }

// ListFiles resolves a path option: a file, every visible file of a
// directory in name order, or the files a glob matches in name order.
func ListFiles(path string) ([]string, error) {
	if st, err := os.Stat(path); err == nil {
		if !st.IsDir() {
			return []string{path}, nil
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("file: reading directory %s: %w", path, err)
		}
		var out []string
		for _, e := range entries {
			n := e.Name()
			if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
				continue
			}
			out = append(out, filepath.Join(path, n))
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("file: %w in directory %s", ErrNoFiles, path)
		}
		return out, nil
	}
	matches, err := filepath.Glob(path)
	if err != nil {
		return nil, fmt.Errorf("file: bad glob %s: %w", path, err)
	}
	var out []string
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && !st.IsDir() {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("file: %w: %s matches no file", ErrNoFiles, path)
	}
	sort.Strings(out)
	return out, nil
}

// Open implements runtime.Source.
func (s *Source) Open(ctx context.Context, sc *runtime.SourceContext, state []byte) error {
	s.sc = sc
	files, err := ListFiles(s.cfg.Options.Get(OptPath))
	if err != nil {
		return err
	}
	s.files = files
	if state == nil {
		return s.openFile(0, 0, 0)
	}
	var p position
	if err := json.Unmarshal(state, &p); err != nil {
		return fmt.Errorf("file source '%s': %w: %v", s.cfg.Name, ErrBadState, err)
	}
	if p.Done {
		s.idx, s.done = len(files), true
		return nil
	}
	idx := p.File
	// Prefer the file's name: the directory may have gained files since.
	for i, f := range files {
		if f == p.Path {
			idx = i
		}
	}
	if idx < 0 || idx >= len(files) || files[idx] != p.Path {
		return fmt.Errorf("file source '%s': %w: file %s from the checkpoint is gone", s.cfg.Name, ErrBadState, p.Path)
	}
	return s.openFile(idx, p.Offset, p.Line)
}

// openFile opens files[idx] at offset; for CSV it reads the header first.
func (s *Source) openFile(idx int, offset, line int64) error {
	s.closeFile()
	s.idx, s.offset, s.line = idx, offset, line
	if idx >= len(s.files) {
		s.done = true
		return nil
	}
	path := s.files[idx]
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("file source '%s': %w", s.cfg.Name, err)
	}
	s.f = f
	if s.r == nil {
		s.r = bufio.NewReaderSize(f, 256<<10)
	} else {
		s.r.Reset(f)
	}
	if s.sc != nil && s.sc.Partitions != nil {
		s.sc.Partitions([]int32{int32(idx)})
	}
	if s.header != nil {
		hdr, n, err := s.readRecord()
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("file source '%s': reading the header of %s: %w", s.cfg.Name, path, err)
		}
		if len(hdr) > 0 {
			if err := s.header.ReadHeader(hdr); err != nil {
				return fmt.Errorf("file source '%s': bad header in %s: %w", s.cfg.Name, path, err)
			}
		}
		if offset == 0 {
			s.offset, s.line = n, 1
			return nil
		}
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return fmt.Errorf("file source '%s': seeking %s to %d: %w", s.cfg.Name, path, offset, err)
		}
		s.r.Reset(f)
	}
	return nil
}

func (s *Source) closeFile() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// readRecord reads the next line (several for a CSV record whose quotes are
// open at a line break) without its line break, and the bytes it consumed.
// The returned slice is valid until the next call. io.EOF means no record.
func (s *Source) readRecord() ([]byte, int64, error) {
	s.rec = s.rec[:0]
	var consumed int64
	quotes := 0
	for {
		chunk, err := s.r.ReadSlice('\n')
		consumed += int64(len(chunk))
		if len(s.rec) == 0 && err == nil && s.header == nil {
			// The common case: a whole line in the buffer, used in place.
			return trimEOL(chunk), consumed, nil
		}
		s.rec = append(s.rec, chunk...)
		if len(s.rec) > maxLineSize {
			return nil, consumed, fmt.Errorf("%w (over %d bytes)", ErrLineTooLong, maxLineSize)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if s.header != nil && err == nil {
			quotes += bytes.Count(chunk, []byte{s.quote})
			if quotes%2 == 1 {
				continue // a quoted field holds a line break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, consumed, err
		}
		if errors.Is(err, io.EOF) && len(s.rec) == 0 {
			return nil, consumed, io.EOF
		}
		return trimEOL(s.rec), consumed, nil
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// Poll implements runtime.Source: up to batchSize rows of the current file.
func (s *Source) Poll(ctx context.Context) (*runtime.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for !s.done {
		b, err := s.pollFile(ctx)
		if err != nil || b != nil {
			return b, err
		}
		if err := s.openFile(s.idx+1, 0, 0); err != nil {
			return nil, err
		}
	}
	return nil, runtime.ErrEndOfInput
}

// pollFile reads a batch from the current file; nil at its end.
func (s *Source) pollFile(ctx context.Context) (*runtime.Batch, error) {
	path := s.files[s.idx]
	var rows []types.Row
	var slab []types.Value
	nPhys := len(s.cfg.Schema.Columns)
	for len(rows) < batchSize {
		rec, n, err := s.readRecord()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("file source '%s': %s:%d: %w", s.cfg.Name, path, s.line+1, err)
		}
		s.offset += n
		s.line++
		lineNo := s.line // where the record starts
		if s.header != nil {
			s.line += int64(bytes.Count(rec, []byte{'\n'})) // quoted line breaks
		}
		if len(bytes.TrimSpace(rec)) == 0 {
			continue
		}
		if len(slab) < s.width {
			slab = make([]types.Value, s.width*min(batchSize-len(rows), 256))
		}
		row := types.Row(slab[:s.width:s.width])
		if err := s.dec.Decode(rec, row); err != nil {
			s.deadLetter(ctx, path, lineNo, rec, err)
			continue
		}
		slab = slab[s.width:]
		for i, m := range s.cfg.Metadata {
			switch m.Key {
			case MetaPath:
				row[nPhys+i] = types.NewString(path)
			case MetaLine:
				row[nPhys+i] = types.NewBigInt(lineNo)
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &runtime.Batch{Rows: rows, Partition: int32(s.idx)}, nil
}

func (s *Source) deadLetter(ctx context.Context, path string, line int64, rec []byte, err error) {
	if s.sc == nil || s.sc.DeadLetter == nil {
		return
	}
	s.sc.DeadLetter(ctx, runtime.DeadLetterRecord{
		Source:    s.cfg.Name,
		Topic:     path,
		Partition: int32(s.idx),
		Offset:    line,
		Value:     bytes.Clone(rec),
		Err:       fmt.Errorf("%s:%d: %w", path, line, err),
	})
}

// Snapshot implements runtime.Source: the position after the last line
// that Poll returned.
func (s *Source) Snapshot(context.Context) ([]byte, error) {
	p := position{File: s.idx, Offset: s.offset, Line: s.line, Done: s.done}
	if s.idx < len(s.files) {
		p.Path = s.files[s.idx]
	}
	return json.Marshal(p)
}

// Close implements runtime.Source.
func (s *Source) Close() error {
	s.closeFile()
	return nil
}

var (
	_ runtime.Source  = (*Source)(nil)
	_ runtime.Bounded = (*Source)(nil)
)
