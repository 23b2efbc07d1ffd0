package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/relgate/relgate/attest"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/server"
)

// attestOptions are check's --attest flags: sign the decision into a record
// and, with --push, attach it to images in their registries.
type attestOptions struct {
	key      string
	out      string
	push     []string
	insecure bool
	signer   *attest.Signer
	images   []name.Digest
}

func (o *attestOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.key, "attest", "", "sign the decision with this PEM private key (ed25519 or ECDSA) into a decision record")
	f.StringVar(&o.out, "attest-out", "relgate.attestation.json", "where --attest writes the decision record (a DSSE envelope)")
	f.StringArrayVar(&o.push, "push", nil, "attach the decision record to IMAGE@sha256:… in its registry, where cosign verify-attestation and relgate serve find it (repeatable; the digest must be a release artifact or scanned image)")
	bindRegistryInsecure(cmd, &o.insecure)
}

func bindRegistryInsecure(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "registry-insecure", false, "allow plain HTTP to loopback registries (tests); never to another host")
}

// load reads the key before any scan, so a bad key fails fast. It returns
// nil options when --attest is not given.
func (o *attestOptions) load() (*attestOptions, error) {
	if o.key == "" {
		if len(o.push) > 0 {
			return nil, usage(errors.New("--push needs --attest KEY: only a signed decision record is attached to an image"))
		}
		return nil, nil
	}
	data, err := os.ReadFile(o.key)
	if err != nil {
		return nil, usage(fmt.Errorf("--attest: read key: %w", unwrapPathError(err)))
	}
	if o.signer, err = attest.ParsePrivateKey(data); err != nil {
		return nil, usage(fmt.Errorf("--attest: %w", err))
	}
	reg := attest.Registry{Insecure: o.insecure, UserAgent: "relgate/" + version}
	for _, ref := range o.push {
		d, err := reg.ParseDigestRef(ref)
		if err != nil {
			return nil, usage(fmt.Errorf("--push: %w", err))
		}
		o.images = append(o.images, d)
	}
	if len(o.images) > 0 {
		if ec, ok := o.signer.Public().Public().(*ecdsa.PublicKey); ok && ec.Curve != elliptic.P256() {
			slog.Warn("--push: cosign verify-attestation checks this key's signatures only with --signature-digest-algorithm matching its curve; an ECDSA P-256 or ed25519 key verifies with cosign's defaults")
		}
	}
	return o, nil
}

// write signs the decision. A failed decision is recorded too: admission
// refuses it by its result, and the record proves what was decided.
func (o *attestOptions) write(ctx context.Context, d *engine.Decision, in *engine.Input, r *redact.Redactor) error {
	subjects := attest.Subjects(in, d.InputDigest)
	if len(subjects) == 1 && subjects[0].Name == attest.InputSubject {
		slog.Warn("the release has no artifact or image digest: the decision record names only the input document, and admits no image")
	}
	p, err := redactPredicate(r, attest.NewPredicate(d, version, time.Now()))
	if err != nil {
		return err
	}
	rec, err := attest.Sign(ctx, o.signer, subjects, p)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(o.out, func(w io.Writer) error { _, err := w.Write(rec); return err }); err != nil {
		return fmt.Errorf("write decision record: %w", err)
	}
	reg := attest.Registry{Insecure: o.insecure, UserAgent: "relgate/" + version}
	for _, img := range o.images {
		if !slices.ContainsFunc(subjects, func(s attest.Subject) bool { return s.Digest == img.DigestStr() }) {
			return usage(fmt.Errorf("--push %s: the decision record does not name %s; declare the image with --artifact NAME=%s or scan it with --image", img, img.DigestStr(), img.DigestStr()))
		}
		p, err := reg.Push(ctx, img, rec)
		if err != nil {
			return err
		}
		slog.Info("attached the decision record", "image", img.String(), "tag", p.Tag, "referrer", p.Referrer)
	}
	return nil
}

