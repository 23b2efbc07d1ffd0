package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// A small stand-in for a GitHub Actions runner, enough to run the sample
// workflows of docs/examples and the composite action they use as GitHub
// would: each step's `if:` and every ${{ }} expression evaluated against
// the github, inputs, steps, runner and env contexts; run: steps with bash
// (-e, and -o pipefail where the step names bash, as GitHub runs them) in
// the workspace, each with its own GITHUB_OUTPUT and GITHUB_STEP_SUMMARY,
// GITHUB_PATH prepended to PATH for the steps after it; a step that fails
// fails the job unless it continues on error, and later steps run only
// when their condition says so (always()). A uses: step of this repository's
// action (relgate/relgate@REF or ./) runs action.yml's steps, with the
// inputs' defaults and the step's with:. Any other uses: step is a
// third-party action that cannot run here: it is recorded, with whether
// its condition held, and counts as succeeded with no outputs.

type ghStep struct {
	Name            string            `yaml:"name"`
	ID              string            `yaml:"id"`
	If              string            `yaml:"if"`
	Uses            string            `yaml:"uses"`
	Run             string            `yaml:"run"`
	Shell           string            `yaml:"shell"`
	With            map[string]string `yaml:"with"`
	Env             map[string]string `yaml:"env"`
	ContinueOnError bool              `yaml:"continue-on-error"`
}

type ghJob struct {
	If    string   `yaml:"if"`
	Steps []ghStep `yaml:"steps"`
}

type ghWorkflow struct {
	On   yaml.Node         `yaml:"on"`
	Jobs map[string]*ghJob `yaml:"jobs"`
}

type ghAction struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string   `yaml:"using"`
		Steps []ghStep `yaml:"steps"`
	} `yaml:"runs"`
}

// triggers are the events a workflow's on: names.
func (w *ghWorkflow) triggers() []string {
	switch w.On.Kind {
	case yaml.ScalarNode:
		return []string{w.On.Value}
	case yaml.SequenceNode:
		var out []string
		for _, n := range w.On.Content {
			out = append(out, n.Value)
		}
		return out
	case yaml.MappingNode:
		var out []string
		for i := 0; i < len(w.On.Content); i += 2 {
			out = append(out, w.On.Content[i].Value)
		}
		return out
	}
	return nil
}

// ghRunner runs jobs of one event in one workspace.
type ghRunner struct {
	t         *testing.T
	workspace string
	action    string // this checkout: the action's directory
	env       map[string]string
	github    map[string]any // the github context
	pathFile  string
	// notRun lists the third-party steps: "job/step: uses (condition held|skipped)".
	notRun []string
	// ran lists the run: steps that ran, with their exit codes.
	ran []string
	// with holds the evaluated with: of each third-party step that would
	// have run, by its label.
	with map[string]map[string]string
	// refuse names third-party steps (by uses, without the @ref) that
	// stand in as failed, e.g. an upload that code scanning refuses.
	refuse map[string]bool
	log    bytes.Buffer
}

type ghStepResult struct {
	outputs map[string]string
	outcome string // success or failure
	summary string
}

// runJob runs a job's steps; it reports whether the job succeeded and the
// step summaries it wrote.
func (r *ghRunner) runJob(name string, job *ghJob) (ran, ok bool, summary string) {
	ctx := map[string]any{"github": r.github, "runner": map[string]any{"os": "Linux", "temp": r.env["RUNNER_TEMP"]}, "env": map[string]any{}}
	if job.If != "" {
		v, err := evalIf(job.If, ctx, false)
		if err != nil {
			r.t.Fatalf("job %s: if %q: %v", name, job.If, err)
		}
		if !v {
			return false, true, ""
		}
	}
	failed, sum := r.runSteps(name, job.Steps, ctx, map[string]string{})
	return true, !failed, sum
}

