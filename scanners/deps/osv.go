package deps

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/osv-scanner/v2/pkg/models"
	"github.com/google/osv-scanner/v2/pkg/osvscanner"
)

// osv-scanner reports much of what goes wrong only through its global
// logger: a lockfile that does not parse, an ecosystem database that does
// not load. relgate installs one handler for the process and routes each
// scan's records to that scan's collector; scans run one at a time because
// the logger is global.
var (
	scanMu      sync.Mutex
	installOnce sync.Once
	current     atomic.Pointer[collector]
)

// collector gathers, in the order they were logged, the error records of
// one scan and the records that say where its file walk is.
type collector struct {
	mu      sync.Mutex
	records []logRecord
}

// logRecord is one record osv-scanner (or osv-scalibr through it) logged.
type logRecord struct {
	err bool // an error; otherwise a walk marker
	msg string
}

func (c *collector) add(r logRecord) {
	c.mu.Lock()
	c.records = append(c.records, r)
	c.mu.Unlock()
}

// routeHandler hands osv-scanner's error records, and the records that
// mark its walk, to the current scan, and passes everything else on at
// debug level: its progress chatter is not relgate's output.
type routeHandler struct{}

func (routeHandler) Enabled(context.Context, slog.Level) bool { return true }

func (routeHandler) Handle(ctx context.Context, r slog.Record) error {
	if c := current.Load(); c != nil {
		switch {
		case r.Level >= slog.LevelError:
			c.add(logRecord{err: true, msg: r.Message})
			return nil
		case isWalkMarker(r.Message):
			c.add(logRecord{msg: r.Message})
		}
	}
	slog.Default().Log(ctx, slog.LevelDebug, r.Message, "from", "osv-scanner")
	return nil
}

func (h routeHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h routeHandler) WithGroup(string) slog.Handler      { return h }

// runOSV runs osv-scanner over dir with the given settings and returns its
// results and every error record (and walk marker) it logged along the way.
func runOSV(actions osvscanner.ScannerActions) (models.VulnerabilityResults, []logRecord, error) {
	installOnce.Do(func() { osvscanner.SetLogger(routeHandler{}) })
	scanMu.Lock()
	defer scanMu.Unlock()
	c := &collector{}
	current.Store(c)
	defer current.Store(nil)
	res, err := osvscanner.DoScan(actions)
	c.mu.Lock()
	defer c.mu.Unlock()
	return res, c.records, err
}

// actions are the osv-scanner settings of a relgate scan: the directory,
// recursively, as `osv-scanner scan source -r DIR` would, honouring
// .gitignore and osv-scanner.toml. Transitive resolution of manifests is
// off: it asks deps.dev, a second network service, and would make a
// gate's facts depend on when it ran.
func actions(dir string, offline bool, dbDir string, exclude []string, client *http.Client) osvscanner.ScannerActions {
	return osvscanner.ScannerActions{
		DirectoryPaths:        []string{dir},
		Recursive:             true,
		ShowAllPackages:       true,
		CompareOffline:        offline,
		LocalDBPath:           dbDir,
		PluginNetworkDisabled: offline,
		ExperimentalScannerActions: osvscanner.ExperimentalScannerActions{
			ExcludePatterns:    excludePatterns(dir, exclude),
			TransitiveScanning: osvscanner.TransitiveScanningActions{Disabled: true},
			HTTPClient:         client,
			RequestUserAgent:   "relgate",
		},
	}
}

// DefaultExclude are the directories never scanned: installed packages
// and vendored copies are not what the project declares.
var DefaultExclude = []string{"node_modules", "vendor", ".git"}

// excludePatterns turns directory names ("testdata": anywhere) and
// slash-separated globs relative to dir ("services/*/fixtures") into the
// single regular expression osv-scanner matches directory paths against.
// Its paths are relative to the filesystem root, without a leading slash.
func excludePatterns(dir string, exclude []string) []string {
	root := strings.TrimPrefix(filepath.ToSlash(dir), "/")
	var alts []string
	for _, e := range append(append([]string{}, DefaultExclude...), exclude...) {
		e = strings.Trim(filepath.ToSlash(strings.TrimSpace(e)), "/")
		if e == "" {
			continue
		}
		if strings.Contains(e, "/") {
			alts = append(alts, "^"+regexp.QuoteMeta(root)+"/"+globRegexp(e)+"$")
		} else {
			alts = append(alts, "(^|/)"+globRegexp(e)+"$")
		}
	}
	return []string{"r:(" + strings.Join(alts, "|") + ")"}
}

// globRegexp translates a path glob: "**" crosses directories, "*" and
// "?" do not.
func globRegexp(g string) string {
	var b strings.Builder
	for i := 0; i < len(g); i++ {
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case g[i] == '*':
			b.WriteString("[^/]*")
		case g[i] == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(g[i : i+1]))
		}
	}
	return b.String()
}

