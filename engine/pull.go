package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// maxBundleBytes bounds a downloaded bundle archive: policy bundles are
// kilobytes to a few megabytes, and a runaway server must not fill the disk.
const maxBundleBytes = 256 << 20

var digestPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// CheckDigest reports whether d has the form sha256:<64 hex digits>.
func CheckDigest(d string) error {
	if !digestPattern.MatchString(d) {
		return fmt.Errorf("digest %q: want sha256: and 64 lowercase hex digits", d)
	}
	return nil
}

// PullOptions configure PullBundle.
type PullOptions struct {
	// URL is an https:// (or http://) address of a bundle archive, or an
	// oci://REGISTRY/REPO:TAG reference.
	URL string
	// Output is the directory the archive is written to.
	Output string
	// Digest, when set, is the archive's sha256 digest; any other content
	// is refused.
	Digest string
	// AllowBuiltins are the sandboxed builtins the config allows, for the
	// check that the bundle compiles.
	AllowBuiltins []string
	// Client fetches http(s) URLs; nil means a client with the pull
	// timeout.
	Client *http.Client
}

// PullBundle fetches an OPA bundle archive for offline use: it is checked
// against the digest when one is given, loaded and compiled with the
// built-in policies as gating would, and only then written to the output
// directory. It returns the archive's path and digest. Plain HTTP is
// allowed for loopback hosts, or when a digest pins the content.
func PullBundle(ctx context.Context, opts PullOptions) (file, digest string, err error) {
	if opts.Digest != "" {
		if err := CheckDigest(opts.Digest); err != nil {
			return "", "", err
		}
	}
	name, err := bundleFileName(opts.URL, opts.Digest != "")
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(opts.Output, 0o750); err != nil {
		return "", "", fmt.Errorf("create output directory: %w", err)
	}
	// The temporary name ends in .tar.gz so the loader takes it as a bundle.
	tmp, err := os.CreateTemp(opts.Output, ".pull-*.tar.gz")
	if err != nil {
		return "", "", fmt.Errorf("create output file: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		if err != nil {
			_ = os.Remove(tmp.Name()) // nothing unverified is left behind
		}
	}()
	if IsOCI(opts.URL) {
		err = pullBundle(ctx, strings.TrimPrefix(opts.URL, OCIScheme), tmp.Name())
	} else {
		err = download(ctx, opts.Client, opts.URL, opts.Digest != "", tmp)
	}
	if err != nil {
		return "", "", fmt.Errorf("pull policy bundle %s: %w", opts.URL, err)
	}
	if digest, err = fileDigest(tmp.Name()); err != nil {
		return "", "", err
	}
	if opts.Digest != "" && digest != opts.Digest {
		return "", "", fmt.Errorf("pull policy bundle %s: its digest is %s, not %s", opts.URL, digest, opts.Digest)
	}
	if err := checkBundle(ctx, tmp.Name(), opts.AllowBuiltins); err != nil {
		return "", "", err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return "", "", fmt.Errorf("write bundle: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", "", fmt.Errorf("write bundle: %w", err)
	}
	file = filepath.Join(opts.Output, name)
	if err := os.Rename(tmp.Name(), file); err != nil {
		return "", "", fmt.Errorf("write bundle: %w", err)
	}
	return file, digest, nil
}

// CheckBundleURL refuses what PullBundle would refuse before fetching: a
// scheme other than https, http or oci, and plain HTTP to a host off the
// loopback interface without a digest (pinned) to check the content.
func CheckBundleURL(raw string, pinned bool) error {
	_, err := bundleFileName(raw, pinned)
	return err
}

// bundleFileName is the name the archive is saved under: the URL's own
// when it names an archive, else one made from the reference.
func bundleFileName(raw string, pinned bool) (string, error) {
	if IsOCI(raw) {
		ref := strings.TrimPrefix(raw, OCIScheme)
		repo, tag := ref, "latest"
		if i := strings.LastIndexAny(ref, ":@"); i > strings.LastIndex(ref, "/") {
			repo, tag = ref[:i], strings.TrimPrefix(ref[i+1:], "sha256:")
		}
		return path.Base(repo) + "-" + tag + ".tar.gz", nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("read bundle URL: %w", err)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && (pinned || isLoopback(u.Host)):
	case u.Scheme == "http":
		return "", fmt.Errorf("bundle URL %s: plain HTTP can be tampered with; use https, or pin the content with --digest", raw)
	default:
		return "", fmt.Errorf("bundle URL %s: want https://, http:// or oci://", raw)
	}
	if base := path.Base(u.Path); IsBundle(base) {
		return base, nil
	}
	return "bundle.tar.gz", nil
}

func download(ctx context.Context, base *http.Client, raw string, pinned bool, w io.Writer) error {
	client := &http.Client{Timeout: ociPullTimeout}
	if base != nil {
		client = new(*base)
	}
	// A redirect must not take an unpinned download off TLS.
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if req.URL.Scheme != "https" && !pinned && !isLoopback(req.URL.Host) {
			return fmt.Errorf("redirected to %s: plain HTTP can be tampered with; pin the content with --digest", req.URL.Redacted())
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, ociPullTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close() //nolint:errcheck // a read-only body; its errors surfaced through Copy
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("server answered %s", resp.Status)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, maxBundleBytes+1))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	if n > maxBundleBytes {
		return fmt.Errorf("the bundle is larger than %d MiB", maxBundleBytes>>20)
	}
	return nil
}

func fileDigest(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", fmt.Errorf("hash bundle: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash bundle: %w", err)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// checkBundle loads the archive beside the built-in policies as the gate
// would (sandbox, roots) and compiles it, so a pull never stores a bundle
// the gate would refuse later, offline, when it is too late to fetch another.
func checkBundle(ctx context.Context, file string, allow []string) error {
	wb, err := LoadWorkbench(ctx, WorkbenchOptions{Paths: []string{file}, AllowBuiltins: allow})
	if err != nil {
		return fmt.Errorf("check pulled bundle: %w", err)
	}
	c := ast.NewCompiler().WithCapabilities(wb.caps).WithEnablePrintStatements(true)
	if c.Compile(wb.Modules); c.Failed() {
		return fmt.Errorf("check pulled bundle: %w", &PolicyError{Errs: c.Errors})
	}
	return nil
}
