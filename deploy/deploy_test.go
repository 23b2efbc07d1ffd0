// Package deploy holds relgate's Kubernetes manifests and the static checks
// of them and of the Dockerfile: no container engine or cluster runs here,
// so the recipe is read with BuildKit's own Dockerfile parser and the
// manifests with the Kubernetes API types.
package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/relgate/relgate/attest"
)

// TestDockerfile: the image builds relgate and relgate-scanners with the
// build env they need and ships only the two binaries, side by side (relgate
// runs the helper from beside itself), on distroless, as a non-root user.
func TestDockerfile(t *testing.T) {
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ast, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	if len(stages) != 3 || stages[1].Name != "git" {
		t.Fatalf("%d stages, want a build stage, the pre-commit image (git) and the runtime stage, last so that it is the default", len(stages))
	}
	build, hook, run := stages[0], stages[1], stages[2]

	var env []string
	var builds, buildsHelper bool
	for _, c := range build.Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				env = append(env, kv.Key+"="+kv.Value)
			}
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			builds = builds || (strings.Contains(line, "go build") && strings.Contains(line, "-o /out/relgate ./cmd/relgate"))
			buildsHelper = buildsHelper || (strings.Contains(line, "go build") && strings.Contains(line, "-o /out/relgate-scanners ./cmd/relgate-scanners"))
		}
	}
	for _, want := range []string{"GOEXPERIMENT=jsonv2", "CGO_ENABLED=1"} {
		if !slices.Contains(env, want) {
			t.Errorf("the build stage does not set %s (has %q)", want, env)
		}
	}
	if !builds || !buildsHelper {
		t.Error("the build stage does not go build ./cmd/relgate into /out/relgate and ./cmd/relgate-scanners into /out/relgate-scanners")
	}

	checkGitStage(t, build, hook)

	if !strings.HasPrefix(run.BaseName, "gcr.io/distroless/") {
		t.Errorf("runtime base %s is not distroless", run.BaseName)
	}
	var user string
	var entrypoint []string
	var copies []*instructions.CopyCommand
	for _, c := range run.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.EntrypointCommand:
			if c.PrependShell {
				t.Error("ENTRYPOINT is in shell form; distroless has no shell")
			}
			entrypoint = c.CmdLine
		case *instructions.CopyCommand:
			copies = append(copies, c)
		case *instructions.RunCommand:
			t.Errorf("the runtime stage runs %q: it should only copy the binary", c.CmdLine)
		case *instructions.AddCommand:
			t.Error("the runtime stage ADDs files: it should only copy the binary")
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if uid == "" || uid == "0" || uid == "root" {
		t.Errorf("USER %q: the image must run as a non-root user", user)
	}
	if len(copies) != 1 || copies[0].From != build.Name || !slices.Equal(copies[0].SourcePaths, []string{"/out/relgate", "/out/relgate-scanners"}) ||
		!strings.HasSuffix(copies[0].DestPath, "/") {
		t.Fatalf("the runtime stage must copy exactly the two binaries from the build stage into one directory, got %+v", copies)
	}
	if len(entrypoint) != 1 || entrypoint[0] != copies[0].DestPath+"relgate" {
		t.Errorf("ENTRYPOINT %q does not run the copied relgate in %s", entrypoint, copies[0].DestPath)
	}
}

