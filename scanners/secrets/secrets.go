// Package secrets finds leaked secrets with gitleaks, embedded as a library,
// in the working tree, in a git history range and in the staged change, and
// reports them as facts for the secrets section of the input document.
//
// The secret itself never leaves this package: each finding is turned into
// a sha256 of the secret (to match it across runs and against waivers), a
// preview that shows at most four characters, and its place, before
// gitleaks keeps it; gitleaks' own logger, which writes plaintext secrets at
// debug level, is silenced.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	gitleaksconfig "github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gitsafe"
	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/internal/skip"
)

// History settings: how much of the git history beyond the change is
// scanned.
const (
	// HistoryAll scans every commit of every ref, as `gitleaks git` does.
	HistoryAll = "all"
	// HistorySinceLastTag scans the commits since the previous release tag
	// (the tag before HEAD's own, when HEAD is tagged); all of HEAD's
	// history when there is no tag. It is the default: the commits being
	// released, at a cost that does not grow with the repository's age.
	HistorySinceLastTag = "since-last-tag"
	// HistoryNone scans no history beyond the change.
	HistoryNone = "none"
)

// Defaults, as the gitleaks CLI has them where it has one.
const (
	// DefaultDecodeDepth is the gitleaks CLI's --max-decode-depth (the
	// library's own default, 0, decodes nothing).
	DefaultDecodeDepth = 5
	// DefaultMaxFileSize skips files (and files added in a commit) larger
	// than this many bytes; they are counted in the run record.
	DefaultMaxFileSize = 100 * 1_000_000
)

// workers bounds the files scanned at once, as gitleaks' own semaphore does.
const workers = 40

// Options choose what is scanned and how.
type Options struct {
	// Dir is the repository root (or any directory, for a tree scan).
	Dir string
	// Base is the --base REF: the change is Base..HEAD.
	Base string
	// Staged scans only the staged change (pre-commit); it wins over Base.
	Staged bool
	// History is one of HistoryAll, HistorySinceLastTag (default) or
	// HistoryNone. It never applies to a staged scan.
	History string
	// MaxFileSize in bytes: 0 means DefaultMaxFileSize, negative no limit.
	MaxFileSize int64
	// Archives is how deep nested archives are scanned; 0 (the default)
	// scans none and counts them as skipped.
	Archives int
	// DecodeDepth is how many rounds of decoding (base64, hex, percent) a
	// fragment gets; nil means DefaultDecodeDepth.
	DecodeDepth *int
	// Config is the gitleaks config (TOML), relative to Dir; empty means
	// $GITLEAKS_CONFIG, $GITLEAKS_CONFIG_TOML, Dir/.gitleaks.toml, or
	// gitleaks' default rules, in that order.
	Config string
	// Redactor learns every secret found (and every one .gitleaksignore
	// drops), so that no output of the run shows it; nil: none.
	Redactor *redact.Redactor
	// Skip are the paths left out (--skip-dirs, --skip-files): not read in
	// the working tree, not scanned in a commit or the staged change. Paths
	// are matched as gitleaks names them, relative to the repository root.
	Skip *skip.Paths
}

// UsageError is a scan that cannot be done as asked: --base or --staged on
// a directory that is not a git repository, a base that is not a commit,
// git missing from PATH, an unknown history setting. The CLI exits 2.
type UsageError struct {
	Msg string
}

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Scanner scans one target. Make it with New.
type Scanner struct {
	opts    Options
	dir     string
	cfg     gitleaksconfig.Config
	cfgName string
	maxSize int64
	// repo tells whether dir is in a git work tree with at least one commit.
	repo bool
	// base is the resolved --base commit.
	base string
}

