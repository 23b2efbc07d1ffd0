package report

import (
	"bufio"
	"fmt"

	"github.com/relgate/relgate/engine"
)

// writeChangeCounts says, in PR mode (opts.Base), how many open findings
// the change brings and how many were already on the base: a reviewer
// reads first what the pull request itself is answerable for.
func writeChangeCounts(bw *bufio.Writer, d *engine.Decision, opts Options) {
	if opts.Base == "" {
		return
	}
	fresh, old := len(d.Violations), 0
	for _, f := range d.Warnings {
		if f.PreExisting {
			old++
		} else {
			fresh++
		}
	}
	fmt.Fprintf(bw, "\n**Change against %s:** %d new (%d failing) · %d pre-existing (warn only)\n",
		mdText(opts.Base), fresh, len(d.Violations), old)
}
