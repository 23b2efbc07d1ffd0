package deps

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCWEs: the weaknesses GitHub's advisories list (database_specific.
// cwe_ids) reach the facts, merged across the advisories of one group
// (GO-2022-1059 has none, its alias GHSA-69ch-w2m2-3vjp has CWE-772).
func TestCWEs(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	in, _, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range in.Vulnerabilities {
		got[v.Package.Name] = fmt.Sprintf("%s %v", strings.Join(v.CWEs, ","), slices.Contains(v.Aliases, "CVE-2021-23337") || v.Package.Name != "lodash")
	}
	want := map[string]string{
		"lodash":            "CWE-77,CWE-94 true",
		"golang.org/x/text": "CWE-772 true",
		"requests":          "CWE-200 true",
		"time":              " true", // RUSTSEC advisories name no CWE
	}
	for pkg, w := range want {
		if got[pkg] != w {
			t.Errorf("%s: cwes and CVE alias %q, want %q", pkg, got[pkg], w)
		}
	}
}
