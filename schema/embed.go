// Package schema embeds relgate's published JSON Schemas, so the binary
// validates documents against the very files the repository publishes.
package schema

import _ "embed"

// Input is input.schema.json: the input document (relgate.dev/v1 ReleaseInput).
//
//go:embed input.schema.json
var Input []byte
