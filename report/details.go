package report

import (
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/relgate/relgate/engine"
)

// addDetails puts a finding's structured fields (package, versions, CVE,
// CWE, image, layer) and its PR-mode standing in SARIF result properties,
// under the names trivy's JSON uses, so code scanning and scripts can
// filter on them without parsing the message.
func addDetails(props *sarif.PropertyBag, f engine.Finding) {
	if f.PreExisting {
		props.Add("pre_existing", true)
	}
	d := f.Details
	if d == nil {
		return
	}
	for _, kv := range [][2]string{
		{"package", d.Package}, {"installed_version", d.InstalledVersion}, {"fixed_version", d.FixedVersion},
		{"cve", d.CVE}, {"image", d.Image}, {"layer", d.Layer},
	} {
		if kv[1] != "" {
			props.Add(kv[0], kv[1])
		}
	}
	if len(d.Aliases) > 0 {
		props.Add("aliases", d.Aliases)
	}
	if len(d.CWE) > 0 {
		props.Add("cwe", d.CWE)
	}
}
