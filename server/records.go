package server

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/relgate/relgate/attest"
)

// maxRecordSize bounds one record file; a decision record is a few KB.
const maxRecordSize = 1 << 20

// records indexes the decision records of a directory by subject digest.
// Each file is verified once (again only when it changes), so admission
// looks a digest up in memory: verification is cached by digest.
type records struct {
	dir    string
	keys   []*attest.Verifier
	rescan time.Duration // a miss re-reads the directory at most this often

	mu       sync.RWMutex
	files    map[string]recordFile
	byDigest map[string][]*attest.Record
	refused  map[string][]string
	lastScan time.Time
}

type recordFile struct {
	mod     time.Time
	size    int64
	rec     *attest.Record
	err     error
	claimed []string
}

func newRecords(dir string, keys []*attest.Verifier, rescan time.Duration) *records {
	return &records{dir: dir, keys: keys, rescan: rescan, files: map[string]recordFile{}}
}

// scan re-reads the directory: new or changed files are verified, removed
// ones forgotten, and the digest index rebuilt.
func (s *records) scan(ctx context.Context) error {
	if s.dir == "" {
		return nil
	}
	var paths []string
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read records %s: %w", s.dir, err)
	}
	s.mu.RLock()
	old := s.files
	s.mu.RUnlock()
	files := make(map[string]recordFile, len(paths))
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			continue // removed while scanning
		}
		if f, ok := old[p]; ok && f.mod.Equal(info.ModTime()) && f.size == info.Size() {
			files[p] = f
			continue
		}
		files[p] = s.verify(ctx, p, info)
	}
	byDigest := map[string][]*attest.Record{}
	refused := map[string][]string{}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		f := files[p]
		name, _ := filepath.Rel(s.dir, p)
		if f.err != nil {
			for _, d := range f.claimed {
				refused[d] = append(refused[d], filepath.ToSlash(name)+": "+f.err.Error())
			}
			continue
		}
		for _, sub := range f.rec.Subjects {
			byDigest[sub.Digest] = append(byDigest[sub.Digest], f.rec)
		}
	}
	s.mu.Lock()
	s.files, s.byDigest, s.refused, s.lastScan = files, byDigest, refused, time.Now()
	s.mu.Unlock()
	return nil
}

func (s *records) verify(ctx context.Context, p string, info os.FileInfo) recordFile {
	f := recordFile{mod: info.ModTime(), size: info.Size()}
	if info.Size() > maxRecordSize {
		f.err = fmt.Errorf("record larger than %d bytes", maxRecordSize)
		return f
	}
	data, err := os.ReadFile(p)
	if err != nil {
		f.err = fmt.Errorf("read record: %w", err)
		return f
	}
	f.claimed = attest.ClaimedSubjects(data)
	f.rec, f.err = attest.Verify(ctx, data, s.keys, attest.Options{}) // age is judged per request, in Rego
	if f.err != nil {
		slog.Warn("refused decision record", "file", p, "reason", f.err)
	}
	return f
}

// lookup returns the verified records and the refusals for a digest; hit
// says the answer came from the index without re-reading the directory.
func (s *records) lookup(ctx context.Context, digest string) (recs []*attest.Record, refused []string, hit bool) {
	s.mu.RLock()
	recs, refused = s.byDigest[digest], s.refused[digest]
	stale := time.Since(s.lastScan) > s.rescan
	s.mu.RUnlock()
	if len(recs) > 0 || !stale || s.dir == "" {
		return recs, refused, len(recs) > 0
	}
	// A record may have been written since the last scan.
	if err := s.scan(ctx); err != nil {
		slog.Warn("rescan records", "err", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byDigest[digest], s.refused[digest], false
}
