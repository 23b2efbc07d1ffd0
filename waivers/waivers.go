// Package waivers reads the waiver file (.relgate-waivers.yaml) into the
// input document's waivers.
//
// It checks only the file's shape — known keys, required fields, readable
// dates and globs, no duplicates — and names the file and line of each
// mistake. Whether a waiver is acceptable (expired, too long, missing an
// approver for its severity, unused) is judgment, made by the WVR policies.
package waivers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gobwas/glob"
	"go.yaml.in/yaml/v3"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
)

// FileName is the waiver file looked for at the root of the target.
const FileName = ".relgate-waivers.yaml"

// Error is one mistake in a waiver file, with its file and line. It is a
// config error in all but name: both are files the user wrote, and both stop
// the gate with exit 2.
type Error = config.Error

// Load reads the waiver file at path; name is how the file is shown in
// waiver locations and errors (repo-relative). A missing file is no waivers
// when optional is true.
func Load(path, name string, optional bool) ([]engine.Waiver, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return []engine.Waiver{}, nil
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{File: name, Msg: fmt.Sprintf("read waivers: %v", err)}
	}
	return Parse(name, data)
}

// fields are the keys a waiver may have; scopeFields those of its scope.
var (
	fields      = []string{"rule", "scope", "reason", "approver", "expires", "ticket"}
	scopeFields = []string{"fingerprint", "path", "package", "id", "image"}
)

// Parse decodes a waiver file strictly. Every mistake is reported, each as
// an *Error, joined.
func Parse(name string, data []byte) ([]engine.Waiver, error) {
	p := &parser{file: name}
	out := []engine.Waiver{}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return out, nil // an empty file waives nothing
		}
		return nil, p.yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Line: extra.Line, Msg: "more than one YAML document"}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	list := p.top(root)
	seen := map[string]int{}
	for _, item := range list {
		w, ok := p.waiver(item)
		if !ok {
			continue
		}
		key := w.Rule + "\x00" + w.Scope.Fingerprint + "\x00" + w.Scope.Path + "\x00" + w.Scope.Package + "\x00" + w.Scope.ID + "\x00" + w.Scope.Image
		if first, dup := seen[key]; dup {
			p.errorf(item.Line, "duplicate waiver: rule %s with the same scope as the waiver at line %d", w.Rule, first)
			continue
		}
		seen[key] = item.Line
		out = append(out, w)
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return out, nil
}

type parser struct {
	file string
	errs []error
}

func (p *parser) errorf(line int, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p *parser) yamlError(err error) error {
	e := &Error{File: p.file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1]) // the pattern matched digits
		e.Msg = m[2]
	}
	return e
}

// top reads the document: a mapping with one key, waivers, holding a list.
func (p *parser) top(n *yaml.Node) []*yaml.Node {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil
	case n.Kind != yaml.MappingNode:
		p.errorf(n.Line, "want a mapping with a waivers list")
		return nil
	}
	var list []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value != "waivers" {
			p.errorf(k.Line, "unknown key %q (want waivers)", k.Value)
			continue
		}
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
		case v.Kind != yaml.SequenceNode:
			p.errorf(v.Line, "waivers: want a list")
		default:
			list = v.Content
		}
	}
	return list
}

