package tests

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// coverage is what a coverage file says: covered of coverable statements
// (Go) or lines (Cobertura, LCOV), and the percentage. percent is nil when
// nothing was coverable.
type coverage struct {
	format             string
	covered, coverable int64
	percent            *float64
}

func (c *coverage) finish() {
	if c.coverable > 0 {
		p := float64(c.covered) * 100 / float64(c.coverable)
		p = float64(int64(p*100+0.5)) / 100 // two decimals: stable across platforms
		c.percent = &p
	}
}

// parseCoverage reads a coverage file in the given format, or the one its
// first bytes announce.
func parseCoverage(r io.Reader, format string) (*coverage, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if format == "" {
		head, err := br.Peek(512)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		format = detectFormat(head)
		if format == "" {
			return nil, errors.New("unknown coverage format: want a Go cover profile, Cobertura XML or LCOV (or set tests.coverage_format)")
		}
	}
	switch format {
	case FormatGo:
		return parseGoProfile(br)
	case FormatCobertura:
		return parseCobertura(br)
	case FormatLCOV:
		return parseLCOV(br)
	}
	return nil, fmt.Errorf("unknown coverage format %q (want go, cobertura or lcov)", format)
}

func detectFormat(head []byte) string {
	head = bytes.TrimLeft(head, "\ufeff \t\r\n")
	switch {
	case bytes.HasPrefix(head, []byte("mode:")):
		return FormatGo
	case bytes.HasPrefix(head, []byte("<")):
		return FormatCobertura
	case bytes.HasPrefix(head, []byte("TN:")), bytes.HasPrefix(head, []byte("SF:")):
		return FormatLCOV
	}
	return ""
}

// parseGoProfile reads `go test -coverprofile` output. A block can appear
// several times (one package's tests covering another with -coverpkg, or
// merged profiles); it is counted once, covered if any occurrence ran,
// as `go tool cover` does.
func parseGoProfile(r *bufio.Reader) (*coverage, error) {
	c := &coverage{format: FormatGo}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	type block struct {
		stmts   int64
		covered bool
	}
	blocks := map[string]block{}
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			if !strings.HasPrefix(line, "mode: ") {
				return nil, errors.New("line 1: not a Go cover profile: want \"mode: set|count|atomic\"")
			}
			continue
		}
		if line == "" {
			continue
		}
		// file.go:10.2,12.3 2 1 — the file name may hold spaces and colons.
		i := strings.LastIndexByte(line, ' ')
		j := strings.LastIndexByte(line[:max(i, 0)], ' ')
		if i < 0 || j < 0 || !strings.Contains(line[:j], ":") {
			return nil, fmt.Errorf("line %d: want \"file:start,end statements count\"", n)
		}
		stmts, err1 := strconv.ParseInt(line[j+1:i], 10, 64)
		count, err2 := strconv.ParseInt(line[i+1:], 10, 64)
		if err1 != nil || err2 != nil || stmts < 0 || count < 0 {
			return nil, fmt.Errorf("line %d: bad statement or hit count", n)
		}
		b := blocks[line[:j]]
		b.stmts = stmts
		b.covered = b.covered || count > 0
		blocks[line[:j]] = b
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errors.New("empty Go cover profile")
	}
	for _, b := range blocks {
		c.coverable += b.stmts
		if b.covered {
			c.covered += b.stmts
		}
	}
	c.finish()
	return c, nil
}

// parseCobertura reads the totals on the root <coverage> element:
// lines-covered of lines-valid where the generator wrote them, else
// line-rate. Only the root is read; the per-class detail is not needed.
func parseCobertura(r io.Reader) (*coverage, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("not a Cobertura report: no root element")
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(t, []byte("ENTITY")) {
				return nil, ErrEntities
			}
		case xml.StartElement:
			if t.Name.Local != "coverage" {
				return nil, fmt.Errorf("not a Cobertura report: the root element is <%s>, not <coverage>", t.Name.Local)
			}
			return coberturaTotals(t)
		}
	}
}

func coberturaTotals(t xml.StartElement) (*coverage, error) {
	c := &coverage{format: FormatCobertura}
	covered, valid := attr(t, "lines-covered"), attr(t, "lines-valid")
	if covered != "" && valid != "" {
		var err1, err2 error
		c.covered, err1 = strconv.ParseInt(covered, 10, 64)
		c.coverable, err2 = strconv.ParseInt(valid, 10, 64)
		if err1 != nil || err2 != nil || c.covered < 0 || c.coverable < 0 || c.covered > c.coverable {
			return nil, fmt.Errorf("bad lines-covered %q or lines-valid %q", covered, valid)
		}
		c.finish()
		return c, nil
	}
	rate := attr(t, "line-rate")
	if rate == "" {
		return nil, errors.New("the <coverage> element has neither lines-covered/lines-valid nor line-rate")
	}
	v, err := strconv.ParseFloat(rate, 64)
	if err != nil || v < 0 || v > 1 {
		return nil, fmt.Errorf("bad line-rate %q (want 0-1)", rate)
	}
	p := float64(int64(v*10000+0.5)) / 100
	c.percent = &p
	return c, nil
}

// parseLCOV sums the line totals of every record (LF/LH), counting the DA
// lines of a record that has none.
func parseLCOV(r io.Reader) (*coverage, error) {
	c := &coverage{format: FormatLCOV}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var lf, lh, da, daHit int64
	haveTotals, records, n := false, 0, 0
	endRecord := func() {
		if haveTotals {
			c.coverable += lf
			c.covered += lh
		} else {
			c.coverable += da
			c.covered += daHit
		}
		lf, lh, da, daHit, haveTotals = 0, 0, 0, 0, false
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		key, val, _ := strings.Cut(line, ":")
		var err error
		switch key {
		case "SF":
			records++
		case "DA":
			parts := strings.Split(val, ",")
			var hits int64
			if len(parts) >= 2 {
				hits, err = strconv.ParseInt(parts[1], 10, 64)
			} else {
				err = errors.New("short DA")
			}
			da++
			if hits > 0 {
				daHit++
			}
		case "LF":
			lf, err = strconv.ParseInt(val, 10, 64)
			haveTotals = true
		case "LH":
			lh, err = strconv.ParseInt(val, 10, 64)
			haveTotals = true
		case "end_of_record":
			endRecord()
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: bad %s record", n, key)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	endRecord()
	if records == 0 {
		return nil, errors.New("not an LCOV file: no SF: record")
	}
	if c.covered > c.coverable || c.covered < 0 {
		return nil, fmt.Errorf("LCOV totals do not add up: %d of %d lines hit", c.covered, c.coverable)
	}
	c.finish()
	return c, nil
}
