//go:build unix

package secrets_test

import (
	"bufio"
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

// BenchmarkStagedCheck runs the whole relgate process as a pre-commit hook
// does — `relgate check --staged` — on a 5-file staged change in a
// 2,000-file repository, and reports the median wall time (target ≤150 ms).
// "secrets-only" limits the run to the secrets scanner.
func BenchmarkStagedCheck(b *testing.B) {
	bin := relgateBinary(b)
	gittest.Isolate(b)
	r := gittest.New(b)
	for i := range 2000 {
		r.Write(fmt.Sprintf("pkg%02d/file%04d.go", i%40, i), sourceFile(i))
	}
	r.Commit("feat: a large tree")
	for i := range 5 {
		path := fmt.Sprintf("pkg%02d/file%04d.go", i, i*40+i)
		r.Write(path, sourceFile(i*40+i)+"\n// A change to stage.\nfunc Staged() {}\n")
		r.Stage(path)
	}
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"default-scanners", nil},
		{"secrets-only", []string{"--scanners", "secrets"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			args := append([]string{"check", "--staged", r.Dir, "--format", "json"}, bc.args...)
			var wall, cpu []time.Duration
			for b.Loop() {
				cmd := exec.Command(bin, args...)
				var stdout, stderr strings.Builder
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				var err error
				wall = append(wall, timed(func() { err = cmd.Run() }))
				if code := cmd.ProcessState.ExitCode(); err != nil && code != 1 {
					b.Fatalf("exit %d: %v: %s", code, err, stderr.String())
				}
				checkStagedDecision(b, stdout.String())
				cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			}
			// Wall time on a shared machine swings with its load; the CPU
			// time the process used is the steadier of the two.
			b.ReportMetric(median(wall), "median-ms")
			b.ReportMetric(median(cpu), "median-cpu-ms")
		})
	}
}

// checkStagedDecision fails the benchmark unless the run judged the staged
// change: a decision whose secrets scanner ran and found nothing (the
// change holds no secret). A run that failed early would be fast for
// nothing.
func checkStagedDecision(b *testing.B, stdout string) {
	b.Helper()
	var d struct {
		Scanners []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"scanners"`
		Violations []struct {
			Rule string `json:"rule"`
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		b.Fatalf("decode the decision: %v\n%s", err, stdout)
	}
	ran := false
	for _, s := range d.Scanners {
		if s.Status == "error" {
			b.Fatalf("scanner %s: error", s.Name)
		}
		ran = ran || (s.Name == "secrets" && s.Status == "ok")
	}
	if !ran {
		b.Fatalf("the secrets scanner did not run: %+v", d.Scanners)
	}
	for _, v := range d.Violations {
		if strings.HasPrefix(v.Rule, "SEC") {
			b.Fatalf("a secret was reported in a change that holds none: %s", v.Rule)
		}
	}
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

// report checks the result before it reports a figure: both sides found
// the same findings, at least the planted ones (two scans that find nothing
// agree and prove nothing).
func (c *comparison) report(b *testing.B, planted int) {
	if c.nOurs != c.nTheirs {
		b.Fatalf("findings: adapter %d, gitleaks %d", c.nOurs, c.nTheirs)
	}
	if c.nOurs < planted {
		b.Fatalf("findings: %d, want at least the %d planted", c.nOurs, planted)
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
	c.report(b, 20)
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
	c.report(b, 50) // every tenth of the 500 commits in the range adds one
}
