package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/relgate/relgate/engine"
)

// knobs are trivy's quick judgment flags. They are not a second decision
// path: they go into the input document (options), where the built-in
// policies read them, so eval of a saved input reproduces the decision.
type knobs struct {
	severities    []string
	ignoreUnfixed bool
}

// reportedSeverities are the severities --severity accepts.
var reportedSeverities = []string{"critical", "high", "medium", "low", "info"}

func (k *knobs) bind(f *pflag.FlagSet) {
	f.StringSliceVar(&k.severities, "severity", nil, "report only findings of these severities (comma-separated: "+strings.Join(reportedSeverities, ",")+")")
	f.BoolVar(&k.ignoreUnfixed, "ignore-unfixed", false, "vulnerabilities with no fixed version warn instead of deny")
}

// check validates the flags before any work is done.
func (k *knobs) check() error {
	for i, s := range k.severities {
		s = strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(reportedSeverities, s) {
			return usage(fmt.Errorf("--severity: unknown severity %q (known: %s)", k.severities[i], strings.Join(reportedSeverities, ", ")))
		}
		k.severities[i] = s
	}
	slices.Sort(k.severities)
	k.severities = slices.Compact(k.severities)
	return nil
}

// apply records the flags that were given in the document; a saved
// document's options stay unless a flag overrides them.
func (k *knobs) apply(f *pflag.FlagSet, in *engine.Input) {
	// --base is a scan flag, but PR mode is judgment: the policies read
	// the base from the document, so eval of the saved input reproduces it.
	base, _ := f.GetString("base")
	if !f.Changed("severity") && !f.Changed("ignore-unfixed") && base == "" {
		return
	}
	if in.Options == nil {
		in.Options = &engine.GateOptions{}
	}
	if f.Changed("severity") {
		in.Options.Severities = k.severities
	}
	if f.Changed("ignore-unfixed") {
		in.Options.IgnoreUnfixed = k.ignoreUnfixed
	}
	if base != "" {
		in.Options.Base = base
	}
}

// prBase is the base of a PR-mode document, for the reports' new and
// pre-existing counts; empty outside PR mode.
func prBase(in *engine.Input) string {
	if in == nil || in.Options == nil {
		return ""
	}
	return in.Options.Base
}
