package secrets

import (
	"os"
	"regexp"
	"testing"
)

// TestPinnedVersionMatchesGoMod keeps the fallback version honest.
func TestPinnedVersionMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(gitleaksModule) + `\s+(\S+)`).FindSubmatch(data)
	if m == nil || string(m[1]) != pinnedVersion {
		t.Fatalf("go.mod requires gitleaks %q, pinnedVersion is %q", m, pinnedVersion)
	}
}
