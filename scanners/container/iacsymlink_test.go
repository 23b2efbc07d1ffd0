package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIaCSymlinkOutsideTheRootIsNotRead: a Dockerfile and a manifest
// directory of the repository that are symbolic links out of it — to a
// Dockerfile that runs as root and one that does not parse — are not
// read: no finding and no parse error names them, and nothing of the
// outside files reaches the facts, while the repository's own Dockerfile
// is checked.
func TestIaCSymlinkOutsideTheRootIsNotRead(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, files{
		"Dockerfile":        "FROM alpine:3.20\nRUN echo outside-canary\n",
		"broken/Dockerfile": "FROM alpine:3.20\nCOPY outside-canary\n",
	})
	dir := t.TempDir()
	writeFiles(t, dir, files{"app/Dockerfile": "FROM alpine:3.20\nRUN echo hi\n"})
	for link, target := range map[string]string{
		"Dockerfile": filepath.Join(outside, "Dockerfile"),
		"deploy":     filepath.Join(outside, "broken"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	out, run := scanIaCDir(t, dir)
	if len(find(out.Misconfigurations, "DS-0002", "app/Dockerfile")) == 0 {
		t.Errorf("the repository's own Dockerfile was not checked: %s", summary(out.Misconfigurations))
	}
	for _, m := range out.Misconfigurations {
		if m.Location.Path != "app/Dockerfile" {
			t.Errorf("a finding on a link out of the repository: %+v", m)
		}
		if strings.Contains(m.Message+m.Error+m.Resource, "outside-canary") || strings.Contains(m.Message+m.Error, outside) {
			t.Errorf("a finding carries the outside files' text: %+v", m)
		}
	}
	if run.Stats["parse_errors"] != 0 {
		t.Errorf("stats %v: the broken Dockerfile outside was parsed", run.Stats)
	}
}
