package main

import (
	"github.com/spf13/pflag"

	"github.com/relgate/relgate/scanners"
)

// releaseContextFlags say where the release's context is: who approved
// it (a change record, a GitHub pull request).
type releaseContextFlags struct {
	changeRecord string
	githubRepo   string
	githubPR     int
}

func (o *releaseContextFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&o.changeRecord, "change-record", "", "change record file (YAML: ticket, approvers, risk, rollback_plan)")
	f.StringVar(&o.githubRepo, "github-repo", "", "GitHub repository OWNER/NAME whose pull request reviews are read (default GITHUB_REPOSITORY)")
	f.IntVar(&o.githubPR, "github-pr", 0, "pull request number (default: the workflow event's, else the one containing HEAD)")
}

// target hands the flags to the scanners.
func (o *releaseContextFlags) target(t *scanners.Target) {
	t.ChangeRecord, t.GitHubRepo, t.GitHubPR = o.changeRecord, o.githubRepo, o.githubPR
}
