package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/engine"
)

func (a *app) checkCommand() *cobra.Command {
	var so scanOptions
	var gopts gateOptions
	var aopts attestOptions
	cmd := &cobra.Command{
		Use:   "check [PATH]",
		Short: "Scan PATH, judge the facts with the policies and report the decision",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			dir, err := resolveDir(args)
			if err != nil {
				return err
			}
			// First, so that no error below leaves an earlier run's report.
			reports, err := gopts.parseReports()
			if err != nil {
				return err
			}
			cfg, shown, err := loadConfig(so.config, dir)
			if err != nil {
				return err
			}
			if gopts.attest, err = aopts.load(); err != nil {
				return err
			}
			cfgDir := dir
			if so.config != "" {
				cfgDir = filepath.Dir(so.config)
			}
			// Compile the policies while the scanners run: on the
			// pre-commit path compiling is as long as scanning. A broken
			// policy stops the scan and is the error reported. Only the
			// rule packages the selected scanners can feed are compiled
			// (see predictFacts); a baseline is judged by the same
			// engine and may hold any fact: it gets every package.
			var predicted *engine.Input
			if names, err := so.selected(cfg); err == nil && gopts.baseline == "" {
				predicted = predictFacts(names, so.staged)
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			type compiled struct {
				eng *engine.Engine
				err error
			}
			done := make(chan compiled, 1)
			go func() {
				eng, err := newEngine(ctx, cfg, cfgDir, gopts.policies, predicted)
				if err != nil {
					cancel()
				}
				done <- compiled{eng, err}
			}()
			in, gerr := a.gather(ctx, dir, cfg, &so)
			c := <-done
			if c.err != nil {
				return c.err
			}
			if gerr != nil {
				return gerr
			}
			if predicted != nil && !covers(predicted, in) {
				// The scanners found facts the prediction left out:
				// compile for them, so the decision is the full one.
				slog.Debug("compiling again for the facts found", "sections", strings.Join(uncovered(predicted, in), ","))
				if c.eng, err = newEngine(cmd.Context(), cfg, cfgDir, gopts.policies, in); err != nil {
					return err
				}
			}
			return a.judge(cmd.Context(), c.eng, in, shown, &gopts, reports)
		},
	}
	so.bind(cmd)
	gopts.bind(cmd)
	aopts.bind(cmd)
	return cmd
}

// sectionFeeders are the scanners that fill each list section of the input
// document. A section not named here (or fed by a scanner that runs) is
// predicted to have facts.
var sectionFeeders = map[string][]string{
	"secrets":           {"secrets"},
	"vulnerabilities":   {"deps", "containers"},
	"containers":        {"containers"},
	"misconfigurations": {"iac"},
	"migrations":        {"migrations"},
}

// predictFacts is the input the engine of a check is compiled for before the
// scanners have run (engine.Options.Facts): every list section holds a fact
// except those only unselected scanners fill. With --staged it also bets
// that the staged change holds no migration: a pre-commit hook mostly sees
// changes without one, and the migration rules are the costliest package
// to compile (~40 of ~130 cpu-ms here; the secrets rules cost next to
// nothing, so a staged secret is predicted). covers tells afterwards whether
// the bet held; when it did not, check compiles again for the facts found.
func predictFacts(selected []string, staged bool) *engine.Input {
	in := engine.NewInput()
	v := reflect.ValueOf(in).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Slice {
			continue
		}
		name := jsonName(v.Type().Field(i))
		feeders, known := sectionFeeders[name]
		if known && !slices.ContainsFunc(feeders, func(n string) bool { return slices.Contains(selected, n) }) {
			continue // no scanner that runs fills it
		}
		if staged && name == stagedBet {
			continue
		}
		f.Set(reflect.MakeSlice(f.Type(), 1, 1))
	}
	return in
}

// stagedBet is the section --staged bets is empty.
const stagedBet = "migrations"

// covers reports whether an engine compiled for the predicted facts judges
// in as the full engine does: no list section is empty in predicted and
// holds facts in in. An engine skips a rule package only when every section
// it reads is empty in its facts (engine.Options.Facts), so fewer empty
// sections never skip more.
func covers(predicted, in *engine.Input) bool { return len(uncovered(predicted, in)) == 0 }

// uncovered names the sections that break the prediction.
func uncovered(predicted, in *engine.Input) []string {
	p, v := reflect.ValueOf(predicted).Elem(), reflect.ValueOf(in).Elem()
	var out []string
	for i := range p.NumField() {
		if p.Field(i).Kind() == reflect.Slice && p.Field(i).Len() == 0 && v.Field(i).Len() > 0 {
			out = append(out, jsonName(p.Type().Field(i)))
		}
	}
	return out
}

// jsonName is the key of a field of the input document.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}
