package scanners

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
)

// HelperName is the program that runs the scanners relgate does not link
// (package scanners/heavy): it is installed beside relgate.
const HelperName = "relgate-scanners"

// HelperEnv names an explicit path to the helper, which wins over the one
// beside relgate and the one on PATH.
const HelperEnv = "RELGATE_SCANNERS"

// installHint says how to get the helper of this build.
func installHint() string {
	v := ReleaseVersion
	if v == "dev" {
		v = "<relgate's version>"
	}
	return "install it beside relgate: go install github.com/relgate/relgate/cmd/relgate-scanners@" + v + " (a release archive has both)"
}

// protocol is the version of the request and response documents.
const protocol = 1

// Factory makes a scanner for a target.
type Factory func(Target, *config.Config) (Scanner, error)

// DBUpdater runs `relgate db update`, writing what it did to w and its
// progress bars (when req.Progress) to stderr.
type DBUpdater func(ctx context.Context, req DBUpdate, w, stderr io.Writer) error

var (
	registryMu sync.RWMutex
	linked     = map[string]Factory{}
	dbUpdater  DBUpdater
)

// Register links a scanner into this program: New runs it in process.
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	linked[name] = f
}

// RegisterDBUpdate links the database update into this program.
func RegisterDBUpdate(f DBUpdater) {
	registryMu.Lock()
	defer registryMu.Unlock()
	dbUpdater = f
}

func linkedFactory(name string) Factory {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return linked[name]
}

// heavy returns the named scanner in process when it is linked and no
// helper is forced, else one that asks the helper. The scanners of one
// target share one helper process.
func heavy(name string, t Target, cfg *config.Config) (Scanner, error) {
	if f := linkedFactory(name); f != nil && t.Helper == "" {
		return f(t, cfg)
	}
	if t.batch == nil {
		return nil, fmt.Errorf("scanner %s: relgate runs it in %s; create it with NewJobs", name, HelperName)
	}
	if t.batch.started {
		return nil, fmt.Errorf("scanner %s runs in %s but is not one of helperScanners, which start it", name, HelperName)
	}
	t.batch.names = append(t.batch.names, name)
	t.batch.waiting++ // counted here, so that one giving up early cannot stop it for another not yet started
	return &remote{name: name, batch: t.batch}, nil
}

// NewJobs returns the jobs of the named scanners for the target, each under
// timeout. The scanners relgate does not link run in one helper process,
// which NewJobs starts before it makes the other scanners: the helper's
// start-up (~0.2 s of package initialisation) then overlaps theirs (the
// secrets scanner compiles gitleaks' patterns and asks git about the
// repository). The caller must Run the jobs; on an error nothing runs.
func NewJobs(names []string, t Target, cfg *config.Config, timeout time.Duration) ([]Job, error) {
	jobs, _, err := newJobs(names, t, cfg, timeout)
	return jobs, err
}

func newJobs(names []string, t Target, cfg *config.Config, timeout time.Duration) ([]Job, *batch, error) {
	b := &batch{target: t, timeout: timeout}
	t.batch = b
	jobs := make([]Job, len(names))
	for _, inHelper := range []bool{true, false} {
		for i, n := range names {
			if slices.Contains(helperScanners, n) != inHelper {
				continue
			}
			s, err := New(n, t, cfg)
			if err != nil {
				b.abort()
				return nil, b, err
			}
			jobs[i] = Job{Name: n, Scanner: s, Timeout: timeout}
		}
		if inHelper && b.waiting > 0 {
			b.started = true
			b.once.Do(b.start)
		}
	}
	return jobs, b, nil
}

// helperScanners are the scanners that run in the helper where they are
// not linked (see heavy).
var helperScanners = []string{"deps", "containers", "iac"}

// abort stops a helper started for jobs that will not run.
func (b *batch) abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cancel != nil {
		b.cancel()
	}
}

// ScanRequest is what relgate sends the helper on its standard input.
type ScanRequest struct {
	Protocol int    `json:"protocol"`
	Version  string `json:"version"`
	// Names are the scanners to run, in parallel, each under Timeout.
	Names   []string      `json:"names"`
	Timeout time.Duration `json:"timeout"`
	Target  Target        `json:"target"`
}

// ScanResponse is what the helper answers on its standard output.
type ScanResponse struct {
	Results []ScanResult `json:"results"`
	// Error is set when the helper could not run at all.
	Error string `json:"error,omitempty"`
}

// ScanResult is one scanner's section and run record.
type ScanResult struct {
	Part *engine.Input     `json:"part,omitempty"`
	Run  engine.ScannerRun `json:"run"`
}

// batch is one helper process shared by the remote scanners of a target:
// the first to scan starts it, all wait for its answer.
type batch struct {
	target  Target
	timeout time.Duration
	names   []string

	once    sync.Once
	started bool // by NewJobs: no scanner joins any more
	done    chan struct{}
	results map[string]ScanResult
	err     error

	mu      sync.Mutex
	waiting int
	cancel  context.CancelFunc
}

// remote is a scanner the helper runs.
type remote struct {
	name  string
	batch *batch
}

