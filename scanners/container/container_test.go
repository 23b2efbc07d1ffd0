package container

import (
	"os"
	"regexp"
	"testing"
)

// TestTrivyVersionMatchesGoMod keeps the version reported by test binaries
// (which carry no module versions) equal to the one built in.
func TestTrivyVersionMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/aquasecurity/trivy (v\S+)`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod does not require github.com/aquasecurity/trivy")
	}
	if string(m[1]) != trivyVersion || Version() != trivyVersion {
		t.Fatalf("go.mod has trivy %s, trivyVersion is %s, Version() %s", m[1], trivyVersion, Version())
	}
}
