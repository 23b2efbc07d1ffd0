package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/h2non/filetype"
	"github.com/mholt/archives"
	"github.com/zricethezav/gitleaks/v8/sources"
	"golang.org/x/sync/errgroup"
)

// headSize is how much of a file gitleaks reads first and sniffs for a
// binary type; the same amount is sniffed here so the two agree.
const headSize = 100 * 1_000

// heads recycles the sniffing buffers: one per file would double the
// garbage a tree scan makes.
var heads = sync.Pool{New: func() any { b := make([]byte, headSize); return &b }}

// scanTree walks the working tree as `gitleaks dir` does — allowlisted
// paths pruned, symlinks not followed, empty files passed over — but counts
// every file it does not scan (too large, binary, an archive, a symlink,
// unreadable) so that none is dropped without a trace. Paths are relative
// to the directory, with forward slashes, as gitleaks names them when run
// from the repository root: .gitleaksignore entries match.
func (s *Scanner) scanTree(ctx context.Context, c *collector) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	walkErr := filepath.WalkDir(s.dir, func(p string, de fs.DirEntry, err error) error {
		if err := gctx.Err(); err != nil {
			return err
		}
		if p == s.dir {
			return err
		}
		rel, rerr := filepath.Rel(s.dir, p)
		if rerr != nil {
			return fmt.Errorf("walk %s: %w", p, rerr)
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			c.count(statUnreadable)
			slog.Warn("cannot read a path of the working tree", "path", cleanPath(rel), "error", bareErr(err))
			if de != nil && de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case de.IsDir():
			if s.allowlisted(rel) || s.opts.Skip.Dir(rel) {
				return fs.SkipDir
			}
			return nil
		case de.Type()&fs.ModeSymlink != 0:
			c.count(statSymlink)
			return nil
		case !de.Type().IsRegular():
			c.count(statSpecial)
			return nil
		case s.allowlisted(rel):
			c.count(statAllowlisted)
			return nil
		case s.opts.Skip.File(rel):
			c.count(statSkipped)
			return nil
		}
		info, err := de.Info()
		if err != nil {
			c.count(statUnreadable)
			slog.Warn("cannot stat a file of the working tree", "path", cleanPath(rel), "error", err)
			return nil
		}
		if info.Size() == 0 {
			return nil
		}
		if s.maxSize > 0 && info.Size() > s.maxSize {
			c.count(statSize)
			slog.Debug("skipping a file over the size limit", "path", cleanPath(rel), "size", info.Size(), "limit", s.maxSize)
			return nil
		}
		g.Go(func() error { return s.scanFile(gctx, c, p, rel) })
		return nil
	})
	return errors.Join(walkErr, g.Wait())
}

// allowlisted reports whether a global allowlist of the config excludes the
// path, as gitleaks prunes it.
func (s *Scanner) allowlisted(rel string) bool {
	for _, a := range s.cfg.Allowlists {
		if a.PathAllowed(rel) {
			return true
		}
	}
	return false
}

// scanFile feeds one file to gitleaks' file source, after the checks it
// would otherwise make silently: archives beyond the configured depth and
// binary files are counted instead of scanned.
func (s *Scanner) scanFile(ctx context.Context, c *collector, path, rel string) error {
	f, err := os.Open(path)
	if err != nil {
		c.count(statUnreadable)
		slog.Warn("cannot open a file of the working tree", "path", cleanPath(rel), "error", bareErr(err))
		return nil
	}
	defer f.Close()
	var content io.Reader = f
	if format, _, err := archives.Identify(ctx, rel, nil); err == nil && format != nil {
		if s.opts.Archives == 0 {
			c.count(statArchive)
			return nil
		}
	} else {
		buf := heads.Get().(*[]byte)
		defer heads.Put(buf)
		head := *buf
		n, err := io.ReadFull(f, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			c.count(statUnreadable)
			slog.Warn("cannot read a file of the working tree", "path", cleanPath(rel), "error", bareErr(err))
			return nil
		}
		if kind, err := filetype.Match(head[:n]); err == nil && kind.MIME.Type == "application" {
			c.count(statBinary)
			return nil
		}
		content = io.MultiReader(bytes.NewReader(head[:n]), f)
	}
	c.count(statFiles)
	file := sources.File{
		Content:         content,
		Path:            rel,
		Config:          &s.cfg,
		MaxArchiveDepth: s.opts.Archives,
	}
	return file.Fragments(ctx, func(fr sources.Fragment, err error) error {
		if err != nil {
			c.count(statUnreadable)
			slog.Warn("cannot read a file of the working tree", "path", cleanPath(rel), "error", err)
			return nil
		}
		c.fragment(ctx, fr, WhereTree)
		return nil
	})
}

// bareErr drops a *PathError's operation and path, which the log line
// already names.
func bareErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
