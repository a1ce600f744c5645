// Package checkpoint stores a job's checkpoints on disk: one file per
// checkpoint, CheckpointDir/chk-<id>, written atomically (temp file, fsync,
// rename, fsync of the directory) and checked by a CRC on read, so a crash
// in the middle of a write never leaves a checkpoint that looks complete.
// The last few checkpoints are kept; restart reads the newest good one.
package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors with identity.
var (
	// ErrNotFound: the directory holds no readable checkpoint.
	ErrNotFound = errors.New("no checkpoint found")
	// ErrCorrupt: a checkpoint file is truncated, fails its checksum or
	// does not decode.
	ErrCorrupt = errors.New("corrupt checkpoint")
)

// DefaultRetain is how many completed checkpoints are kept.
const DefaultRetain = 3

const (
	filePrefix = "chk-"
	magic      = "chatsql-checkpoint"
	version    = 1
)

// Manifest is the content of one checkpoint.
type Manifest struct {
	ID    int64     `json:"id"`
	Job   string    `json:"job"`    // the job's stable name
	JobID string    `json:"job_id"` // the run that wrote it
	Time  time.Time `json:"time"`
	// Fingerprint identifies the plan's shape; a restart with a different
	// plan still restores nodes whose id, kind and name match.
	Fingerprint string      `json:"fingerprint"`
	Nodes       []NodeState `json:"nodes"`
}

// NodeState is one node's share of a checkpoint: a source's position or an
// operator's state, as opaque bytes.
type NodeState struct {
	ID    int    `json:"id"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	State []byte `json:"state,omitempty"`
	// Finished marks a node that had ended (bounded input exhausted)
	// before the checkpoint; State is its final state.
	Finished bool `json:"finished,omitempty"`
}

// Node returns the state of node id, or nil.
func (m *Manifest) Node(id int) *NodeState {
	for i := range m.Nodes {
		if m.Nodes[i].ID == id {
			return &m.Nodes[i]
		}
	}
	return nil
}

// Store reads and writes the checkpoints of one job in Dir.
type Store struct {
	Dir    string
	Retain int // checkpoints kept (0: DefaultRetain)
	// Logf reports skipped (corrupt) checkpoints and failed clean-ups.
	Logf func(format string, args ...any)
}

func (s *Store) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// Path returns the file of checkpoint id.
func (s *Store) Path(id int64) string {
	return filepath.Join(s.Dir, filePrefix+strconv.FormatInt(id, 10))
}

// Write stores m atomically as chk-<m.ID> and removes checkpoints beyond
// the retention count. When Write returns nil the checkpoint is durable.
func (s *Store) Write(m *Manifest) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("checkpoint %d: encode: %w", m.ID, err)
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint %d: %w", m.ID, err)
	}
	tmp, err := os.CreateTemp(s.Dir, fmt.Sprintf(".%s%d-*.tmp", filePrefix, m.ID))
	if err != nil {
		return fmt.Errorf("checkpoint %d: %w", m.ID, err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	w := bufio.NewWriter(tmp)
	fmt.Fprintf(w, "%s %d %08x %d\n", magic, version, crc32.ChecksumIEEE(body), len(body))
	w.Write(body)
	if err := w.Flush(); err != nil {
		return fmt.Errorf("checkpoint %d: write %s: %w", m.ID, tmpName, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("checkpoint %d: fsync %s: %w", m.ID, tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("checkpoint %d: close %s: %w", m.ID, tmpName, err)
	}
	if err := os.Rename(tmpName, s.Path(m.ID)); err != nil {
		return fmt.Errorf("checkpoint %d: %w", m.ID, err)
	}
	ok = true
	syncDir(s.Dir) // the rename is durable only once the directory is
	s.prune()
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// IDs lists the ids of the checkpoint files in Dir, ascending. A missing
// directory has none.
func (s *Store) IDs() ([]int64, error) {
	ents, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint dir %s: %w", s.Dir, err)
	}
	var ids []int64
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, filePrefix) {
			continue
		}
		id, err := strconv.ParseInt(name[len(filePrefix):], 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	return ids, nil
}

// Read loads and verifies checkpoint id.
func (s *Store) Read(id int64) (*Manifest, error) {
	path := s.Path(id)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return decode(path, id, data)
}

func decode(path string, id int64, data []byte) (*Manifest, error) {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return nil, fmt.Errorf("%w %s: no header", ErrCorrupt, path)
	}
	header, body := string(data[:nl]), data[nl+1:]
	var (
		ver int
		sum uint32
		n   int
		m   Manifest
	)
	if k, err := fmt.Sscanf(header, magic+" %d %08x %d", &ver, &sum, &n); err != nil || k != 3 {
		return nil, fmt.Errorf("%w %s: bad header %q", ErrCorrupt, path, header)
	}
	if ver != version {
		return nil, fmt.Errorf("%w %s: unsupported version %d", ErrCorrupt, path, ver)
	}
	if len(body) != n {
		return nil, fmt.Errorf("%w %s: %d bytes, header says %d (truncated?)", ErrCorrupt, path, len(body), n)
	}
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w %s: checksum mismatch", ErrCorrupt, path)
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrCorrupt, path, err)
	}
	if m.ID != id {
		return nil, fmt.Errorf("%w %s: holds id %d", ErrCorrupt, path, m.ID)
	}
	return &m, nil
}

// Latest returns the newest checkpoint that reads back intact, skipping
// (and reporting through Logf) corrupt ones, and the highest checkpoint id
// present in the directory (corrupt ones included), so that new ids never
// reuse a name. It returns ErrNotFound (with maxID still set) when no
// checkpoint is readable.
func (s *Store) Latest() (m *Manifest, maxID int64, err error) {
	ids, err := s.IDs()
	if err != nil {
		return nil, 0, err
	}
	if len(ids) > 0 {
		maxID = ids[len(ids)-1]
	}
	for i := len(ids) - 1; i >= 0; i-- {
		m, err := s.Read(ids[i])
		if err == nil {
			return m, maxID, nil
		}
		s.logf("warning: skipping checkpoint %d: %v", ids[i], err)
	}
	return nil, maxID, fmt.Errorf("%w in %s", ErrNotFound, s.Dir)
}

// prune removes all but the newest Retain checkpoints and stale temp files.
func (s *Store) prune() {
	retain := s.Retain
	if retain <= 0 {
		retain = DefaultRetain
	}
	ids, err := s.IDs()
	if err != nil {
		s.logf("warning: checkpoint clean-up: %v", err)
		return
	}
	for i := 0; i+retain < len(ids); i++ {
		if err := os.Remove(s.Path(ids[i])); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.logf("warning: checkpoint clean-up: %v", err)
		}
	}
	// Temp files of checkpoints older than the oldest kept one are
	// leftovers of crashes.
	if ents, err := os.ReadDir(s.Dir); err == nil && len(ids) > 0 {
		oldest := ids[max(0, len(ids)-retain)]
		for _, e := range ents {
			name := e.Name()
			if !strings.HasPrefix(name, "."+filePrefix) || !strings.HasSuffix(name, ".tmp") {
				continue
			}
			idPart := strings.TrimPrefix(name, "."+filePrefix)
			if dash := strings.IndexByte(idPart, '-'); dash > 0 {
				if id, err := strconv.ParseInt(idPart[:dash], 10, 64); err == nil && id < oldest {
					os.Remove(filepath.Join(s.Dir, name))
				}
			}
		}
	}
}
