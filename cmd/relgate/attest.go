package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/attest"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/redact"
)

// attestOptions are check's --attest flags: sign the decision into a record.
type attestOptions struct {
	key    string
	out    string
	signer *attest.Signer
}

func (o *attestOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.key, "attest", "", "sign the decision with this PEM private key (ed25519 or ECDSA) into a decision record")
	f.StringVar(&o.out, "attest-out", "relgate.attestation.json", "where --attest writes the decision record (a DSSE envelope)")
}

// load reads the key before any scan, so a bad key fails fast. It returns
// nil options when --attest is not given.
func (o *attestOptions) load() (*attestOptions, error) {
	if o.key == "" {
		return nil, nil
	}
	data, err := os.ReadFile(o.key)
	if err != nil {
		return nil, usage(fmt.Errorf("--attest: read key: %w", unwrapPathError(err)))
	}
	if o.signer, err = attest.ParsePrivateKey(data); err != nil {
		return nil, usage(fmt.Errorf("--attest: %w", err))
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
	return nil
}

// attestCommand groups the decision-record commands.
//
// Exit codes of `attest verify`: 0 the record verifies, 1 it does not (the
// reason is printed), 2 usage (flags, an unreadable key or record file).
func (a *app) attestCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "attest", Short: "Work with signed decision records (check --attest writes them)"}
	var keys []string
	var maxAge time.Duration
	verify := &cobra.Command{
		Use:   "verify --key PUB RECORD",
		Short: "Verify a decision record's signature, statement and age",
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
			data, err := os.ReadFile(args[0])
			if err != nil {
				return usage(fmt.Errorf("read record: %w", unwrapPathError(err)))
			}
			r, err := attest.Verify(cmd.Context(), data, vs, attest.Options{MaxAge: maxAge})
			if err != nil {
				if attest.IsInvalid(err) {
					return &exitWith{exitFail, fmt.Errorf("%s: %w", args[0], err)}
				}
				return err
			}
			var subjects []string
			for _, s := range r.Subjects {
				subjects = append(subjects, s.Name+"@"+s.Digest)
			}
			p := r.Predicate
			fmt.Fprintf(a.stdout, "verified: %s signed by %s at %s\n  result %s, score %g, environment %s, %d violations\n  input %s\n  policy %s\n  subjects %s\n",
				args[0], r.KeyID, p.Time, p.Result, p.Score, p.Environment, p.Violations.Count, p.InputDigest, p.PolicyDigest, strings.Join(subjects, ", "))
			return nil
		},
	}
	verify.Flags().StringArrayVar(&keys, "key", nil, "PEM public key (ed25519 or ECDSA) the record must be signed with (repeatable: any of them)")
	verify.Flags().DurationVar(&maxAge, "max-age", 0, "refuse records signed longer ago than this (e.g. 168h; default: any age)")
	cmd.AddCommand(verify)
	return cmd
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
