//go:build unix

package secrets_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

// median of the durations, in milliseconds.
func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return float64(m) / float64(time.Millisecond)
}

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// sourceFile is a plausible Go file of about 1.5 kB.
func sourceFile(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package p%d\n\nimport \"fmt\"\n\n", i%40)
	for j := range 12 {
		fmt.Fprintf(&b, "// F%d_%d formats item %d of batch %d for the log.\nfunc F%d_%d(x int) string {\n\treturn fmt.Sprintf(\"item %%d\", x+%d)\n}\n\n", i, j, j, i, i, j, j)
	}
	return b.String()
}

// stagedRepo is a 2,000-file repository with a 5-file staged change; one
// staged file adds a (made-up) GitHub token.
func stagedRepo(b *testing.B) (dir string, leak canary) {
	gittest.Isolate(b)
	r := gittest.New(b)
	for i := range 2000 {
		r.Write(fmt.Sprintf("pkg%02d/file%04d.go", i%40, i), sourceFile(i))
	}
	r.Commit("feat: a large tree")
	leak = canaries("staged-bench")[1]
	for i := range 5 {
		path := fmt.Sprintf("pkg%02d/file%04d.go", i, i*40+i)
		change := "\n// A change to stage.\nfunc Staged() {}\n"
		if i == 2 {
			change += "// " + leak.Line + "\n"
		}
		r.Write(path, sourceFile(i*40+i)+change)
		r.Stage(path)
	}
	return r.Dir, leak
}

// checkStagedDecision checks a `check --staged --format json` run: the gate
// failed on the one staged secret (SEC rules), and only the staged scanners
// ran, each ok.
func checkStagedDecision(b *testing.B, stdout, stderr []byte, code int, leak canary) {
	var d engine.Decision
	if err := json.Unmarshal(stdout, &d); err != nil || code != 1 || d.Result != "fail" {
		b.Fatalf("exit %d, result %q (%v), want 1 fail: %s", code, d.Result, err, stderr)
	}
	var secrets int
	for _, v := range d.Violations {
		if strings.HasPrefix(v.Rule, "SEC") && v.Location.Path == "pkg02/file0082.go" {
			secrets++
		}
	}
	if secrets == 0 || bytes.Contains(stdout, []byte(leak.Value)) {
		b.Fatalf("want a SEC violation in pkg02/file0082.go and no plaintext secret: %s", stdout)
	}
	var ran []string
	for _, s := range d.Scanners {
		if s.Reason == engine.ReasonStagedOnly {
			continue // not a staged scanner: recorded as not run
		}
		// No migration files in the change: migrations skips.
		if s.Status != engine.StatusOK && (s.Name == "secrets" || s.Status != engine.StatusSkipped) {
			b.Fatalf("scanner %s: %s %s", s.Name, s.Status, s.Error)
		}
		ran = append(ran, s.Name)
	}
	if slices.Sort(ran); !slices.Equal(ran, []string{"migrations", "secrets"}) {
		b.Fatalf("scanners %v, want migrations and secrets", ran)
	}
}

// BenchmarkStagedCheck runs the whole relgate process as a pre-commit hook
// does — `relgate check --staged` — on a 5-file staged change in a
// 2,000-file repository, interleaved with `gitleaks git --staged` on the
// same repository, and reports both medians and their CPU ratio (targets:
// ≤150 ms median wall on an idle machine, ≤1.5× gitleaks' CPU). Both must
// find the one staged secret.
func BenchmarkStagedCheck(b *testing.B) {
	bin, gl := relgateBinary(b), gitleaksBinary(b)
	dir, leak := stagedRepo(b)
	var wall, cpu, glCPU []time.Duration
	for b.Loop() {
		cmd := exec.Command(bin, "check", "--staged", dir, "--format", "json")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		wall = append(wall, timed(func() { _ = cmd.Run() }))
		checkStagedDecision(b, stdout.Bytes(), stderr.Bytes(), cmd.ProcessState.ExitCode(), leak)
		cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())

		n, c := gitleaksCLI(b, gl, "git", "--staged", dir)
		if n != 1 {
			b.Fatalf("gitleaks found %d secrets in the staged change, want 1", n)
		}
		glCPU = append(glCPU, c)
	}
	// Wall time on a shared machine swings with its load; the CPU time the
	// process used is the steadier of the two.
	b.ReportMetric(median(wall), "median-ms")
	b.ReportMetric(median(cpu), "median-cpu-ms")
	b.ReportMetric(median(glCPU), "gitleaks-cpu-ms")
	b.ReportMetric(median(cpu)/median(glCPU), "cpu-ratio")
}