func (r *remote) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	b := r.batch
	b.once.Do(b.start)
	defer b.leave()
	select {
	case <-b.done:
	case <-ctx.Done():
		return engine.ScannerRun{}, ctx.Err()
	}
	if b.err != nil {
		return engine.ScannerRun{}, b.err
	}
	res, ok := b.results[r.name]
	if !ok {
		return engine.ScannerRun{}, fmt.Errorf("%s did not answer for the %s scanner", HelperName, r.name)
	}
	if res.Part != nil {
		out.Merge(res.Part)
	}
	if res.Run.Status == engine.StatusError {
		return res.Run, errors.New(res.Run.Error)
	}
	return res.Run, nil
}

// leave stops the helper once no scanner waits for it any more (each gave
// up: a timeout, an interrupted run).
func (b *batch) leave() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waiting--
	if b.waiting == 0 && b.cancel != nil {
		b.cancel()
	}
}

func (b *batch) start() {
	b.done = make(chan struct{})
	// The helper lives as long as some scanner waits for it, and never
	// longer than the scanners' time limit and a margin to start.
	var ctx context.Context
	var cancel context.CancelFunc
	if b.timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), b.timeout+time.Minute)
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	b.mu.Lock()
	b.cancel = cancel
	b.mu.Unlock()
	go func() {
		defer close(b.done)
		defer cancel()
		b.results, b.err = runHelper(ctx, b.target, b.names, b.timeout)
	}()
}

// runHelper runs the helper for the named scanners.
func runHelper(ctx context.Context, t Target, names []string, timeout time.Duration) (map[string]ScanResult, error) {
	path, err := findHelper(t.Helper)
	if err != nil {
		return nil, err
	}
	req, err := json.Marshal(ScanRequest{Protocol: protocol, Version: Version(), Names: names, Timeout: timeout, Target: t})
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", HelperName, err)
	}
	var stdout bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "scan")
	cmd.Stdin, cmd.Stdout = bytes.NewReader(req), &stdout
	cmd.Stderr = t.stderr()
	runErr := cmd.Run()
	var resp ScanResponse
	if err := json.Unmarshal(stdout.Bytes(), &resp); err != nil {
		if runErr != nil {
			return nil, fmt.Errorf("run %s: %w", path, runErr)
		}
		return nil, fmt.Errorf("read %s's answer: %w", path, err)
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("%s: %s", path, resp.Error)
	}
	if runErr != nil {
		return nil, fmt.Errorf("run %s: %w", path, runErr)
	}
	out := make(map[string]ScanResult, len(resp.Results))
	for _, r := range resp.Results {
		out[r.Run.Name] = r
	}
	return out, nil
}

// FindHelper returns the helper relgate would run.
func FindHelper() (string, error) { return findHelper("") }

// findHelper finds the helper: the explicit path (Target.Helper, else
// $RELGATE_SCANNERS), else beside this program, else on PATH.
func findHelper(explicit string) (string, error) {
	if explicit == "" {
		explicit = os.Getenv(HelperEnv)
	}
	if explicit != "" {
		// The path is the user's own choice (an environment variable or a
		// test's), run as the user; nothing else reaches it.
		if _, err := os.Stat(explicit); err != nil { //nolint:gosec // G703: see above
			return "", fmt.Errorf("%s %s: %w; %s", HelperName, explicit, err, installHint())
		}
		return explicit, nil
	}
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), HelperName)
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(HelperName); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s is not beside relgate or on PATH: %s", HelperName, installHint())
}

// Version identifies this build for the helper handshake: relgate and the
// helper must come from the same source, or the facts could differ from
// what this relgate's policies expect.
func Version() string {
	v := ReleaseVersion
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				v += " " + s.Key + "=" + s.Value
			}
		}
	}
	return v
}

// ReleaseVersion is the release this program was built as; the release
// build stamps it in both programs (-ldflags -X).
var ReleaseVersion = "dev"

// ServeScan is the helper's side: it reads a ScanRequest from r, runs the
// scanners (which must be linked into the helper) and writes the
// ScanResponse to w.
func ServeScan(ctx context.Context, r io.Reader, w io.Writer) error {
	var req ScanRequest
	resp := ScanResponse{}
	answer := func() error { return json.NewEncoder(w).Encode(resp) }
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&req); err != nil {
		resp.Error = fmt.Sprintf("read request: %v", err)
		return answer()
	}
	if req.Protocol != protocol || req.Version != Version() {
		resp.Error = fmt.Sprintf("%s %q (protocol %d) cannot serve relgate %q (protocol %d): %s",
			HelperName, Version(), protocol, req.Version, req.Protocol, installHint())
		return answer()
	}
	cfg, err := loadTargetConfig(req.Target)
	if err != nil {
		resp.Error = err.Error()
		return answer()
	}
	t := req.Target
	t.Helper = ""
	jobs := make([]Job, 0, len(req.Names))
	for _, n := range req.Names {
		f := linkedFactory(n)
		if f == nil {
			resp.Error = fmt.Sprintf("scanner %s is not linked into %s", n, HelperName)
			return answer()
		}
		s, err := f(t, cfg)
		if err != nil {
			resp.Error = err.Error()
			return answer()
		}
		jobs = append(jobs, Job{Name: n, Scanner: s, Timeout: req.Timeout})
	}
	for _, o := range RunEach(ctx, jobs, nil) {
		resp.Results = append(resp.Results, ScanResult(o))
	}
	return answer()
}

