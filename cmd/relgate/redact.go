package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/relgate/relgate/attest"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/scanners/secrets"
)

// newRedactor is the run's one redaction step: the secrets scanner feeds it
// what it finds, and gitleaks' default rules look at every output. The
// rules are translated on first use, so a command that writes nothing
// (version, --help) does not pay for them.
func newRedactor() *redact.Redactor {
	detect := sync.OnceValues(secrets.Detector)
	return redact.New(func(text string) []string {
		d, err := detect()
		if err != nil {
			// Without the rules nothing can be vouched for: the whole
			// text is masked rather than let a secret through.
			return []string{text}
		}
		return d(text)
	})
}

// redactPredicate masks the predicate before it is signed: the record's
// payload is base64 inside its envelope, where masking afterwards would
// neither find a secret nor leave a valid signature.
func redactPredicate(r *redact.Redactor, p attest.Predicate) (attest.Predicate, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return p, fmt.Errorf("encode predicate: %w", err)
	}
	var out attest.Predicate
	if err := json.Unmarshal(r.Bytes(raw), &out); err != nil {
		return p, fmt.Errorf("decode redacted predicate: %w", err)
	}
	return out, nil
}

// redactInput masks the facts before they are judged, so that the saved
// input, the decision's input_digest and every report agree: `relgate
// eval` of the saved document reproduces the decision byte for byte.
func redactInput(r *redact.Redactor, in *engine.Input) (*engine.Input, error) {
	var buf bytes.Buffer
	if err := in.Encode(&buf); err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	masked := r.Bytes(buf.Bytes())
	if bytes.Equal(masked, buf.Bytes()) {
		return in, nil
	}
	out, err := engine.DecodeInput("the redacted input", bytes.NewReader(masked))
	if err != nil {
		return nil, fmt.Errorf("redact input: %w", err)
	}
	return out, nil
}

// redacted returns a write function whose output is masked whole.
func redacted(r *redact.Redactor, write func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error { return r.WriteTo(w, write) }
}