// BenchmarkStartup runs `relgate version` and `gitleaks version`
// interleaved: the cost of starting the process, before any work
// (target ≤3× gitleaks' CPU). Each output is checked.
func BenchmarkStartup(b *testing.B) {
	bin, gl := relgateBinary(b), gitleaksBinary(b)
	var cpu, glCPU []time.Duration
	var rss, glRSS int64
	for b.Loop() {
		for _, side := range []struct {
			bin, want string
			cpu       *[]time.Duration
			rss       *int64
		}{{bin, "relgate ", &cpu, &rss}, {gl, "", &glCPU, &glRSS}} {
			cmd := exec.Command(side.bin, "version")
			out, err := cmd.Output()
			// gitleaks built with go build prints a placeholder version.
			if err != nil || len(out) == 0 || !strings.HasPrefix(string(out), side.want) {
				b.Fatalf("%s version: %q, %v", filepath.Base(side.bin), out, err)
			}
			*side.cpu = append(*side.cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				*side.rss = max(*side.rss, ru.Maxrss) // KiB on Linux
			}
		}
	}
	b.ReportMetric(median(cpu), "median-cpu-ms")
	b.ReportMetric(median(glCPU), "gitleaks-cpu-ms")
	b.ReportMetric(median(cpu)/median(glCPU), "cpu-ratio")
	b.ReportMetric(float64(rss)/1024, "max-rss-MiB")
	b.ReportMetric(float64(glRSS)/1024, "gitleaks-max-rss-MiB")
}

// copyTree copies a directory of regular files (the module cache's are
// read-only: the copies are made writable).
func copyTree(tb testing.TB, src, dst string) int64 {
	tb.Helper()
	var total int64
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		n, err := io.Copy(out, in)
		total += n
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		tb.Fatalf("copy %s: %v", src, err)
	}
	return total
}

// bigTree copies large modules from the module cache into one tree:
// osv-scanner, x/tools and gitleaks itself, ~39 MB of Go, fixtures and
// docs of which gitleaks reads some 21 MB (it passes over go.sum files,
// images and binaries).
func bigTree(b *testing.B) string {
	b.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		b.Fatal(err)
	}
	cache := strings.TrimSpace(string(out))
	dst := b.TempDir()
	var n int64
	for _, m := range []string{"github.com/google/osv-scanner/v2@v2.5.0", "golang.org/x/tools@v0.52.0", "github.com/zricethezav/gitleaks/v8@v8.30.1"} {
		src := filepath.Join(cache, filepath.FromSlash(m))
		if _, err := os.Stat(src); err != nil {
			b.Skipf("%s is not in the module cache: %v", m, err)
		}
		n += copyTree(b, src, filepath.Join(dst, filepath.Base(m)))
	}
	if n < 20_000_000 {
		b.Fatalf("the tree is %d bytes, want ≥ 20 MB", n)
	}
	// Some findings, so that both sides do the work of reporting them.
	for i := range 20 {
		c := canaries(fmt.Sprintf("big-tree-%d", i))[i%5]
		if err := os.WriteFile(filepath.Join(dst, fmt.Sprintf("planted-%02d.txt", i)), []byte(file(c)), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("tree: %.1f MB", float64(n)/1e6)
	return dst
}

// adapterScan scans with the adapter in-process and returns the findings
// and the bytes gitleaks read.
func adapterScan(b *testing.B, opts secrets.Options) (findings int, bytes int64) {
	s, err := secrets.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	in := engine.NewInput()
	run, err := s.Scan(context.Background(), in)
	if err != nil {
		b.Fatal(err)
	}
	return len(in.Secrets), run.Stats["bytes_scanned"]
}

// selfCPU is the CPU time this process has used, all threads.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuTimed runs f and returns the wall and CPU time it took in this process.
func cpuTimed(f func()) (wall, cpu time.Duration) {
	c := selfCPU()
	wall = timed(f)
	return wall, selfCPU() - c
}

// gitleaksCLI runs the gitleaks CLI with a JSON report and returns the
// findings and the CPU time the process used.
func gitleaksCLI(b *testing.B, bin string, args ...string) (int, time.Duration) {
	report := filepath.Join(b.TempDir(), "report.json")
	args = append(args, "--no-banner", "--exit-code", "0", "--log-level", "error", "--report-format", "json", "--report-path", report)
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("gitleaks: %v: %s", err, stderr.String())
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	f, err := os.Open(report)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		if strings.HasPrefix(strings.TrimSpace(sc.Text()), `"RuleID"`) {
			n++
		}
	}
	return n, cpu
}

