package engine

import "github.com/open-policy-agent/opa/v1/ast"

// details reads a finding's structured fields. Rules written before these
// fields existed may use the same keys for something else (a package
// object, say): a value of another type is left out, never an error that
// would stop the decision. Nil when the finding has none.
func (r *reader) details() *Details {
	d := Details{
		Package:          r.optString("package"),
		InstalledVersion: r.optString("installed_version"),
		FixedVersion:     r.optString("fixed_version"),
		CVE:              r.optString("cve"),
		Aliases:          r.optStrings("aliases"),
		Image:            r.optString("image"),
		Layer:            r.optString("layer"),
		CWE:              r.optStrings("cwe"),
	}
	if d.Package == "" && d.InstalledVersion == "" && d.FixedVersion == "" && d.CVE == "" &&
		len(d.Aliases) == 0 && d.Image == "" && d.Layer == "" && len(d.CWE) == 0 {
		return nil
	}
	return &d
}

func (r *reader) optString(key string) string {
	s, _ := r.at(key).(ast.String)
	return string(s)
}

func (r *reader) optStrings(key string) []string {
	arr, ok := r.at(key).(*ast.Array)
	if !ok {
		return nil
	}
	var out []string
	for i := range arr.Len() {
		if s, ok := arr.Elem(i).Value.(ast.String); ok && s != "" {
			out = append(out, string(s))
		}
	}
	return out
}
