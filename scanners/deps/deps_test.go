package deps

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// summary is one fact in a line, for exact comparison.
func summary(v engine.Vulnerability) string {
	direct := "?"
	if v.Direct != nil {
		direct = fmt.Sprint(*v.Direct)
	}
	return fmt.Sprintf("%s:%d %s %s@%s %s %s %.1f fixed=%v dev=%v direct=%s change=%v",
		v.Location.Path, v.Location.StartLine, v.Package.Ecosystem, v.Package.Name, v.Package.Version,
		v.ID, v.Severity, v.CVSSScore, v.FixedVersions, v.Dev, direct, v.InChange)
}

func summaries(in *engine.Input) []string {
	var out []string
	for _, v := range in.Vulnerabilities {
		out = append(out, summary(v))
	}
	return out
}

// The fixture lockfiles pin vulnerable and fixed versions of lodash (npm),
// golang.org/x/text (Go), requests (PyPI) and time (crates.io). Exactly the
// vulnerable ones are found, each at its lockfile line.
var wantFixture = []string{
	"py/requirements.txt:3 PyPI requests@2.30.0 GHSA-j8r2-6x86-q33q medium 6.1 fixed=[2.31.0] dev=false direct=? change=false",
	"rs/Cargo.lock:18 crates.io time@0.2.22 RUSTSEC-2020-0071 medium 5.9 fixed=[0.2.23] dev=false direct=true change=false",
	"svc/go.mod:5 Go golang.org/x/text@0.3.7 GO-2022-1059 high 7.5 fixed=[0.3.8] dev=false direct=true change=false",
	"tools/package-lock.json:14 npm lodash@4.17.19 GHSA-35jh-r3h4-6jhm high 7.2 fixed=[4.17.21] dev=true direct=true change=false",
	"web/package-lock.json:22 npm lodash@4.17.15 GHSA-35jh-r3h4-6jhm high 7.2 fixed=[4.17.21] dev=false direct=false change=false",
	"web/package-lock.json:26 npm lodash@4.17.20 GHSA-35jh-r3h4-6jhm high 7.2 fixed=[4.17.21] dev=false direct=true change=false",
}

func TestScanOfflineFindsFixtureAdvisories(t *testing.T) {
	db := fixtureDB(t)
	in, run, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("facts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantFixture, "\n"))
	}
	if run.Status != "" || len(run.Errors) != 0 {
		t.Errorf("run status %q errors %v, want ok and none", run.Status, run.Errors)
	}
	if run.DBUpdatedAt == nil || !run.DBUpdatedAt.Equal(dbTime) {
		t.Errorf("db_updated_at = %v, want %v", run.DBUpdatedAt, dbTime)
	}
	if !strings.HasPrefix(run.Version, "osv-scanner v2.5.0") {
		t.Errorf("version = %q, want osv-scanner v2.5.0", run.Version)
	}
	if !strings.Contains(run.Database, "offline") {
		t.Errorf("database = %q, want it to name the offline database", run.Database)
	}
	if run.Stats["lockfiles"] != 9 || run.Stats["vulnerabilities"] != 6 {
		t.Errorf("stats = %v, want 9 lockfiles and 6 vulnerabilities", run.Stats)
	}

	// Everything else a fact carries, on one of them.
	var text engine.Vulnerability
	for _, v := range in.Vulnerabilities {
		if v.Package.Name == "golang.org/x/text" {
			text = v
		}
	}
	if !slices.Equal(text.Aliases, []string{"CVE-2022-32149", "GHSA-69ch-w2m2-3vjp"}) {
		t.Errorf("aliases = %v", text.Aliases)
	}
	if text.Package.PURL != "pkg:golang/golang.org/x/text@v0.3.7" && text.Package.PURL != "pkg:golang/golang.org/x/text@0.3.7" {
		t.Errorf("purl = %q", text.Package.PURL)
	}
	if text.CVSSVector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" || text.Source != "osv" || text.Summary == "" {
		t.Errorf("vector %q source %q summary %q", text.CVSSVector, text.Source, text.Summary)
	}
	// The group's earliest publication and latest modification.
	if text.Published == nil || !text.Published.Equal(time.Date(2022, 10, 11, 17, 8, 57, 0, time.UTC)) ||
		text.Modified == nil || !text.Modified.Equal(time.Date(2024, 5, 20, 16, 3, 47, 0, time.UTC)) {
		t.Errorf("published %v modified %v", text.Published, text.Modified)
	}
}