// checkGitStage: the pre-commit hook's image (the Dockerfile's git target)
// has the git CLI, which `check --staged` runs to read the index and which
// distroless lacks, runs as a non-root user in /src (where pre-commit mounts
// the repository), and ships the same two binaries with relgate as its
// exec-form entrypoint.
func checkGitStage(t *testing.T, build, hook instructions.Stage) {
	t.Helper()
	var installsGit bool
	var user, workdir string
	var entrypoint []string
	var copies []*instructions.CopyCommand
	for _, c := range hook.Commands {
		switch c := c.(type) {
		case *instructions.RunCommand:
			line := strings.Join(c.CmdLine, " ")
			installsGit = installsGit || strings.Contains(line, "apt-get install") && slices.Contains(strings.Fields(line), "git")
		case *instructions.UserCommand:
			user = c.User
		case *instructions.WorkdirCommand:
			workdir = c.Path
		case *instructions.EntrypointCommand:
			if c.PrependShell {
				t.Error("the git image's ENTRYPOINT is in shell form")
			}
			entrypoint = c.CmdLine
		case *instructions.CopyCommand:
			copies = append(copies, c)
		}
	}
	if !installsGit {
		t.Error("the git image does not install git: check --staged would fail in the relgate-docker hook")
	}
	if uid, _, _ := strings.Cut(user, ":"); uid == "" || uid == "0" || uid == "root" {
		t.Errorf("the git image runs as %q, want a non-root user", user)
	}
	if workdir != "/src" {
		t.Errorf("the git image's WORKDIR is %q, want /src, where pre-commit mounts the repository", workdir)
	}
	if len(copies) != 1 || copies[0].From != build.Name || !slices.Equal(copies[0].SourcePaths, []string{"/out/relgate", "/out/relgate-scanners"}) {
		t.Fatalf("the git image must copy exactly the two binaries from the build stage, got %+v", copies)
	}
	if len(entrypoint) != 1 || entrypoint[0] != copies[0].DestPath+"relgate" {
		t.Errorf("the git image's ENTRYPOINT %q does not run the copied relgate", entrypoint)
	}
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The first document only: the PodDisruptionBudget follows.
	doc, _, _ := strings.Cut(string(data), "\n---\n")
	if err := yaml.UnmarshalStrict([]byte(doc), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestRegistryDeployment: the registry-mode Deployment reads records from
// the registry with the credentials Secret, below the webhook's timeout,
// and the autoscaler owns its replica count.
func TestRegistryDeployment(t *testing.T) {
	var d appsv1.Deployment
	readYAML(t, filepath.Join("registry", "deployment.yaml"), &d)
	if d.Spec.Replicas != nil {
		t.Error("the Deployment sets replicas; the HorizontalPodAutoscaler owns them")
	}
	c := d.Spec.Template.Spec.Containers[0]
	for _, want := range []string{"serve", "--records-from=registry", "--registry-timeout=3s"} {
		if !slices.Contains(c.Args, want) {
			t.Errorf("args %q lack %s", c.Args, want)
		}
	}
	if slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--records=") || a == "--registry-insecure" }) {
		t.Errorf("args %q read a records directory or allow plain HTTP", c.Args)
	}
	var dockerConfig string
	for _, e := range c.Env {
		if e.Name == "DOCKER_CONFIG" {
			dockerConfig = e.Value
		}
	}
	var secret *corev1.SecretVolumeSource
	for _, v := range d.Spec.Template.Spec.Volumes {
		for _, m := range c.VolumeMounts {
			if m.Name == v.Name && m.MountPath == dockerConfig && v.Secret != nil {
				secret = v.Secret
			}
		}
	}
	if secret == nil || secret.SecretName != "relgate-registry" || len(secret.Items) != 1 || secret.Items[0].Path != "config.json" {
		t.Fatalf("DOCKER_CONFIG=%s is not the relgate-registry Secret mounted as config.json: %+v", dockerConfig, secret)
	}
	var s corev1.Secret
	readYAML(t, filepath.Join("registry", "registry-secret.yaml"), &s)
	if s.Type != corev1.SecretTypeDockerConfigJson || s.Name != secret.SecretName || secret.Items[0].Key != corev1.DockerConfigJsonKey {
		t.Errorf("the Secret %s (%s) does not match the Deployment's volume", s.Name, s.Type)
	}

	var hpa autoscalingv2.HorizontalPodAutoscaler
	readYAML(t, filepath.Join("registry", "hpa.yaml"), &hpa)
	if ref := hpa.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.Name != d.Name || hpa.Namespace != d.Namespace {
		t.Errorf("the autoscaler scales %s/%s, not the Deployment %s", ref.Kind, ref.Name, d.Name)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 2 {
		t.Error("the autoscaler may scale to one replica: a webhook that fails closed needs two")
	}
}

// TestKyvernoPolicy: the sample ClusterPolicy checks relgate's predicate
// type, result, environment and age.
func TestKyvernoPolicy(t *testing.T) {
	var p struct {
		Kind string `json:"kind"`
		Spec struct {
			Rules []struct {
				VerifyImages []struct {
					Attestations []struct {
						Type       string `json:"type"`
						Conditions []struct {
							All []struct {
								Key      string `json:"key"`
								Operator string `json:"operator"`
								Value    any    `json:"value"`
							} `json:"all"`
						} `json:"conditions"`
					} `json:"attestations"`
				} `json:"verifyImages"`
			} `json:"rules"`
		} `json:"spec"`
	}
	data, err := os.ReadFile(filepath.Join("registry", "kyverno-clusterpolicy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != "ClusterPolicy" || len(p.Spec.Rules) == 0 || len(p.Spec.Rules[0].VerifyImages) == 0 || len(p.Spec.Rules[0].VerifyImages[0].Attestations) == 0 {
		t.Fatalf("not a ClusterPolicy with verifyImages attestations: %+v", p)
	}
	a := p.Spec.Rules[0].VerifyImages[0].Attestations[0]
	if a.Type != attest.PredicateType {
		t.Errorf("attestation type %q, want relgate's predicate %s", a.Type, attest.PredicateType)
	}
	got := map[string]bool{}
	for _, c := range a.Conditions {
		for _, x := range c.All {
			got[x.Key+" "+x.Operator] = true
		}
	}
	for _, want := range []string{"{{ result }} Equals", "{{ environment }} Equals", "{{ time_since('', time, '') }} DurationLessThanOrEquals"} {
		if !got[want] {
			t.Errorf("the policy does not check %s", want)
		}
	}
}
