package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/cheggaaa/pb/v3"
	"github.com/fatih/color"
	"golang.org/x/term"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/dbfetch"
	"github.com/relgate/relgate/scanners"
)

// The live progress display: on a terminal, one line per scanner that
// updates in place — a spinner and the elapsed time while it runs, then its
// status and duration — and the log lines written meanwhile scroll above it.
//
// Each line is rendered by a cheggaaa/pb bar used as a static element
// renderer (its template, cycle and string elements, and its escape-aware
// StripString to fit the width); the redraw around them is ours. pb's Pool
// would draw the lines too, but it switches the controlling terminal
// (/dev/tty, not the writer it is given) to no-echo for the whole run and
// installs its own signal handler to undo that, sizes itself from /dev/tty,
// redraws only on its own real-time ticker, and has no way to print a log
// line above the bars — a warning during a scan would be overwritten. The
// redraw here writes to the one writer it is given (the redactor over
// stderr), sizes from that writer's terminal, takes its clock from the
// caller, and lets log lines through.
//
// Database downloads are lines of the display too: the terminal has one
// owner. A download (in relgate-scanners or in process) writes its
// progress as dbfetch event lines to the writer it is given, which is the
// display's; the display takes them out of the log stream and shows each
// download as a line with a pb bar, above the scanners' lines.

// progressInterval is how often running lines' elapsed times are redrawn.
const progressInterval = 100 * time.Millisecond

// progressOptions are what the display needs from its surroundings; the
// zero value of each field has a default fit for a real terminal.
type progressOptions struct {
	now      func() time.Time        // clock (time.Now)
	size     func() (cols, rows int) // the terminal's size, 0 when unknown (80×24)
	color    bool                    // colour the marks and statuses
	interval time.Duration           // redraw period; 0: only on events and redraw calls
	mask     func(string) string     // masks secrets in a scanner's error and in log lines
}

// liveProgress is a scanners.Progress that draws on a terminal. It is also
// an io.Writer for log lines, which it prints above the display.
type liveProgress struct {
	out  io.Writer
	opts progressOptions
	tmpl string // the pb template of every line

	mu      sync.Mutex
	lines   []*progressLine // by name
	drawn   int             // display lines on screen; the cursor is on the line below them
	partial []byte          // the start of a log line not yet ended
	stopped bool

	quit, exited chan struct{}
	stopOnce     sync.Once
}

type progressLine struct {
	name  string
	start time.Time
	run   *engine.ScannerRun // nil while running
	bar   *pb.ProgressBar

	download bool          // a database download, not a scanner
	ev       dbfetch.Event // a download's last event
	end      time.Time     // when a download's last try ended
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func newLiveProgress(out io.Writer, opts progressOptions) *liveProgress {
	if opts.now == nil {
		opts.now = time.Now
	}
	if opts.size == nil {
		opts.size = func() (int, int) { return 0, 0 }
	}
	if opts.mask == nil {
		opts.mask = func(s string) string { return s }
	}
	frames := make([]string, len(spinnerFrames))
	for i, f := range spinnerFrames {
		frames[i] = strconv.Quote(paint(opts.color, color.FgCyan, f))
	}
	p := &liveProgress{
		out:  out,
		opts: opts,
		tmpl: `{{if .GetBool "done"}}{{string . "mark"}}{{else}}{{cycle . ` + strings.Join(frames, " ") + `}}{{end}}` +
			` {{string . "name"}}  {{string . "status"}}  {{string . "time"}}{{string . "detail"}}` +
			`{{if .GetBool "bar"}}  {{bar . }} {{percent . "%3.0f%%" "?%"}} {{counters . }}{{end}}`,
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	if opts.interval > 0 {
		go p.tick(opts.interval)
	} else {
		close(p.exited)
	}
	return p
}

func (p *liveProgress) tick(d time.Duration) {
	defer close(p.exited)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.redraw()
		case <-p.quit:
			return
		}
	}
}

// Start shows a running line for the scanner.
func (p *liveProgress) Start(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.add(name, false)
	_ = p.draw(nil, false)
}

// Done turns the scanner's line into its final status and duration.
func (p *liveProgress) Done(run engine.ScannerRun) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.add(run.Name, false)
	run.Error = p.opts.mask(run.Error)
	run.Reason = p.opts.mask(run.Reason)
	l.run = &run
	_ = p.draw(nil, false)
}

