package migrations

import "github.com/relgate/relgate/internal/skip"

// skipFiles drops the migration files --skip-files (or a --skip-dirs
// pattern over their directory) leaves out, and counts them for the run
// record: a skipped migration is never read, and never silently missing.
func skipFiles(dirs []dirLayout, skipped *skip.Paths) ([]dirLayout, int) {
	if skipped.Empty() {
		return dirs, 0
	}
	n := 0
	for i := range dirs {
		kept := dirs[i].files[:0:0]
		for _, f := range dirs[i].files {
			if skipped.File(f.path) {
				n++
				continue
			}
			kept = append(kept, f)
		}
		dirs[i].files = kept
	}
	return dirs, n
}
