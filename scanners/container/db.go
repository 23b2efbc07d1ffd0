package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	bolt "go.etcd.io/bbolt"

	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	tdb "github.com/aquasecurity/trivy/pkg/db"
	ftypes "github.com/aquasecurity/trivy/pkg/fanal/types"
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
		return nil, errors.New("open trivy database: no database directory (set --db-dir or containers.db_dir, then run `relgate db update`)")
	}
	dir := tdb.Dir(root)
	file := trivydb.Path(dir)
	if _, err := os.Stat(file); err != nil {
		return nil, fmt.Errorf("open trivy database: %w (run `relgate db update`)", err)
	}
	meta, err := metadata.NewClient(dir).Get()
	if err != nil {
		return nil, fmt.Errorf("open trivy database: read %s: %w", metadata.Path(dir), errors.Unwrap(err))
	}
	if meta.Version != trivydb.SchemaVersion {
		return nil, fmt.Errorf("open trivy database: %s has schema version %d, this trivy reads %d (run `relgate db update`)",
			file, meta.Version, trivydb.SchemaVersion)
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

// UpdateOptions say where to fetch trivy's database from.
type UpdateOptions struct {
	// Repositories are OCI references of the database artifact, tried in
	// order; DefaultDBRepositories when empty.
	Repositories []string
	// Force downloads even when the local database is still current.
	Force bool
	// Insecure allows plain HTTP and unverified TLS to the registry.
	Insecure bool
}

// UpdateDB fetches trivy's vulnerability database with trivy's downloader
// into root/db (the layout the scanner reads), unless the local copy is
// still current. Registry credentials are the standard Docker ones.
func UpdateDB(ctx context.Context, root string, o UpdateOptions) (DBInfo, error) {
	if root == "" {
		root = DefaultDBDir()
	}
	repos := o.Repositories
	if len(repos) == 0 {
		repos = DefaultDBRepositories
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
	err := withTrivy(func() error {
		client := tdb.NewClient(dir, true, tdb.WithDBRepository(refs))
		need, err := client.NeedsUpdate(ctx, Version(), false)
		if err != nil {
			return err
		}
		if !need && !o.Force {
			return nil
		}
		if err := download(ctx, root, refs, o.Insecure); err != nil {
			return err
		}
		info.Updated = true
		return nil
	})
	if err != nil {
		return DBInfo{}, fmt.Errorf("update trivy database from %v: %w", repos, err)
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
