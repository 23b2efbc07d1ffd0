package config_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/invopop/jsonschema"
	sj "github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/relgate/relgate/config"
)

var update = flag.Bool("update", false, "rewrite the committed JSON Schema")

const schemaPath = "../schema/config.schema.json"

const sample = `# A full example.
environment: staging
policies: [policy]
policy:
  allow_builtins: [http.send]
scanners:
  enabled: [release]
  timeout: 90s
defaults:
  fail_on: high
environments:
  production:
    fail_on: medium
    budgets: {medium: 3}
    scanner_errors: deny
    release:
      branches: [main]
      tags: ["v*"]
      require_semver: true
    score:
      pass: 95
      warn: 70
      weights: {secrets: 5}
custom:
  team: payments
`

func TestParseSample(t *testing.T) {
	cfg, err := config.Parse(".relgate.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Environment != "staging" || time.Duration(cfg.Scanners.Timeout) != 90*time.Second {
		t.Errorf("cfg = %+v", cfg)
	}
	prod := cfg.Environments["production"]
	if prod.FailOn != "medium" || prod.Budgets["medium"] != 3 || *prod.Score.Pass != 95 {
		t.Errorf("production = %+v", prod)
	}
	// Unset settings stay out of the data policies see, so Rego's
	// defaults apply.
	data, err := json.Marshal(cfg.Defaults)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"fail_on":"high"}` {
		t.Errorf("defaults as data = %s", data)
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown key", "environment: dev\nenviroments: {}\n", `.relgate.yaml:2: unknown key "enviroments"`},
		{"nested unknown key", "environments:\n  production:\n    fail_onn: high\n", `.relgate.yaml:3: unknown key "fail_onn"`},
		{"malformed yaml", "environment: dev\n  policies: [\n", ".relgate.yaml:2:"},
		{"wrong type", "policies: 3\n", ".relgate.yaml:1:"},
		{"bad duration", "scanners:\n  timeout: soon\n", `.relgate.yaml:2: invalid duration "soon"`},
		{"bad severity", "environments:\n  production:\n    fail_on: severe\n", `environments.production.fail_on: "severe" is not one of`},
		{"bad budget", "defaults:\n  budgets: {high: -1}\n", "defaults.budgets.high: -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse(".relgate.yaml", []byte(tt.doc))
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *config.Error", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("err %q is not one line", err)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.Load(filepath.Join(dir, ".relgate.yaml"), true)
	if err != nil || cfg == nil {
		t.Fatalf("optional missing config: %v", err)
	}
	if _, err := config.Load(filepath.Join(dir, "nope.yaml"), false); err == nil {
		t.Fatal("required missing config: no error")
	}
}

func TestEmptyFile(t *testing.T) {
	if _, err := config.Parse("empty.yaml", nil); err != nil {
		t.Fatalf("empty config: %v", err)
	}
}

func configSchema(t *testing.T) []byte {
	t.Helper()
	r := &jsonschema.Reflector{ExpandedStruct: true, Mapper: func(t reflect.Type) *jsonschema.Schema {
		if t == reflect.TypeFor[config.Duration]() {
			return &jsonschema.Schema{Type: "string", Pattern: `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`, Description: "a duration such as 90s or 5m"}
		}
		return nil
	}}
	// The keys' descriptions are the Go doc comments, so the schema an
	// editor completes with and docs/config.md say what the code says.
	if err := r.AddGoComments("github.com/relgate/relgate/config", "."); err != nil {
		t.Fatal(err)
	}
	s := r.Reflect(&config.Config{})
	s.ID = "https://relgate.dev/schema/config.schema.json"
	s.Title = "relgate configuration (.relgate.yaml)"
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(data, '\n')
}

// TestSchemaUpToDate fails when the committed config schema drifts from the
// Go types. Regenerate with: go test ./config -run Schema -update
func TestSchemaUpToDate(t *testing.T) {
	got := configSchema(t)
	if *update {
		if err := os.WriteFile(schemaPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatalf("read committed schema: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale. Run: go test ./config -run Schema -update", schemaPath)
	}
}

// TestSampleValidatesAgainstSchema: the schema editors use accepts what
// relgate accepts and rejects an unknown key as relgate does.
func TestSampleValidatesAgainstSchema(t *testing.T) {
	schema, err := sj.NewCompiler().Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	for doc, valid := range map[string]bool{sample: true, "enviroments: {}\n": false, "scanners: {timeout: 3}\n": false} {
		var v any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		inst, _ := sj.UnmarshalJSON(bytes.NewReader(b))
		if err := schema.Validate(inst); (err == nil) != valid {
			t.Errorf("schema validation of %q = %v, want valid=%v", doc, err, valid)
		}
	}
}
