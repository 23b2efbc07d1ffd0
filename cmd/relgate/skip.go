package main

import (
	"github.com/spf13/pflag"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/skip"
)

// skipFlags are trivy's --skip-dirs and --skip-files: doublestar globs,
// repeatable and comma-separated, relative to the scanned directory,
// honoured by every scanner that walks files.
type skipFlags struct {
	dirs, files []string
}

func (s *skipFlags) bind(f *pflag.FlagSet) {
	f.StringSliceVar(&s.dirs, "skip-dirs", nil, "directories (globs, ** crosses directories) that no scanner walks, relative to PATH (repeatable, comma-separated)")
	f.StringSliceVar(&s.files, "skip-files", nil, "files (globs) that no scanner reads, relative to PATH (repeatable, comma-separated)")
}

// paths checks the patterns before any work is done; a bad one is a usage
// error naming its flag.
func (s *skipFlags) paths() (*skip.Paths, error) {
	p, err := skip.New(s.dirs, s.files)
	if err != nil {
		return nil, usage(err)
	}
	return p, nil
}

// record keeps what was left out in the document: a reader of a saved input
// (or of a decision made from it) can tell an unscanned path from a clean one.
func recordSkips(in *engine.Input, p *skip.Paths) {
	if p.Empty() {
		return
	}
	if in.Options == nil {
		in.Options = &engine.GateOptions{}
	}
	in.Options.SkipDirs, in.Options.SkipFiles = p.Dirs(), p.Files()
}
