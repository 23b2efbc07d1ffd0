package dbfetch

import (
	"io"

	"github.com/cheggaaa/pb/v3"
)

// Progress is where a download draws its progress bar. The zero value
// draws nothing: a bar is for a person at a terminal, never for a log.
//
// Whoever knows the user's terminal decides; the drawing may happen in
// another process (relgate-scanners) whose stderr is a pipe to it, so the
// bar is drawn as on a terminal without asking W.
type Progress struct {
	// W receives the bar (the user's stderr); nil: no bar.
	W io.Writer
	// Width is the terminal's width in columns (80 when 0).
	Width int
}

// Bar is one download's bar; a nil Bar draws nothing.
type Bar struct{ pb *pb.ProgressBar }

// Start draws a bar named label for total bytes (unknown when < 0), of
// which done are already there (a resumed download).
func (p Progress) Start(label string, total, done int64) *Bar {
	if p.W == nil {
		return nil
	}
	width := p.Width
	if width <= 0 {
		width = 80
	}
	if total < 0 {
		total = 0 // pb shows a counter without a bar
	}
	b := pb.New64(total).
		SetTemplate(pb.Full).
		SetWriter(p.W).
		SetWidth(width).
		Set(pb.Bytes, true).
		Set(pb.Terminal, true).
		Set(pb.ReturnSymbol, "\r").
		Set(pb.Color, false).
		Set("prefix", label).
		SetCurrent(done)
	return &Bar{pb: b.Start()}
}

// Reader counts what is read through r on the bar.
func (b *Bar) Reader(r io.Reader) io.Reader {
	if b == nil {
		return r
	}
	return b.pb.NewProxyReader(r)
}

// Add counts n bytes read elsewhere.
func (b *Bar) Add(n int) {
	if b != nil {
		b.pb.Add(n)
	}
}

// Finish draws the bar a last time and ends its line.
func (b *Bar) Finish() {
	if b != nil {
		b.pb.Finish()
	}
}
