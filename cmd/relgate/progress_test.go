package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/mattn/go-runewidth"
	"github.com/tonistiigi/vt100"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/dbfetch"
)

// screen is a VT100 terminal: what a user would see. Every byte written
// must be a sequence it understands, so a malformed frame fails the test
// instead of being skipped over.
type screen struct {
	t  *testing.T
	vt *vt100.VT100
}

func newScreen(t *testing.T, rows, cols int) *screen {
	return &screen{t: t, vt: vt100.NewVT100(rows, cols)}
}

func (s *screen) Write(b []byte) (int, error) {
	buf := bytes.NewBuffer(b)
	for buf.Len() > 0 {
		cmd, err := vt100.Decode(buf)
		if err != nil {
			s.t.Errorf("terminal cannot decode %q: %v", buf.String(), err)
			break
		}
		if err := s.vt.Process(cmd); err != nil {
			s.t.Errorf("terminal cannot do %v: %v", cmd, err)
		}
	}
	return len(b), nil
}

// rows is the screen's text, trailing blanks and blank rows dropped.
func (s *screen) rows() []string {
	var out []string
	for _, r := range s.vt.Content {
		out = append(out, strings.TrimRight(string(r), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// row is the screen row that shows the scanner's line.
func (s *screen) row(name string) string {
	s.t.Helper()
	var found []string
	for _, r := range s.rows() {
		if f := strings.Fields(r); len(f) > 1 && f[1] == name {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		s.t.Fatalf("want one line for %s, got %q in\n%s", name, found, strings.Join(s.rows(), "\n"))
	}
	return found[0]
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestProgressScreen drives the display with a fake clock into a VT100
// terminal and checks what is on the screen at each step.
func TestProgressScreen(t *testing.T) {
	scr := newScreen(t, 24, 80)
	clock := &fakeClock{time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)}
	secret := "ghp_FAKEfakeFAKEfakeFAKEfakeFAKEfake0000"
	mask := func(s string) string { return strings.ReplaceAll(s, secret, "[REDACTED]") }
	p := newLiveProgress(scr, progressOptions{now: clock.now, size: func() (int, int) { return 80, 24 }, mask: mask})

	scr.Write([]byte("$ relgate check\r\n"))
	for _, name := range []string{"secrets", "deps", "container"} {
		p.Start(name)
	}
	clock.advance(1250 * time.Millisecond)
	p.redraw()
	for _, name := range []string{"secrets", "deps", "container"} {
		if r := scr.row(name); !regexp.MustCompile(`^\S ` + name + ` +running +1\.3s$`).MatchString(r) {
			t.Errorf("running line %q", r)
		}
	}
	// Lines are in name order whatever order the scanners started in.
	if rows := scr.rows(); len(rows) != 4 || !strings.Contains(rows[1], "container") || !strings.Contains(rows[3], "secrets") {
		t.Errorf("screen:\n%s", strings.Join(rows, "\n"))
	}

	// A log line, in two writes, prints above the display.
	io.WriteString(p, "time=x level=WARN msg=\"slow network\" token=")
	io.WriteString(p, secret+"\n")
	p.Done(engine.ScannerRun{Name: "secrets", Status: engine.StatusOK, DurationMS: 1234})
	clock.advance(9 * time.Second)
	p.redraw()
	if r := scr.row("deps"); !strings.HasSuffix(r, " 10s") {
		t.Errorf("deps after 10.25s: %q", r)
	}
	long := "auth " + secret + " failed: \x1b[2J\x1b[31m" + strings.Repeat(" and more", 20)
	p.Done(engine.ScannerRun{Name: "deps", Status: engine.StatusError, DurationMS: 15, Error: long})
	p.Done(engine.ScannerRun{Name: "container", Status: engine.StatusSkipped, DurationMS: 0, Reason: "no images configured"})
	p.Stop()
	io.WriteString(p, "after\n") // straight through once stopped

	rows := scr.rows()
	want := []*regexp.Regexp{
		regexp.MustCompile(`^\$ relgate check$`),
		regexp.MustCompile(`^time=x level=WARN msg="slow network" token=\[REDACTED\]$`),
		regexp.MustCompile(`^- container  skipped  0s  no images configured$`),
		regexp.MustCompile(`^✗ deps       error    15ms  auth \[REDACTED\] failed: \[2J\[31m and more`),
		regexp.MustCompile(`^✓ secrets    ok       1\.234s$`),
		regexp.MustCompile(`^after$`),
	}
	if len(rows) != len(want) {
		t.Fatalf("final screen has %d rows, want %d:\n%s", len(rows), len(want), strings.Join(rows, "\n"))
	}
	for i, re := range want {
		if !re.MatchString(rows[i]) {
			t.Errorf("row %d = %q, want %s", i, rows[i], re)
		}
		if w := runewidth.StringWidth(rows[i]); w > 79 {
			t.Errorf("row %d is %d cells wide: %q", i, w, rows[i])
		}
	}
	if strings.Contains(strings.Join(rows, "\n"), "FAKEfake") {
		t.Error("the secret reached the screen")
	}
}

// TestProgressColor: colours only when asked, and never in the text.
func TestProgressColor(t *testing.T) {
	for _, on := range []bool{false, true} {
		var out bytes.Buffer
		p := newLiveProgress(&out, progressOptions{color: on})
		p.Start("deps")
		p.Done(engine.ScannerRun{Name: "deps", Status: engine.StatusError, DurationMS: 3, Error: "boom"})
		p.Stop()
		if got := strings.Contains(out.String(), "\x1b[31m"); got != on {
			t.Errorf("color %v: red in %q", on, out.String())
		}
	}
}

// TestProgressTall: a display taller than the terminal never climbs above
// the screen while it runs (the scrollback cannot be redrawn), and its
// final frame lists every scanner.
func TestProgressTall(t *testing.T) {
	var out bytes.Buffer
	p := newLiveProgress(&out, progressOptions{size: func() (int, int) { return 40, 4 }})
	names := []string{"approvals", "containers", "deps", "iac", "migrations", "release"}
	for _, n := range names {
		p.Start(n)
	}
	for _, n := range names {
		p.Done(engine.ScannerRun{Name: n, Status: engine.StatusOK})
	}
	p.Stop()
	frames := out.String()
	for _, m := range regexp.MustCompile(`\x1b\[(\d+)A`).FindAllStringSubmatch(frames, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 3 {
			t.Errorf("moves up %s lines on a 4-row terminal", m[1])
		}
	}
	last := frames[strings.LastIndex(frames, "A")+1:]
	for _, n := range names {
		if !strings.Contains(last, " "+n+" ") {
			t.Errorf("final frame lacks %s: %q", n, last)
		}
	}
}

// TestProgressPTY runs the display on a real pseudo-terminal, sized by the
// kernel: the bytes the terminal receives leave every line in its final
// state.
func TestProgressPTY(t *testing.T) {
	ptmx, tty := openPTY(t, 20, 60)
	read := readAll(ptmx)
	a := &app{stdout: io.Discard, stderr: tty, logLevel: "warn", redactor: newRedactor()}
	progress, logw, stop := a.startProgress()
	if progress == nil {
		t.Fatal("no progress display on a terminal")
	}
	progress.Start("release")
	progress.Start("migrations")
	io.WriteString(logw, "time=x level=WARN msg=\"from a helper\"\n")
	progress.Done(engine.ScannerRun{Name: "release", Status: engine.StatusOK, DurationMS: 7})
	progress.Done(engine.ScannerRun{Name: "migrations", Status: engine.StatusError, DurationMS: 2500,
		Error: "parse migration db/0001.sql: " + strings.Repeat("x", 100)})
	stop()
	tty.Close()
	scr := newScreen(t, 20, 60)
	scr.Write(read())
	if r := scr.row("release"); !regexp.MustCompile(`^✓ release +ok +7ms$`).MatchString(r) {
		t.Errorf("release line %q", r)
	}
	if r := scr.row("migrations"); !strings.Contains(r, "error    2.5s  parse migration") || runewidth.StringWidth(r) != 59 {
		t.Errorf("migrations line (%d cells) %q", runewidth.StringWidth(r), r)
	}
	if rows := scr.rows(); rows[0] != `time=x level=WARN msg="from a helper"` {
		t.Errorf("screen:\n%s", strings.Join(rows, "\n"))
	}
}

// TestProgressNotTTY: no display, and so no escape sequence, when stderr is
// not a terminal or with --quiet.
func TestProgressNotTTY(t *testing.T) {
	var buf bytes.Buffer
	a := &app{stdout: io.Discard, stderr: &buf, logLevel: "warn", redactor: newRedactor()}
	if p, _, stop := a.startProgress(); p != nil {
		stop()
		t.Error("progress display on a buffer")
	}
	_, tty := openPTY(t, 20, 60)
	a = &app{stdout: io.Discard, stderr: tty, logLevel: "warn", redactor: newRedactor(), quiet: true}
	if p, _, stop := a.startProgress(); p != nil {
		stop()
		t.Error("progress display with --quiet")
	}
}

// TestProgressCLI: a real check in-process with stderr on a terminal
// shows the scanner's final line; piped, stderr has no escape sequence.
func TestProgressCLI(t *testing.T) {
	r := releaseRepo(t)
	var stdout bytes.Buffer
	ptmx, tty := openPTY(t, 24, 100)
	read := readAll(ptmx)
	code := run([]string{"check", r.Dir, "--scanners", "release", "--env", "staging"}, &stdout, tty)
	tty.Close()
	scr := newScreen(t, 24, 100)
	scr.Write(read())
	if code > exitFail {
		t.Fatalf("exit %d\n%s", code, strings.Join(scr.rows(), "\n"))
	}
	if row := scr.row("release"); !regexp.MustCompile(`^✓ release +ok +\d`).MatchString(row) {
		t.Errorf("release line %q", row)
	}

	code, _, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--env", "staging")
	if code > exitFail || strings.Contains(stderr, "\x1b") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func openPTY(t *testing.T, rows, cols uint16) (ptmx, tty *os.File) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal (needs /dev/ptmx and devpts): %v", err)
	}
	t.Cleanup(func() { ptmx.Close(); tty.Close() })
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: rows, Cols: cols}); err != nil {
		t.Fatal(err)
	}
	return ptmx, tty
}

// readAll reads the terminal side until the program side is closed; the
// returned function waits for that and gives the bytes.
func readAll(ptmx *os.File) func() []byte {
	var (
		buf bytes.Buffer
		wg  sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := io.Copy(&buf, ptmx)
		if err != nil && !errors.Is(err, syscall.EIO) {
			buf.WriteString("\r\nREAD ERROR: " + err.Error())
		}
	}()
	return func() []byte { wg.Wait(); return buf.Bytes() }
}

// TestTableWidthSource: COLUMNS wins, then the terminal's width; a pipe
// gets 0, the report's default.
func TestTableWidthSource(t *testing.T) {
	_, tty := openPTY(t, 24, 77)
	t.Setenv("COLUMNS", "")
	if got := tableWidth(tty); got != 77 {
		t.Errorf("terminal: %d, want 77", got)
	}
	if got := tableWidth(&bytes.Buffer{}); got != 0 {
		t.Errorf("pipe: %d, want 0", got)
	}
	t.Setenv("COLUMNS", "132")
	if got := tableWidth(tty); got != 132 {
		t.Errorf("COLUMNS=132 on a terminal: %d", got)
	}
	if got := tableWidth(nil); got != 132 {
		t.Errorf("COLUMNS=132 for a file: %d", got)
	}
	t.Setenv("COLUMNS", "wide")
	if got := tableWidth(tty); got != 77 {
		t.Errorf("COLUMNS=wide: %d, want the terminal's 77", got)
	}
}

// BenchmarkProgressFrame is one redraw of nine running scanners through
// the run's redactor (gitleaks' rules look at every frame): the cost paid
// every progressInterval on a terminal.
func BenchmarkProgressFrame(b *testing.B) {
	r := newRedactor()
	p := newLiveProgress(r.Writer(io.Discard), progressOptions{size: func() (int, int) { return 120, 40 }, mask: r.String})
	for _, n := range []string{"approvals", "containers", "deps", "iac", "migrations", "release", "secrets", "slo", "tests"} {
		p.Start(n)
	}
	b.ResetTimer()
	for b.Loop() {
		p.redraw()
	}
}

// TestProgressDownload: a database download, reported by dbfetch as it is
// in relgate-scanners, is one line of the display with pb's bar, above the
// scanners' lines; its event lines never reach the screen; a cut try
// says how much came, and its retry runs the same line again.
func TestProgressDownload(t *testing.T) {
	scr := newScreen(t, 24, 80)
	clock := &fakeClock{time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)}
	p := newLiveProgress(scr, progressOptions{now: clock.now, size: func() (int, int) { return 80, 24 }})
	fetch := dbfetch.Progress{W: p, Now: clock.now}

	trivy := fetch.Start("trivy db", 40<<20, 0)
	clock.advance(1500 * time.Millisecond)
	trivy.Add(10 << 20)
	io.WriteString(p, "relgate: a log line meanwhile\n")
	p.Start("containers")
	p.redraw()
	rows := scr.rows()
	if len(rows) != 3 || rows[0] != "relgate: a log line meanwhile" {
		t.Fatalf("screen:\n%s", strings.Join(rows, "\n"))
	}
	if !regexp.MustCompile(`^\S trivy db    downloading  1\.5s  \[-*>_+\]  25% 10\.00 MiB / 40\.00 MiB$`).MatchString(rows[1]) {
		t.Errorf("running download %q", rows[1])
	}
	if !regexp.MustCompile(`^\S containers  running +0s$`).MatchString(rows[2]) {
		t.Errorf("scanner line under the download %q", rows[2])
	}
	if w := runewidth.StringWidth(rows[1]); w != 79 {
		t.Errorf("the bar fills the line to 79 cells, not %d: %q", w, rows[1])
	}

	osv := fetch.Start("osv npm", 100, 0)
	osv.Add(50)
	clock.advance(time.Second)
	osv.Finish() // cut
	if r := rowWith(t, scr, "osv npm"); !regexp.MustCompile(`^✗ osv npm     incomplete   1s  50 B of 100 B$`).MatchString(r) {
		t.Errorf("cut download %q", r)
	}
	osv = fetch.Start("osv npm", 100, 50) // the retry resumes
	clock.advance(time.Second)
	osv.Add(50)
	osv.Finish()
	trivy.Add(30 << 20)
	trivy.Finish()
	p.Done(engine.ScannerRun{Name: "containers", Status: engine.StatusOK, DurationMS: 2000})
	p.Stop()

	rows = scr.rows()
	want := []string{
		`^relgate: a log line meanwhile$`,
		`^✓ osv npm     downloaded  2s  100 B$`,
		`^✓ trivy db    downloaded  3\.5s  40\.00 MiB$`,
		`^✓ containers  ok          2s$`,
	}
	if len(rows) != len(want) {
		t.Fatalf("final screen has %d rows, want %d:\n%s", len(rows), len(want), strings.Join(rows, "\n"))
	}
	for i, re := range want {
		if !regexp.MustCompile(re).MatchString(rows[i]) {
			t.Errorf("row %d = %q, want %s", i, rows[i], re)
		}
	}
	if s := strings.Join(rows, "\n"); strings.Contains(s, `"label"`) {
		t.Errorf("an event line reached the screen:\n%s", s)
	}
}

// rowWith is the one screen row that contains s.
func rowWith(t *testing.T, scr *screen, s string) string {
	t.Helper()
	var found []string
	for _, r := range scr.rows() {
		if strings.Contains(r, s) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one row with %q, got %q in\n%s", s, found, strings.Join(scr.rows(), "\n"))
	}
	return found[0]
}
