package container

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/aquasecurity/trivy/pkg/fanal/image"
	ftypes "github.com/aquasecurity/trivy/pkg/fanal/types"
	xos "github.com/aquasecurity/trivy/pkg/x/os"
)

// isLocal is true when ref names a file or directory rather than a registry
// reference. Something that looks like a path but does not exist is local
// too, so that a typo reads "no such file" instead of a registry error.
func isLocal(ref string) bool {
	if _, err := os.Stat(ref); err == nil {
		return true
	}
	return strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, "./") || strings.HasPrefix(ref, "../") ||
		strings.HasSuffix(ref, ".tar") || strings.HasSuffix(ref, ".tar.gz") || strings.HasSuffix(ref, ".tgz")
}

// openImage opens ref as a docker-save tarball, an OCI layout directory, an
// OCI layout tarball (unpacked into trivy's temporary directory) or, when
// it is not a local path, a registry reference pulled with the standard
// Docker credentials. It returns the image, its source and a cleanup.
func openImage(ctx context.Context, ref string) (ftypes.Image, string, func(), error) {
	nop := func() {}
	if !isLocal(ref) {
		img, cleanup, err := image.NewContainerImage(ctx, ref, ftypes.ImageOptions{
			ImageSources: ftypes.ImageSources{ftypes.RemoteImageSource},
		})
		if err != nil {
			return nil, "", nop, err
		}
		return img, sourceRegistry, cleanup, nil
	}
	fi, err := os.Stat(ref)
	if err != nil {
		return nil, "", nop, err
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(ref, "index.json")); err != nil {
			return nil, "", nop, fmt.Errorf("%s is a directory but not an OCI image layout (no index.json)", ref)
		}
		img, err := image.NewArchiveImage(ref)
		if err != nil {
			return nil, "", nop, err
		}
		return img, sourceOCILayout, nop, nil
	}
	kind, err := archiveKind(ref)
	if err != nil {
		return nil, "", nop, err
	}
	switch kind {
	case sourceDockerArchive:
		img, err := image.NewArchiveImage(ref)
		if err != nil {
			return nil, "", nop, err
		}
		return img, sourceDockerArchive, nop, nil
	default:
		dir, err := xos.MkdirTemp("", "oci-layout-")
		if err != nil {
			return nil, "", nop, fmt.Errorf("create directory for OCI layout: %w", err)
		}
		cleanup := func() { _ = os.RemoveAll(dir) }
		if err := extractTar(ref, dir); err != nil {
			cleanup()
			return nil, "", nop, err
		}
		img, err := image.NewArchiveImage(dir)
		if err != nil {
			cleanup()
			return nil, "", nop, err
		}
		return img, sourceOCILayout, cleanup, nil
	}
}

// openTar opens a tarball, gzip-compressed or not.
func openTar(file string) (*tar.Reader, io.Closer, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(f)
	magic, _ := br.Peek(2)
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			_ = f.Close()
			return nil, nil, fmt.Errorf("read %s: %w", file, err)
		}
		return tar.NewReader(zr), f, nil
	}
	return tar.NewReader(br), f, nil
}

// archiveKind tells a docker-save tarball (manifest.json at the root) from
// an OCI layout tarball (oci-layout and index.json, no manifest.json).
// Docker 25 and later write both layouts into one tarball; either works.
func archiveKind(file string) (string, error) {
	tr, c, err := openTar(file)
	if err != nil {
		return "", err
	}
	defer func() { _ = c.Close() }()
	var oci bool
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read tarball %s: %w", file, err)
		}
		switch path.Clean(strings.TrimPrefix(h.Name, "./")) {
		case "manifest.json":
			return sourceDockerArchive, nil
		case "oci-layout", "index.json":
			oci = true
		}
	}
	if !oci {
		return "", fmt.Errorf("%s is neither a docker-save tarball (no manifest.json) nor an OCI layout tarball (no index.json)", file)
	}
	return sourceOCILayout, nil
}

// extractTar unpacks an OCI layout tarball into dir. Only regular files and
// directories are accepted, and no entry may leave dir.
func extractTar(file, dir string) error {
	tr, c, err := openTar(file)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tarball %s: %w", file, err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." {
			continue
		}
		if path.IsAbs(name) || name == ".." || strings.HasPrefix(name, "../") || strings.Contains(name, "\\") {
			return fmt.Errorf("read tarball %s: entry %q leaves the archive", file, h.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o700); err != nil {
				return fmt.Errorf("extract %s: %w", name, err)
			}
		case tar.TypeReg:
			if err := writeFile(dst, tr); err != nil {
				return fmt.Errorf("extract %s: %w", name, err)
			}
		default:
			return fmt.Errorf("read tarball %s: entry %q is not a regular file or directory", file, h.Name)
		}
	}
}

func writeFile(dst string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// fromLines returns the lines of a Dockerfile's last FROM instruction: the
// base of the stage that becomes the image.
func fromLines(file string) (int, int, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, 0, fmt.Errorf("read Dockerfile: %w", err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		return 0, 0, fmt.Errorf("parse Dockerfile %s: %w", file, err)
	}
	var from *parser.Node
	for _, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			from = n
		}
	}
	if from == nil {
		return 0, 0, fmt.Errorf("parse Dockerfile %s: no FROM instruction", file)
	}
	return from.StartLine, from.EndLine, nil
}
