package report

import (
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestSkipReasonInEveryFormat: a skipped scanner says why in every format
// that lists scanners, and none writes an empty "skipped:" (issue 18), even
// for a record from an older document that has no reason.
func TestSkipReasonInEveryFormat(t *testing.T) {
	d := emptyDecision()
	d.Scanners = []engine.ScannerRun{
		{Name: "deps", Status: engine.StatusSkipped, Reason: engine.ReasonNoLockfiles},
		{Name: "release", Status: engine.StatusSkipped},
	}
	for _, format := range []string{"table", "json", "sarif", "junit", "markdown"} {
		out := string(render(t, format, d, fixtureOptions()))
		if !strings.Contains(out, engine.ReasonNoLockfiles) {
			t.Errorf("%s report lacks the skip reason %q:\n%s", format, engine.ReasonNoLockfiles, out)
		}
		if format != "json" && format != "sarif" && !strings.Contains(out, engine.ReasonUnknown) {
			t.Errorf("%s report does not say a reasonless skip has no reason:\n%s", format, out)
		}
		if strings.Contains(out, `skipped: "`) || strings.Contains(out, "skipped: <") || strings.Contains(out, `"skipped: "`) {
			t.Errorf("%s report writes an empty skip reason:\n%s", format, out)
		}
	}
}

// TestNoFileNoLocation: without a config file, a finding that has no file
// of its own points nowhere — never at a .relgate.yaml that does not exist.
func TestNoFileNoLocation(t *testing.T) {
	d := emptyDecision()
	d.Result = engine.ResultFail
	d.Violations = []engine.Finding{{Rule: "SCN002", Title: "Required evidence is missing", Severity: "high",
		Message: "production requires release evidence, which is missing: skipped: not a git repository", Fingerprint: "f"}}
	opts := fixtureOptions()
	opts.ConfigFile = ""
	for _, format := range Formats() {
		out := string(render(t, format, d, opts))
		if !strings.Contains(out, "SCN002") {
			t.Errorf("%s report lacks the finding:\n%s", format, out)
		}
		for _, bad := range []string{".relgate.yaml", "file=", `"uri"`, `file="`} {
			if strings.Contains(out, bad) {
				t.Errorf("%s report gives a finding without a file the location %q:\n%s", format, bad, out)
			}
		}
	}
	opts.ConfigFile = "ci/relgate.yml"
	if out := string(render(t, "sarif", d, opts)); !strings.Contains(out, "ci/relgate.yml") {
		t.Errorf("with a config file, the finding points at it:\n%s", out)
	}
}
