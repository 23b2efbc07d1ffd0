package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	bolt "go.etcd.io/bbolt"

	"github.com/relgate/relgate/internal/dbfetch"

	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	tdb "github.com/aquasecurity/trivy/pkg/db"
	ftypes "github.com/aquasecurity/trivy/pkg/fanal/types"
	xhttp "github.com/aquasecurity/trivy/pkg/x/http"
)

// DefaultDBRepositories are where trivy itself fetches its database from,
// tried in order.
var DefaultDBRepositories = []string{tdb.DefaultGCRRepository, tdb.DefaultGHCRRepository}

// DefaultDBDir is where the databases live when no directory is
// configured: the same root under the user's cache directory as the
// dependency scanner's, so one --db-dir holds both.
func DefaultDBDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "relgate", "vulndb")
}

// UpdateCommand is the command that downloads trivy's database into root.
func UpdateCommand(root string) string {
	cmd := "relgate db update --sources trivy"
	if root != DefaultDBDir() {
		cmd += " --db-dir " + shellQuote(root)
	}
	return cmd
}

// shellQuote quotes a path for a command the user copies.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// database is trivy's vulnerability database in trivy's cache layout:
// <root>/db/trivy.db and <root>/db/metadata.json.
type database struct {
	dir  string
	meta metadata.Metadata
}

// openDB checks that the database under root is present, of the schema this
// trivy reads, and a bbolt file, before trivy opens it: trivy deletes a
// database file it finds corrupt, and relgate never deletes a user's files.
func openDB(root string) (*database, error) {
	if root == "" {
		return nil, errors.New("open trivy database: no database directory (set --db-dir or containers.db_dir, then run `relgate db update --sources trivy`)")
	}
	dir := tdb.Dir(root)
	file := trivydb.Path(dir)
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("open trivy database: %w (run `%s`)", err, UpdateCommand(root))
	}
	meta, err := metadata.NewClient(dir).Get()
	if err != nil {
		return nil, fmt.Errorf("open trivy database: read %s: %w", metadata.Path(dir), errors.Unwrap(err))
	}
	if meta.Version != trivydb.SchemaVersion {
		return nil, fmt.Errorf("open trivy database: %s has schema version %d, this trivy reads %d (run `%s`)",
			file, meta.Version, trivydb.SchemaVersion, UpdateCommand(root))
	}
	if err := checkBolt(file); err != nil {
		return nil, fmt.Errorf("open trivy database: %s: %w", file, err)
	}
	return &database{dir: dir, meta: meta}, nil
}

// checkBolt opens the file read-only the way trivy will, turning a memory
// fault on a damaged file into an error.
func checkBolt(file string) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt database: %v", r)
		}
	}()
	db, err := bolt.Open(file, 0o444, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("corrupt database: %w", err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Size() > mustSize(file) {
			return fmt.Errorf("corrupt database: truncated to %d of %d bytes", mustSize(file), tx.Size())
		}
		return nil
	})
	return errors.Join(err, db.Close())
}

