package secrets_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestRepositoryGitleaksConfig: the repository's .gitleaks.toml extends the
// defaults with a rule of its own, disables one, allowlists a directory;
// .gitleaksignore drops one finding and an inline gitleaks:allow another.
func TestRepositoryGitleaksConfig(t *testing.T) {
	if isolated(t) {
		return
	}
	gittest.Isolate(t)
	r := gittest.New(t)
	cs := canaries("gitleaks-config")
	inHouse := "rgt_" + strings.ToLower(strings.TrimPrefix(cs[0].Value, "AKIA")) + "k3y7"
	r.Write(".gitleaks.toml", `title = "relgate test"

[extend]
useDefault = true
disabledRules = ["slack-bot-token"]

[[rules]]
id = "in-house-token"
description = "An in-house API token"
regex = '''rgt_[a-z2-7]{20}'''
keywords = ["rgt_"]

[[allowlists]]
description = "vendored fixtures"
paths = ['''^vendored/''']
`)
	r.Write("a.txt", file(cs[1])+"in_house = "+inHouse+"\n"+cs[2].Line+"\n")
	r.Write("vendored/x.txt", file(cs[0]))
	r.Write("allowed.txt", cs[0].Line+" # gitleaks:allow\n")
	r.Write("ignored.txt", file(cs[1]))
	r.Write(".gitleaksignore", "# reviewed\nignored.txt:github-pat:2\n")

	in, run := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	want := []string{"github-pat a.txt tree", "in-house-token a.txt tree"}
	if got := where(in); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := find(t, in, "in-house-token", "a.txt"); s.Location.StartLine != 3 || s.Description != "An in-house API token" {
		t.Errorf("in-house finding %+v", s)
	}
	if run.Stats["ignored_findings"] != 1 {
		t.Errorf("ignored_findings = %d, want 1 (%v)", run.Stats["ignored_findings"], run.Stats)
	}

	// gitleaks cannot translate a second config that extends another in
	// one process: that is an error, not a silently different rule set.
	other := gittest.New(t)
	other.Write(".gitleaks.toml", "[extend]\nuseDefault = true\ndisabledRules = [\"github-pat\"]\n")
	_, err := secrets.New(secrets.Options{Dir: other.Dir, History: secrets.HistoryNone})
	var ce *config.Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "only one config per process") {
		t.Fatalf("second extending config: %v, want a *config.Error", err)
	}
	// The same config again is the one already loaded.
	if _, err := secrets.New(secrets.Options{Dir: r.Dir, History: secrets.HistoryNone}); err != nil {
		t.Fatalf("the same config again: %v", err)
	}
}

func TestMalformedGitleaksConfig(t *testing.T) {
	gittest.Isolate(t)
	tests := []struct {
		name string
		toml string
		line int
		msg  string
	}{
		{"TOML syntax", "title = \"x\"\n\n[[rules]]\nid = \"a\"\nregex = [unclosed\n", 5, "parse gitleaks config"},
		{"bad regex", "title = \"x\"\n\n[[rules]]\nid = \"bad\"\nregex = '''(unclosed'''\n", 5, `rule "bad" regex: invalid pattern`},
		{"bad allowlist path", "[[rules]]\nid = \"r\"\nregex = '''ok'''\n[[rules.allowlists]]\npaths = ['''a(''']\n", 5, "allowlist: invalid pattern"},
		{"rule without regex or path", "title = \"x\"\n[[rules]]\nid = \"empty-rule\"\ndescription = \"d\"\n", 3, "both |regex| and |path| are empty"},
		{"bad allowlist condition", "[[rules]]\nid = \"cond\"\nregex = '''x'''\n[[rules.allowlists]]\ncondition = \"XOR\"\nregexes = ['''y''']\n", 2, "unknown allowlist |condition|"},
		{"wrong type", "[[rules]]\nid = \"t\"\nregex = '''x'''\nentropy = \"high\"\n", 0, "decode gitleaks config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, secrets.ConfigFileName)
			if err := os.WriteFile(path, []byte(tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := secrets.New(secrets.Options{Dir: dir})
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T), want a *config.Error", err, err)
			}
			if ce.File != path || ce.Line != tt.line || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("error %q: file %s line %d; want %s line %d and a message with %q", err, ce.File, ce.Line, path, tt.line, tt.msg)
			}
		})
	}
	// An explicit config that does not exist is named too.
	_, err := secrets.New(secrets.Options{Dir: t.TempDir(), Config: "missing.toml"})
	var ce *config.Error
	if !errors.As(err, &ce) || !strings.HasSuffix(ce.File, "missing.toml") {
		t.Errorf("missing config: %v", err)
	}
}

func TestConfigFromEnvironment(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	cs := canaries("env")
	r.Write("a.txt", file(cs[1])+cs[2].Line+"\n")
	// A config without [extend] has only its own rules.
	t.Setenv("GITLEAKS_CONFIG_TOML", "[[rules]]\nid = \"only-slack\"\nregex = '''xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*'''\nkeywords = [\"xoxb\"]\n")
	in, _ := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	if got := where(in); strings.Join(got, ",") != "only-slack a.txt tree" {
		t.Fatalf("findings %v, want only the env config's rule", got)
	}
	t.Setenv("GITLEAKS_CONFIG_TOML", "[[rules]\n")
	_, err := secrets.New(secrets.Options{Dir: r.Dir})
	var ce *config.Error
	if !errors.As(err, &ce) || ce.File != "$GITLEAKS_CONFIG_TOML" || ce.Line != 1 {
		t.Errorf("bad env config: %v", err)
	}
}

// TestExtendPath: an [extend] path is read relative to the config file, so
// the gate finds it from any working directory.
func TestExtendPath(t *testing.T) {
	if isolated(t) {
		return
	}
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("security/base.toml", "[[rules]]\nid = \"in-house-token\"\nregex = '''rgt_[a-z2-7]{20}'''\nkeywords = [\"rgt_\"]\n")
	r.Write("security/gitleaks.toml", "[extend]\npath = \"base.toml\"\n")
	r.Write("a.txt", "x = rgt_abcdefghijklmnopqrst\n")
	in, _ := scan(t, secrets.Options{Dir: r.Dir, Config: "security/gitleaks.toml", History: secrets.HistoryNone})
	if got := where(in); strings.Join(got, ",") != "in-house-token a.txt tree" {
		t.Fatalf("findings %v, want the extended config's rule", got)
	}
}
