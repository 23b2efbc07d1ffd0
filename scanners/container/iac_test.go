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

// iacFixture is a repository with configuration that fails known checks:
// a Dockerfile without USER, a privileged Kubernetes container, a security
// group open to the world, and two files that do not parse.
var iacFixture = files{
	"Dockerfile": `FROM alpine:3.18
RUN apk add --no-cache curl
COPY server /app/server
CMD ["/app/server"]
`,
	"deploy/app.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      containers:
        - name: shop
          image: registry.example.com/shop@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          securityContext:
            privileged: true
`,
	"infra/main.tf": `resource "aws_security_group" "ssh" {
  name        = "ssh"
  description = "SSH from anywhere"

  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`,
	// broken.tf sits beside main.tf: trivy skips it and still checks main.tf.
	"infra/broken.tf": `resource "aws_s3_bucket" "logs" {
  bucket = "logs"
  acl = 
}
`,
	"deploy/broken.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: [unclosed
`,
	// Helm templates are not YAML until rendered: never a parse error.
	"charts/web/Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
	"charts/web/values.yaml":           "replicas: 1\n",
	"charts/web/templates/deploy.yaml": "{{- if .Values.replicas }}\nkind: ConfigMap\n{{- end }}\n",
}

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
	dir := t.TempDir()
	writeFiles(t, dir, iacFixture)
	out, run := scanIaCDir(t, dir)

	if run.Version == "" || run.Status != "" {
		t.Errorf("run = %+v, want a version and no status (ok)", run)
	}
	for _, m := range out.Misconfigurations {
		if m.Location.Path == "" || strings.Contains(m.Location.Path, dir) || strings.Contains(m.Location.Path, `\`) {
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
	dir := t.TempDir()
	writeFiles(t, dir, iacFixture)
	out, run := scanIaCDir(t, dir)

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
	dir := t.TempDir()
	writeFiles(t, dir, iacFixture)
	a, _ := scanIaCDir(t, dir)
	b, _ := scanIaCDir(t, dir)
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
	dir := t.TempDir()
	writeFiles(t, dir, iacFixture)
	scanIaCDir(t, dir)
	if _, err := os.Stat(xos.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("trivy's temporary directory %s is still there after the scan (err %v)", xos.TempDir(), err)
	}
}