func mustSize(file string) int64 {
	fi, err := os.Stat(file)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// init opens the database as trivy's process-wide handle. Call it holding
// the trivy lock and close it before releasing the lock.
func (d *database) init() error {
	if err := tdb.Init(d.dir); err != nil {
		return fmt.Errorf("open trivy database: %w", err)
	}
	return nil
}

func (d *database) close() {
	_ = tdb.Close()
}

// DBInfo describes trivy's database after an update.
type DBInfo struct {
	// Path is the database file.
	Path string
	// Updated is true when a new database was downloaded.
	Updated       bool
	SchemaVersion int
	UpdatedAt     time.Time
	NextUpdate    time.Time
	DownloadedAt  time.Time
}

// DefaultDBMaxAge is how old trivy's data may grow before a scan that may
// use the network downloads a new database: trivy's own rule, as its
// database is rebuilt every few hours and says it is due after a day.
const DefaultDBMaxAge = 24 * time.Hour

// recentDownload is trivy's guard against a database that the publisher
// has not rebuilt: one downloaded within the hour is not fetched again,
// whatever its data's age.
const recentDownload = time.Hour

// UpdateOptions say where to fetch trivy's database from.
type UpdateOptions struct {
	// Repositories are OCI references of the database artifact, tried in
	// order; DefaultDBRepositories when empty.
	Repositories []string
	// Force downloads even when the local database is still current.
	Force bool
	// Insecure allows plain HTTP and unverified TLS to the registry.
	Insecure bool
	// MaxAge is the age of the data after which the local database is
	// stale (DefaultDBMaxAge when 0).
	MaxAge time.Duration
	// Now is the clock staleness is judged by (tests); time.Now when nil.
	Now func() time.Time
	// Progress draws the download's progress bar (none by default).
	Progress dbfetch.Progress
}

// Staleness says why the database under root must be downloaded ("" when
// it is current): missing, of another schema, or its data older than
// maxAge (and not downloaded within the hour).
func Staleness(root string, maxAge time.Duration, now time.Time) string {
	if maxAge <= 0 {
		maxAge = DefaultDBMaxAge
	}
	dir := tdb.Dir(root)
	if _, err := os.Stat(trivydb.Path(dir)); err != nil {
		return "missing"
	}
	meta, err := metadata.NewClient(dir).Get()
	switch {
	case err != nil:
		return "no readable metadata.json"
	case meta.Version != trivydb.SchemaVersion:
		return fmt.Sprintf("schema %d, this trivy reads %d", meta.Version, trivydb.SchemaVersion)
	case meta.DownloadedAt.IsZero():
		return "never downloaded by trivy's downloader" // trivy re-downloads these too
	case now.Sub(meta.UpdatedAt) > maxAge && now.Sub(meta.DownloadedAt) > recentDownload:
		return fmt.Sprintf("data of %s is older than %s", meta.UpdatedAt.UTC().Format(time.RFC3339), maxAge)
	}
	return ""
}

// UpdateDB fetches trivy's vulnerability database with trivy's downloader
// into root/db (the layout the scanner reads), unless the local copy is
// still current (see Staleness). The downloader checks the artifact
// against its OCI digest; the database is then checked to open before it
// replaces the old one. Registry credentials are the standard Docker ones.
// A registry that cannot be reached at all is a *dbfetch.NoNetworkError,
// found at the first request and not retried.
func UpdateDB(ctx context.Context, root string, o UpdateOptions) (DBInfo, error) {
	if root == "" {
		root = DefaultDBDir()
	}
	repos := o.Repositories
	if len(repos) == 0 {
		repos = DefaultDBRepositories
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	var refs []name.Reference
	for _, r := range repos {
		var opts []name.Option
		if o.Insecure {
			opts = append(opts, name.Insecure)
		}
		ref, err := name.ParseReference(r, opts...)
		if err != nil {
			return DBInfo{}, fmt.Errorf("update trivy database: repository %q: %w", r, err)
		}
		refs = append(refs, ref)
	}
	dir := tdb.Dir(root)
	info := DBInfo{Path: trivydb.Path(dir)}
	if o.Force || Staleness(root, o.MaxAge, now()) != "" {
		tr := &dbTransport{progress: o.Progress}
		err := withTrivy(func() error { return download(xhttp.WithTransport(ctx, tr), root, refs, o.Insecure) })
		if err != nil {
			if nn := tr.noNetwork(); nn != nil {
				return DBInfo{}, &dbfetch.NoNetworkError{Err: fmt.Errorf("update trivy database from %v: %w", repos, nn.Cause())}
			}
			return DBInfo{}, fmt.Errorf("update trivy database from %v: %w", repos, err)
		}
		info.Updated = true
	}
	db, err := openDB(root)
	if err != nil {
		return DBInfo{}, fmt.Errorf("update trivy database: %w", err)
	}
	info.SchemaVersion = db.meta.Version
	info.UpdatedAt = db.meta.UpdatedAt
	info.NextUpdate = db.meta.NextUpdate
	info.DownloadedAt = db.meta.DownloadedAt
	return info, nil
}

// download fetches the database into a directory beside the current one,
// checks that it opens, and only then moves it into place (database file
// first, metadata last), so a failed or partial download never replaces a
// working database and a reader never sees a half-written file.
func download(ctx context.Context, root string, refs []name.Reference, insecure bool) error {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, ".trivy-db-update-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	staged := tdb.Dir(tmp)
	client := tdb.NewClient(staged, true, tdb.WithDBRepository(refs))
	if err := client.Download(ctx, staged, ftypes.RegistryOptions{Insecure: insecure}); err != nil {
		return err
	}
	if _, err := openDB(tmp); err != nil {
		return fmt.Errorf("downloaded database does not open: %w", err)
	}
	dir := tdb.Dir(root)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	for _, f := range []string{trivydb.Path(staged), metadata.Path(staged)} {
		if err := os.Rename(f, filepath.Join(dir, filepath.Base(f))); err != nil {
			return fmt.Errorf("install %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

// dbTransport is trivy's HTTP transport (trivy takes it from the context)
// with two additions for the database download: the first request that
// cannot reach the network at all fails every later one at once, rather
// than each registry and each retry of the registry client waiting for its
// own dial; and the database layer's bytes are counted on the progress bar.
type dbTransport struct {
	progress dbfetch.Progress
	mu       sync.Mutex
	down     *dbfetch.NoNetworkError
}

func (t *dbTransport) Build(opts ...xhttp.TransportOption) http.RoundTripper {
	return &dbRoundTripper{t: t, next: xhttp.RoundTripper(context.Background(), opts...)}
}

func (t *dbTransport) noNetwork() *dbfetch.NoNetworkError {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.down
}

type dbRoundTripper struct {
	t    *dbTransport
	next http.RoundTripper
}

// progressMin is the smallest blob drawn on the bar: the database layer,
// not the artifact's config.
const progressMin = 64 << 10

func (r *dbRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if down := r.t.noNetwork(); down != nil {
		return nil, down
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		if dbfetch.IsNoNetwork(err) {
			// Not unwrappable on purpose: the registry client retries
			// errors whose chain says temporary, as DNS failures do.
			down := &dbfetch.NoNetworkError{Err: err}
			r.t.mu.Lock()
			r.t.down = down
			r.t.mu.Unlock()
			return nil, down
		}
		return nil, err
	}
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/") &&
		resp.StatusCode == http.StatusOK && resp.ContentLength >= progressMin {
		bar := r.t.progress.Start("trivy db", resp.ContentLength, 0)
		resp.Body = &barBody{ReadCloser: resp.Body, r: bar.Reader(resp.Body), bar: bar}
	}
	return resp, nil
}

// barBody is a response body counted on a progress bar.
type barBody struct {
	io.ReadCloser
	r    io.Reader
	bar  *dbfetch.Bar
	once sync.Once
}

func (b *barBody) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b *barBody) Close() error {
	b.once.Do(b.bar.Finish)
	return b.ReadCloser.Close()
}