// waiver reads one list item; ok is false when it had a mistake.
func (p *parser) waiver(n *yaml.Node) (w engine.Waiver, ok bool) {
	before := len(p.errs)
	w.Location = engine.Location{Path: p.file, StartLine: n.Line, EndLine: n.Line}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, "waiver: want a mapping with rule, scope, reason, approver, expires, ticket")
		return w, false
	}
	got := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !oneOf(k.Value, fields):
			p.errorf(k.Line, "unknown key %q (known: %s)", k.Value, strings.Join(fields, ", "))
		case got[k.Value] != nil:
			p.errorf(k.Line, "duplicate key %q", k.Value)
		default:
			got[k.Value] = v
		}
		if k.Line > w.Location.EndLine {
			w.Location.EndLine = k.Line
		}
	}
	w.Rule = p.text(got, "rule", n.Line, true)
	w.Reason = p.text(got, "reason", n.Line, true)
	w.Approver = p.text(got, "approver", n.Line, false)
	w.Ticket = p.text(got, "ticket", n.Line, false)
	w.Expires = p.text(got, "expires", n.Line, true)
	if w.Rule != "" && !ruleIDRE.MatchString(w.Rule) {
		p.errorf(got["rule"].Line, "rule: %q is not a rule id (e.g. VUL002)", w.Rule)
	}
	if w.Expires != "" {
		if msg := checkDate(w.Expires); msg != "" {
			p.errorf(got["expires"].Line, "expires: %s", msg)
		}
	}
	w.Scope = p.scope(got["scope"], n.Line)
	return w, len(p.errs) == before
}

var ruleIDRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)

// text reads a string field; missing and empty are the same.
func (p *parser) text(got map[string]*yaml.Node, key string, line int, required bool) string {
	v := got[key]
	if v == nil || (v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
		if required {
			p.errorf(line, "waiver has no %s (required)", key)
		}
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		p.errorf(v.Line, "%s: want a string", key)
		return ""
	}
	s := strings.TrimSpace(v.Value)
	if s == "" && required {
		p.errorf(v.Line, "%s: empty (required)", key)
	}
	return s
}

func (p *parser) scope(n *yaml.Node, line int) engine.WaiverScope {
	var s engine.WaiverScope
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		p.errorf(line, `waiver has no scope (name one of %s; path: "**" waives every finding of the rule)`, strings.Join(scopeFields, ", "))
		return s
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, "scope: want a mapping of %s", strings.Join(scopeFields, ", "))
		return s
	}
	got := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !oneOf(k.Value, scopeFields):
			p.errorf(k.Line, "scope: unknown key %q (known: %s)", k.Value, strings.Join(scopeFields, ", "))
		case got[k.Value] != nil:
			p.errorf(k.Line, "scope: duplicate key %q", k.Value)
		default:
			got[k.Value] = v
		}
	}
	field := func(key string) string {
		if got[key] == nil {
			return ""
		}
		return p.text(got, key, n.Line, false)
	}
	s = engine.WaiverScope{Fingerprint: field("fingerprint"), Path: field("path"), Package: field("package"), ID: field("id"), Image: field("image")}
	if s == (engine.WaiverScope{}) {
		p.errorf(n.Line, `scope: empty (name one of %s; path: "**" waives every finding of the rule)`, strings.Join(scopeFields, ", "))
	}
	if s.Path != "" {
		// The policies match with OPA's glob.match, which is gobwas/glob.
		if _, err := glob.Compile(s.Path, '/'); err != nil {
			p.errorf(got["path"].Line, "scope.path: invalid glob %q: %v", s.Path, err)
		}
	}
	return s
}

var (
	dateRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	dateTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
	// OPA's time builtins stop at the limits of int64 nanoseconds.
	maxDate = time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC)
	minDate = time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkDate says what is wrong with an expiry, or "". A past date is not
// wrong here: an expired waiver is a policy violation, judged in Rego.
func checkDate(s string) string {
	var t time.Time
	var err error
	switch {
	case dateRE.MatchString(s):
		t, err = time.Parse(time.DateOnly, s)
	case dateTimeRE.MatchString(s):
		t, err = time.Parse(time.RFC3339Nano, s)
	default:
		return fmt.Sprintf("%q is not a date (want YYYY-MM-DD or an RFC 3339 time)", s)
	}
	if err != nil {
		return fmt.Sprintf("%q is not a valid date", s)
	}
	if t.Before(minDate) || !t.Before(maxDate) {
		return fmt.Sprintf("%q is out of range (1678 to 2262)", s)
	}
	return ""
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}
