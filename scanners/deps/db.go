package deps

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The offline database layout is osv-scanner's own, so a directory filled
// by `osv-scanner --download-offline-databases` works and vice versa:
// <dir>/osv-scalibr/<Ecosystem>/all.zip. relgate adds a small manifest
// beside each archive recording where and when it came from.
const (
	layoutDir    = "osv-scalibr"
	archiveName  = "all.zip"
	manifestName = "relgate-manifest.json"
)

// DefaultDBDir is where offline databases live when no directory is
// configured: under the user's cache directory, like osv-scanner's.
func DefaultDBDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "relgate", "vulndb")
}

// ArchivePath is where the ecosystem's database lives under dir.
func ArchivePath(dir, ecosystem string) string {
	return filepath.Join(dir, layoutDir, ecosystem, archiveName)
}

// Manifest records one ecosystem database: where it came from, how old its
// data is, and the records osv-scanner cannot read.
type Manifest struct {
	Ecosystem string `json:"ecosystem"`
	Source    string `json:"source"`
	// UpdatedAt is the age of the data: the server's Last-Modified time
	// when it sent one, otherwise when it was downloaded.
	UpdatedAt    time.Time     `json:"updated_at"`
	DownloadedAt time.Time     `json:"downloaded_at"`
	Size         int64         `json:"size"`
	SHA256       string        `json:"sha256"`
	Records      int           `json:"records"`
	Invalid      []RecordError `json:"invalid,omitempty"`
}

// DBState is what the scanner knows about the offline database it matched
// against, for the run record.
type DBState struct {
	// UpdatedAt is the age of the oldest ecosystem database used: the
	// whole result is only as fresh as its stalest part.
	UpdatedAt *time.Time
	// Invalid counts records that osv-scanner will silently drop.
	Invalid int
}

// ErrNoDatabase is returned for an offline scan with no database at all.
var ErrNoDatabase = errors.New("no offline vulnerability database")

// Ecosystems lists the ecosystem databases present under dir.
func Ecosystems(dir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, layoutDir))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("read database directory: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(ArchivePath(dir, e.Name())); err == nil {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// checkDatabases verifies, before osv-scanner's results are trusted, that
// every ecosystem the scan needs has a complete archive. osv-scanner drops
// every result without an error when one is missing or unreadable, so this
// is the only thing between a broken database and a silent pass.
func checkDatabases(dir string, ecosystems []string) (DBState, error) {
	var st DBState
	var missing, broken []string
	for _, eco := range ecosystems {
		m, err := checkArchive(dir, eco)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, eco)
			continue
		case err != nil:
			broken = append(broken, fmt.Sprintf("%s (%v)", eco, err))
			continue
		}
		st.Invalid += len(m.Invalid)
		if st.UpdatedAt == nil || m.UpdatedAt.Before(*st.UpdatedAt) {
			t := m.UpdatedAt.UTC()
			st.UpdatedAt = &t
		}
	}
	var errs []error
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("no offline database for %s in %s: run `relgate db update --ecosystems %s`",
			strings.Join(missing, ", "), dir, strings.Join(missing, ",")))
	}
	if len(broken) > 0 {
		errs = append(errs, fmt.Errorf("unusable offline database for %s: run `relgate db update`", strings.Join(broken, "; ")))
	}
	return st, errors.Join(errs...)
}

