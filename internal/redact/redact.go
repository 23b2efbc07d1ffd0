// Package redact is the one step every string leaving relgate passes
// through: reports in every format, saved input documents, logs, server
// responses and attestations. It masks two things: the secrets the run's
// secrets scanner found (fed in with Add, never written anywhere) and
// whatever a secret detector — gitleaks' rules, supplied by the secrets
// adapter — recognises in the outgoing text itself, so a token that reached
// a fact by another road (a parser error quoting SQL, a commit subject) is
// masked too.
//
// Redaction happens at the edge on whole outputs, not per scanner, so a new
// fact or format cannot forget it.
package redact

import (
	"bytes"
	"cmp"
	"encoding/json"
	"html"
	"io"
	"slices"
	"strings"
	"sync"
)

// Mask replaces every secret.
const Mask = "[REDACTED]"

// MinLen is the shortest secret masked. Shorter strings ("true", a port)
// would mangle every report they appear in; no gitleaks rule reports a
// secret that short.
const MinLen = 8

// Detector finds secret values in text, as gitleaks' rules do.
type Detector func(text string) []string

// Redactor masks secrets. The zero value masks nothing; a nil *Redactor is
// valid and masks nothing either, so callers need no special case. It is
// safe for concurrent use.
type Redactor struct {
	detect Detector

	mu      sync.RWMutex
	secrets map[string]bool
	// replacer masks every known secret; nil until a secret is known.
	replacer *strings.Replacer
}

// New returns a redactor that masks what detect finds (nil: only the
// secrets given to Add).
func New(detect Detector) *Redactor {
	return &Redactor{detect: detect, secrets: map[string]bool{}}
}

// Add makes the redactor mask secret from now on, in the forms it takes in
// JSON and XML output too.
func (r *Redactor) Add(secrets ...string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := false
	for _, s := range secrets {
		for _, form := range forms(s) {
			if len(form) < MinLen || r.secrets[form] {
				continue
			}
			if r.secrets == nil {
				r.secrets = map[string]bool{}
			}
			r.secrets[form] = true
			changed = true
		}
	}
	if changed {
		r.replacer = nil
	}
}

// forms are the ways a secret appears in relgate's outputs: as is, escaped
// in a JSON string, escaped in XML.
func forms(s string) []string {
	out := []string{s}
	if data, err := json.Marshal(s); err == nil {
		if j := string(data[1 : len(data)-1]); j != s {
			out = append(out, j)
		}
	}
	if x := html.EscapeString(s); x != s {
		out = append(out, x)
	}
	return out
}

// Len is how many distinct secret forms are masked so far.
func (r *Redactor) Len() int {
	if r == nil {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.secrets)
}

// String returns s with every secret masked: the known ones, and those the
// detector finds in s (which are then known for every later output).
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	if r.detect != nil {
		// A marker that tells gitleaks to skip a line must not let an
		// output keep its secret: the detector sees the text without it.
		if found := r.detect(neutralise(s)); len(found) > 0 {
			r.Add(found...)
		}
	}
	rep := r.currentReplacer()
	if rep == nil {
		return s
	}
	return rep.Replace(s)
}

// Bytes is String for a byte slice.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	return []byte(r.String(string(b)))
}

// allowMarker is gitleaks' inline "skip this line" comment.
const allowMarker = "gitleaks:allow"

func neutralise(s string) string {
	if !strings.Contains(strings.ToLower(s), allowMarker) {
		return s
	}
	var b strings.Builder
	lower := strings.ToLower(s)
	for {
		i := strings.Index(lower, allowMarker)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString("gitleaks-allow")
		s, lower = s[i+len(allowMarker):], lower[i+len(allowMarker):]
	}
}

func (r *Redactor) currentReplacer() *strings.Replacer {
	r.mu.RLock()
	rep, n := r.replacer, len(r.secrets)
	r.mu.RUnlock()
	if rep != nil || n == 0 {
		return rep
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.replacer == nil {
		// Longest first: a secret that contains another is masked whole.
		keys := make([]string, 0, len(r.secrets))
		for s := range r.secrets {
			keys = append(keys, s)
		}
		slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
		pairs := make([]string, 0, 2*len(keys))
		for _, k := range keys {
			pairs = append(pairs, k, Mask)
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r.replacer
}

// WriteTo renders an output with write, masks it whole and writes it to w:
// a secret is recognised in its full context (gitleaks' rules look at the
// text around a value), never split across two writes.
func (r *Redactor) WriteTo(w io.Writer, write func(io.Writer) error) error {
	if r == nil {
		return write(w)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	_, err := io.WriteString(w, r.String(buf.String()))
	return err
}

// Writer masks each Write on its own before passing it to w: for writers
// that receive whole lines, such as a log handler's.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	if r == nil {
		return w
	}
	return lineWriter{r: r, w: w}
}

type lineWriter struct {
	r *Redactor
	w io.Writer
}

func (l lineWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(l.w, l.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
