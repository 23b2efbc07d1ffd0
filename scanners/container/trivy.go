package container

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"

	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	dbtypes "github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy/pkg/cache"
	"github.com/aquasecurity/trivy/pkg/fanal/analyzer"
	"github.com/aquasecurity/trivy/pkg/fanal/applier"
	"github.com/aquasecurity/trivy/pkg/fanal/artifact"
	ftypes "github.com/aquasecurity/trivy/pkg/fanal/types"
	"github.com/aquasecurity/trivy/pkg/iac/rego"
	tlog "github.com/aquasecurity/trivy/pkg/log"
	"github.com/aquasecurity/trivy/pkg/misconf"
	"github.com/aquasecurity/trivy/pkg/scan/langpkg"
	"github.com/aquasecurity/trivy/pkg/scan/local"
	"github.com/aquasecurity/trivy/pkg/scan/ospkg"
	"github.com/aquasecurity/trivy/pkg/types"
	"github.com/aquasecurity/trivy/pkg/vulnerability"
	xos "github.com/aquasecurity/trivy/pkg/x/os"

	// Analyzers and handlers register themselves in init, as in trivy's CLI
	// (trivy's local scan service imports the same set).
	_ "github.com/aquasecurity/trivy/pkg/fanal/analyzer/all"
	_ "github.com/aquasecurity/trivy/pkg/fanal/handler/all"
)

// parallel is how many files trivy analyses at once: its CLI default.
const parallel = 5

// trivyMu serialises every use of trivy in the process: its vulnerability
// database handle and its temporary directory are process-wide.
var trivyMu sync.Mutex

func init() {
	// trivy's log package makes a buffering handler the process's default
	// slog logger in its init, to replay the records once trivy's CLI has
	// set up logging. Outside that CLI nothing replays them: the buffer
	// grows with every record and is not safe for concurrent use. Put a
	// plain stderr handler back; relgate's CLI installs its own over it.
	if _, ok := slog.Default().Handler().(*tlog.DeferredHandler); ok {
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	}
}

// withTrivy runs f holding the trivy lock, with trivy's per-process
// temporary directory present while f runs and removed afterwards, so that
// nothing trivy unpacks outlives the scan.
func withTrivy(f func() error) error {
	trivyMu.Lock()
	defer trivyMu.Unlock()
	// trivy remembers its directory's path after Cleanup removed it, so a
	// second scan in the same process recreates it.
	if err := os.MkdirAll(xos.TempDir(), 0o700); err != nil {
		return fmt.Errorf("create temporary directory: %w", err)
	}
	defer func() {
		if err := xos.Cleanup(); err != nil {
			slog.Warn("remove trivy's temporary directory", "error", err)
		}
	}()
	prev := slog.Default()
	if fmt.Sprintf("%T", prev.Handler()) != "*slog.defaultHandler" { // wrapping that one loops through package log
		slog.SetDefault(slog.New(trivyLogs{prev.Handler()}))
		defer slog.SetDefault(prev)
	}
	return f()
}

// trivyLogs demotes trivy's own log records to debug. trivy logs what its
// CLI's user wants to see (files detected, files skipped as unparsable);
// relgate reports those as facts and run records, so on relgate's stderr
// they are noise unless asked for. Other records pass unchanged.
type trivyLogs struct{ slog.Handler }

