package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
)

// FormatFiles formats Rego with OPA's formatter, the one `opa fmt` runs:
// the files given and the .rego files under the directories given. It
// returns the files whose layout differs from the formatter's, sorted; with
// write it rewrites them in place (keeping their mode). Files that do not
// parse are a *PolicyError naming file and line; the others are still
// formatted, so one broken file does not hide the rest.
func FormatFiles(paths []string, write bool) ([]string, error) {
	files, err := regoFiles(paths)
	if err != nil {
		return nil, err
	}
	var changed []string
	var errs ast.Errors
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return changed, fmt.Errorf("read %s: %w", f, err)
		}
		got, err := format.SourceWithOpts(f, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			var ae ast.Errors
			if errors.As(err, &ae) {
				errs = append(errs, ae...)
				continue
			}
			errs = append(errs, ast.NewError(ast.ParseErr, &ast.Location{File: f}, "%s", err.Error()))
			continue
		}
		if bytes.Equal(got, src) {
			continue
		}
		changed = append(changed, f)
		if write {
			if err := replaceFile(f, got); err != nil {
				return changed, err
			}
		}
	}
	if len(errs) > 0 {
		// Errs for the locations; the message says what was being done.
		msg := strings.TrimPrefix((&PolicyError{Errs: errs}).Error(), "compile policies: ")
		return changed, &PolicyError{Errs: errs, Err: errors.New("format policies: " + msg)}
	}
	return changed, nil
}

// regoFiles lists the files given and the .rego files below the
// directories given (hidden directories such as .git left out), sorted.
func regoFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read policy %s: %w", p, unwrapPathErr(err))
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && path != p && strings.HasPrefix(d.Name(), "."):
				return filepath.SkipDir
			case !d.IsDir() && strings.HasSuffix(path, ".rego"):
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read policy directory %s: %w", p, err)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// replaceFile writes data over path through a temporary file beside it,
// so an interrupted run never leaves a half-written policy.
func replaceFile(path string, data []byte) (err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name()) // the original is untouched
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(fi.Mode().Perm()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// unwrapPathErr drops the *fs.PathError's own path and operation, which
// the caller's message names already.
func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