// logFacts sorts osv-scanner's records into files that could not be read
// (facts: the rest of the scan stands), the files its extractors read
// (claimed), and failures that make the whole result untrustworthy (the
// scan is an error).
//
// Some extractors log a problem with the file they are reading without
// naming it (the Gemfile.lock extractor's "Invalid spec line: …") and go
// on. osv-scalibr walks the tree one file at a time and osv-scanner logs
// "Scanned PATH file and found N packages" as each file's extraction ends,
// so an error logged during the walk belongs to the next file logged as
// scanned. One left over when the walk ends is not a file's, and is fatal.
func logFacts(records []logRecord) (files []fileError, claimed []claimedFile, fatal []string) {
	inWalk := false
	var pending []string
	for _, r := range records {
		if !r.err {
			switch {
			case strings.HasPrefix(r.msg, walkStart):
				inWalk = true
			case strings.HasPrefix(r.msg, walkEnd):
				inWalk = false
				fatal = append(fatal, pending...)
				pending = nil
			default:
				if m := scannedRE.FindStringSubmatch(r.msg); m != nil {
					n, _ := strconv.Atoi(m[2])
					claimed = append(claimed, claimedFile{path: m[1], packages: n})
					for _, msg := range pending {
						files = append(files, fileError{path: m[1], msg: msg})
					}
					pending = nil
				}
			}
			continue
		}
		msg := r.msg
		if fe, ok := parseExtractionError(msg); ok {
			files = append(files, fe...)
			continue
		}
		if m := extractorLogRE.FindStringSubmatch(msg); m != nil {
			// An extractor that logs the file it failed on before
			// returning the error (pom.xml does): the same file's
			// extraction error follows, and Scan keeps one per file.
			files = append(files, fileError{path: "/" + strings.TrimPrefix(m[1], "/"), msg: m[2]})
			continue
		}
		if rest, ok := strings.CutPrefix(msg, "Ignored invalid config file at "); ok {
			path, why, _ := strings.Cut(rest, " because: ")
			files = append(files, fileError{path: path, msg: "invalid osv-scanner config, its ignores were not applied: " + why})
			continue
		}
		if inWalk && !strings.HasPrefix(msg, "fserr ") {
			pending = append(pending, msg)
			continue
		}
		fatal = append(fatal, msg)
	}
	return files, claimed, append(fatal, pending...)
}

// The records that mark osv-scalibr's walk and each file it extracted.
const (
	walkStart = "Starting filesystem walk for root: "
	walkEnd   = "End status: "
)

// scannedRE is osv-scanner's record of a file extracted without an error;
// PATH is absolute.
var scannedRE = regexp.MustCompile(`(?s)^Scanned (/.*) file and found (\d+) packages?$`)

func isWalkMarker(msg string) bool {
	return strings.HasPrefix(msg, "Scanned /") || strings.HasPrefix(msg, walkStart) || strings.HasPrefix(msg, walkEnd)
}

// claimedFile is a file an extractor read, and the packages it found.
type claimedFile struct {
	path     string // absolute
	packages int
}

type fileError struct {
	path string // absolute
	msg  string
}

// extractorLogRE is an extractor's own log line about a file it could not
// read, e.g. "could not extract pom from PATH: ERROR"; PATH is relative to
// the filesystem root.
var extractorLogRE = regexp.MustCompile(`(?s)^could not extract [A-Za-z0-9 ]+ from (\S.*?): (.*)$`)

var extractionRE = regexp.MustCompile(`(?s)^Error during extraction: \(extracting as ([^)]+)\) (.*)$`)

// parseExtractionError reads osv-scanner's report of an extractor that
// failed on some files: "…(extracting as NAME) PATH: ERROR", one file per
// "\n\t"-separated line when there are several. Paths are relative to the
// filesystem root. Failures of the vulnerability matchers, or without
// files, are not per-file and are left to the caller as fatal.
func parseExtractionError(msg string) ([]fileError, bool) {
	m := extractionRE.FindStringSubmatch(msg)
	if m == nil || strings.HasPrefix(m[1], "vulnmatch/") {
		return nil, false
	}
	var out []fileError
	for _, line := range strings.Split(m[2], "\n\t") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		path, why, ok := strings.Cut(line, ": ")
		if !ok || path == "" {
			return nil, false
		}
		out = append(out, fileError{path: "/" + strings.TrimPrefix(path, "/"), msg: why})
	}
	return out, len(out) > 0
}

// osvScannerModule is the osv-scanner version go.mod requires. Binaries
// report the version linked in from their build information; test
// binaries carry none, so this is the fallback (a test keeps it in step
// with go.mod).
const osvScannerModule = "v2.5.0"

// osvScannerVersion is the version of the osv-scanner module linked in.
func osvScannerVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/google/osv-scanner/v2" {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return osvScannerModule
}

// scanError says why osv-scanner's own result cannot be used.
func scanError(err error) error {
	if err == nil || errors.Is(err, osvscanner.ErrVulnerabilitiesFound) || errors.Is(err, osvscanner.ErrNoPackagesFound) {
		return nil
	}
	return fmt.Errorf("run osv-scanner: %w", err)
}
