package adhoc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	iceberg "github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
)

// Files in object storage (s3://, gs://, ...) are read by DuckDB from a
// local copy: DuckDB reads object stores only through its httpfs extension,
// which it downloads on first use and which cannot be had offline, and it
// would need the catalog's credentials and endpoint in its own terms. The
// copies are fetched through the table's iceberg-go IO (the catalog's s3.*,
// gcs.* properties, or what a REST catalog vends) into a cache directory,
// <data dir>/cache/adhoc, one file per location and size: Iceberg files are
// never rewritten in place, so a cached copy stays right for as long as a
// snapshot lists it. A query refreshes the copies it uses; copies no query
// used for cacheMaxIdle are removed, and the least recently used go first
// when the cache outgrows cacheMaxBytes.

// CacheDir is the cache of remote files under a data directory.
func CacheDir(dataDir string) string { return filepath.Join(dataDir, "cache", "adhoc") }

var (
	cacheMaxIdle  = 7 * 24 * time.Hour
	cacheMaxBytes = int64(20 << 30)
)

// fetchParallel is how many files are downloaded at once.
const fetchParallel = 8

// dataDirer is what a Catalogs may also offer: its data directory, where
// the cache lives. Without it, a query's copies go to a temporary directory
// removed when the query closes.
type dataDirer interface{ DataDir() string }

// remoteFile is one object-store file a query reads.
type remoteFile struct {
	location string
	size     int64
	fs       icebergio.IO
}

// isLocal says whether DuckDB can open an Iceberg location as it is: a
// file: URI or a path without a scheme.
func isLocal(loc string) bool {
	if strings.HasPrefix(loc, "file:") {
		return true
	}
	i := strings.Index(loc, "://")
	return i < 0
}

// cacheName is the cached copy's file name: a hash of location and size,
// keeping the extension (DuckDB does not need it; people looking do).
func cacheName(loc string, size int64) string {
	h := sha256.Sum256([]byte(loc + "\x00" + strconv.FormatInt(size, 10)))
	ext := filepath.Ext(loc)
	if len(ext) > 10 || strings.ContainsAny(ext, "/?#") {
		ext = ""
	}
	return hex.EncodeToString(h[:16]) + ext
}

// fetchRemote makes local copies of files in dir and returns the local path
// of each location. Copies already there (same location and size) are
// reused and marked used.
func fetchRemote(ctx context.Context, dir string, files []remoteFile) (map[string]string, error) {
	out := make(map[string]string, len(files))
	if len(files) == 0 {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ad-hoc file cache: %w", err)
	}
	var todo []remoteFile
	now := time.Now()
	for _, f := range files {
		p := filepath.Join(dir, cacheName(f.location, f.size))
		out[f.location] = p
		if st, err := os.Stat(p); err == nil && st.Size() == f.size {
			os.Chtimes(p, now, now) // used now: kept
			continue
		}
		todo = append(todo, f)
	}
	if len(todo) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan remoteFile)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := 0; i < min(fetchParallel, len(todo)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range work {
				if err := fetchOne(ctx, f, out[f.location]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
	for _, f := range todo {
		select {
		case work <- f:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, ctx.Err()
}

// fetchOne copies one file to dst through a temporary file renamed into
// place, so that a reader (another chatsql process) never sees half a copy.
func fetchOne(ctx context.Context, f remoteFile, dst string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	src, err := f.fs.Open(f.location)
	if err != nil {
		return fmt.Errorf("fetching %s for DuckDB: %w", f.location, err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".fetch-*")
	if err != nil {
		return fmt.Errorf("ad-hoc file cache: %w", err)
	}
	n, err := io.Copy(tmp, readerCtx{ctx, src})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != f.size {
		err = fmt.Errorf("read %d bytes, the manifest says %d", n, f.size)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fetching %s for DuckDB: %w", f.location, err)
	}
	return nil
}

// readerCtx stops a copy when ctx is done.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// pruneCache removes copies unused for cacheMaxIdle, then the least
// recently used ones (other than keep, what the query reads) while the cache
// is over cacheMaxBytes, and temporary files of fetches that died. Errors
// are ignored: the cache is only a cache.
func pruneCache(dir string, keep map[string]string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	inUse := map[string]bool{}
	for _, p := range keep {
		inUse[filepath.Base(p)] = true
	}
	type entry struct {
		name string
		size int64
		used time.Time
	}
	var live []entry
	var total int64
	now := time.Now()
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		name := e.Name()
		idle := now.Sub(info.ModTime())
		switch {
		case inUse[name]:
		case strings.HasPrefix(name, ".fetch-") && idle > time.Hour,
			!strings.HasPrefix(name, ".") && idle > cacheMaxIdle:
			os.Remove(filepath.Join(dir, name))
			continue
		}
		if !strings.HasPrefix(name, ".") {
			live = append(live, entry{name, info.Size(), info.ModTime()})
			total += info.Size()
		}
	}
	if total <= cacheMaxBytes {
		return
	}
	sort.Slice(live, func(i, j int) bool { return live[i].used.Before(live[j].used) })
	for _, e := range live {
		if total <= cacheMaxBytes {
			break
		}
		if inUse[e.name] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.name)); err == nil || errors.Is(err, fs.ErrNotExist) {
			total -= e.size
		}
	}
}

// fetchScans fetches the object-store files of the scans into the cache
// (the data directory's, or a temporary one that the returned cleanup
// removes) and points each scan at its copies.
func fetchScans(ctx context.Context, cats Catalogs, scans map[string]*scan, progress io.Writer) (cleanup func(), err error) {
	cleanup = func() {}
	var files []remoteFile
	var bytes int64
	seen := map[string]bool{}
	keys := make([]string, 0, len(scans))
	for k := range scans {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := scans[k]
		var fsys icebergio.IO
		add := func(loc string, size int64) error {
			if isLocal(loc) || seen[loc] {
				return nil
			}
			if fsys == nil {
				var err error
				if fsys, err = s.tbl.FS(ctx); err != nil {
					return fmt.Errorf("opening the storage of Iceberg table %s: %w", s.Name(), err)
				}
			}
			seen[loc] = true
			files = append(files, remoteFile{location: loc, size: size, fs: fsys})
			bytes += size
			return nil
		}
		for _, t := range s.Tasks {
			if err := add(t.File.FilePath(), t.File.FileSizeBytes()); err != nil {
				return cleanup, err
			}
			for _, d := range append(append([]iceberg.DataFile(nil), t.DeleteFiles...), t.EqualityDeleteFiles...) {
				if err := add(d.FilePath(), d.FileSizeBytes()); err != nil {
					return cleanup, err
				}
			}
		}
	}
	if len(files) == 0 {
		return cleanup, nil
	}
	var dir string
	if dd, ok := cats.(dataDirer); ok && dd.DataDir() != "" {
		dir = CacheDir(dd.DataDir())
	} else {
		if dir, err = os.MkdirTemp("", "chatsql-adhoc-"); err != nil {
			return cleanup, fmt.Errorf("ad-hoc file cache: %w", err)
		}
		cleanup = func() { os.RemoveAll(dir) }
	}
	if progress != nil {
		fmt.Fprintf(progress, "\r\033[Kfetching %d files, %s from object storage", len(files), humanBytes(bytes))
		defer fmt.Fprint(progress, "\r\033[K")
	}
	local, err := fetchRemote(ctx, dir, files)
	if err != nil {
		cleanup()
		return func() {}, err
	}
	for _, s := range scans {
		s.local = local
	}
	pruneCache(dir, local)
	return cleanup, nil
}
