package engine

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// InputError is a document that cannot be read as a ReleaseInput. It names
// the file and, where the decoder knows it, the line.
type InputError struct {
	File string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

// DefaultMaxInputBytes bounds the input documents DecodeInput reads
// (64 MiB: a few hundred thousand facts), so that a huge document fails
// with a clear error instead of exhausting memory and time.
const DefaultMaxInputBytes int64 = 64 << 20

// DecodeInput reads an input document strictly: another apiVersion or kind,
// an unknown field, a wrong type, a schema violation or trailing data is an
// error naming the file and line (or JSON path). Documents larger than
// DefaultMaxInputBytes are refused.
func DecodeInput(name string, r io.Reader) (*Input, error) {
	return DecodeInputLimit(name, r, DefaultMaxInputBytes)
}

// DecodeInputLimit is DecodeInput with another size limit in bytes.
func DecodeInputLimit(name string, r io.Reader, maxBytes int64) (*Input, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("read input: %w", err)}
	}
	if int64(len(data)) > maxBytes {
		return nil, &InputError{File: name, Err: fmt.Errorf("read input: larger than the limit of %d bytes", maxBytes)}
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, inputError(name, data, err)
	}
	if head.APIVersion != APIVersion {
		return nil, &InputError{File: name, Err: fmt.Errorf("unsupported apiVersion %q (want %q)", head.APIVersion, APIVersion)}
	}
	if head.Kind != KindInput {
		return nil, &InputError{File: name, Err: fmt.Errorf("unsupported kind %q (want %q)", head.Kind, KindInput)}
	}
	if err := ValidateInput(data); err != nil {
		return nil, &InputError{File: name, Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	in := new(Input)
	if err := dec.Decode(in); err != nil {
		return nil, inputError(name, data, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &InputError{File: name, Line: lineAt(data, int(dec.InputOffset())), Err: errors.New("unexpected data after the document")}
	}
	in.normalise()
	return in, nil
}

func inputError(name string, data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	ie := &InputError{File: name, Err: fmt.Errorf("decode input: %w", err)}
	if off >= 0 {
		ie.Line = lineAt(data, int(off))
	}
	return ie
}

func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// Encode writes the canonical JSON form of the document: the bytes that
// --save-input stores and that the input digest is computed over.
func (in *Input) Encode(w io.Writer) error {
	data, err := in.Canonical()
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Canonical returns the document's canonical JSON encoding, indented and
// newline-terminated.
func (in *Input) Canonical() ([]byte, error) {
	in.normalise()
	data, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	return append(data, '\n'), nil
}

// Digest is "sha256:" and the hex digest of the canonical encoding.
func (in *Input) Digest() (string, error) {
	data, err := in.Canonical()
	if err != nil {
		return "", err
	}
	return digestOf(data), nil
}

func digestOf(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Merge adds a scanner's partial document to in. Each scanner fills only
// its own sections, so lists are appended and single sections replaced.
func (in *Input) Merge(part *Input) {
	in.Secrets = append(in.Secrets, part.Secrets...)
	in.Vulnerabilities = append(in.Vulnerabilities, part.Vulnerabilities...)
	in.Containers = append(in.Containers, part.Containers...)
	in.Misconfigurations = append(in.Misconfigurations, part.Misconfigurations...)
	in.Migrations = append(in.Migrations, part.Migrations...)
	in.SLO = append(in.SLO, part.SLO...)
	in.Waivers = append(in.Waivers, part.Waivers...)
	if part.Approvals != nil {
		in.Approvals = part.Approvals
	}
	if part.Tests != nil {
		in.Tests = part.Tests
	}
	mergeRelease(&in.Release, &part.Release)
}

// mergeRelease copies the fields a scanner set; the environment and time
// belong to the caller and are never overwritten.
func mergeRelease(dst, src *Release) {
	set := func(d *string, s string) {
		if s != "" {
			*d = s
		}
	}
	set(&dst.Version, src.Version)
	set(&dst.PreviousVersion, src.PreviousVersion)
	set(&dst.Branch, src.Branch)
	set(&dst.Tag, src.Tag)
	set(&dst.PreviousTag, src.PreviousTag)
	set(&dst.Commit, src.Commit)
	set(&dst.BaseCommit, src.BaseCommit)
	set(&dst.Strategy, src.Strategy)
	dst.Labels = append(dst.Labels, src.Labels...)
	dst.Artifacts = append(dst.Artifacts, src.Artifacts...)
	dst.Commits = append(dst.Commits, src.Commits...)
}

// normalise gives every list a value (never null) and a deterministic order.
func (in *Input) normalise() {
	nonNil(&in.Secrets)
	nonNil(&in.Vulnerabilities)
	nonNil(&in.Containers)
	nonNil(&in.Misconfigurations)
	nonNil(&in.Migrations)
	nonNil(&in.SLO)
	nonNil(&in.Waivers)
	nonNil(&in.Scanners)
	for i := range in.Migrations {
		nonNil(&in.Migrations[i].Statements)
	}
	for i := range in.Vulnerabilities {
		nonNil(&in.Vulnerabilities[i].FixedVersions)
	}
	if in.Approvals != nil {
		nonNil(&in.Approvals.Reviews)
		nonNil(&in.Approvals.Sources)
	}
	if in.Tests != nil {
		nonNil(&in.Tests.Reports)
		nonNil(&in.Tests.Failures)
	}
	slices.SortStableFunc(in.Secrets, func(a, b Secret) int {
		return cmp.Or(compareLocation(a.Location, b.Location), cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	slices.SortStableFunc(in.Vulnerabilities, func(a, b Vulnerability) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Image, b.Image), compareLocation(a.Location, b.Location),
			cmp.Compare(a.Package.Ecosystem, b.Package.Ecosystem), cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.Package.Version, b.Package.Version), cmp.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(in.Containers, func(a, b Container) int { return cmp.Compare(a.Image, b.Image) })
	slices.SortStableFunc(in.Misconfigurations, func(a, b Misconfiguration) int {
		return cmp.Or(compareLocation(a.Location, b.Location), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Resource, b.Resource))
	})
	slices.SortStableFunc(in.Migrations, func(a, b Migration) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Direction, b.Direction))
	})
	slices.SortStableFunc(in.SLO, func(a, b SLO) int { return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.Name, b.Name)) })
	slices.SortStableFunc(in.Scanners, func(a, b ScannerRun) int { return cmp.Compare(a.Name, b.Name) })
}

func compareLocation(a, b Location) int {
	return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.StartLine, b.StartLine), cmp.Compare(a.StartColumn, b.StartColumn),
		cmp.Compare(a.Commit, b.Commit))
}

func nonNil[T any](s *[]T) {
	if *s == nil {
		*s = []T{}
	}
}

// SeverityRank orders severities from most to least severe; unknown
// severities sort last. It is for presentation only: policies decide.
func SeverityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical":
		return 0
	case "high":
		return 1
	case "medium":
		return 2
	case "low":
		return 3
	case "info":
		return 4
	}
	return 5
}
