package engine

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/relgate/relgate/schema"
)

const inputSchemaURL = "https://relgate.dev/schema/input.schema.json"

// inputSchema is schema/input.schema.json compiled once per process: every
// document (eval, the decision server, baselines) is checked against it
// before policies see it.
var inputSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.Input))
	if err != nil {
		return nil, fmt.Errorf("read input schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(inputSchemaURL, doc); err != nil {
		return nil, fmt.Errorf("load input schema: %w", err)
	}
	s, err := c.Compile(inputSchemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile input schema: %w", err)
	}
	return s, nil
})

// maxSchemaErrors bounds how many violations one error names: the first
// few say what is wrong; thousands would bury it.
const maxSchemaErrors = 3

// ValidateInput checks a raw input document against the published schema:
// an enum value it does not allow, a missing required field, a key that
// differs from a known one only in case (the Go decoder would accept it)
// are errors naming the JSON path. The cost is one pass over the document.
func ValidateInput(data []byte) error {
	s, err := inputSchema()
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("decode input: %w", err)
	}
	err = s.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var leaves []*jsonschema.ValidationError
	collectLeaves(ve, &leaves)
	slices.SortStableFunc(leaves, func(a, b *jsonschema.ValidationError) int {
		return cmp.Compare(jsonPath(a.InstanceLocation), jsonPath(b.InstanceLocation))
	})
	p := message.NewPrinter(language.English)
	var msgs []string
	for _, l := range leaves {
		m := jsonPath(l.InstanceLocation) + ": " + l.ErrorKind.LocalizedString(p)
		if !slices.Contains(msgs, m) {
			msgs = append(msgs, m)
		}
	}
	more := ""
	if len(msgs) > maxSchemaErrors {
		more = fmt.Sprintf(" (and %d more)", len(msgs)-maxSchemaErrors)
		msgs = msgs[:maxSchemaErrors]
	}
	return fmt.Errorf("violates %s: %s%s", "schema/input.schema.json", strings.Join(msgs, "; "), more)
}

func collectLeaves(e *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(e.Causes) == 0 {
		*out = append(*out, e)
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

// jsonPath renders an instance location as scanners[0].status; the
// document root is "(document)".
func jsonPath(loc []string) string {
	if len(loc) == 0 {
		return "(document)"
	}
	var b strings.Builder
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
