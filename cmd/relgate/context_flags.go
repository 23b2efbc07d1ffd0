package main

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/releasectx"
	"github.com/relgate/relgate/scanners"
)

// releaseContextFlags say where the release's context is: who approved
// it (a change record, a GitHub pull request), where in the pipeline the
// gate runs (--stage), the variables of the SLO queries, and the facts
// only the pipeline knows: the deployment strategy, the artifacts, the
// checklist and the decision of the gate the release is promoted from.
type releaseContextFlags struct {
	changeRecord    string
	githubRepo      string
	githubPR        int
	stage           stageValue
	sloVars         sloVarsValue
	strategy        string
	artifacts       varsValue
	checklist       varsValue
	stagingDecision string
}

func (o *releaseContextFlags) bind(f *pflag.FlagSet) {
	f.StringVar(&o.changeRecord, "change-record", "", "change record file (YAML: ticket, approvers, risk, rollback_plan)")
	f.StringVar(&o.githubRepo, "github-repo", "", "GitHub repository OWNER/NAME whose pull request reviews are read (default GITHUB_REPOSITORY)")
	f.IntVar(&o.githubPR, "github-pr", 0, "pull request number (default: the workflow event's, else the one containing HEAD)")
	f.Var(&o.stage, "stage", "pipeline stage: pre-deploy (the default) or verify (after a deploy: check the SLOs of the new version and advise a rollback)")
	f.Var(&o.sloVars, "slo-var", "SLO query template variable KEY=VALUE, e.g. version=1.4.0 for {{.version}} (repeatable)")
	f.StringVar(&o.strategy, "strategy", "", "deployment strategy: "+strings.Join(config.Strategies, ", ")+" (default: the config's release.strategy)")
	f.Var(&o.artifacts, "artifact", "released artifact NAME=DIGEST, e.g. shop=sha256:… (repeatable)")
	f.Var(&o.checklist, "checklist", "pre-deployment checklist item ITEM=VALUE: a link, a repository path or true/false (repeatable; overrides release.checklist)")
	f.StringVar(&o.stagingDecision, "staging-decision", "", "the json report of the gate this release is promoted from (for release.promote_from)")
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
	t.SLOVars = maps.Clone(map[string]string(o.sloVars.varsValue))
}

// input records in the document what the flags and the config state
// about the release. A decision file that cannot be read is a usage
// error: the gate must not judge a promotion it was not shown.
func (o *releaseContextFlags) input(in *engine.Input, cfg *config.Config, dir string) error {
	if o.stage == stageVerify {
		in.Release.Stage = string(stageVerify)
	}
	rc := cfg.Release
	if rc == nil {
		rc = &config.ReleaseConfig{}
	}
	in.Release.Strategy = o.strategy
	if in.Release.Strategy == "" {
		in.Release.Strategy = rc.Strategy
	}
	if s := in.Release.Strategy; s != "" && !slices.Contains(config.Strategies, s) {
		return usage(fmt.Errorf("--strategy: %q is not one of %s", s, strings.Join(config.Strategies, ", ")))
	}
	for _, name := range slices.Sorted(maps.Keys(o.artifacts)) {
		digest := o.artifacts[name]
		if !digestRE.MatchString(digest) {
			return usage(fmt.Errorf("--artifact %s: %q is not a digest like sha256:<hex>", name, digest))
		}
		in.Release.Artifacts = append(in.Release.Artifacts, engine.Artifact{Name: name, Digest: digest})
	}
	items := maps.Clone(rc.Checklist)
	if items == nil {
		items = map[string]string{}
	}
	maps.Copy(items, o.checklist)
	if len(items) > 0 {
		in.Release.Checklist = releasectx.Checklist(dir, items)
	}
	if o.stagingDecision != "" {
		p, err := releasectx.ReadPromotion(o.stagingDecision, filepath.ToSlash(o.stagingDecision))
		if err != nil {
			return usage(fmt.Errorf("--staging-decision: %w", err))
		}
		in.Release.Promotion = p
	}
	return nil
}

var digestRE = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$`)

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

var varKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./-]*$`)

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
	if *v == nil {
		*v = varsValue{}
	}
	(*v)[k] = val
	return nil
}

// sloVarsValue is --slo-var: window is relgate's own variable.
type sloVarsValue struct{ varsValue }

func (v *sloVarsValue) Set(s string) error {
	if k, _, _ := strings.Cut(s, "="); k == "window" {
		return fmt.Errorf("window is set by relgate for each window measured")
	}
	return v.varsValue.Set(s)
}