// runSteps runs steps in ctx (whose steps context it fills) and reports
// whether one failed, and the summaries they wrote.
func (r *ghRunner) runSteps(where string, steps []ghStep, ctx map[string]any, extraEnv map[string]string) (failed bool, summary string) {
	stepsCtx := map[string]any{}
	ctx["steps"] = stepsCtx
	var sum strings.Builder
	for i, s := range steps {
		label := s.Name
		if label == "" {
			label = cmpOr(s.Uses, fmt.Sprintf("step %d", i+1))
		}
		label = where + "/" + label
		cond := s.If
		if cond == "" {
			cond = "success()"
		}
		run, err := evalIf(cond, ctx, failed)
		if err != nil {
			r.t.Fatalf("%s: if %q: %v", label, s.If, err)
		}
		res := ghStepResult{outputs: map[string]string{}, outcome: "success"}
		switch {
		case !run:
			if s.Uses != "" && !r.ours(s.Uses) {
				r.notRun = append(r.notRun, label+": "+s.Uses+" (skipped)")
			}
			res.outcome = "skipped"
		case s.Uses != "" && r.ours(s.Uses):
			res = r.runAction(label, s, ctx)
		case s.Uses != "":
			r.notRun = append(r.notRun, label+": "+s.Uses+" (condition held)")
			with := map[string]string{}
			for k, v := range s.With {
				with[k] = r.expand(v, ctx)
			}
			if r.with == nil {
				r.with = map[string]map[string]string{}
			}
			r.with[label] = with
			if action, _, _ := strings.Cut(s.Uses, "@"); r.refuse[action] {
				res.outcome = "failure"
			}
		default:
			res = r.runScript(label, s, ctx, extraEnv)
		}
		sum.WriteString(res.summary)
		conclusion := res.outcome
		if res.outcome == "failure" {
			if s.ContinueOnError {
				conclusion = "success"
			} else {
				failed = true
			}
		}
		if s.ID != "" {
			outs := map[string]any{}
			for k, v := range res.outputs {
				outs[k] = v
			}
			stepsCtx[s.ID] = map[string]any{"outputs": outs, "outcome": res.outcome, "conclusion": conclusion}
		}
	}
	return failed, sum.String()
}

// ours is whether uses names this repository's action.
func (r *ghRunner) ours(uses string) bool {
	return uses == "./" || strings.HasPrefix(uses, "relgate/relgate@")
}

// runAction runs action.yml's composite steps with the step's inputs.
func (r *ghRunner) runAction(label string, s ghStep, outer map[string]any) ghStepResult {
	data, err := os.ReadFile(filepath.Join(r.action, "action.yml"))
	if err != nil {
		r.t.Fatal(err)
	}
	var a ghAction
	if err := yaml.Unmarshal(data, &a); err != nil {
		r.t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		r.t.Fatalf("action.yml runs using %q, not composite", a.Runs.Using)
	}
	ref := "main"
	if _, after, ok := strings.Cut(s.Uses, "@"); ok {
		ref = after
	}
	gh := maps.Clone(r.github)
	gh["action_ref"] = ref
	gh["action_path"] = r.action
	inner := map[string]any{"github": gh, "runner": outer["runner"], "env": outer["env"]}
	inputs := map[string]any{}
	for k, in := range a.Inputs {
		inputs[k] = r.expand(in.Default, inner)
	}
	for k, v := range s.With {
		if _, ok := a.Inputs[k]; !ok {
			r.t.Fatalf("%s: with: %s is not an input of action.yml", label, k)
		}
		inputs[k] = r.expand(v, outer)
	}
	inner["inputs"] = inputs
	failed, summary := r.runSteps(label, a.Runs.Steps, inner, map[string]string{"GITHUB_ACTION_PATH": r.action, "GITHUB_ACTION_REF": ref})
	res := ghStepResult{outputs: map[string]string{}, outcome: "success", summary: summary}
	if failed {
		res.outcome = "failure"
	}
	for k, o := range a.Outputs {
		res.outputs[k] = r.expand(o.Value, inner)
	}
	return res
}

// runScript runs a run: step.
func (r *ghRunner) runScript(label string, s ghStep, ctx map[string]any, extraEnv map[string]string) ghStepResult {
	dir := r.t.TempDir()
	script := filepath.Join(dir, "step.sh")
	if err := os.WriteFile(script, []byte(r.expand(s.Run, ctx)), 0o644); err != nil {
		r.t.Fatal(err)
	}
	args := []string{"-e", script} // a workflow's run: without shell
	switch s.Shell {
	case "":
	case "bash":
		args = []string{"--noprofile", "--norc", "-eo", "pipefail", script}
	default:
		r.t.Fatalf("%s: shell %q is not run here", label, s.Shell)
	}
	env := maps.Clone(r.env)
	maps.Copy(env, extraEnv)
	for k, v := range s.Env {
		env[k] = r.expand(v, ctx)
	}
	out, sum := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	env["GITHUB_OUTPUT"], env["GITHUB_STEP_SUMMARY"], env["GITHUB_PATH"] = out, sum, r.pathFile
	if paths, _ := os.ReadFile(r.pathFile); len(paths) > 0 {
		lines := strings.Fields(string(paths))
		slices.Reverse(lines)
		env["PATH"] = strings.Join(append(lines, env["PATH"]), string(os.PathListSeparator))
	}
	cmd := exec.Command("bash", args...)
	cmd.Dir = r.workspace
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	fmt.Fprintf(&r.log, "== %s\n", label)
	cmd.Stdout, cmd.Stderr = &r.log, &r.log
	err := cmd.Run()
	res := ghStepResult{outputs: readOutputs(r.t, out), outcome: "success"}
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			r.t.Fatalf("%s: %v", label, err)
		}
		code = ee.ExitCode()
		res.outcome = "failure"
	}
	r.ran = append(r.ran, fmt.Sprintf("%s: exit %d", label, code))
	if b, err := os.ReadFile(sum); err == nil {
		res.summary = string(b)
	}
	return res
}

