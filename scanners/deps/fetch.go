package deps

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/relgate/relgate/internal/dbfetch"
)

// partialName is an archive being downloaded. It outlives a failed or
// interrupted download, so the next try (or the next `db update`) asks
// only for the rest; its modification time is the server's Last-Modified,
// which the resumed request sends as If-Range, so a server whose archive
// changed meanwhile sends the whole new one instead of a mismatched tail.
const partialName = "." + archiveName + ".partial"

// fetch is one archive's download, over as many tries as it takes.
type fetch struct {
	client   *http.Client
	url, eco string
	partial  string
	progress dbfetch.Progress
	// validator is the If-Range value of the bytes in partial: the
	// server's ETag or Last-Modified ("": start over).
	validator    string
	lastModified time.Time
}

// download fetches url into dir's partial file, resuming what an earlier
// try left, and checks the length and, when the server sends one (Google
// Cloud Storage does), the CRC32C checksum of the whole file, so a
// truncated or damaged transfer is never installed. It returns the file,
// to be validated and renamed into place, and the server's Last-Modified.
// Failures worth another try (a dropped connection, a 5xx, a checksum
// mismatch) are retried with back-off; a server that cannot be reached at
// all is not.
func download(ctx context.Context, opts UpdateOptions, url, dir, eco string) (string, time.Time, error) {
	f := &fetch{client: opts.HTTPClient, url: url, eco: eco, partial: filepath.Join(dir, partialName), progress: opts.Progress}
	if info, err := os.Stat(f.partial); err == nil && info.Size() > 0 {
		// Left by an earlier run: resumable only if the server's archive
		// is still the one it is a prefix of.
		f.validator = info.ModTime().UTC().Format(http.TimeFormat)
	}
	_, err := opts.Retry.Do(ctx, func(int) (bool, error) { return f.try(ctx) })
	if err != nil {
		f.keepOrDrop()
		var nn *dbfetch.NoNetworkError
		if errors.As(err, &nn) {
			return "", time.Time{}, &dbfetch.NoNetworkError{Err: fmt.Errorf("download %s: %w", url, nn.Cause())}
		}
		return "", time.Time{}, fmt.Errorf("download %s: %w", url, err)
	}
	return f.partial, f.lastModified, nil
}

// keepOrDrop leaves a partial file for the next run only when a later
// request can prove it is a prefix of the same archive.
func (f *fetch) keepOrDrop() {
	if f.lastModified.IsZero() {
		_ = os.Remove(f.partial)
		return
	}
	_ = os.Chtimes(f.partial, time.Time{}, f.lastModified)
}

// try makes one request; retry says whether another is worth making.
func (f *fetch) try(ctx context.Context) (retry bool, err error) {
	var offset int64
	if info, err := os.Stat(f.partial); err == nil && f.validator != "" {
		offset = info.Size()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("User-Agent", "relgate")
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
		req.Header.Set("If-Range", f.validator)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		if dbfetch.IsNoNetwork(err) {
			return false, &dbfetch.NoNetworkError{Err: err}
		}
		return ctx.Err() == nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	total := resp.ContentLength
	switch resp.StatusCode {
	case http.StatusOK:
		offset = 0 // a whole archive: the partial one is stale or was not asked for
	case http.StatusPartialContent:
		start, size, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != offset {
			f.drop()
			return true, fmt.Errorf("server answered the range request with %q", resp.Header.Get("Content-Range"))
		}
		total = size
	case http.StatusRequestedRangeNotSatisfiable:
		f.drop() // the partial file is no prefix of the archive
		return true, errors.New("server refused to resume the partial download")
	default:
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
		return retry, fmt.Errorf("server returned %s", resp.Status)
	}
	f.validator = resp.Header.Get("ETag")
	f.lastModified, _ = http.ParseTime(resp.Header.Get("Last-Modified"))
	if f.validator == "" && !f.lastModified.IsZero() {
		f.validator = resp.Header.Get("Last-Modified")
	}
	n, err := f.write(resp.Body, offset, total)
	if err != nil {
		return ctx.Err() == nil, err
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return true, fmt.Errorf("truncated body: got %d of %d bytes", offset+n, offset+resp.ContentLength)
	}
	if want, ok := googCRC32C(resp.Header); ok {
		got, err := fileCRC32C(f.partial)
		if err != nil {
			return false, err
		}
		if got != want {
			f.drop()
			return true, fmt.Errorf("checksum mismatch: crc32c %08x, server says %08x", got, want)
		}
	}
	return false, nil
}

// write appends the body to the partial file from offset (truncating it
// there), drawing the progress bar.
func (f *fetch) write(body io.Reader, offset, total int64) (int64, error) {
	file, err := os.OpenFile(f.partial, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return 0, fmt.Errorf("create partial file: %w", err)
	}
	err = file.Truncate(offset)
	if err == nil {
		_, err = file.Seek(offset, io.SeekStart)
	}
	if err != nil {
		_ = file.Close()
		return 0, err
	}
	bar := f.progress.Start("osv "+f.eco, total, offset)
	n, err := io.Copy(file, bar.Reader(body))
	bar.Finish()
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func (f *fetch) drop() {
	_ = os.Remove(f.partial)
	f.validator = ""
}

// contentRange reads "bytes START-END/SIZE".
func contentRange(v string) (start, size int64, ok bool) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, false
	}
	span, total, ok := strings.Cut(rest, "/")
	first, _, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(first, 10, 64)
	size, err2 := strconv.ParseInt(total, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || size <= start {
		return 0, 0, false
	}
	return start, size, true
}

// fileCRC32C is the checksum Google Cloud Storage publishes, of the whole
// file: a resumed download is checked end to end, not per request.
func fileCRC32C(path string) (uint32, error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer func() { _ = file.Close() }()
	h := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	if _, err := io.Copy(h, file); err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	return h.Sum32(), nil
}
