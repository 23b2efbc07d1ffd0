package engine

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// keepTerm hands the query result to EvaluatePrepared as OPA's own value:
// readDecision reads it field by field, where converting it to Go maps,
// encoding those to JSON and decoding that into a Decision cost a tenth of
// an evaluation of 10k findings.
func keepTerm(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }

// readDecision fills d from relgate.main.decision. It reads what the JSON
// form of the decision held: a missing or null field stays zero, a field of
// the wrong type is an error naming it, keys the Decision does not know
// (kind, area, …) are left out.
func readDecision(v ast.Value, d *Decision) error {
	obj, ok := v.(ast.Object)
	if !ok {
		return fmt.Errorf("read decision: want an object, got %s", ast.ValueName(v))
	}
	r := reader{obj: obj}
	d.Result = r.string("result")
	d.Score = r.float("score")
	d.Environment = r.string("environment")
	d.Violations = r.findings("violations")
	d.Warnings = r.findings("warnings")
	d.Waived = r.findings("waived")
	d.Objectives = r.objectives("objectives")
	return r.err
}

// reader reads fields of one object and keeps the first error, with the
// path of the field that caused it. The path is built only for an error:
// formatting one per finding would cost more than reading the finding.
type reader struct {
	obj ast.Object
	// list and index locate an item of a list ("violations", 3); sub is
	// the object inside it ("location.").
	list  string
	index int
	sub   string
	err   error
}

func (r *reader) path() string {
	if r.list == "" {
		return r.sub
	}
	return fmt.Sprintf("%s[%d].%s", r.list, r.index, r.sub)
}

func (r *reader) at(key string) ast.Value {
	t := r.obj.Get(ast.InternedTerm(key))
	if t == nil {
		return nil
	}
	if _, null := t.Value.(ast.Null); null {
		return nil
	}
	return t.Value
}

func (r *reader) fail(key, want string, v ast.Value) {
	if r.err == nil {
		r.err = fmt.Errorf("read decision: %s%s: want %s, got %s", r.path(), key, want, ast.ValueName(v))
	}
}

func (r *reader) string(key string) string {
	v := r.at(key)
	if v == nil {
		return ""
	}
	s, ok := v.(ast.String)
	if !ok {
		r.fail(key, "a string", v)
	}
	return string(s)
}

func (r *reader) bool(key string) bool {
	v := r.at(key)
	if v == nil {
		return false
	}
	b, ok := v.(ast.Boolean)
	if !ok {
		r.fail(key, "a boolean", v)
	}
	return bool(b)
}

func (r *reader) float(key string) float64 {
	v := r.at(key)
	if v == nil {
		return 0
	}
	n, ok := v.(ast.Number)
	if !ok {
		r.fail(key, "a number", v)
		return 0
	}
	f, ok := n.Float64()
	if !ok {
		r.fail(key, "a finite number", v)
	}
	return f
}

func (r *reader) int(key string) int {
	v := r.at(key)
	if v == nil {
		return 0
	}
	n, ok := v.(ast.Number)
	if !ok {
		r.fail(key, "an integer", v)
		return 0
	}
	i, ok := n.Int()
	if !ok {
		r.fail(key, "an integer", v)
	}
	return i
}

// each calls f with a reader for every object of the set or array at key,
// in the order the JSON form lists them (a set sorted).
func (r *reader) each(key string, f func(*reader)) {
	v := r.at(key)
	if v == nil {
		return
	}
	var terms []*ast.Term
	switch c := v.(type) {
	case ast.Set:
		terms = c.Slice()
	case *ast.Array:
		terms = make([]*ast.Term, 0, c.Len())
		c.Foreach(func(t *ast.Term) { terms = append(terms, t) })
	default:
		r.fail(key, "a set or an array", v)
		return
	}
	// Items of the decision's lists are top-level: their path is key[i].
	for i, t := range terms {
		obj, ok := t.Value.(ast.Object)
		if !ok {
			if _, null := t.Value.(ast.Null); !null && r.err == nil {
				r.err = fmt.Errorf("read decision: %s[%d]: want an object, got %s", key, i, ast.ValueName(t.Value))
			}
			continue
		}
		item := &reader{obj: obj, list: key, index: i}
		f(item)
		if item.err != nil && r.err == nil {
			r.err = item.err
		}
	}
}

func (r *reader) object(key string) *reader {
	v := r.at(key)
	if v == nil {
		return nil
	}
	obj, ok := v.(ast.Object)
	if !ok {
		r.fail(key, "an object", v)
		return nil
	}
	return &reader{obj: obj, list: r.list, index: r.index, sub: r.sub + key + "."}
}

func (r *reader) findings(key string) []Finding {
	var out []Finding
	r.each(key, func(fr *reader) {
		f := Finding{
			Rule:        fr.string("rule"),
			Title:       fr.string("title"),
			Severity:    fr.string("severity"),
			Message:     fr.string("message"),
			Fingerprint: fr.string("fingerprint"),
			Known:       fr.bool("known"),
			PreExisting: fr.string("kind") == KindPreExisting,
		}
		if lr := fr.object("location"); lr != nil {
			f.Location = Location{
				Path: lr.string("path"), StartLine: lr.int("start_line"), EndLine: lr.int("end_line"),
				StartColumn: lr.int("start_column"), EndColumn: lr.int("end_column"), Commit: lr.string("commit"),
			}
			if lr.err != nil && fr.err == nil {
				fr.err = lr.err
			}
		}
		f.Waiver = fr.waiver("waiver")
		f.Details = fr.details()
		out = append(out, f)
	})
	return out
}

// waiver reads a waived finding's waiver through its JSON form: there are
// few of them, and the Waiver type is the input document's own.
func (r *reader) waiver(key string) *Waiver {
	v := r.at(key)
	if v == nil {
		return nil
	}
	if _, ok := v.(ast.Object); !ok {
		r.fail(key, "an object", v)
		return nil
	}
	w := new(Waiver)
	doc, err := ast.JSON(v)
	var raw []byte
	if err == nil {
		raw, err = json.Marshal(doc)
	}
	if err == nil {
		err = json.Unmarshal(raw, w)
	}
	if err != nil && r.err == nil {
		r.err = fmt.Errorf("read decision: %s%s: %w", r.path(), key, err)
	}
	return w
}

func (r *reader) objectives(key string) []Objective {
	var out []Objective
	r.each(key, func(or *reader) {
		out = append(out, Objective{
			Name: or.string("name"), Result: or.string("result"), Weight: or.float("weight"), Key: or.bool("key"),
		})
	})
	return out
}

var errNoDecision = errors.New("evaluate policies: data.relgate.main.decision is undefined (is a policy overriding relgate.main?)")
