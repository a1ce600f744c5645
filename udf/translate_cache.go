package udf

import (
	"bufio"
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
)

// translateCacheKey identifies a translation: the prompt version, model,
// target language and normalised text. Two texts that differ only in
// surrounding or repeated whitespace share a translation.
func translateCacheKey(text, lang, model string) string {
	return PromptVersion + "\x00" + model + "\x00" + strings.ToLower(strings.TrimSpace(lang)) + "\x00" + normalizeChatText(text)
}

// normalizeChatText trims the text and collapses runs of white space to one
// space; it allocates only when the text changes.
func normalizeChatText(s string) string {
	t := strings.TrimSpace(s)
	clean := true
	prevSpace := false
	for _, r := range t {
		sp := unicode.IsSpace(r)
		if sp && (prevSpace || r != ' ') {
			clean = false
			break
		}
		prevSpace = sp
	}
	if clean {
		return t
	}
	return strings.Join(strings.Fields(t), " ")
}

// translateCache is a bounded least-recently-used map of translations with
// a time to live, shared by the TRANSLATE operators of a job.
type translateCache struct {
	mu    sync.Mutex
	size  int
	ttl   time.Duration
	ll    *list.List // front = most recently used
	items map[string]*list.Element
	now   func() time.Time
}

type cacheEntry struct {
	key, value string
	stored     time.Time
}

func newTranslateCache(size int, ttl time.Duration) *translateCache {
	return &translateCache{size: size, ttl: ttl, ll: list.New(), items: make(map[string]*list.Element, min(size, 1<<16)), now: time.Now}
}

func (c *translateCache) get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return "", false
	}
	e := el.Value.(*cacheEntry)
	if c.ttl > 0 && c.now().Sub(e.stored) > c.ttl {
		c.ll.Remove(el)
		delete(c.items, key)
		return "", false
	}
	c.ll.MoveToFront(el)
	return e.value, true
}

// put stores a translation made at stored (the journal replays old ones).
func (c *translateCache) put(key, value string, stored time.Time) {
	if c.ttl > 0 && c.now().Sub(stored) > c.ttl {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*cacheEntry)
		e.value, e.stored = value, stored
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&cacheEntry{key: key, value: value, stored: stored})
	for c.ll.Len() > c.size {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).key)
	}
}

func (c *translateCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// entries returns the live entries, least recently used first (the order
// in which a reload must put them back).
func (c *translateCache) entries() []cacheEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]cacheEntry, 0, c.ll.Len())
	now := c.now()
	for el := c.ll.Back(); el != nil; el = el.Prev() {
		e := el.Value.(*cacheEntry)
		if c.ttl <= 0 || now.Sub(e.stored) <= c.ttl {
			out = append(out, *e)
		}
	}
	return out
}

// translateJournal makes the cache survive a crash: every translation the
// provider returns is appended (one write per request, before any row gets
// it) to a file in the job's state directory, and a restarted job loads it
// back. So rows replayed from the last checkpoint after a kill -9 find
// their translations and the LLM is not called twice for them. The file is
// rewritten from the cache's contents when it holds twice as many records
// as the cache can.
type translateJournal struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	records int // records in the file
	limit   int // rewrite past this many
	buf     []byte
}

const translateJournalName = "translations.jsonl"

type journalRecord struct {
	K string `json:"k"`
	V string `json:"v"`
	T int64  `json:"t"` // unix milliseconds
}

// openTranslateJournal loads dir's journal into cache and opens it for
// appending. A torn last line (the crash happened mid-write) is skipped.
func openTranslateJournal(dir string, cache *translateCache) (*translateJournal, int, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, fmt.Errorf("translation journal: %w", err)
	}
	j := &translateJournal{path: filepath.Join(dir, translateJournalName), limit: 2*cache.size + 1024}
	loaded := 0
	f, err := os.Open(j.path)
	switch {
	case err == nil:
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for sc.Scan() {
			var r journalRecord
			if json.Unmarshal(sc.Bytes(), &r) != nil || r.K == "" {
				continue
			}
			j.records++
			if !strings.HasPrefix(r.K, PromptVersion+"\x00") {
				continue // made with another prompt
			}
			cache.put(r.K, r.V, time.UnixMilli(r.T))
			loaded++
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, 0, fmt.Errorf("translation journal %s: %w", j.path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, 0, fmt.Errorf("translation journal: %w", err)
	}
	if j.records > j.limit {
		if err := j.rewrite(cache); err != nil {
			return nil, 0, err
		}
	} else if j.f, err = os.OpenFile(j.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
		return nil, 0, fmt.Errorf("translation journal: %w", err)
	}
	return j, loaded, nil
}

// append writes records in one write. The data reaches the kernel before
// append returns, which is what survives a killed process.
func (j *translateJournal) append(cache *translateCache, recs []journalRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("translation journal closed")
	}
	j.buf = j.buf[:0]
	for _, r := range recs {
		b, _ := json.Marshal(r) // strings and ints always marshal
		j.buf = append(append(j.buf, b...), '\n')
	}
	if _, err := j.f.Write(j.buf); err != nil {
		return fmt.Errorf("translation journal: %w", err)
	}
	j.records += len(recs)
	if j.records > j.limit {
		return j.rewriteLocked(cache)
	}
	return nil
}

func (j *translateJournal) rewrite(cache *translateCache) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.rewriteLocked(cache)
}

// rewriteLocked replaces the file with the cache's entries (tmp + rename).
func (j *translateJournal) rewriteLocked(cache *translateCache) error {
	entries := cache.entries()
	tmp := j.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("translation journal: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	for _, e := range entries {
		b, _ := json.Marshal(journalRecord{K: e.key, V: e.value, T: e.stored.UnixMilli()})
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("translation journal: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("translation journal: %w", err)
	}
	f.Close()
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	if err := os.Rename(tmp, j.path); err != nil {
		return fmt.Errorf("translation journal: %w", err)
	}
	j.records = len(entries)
	j.f, err = os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("translation journal: %w", err)
	}
	return nil
}

func (j *translateJournal) close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
