package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
)

// Query is the one query relgate evaluates.
const Query = "data.relgate.main.decision"

// Options configure an Engine.
type Options struct {
	// Policies are user policy directories, files, bundle archives
	// (.tar.gz) or oci:// bundle references, added to the built-in ones.
	Policies []string
	// Config is the document policies read as data.relgate.config (the
	// JSON form of .relgate.yaml); nil means all defaults.
	Config any
	// AllowBuiltins lets policies call sandboxed builtins (http.send, …).
	AllowBuiltins []string
	// Facts, when set, is the one input the engine is built to judge (relgate
	// eval, check): a built-in rule package that declares the input
	// sections it reads (custom.reads) is not compiled when they are all
	// empty in it. The decision is the same; the rules and the catalog
	// still list every rule. An engine that judges many inputs leaves it
	// nil and compiles everything.
	Facts *Input
	// Timeout bounds one evaluation, so that a runaway policy fails with a
	// clear error instead of hanging the pipeline; zero means 60s.
	Timeout time.Duration
}

// Engine holds compiled policies and a prepared query. It is safe for
// concurrent use; build it once per process.
type Engine struct {
	query        rego.PreparedEvalQuery
	rules        []RuleInfo
	policyDigest string
	// compiler and store are kept for Explain, which traces one rule.
	compiler *ast.Compiler
	store    storage.Store
	timeout  time.Duration
	// environments are the built-in and configured environment names.
	environments []string
}

// New loads and compiles the built-in and user policies once and prepares
// the decision query. Policy problems are *PolicyError.
func New(ctx context.Context, opts Options) (*Engine, error) {
	caps, err := capabilities(opts.AllowBuiltins)
	if err != nil {
		return nil, err
	}
	paths, done, err := pullOCI(ctx, opts.Policies)
	if err != nil {
		return nil, err
	}
	defer done()
	modules, userData, err := loadModules(paths, caps)
	if err != nil {
		return nil, err
	}
	cfg, err := toJSONValue(opts.Config)
	if err != nil {
		return nil, &PolicyError{Err: fmt.Errorf("encode config: %w", err)}
	}
	if _, ok := cfg.(map[string]any); !ok {
		// A typed nil (or anything but an object) would reach policies as
		// null and quietly disable every setting: treat it as no config.
		cfg = map[string]any{}
	}
	data := userData
	if data == nil {
		data = map[string]any{}
	}
	relgate, _ := data["relgate"].(map[string]any)
	if relgate == nil {
		relgate = map[string]any{}
	}
	if _, ok := relgate["config"]; !ok {
		relgate["config"] = cfg
	}
	data["relgate"] = relgate

	compiler := ast.NewCompiler().
		WithCapabilities(caps).
		WithEnablePrintStatements(false)
	compiled := modules
	if opts.Facts != nil {
		compiled = modulesFor(modules, opts.Facts)
	}
	compiler.Compile(compiled)
	if compiler.Failed() {
		return nil, &PolicyError{Errs: compiler.Errors}
	}
	// Every rule is listed, compiled or not.
	annotations, all := compiler.GetAnnotationSet(), compiler.Modules
	if len(compiled) < len(modules) {
		annotations, all = annotationsOf(modules), modules
	}
	relgate["catalog"] = ruleCatalog(annotations, all)
	digest, err := policyDigest(modules, data)
	if err != nil {
		return nil, err
	}
	// After the digest: the settings are derived from what it covers.
	if settings := settingsByEnvironment(ctx, compiler, data); len(settings) > 0 {
		relgate["environment_settings"] = settings
	}
	store := inmem.NewFromObject(data)
	pq, err := rego.New(
		rego.Query(Query),
		rego.Compiler(compiler),
		rego.Store(store),
		// A builtin error (a bad regex, a type error) is the error of the
		// rule that erred, not that rule silently not firing.
		rego.StrictBuiltinErrors(true),
	).PrepareForEval(ctx)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return nil, &PolicyError{Errs: errs}
		}
		return nil, &PolicyError{Err: fmt.Errorf("prepare query: %w", err)}
	}
	timeout := cmp.Or(opts.Timeout, DefaultTimeout)
	envs, err := KnownEnvironments(opts.Config)
	if err != nil {
		return nil, &PolicyError{Err: err}
	}
	return &Engine{query: pq, rules: rulesFromAnnotations(annotations, all), policyDigest: digest, compiler: compiler, store: store, timeout: timeout, environments: envs}, nil
}

