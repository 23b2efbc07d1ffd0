package engine_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/invopop/jsonschema"
	sj "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/relgate/relgate/engine"
)

var update = flag.Bool("update", false, "rewrite the committed JSON Schemas and golden files")

const inputSchemaPath = "../schema/input.schema.json"

// inputSchema generates the input document's JSON Schema from the Go types.
func inputSchema(t *testing.T) []byte {
	t.Helper()
	r := &jsonschema.Reflector{DoNotReference: false, ExpandedStruct: true}
	s := r.Reflect(&engine.Input{})
	s.ID = "https://relgate.dev/schema/input.schema.json"
	s.Title = "relgate input document (apiVersion relgate.dev/v1, kind ReleaseInput)"
	s.Properties.Set("apiVersion", &jsonschema.Schema{Type: "string", Const: engine.APIVersion})
	s.Properties.Set("kind", &jsonschema.Schema{Type: "string", Const: engine.KindInput})
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// TestInputSchemaUpToDate fails when the committed schema drifts from the
// Go types. Regenerate with: go test ./engine -run Schema -update
func TestInputSchemaUpToDate(t *testing.T) {
	got := inputSchema(t)
	if *update {
		if err := os.WriteFile(inputSchemaPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(inputSchemaPath)
	if err != nil {
		t.Fatalf("read committed schema: %v (run go test ./engine -run Schema -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: the Go types changed. Run: go test ./engine -run Schema -update", inputSchemaPath)
	}
}

// TestDocumentsValidateAgainstSchema checks the schema and the types agree
// on real documents, both ways: what Go writes validates, and what the
// schema rejects Go rejects too.
func TestDocumentsValidateAgainstSchema(t *testing.T) {
	c := sj.NewCompiler()
	schema, err := c.Compile(filepath.Join("..", "schema", "input.schema.json"))
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	in := sampleInput()
	data, err := in.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := sj.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("canonical document does not validate: %v", err)
	}
	bad := strings.Replace(string(data), `"duration_ms": 12`, `"duration_ms": "12"`, 1)
	badDoc, _ := sj.UnmarshalJSON(strings.NewReader(bad))
	if schema.Validate(badDoc) == nil {
		t.Error("schema accepted a wrong type")
	}
	if _, err := engine.DecodeInput("bad.json", strings.NewReader(bad)); err == nil {
		t.Error("decoder accepted a wrong type")
	}
}

func sampleInput() *engine.Input {
	in := engine.NewInput()
	in.Release = engine.Release{Environment: "production", Branch: "main", Tag: "v1.0.0", Version: "1.0.0",
		Time:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Commits: []engine.Commit{{SHA: "abc", Subject: "feat: x", Type: "feat", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	in.Secrets = []engine.Secret{{RuleID: "aws-access-token", Location: engine.Location{Path: "a.env", StartLine: 1}, Fingerprint: "f", SecretHash: "sha256:" + strings.Repeat("ab", 32), Redacted: "AKIA…", Where: "tree"}}
	in.Vulnerabilities = []engine.Vulnerability{{ID: "GHSA-x", Package: engine.Package{Name: "lodash", Version: "4.17.20", Ecosystem: "npm"}, Severity: "high", Source: "osv", Location: engine.Location{Path: "package-lock.json", StartLine: 10}}}
	in.Migrations = []engine.Migration{{Path: "db/1.up.sql", Tool: "golang-migrate", Dialect: "postgres", Statements: []engine.Statement{{Line: 1, Kind: "DropTable", Destructive: true}}}}
	in.Scanners = []engine.ScannerRun{{Name: "release", Status: engine.StatusOK, DurationMS: 12}}
	return in
}