// readOutputs parses a GITHUB_OUTPUT file: name=value lines and
// name<<DELIMITER blocks.
func readOutputs(t *testing.T, path string) map[string]string {
	out := map[string]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		if k, delim, ok := strings.Cut(lines[i], "<<"); ok && !strings.Contains(k, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			out[k] = strings.Join(val, "\n")
			continue
		}
		k, v, ok := strings.Cut(lines[i], "=")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q is neither name=value nor name<<DELIMITER", lines[i])
		}
		out[k] = v
	}
	return out
}

var exprRE = regexp.MustCompile(`\$\{\{(.*?)\}\}`)

// expand replaces every ${{ expression }} of s with its value.
func (r *ghRunner) expand(s string, ctx map[string]any) string {
	return exprRE.ReplaceAllStringFunc(s, func(m string) string {
		v, err := evalExpr(exprRE.FindStringSubmatch(m)[1], ctx, false)
		if err != nil {
			r.t.Fatalf("%s: %v", m, err)
		}
		return exprString(v)
	})
}

// evalIf evaluates a step's or job's if:, which may omit ${{ }}; with no
// status function in it, success() && is implied, as GitHub does.
func evalIf(cond string, ctx map[string]any, failed bool) (bool, error) {
	cond = strings.TrimSpace(cond)
	if m := exprRE.FindStringSubmatch(cond); m != nil && m[0] == cond {
		cond = m[1]
	}
	if !regexp.MustCompile(`\b(always|success|failure|cancelled)\(`).MatchString(cond) {
		cond = "success() && (" + cond + ")"
	}
	v, err := evalExpr(cond, ctx, failed)
	return truthy(v), err
}

// The expression language, as far as the workflows here use it: string,
// number and boolean literals, context properties (a missing one is
// null), ! == != && || and parentheses, and the status functions.
// Anything else is an error, so a workflow that uses more fails its test
// rather than being misread.
type exprParser struct {
	toks   []string
	i      int
	ctx    map[string]any
	failed bool
}

func evalExpr(src string, ctx map[string]any, failed bool) (any, error) {
	toks, err := exprTokens(src)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks, ctx: ctx, failed: failed}
	v, err := p.or()
	if err == nil && p.i != len(p.toks) {
		err = fmt.Errorf("unexpected %q in %q", p.toks[p.i], src)
	}
	return v, err
}

func exprTokens(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '\'':
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string in %q", s)
			}
			toks = append(toks, s[i:j+1])
			i = j + 1
		case strings.HasPrefix(s[i:], "==") || strings.HasPrefix(s[i:], "!=") || strings.HasPrefix(s[i:], "&&") || strings.HasPrefix(s[i:], "||"):
			toks = append(toks, s[i:i+2])
			i += 2
		case strings.ContainsRune("!().", rune(c)):
			toks = append(toks, s[i:i+1])
			i++
		case unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)) || c == '_':
			j := i
			for j < len(s) && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])) || s[j] == '_' || s[j] == '-') {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("%q in %q is not supported here", c, s)
		}
	}
	return toks, nil
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *exprParser) or() (any, error) {
	v, err := p.and()
	for err == nil && p.peek() == "||" {
		p.i++
		var w any
		w, err = p.and()
		if !truthy(v) {
			v = w
		}
	}
	return v, err
}

func (p *exprParser) and() (any, error) {
	v, err := p.cmp()
	for err == nil && p.peek() == "&&" {
		p.i++
		var w any
		w, err = p.cmp()
		if truthy(v) {
			v = w
		}
	}
	return v, err
}

func (p *exprParser) cmp() (any, error) {
	v, err := p.unary()
	for err == nil && (p.peek() == "==" || p.peek() == "!=") {
		op := p.toks[p.i]
		p.i++
		var w any
		w, err = p.unary()
		eq := exprEqual(v, w)
		v = eq == (op == "==")
	}
	return v, err
}

