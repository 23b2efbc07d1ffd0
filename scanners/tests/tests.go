// Package tests gathers the facts of a release's test run: the JUnit XML
// reports (how many tests passed, failed, errored or were skipped, and
// which failed) and the coverage (a Go cover profile, Cobertura XML or
// LCOV), into input.tests.
//
// Reports are untrusted input: XML is read as a stream by encoding/xml,
// which never expands entities and never fetches a DTD; a document that
// declares entities is refused outright, and files over a size limit are
// refused before they are read. The package judges nothing:
// policies/rules/tests.rego does.
package tests

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/boundary"
	"github.com/relgate/relgate/internal/pathglob"
)

// DefaultMaxFileSize bounds a report or coverage file when the options do
// not say: large enough for any real report, small enough that a runaway
// file fails clearly instead of exhausting the runner.
const DefaultMaxFileSize = 256 << 20

// Coverage formats.
const (
	FormatGo        = "go"
	FormatCobertura = "cobertura"
	FormatLCOV      = "lcov"
)

// Options say which reports to read.
type Options struct {
	// Dir is the repository root; patterns and paths are relative to it.
	Dir string
	// JUnit are glob patterns of JUnit XML reports ("**" crosses directories).
	JUnit []string
	// Coverage is the coverage file; CoverageFormat its format, empty to detect.
	Coverage       string
	CoverageFormat string
	// MaxFileSize bounds each file in bytes: zero means DefaultMaxFileSize,
	// a negative value no limit.
	MaxFileSize int64
}

// Scanner reads test reports and coverage.
type Scanner struct{ opts Options }

// New returns a tests scanner.
func New(opts Options) *Scanner {
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.MaxFileSize == 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	return &Scanner{opts: opts}
}

// Stats keys of the run record.
const (
	StatReports  = "reports"
	StatTestCase = "testcases"
)

// Scan fills out.Tests. Without reports or coverage configured the run is
// skipped. A configured pattern that matches nothing, or a file that cannot
// be read or parsed, is an error: missing test results must never read as
// a clean run.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Stats: map[string]int64{}}
	if len(s.opts.JUnit) == 0 && s.opts.Coverage == "" {
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNoTests
		return run, nil
	}
	t := &engine.Tests{Reports: []string{}, Failures: []engine.TestFailure{}}
	files, err := s.reports()
	if err != nil {
		return run, err
	}
	var sum junitSummary
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		if err := s.readJUnit(f, &sum); err != nil {
			return run, err
		}
		t.Reports = append(t.Reports, f.Rel)
	}
	t.Passed, t.Failed, t.Errors, t.Skipped = sum.passed, sum.failed, sum.errors, sum.skipped
	slices.SortFunc(sum.failures, func(a, b engine.TestFailure) int {
		return cmp.Or(cmp.Compare(a.Location.Path, b.Location.Path), cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.Classname, b.Classname), cmp.Compare(a.Name, b.Name))
	})
	if n := len(sum.failures); n > engine.MaxTestFailures {
		t.FailuresTruncated = n - engine.MaxTestFailures
		sum.failures = sum.failures[:engine.MaxTestFailures]
	}
	t.Failures = append(t.Failures, sum.failures...)
	if len(files) > 0 {
		t.Location = engine.Location{Path: files[0].Rel}
	}
	if s.opts.Coverage != "" {
		if err := s.readCoverage(t); err != nil {
			return run, err
		}
		if t.Location.Path == "" {
			t.Location = engine.Location{Path: t.CoverageFile}
		}
	}
	run.Stats[StatReports] = int64(len(files))
	run.Stats[StatTestCase] = int64(sum.passed + sum.failed + sum.errors + sum.skipped)
	out.Tests = t
	return run, nil
}

// file is a report on disk and its path as the document shows it.
type file = pathglob.File

// reports expands the JUnit patterns, sorted and without duplicates.
func (s *Scanner) reports() ([]file, error) {
	return pathglob.Expand(s.opts.Dir, s.opts.JUnit, "junit", func(pat string) error {
		return fmt.Errorf("junit pattern %q matched no file: did the tests run?", pat)
	})
}

// rel is path relative to the repository root with forward slashes, or
// the path itself when it lies outside.
func (s *Scanner) rel(path string) string { return pathglob.Rel(s.opts.Dir, path) }

func (s *Scanner) readJUnit(f file, sum *junitSummary) error {
	return s.open(f.Abs, f.Rel, "junit report", func(r io.Reader) error {
		if err := parseJUnit(r, f.Rel, sum); err != nil {
			return fmt.Errorf("parse junit report %s: %w", f.Rel, err)
		}
		return nil
	})
}

func (s *Scanner) readCoverage(t *engine.Tests) error {
	path := s.opts.Coverage
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.opts.Dir, filepath.FromSlash(path))
	}
	rel := s.rel(path)
	return s.open(path, rel, "coverage file", func(r io.Reader) error {
		c, err := parseCoverage(r, s.opts.CoverageFormat)
		if err != nil {
			return fmt.Errorf("parse coverage file %s: %w", rel, err)
		}
		t.CoverageFile, t.CoverageFormat = rel, c.format
		t.Covered, t.Coverable = c.covered, c.coverable
		if c.percent != nil {
			p := *c.percent
			t.Coverage = &p
		}
		return nil
	})
}

// ErrTooLarge is a file over the size limit.
var ErrTooLarge = errors.New("file too large")

// open reads a file through fn under the size limit. The limit is checked
// before reading and enforced while reading, so a file that grows in
// between cannot slip past it.
//
// A file found inside the repository that is a symbolic link out of it is
// refused: the repository is untrusted, and a link to some other run's
// report must not stand in for this one's. A report named by an absolute
// path outside the repository is read: whoever named it chose it.
func (s *Scanner) open(path, rel, what string, fn func(io.Reader) error) error {
	if !filepath.IsAbs(filepath.FromSlash(rel)) {
		if _, err := boundary.Resolve(s.opts.Dir, rel); errors.Is(err, boundary.ErrOutside) {
			return fmt.Errorf("read %s %s: a symbolic link to a file outside the repository: not read (name the file by its absolute path to read it)", what, rel)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s %s: %w", what, rel, unwrapPath(err))
	}
	defer f.Close()
	limit := s.opts.MaxFileSize
	if limit > 0 {
		if info, err := f.Stat(); err == nil && info.Size() > limit {
			return fmt.Errorf("read %s %s: %w: %d MB is over the %d MB limit (tests.max_file_size)",
				what, rel, ErrTooLarge, info.Size()>>20, limit>>20)
		}
	}
	var r io.Reader = f
	if limit > 0 {
		r = &limitReader{r: f, left: limit}
	}
	if err := fn(r); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return fmt.Errorf("read %s %s: %w: over the %d MB limit (tests.max_file_size)", what, rel, ErrTooLarge, limit>>20)
		}
		return err
	}
	return nil
}

// limitReader fails with ErrTooLarge, rather than ending quietly as
// io.LimitReader does, so a truncated read is never mistaken for a whole file.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
