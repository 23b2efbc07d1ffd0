package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// OCIScheme prefixes a policy bundle in an OCI registry:
// oci://registry.example.com/security/relgate-policies:1.4.
const OCIScheme = "oci://"

// IsOCI reports whether a policy path names a bundle in an OCI registry.
func IsOCI(path string) bool { return strings.HasPrefix(path, OCIScheme) }

// ociPullTimeout bounds one pull: an unreachable registry fails the gate
// with a clear error instead of hanging the pipeline.
const ociPullTimeout = 60 * time.Second

// pullOCI replaces every oci:// path with the bundle archive pulled from
// its registry into a temporary directory, which done removes. A bundle
// is an OCI artifact (as `opa build` plus `oras push` or OPA's own OCI
// support make it) with exactly one tar+gzip layer; its digest is checked.
// Credentials come from the Docker config, as for docker and oras; plain
// HTTP is used only for registries on the loopback interface.
func pullOCI(ctx context.Context, paths []string) (out []string, done func(), err error) {
	done = func() {}
	var dir string
	for _, p := range paths {
		if !IsOCI(p) {
			out = append(out, p)
			continue
		}
		if dir == "" {
			if dir, err = os.MkdirTemp("", "relgate-oci-*"); err != nil {
				return nil, done, fmt.Errorf("pull policy bundle %s: %w", p, err)
			}
			done = func() { _ = os.RemoveAll(dir) } // a temporary copy; nothing to report
		}
		file := filepath.Join(dir, fmt.Sprintf("bundle-%d.tar.gz", len(out)))
		if err := pullBundle(ctx, strings.TrimPrefix(p, OCIScheme), file); err != nil {
			done()
			return nil, func() {}, fmt.Errorf("pull policy bundle %s: %w", p, err)
		}
		out = append(out, file)
	}
	return out, done, nil
}

func pullBundle(ctx context.Context, ref, file string) error {
	ctx, cancel := context.WithTimeout(ctx, ociPullTimeout)
	defer cancel()
	repo, err := remote.NewRepository(ref)
	if err != nil {
		return err
	}
	if repo.Reference.Reference == "" {
		return fmt.Errorf("name a tag or digest (%s:TAG)", ref)
	}
	repo.PlainHTTP = isLoopback(repo.Reference.Registry)
	client := &auth.Client{Client: retry.DefaultClient, Cache: auth.NewCache()}
	if store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{}); err == nil {
		client.Credential = credentials.Credential(store)
	}
	repo.Client = client
	_, raw, err := oras.FetchBytes(ctx, repo, repo.Reference.Reference, oras.DefaultFetchBytesOptions)
	if err != nil {
		return err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	var layers []ocispec.Descriptor
	for _, l := range m.Layers {
		if strings.HasSuffix(l.MediaType, "tar+gzip") {
			layers = append(layers, l)
		}
	}
	if len(layers) != 1 {
		return fmt.Errorf("want one tar+gzip bundle layer, the manifest has %d", len(layers))
	}
	data, err := content.FetchAll(ctx, repo, layers[0]) // checks size and digest
	if err != nil {
		return err
	}
	return os.WriteFile(file, data, 0o600)
}

func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
