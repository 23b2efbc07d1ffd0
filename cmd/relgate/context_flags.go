package main

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/scanners"
)

// releaseContextFlags say where the release's context is: who approved
// it (a change record, a GitHub pull request), where in the pipeline the
// gate runs (--stage), and the variables of the SLO queries.
type releaseContextFlags struct {
	changeRecord string
	githubRepo   string
	githubPR     int
	stage        stageValue
	sloVars      varsValue
}

func (o *releaseContextFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&o.changeRecord, "change-record", "", "change record file (YAML: ticket, approvers, risk, rollback_plan)")
	f.StringVar(&o.githubRepo, "github-repo", "", "GitHub repository OWNER/NAME whose pull request reviews are read (default GITHUB_REPOSITORY)")
	f.IntVar(&o.githubPR, "github-pr", 0, "pull request number (default: the workflow event's, else the one containing HEAD)")
	f.Var(&o.stage, "stage", "pipeline stage: pre-deploy (the default) or verify (after a deploy: check the SLOs of the new version and advise a rollback)")
	f.Var(&o.sloVars, "slo-var", "SLO query template variable KEY=VALUE, e.g. version=1.4.0 for {{.version}} (repeatable)")
}

// scanners is the scanner list: verification after a deploy measures the
// objectives only, unless scanners are named.
func (o *releaseContextFlags) scanners(names []string) []string {
	if len(names) == 0 && o.stage == stageVerify {
		return []string{"slo"}
	}
	return names
}

// target hands the flags to the scanners.
func (o *releaseContextFlags) target(t *scanners.Target) {
	t.ChangeRecord, t.GitHubRepo, t.GitHubPR = o.changeRecord, o.githubRepo, o.githubPR
	t.Verify = o.stage == stageVerify
	t.SLOVars = maps.Clone(map[string]string(o.sloVars))
}

// input records the stage in the document, for policies.
func (o *releaseContextFlags) input(in *engine.Input) {
	if o.stage == stageVerify {
		in.Release.Stage = string(stageVerify)
	}
}

// stageValue is --stage: checked when parsed, so a typo is a usage error.
type stageValue string

const stageVerify stageValue = "verify"

func (s *stageValue) String() string { return string(*s) }
func (s *stageValue) Type() string   { return "STAGE" }

func (s *stageValue) Set(v string) error {
	switch v {
	case "pre-deploy", "":
		*s = ""
	case string(stageVerify):
		*s = stageVerify
	default:
		return fmt.Errorf("unknown stage %q (want pre-deploy or verify)", v)
	}
	return nil
}

// varsValue is a repeatable KEY=VALUE flag.
type varsValue map[string]string

var varKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (v *varsValue) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(*v)) {
		parts = append(parts, k+"="+(*v)[k])
	}
	return strings.Join(parts, ",")
}

func (v *varsValue) Type() string { return "KEY=VALUE" }

func (v *varsValue) Set(s string) error {
	k, val, ok := strings.Cut(s, "=")
	if !ok || !varKeyRE.MatchString(k) {
		return fmt.Errorf("want KEY=VALUE with KEY a name like version, got %q", s)
	}
	if k == "window" {
		return fmt.Errorf("window is set by relgate for each window measured")
	}
	if *v == nil {
		*v = varsValue{}
	}
	(*v)[k] = val
	return nil
}
