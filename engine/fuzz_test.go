package engine_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// FuzzDecodeInput: no input document (eval, /v1/decision, a saved input)
// makes the decoder panic; every refusal is an *engine.InputError that
// names the file; and what it accepts encodes and decodes back to the same
// document, so a saved input reproduces its decision.
func FuzzDecodeInput(f *testing.F) {
	in := engine.NewInput()
	in.Release.Environment = "production"
	in.Release.Version = "1.2.3"
	in.Vulnerabilities = []engine.Vulnerability{{
		ID: "GHSA-0000-0000-0000", Severity: "high", Source: "osv", FixedVersions: []string{"1.0.1"},
		Package:  engine.Package{Name: "pkg", Version: "1.0.0", Ecosystem: "Go"},
		Location: engine.Location{Path: "go.sum", StartLine: 3},
	}}
	in.Secrets = []engine.Secret{{RuleID: "generic-api-key", Location: engine.Location{Path: "a.env", StartLine: 1}, Fingerprint: "a.env:generic-api-key:1"}}
	in.Scanners = []engine.ScannerRun{{Name: "deps", Status: "ok"}}
	var buf bytes.Buffer
	if err := in.Encode(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	if err := engine.NewInput().Encode(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput"}`))
	f.Add([]byte(`{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput","secrets":[{"location":{"path":1}}]}`))
	f.Add([]byte(`{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput"} {}`))
	f.Add([]byte("{\n\"apiVersion\":\"relgate.dev/v1\",\n\"kind\":\"ReleaseInput\",\n\"nope\":1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "saved/input.json"
		got, err := engine.DecodeInput(name, bytes.NewReader(data))
		if err != nil {
			var ie *engine.InputError
			if !errors.As(err, &ie) || ie.File != name || !strings.HasPrefix(err.Error(), name+":") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		var first, second bytes.Buffer
		if err := got.Encode(&first); err != nil {
			t.Fatalf("an accepted document does not encode: %v", err)
		}
		again, err := engine.DecodeInput(name, bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("an accepted document, encoded, is refused: %v\n%s", err, first.Bytes())
		}
		if err := again.Encode(&second); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("encode and decode do not round-trip:\n%s\n---\n%s", first.Bytes(), second.Bytes())
		}
	})
}