// comparison collects the timings of the adapter and the gitleaks CLI.
type comparison struct {
	ours, theirs, oursCPU, theirsCPU []time.Duration
	nOurs, nTheirs                   int
}

func (c *comparison) report(b *testing.B) {
	if c.nOurs != c.nTheirs {
		b.Errorf("findings: adapter %d, gitleaks %d", c.nOurs, c.nTheirs)
	}
	b.ReportMetric(median(c.ours), "adapter-ms")
	b.ReportMetric(median(c.theirs), "gitleaks-ms")
	b.ReportMetric(median(c.ours)/median(c.theirs), "ratio")
	// CPU time does not swing with the machine's load as wall time does.
	// Ours leaves out the git it runs; for a history scan, read the
	// wall-time ratio.
	b.ReportMetric(median(c.oursCPU)/median(c.theirsCPU), "cpu-ratio")
	b.ReportMetric(float64(c.nOurs), "findings")
}

// BenchmarkTreeVsGitleaksCLI scans one ≥20 MB tree with the adapter and with
// the gitleaks CLI of the same version, interleaved, and reports both
// medians and their ratio (target ≤ 1.05).
func BenchmarkTreeVsGitleaksCLI(b *testing.B) {
	gl := gitleaksBinary(b)
	dir := bigTree(b)
	var c comparison
	var scanned int64
	for b.Loop() {
		wall, cpu := cpuTimed(func() { c.nOurs, scanned = adapterScan(b, secrets.Options{Dir: dir, History: secrets.HistoryNone}) })
		c.ours, c.oursCPU = append(c.ours, wall), append(c.oursCPU, cpu)
		var theirCPU time.Duration
		c.theirs = append(c.theirs, timed(func() { c.nTheirs, theirCPU = gitleaksCLI(b, gl, "dir", dir) }))
		c.theirsCPU = append(c.theirsCPU, theirCPU)
	}
	c.report(b)
	b.ReportMetric(float64(scanned)/1e6, "scanned-MB")
}

// historyRepo builds a repository of 600 commits with git fast-import: each
// changes three files, and every tenth adds a secret.
func historyRepo(b *testing.B) (dir, base string) {
	b.Helper()
	gittest.Isolate(b)
	r := gittest.New(b)
	var stream strings.Builder
	when := gittest.Epoch.Unix()
	for i := range 600 {
		fmt.Fprintf(&stream, "commit refs/heads/main\nmark :%d\ncommitter %s <%s> %d +0000\ndata <<EOM\nchange %d\nEOM\n", i+1, gittest.Name, gittest.Email, when+int64(i*60), i)
		if i > 0 {
			fmt.Fprintf(&stream, "from :%d\n", i)
		}
		for j := range 3 {
			content := sourceFile(i*3 + j)
			if i%10 == 0 && j == 0 {
				content += canaries(fmt.Sprintf("history-%d", i))[i/10%5].Line + "\n"
			}
			fmt.Fprintf(&stream, "M 644 inline pkg%02d/file%d.go\ndata %d\n%s\n", (i*3+j)%40, j, len(content), content)
		}
	}
	cmd := exec.Command("git", "-C", r.Dir, "fast-import", "--quiet")
	cmd.Stdin = strings.NewReader(stream.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("fast-import: %v\n%s", err, out)
	}
	r.Git("reset", "-q", "--hard", "main")
	base = r.Git("rev-parse", "main~500")
	return r.Dir, base
}

// BenchmarkHistoryVsGitleaksCLI scans a 500-commit range of a 600-commit
// repository with the adapter (--base) and with `gitleaks git --log-opts`.
func BenchmarkHistoryVsGitleaksCLI(b *testing.B) {
	gl := gitleaksBinary(b)
	dir, base := historyRepo(b)
	var c comparison
	for b.Loop() {
		wall, cpu := cpuTimed(func() {
			c.nOurs, _ = adapterScan(b, secrets.Options{Dir: dir, Base: base, History: secrets.HistoryNone})
		})
		c.ours, c.oursCPU = append(c.ours, wall), append(c.oursCPU, cpu)
		var theirCPU time.Duration
		c.theirs = append(c.theirs, timed(func() { c.nTheirs, theirCPU = gitleaksCLI(b, gl, "git", "--log-opts", base+"..HEAD", dir) }))
		c.theirsCPU = append(c.theirsCPU, theirCPU)
	}
	c.report(b)
}
