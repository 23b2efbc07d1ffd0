package engine

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// ExplainError is a rule to explain that no policy defines.
type ExplainError struct{ Rule string }

func (e *ExplainError) Error() string {
	return fmt.Sprintf("explain %s: no rule has that id or path (relgate policy doc lists them)", e.Rule)
}

// Explain tells a policy author why a rule fired or did not for an input:
// for each rule with the id (custom.id) or path (relgate.rules.acme.deny)
// it evaluates the rule's package with OPA's tracer, rule indexing off so
// every body is tried, and prints the trace narrowed to that rule's own
// lines: each expression, the values of its variables, and where it
// failed. Then it says where the rule's findings ended up in the decision
// (violation, warning, waived) and why.
func (e *Engine) Explain(ctx context.Context, in *Input, rule string, w io.Writer) error {
	targets := e.explainTargets(rule)
	if len(targets) == 0 {
		return &ExplainError{Rule: rule}
	}
	p, err := Prepare(in)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if err := e.explainRule(ctx, p, t, w); err != nil {
			return err
		}
	}
	d, err := e.EvaluatePrepared(ctx, p)
	if err != nil {
		return err
	}
	explainOutcome(w, d, targets)
	return nil
}

// explainTarget is one rule definition to trace.
type explainTarget struct {
	id    string
	title string
	rule  *ast.Rule
	ref   ast.Ref // the rule's document: data.<package>.<name>
}

func (e *Engine) explainTargets(name string) []explainTarget {
	var out []explainTarget
	for _, rm := range ruleMetadata(e.compiler.GetAnnotationSet(), e.compiler.Modules) {
		if rm.id == name {
			out = append(out, explainTarget{id: rm.id, title: rm.ann.Title, rule: rm.rule, ref: ruleDocRef(rm.rule)})
		}
	}
	if len(out) > 0 {
		return out
	}
	// Not an id: a rule path, with or without data.
	path := strings.TrimPrefix(name, "data.")
	for _, m := range e.compiler.Modules {
		for _, r := range m.Rules {
			ref := ruleDocRef(r)
			if strings.TrimPrefix(ref.String(), "data.") == path {
				out = append(out, explainTarget{id: path, rule: r, ref: ref})
			}
		}
	}
	slices.SortFunc(out, func(a, b explainTarget) int {
		return strings.Compare(fmt.Sprint(a.rule.Location), fmt.Sprint(b.rule.Location))
	})
	return out
}

// ruleDocRef is the document a rule contributes to, e.g.
// data.relgate.rules.release.deny.
func ruleDocRef(r *ast.Rule) ast.Ref {
	return r.Module.Package.Path.Extend(r.Head.Ref().GroundPrefix())
}

func (e *Engine) explainRule(ctx context.Context, p *Prepared, t explainTarget, w io.Writer) error {
	loc := t.rule.Location
	first, last := loc.Row, loc.Row+strings.Count(string(loc.Text), "\n")
	head := fmt.Sprintf("%s rule at %s:%d", strings.TrimPrefix(t.ref.String(), "data."), loc.File, loc.Row)
	if t.title != "" {
		fmt.Fprintf(w, "%s — %s\n%s\n", t.id, t.title, head)
	} else {
		fmt.Fprintf(w, "%s\n", head)
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	buf := topdown.NewBufferTracer()
	pq, err := rego.New(rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(t.ref)))), rego.Compiler(e.compiler), rego.Store(e.store)).PrepareForEval(ctx)
	if err != nil {
		return fmt.Errorf("explain %s: %w", t.id, err)
	}
	if _, err := pq.Eval(ctx, rego.EvalParsedInput(p.value), rego.EvalQueryTracer(buf), rego.EvalRuleIndexing(false)); err != nil {
		return fmt.Errorf("explain %s: %w", t.id, evalError(ctx, e.timeout, err))
	}
	var events []*topdown.Event
	fired := 0
	var failed []*topdown.Event
	for _, ev := range *buf {
		l := ev.Location
		if l == nil || l.File != loc.File || l.Row < first || l.Row > last {
			continue
		}
		events = append(events, ev)
		switch {
		case ev.Op == topdown.ExitOp && ev.HasRule() && ev.Node.(*ast.Rule).Location.Row == loc.Row:
			fired++
		case ev.Op == topdown.FailOp && ev.HasExpr() && !generated(ev, ev.Node.(*ast.Expr)):
			failed = append(failed, ev)
		}
	}
	switch {
	case len(events) == 0:
		fmt.Fprintln(w, "  not evaluated: nothing in this input reaches the rule")
	case fired > 0:
		fmt.Fprintf(w, "  FIRED: the body held %d time(s)\n", fired)
	default:
		fmt.Fprintln(w, "  DID NOT FIRE: no attempt got past these expressions")
	}
	if fired == 0 {
		seen := map[string]bool{}
		for _, ev := range failed {
			key := fmt.Sprintf("%s:%d: %s", ev.Location.File, ev.Location.Row, clip(authored(ev, ev.Node.(*ast.Expr)).String(), 160))
			if !seen[key] {
				seen[key] = true
				fmt.Fprintf(w, "    %s\n", key)
			}
		}
	}
	if len(events) > 0 {
		fmt.Fprintln(w, "  trace (this rule's lines):")
		for _, ev := range events {
			writeEvent(w, ev)
		}
	}
	fmt.Fprintln(w)
	return nil
}

