package deps

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// workdirEnv carries asNobody's working directory to the child test.
const workdirEnv = "RELGATE_TEST_NOBODY_WORKDIR"

// asNobody makes file modes bind for a test that root would read through:
// run as root, it re-runs the calling test in a child test process as the
// user nobody (in a world-readable copy of this package's testdata, since
// the checkout may sit in a directory only root can enter) and returns
// false: the parent's work is done. In that child, or for any other user,
// it returns true and the test goes on.
func asNobody(t *testing.T) bool {
	t.Helper()
	if os.Getenv(workdirEnv) != "" || os.Geteuid() != 0 {
		return true
	}
	work, err := os.MkdirTemp("", "relgate-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	if err := os.Chmod(work, 0o777); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(work, "deps")
	copyTree(t, "testdata", filepath.Join(pkg, "testdata"))
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(work, "deps.test")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := filepath.WalkDir(work, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			err = os.Chmod(p, 0o777)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Dir = pkg
	cmd.Env = append(os.Environ(), workdirEnv+"="+work, "TMPDIR="+work, "HOME="+work, "XDG_CACHE_HOME="+filepath.Join(work, ".cache"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s as the user nobody: %v\n%s", t.Name(), err, out)
	}
	return false
}

// A lockfile the scanner may not read is a fact about that file; the other
// lockfiles are still scanned.
func TestUnreadableLockfileIsFileError(t *testing.T) {
	if !asNobody(t) {
		return
	}
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	locked := filepath.Join(dir, "admin", "package-lock.json")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o644) })
	if f, err := os.Open(locked); err == nil {
		f.Close()
		t.Fatalf("%s is readable at mode 0 by uid %d: the test proves nothing", locked, os.Geteuid())
	}
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(errorPaths(run), []string{"admin/package-lock.json"}) || len(in.Vulnerabilities) != len(wantFixture) {
		t.Errorf("errors %v, %d facts", run.Errors, len(in.Vulnerabilities))
	}
}