// Write prints complete log lines above the display; a line's start is
// kept until its end arrives. After Stop it writes straight through.
func (p *liveProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return p.out.Write(b)
	}
	p.partial = append(p.partial, b...)
	i := bytes.LastIndexByte(p.partial, '\n')
	if i < 0 {
		return len(b), nil
	}
	var logs []string
	for _, line := range strings.Split(string(p.partial[:i]), "\n") {
		if ev, ok := dbfetch.ParseEvent(line); ok {
			p.transfer(ev)
			continue
		}
		logs = append(logs, line)
	}
	p.partial = slices.Clone(p.partial[i+1:])
	if err := p.draw(logs, false); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Stop draws the final state of every line, leaves it on the screen and
// ends the redraws; later writes go straight to the output.
func (p *liveProgress) Stop() {
	p.stopOnce.Do(func() { close(p.quit) })
	<-p.exited
	p.mu.Lock()
	defer p.mu.Unlock()
	var logs []string
	if len(p.partial) > 0 {
		logs = []string{string(p.partial)}
		p.partial = nil
	}
	if len(logs) > 0 || len(p.lines) > 0 {
		_ = p.draw(logs, true)
	}
	p.stopped = true
}

// redraw refreshes the running lines' elapsed times.
func (p *liveProgress) redraw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped && len(p.lines) > 0 {
		_ = p.draw(nil, false)
	}
}

// transfer shows a download's event on its line; a retry's first event
// makes an ended line running again.
func (p *liveProgress) transfer(ev dbfetch.Event) {
	ev.Label = p.opts.mask(ev.Label)
	l := p.add(ev.Label, true)
	l.ev = ev
	if ev.End {
		l.end = p.opts.now()
	}
}