func (p *exprParser) unary() (any, error) {
	if p.peek() == "!" {
		p.i++
		v, err := p.unary()
		return !truthy(v), err
	}
	return p.primary()
}

func (p *exprParser) primary() (any, error) {
	tok := p.peek()
	if tok == "" {
		return nil, fmt.Errorf("expression ends early")
	}
	p.i++
	switch {
	case tok == "(":
		v, err := p.or()
		if err == nil && p.peek() != ")" {
			err = fmt.Errorf("missing )")
		}
		p.i++
		return v, err
	case strings.HasPrefix(tok, "'"):
		return strings.ReplaceAll(tok[1:len(tok)-1], "''", "'"), nil
	case tok == "true" || tok == "false":
		return tok == "true", nil
	case tok == "null":
		return nil, nil
	case unicode.IsDigit(rune(tok[0])):
		f, err := strconv.ParseFloat(tok, 64)
		return f, err
	}
	if p.peek() == "(" {
		p.i++
		if p.peek() != ")" {
			return nil, fmt.Errorf("%s() takes no arguments here", tok)
		}
		p.i++
		switch tok {
		case "always":
			return true, nil
		case "success":
			return !p.failed, nil
		case "failure":
			return p.failed, nil
		case "cancelled":
			return false, nil
		}
		return nil, fmt.Errorf("function %s is not supported here", tok)
	}
	v, ok := p.ctx[tok]
	if !ok {
		return nil, fmt.Errorf("unknown context %q", tok)
	}
	for p.peek() == "." {
		p.i++
		name := p.peek()
		p.i++
		m, _ := v.(map[string]any)
		v = m[name]
	}
	return v, nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	}
	return true
}

// exprEqual is GitHub's loose equality: strings ignore case; values of
// different types compare as numbers.
func exprEqual(a, b any) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		return strings.EqualFold(as, bs)
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return exprNumber(a) == exprNumber(b)
}

func exprNumber(v any) float64 {
	switch x := v.(type) {
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	case string:
		if strings.TrimSpace(x) == "" {
			return 0
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return -1e308 // NaN equals nothing; -1e308 stands in
		}
		return f
	}
	return -1e308
}

func exprString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// TestRunnerExpressions pins the stand-in's reading of the expressions the
// workflows use, so that the example tests rest on GitHub's semantics.
func TestRunnerExpressions(t *testing.T) {
	ctx := map[string]any{
		"inputs": map[string]any{"cache": "true", "db-dir": "", "upload-sarif": "false"},
		"steps":  map[string]any{"gate": map[string]any{"outputs": map[string]any{"sarif-file": "x.sarif"}}},
		"github": map[string]any{"event_name": "pull_request", "event": map[string]any{"pull_request": map[string]any{"head": map[string]any{"repo": map[string]any{"full_name": "acme/shop"}}}}},
	}
	for _, tc := range []struct {
		expr   string
		failed bool
		want   string
	}{
		{"inputs.cache == 'true'", false, "true"},
		{"inputs.cache == 'TRUE'", false, "true"},
		{"inputs.db-dir || '~/.cache/relgate'", false, "~/.cache/relgate"},
		{"always() && inputs.upload-sarif == 'true' && steps.gate.outputs.sarif-file != ''", false, "false"},
		{"always() && steps.gate.outputs.sarif-file != ''", true, "true"},
		{"github.event.pull_request.head.repo.full_name", false, "acme/shop"},
		{"github.event.pull_request.missing.deeper", false, ""},
		{"steps.none.outcome == 'failure'", false, "false"},
		{"!(github.event_name == 'schedule')", false, "true"},
		{"success()", true, "false"},
		{"'it''s'", false, "it's"},
	} {
		v, err := evalExpr(tc.expr, ctx, tc.failed)
		if err != nil || exprString(v) != tc.want {
			t.Errorf("%s (failed %v) = %v, %v; want %s", tc.expr, tc.failed, v, err, tc.want)
		}
	}
	if ok, _ := evalIf("github.event_name == 'pull_request'", ctx, true); ok {
		t.Error("an if: without a status function runs after a failure")
	}
	for _, bad := range []string{"contains(inputs.cache, 'x')", "inputs.cache > 1", "nope.x", "'open"} {
		if _, err := evalExpr(bad, ctx, false); err == nil {
			t.Errorf("%s: no error for what the stand-in does not support", bad)
		}
	}
}
