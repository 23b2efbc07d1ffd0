package container

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	xos "github.com/aquasecurity/trivy/pkg/x/os"

	"github.com/relgate/relgate/engine"
)

// iacDir is a repository with configuration that fails known checks: a
// Dockerfile without USER, a privileged Kubernetes container, a security
// group open to the world, a Terraform and a YAML file that do not parse
// (infra/broken.tf sits beside main.tf, which must still be checked), and
// a Helm chart whose templates are not YAML until rendered.
const iacDir = "testdata/iac"

func writeFiles(t testing.TB, dir string, fs files) {
	t.Helper()
	for name, body := range fs {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func scanIaCDir(t *testing.T, dir string) (*engine.Input, engine.ScannerRun) {
	t.Helper()
	out := engine.NewInput()
	run, err := NewIaC(dir).Scan(context.Background(), out)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out, run
}

// find returns the misconfigurations of the check in the file.
func find(ms []engine.Misconfiguration, id, path string) []engine.Misconfiguration {
	var out []engine.Misconfiguration
	for _, m := range ms {
		if m.ID == id && m.Location.Path == path {
			out = append(out, m)
		}
	}
	return out
}

func TestIaCFindsKnownFailingChecks(t *testing.T) {
	out, run := scanIaCDir(t, iacDir)

	if run.Version == "" || run.Status != "" {
		t.Errorf("run = %+v, want a version and no status (ok)", run)
	}
	for _, m := range out.Misconfigurations {
		if m.Location.Path == "" || strings.Contains(m.Location.Path, "testdata") || strings.Contains(m.Location.Path, `\`) {
			t.Errorf("%s: path %q is not repo-relative with /", m.ID, m.Location.Path)
		}
		if m.Error == "" && (m.ID == "" || m.Title == "" || m.Type == "" || m.Severity == "unknown") {
			t.Errorf("incomplete fact: %+v", m)
		}
	}

	cases := []struct {
		name, id, path, typ, severity, resource string
		start, end                              int
	}{
		// trivy's DS-0002: the image runs as root (no USER instruction).
		{"dockerfile root", "DS-0002", "Dockerfile", "dockerfile", "high", "", 0, 0},
		// KSV-0017: privileged container, pointing at the container spec.
		{"k8s privileged", "KSV-0017", "deploy/app.yaml", "kubernetes", "high", "", 0, 0},
		// AWS-0107: ingress from 0.0.0.0/0, pointing at the CIDR line.
		{"tf open ingress", "AWS-0107", "infra/main.tf", "terraform", "high", "aws_security_group.ssh", 10, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := find(out.Misconfigurations, c.id, c.path)
			if len(got) == 0 {
				t.Fatalf("no %s in %s; got %s", c.id, c.path, summary(out.Misconfigurations))
			}
			m := got[0]
			if m.Type != c.typ || m.Severity != c.severity {
				t.Errorf("%s: type %q severity %q, want %q %q", c.id, m.Type, m.Severity, c.typ, c.severity)
			}
			if c.resource != "" && m.Resource != c.resource {
				t.Errorf("%s: resource %q, want %q", c.id, m.Resource, c.resource)
			}
			if c.start > 0 && (m.Location.StartLine != c.start || m.Location.EndLine != c.end) {
				t.Errorf("%s: lines %d-%d, want %d-%d", c.id, m.Location.StartLine, m.Location.EndLine, c.start, c.end)
			}
			if m.Location.StartLine == 0 && c.path != "Dockerfile" {
				t.Errorf("%s: no line", c.id)
			}
		})
	}
}

func summary(ms []engine.Misconfiguration) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.ID+"@"+m.Location.Path)
	}
	return strings.Join(s, " ")
}

func TestIaCParseErrorsAreFacts(t *testing.T) {
	out, run := scanIaCDir(t, iacDir)

	var broken []engine.Misconfiguration
	for _, m := range out.Misconfigurations {
		if m.Error != "" {
			broken = append(broken, m)
		}
	}
	if len(broken) != 2 {
		t.Fatalf("parse errors = %+v, want deploy/broken.yaml and infra/broken.tf", broken)
	}
	want := []struct {
		path, typ string
		line      int
	}{{"deploy/broken.yaml", "yaml", 6}, {"infra/broken.tf", "terraform", 3}}
	for i, w := range want {
		b := broken[i]
		if b.Location.Path != w.path || b.Type != w.typ || b.Location.StartLine != w.line || b.ID != "" || b.Severity != "unknown" {
			t.Errorf("parse error %d = %+v, want %s:%d type %s", i, b, w.path, w.line, w.typ)
		}
	}
	if run.Stats["parse_errors"] != 2 {
		t.Errorf("stats = %v", run.Stats)
	}
	// The files beside the broken ones were still checked.
	if len(find(out.Misconfigurations, "AWS-0107", "infra/main.tf")) == 0 || len(find(out.Misconfigurations, "KSV-0017", "deploy/app.yaml")) == 0 {
		t.Errorf("a broken file stopped its neighbours being checked: %s", summary(out.Misconfigurations))
	}
}

func TestIaCDeterministic(t *testing.T) {
	a, _ := scanIaCDir(t, iacDir)
	b, _ := scanIaCDir(t, iacDir)
	ja, _ := json.Marshal(a.Misconfigurations)
	jb, _ := json.Marshal(b.Misconfigurations)
	if string(ja) != string(jb) {
		t.Errorf("two scans differ:\n%s\n%s", ja, jb)
	}
}

func TestIaCCleanDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, files{
		"README.md": "# nothing to configure\n",
		"Dockerfile": `FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
RUN addgroup -S app && adduser -S app -G app
USER app
HEALTHCHECK CMD ["/app/server", "-health"]
CMD ["/app/server"]
`,
	})
	out, _ := scanIaCDir(t, dir)
	for _, m := range out.Misconfigurations {
		if m.Severity == "high" || m.Severity == "critical" {
			t.Errorf("unexpected %s finding: %+v", m.Severity, m)
		}
	}
}

func TestIaCMissingDirectory(t *testing.T) {
	_, err := NewIaC(filepath.Join(t.TempDir(), "nope")).Scan(context.Background(), engine.NewInput())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
	run, err := NewIaC("").Scan(context.Background(), engine.NewInput())
	if err != nil || run.Status != engine.StatusSkipped {
		t.Fatalf("empty dir: run %+v err %v, want skipped", run, err)
	}
}

func TestTrivyTempDirRemoved(t *testing.T) {
	scanIaCDir(t, iacDir)
	if _, err := os.Stat(xos.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("trivy's temporary directory %s is still there after the scan (err %v)", xos.TempDir(), err)
	}
}
