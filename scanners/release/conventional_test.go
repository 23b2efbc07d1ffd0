package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCommitMessage(t *testing.T) {
	tests := []struct {
		subject, body string
		want          Conventional
	}{
		{"feat: add x", "", Conventional{Type: "feat", Description: "add x"}},
		{"feat(api): add x", "", Conventional{Type: "feat", Scope: "api", Description: "add x"}},
		{"feat(api)!: drop v1", "", Conventional{Type: "feat", Scope: "api", Description: "drop v1", Breaking: true}},
		{"feat!: drop v1", "", Conventional{Type: "feat", Description: "drop v1", Breaking: true}},
		{"FIX(Core): Upper", "", Conventional{Type: "fix", Scope: "Core", Description: "Upper"}},
		{"build-system_2: x", "", Conventional{Type: "build-system_2", Description: "x"}},
		{"feat(a b/c-d): spaced scope", "", Conventional{Type: "feat", Scope: "a b/c-d", Description: "spaced scope"}},
		{"fix:   padded  ", "", Conventional{Type: "fix", Description: "padded"}},
		{"refactor: x", "body\n\nBREAKING CHANGE: gone", Conventional{Type: "refactor", Description: "x", Breaking: true}},
		{"refactor: x", "BREAKING-CHANGE: gone\nRefs: #1", Conventional{Type: "refactor", Description: "x", Breaking: true}},
		// Footers mark a non-conventional subject breaking too.
		{"Rework the API", "BREAKING CHANGE: everything", Conventional{Breaking: true}},
		// Not conventional.
		{"Update README", "", Conventional{}},
		{"fix:no space", "", Conventional{}},
		{"fix :space before colon", "", Conventional{}},
		{"fix: ", "", Conventional{}},
		{"fix:", "", Conventional{}},
		{"feat(): empty scope", "", Conventional{}},
		{"feat( ): blank scope", "", Conventional{}},
		{"feat(api: unclosed", "", Conventional{}},
		{"feat(a(b)): nested", "", Conventional{}},
		{"feat(a)(b): double", "", Conventional{}},
		{"feat!(api): bang first", "", Conventional{}},
		{"fixup! fix: typo", "", Conventional{}},
		{"1fix: digit first", "", Conventional{}},
		{" feat: leading space", "", Conventional{}},
		{"Merge branch 'main' into x", "", Conventional{}},
		{"Revert \"feat: x\"", "", Conventional{}},
		{"", "", Conventional{}},
		// Footers are upper case, at the start of a line, in the body only.
		{"fix: x", "breaking change: lower", Conventional{Type: "fix", Description: "x"}},
		{"fix: x", "see BREAKING CHANGE: mid-line", Conventional{Type: "fix", Description: "x"}},
		{"fix: x", "BREAKING CHANGES: plural", Conventional{Type: "fix", Description: "x"}},
		{"BREAKING CHANGE: in the subject", "", Conventional{}},
	}
	for _, tt := range tests {
		if got := ParseCommitMessage(tt.subject, tt.body); got != tt.want {
			t.Errorf("ParseCommitMessage(%q, %q) = %+v, want %+v", tt.subject, tt.body, got, tt.want)
		}
	}
}

// splitMessage turns a raw message into git's %s and %b: the first line and
// everything after the blank line that follows it.
func splitMessage(msg string) (subject, body string) {
	subject, body, _ = strings.Cut(msg, "\n")
	return subject, strings.TrimLeft(body, "\n")
}

func FuzzParseCommitMessage(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "messages", "*.txt"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata/messages: %v", err)
	}
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, msg string) {
		subject, body := splitMessage(msg)
		c := ParseCommitMessage(subject, body)
		if c.Type == "" {
			if c.Scope != "" || c.Description != "" {
				t.Fatalf("no type but scope %q / description %q", c.Scope, c.Description)
			}
		} else {
			if !strings.HasPrefix(strings.ToLower(subject), c.Type) || c.Type != strings.ToLower(c.Type) {
				t.Fatalf("type %q does not start subject %q", c.Type, subject)
			}
			if strings.ContainsAny(c.Scope, "()\n") {
				t.Fatalf("scope %q holds a parenthesis or newline", c.Scope)
			}
			if c.Description == "" || !strings.Contains(subject, ": ") {
				t.Fatalf("conventional subject %q without ': description'", subject)
			}
			if c.Scope != "" && !strings.Contains(subject, "("+c.Scope+")") {
				t.Fatalf("scope %q not in subject %q", c.Scope, subject)
			}
		}
		if hasBreakingFooter(body) && !c.Breaking {
			t.Fatalf("footer in %q not breaking", body)
		}
		// The parse depends on nothing but its input.
		if again := ParseCommitMessage(subject, body); again != c {
			t.Fatalf("parse not deterministic: %+v vs %+v", c, again)
		}
	})
}

// FuzzParseLog feeds arbitrary bytes where git log output is expected:
// the parser must reject or accept, never panic, and only ever return
// well-formed commits.
func FuzzParseLog(f *testing.F) {
	sha := strings.Repeat("ab", 20)
	f.Add([]byte(sha + "\x00Ann\x001700000000\x00feat: x\x00body\n\x00"))
	f.Add([]byte(sha + "\x00Ann\x001700000000\x00fix!: y\x00\x00" + sha + "\x00Bob\x00-5\x00z\x00BREAKING CHANGE: q\x00"))
	f.Add([]byte("\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, out []byte) {
		commits, err := parseLog(out)
		if err != nil {
			return
		}
		for _, c := range commits {
			if !isCommitID(c.SHA) {
				t.Fatalf("bad sha %q accepted", c.SHA)
			}
			if c.Time.Location().String() != "UTC" {
				t.Fatalf("time %v not UTC", c.Time)
			}
		}
	})
}
