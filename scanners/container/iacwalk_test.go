package container

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aquasecurity/trivy/pkg/fanal/walker"
	"github.com/aquasecurity/trivy/pkg/iac/rego"

	"github.com/relgate/relgate/engine"
)

// noConfigRepo is a small repository with nothing trivy checks: source, a
// README, the gate's own config, a CI workflow, package metadata and a
// Dockerfile-like name trivy does not take for one.
func noConfigRepo(t testing.TB, dir string, sources int) {
	t.Helper()
	fs := files{
		"README.md":                "# app\n",
		".relgate.yaml":            "environment: staging\n",
		".github/workflows/ci.yml": "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make test\n",
		"package.json":             `{"name": "app", "version": "1.0.0"}`,
		"docs/dockerfile":          "not a Dockerfile to trivy: its name test is case-sensitive\n",
		"config/settings.json":     `{"debug": false}`,
		"config/app.ini":           "[server]\nport = 8080\n",
		// Under .git trivy's walker looks at nothing.
		".git/Dockerfile":   "FROM scratch\n",
		".git/k8s/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n",
	}
	for i := range sources {
		fs[fmt.Sprintf("pkg%02d/file%04d.go", i%40, i)] = fmt.Sprintf("package pkg%02d\n\nfunc F%d() int { return %d }\n", i%40, i, i)
	}
	writeFiles(t, dir, fs)
}

func TestHasConfigFiles(t *testing.T) {
	cases := []struct {
		name  string
		files files
		want  bool
	}{
		{"dockerfile", files{"Dockerfile": "FROM alpine:3.20\n"}, true},
		{"containerfile variant", files{"build/Containerfile.prod": "FROM alpine:3.20\n"}, true},
		{"kubernetes", files{"deploy/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"}, true},
		{"terraform", files{"infra/main.tf": "resource \"aws_s3_bucket\" \"b\" {}\n"}, true},
		{"cloudformation", files{"cfn.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"}, true},
		{"helm chart", files{"charts/app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n"}, true},
		{"unparsable terraform", files{"main.tf": "resource {"}, true},
		{"ansible playbook", files{"deploy/site.yml": "- hosts: all\n  tasks:\n    - name: ping\n      ping:\n"}, true},
		{"ansible project", files{"ops/ansible.cfg": "[defaults]\n", "ops/notes.txt": "x\n"}, true},
		{"yaml that is no manifest", files{"ci.yml": "stages: [test]\n"}, false},
		{"source only", files{"main.go": "package main\n"}, false},
		{"empty", files{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, c.files)
			got, err := hasConfigFiles(context.Background(), dir, walker.Option{})
			if err != nil || got != c.want {
				t.Fatalf("hasConfigFiles = %v, %v; want %v", got, err, c.want)
			}
		})
	}
	dir := t.TempDir()
	noConfigRepo(t, dir, 20)
	if got, err := hasConfigFiles(context.Background(), dir, walker.Option{}); err != nil || got {
		t.Errorf("repository without IaC: hasConfigFiles = %v, %v; want false", got, err)
	}
	if got, err := hasConfigFiles(context.Background(), iacDir, walker.Option{}); err != nil || !got {
		t.Errorf("%s: hasConfigFiles = %v, %v; want true", iacDir, got, err)
	}
}

// TestNoConfigFilesMeansNoTrivyFindings holds the shortcut to trivy's own
// answer: on a repository where it finds nothing trivy would check, trivy,
// run anyway, reports nothing either.
func TestNoConfigFilesMeansNoTrivyFindings(t *testing.T) {
	dir := t.TempDir()
	noConfigRepo(t, dir, 20)
	if got, err := hasConfigFiles(context.Background(), dir, walker.Option{}); err != nil || got {
		t.Fatalf("hasConfigFiles = %v, %v; want false", got, err)
	}
	var found []engine.Misconfiguration
	err := withTrivy(func() error {
		var err error
		found, err = scanIaC(context.Background(), dir, walker.Option{})
		return err
	})
	if err != nil || len(found) != 0 {
		t.Fatalf("trivy on the same directory: %s, %v; want nothing", summary(found), err)
	}
}

// TestIaCWithoutConfigFilesLoadsNoChecks: on a repository without IaC the
// scan neither compiles trivy's checks nor fails, and reports no findings.
func TestIaCWithoutConfigFilesLoadsNoChecks(t *testing.T) {
	dir := t.TempDir()
	noConfigRepo(t, dir, 20)
	saved := regoScanner
	t.Cleanup(func() { regoScanner = saved })
	regoScanner = func() (*rego.Scanner, error) {
		t.Error("trivy's checks were loaded for a repository without IaC")
		return nil, errors.New("not expected")
	}
	out, run := scanIaCDir(t, dir)
	if len(out.Misconfigurations) != 0 || run.Stats["misconfigurations"] != 0 || run.Stats["parse_errors"] != 0 {
		t.Errorf("findings %s, stats %v; want none", summary(out.Misconfigurations), run.Stats)
	}
}

// TestIaCBrokenDockerfileIsAFact: trivy logs a Dockerfile it cannot parse
// and checks nothing in it; the scan reports it as a file that could not be
// parsed, with its line, and still checks the good one beside it.
func TestIaCBrokenDockerfileIsAFact(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, files{
		"Dockerfile":          "FROM alpine:3.20\nCOPY onlyone\nUSER app\n",
		"worker/Dockerfile":   "FROM alpine:3.20\nRUN echo hi\n",
		"docs/Dockerfile.txt": "FROM alpine:3.20\nCOPY also-one\n",
	})
	out, run := scanIaCDir(t, dir)
	var broken []engine.Misconfiguration
	for _, m := range out.Misconfigurations {
		if m.Error != "" {
			broken = append(broken, m)
		}
	}
	want := []string{"Dockerfile:2", "docs/Dockerfile.txt:2"}
	if len(broken) != len(want) {
		t.Fatalf("parse errors %+v, want %v", broken, want)
	}
	for i, b := range broken {
		if got := fmt.Sprintf("%s:%d", b.Location.Path, b.Location.StartLine); got != want[i] || b.Type != "dockerfile" || b.ID != "" || b.Severity != "unknown" {
			t.Errorf("parse error %d = %+v, want %s type dockerfile", i, b, want[i])
		}
		if !strings.Contains(b.Error, "COPY") {
			t.Errorf("error %q does not say what is wrong", b.Error)
		}
	}
	if run.Stats["parse_errors"] != 2 {
		t.Errorf("stats = %v", run.Stats)
	}
	// DS-0002 (runs as root) on the good Dockerfile: trivy still ran.
	if len(find(out.Misconfigurations, "DS-0002", "worker/Dockerfile")) == 0 {
		t.Errorf("the good Dockerfile was not checked: %s", summary(out.Misconfigurations))
	}
}
