package main

import (
	"path/filepath"
	"strings"
	"testing"
)

const shopDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"

// TestPromotionChecklistStrategy runs the gate as a pipeline would: the
// staging gate passes an artifact and saves its decision; production then
// takes that artifact only, with its checklist done and a canary.
func TestPromotionChecklistStrategy(t *testing.T) {
	r := releaseRepo(t)
	writeFile(t, r.Path("docs/rollback.md"), "# Rolling back the shop\n")
	writeFile(t, r.Path(".relgate.yaml"), `release:
  strategy: canary
  checklist:
    rollback_plan: docs/rollback.md
    dashboard: https://grafana.example.com/d/shop
environments:
  production:
    evidence:
      scanners: [release] # what these release-only runs bring
    release:
      promote_from: staging
      strategies: [canary, blue-green]
      checklist: [rollback_plan, dashboard, on_call_notified]
`)
	staging := filepath.Join(t.TempDir(), "staging.json")
	code, out, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--env", "staging", "--artifact", "shop="+shopDigest, "--report", "json="+staging)
	if code != exitPass {
		t.Fatalf("staging: exit %d\n%s\n%s", code, out, stderr)
	}

	prod := []string{"check", r.Dir, "--scanners", "release", "--format", "json", "--staging-decision", staging}
	code, out, stderr = cli(t, append(prod, "--artifact", "shop="+shopDigest, "--checklist", "on_call_notified=true")...)
	d := decisionOf(t, out)
	if code != exitPass || d.Release == nil || d.Release.Artifacts[0].Digest != shopDigest || d.Release.Version != "1.0.1" {
		t.Fatalf("promoted artifact: exit %d %+v %+v\n%s", code, d.Violations, d.Release, stderr)
	}

	tests := []struct {
		name string
		args []string
		rule string
		msg  string
	}{
		{"another artifact", []string{"--artifact", "shop=sha256:" + strings.Repeat("2", 64), "--checklist", "on_call_notified=true"},
			"REL013", "is not the one the staging gate passed"},
		{"on-call not notified", []string{"--artifact", "shop=" + shopDigest}, "REL014", "checklist item on_call_notified is not stated"},
		{"rolling deploy", []string{"--artifact", "shop=" + shopDigest, "--checklist", "on_call_notified=true", "--strategy", "rolling"},
			"REL012", "production allows canary or blue-green deployments; this release uses rolling"},
	}
	for _, tt := range tests {
		code, out, stderr := cli(t, append(prod, tt.args...)...)
		d := decisionOf(t, out)
		if code != exitFail || len(d.Violations) != 1 || d.Violations[0].Rule != tt.rule || !strings.Contains(d.Violations[0].Message, tt.msg) {
			t.Errorf("%s: exit %d %+v\n%s", tt.name, code, d.Violations, stderr)
		}
	}

	for _, args := range [][]string{
		{"--staging-decision", r.Path("docs/rollback.md")},
		{"--strategy", "big-bang"},
		{"--artifact", "shop=latest"},
	} {
		if code, _, stderr := cli(t, append([]string{"check", r.Dir, "--scanners", "release"}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
	}
}

// TestFreezeCalendar: a freeze that is always open stops production but
// lets a hotfix branch through; a misspelt time zone is a config error.
func TestFreezeCalendar(t *testing.T) {
	r := releaseRepo(t)
	writeFile(t, r.Path(".relgate.yaml"), `environments:
  production:
    evidence:
      scanners: [release] # what these release-only runs bring
    release:
      freeze:
        - name: always
          days: [mon, tue, wed, thu, fri, sat, sun]
          time_zone: Pacific/Auckland
          allow_branches: ["hotfix/**"]
`)
	code, out, _ := cli(t, "check", r.Dir, "--scanners", "release", "--format", "json")
	d := decisionOf(t, out)
	if code != exitFail || len(d.Violations) != 1 || d.Violations[0].Rule != "REL011" ||
		!strings.Contains(d.Violations[0].Message, "(Pacific/Auckland) falls in the freeze window always") {
		t.Fatalf("frozen: exit %d %+v", code, d.Violations)
	}
	r.Branch("hotfix/pay")
	r.Switch("hotfix/pay")
	if code, out, _ := cli(t, "check", r.Dir, "--scanners", "release", "--format", "json"); code != exitPass {
		t.Fatalf("hotfix during the freeze: exit %d %+v", code, decisionOf(t, out).Violations)
	}

	writeFile(t, r.Path(".relgate.yaml"), "environments:\n  production:\n    release:\n      freeze:\n        - {name: xmas, start: 2026-12-24, end: 2026-12-26, time_zone: Europe/Berln}\n")
	code, _, stderr := cli(t, "check", r.Dir, "--scanners", "release")
	if code != exitUsage || !strings.Contains(stderr, `environments.production.release.freeze[0] (xmas): time_zone "Europe/Berln" is not an IANA time zone`) {
		t.Fatalf("bad time zone: exit %d: %s", code, stderr)
	}
}
