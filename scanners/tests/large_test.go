package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relgate/relgate/internal/testtools"
)

// writeLargeReport writes a JUnit report of at least size bytes: suites of
// test cases with captured output, every 100th failing. It returns the
// number of test cases and of failures.
func writeLargeReport(tb testing.TB, path string, size int64) (cases, failures int) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	out := strings.Repeat("log line with some &amp; escaped &lt;text&gt; and padding\n", 16)
	var written int64
	write := func(format string, args ...any) {
		n, _ := fmt.Fprintf(w, format, args...)
		written += int64(n)
	}
	write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n")
	for suite := 0; written < size; suite++ {
		write("<testsuite name=\"pkg%d\">\n", suite)
		for i := 0; i < 1000; i++ {
			write("<testcase classname=\"pkg%d\" name=\"Test%d\" time=\"0.001\">", suite, i)
			if cases%100 == 0 {
				write("<failure message=\"boom\">want 1, got 2</failure>")
				failures++
			}
			write("<system-out><![CDATA[%s]]></system-out></testcase>\n", out)
			cases++
		}
		write("</testsuite>\n")
	}
	write("</testsuites>\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return cases, failures
}

// TestLargeReportBoundedMemory reads a 100 MB report and checks the heap
// never holds more than a small fraction of it: the parser streams.
func TestLargeReportBoundedMemory(t *testing.T) {
	testtools.Short(t, "writing and reading a 100 MB report")
	dir := t.TempDir()
	cases, failures := writeLargeReport(t, filepath.Join(dir, "big.xml"), 100<<20)

	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	in, _, err := scan(t, Options{Dir: dir, JUnit: []string{"big.xml"}})
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Tests.Passed + in.Tests.Failed; got != cases || in.Tests.Failed != failures {
		t.Fatalf("counted %d cases, %d failed; wrote %d, %d failed", got, in.Tests.Failed, cases, failures)
	}
	// The failures listed are bounded too (MaxTestFailures), so the live
	// heap stays far below the file's size.
	if p := peak.Load(); p > 64<<20 {
		t.Fatalf("heap peaked at %d MB reading a 100 MB report", p>>20)
	}
	t.Logf("%d test cases, heap peak %d MB", cases, peak.Load()>>20)
}

func BenchmarkParseJUnit(b *testing.B) {
	path := filepath.Join(b.TempDir(), "r.xml")
	cases, failures := writeLargeReport(b, path, 4<<20)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var sum junitSummary
	for b.Loop() {
		sum = junitSummary{}
		if err := parseJUnit(bytes.NewReader(data), "r.xml", &sum); err != nil {
			b.Fatal(err)
		}
	}
	if got := sum.passed + sum.failed + sum.errors + sum.skipped; got != cases || sum.failed != failures {
		b.Fatalf("parsed %d cases (%d failed), the report has %d (%d failed)", got, sum.failed, cases, failures)
	}
}

func BenchmarkParseGoProfile(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("mode: atomic\n")
	for i := range 50000 {
		fmt.Fprintf(&buf, "example.com/m/p%d/f.go:%d.2,%d.3 %d %d\n", i%300, i, i+2, i%7+1, i%3)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var cov *coverage
	for b.Loop() {
		c, err := parseCoverage(bytes.NewReader(data), "")
		if err != nil {
			b.Fatal(err)
		}
		cov = c
	}
	if cov.percent == nil || *cov.percent <= 0 || *cov.percent >= 100 {
		b.Fatalf("coverage %v of a profile with covered and uncovered blocks", cov.percent)
	}
}
