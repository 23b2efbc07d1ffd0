package approvals

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The cases are GitHub's CODEOWNERS documentation examples.
func TestCodeOwnersPatterns(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{"*", []string{"a.go", "x/y/z.txt"}, nil},
		{"*.js", []string{"app.js", "web/src/app.js"}, []string{"app.jsx", "app.ts"}},
		{"/build/logs/", []string{"build/logs/a.log", "build/logs/x/y.log"}, []string{"src/build/logs/a.log", "build/a.log"}},
		{"docs/*", []string{"docs/getting-started.md"}, []string{"docs/build-app/troubleshooting.md", "src/docs/a.md"}},
		{"apps/", []string{"apps/a.go", "x/apps/b/c.go"}, []string{"apps.go"}},
		{"/docs/", []string{"docs/a.md", "docs/x/y.md"}, []string{"x/docs/a.md"}},
		{"/scripts/", []string{"scripts/run.sh"}, []string{"tools/scripts/run.sh"}},
		{"**/logs", []string{"logs/a.log", "build/logs/a.log", "deeply/nested/logs/x/y.log"}, []string{"logsx/a"}},
		{"/apps/github", []string{"apps/github", "apps/github/x.go"}, []string{"x/apps/github/x.go"}},
		{"README.md", []string{"README.md", "pkg/README.md"}, []string{"README.mdx"}},
	}
	for _, tt := range tests {
		globs, ok := ownerGlobs(tt.pattern)
		if !ok {
			t.Fatalf("%s: rejected", tt.pattern)
		}
		co := codeOwners{{globs: globs, owners: []string{"@o"}, line: 1}}
		for _, p := range tt.match {
			if owners, _ := co.owners(p); len(owners) != 1 {
				t.Errorf("%s should match %s (globs %v)", tt.pattern, p, globs)
			}
		}
		for _, p := range tt.miss {
			if owners, _ := co.owners(p); len(owners) != 0 {
				t.Errorf("%s should not match %s (globs %v)", tt.pattern, p, globs)
			}
		}
	}
	for _, bad := range []string{"!keep.go", "file[0-9].go"} {
		if _, ok := ownerGlobs(bad); ok {
			t.Errorf("%s: GitHub does not support it and neither should we", bad)
		}
	}
}

func TestCodeOwnersLastMatchWins(t *testing.T) {
	path := writeFile(t, filepath.Join(t.TempDir(), "CODEOWNERS"), codeOwnersFile)
	co, err := readCodeOwners(path)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"main.go":            "[@acme/platform] 2",
		"cart/cart.go":       "[@alice @carol] 3",
		"docs/x.txt":         "[] 5",
		"docs/a.md":          "[@carol @acme/writers] 6",
		"payments/README.md": "[@carol @acme/writers] 6",
	} {
		owners, line := co.owners(path)
		if got := strings.TrimSpace(strings.Join([]string{"[" + strings.Join(owners, " ") + "]", strconv.Itoa(line)}, " ")); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
}

func TestFindCodeOwners(t *testing.T) {
	dir := t.TempDir()
	if p, err := findCodeOwners(dir, ""); p != "" || err != nil {
		t.Fatalf("no file: %q %v", p, err)
	}
	writeFile(t, filepath.Join(dir, "docs", "CODEOWNERS"), "* @a\n")
	writeFile(t, filepath.Join(dir, "CODEOWNERS"), "* @b\n")
	if p, _ := findCodeOwners(dir, ""); p != filepath.Join(dir, "CODEOWNERS") {
		t.Fatalf("GitHub's order: got %s", p)
	}
	if _, err := findCodeOwners(dir, "nope/CODEOWNERS"); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("configured file missing: %v", err)
	}
}

func TestChangeRecordBadInput(t *testing.T) {
	tests := []struct{ body, want string }{
		{"", "empty change record"},
		{"ticket: CHG-1\nrisk: extreme\n", `risk "extreme" is not one of low, medium, high, critical`},
		{"ticket: CHG-1\nowner: x\n", `line 2: field owner not found`},
		{"ticket: CHG-1\napprovers:\n  - name: alice\n", "line 3: approver alice has no time (at)"},
		{"ticket: CHG-1\napprovers:\n  - name: alice\n    at: yesterday\n", `line 4: approver time "yesterday" is not RFC 3339`},
		{"ticket: CHG-1\napprovers:\n  - at: 2026-11-20T10:00:00Z\n", "line 3: approver without a name"},
		{"ticket: CHG-1\napprovers:\n  - name: a\n    at: 2026-11-20T10:00:00Z\n    email: a@x\n", `line 5: unknown approver key "email"`},
		{"ticket: CHG-1\napprovers:\n  - alice\n", "line 3: an approver is a mapping"},
		{"ticket: [CHG-1\n", "did not find expected"},
	}
	for _, tt := range tests {
		_, err := parseChangeRecord([]byte(tt.body))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.body, err, tt.want)
		}
	}
	dir := t.TempDir()
	big := writeFile(t, filepath.Join(dir, "big.yaml"), "ticket: x\ntitle: "+strings.Repeat("a", 2<<20)+"\n")
	if _, err := readChangeRecord(big); err == nil || !strings.Contains(err.Error(), "over 1 MB") {
		t.Errorf("big record: %v", err)
	}
	if _, err := readChangeRecord(filepath.Join(dir, "none.yaml")); err == nil || !strings.Contains(err.Error(), "read change record") {
		t.Errorf("missing record: %v", err)
	}
}

func TestChangeRecordOnly(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "change-record.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "ops", "change.yaml"), string(data))
	a, run, err := scan(t, Options{Dir: dir, ChangeRecord: "ops/change.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "" || strings.Join(a.Sources, ",") != "change-record" || a.ChangeTicket != "CHG-20931" || a.Author != "dave" ||
		a.Risk != "medium" || a.RollbackPlan != "https://wiki.example.com/shop/runbooks/rollback" ||
		strings.Join(a.Approvers, ",") != "alice,bob" || len(a.Reviews) != 2 || a.Location.Path != "ops/change.yaml" {
		t.Fatalf("approvals = %+v", a)
	}
	if a.Reviews[0].User != "bob" || a.Reviews[0].State != "APPROVED" || a.Reviews[0].Role != "change-manager" {
		t.Fatalf("first review = %+v", a.Reviews[0])
	}
}