// writeEvent prints one step of the rule's evaluation: each expression
// tried, each that failed with the values of its variables, and each
// result. Unify, index and redo steps, and the compiler's own assignments
// (the rule's METADATA), are left out: they are OPA's bookkeeping.
func writeEvent(w io.Writer, ev *topdown.Event) {
	where := fmt.Sprintf("%s:%d", ev.Location.File, ev.Location.Row)
	switch ev.Op {
	case topdown.EvalOp, topdown.FailOp:
		expr, ok := ev.Node.(*ast.Expr)
		if !ok || generated(ev, expr) {
			return
		}
		fmt.Fprintf(w, "    %-28s %-4s %s\n", where, ev.Op, clip(authored(ev, expr).String(), 120))
		if ev.Op == topdown.FailOp && ev.Locals != nil {
			vars := ast.NewVarSet()
			ast.WalkVars(expr, func(v ast.Var) bool {
				if _, named := ev.LocalMetadata[v]; named || !v.IsGenerated() && !v.IsWildcard() {
					vars.Add(v)
				}
				return false
			})
			for _, v := range vars.Sorted() {
				if val := ev.Locals.Get(v); val != nil {
					name := v
					if md, ok := ev.LocalMetadata[v]; ok {
						name = md.Name
					}
					fmt.Fprintf(w, "    %-28s      where %s = %s\n", "", name, clip(val.String(), 100))
				}
			}
		}
	case topdown.ExitOp:
		if r, ok := ev.Node.(*ast.Rule); ok {
			fmt.Fprintf(w, "    %-28s %-4s %s holds\n", where, ev.Op, strings.TrimPrefix(ruleDocRef(r).String(), "data."))
		}
	}
}

// authored is the expression with the author's variable names, where the
// compiler renamed them.
func authored(ev *topdown.Event, expr *ast.Expr) *ast.Expr {
	if len(ev.LocalMetadata) == 0 {
		return expr
	}
	out, err := ast.TransformVars(expr.Copy(), func(v ast.Var) (ast.Value, error) {
		if md, ok := ev.LocalMetadata[v]; ok {
			return md.Name, nil
		}
		return v, nil
	})
	if e, ok := out.(*ast.Expr); ok && err == nil {
		return e
	}
	return expr
}

// generated reports an expression the compiler wrote (the assignment of
// rego.metadata.rule() to a local), not the author.
func generated(ev *topdown.Event, e *ast.Expr) bool {
	if !e.IsAssignment() && !e.IsEquality() {
		return false
	}
	v, ok := e.Operand(0).Value.(ast.Var)
	_, named := ev.LocalMetadata[v]
	return ok && v.IsGenerated() && !named && !ast.ContainsRefs(e.Operand(1))
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// explainOutcome says where the explained rules' findings ended up.
func explainOutcome(w io.Writer, d *Decision, targets []explainTarget) {
	ids := map[string]bool{}
	for _, t := range targets {
		ids[t.id] = true
	}
	n := 0
	for _, g := range []struct {
		name string
		fs   []Finding
	}{{"violation", d.Violations}, {"warning", d.Warnings}, {"waived", d.Waived}} {
		for _, f := range g.fs {
			if !ids[f.Rule] {
				continue
			}
			n++
			where := g.name
			switch {
			case g.name == "waived" && f.Waiver != nil:
				where += fmt.Sprintf(" by the waiver at %s:%d (%s, until %s)", f.Waiver.Location.Path, f.Waiver.Location.StartLine, f.Waiver.Reason, f.Waiver.Expires)
			case g.name == "warning":
				where += fmt.Sprintf(" (a %s finding; in %s only denies at the environment's fail_on or above, over budget, fail)", f.Severity, d.Environment)
			}
			fmt.Fprintf(w, "decision: %s %s %s: %s\n", f.Rule, f.Severity, where, f.Message)
		}
	}
	if n == 0 {
		fmt.Fprintf(w, "decision: no finding of this rule (result %s in %s)\n", d.Result, d.Environment)
	}
}