// attestCommand groups the decision-record commands.
//
// Exit codes of `attest verify`: 0 the record verifies (for an image: at
// least one attached record does), 1 it does not (the reason is printed),
// 2 usage (flags, an unreadable key or record file, a tag reference), 3 the
// registry could not be read.
func (a *app) attestCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "attest", Short: "Work with signed decision records (check --attest writes them)"}
	var keys []string
	var maxAge time.Duration
	var insecure bool
	verify := &cobra.Command{
		Use:   "verify --key PUB RECORD|IMAGE@DIGEST",
		Short: "Verify a decision record's signature, statement and age: a file, or the records attached to an image in its registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			if len(keys) == 0 {
				return usage(errors.New("--key is required"))
			}
			vs, err := loadVerifiers(keys)
			if err != nil {
				return usage(err)
			}
			opts := attest.Options{MaxAge: maxAge}
			if _, statErr := os.Stat(args[0]); statErr != nil && strings.Contains(args[0], "@") {
				return a.verifyImage(cmd.Context(), args[0], vs, opts, insecure)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usage(fmt.Errorf("read record: %w", unwrapPathError(err)))
			}
			r, err := attest.Verify(cmd.Context(), data, vs, opts)
			if err != nil {
				if attest.IsInvalid(err) {
					return &exitWith{exitFail, fmt.Errorf("%s: %w", args[0], err)}
				}
				return err
			}
			a.printRecord(args[0], r)
			return nil
		},
	}
	verify.Flags().StringArrayVar(&keys, "key", nil, "PEM public key (ed25519 or ECDSA) the record must be signed with (repeatable: any of them)")
	verify.Flags().DurationVar(&maxAge, "max-age", 0, "refuse records signed longer ago than this (e.g. 168h; default: any age)")
	bindRegistryInsecure(verify, &insecure)
	cmd.AddCommand(verify)
	return cmd
}

// verifyImage verifies the records attached to an image: exit 0 when at
// least one verifies for its digest, 1 when none does (each refusal is
// printed), 3 when the registry cannot be read.
func (a *app) verifyImage(ctx context.Context, ref string, keys []*attest.Verifier, o attest.Options, insecure bool) error {
	reg := attest.Registry{Insecure: insecure, UserAgent: "relgate/" + version}
	img, err := reg.ParseDigestRef(ref)
	if err != nil {
		return usage(err)
	}
	recs, refused, err := reg.VerifyImage(ctx, img, keys, o)
	if err != nil {
		return err
	}
	for _, r := range refused {
		fmt.Fprintf(a.stdout, "refused: %s\n", r)
	}
	for _, r := range recs {
		a.printRecord(img.String(), r)
	}
	if len(recs) == 0 {
		return &exitWith{exitFail, fmt.Errorf("%s: no decision record verifies (%d refused)", img, len(refused))}
	}
	return nil
}

func (a *app) printRecord(where string, r *attest.Record) {
	var subjects []string
	for _, s := range r.Subjects {
		subjects = append(subjects, s.Name+"@"+s.Digest)
	}
	p := r.Predicate
	fmt.Fprintf(a.stdout, "verified: %s signed by %s at %s\n  result %s, score %g, environment %s, %d violations\n  input %s\n  policy %s\n  subjects %s\n",
		where, r.KeyID, p.Time, p.Result, p.Score, p.Environment, p.Violations.Count, p.InputDigest, p.PolicyDigest, strings.Join(subjects, ", "))
}

// loadVerifiers reads PEM public keys.
func loadVerifiers(paths []string) ([]*attest.Verifier, error) {
	var out []*attest.Verifier
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read key %s: %w", p, unwrapPathError(err))
		}
		v, err := attest.ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", p, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// registryServeOptions are serve's flags for reading records from the
// images' registries.
type registryServeOptions struct {
	from              string
	timeout, cacheTTL time.Duration
	cacheSize         int
	insecure          bool
}

func (o *registryServeOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.from, "records-from", "dir", "where decision records come from: dir (--records) or registry (attached to each image, as check --push leaves them)")
	f.DurationVar(&o.timeout, "registry-timeout", 3*time.Second, "with --records-from registry: a registry that does not answer in this time is a deny (fail closed)")
	f.IntVar(&o.cacheSize, "cache-size", 10_000, "with --records-from registry: verified lookups kept, by image digest (LRU)")
	f.DurationVar(&o.cacheTTL, "cache-ttl", 5*time.Minute, "with --records-from registry: how long a verified lookup is reused (a record past --max-age never is)")
	bindRegistryInsecure(cmd, &o.insecure)
}

// config returns the server's registry settings, or nil for the directory.
func (o *registryServeOptions) config(recordsDir string, keys int) (*server.RegistryRecords, error) {
	switch o.from {
	case "dir", "": // "": options built without the flags, as in tests
		return nil, nil
	case "registry":
	default:
		return nil, usage(fmt.Errorf("--records-from: %q (want dir or registry)", o.from))
	}
	if recordsDir != "" {
		return nil, usage(errors.New("--records-from registry reads no --records directory: drop one of them"))
	}
	if keys == 0 {
		return nil, usage(errors.New("--records-from registry needs --key: records are trusted only by signature"))
	}
	if o.timeout <= 0 || o.cacheSize <= 0 || o.cacheTTL <= 0 {
		return nil, usage(errors.New("--registry-timeout, --cache-size and --cache-ttl must be positive"))
	}
	return &server.RegistryRecords{
		Registry: attest.Registry{Insecure: o.insecure, UserAgent: "relgate/" + version},
		Timeout:  o.timeout, CacheSize: o.cacheSize, CacheTTL: o.cacheTTL,
	}, nil
}
