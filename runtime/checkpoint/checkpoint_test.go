package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func manifest(id int64) *Manifest {
	return &Manifest{ID: id, Job: "sink", JobID: "j1", Time: time.Unix(1700000000, 0).UTC(), Fingerprint: "fp",
		Nodes: []NodeState{{ID: 0, Kind: "Source", Name: "src", State: []byte{0, 1, 2, 255}}, {ID: 1, Kind: "Sink", Name: "out", Finished: true}}}
}

func TestWriteReadRetain(t *testing.T) {
	s := &Store{Dir: filepath.Join(t.TempDir(), "cp")}
	for id := int64(1); id <= 5; id++ {
		if err := s.Write(manifest(id)); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := s.IDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || ids[0] != 3 || ids[2] != 5 {
		t.Fatalf("retained ids = %v, want [3 4 5]", ids)
	}
	m, maxID, err := s.Latest()
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != 5 || maxID != 5 {
		t.Fatalf("latest = %d, max = %d", m.ID, maxID)
	}
	if got := m.Node(0); got == nil || string(got.State) != string([]byte{0, 1, 2, 255}) {
		t.Fatalf("node 0 state = %+v", got)
	}
	if got := m.Node(1); got == nil || !got.Finished {
		t.Fatalf("node 1 = %+v", got)
	}
	if m.Node(7) != nil {
		t.Fatal("node 7 should be absent")
	}
	ents, _ := os.ReadDir(s.Dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Fatalf("temp file left behind: %s", e.Name())
		}
	}
}

func TestCorruptSkipped(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(path string) error
	}{
		{"truncated", func(p string) error {
			b, _ := os.ReadFile(p)
			return os.WriteFile(p, b[:len(b)-5], 0o644)
		}},
		{"bit flip", func(p string) error {
			b, _ := os.ReadFile(p)
			b[len(b)-3] ^= 0x20
			return os.WriteFile(p, b, 0o644)
		}},
		{"empty", func(p string) error { return os.WriteFile(p, nil, 0o644) }},
		{"garbage header", func(p string) error { return os.WriteFile(p, []byte("hello\n{}"), 0o644) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var warnings []string
			s := &Store{Dir: t.TempDir(), Logf: func(f string, a ...any) { warnings = append(warnings, f) }}
			for id := int64(1); id <= 2; id++ {
				if err := s.Write(manifest(id)); err != nil {
					t.Fatal(err)
				}
			}
			if err := tt.corrupt(s.Path(2)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Read(2); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Read(2) err = %v, want ErrCorrupt", err)
			}
			m, maxID, err := s.Latest()
			if err != nil {
				t.Fatal(err)
			}
			if m.ID != 1 || maxID != 2 {
				t.Fatalf("latest = %d max = %d, want 1 and 2", m.ID, maxID)
			}
			if len(warnings) != 1 {
				t.Fatalf("warnings = %v", warnings)
			}
		})
	}
}

func TestLatestEmpty(t *testing.T) {
	s := &Store{Dir: filepath.Join(t.TempDir(), "missing")}
	_, maxID, err := s.Latest()
	if !errors.Is(err, ErrNotFound) || maxID != 0 {
		t.Fatalf("err = %v maxID = %d", err, maxID)
	}
}