// New checks the options and loads the gitleaks config (once per process).
// A problem with the target or the options is a *UsageError; a gitleaks
// config that cannot be used is a *config.Error naming its file and line.
func New(opts Options) (*Scanner, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", opts.Dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, usagef("%s is not a directory", opts.Dir)
	}
	switch opts.History {
	case "":
		opts.History = HistorySinceLastTag
	case HistoryAll, HistorySinceLastTag, HistoryNone:
	default:
		return nil, usagef("secrets.history: %q is not one of all, since-last-tag, none", opts.History)
	}
	if opts.Archives < 0 {
		return nil, usagef("secrets.archives: %d is negative", opts.Archives)
	}
	if opts.DecodeDepth != nil && *opts.DecodeDepth < 0 {
		return nil, usagef("secrets.decode_depth: %d is negative", *opts.DecodeDepth)
	}
	s := &Scanner{opts: opts, dir: dir, maxSize: opts.MaxFileSize}
	if s.maxSize == 0 {
		s.maxSize = DefaultMaxFileSize
	}
	// Translating the gitleaks config (compiling some 200 patterns) is
	// the largest cost of the pre-commit path: it overlaps the git checks.
	type result struct {
		src configSource
		cfg gitleaksconfig.Config
		err error
	}
	loadc := make(chan result, 1)
	go func() {
		var r result
		if r.src, r.err = findConfig(dir, opts.Config); r.err == nil {
			r.cfg, r.err = loadConfig(r.src)
		}
		loadc <- r
	}()
	gitErr := s.checkGit(context.Background())
	r := <-loadc
	if gitErr != nil {
		return nil, gitErr
	}
	if r.err != nil {
		return nil, r.err
	}
	s.cfg, s.cfgName = r.cfg, r.src.name
	return s, nil
}

// Scan finds the secrets and fills out.Secrets. Its run record carries the
// gitleaks version and counts of what was scanned and skipped.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Version: Version()}
	// gitleaks runs git itself: its children inherit the overrides.
	if err := gitsafe.Harden(ctx, s.dir); err != nil {
		return run, err
	}
	d := s.detector(ctx)
	c := newCollector(d)
	c.redactor = s.opts.Redactor
	var err error
	switch {
	case s.opts.Staged:
		slog.Debug("scanning the staged change for secrets", "dir", s.dir, "config", s.cfgName)
		err = s.scanStaged(ctx, c)
	case s.opts.Base != "":
		slog.Debug("scanning a git range for secrets", "dir", s.dir, "base", s.opts.Base, "history", s.opts.History, "config", s.cfgName)
		err = s.scanRange(ctx, c)
	default:
		slog.Debug("scanning the working tree for secrets", "dir", s.dir, "history", s.opts.History, "config", s.cfgName)
		start := time.Now()
		if err = s.scanTree(ctx, c); err == nil {
			slog.Debug("scanned the working tree", "files", c.stat(statFiles), "duration", time.Since(start))
			err = s.scanRange(ctx, c)
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	run.Stats = c.statsMap()
	if n := d.TotalBytes.Load(); n <= math.MaxInt64 {
		run.Stats[statBytes] = int64(n)
	}
	// A config with no rules (or all disabled) makes an ok that looked for
	// nothing: the count is a fact, and policy (SCN002) decides.
	run.Stats[StatRules] = int64(len(s.cfg.Rules))
	if err != nil {
		return run, err
	}
	out.Secrets = c.facts()
	slog.Debug("secrets scan done", "findings", len(out.Secrets), "stats", run.Stats)
	return run, nil
}

// detector builds a gitleaks detector over the loaded config. Redaction is
// left off on purpose: the collector hashes each secret and then strips it
// from the finding itself, before gitleaks stores it.
func (s *Scanner) detector(ctx context.Context) *detect.Detector {
	d := detect.NewDetectorContext(ctx, s.cfg)
	d.MaxDecodeDepth = DefaultDecodeDepth
	if s.opts.DecodeDepth != nil {
		d.MaxDecodeDepth = *s.opts.DecodeDepth
	}
	d.MaxArchiveDepth = s.opts.Archives
	// The detector skips fragments of its own config file, by path as
	// the fragments name it: repo-relative.
	if rel, err := filepath.Rel(s.dir, s.cfg.Path); err == nil && s.cfg.Path != "" && filepath.IsLocal(rel) {
		d.Config.Path = filepath.ToSlash(rel)
	}
	ignore := filepath.Join(s.dir, IgnoreFileName)
	if _, err := os.Stat(ignore); err == nil {
		if err := d.AddGitleaksIgnore(ignore); err != nil {
			slog.Warn("cannot read the gitleaks ignore file", "path", IgnoreFileName, "error", err)
		}
	}
	return d
}

// gitleaksModule is the module whose version the run record reports.
const gitleaksModule = "github.com/zricethezav/gitleaks/v8"

// pinnedVersion is go.mod's gitleaks version, for binaries built without
// module information (test binaries); a test keeps it equal to go.mod.
const pinnedVersion = "v8.30.1"

// Version is the version of gitleaks built into this binary.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == gitleaksModule {
				if m.Replace != nil && m.Replace.Version != "" {
					return m.Replace.Version
				}
				return m.Version
			}
		}
	}
	return pinnedVersion
}

// errGitMissing is returned when a scan needs git and it is not on PATH.
var errGitMissing = errors.New("git not found on PATH")
