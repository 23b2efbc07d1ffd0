package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/relgate/relgate/policies"
)

// admissionQuery is the one query the admission policy answers.
const admissionQuery = "data.relgate.admission.decision"

// admissionPolicy is the compiled relgate.admission package.
type admissionPolicy struct{ query rego.PreparedEvalQuery }

// verdict is what relgate.admission decides.
type verdict struct {
	Allowed  bool     `json:"allowed"`
	Reasons  []string `json:"reasons"`
	Warnings []string `json:"warnings"`
}

func compileAdmission(ctx context.Context) (*admissionPolicy, error) {
	opts := []func(*rego.Rego){rego.Query(admissionQuery), rego.SetRegoVersion(ast.RegoV1)}
	err := fs.WalkDir(policies.FS, "admission", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		opts = append(opts, rego.Module(path.Join("policies", p), string(src)))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load admission policy: %w", err)
	}
	q, err := rego.New(opts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("compile admission policy: %w", err)
	}
	return &admissionPolicy{query: q}, nil
}

func (p *admissionPolicy) decide(ctx context.Context, input map[string]any) (*verdict, error) {
	rs, err := p.query.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return nil, fmt.Errorf("evaluate admission policy: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, errors.New("evaluate admission policy: data.relgate.admission.decision is undefined")
	}
	m, ok := rs[0].Expressions[0].Value.(map[string]any)
	if !ok {
		return nil, errors.New("evaluate admission policy: the decision is not an object")
	}
	v := &verdict{}
	v.Allowed, _ = m["allowed"].(bool)
	v.Reasons = strings_(m["reasons"])
	v.Warnings = strings_(m["warnings"])
	return v, nil
}

func strings_(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
