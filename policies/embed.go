// Package policies embeds relgate's built-in Rego library: the decision
// (relgate.main), the shared helpers and defaults (relgate.lib,
// relgate.defaults) and the rules (relgate.rules.*). The files are plain
// Rego v1, so `opa test policies/` and Regal work on them unchanged.
package policies

import "embed"

// FS holds every built-in policy and its tests.
//
//go:embed lib main rules admission
var FS embed.FS