// checkArchive opens one ecosystem's archive and returns its manifest. An
// archive relgate downloaded must match the size and hash it had when it
// was validated; one from elsewhere must at least open as a zip.
func checkArchive(dir, eco string) (Manifest, error) {
	path := ArchivePath(dir, eco)
	info, err := os.Stat(path)
	if err != nil {
		return Manifest{}, err
	}
	m, err := readManifest(dir, eco)
	if err != nil {
		// Not written by relgate: the archive's age is its file time.
		zr, zerr := zip.OpenReader(path)
		if zerr != nil {
			return Manifest{}, fmt.Errorf("corrupt archive %s: %w", path, zerr)
		}
		_ = zr.Close() // read-only
		return Manifest{Ecosystem: eco, UpdatedAt: info.ModTime(), Size: info.Size()}, nil
	}
	if info.Size() != m.Size {
		return Manifest{}, fmt.Errorf("archive %s is %d bytes, but %d were validated", path, info.Size(), m.Size)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return Manifest{}, err
	}
	if sum != m.SHA256 {
		return Manifest{}, fmt.Errorf("archive %s changed since it was validated (sha256 %s, want %s)", path, sum, m.SHA256)
	}
	return m, nil
}

func readManifest(dir, eco string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(filepath.Join(dir, layoutDir, eco, manifestName))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("decode manifest: %w", err)
	}
	return m, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// install validates a downloaded archive and moves it into place with its
// manifest. The archive is renamed over the old one only once it has
// passed, so a scan never sees a half-written or unvalidated database.
func install(dir, eco, tmp string, m Manifest) (Manifest, error) {
	st, err := validateZip(tmp)
	if err != nil {
		return m, err
	}
	m.Records, m.Invalid = st.Records, st.Invalid
	info, err := os.Stat(tmp)
	if err != nil {
		return m, err
	}
	m.Size = info.Size()
	if m.SHA256, err = fileSHA256(tmp); err != nil {
		return m, err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	ecoDir := filepath.Join(dir, layoutDir, eco)
	mtmp, err := writeTemp(ecoDir, ".manifest-*", data)
	if err != nil {
		return m, err
	}
	defer func() { _ = os.Remove(mtmp) }() // a no-op once installed
	// The manifest goes last: between the two renames the archive is new
	// and the manifest old, which fails the hash check and so fails closed.
	if err := os.Rename(tmp, filepath.Join(ecoDir, archiveName)); err != nil {
		return m, fmt.Errorf("install archive: %w", err)
	}
	if err := os.Rename(mtmp, filepath.Join(ecoDir, manifestName)); err != nil {
		return m, fmt.Errorf("install manifest: %w", err)
	}
	return m, nil
}

func writeTemp(dir, pattern string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("write %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// BuildDB writes an offline database from OSV records on disk: every
// <src>/<Ecosystem>/*.json becomes part of <dir>/osv-scalibr/<Ecosystem>/all.zip.
// It is how air-gapped mirrors and test fixtures are made. Unlike a
// download, a record osv-scanner cannot read is an error here: records
// written by hand must be right.
func BuildDB(src, dir string, updated time.Time) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("read records: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if err := buildEcosystem(filepath.Join(src, e.Name()), dir, e.Name(), updated); err != nil {
			return fmt.Errorf("build %s database: %w", e.Name(), err)
		}
	}
	return nil
}

func buildEcosystem(src, dir, eco string, updated time.Time) error {
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil {
		return err
	}
	slices.Sort(files)
	ecoDir := filepath.Join(dir, layoutDir, eco)
	if err := os.MkdirAll(ecoDir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(ecoDir, ".all.zip-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // a no-op once installed
	err = writeArchive(f, files, updated)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	_, err = install(dir, eco, tmp, Manifest{Ecosystem: eco, Source: "file://" + filepath.ToSlash(src), UpdatedAt: updated.UTC(), DownloadedAt: updated.UTC()})
	return err
}

// writeArchive zips the validated records.
func writeArchive(w io.Writer, files []string, updated time.Time) error {
	zw := zip.NewWriter(w)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if _, err := ValidateRecord(data); err != nil {
			return fmt.Errorf("%s: %w", filepath.Base(file), err)
		}
		// A fixed timestamp keeps the archive, and so its hash, reproducible.
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: filepath.Base(file), Method: zip.Deflate, Modified: updated.UTC()})
		if err != nil {
			return err
		}
		if _, err := fw.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}
