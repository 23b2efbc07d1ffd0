package main

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/report"
)

// fresh returns n random characters of set: tokens are made at run time,
// so no secret-shaped string sits in the source and every run plants new
// ones.
func fresh(set string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// TestNoOutputShowsASecret plants fresh fake tokens in a migration (which
// then fails to parse: MIG023 quotes the parser's error), in commit
// subjects (release facts) and in a source file (the secrets scanner), and
// greps every output relgate writes — each report format on stdout and in
// files, the saved input, `scan`, `eval` and the logs at debug level — for
// any piece of them.
func TestNoOutputShowsASecret(t *testing.T) {
	r := releaseRepo(t)
	inMigration := "ghp_" + fresh(alnum, 36)
	inSubject := "ghp_" + fresh(alnum, 36)
	// A generic secret: gitleaks finds it in the file by its key name;
	// the commit subject that quotes it bare is masked only because the
	// secrets scanner fed the redactor.
	generic := fresh("abcdefghijklmnopqrstuvwxyz0123456789", 16) + fresh("ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4) + fresh("0123456789", 4) + fresh("abcdefghijklmnopqrstuvwxyz", 8)
	tokens := []string{inMigration, inSubject, generic}

	r.Write("db/migrations/000001_init.up.sql", "CREATE TABLE t (id int) "+inMigration+";\n")
	r.Write("db/migrations/000001_init.down.sql", "DROP TABLE t;\n")
	r.Commit("feat: add the first migration")
	r.Write("config/app.env", "payment_api_secret = \""+generic+"\"\n")
	r.Commit("fix: rotate " + inSubject)
	r.Write("NOTES.md", "notes\n")
	r.Commit("chore: forget " + generic)

	out := t.TempDir()
	saved := filepath.Join(out, "input.json")
	base := []string{r.Dir, "--scanners", "release,secrets,migrations", "--env", "staging", "--log-level", "debug"}
	args := append([]string{"check"}, base...)
	args = append(args, "--format", "json", "--save-input", saved)
	for _, f := range report.Formats() {
		args = append(args, "--report", f+"="+filepath.Join(out, "report."+f))
	}
	outputs := map[string]string{}
	code, stdout, stderr := cli(t, args...)
	if code != exitPass && code != exitFail {
		t.Fatalf("check: exit %d\n%s", code, stderr)
	}
	outputs["check stdout (json)"], outputs["check logs"] = stdout, stderr
	d := decisionOf(t, stdout)
	for _, f := range report.Formats() {
		data, err := os.ReadFile(filepath.Join(out, "report."+f))
		if err != nil {
			t.Fatal(err)
		}
		outputs["report "+f] = string(data)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	outputs["saved input"] = string(data)
	for _, f := range report.Formats() {
		if f == "json" {
			continue
		}
		_, stdout, stderr := cli(t, "eval", "--input", saved, "--format", f, "--log-level", "debug")
		outputs["eval stdout ("+f+")"], outputs["eval logs ("+f+")"] = stdout, stderr
	}
	_, stdout, stderr = cli(t, append([]string{"scan"}, base...)...)
	outputs["scan stdout"], outputs["scan logs"] = stdout, stderr

	for name, text := range outputs {
		for _, tok := range tokens {
			// The whole token, and any 12 characters of its random part.
			body := tok[4:]
			for i := 0; i+12 <= len(body); i++ {
				if strings.Contains(text, body[i:i+12]) {
					t.Errorf("%s shows a planted token (%q…)", name, body[i:i+12])
					break
				}
			}
		}
	}

	// The tokens did reach the facts, so the test above can fail: the
	// parse error and the subjects are there, masked.
	mig023 := false
	for _, v := range d.Violations {
		if v.Rule == "MIG023" && strings.Contains(v.Message, redact.Mask) {
			mig023 = true
		}
	}
	for _, w := range d.Warnings {
		if w.Rule == "MIG023" && strings.Contains(w.Message, redact.Mask) {
			mig023 = true
		}
	}
	if !mig023 {
		t.Errorf("no MIG023 quoting the masked parser error: %+v", d.Violations)
	}
	for _, want := range []string{"fix: rotate " + redact.Mask, "chore: forget " + redact.Mask} {
		if !strings.Contains(outputs["saved input"], want) {
			t.Errorf("the saved input lacks the masked subject %q", want)
		}
	}
	if !strings.Contains(outputs["saved input"], `"secret_hash": "sha256:`) {
		t.Error("the saved input has no sha256: secret_hash: the secrets scanner found nothing")
	}
}