// loadTargetConfig reads the config the way relgate did: the named file,
// else the optional one at the root.
func loadTargetConfig(t Target) (*config.Config, error) {
	if t.ConfigPath != "" {
		return config.Load(t.ConfigPath, false)
	}
	if t.Dir == "" {
		return &config.Config{}, nil
	}
	return config.Load(filepath.Join(t.Dir, config.FileName), true)
}

// DefaultOSVDBURL is where `relgate db update` downloads the osv databases
// from by default (the deps adapter's default; a test keeps them equal).
const DefaultOSVDBURL = "https://osv-vulnerabilities.storage.googleapis.com"

// DBUpdate is the work of `relgate db update`.
type DBUpdate struct {
	Protocol   int      `json:"protocol"`
	Version    string   `json:"version"`
	Dir        string   `json:"dir"`
	ConfigPath string   `json:"config_path,omitempty"`
	DBDir      string   `json:"db_dir,omitempty"`
	URL        string   `json:"url,omitempty"`
	Ecosystems []string `json:"ecosystems,omitempty"`
	Sources    []string `json:"sources,omitempty"`
	TrivyRepos []string `json:"trivy_repos,omitempty"`
	Insecure   bool     `json:"insecure,omitempty"`
	// MaxAge is the age after which trivy's database is stale (0: the
	// config's containers.db_max_age, else 24h).
	MaxAge time.Duration `json:"max_age,omitempty"`
	// Auto is the update a scan makes before it starts: it reports on
	// stderr, in one line, only what it downloaded or could not.
	Auto bool `json:"auto,omitempty"`
	// Progress draws progress bars of Width columns on stderr: relgate
	// decides, as only it knows whether the user's stderr is a terminal.
	Progress bool `json:"progress,omitempty"`
	Width    int  `json:"width,omitempty"`
	// Helper forces the helper at this path (tests).
	Helper string `json:"-"`
}

// UpdateDB runs the database update in process when it is linked, else in
// the helper, whose report goes to w and whose failure is the error.
func UpdateDB(ctx context.Context, req DBUpdate, w, stderr io.Writer) error {
	registryMu.RLock()
	f := dbUpdater
	registryMu.RUnlock()
	if f != nil && req.Helper == "" {
		return f(ctx, req, w, stderr)
	}
	path, err := findHelper(req.Helper)
	if err != nil {
		return err
	}
	req.Protocol, req.Version = protocol, Version()
	data, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode %s request: %w", HelperName, err)
	}
	errOut := &errorLine{w: stderr}
	cmd := exec.CommandContext(ctx, path, "db-update")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(data), w, errOut
	if err := cmd.Run(); err != nil {
		if msg := lastLine(errOut.msg.String()); msg != "" {
			return errors.New(msg)
		}
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}

// ErrorMark starts the helper's final error line on its stderr, which
// relgate reports as its own error rather than passing it through: the
// user reads it once.
const ErrorMark = "\x1e"

// errorLine passes the helper's stderr through (log lines, progress bars)
// up to ErrorMark, and keeps what follows as the error.
type errorLine struct {
	w    io.Writer
	mark bool
	msg  bytes.Buffer
}

func (e *errorLine) Write(p []byte) (int, error) {
	if !e.mark {
		i := bytes.Index(p, []byte(ErrorMark))
		if i < 0 {
			return e.w.Write(p)
		}
		if _, err := e.w.Write(p[:i]); err != nil {
			return 0, err
		}
		e.mark, p = true, p[i+len(ErrorMark):]
		e.msg.Write(p)
		return i + len(ErrorMark) + len(p), nil
	}
	return e.msg.Write(p)
}

// ServeDBUpdate is the helper's side of UpdateDB. The helper writes an
// error it returns to stderr after ErrorMark.
func ServeDBUpdate(ctx context.Context, r io.Reader, w, stderr io.Writer) error {
	var req DBUpdate
	if err := json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&req); err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if req.Protocol != protocol || req.Version != Version() {
		return fmt.Errorf("%s %q (protocol %d) cannot serve relgate %q (protocol %d): %s",
			HelperName, Version(), protocol, req.Version, req.Protocol, installHint())
	}
	registryMu.RLock()
	f := dbUpdater
	registryMu.RUnlock()
	if f == nil {
		return fmt.Errorf("the database update is not linked into %s", HelperName)
	}
	return f(ctx, req, w, stderr)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// stderr is where the helper's log lines go: the target's, else nowhere a
// secret could reach unmasked.
func (t Target) stderr() io.Writer {
	if t.Stderr != nil {
		return t.Stderr
	}
	return io.Discard
}
