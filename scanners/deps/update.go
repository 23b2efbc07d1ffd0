package deps

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/relgate/relgate/internal/dbfetch"
)

// DefaultDBURL is where osv.dev publishes its per-ecosystem exports.
const DefaultDBURL = "https://osv-vulnerabilities.storage.googleapis.com"

// UpdateOptions says which ecosystem databases to download and where.
type UpdateOptions struct {
	// Dir is the database directory (default DefaultDBDir()).
	Dir string
	// BaseURL serves <BaseURL>/<Ecosystem>/all.zip (default DefaultDBURL).
	BaseURL string
	// Ecosystems to download, e.g. npm, Go, PyPI, crates.io. When empty,
	// the ecosystems used by the project in Project are downloaded.
	Ecosystems []string
	// Project is the directory whose lockfiles pick the ecosystems when
	// Ecosystems is empty; Exclude are directories to skip there.
	Project string
	Exclude []string
	// HTTPClient makes the downloads (default: a client with a timeout).
	HTTPClient *http.Client
	// Now stamps downloads whose server sends no Last-Modified (tests).
	Now func() time.Time
	// Retry bounds the tries of each download (three, one and two
	// seconds apart, by default). A server that cannot be reached at all
	// is never retried, and stops the update of every ecosystem.
	Retry dbfetch.Retry
	// Progress draws each download's progress bar (none by default).
	Progress dbfetch.Progress
}

// EcosystemUpdate is one ecosystem database that was downloaded.
type EcosystemUpdate struct {
	Ecosystem string
	Path      string
	Records   int
	// Invalid are records osv-scanner will drop: reported, never silent.
	Invalid   []RecordError
	UpdatedAt time.Time
}

// ErrNoLockfiles is a project without a lockfile: there is no database of
// it to update, which is not a failure of the update.
var ErrNoLockfiles = errors.New("no lockfiles")

// UpdateDB downloads each ecosystem's database, validates every record and
// installs it atomically. A failed download (an HTTP error, a truncated
// body, a checksum mismatch, an archive that does not open) leaves the
// previous database in place. Every ecosystem is attempted; the error joins
// those that failed.
func UpdateDB(ctx context.Context, opts UpdateOptions) ([]EcosystemUpdate, error) {
	if opts.Dir == "" {
		opts.Dir = DefaultDBDir()
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultDBURL
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 15 * time.Minute}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ecosystems := opts.Ecosystems
	if len(ecosystems) == 0 {
		if opts.Project == "" {
			return nil, errors.New("update database: name the ecosystems or a project to take them from")
		}
		var err error
		if ecosystems, err = ProjectEcosystems(ctx, opts.Project, opts.Exclude); err != nil {
			return nil, fmt.Errorf("update database: %w", err)
		}
		if len(ecosystems) == 0 {
			return nil, fmt.Errorf("update database: %w in %s to take ecosystems from; name them with --ecosystems", ErrNoLockfiles, opts.Project)
		}
	}
	var out []EcosystemUpdate
	var errs []error
	for _, eco := range dedupe(ecosystems) {
		if err := checkEcosystemName(eco); err != nil {
			errs = append(errs, err)
			continue
		}
		u, err := updateEcosystem(ctx, opts, eco)
		if dbfetch.IsNoNetwork(err) {
			// Every other ecosystem would fail the same way, one
			// timeout each: say it once.
			return out, &dbfetch.NoNetworkError{Err: fmt.Errorf("update %s database: %w", eco, err)}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("update %s database: %w", eco, err))
			continue
		}
		out = append(out, u)
	}
	return out, errors.Join(errs...)
}

func dedupe(names []string) []string {
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// checkEcosystemName refuses names that would escape the database
// directory or the download URL's path.
func checkEcosystemName(eco string) error {
	if eco == "." || eco == ".." || strings.ContainsAny(eco, `/\?#%`) || strings.ContainsFunc(eco, func(r rune) bool { return r < 0x20 }) {
		return fmt.Errorf("invalid ecosystem name %q", eco)
	}
	return nil
}

func updateEcosystem(ctx context.Context, opts UpdateOptions, eco string) (EcosystemUpdate, error) {
	url := strings.TrimRight(opts.BaseURL, "/") + "/" + eco + "/" + archiveName
	ecoDir := filepath.Join(opts.Dir, layoutDir, eco)
	if err := os.MkdirAll(ecoDir, 0o750); err != nil {
		return EcosystemUpdate{}, fmt.Errorf("create database directory: %w", err)
	}
	tmp, lastModified, err := download(ctx, opts, url, ecoDir, eco)
	if err != nil {
		return EcosystemUpdate{}, err
	}
	defer func() { _ = os.Remove(tmp) }() // a no-op once installed
	now := opts.Now().UTC()
	updated := now
	if !lastModified.IsZero() && lastModified.Before(now) {
		updated = lastModified.UTC()
	}
	m, err := install(opts.Dir, eco, tmp, Manifest{Ecosystem: eco, Source: url, UpdatedAt: updated, DownloadedAt: now})
	if err != nil {
		return EcosystemUpdate{}, fmt.Errorf("validate %s: %w", url, err)
	}
	return EcosystemUpdate{Ecosystem: eco, Path: ArchivePath(opts.Dir, eco), Records: m.Records, Invalid: m.Invalid, UpdatedAt: m.UpdatedAt}, nil
}

// googCRC32C reads the crc32c value of an X-Goog-Hash header.
func googCRC32C(h http.Header) (uint32, bool) {
	for _, v := range h.Values("X-Goog-Hash") {
		for _, part := range strings.Split(v, ",") {
			b64, ok := strings.CutPrefix(strings.TrimSpace(part), "crc32c=")
			if !ok {
				continue
			}
			raw, err := base64.StdEncoding.DecodeString(b64)
			if err != nil || len(raw) != 4 {
				return 0, false
			}
			return binary.BigEndian.Uint32(raw), true
		}
	}
	return 0, false
}
