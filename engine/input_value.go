package engine

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
)

// valueOf builds OPA's value of a JSON document in one pass over its
// tokens. Decoding to Go maps first and converting those (what OPA's own
// helpers do) allocated every string, number and map twice.
func valueOf(data []byte) (ast.Value, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	t, err := readTerm(dec)
	if err != nil {
		return nil, fmt.Errorf("convert input: %w", err)
	}
	return t.Value, nil
}

func readTerm(dec *jsontext.Decoder) (*ast.Term, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return ast.NullTerm(), nil
	case 't', 'f':
		return ast.InternedTerm(tok.Bool()), nil
	case '"':
		return ast.StringTerm(tok.String()), nil
	case '0':
		// The number's own text, as json.Number keeps it: no float rounding.
		return ast.NumberTerm(json.Number(tok.String())), nil
	case '[':
		var elems []*ast.Term
		for dec.PeekKind() != ']' {
			t, err := readTerm(dec)
			if err != nil {
				return nil, err
			}
			elems = append(elems, t)
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		return ast.ArrayTerm(elems...), nil
	case '{':
		var pairs [][2]*ast.Term
		for dec.PeekKind() != '}' {
			k, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			// The token is valid only until the next read.
			key := ast.StringTerm(k.String())
			v, err := readTerm(dec)
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]*ast.Term{key, v})
		}
		if _, err := dec.ReadToken(); err != nil {
			return nil, err
		}
		return ast.ObjectTerm(pairs...), nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}