// Rules lists every rule known to the engine, sorted by id.
func (e *Engine) Rules() []RuleInfo { return e.rules }

// PolicyDigest identifies the policies and data that decide.
func (e *Engine) PolicyDigest() string { return e.policyDigest }

// Prepared is an input converted once for evaluation, with its digest.
type Prepared struct {
	input  *Input
	value  ast.Value
	digest string
}

// Prepare converts the input to OPA's value form once; evaluating a
// prepared input repeatedly skips the conversion.
func Prepare(in *Input) (*Prepared, error) { return prepare(in, true) }

// prepare is Prepare; derive false leaves out what deriveFindings adds (a
// test proves the decision the same without it).
func prepare(in *Input, derive bool) (*Prepared, error) {
	data, err := in.Canonical()
	if err != nil {
		return nil, err
	}
	v, err := valueOf(data)
	if err != nil {
		return nil, err
	}
	if derive {
		deriveFindings(v)
	}
	// The digest is of the very bytes converted: one encoding, not two.
	return &Prepared{input: in, value: v, digest: digestOf(data)}, nil
}

// Evaluate judges one input document.
func (e *Engine) Evaluate(ctx context.Context, in *Input) (*Decision, error) {
	p, err := Prepare(in)
	if err != nil {
		return nil, err
	}
	return e.EvaluatePrepared(ctx, p)
}

// EvaluatePrepared judges an input converted by Prepare.
func (e *Engine) EvaluatePrepared(ctx context.Context, p *Prepared) (*Decision, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	rs, err := e.query.Eval(ctx, rego.EvalParsedInput(p.value), rego.EvalGenerateJSON(keepTerm))
	if err != nil {
		return nil, evalError(ctx, e.timeout, e.ruleError(err))
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, errNoDecision
	}
	t, ok := rs[0].Expressions[0].Value.(*ast.Term)
	if !ok {
		return nil, fmt.Errorf("read decision: unexpected result %T", rs[0].Expressions[0].Value)
	}
	// Findings carry internal keys (kind, area, match) for policy authors;
	// the decision keeps only its documented fields.
	d := new(Decision)
	if err := readDecision(t.Value, d); err != nil {
		return nil, err
	}
	d.APIVersion, d.Kind = APIVersion, KindDecision
	d.Scanners = p.input.Scanners
	d.InputDigest, d.PolicyDigest = p.digest, e.policyDigest
	d.Release = releaseOf(&p.input.Release)
	e.fillTitles(d)
	d.sort()
	slog.Debug("evaluated", "result", d.Result, "score", d.Score, "violations", len(d.Violations), "warnings", len(d.Warnings))
	return d, nil
}

// fillTitles gives findings whose rule did not say its title the one from
// the rule's METADATA, and a one-line range where a rule gave only a start.
func (e *Engine) fillTitles(d *Decision) {
	titles := make(map[string]string, len(e.rules))
	for _, r := range e.rules {
		titles[r.ID] = r.Title
	}
	for _, fs := range [][]Finding{d.Violations, d.Warnings, d.Waived} {
		for i := range fs {
			if fs[i].Title == "" {
				fs[i].Title = titles[fs[i].Rule]
			}
			if l := &fs[i].Location; l.EndLine < l.StartLine {
				l.EndLine = l.StartLine
			}
		}
	}
}

// toJSONValue turns v into plain JSON values (maps, slices, strings,
// json.Number) through its JSON form, so Go types never reach the store.
func toJSONValue(v any) (any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := util.UnmarshalJSON(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}
