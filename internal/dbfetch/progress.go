package dbfetch

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Progress is where a download reports its progress. The zero value
// reports nothing: progress is for a person at a terminal, never for a log.
//
// A download does not draw on the terminal itself: the terminal has one
// owner, relgate's live display, which shows each download as one of its
// lines. The download may run in another process (relgate-scanners) whose
// stderr is a pipe to relgate, so it reports in-band, as event lines on W
// (see Event) that the display takes out of the stream; whoever sets W
// has a display reading it.
type Progress struct {
	// W receives the event lines (the display's writer); nil: none.
	W io.Writer
	// Interval is the least time between two events of a running
	// download (DefaultInterval when 0); the first and the last are
	// always sent.
	Interval time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// DefaultInterval matches the display's redraw period: more events would
// not be seen.
const DefaultInterval = 100 * time.Millisecond

// EventMark starts an event line. It is a control character no log line
// carries (the display strips control characters from log lines) and not
// the helper's error mark.
const EventMark = "\x1d"

// Event is the state of one download, sent as a line: EventMark, the JSON
// object, a line feed.
type Event struct {
	// Label names the download ("trivy db", "osv npm"); a retry of the
	// same download reuses it.
	Label string `json:"label"`
	// Total is the size in bytes, -1 when unknown.
	Total int64 `json:"total"`
	// Done is the bytes there so far, a resumed download's included.
	Done int64 `json:"done"`
	// End is set on the last event of a try: Done < Total then means the
	// try was cut.
	End bool `json:"end,omitempty"`
}

// ParseEvent reads an event line (without its line feed); ok is false for
// any other line.
func ParseEvent(line string) (Event, bool) {
	rest, found := strings.CutPrefix(line, EventMark)
	if !found {
		return Event{}, false
	}
	var ev Event
	if err := json.Unmarshal([]byte(rest), &ev); err != nil || ev.Label == "" {
		return Event{}, false
	}
	return ev, true
}

// Bar is one try of one download; a nil Bar reports nothing.
type Bar struct {
	p    Progress
	mu   sync.Mutex
	ev   Event
	last time.Time
}

// Start reports a download named label of total bytes (unknown when < 0),
// of which done are already there (a resumed download).
func (p Progress) Start(label string, total, done int64) *Bar {
	if p.W == nil {
		return nil
	}
	if p.Interval <= 0 {
		p.Interval = DefaultInterval
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if total < 0 {
		total = -1
	}
	b := &Bar{p: p, ev: Event{Label: label, Total: total, Done: done}}
	b.mu.Lock()
	b.send()
	b.mu.Unlock()
	return b
}

// send writes the event line; b.mu is held. A failed write only loses
// progress, never the download.
func (b *Bar) send() {
	data, err := json.Marshal(b.ev)
	if err != nil {
		return
	}
	b.last = b.p.Now()
	_, _ = fmt.Fprintf(b.p.W, "%s%s\n", EventMark, data)
}

// Reader counts what is read through r.
func (b *Bar) Reader(r io.Reader) io.Reader {
	if b == nil {
		return r
	}
	return &countingReader{r: r, b: b}
}

type countingReader struct {
	r io.Reader
	b *Bar
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.b.Add(n)
	return n, err
}

// Add counts n bytes read elsewhere.
func (b *Bar) Add(n int) {
	if b == nil || n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ev.Done += int64(n)
	if b.ev.End || b.p.Now().Sub(b.last) < b.p.Interval {
		return
	}
	b.send()
}

// Finish reports the try's last state; later calls do nothing.
func (b *Bar) Finish() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ev.End {
		return
	}
	b.ev.End = true
	b.send()
}
