package config_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

const referencePath = "../docs/config.md"

// schemaNode is the part of a JSON Schema the reference reads.
type schemaNode struct {
	Ref                  string                 `json:"$ref"`
	Type                 string                 `json:"type"`
	Description          string                 `json:"description"`
	Enum                 []any                  `json:"enum"`
	Pattern              string                 `json:"pattern"`
	Properties           map[string]*schemaNode `json:"properties"`
	Items                *schemaNode            `json:"items"`
	AdditionalProperties json.RawMessage        `json:"additionalProperties"`
	Defs                 map[string]*schemaNode `json:"$defs"`
}

// configReference renders the config schema as Markdown: one table per
// section, every key with its type and its description.
func configReference(t *testing.T, schema []byte) []byte {
	t.Helper()
	var root schemaNode
	if err := json.Unmarshal(schema, &root); err != nil {
		t.Fatal(err)
	}
	resolve := func(n *schemaNode) *schemaNode {
		for n != nil && n.Ref != "" {
			n = root.Defs[strings.TrimPrefix(n.Ref, "#/$defs/")]
		}
		return n
	}
	var b bytes.Buffer
	b.WriteString("# `.relgate.yaml` reference\n\n")
	b.WriteString("Generated from [schema/config.schema.json](../schema/config.schema.json) (itself generated from\n")
	b.WriteString("the Go types in `config/`) by `go test ./config -run Reference -update`; a test fails when it is stale.\n")
	b.WriteString("Unknown keys are errors naming the file and line. Thresholds left unset take the built-in\n")
	b.WriteString("defaults in `policies/lib/defaults.rego`.\n")
	var walk func(path string, n *schemaNode)
	walk = func(path string, n *schemaNode) {
		n = resolve(n)
		if n == nil || len(n.Properties) == 0 {
			return
		}
		title := "top level"
		switch {
		case path == "environments.<name>":
			title = "`environments.<name>` and `defaults`: the settings policies apply"
		case path != "":
			title = "`" + path + "`"
		}
		fmt.Fprintf(&b, "\n## %s\n\n| key | type | meaning |\n|---|---|---|\n", title)
		keys := make([]string, 0, len(n.Properties))
		for k := range n.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var nested []string
		for _, k := range keys {
			p := resolve(n.Properties[k])
			typ := p.Type
			switch {
			case typ == "array" && p.Items != nil:
				typ = "list of " + cmpOr(resolve(p.Items).Type, "object")
			case typ == "object" && len(p.Properties) == 0 && len(p.AdditionalProperties) > 0:
				typ = "map"
			case typ == "":
				typ = "any"
			}
			if len(p.Enum) > 0 {
				var vs []string
				for _, e := range p.Enum {
					vs = append(vs, fmt.Sprintf("`%v`", e))
				}
				typ += ": " + strings.Join(vs, ", ")
			}
			desc := strings.Join(strings.Fields(p.Description), " ")
			desc = strings.ReplaceAll(desc, "|", `\|`)
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", k, typ, desc)
			// defaults has the same settings as every environment:
			// they are listed once, under environments.<name>.
			if len(p.Properties) > 0 && !(path == "" && k == "defaults") {
				nested = append(nested, k)
			}
		}
		for _, k := range nested {
			child := k
			if path != "" {
				child = path + "." + k
			}
			walk(child, n.Properties[k])
		}
	}
	walk("", &root)
	if env := resolve(root.Properties["environments"]); env != nil && len(env.AdditionalProperties) > 0 {
		var settings schemaNode
		if err := json.Unmarshal(env.AdditionalProperties, &settings); err == nil {
			walk("environments.<name>", &settings) // and defaults
		}
	}
	return b.Bytes()
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestReferenceUpToDate keeps docs/config.md what the schema says.
func TestReferenceUpToDate(t *testing.T) {
	got := configReference(t, configSchema(t))
	if *update {
		if err := os.WriteFile(referencePath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("read %s: %v (run go test ./config -run Reference -update)", referencePath, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale. Run: go test ./config -run 'Schema|Reference' -update", referencePath)
	}
}