// The fixture database must hold exactly what osv-scanner can read: a
// record it would drop would make the expected findings above vacuous.
func TestFixtureRecordsAreValid(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "osv", "*", "*.json"))
	if len(files) < 4 {
		t.Fatalf("found %d fixture records", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		id, err := ValidateRecord(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if want := strings.TrimSuffix(filepath.Base(f), ".json"); id != want {
			t.Errorf("%s: id %q, want %q", f, id, want)
		}
	}
}

func TestNoLockfilesIsSkipped(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "README.md"), "# nothing to install\n")
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if run.Status != engine.StatusSkipped || len(in.Vulnerabilities) != 0 {
		t.Errorf("status %q with %d facts, want skipped and none", run.Status, len(in.Vulnerabilities))
	}
}

func TestOfflineWithoutDatabaseFailsClosed(t *testing.T) {
	db := filepath.Join(t.TempDir(), "never-updated")
	_, _, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db})
	if !errors.Is(err, ErrNoDatabase) || !strings.Contains(err.Error(), "relgate db update") {
		t.Fatalf("err = %v, want ErrNoDatabase telling how to get one", err)
	}
}

// The exclusions: node_modules and vendor always, testdata and globs when
// configured.
func TestExclusions(t *testing.T) {
	src := filepath.Join("testdata", "repo")
	dir := copyTree(t, src, "")
	copyTree(t, filepath.Join(src, "web"), filepath.Join(dir, "web", "node_modules", "app-lib"))
	copyTree(t, filepath.Join(src, "svc"), filepath.Join(dir, "vendor", "svc"))
	copyTree(t, filepath.Join(src, "py"), filepath.Join(dir, "pkg", "testdata", "py"))
	copyTree(t, filepath.Join(src, "rs"), filepath.Join(dir, "services", "a", "fixtures"))
	db := fixtureDB(t)

	in, _, err := scan(t, Options{Dir: dir, Offline: true, DBDir: db})
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, v := range in.Vulnerabilities {
		paths[v.Location.Path] = true
	}
	if paths["web/node_modules/app-lib/package-lock.json"] || paths["vendor/svc/go.mod"] {
		t.Errorf("node_modules or vendor scanned: %v", paths)
	}
	if !paths["pkg/testdata/py/requirements.txt"] || !paths["services/a/fixtures/Cargo.lock"] {
		t.Errorf("testdata or fixtures skipped without being configured: %v", paths)
	}

	in, _, err = scan(t, Options{Dir: dir, Offline: true, DBDir: db, Exclude: []string{"testdata", "services/*/fixtures"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range in.Vulnerabilities {
		if strings.Contains(v.Location.Path, "testdata/") || strings.Contains(v.Location.Path, "fixtures/") {
			t.Errorf("excluded path scanned: %s", v.Location.Path)
		}
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("with exclusions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantFixture, "\n"))
	}
}

// The repository's osv-scanner.toml ignores apply, as they do for
// osv-scanner itself.
func TestOSVScannerConfigIgnores(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	write(t, filepath.Join(dir, "py", "osv-scanner.toml"), `[[IgnoredVulns]]
id = "GHSA-j8r2-6x86-q33q"
reason = "requests is only used against internal hosts without a proxy"
`)
	in, _, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range in.Vulnerabilities {
		if v.ID == "GHSA-j8r2-6x86-q33q" {
			t.Errorf("ignored advisory reported: %s", summary(v))
		}
	}
	if len(in.Vulnerabilities) != len(wantFixture)-1 {
		t.Errorf("got %d facts, want %d", len(in.Vulnerabilities), len(wantFixture)-1)
	}
}

func TestVersionFallbackMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "github.com/google/osv-scanner/v2 "+osvScannerModule+"\n") {
		t.Errorf("go.mod does not require osv-scanner %s: update osvScannerModule", osvScannerModule)
	}
}