func (h trivyLogs) Handle(ctx context.Context, r slog.Record) error {
	if r.PC != 0 && r.Level > slog.LevelDebug {
		if fn := runtime.FuncForPC(r.PC); fn != nil && strings.HasPrefix(fn.Name(), "github.com/aquasecurity/") {
			r.Level = slog.LevelDebug
			if !h.Enabled(ctx, r.Level) {
				return nil
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h trivyLogs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return trivyLogs{h.Handler.WithAttrs(attrs)}
}

func (h trivyLogs) WithGroup(name string) slog.Handler {
	return trivyLogs{h.Handler.WithGroup(name)}
}

// regoScanner compiles trivy's embedded checks once per process: it is the
// costly part of starting a misconfiguration scan.
var regoScanner = newRegoScanner()

func newRegoScanner() func() (*rego.Scanner, error) {
	return sync.OnceValues(func() (*rego.Scanner, error) {
		s, err := misconf.InitRegoScanner(misconfOptions())
		if err != nil {
			return nil, fmt.Errorf("load trivy's embedded checks: %w", err)
		}
		return s, nil
	})
}

// misconfOptions are trivy's CLI defaults for misconfiguration scanning with
// the embedded checks (no checks bundle is downloaded).
func misconfOptions() misconf.ScannerOption {
	return misconf.ScannerOption{
		Namespaces:       rego.BuiltinNamespaces(),
		RegoErrorLimit:   rego.DefaultAllowedRegoErrors,
		AnsibleExtraVars: map[string]any{},
	}
}

// iacDisabledAnalyzers mirrors `trivy config`: no OS or language packages,
// no secrets or licenses, and the misconfiguration scanners trivy enables
// by default (all but the generic YAML and JSON ones).
func iacDisabledAnalyzers() []analyzer.Type {
	d := append([]analyzer.Type{}, analyzer.TypeOSes...)
	d = append(d, analyzer.TypeLanguages...)
	return append(d,
		analyzer.TypeSecret, analyzer.TypeLicenseFile, analyzer.TypeExecutable,
		analyzer.TypeRpmArchive, analyzer.TypeHistoryDockerfile,
		analyzer.TypeYAML, analyzer.TypeJSON,
	)
}

// imageDisabledAnalyzers mirrors `trivy image --scanners vuln`. As there,
// lockfiles inside an image are not read: the packages installed in the
// image (node_modules/*/package.json, site-packages, Go and Rust binaries,
// gemspecs …) are what it ships, and reading both would count each package
// twice. JAR files are not analysed either: identifying them needs trivy's
// separate Java database, which relgate does not download.
func imageDisabledAnalyzers() []analyzer.Type {
	d := append([]analyzer.Type{}, analyzer.TypeLockfiles...)
	d = append(d, analyzer.TypeConfigFiles...)
	return append(d,
		analyzer.TypeApkCommand, analyzer.TypeSecret, analyzer.TypeLicenseFile,
		analyzer.TypeHistoryDockerfile, analyzer.TypeExecutable, analyzer.TypeRpmArchive,
		analyzer.TypeJar,
	)
}

func artifactOption(disabled []analyzer.Type, offline bool) artifact.Option {
	return artifact.Option{
		DisabledAnalyzers: disabled,
		Parallel:          parallel,
		NoProgress:        true,
		Offline:           offline,
		DetectionPriority: ftypes.PriorityPrecise,
	}
}

// scan inspects an artifact into a fresh in-memory cache and runs trivy's
// local scan service over it, as trivy's standalone mode does.
func scan(ctx context.Context, newArtifact func(cache.ArtifactCache) (artifact.Artifact, error), opts types.ScanOptions) (artifact.Reference, types.ScanResponse, error) {
	c := cache.NewMemoryCache()
	defer func() { _ = c.Close() }()
	art, err := newArtifact(c)
	if err != nil {
		return artifact.Reference{}, types.ScanResponse{}, err
	}
	ref, err := art.Inspect(ctx)
	if err != nil {
		return artifact.Reference{}, types.ScanResponse{}, fmt.Errorf("analyse: %w", err)
	}
	defer func() { _ = art.Clean(ref) }()
	svc := local.NewService(applier.NewApplier(c), ospkg.NewScanner(), langpkg.NewScanner(),
		vulnerability.NewClient(trivydb.Config{}))
	resp, err := svc.Scan(ctx, ref.Name, ref.ID, ref.BlobIDs, opts)
	if err != nil {
		return artifact.Reference{}, types.ScanResponse{}, fmt.Errorf("scan: %w", err)
	}
	return ref, resp, nil
}

// vulnScanOptions are trivy's CLI defaults for `trivy image --scanners vuln`.
func vulnScanOptions() types.ScanOptions {
	return types.ScanOptions{
		PkgTypes:            []string{types.PkgTypeOS, types.PkgTypeLibrary},
		PkgRelationships:    ftypes.Relationships,
		Scanners:            types.Scanners{types.VulnerabilityScanner},
		VulnSeveritySources: []dbtypes.SourceID{"auto"},
	}
}