// add returns the scanner's or download's line, made running if it had
// none. Downloads come first (they run before the scanners), then the
// scanners, each by name.
func (p *liveProgress) add(name string, download bool) *progressLine {
	for _, l := range p.lines {
		if l.name == name && l.download == download {
			return l
		}
	}
	bar := pb.New(0).SetTemplateString(p.tmpl).SetWriter(io.Discard).Set(pb.Static, true).Set(pb.Bytes, true)
	l := &progressLine{name: name, start: p.opts.now(), bar: bar.Start(), download: download}
	p.lines = append(p.lines, l)
	slices.SortFunc(p.lines, func(a, b *progressLine) int {
		if a.download != b.download {
			if a.download {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return l
}

// Statuses of a download's line.
const (
	statusDownloading = "downloading"
	statusDownloaded  = "downloaded"
	statusIncomplete  = "incomplete"
)

// downloadStatus is the status a download's line shows.
func (l *progressLine) downloadStatus() string {
	switch {
	case !l.ev.End:
		return statusDownloading
	case l.ev.Total >= 0 && l.ev.Done < l.ev.Total:
		return statusIncomplete
	}
	return statusDownloaded
}

// draw writes one frame in one Write: back to the top of the display,
// the log lines over it, then every display line, each from the first
// column (a terminal in raw mode does not return the carriage on a line
// feed) and erased before it is
// written and cut to the width so none wraps (a wrapped line would throw
// the next frame's count off). While running, a display taller than the
// terminal shows its last lines: the cursor cannot climb into the
// scrollback. The final frame shows them all.
func (p *liveProgress) draw(logs []string, final bool) error {
	if p.stopped {
		return nil
	}
	cols, rows := p.opts.size()
	if cols <= 0 {
		cols = 80
	}
	if rows <= 0 {
		rows = 24
	}
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, l := range logs {
		b.WriteString("\r\x1b[2K")
		b.WriteString(p.opts.mask(plainText(l)))
		b.WriteByte('\n')
	}
	shown := p.lines
	if !final && len(shown) > rows-1 {
		shown = shown[len(shown)-max(rows-1, 1):]
	}
	nameW, statusW := 0, len("running")
	for _, l := range p.lines {
		nameW = max(nameW, pb.CellCount(l.name))
		switch {
		case l.download:
			statusW = max(statusW, len(l.downloadStatus()))
		case l.run != nil:
			statusW = max(statusW, len(l.run.Status))
		}
	}
	for _, l := range shown {
		b.WriteString("\r\x1b[2K")
		b.WriteString(p.render(l, nameW, statusW, cols))
		b.WriteByte('\n')
	}
	b.WriteString("\r\x1b[J") // a resize may have left lines below
	p.drawn = len(shown)
	if final {
		p.drawn = 0
	}
	_, err := io.WriteString(p.out, b.String())
	return err
}

// render lays one line out with its pb bar, at most cols-1 cells wide.
func (p *liveProgress) render(l *progressLine, nameW, statusW, cols int) string {
	b := l.bar
	b.Set("name", padCells(plainText(l.name), nameW))
	b.Set("bar", false)
	if l.download {
		return p.renderDownload(l, statusW, cols)
	}
	if l.run == nil {
		b.Set("done", false)
		b.Set("status", padCells("running", statusW))
		b.Set("time", elapsedText(p.opts.now().Sub(l.start)))
		b.Set("detail", "")
	} else {
		mark, attr := "✓", color.FgGreen
		switch l.run.Status {
		case engine.StatusError:
			mark, attr = "✗", color.FgRed
		case engine.StatusSkipped:
			mark, attr = "-", color.FgYellow
		}
		b.Set("done", true)
		b.Set("mark", paint(p.opts.color, attr, mark))
		b.Set("status", paint(p.opts.color, attr, padCells(plainText(l.run.Status), statusW)))
		b.Set("time", (time.Duration(l.run.DurationMS) * time.Millisecond).String())
		detail := l.run.Error
		if detail == "" && l.run.Status == engine.StatusSkipped {
			detail = l.run.Reason
		}
		if detail = plainText(detail); detail != "" {
			detail = "  " + detail
		}
		b.Set("detail", detail)
	}
	b.SetWidth(cols)
	return pb.StripString(b.String(), cols-1)
}

// renderDownload lays a download's line out: while it runs, pb's bar,
// percentage and byte counters after the elapsed time; once it ended, its
// size, or how much of it came, and how long it took.
func (p *liveProgress) renderDownload(l *progressLine, statusW, cols int) string {
	b := l.bar
	status := l.downloadStatus()
	b.Set("status", padCells(status, statusW))
	b.SetTotal(max(l.ev.Total, 0)).SetCurrent(l.ev.Done)
	if status == statusDownloading {
		b.Set("done", false)
		b.Set("time", elapsedText(p.opts.now().Sub(l.start)))
		b.Set("detail", "")
		b.Set("bar", true)
		// The bar fills what the line leaves: not a whole wide terminal.
		b.SetWidth(min(cols-1, 100))
		return pb.StripString(b.String(), cols-1)
	}
	mark, attr, detail := "✓", color.FgGreen, bytesText(l.ev.Done)
	if status == statusIncomplete {
		mark, attr, detail = "✗", color.FgRed, bytesText(l.ev.Done)+" of "+bytesText(l.ev.Total)
	}
	b.Set("done", true)
	b.Set("mark", paint(p.opts.color, attr, mark))
	b.Set("status", paint(p.opts.color, attr, padCells(status, statusW)))
	b.Set("time", elapsedText(l.end.Sub(l.start)))
	b.Set("detail", "  "+detail)
	b.SetWidth(cols)
	return pb.StripString(b.String(), cols-1)
}

// bytesText is a size as pb's counters show it.
func bytesText(n int64) string {
	return pb.New64(0).Set(pb.Bytes, true).Format(n)
}

// elapsedText rounds as a human reads a running clock: tenths of a second
// under ten seconds, whole seconds after.
func elapsedText(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func padCells(s string, w int) string {
	return s + strings.Repeat(" ", max(w-pb.CellCount(s), 0))
}

// paint colours s when on is set, whatever fatih/color guessed from stdout
// at start-up: the display is on stderr, and the caller decided.
func paint(on bool, attr color.Attribute, s string) string {
	c := color.New(attr)
	if on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c.Sprint(s)
}

// plainText is s on one line with no control characters: text from a
// scanner's error or a log line must not move the cursor.
func plainText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// startProgress starts the live display when stderr is a terminal and
// --quiet is off; otherwise it returns a nil Progress and a no-op stop.
// While the display runs, the log and logw (the scanners' own log lines)
// print above it; stop draws the final lines and puts the log back.
func (a *app) startProgress() (progress scanners.Progress, logw io.Writer, stop func()) {
	logw = a.redactor.Writer(a.stderr)
	f, ok := a.stderr.(*os.File)
	if a.quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, logw, func() {}
	}
	live := newLiveProgress(logw, progressOptions{
		size: func() (int, int) {
			cols, rows, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0, 0
			}
			return cols, rows
		},
		color:    os.Getenv("NO_COLOR") == "",
		interval: progressInterval,
		mask:     a.redactor.String,
	})
	var level slog.Level
	_ = level.UnmarshalText([]byte(a.logLevel)) // checked when logging was set up
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(live, &slog.HandlerOptions{Level: level})))
	return live, live, func() {
		live.Stop()
		slog.SetDefault(prev)
	}
}
