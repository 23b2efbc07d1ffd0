// Package attest writes and verifies relgate's signed decision records: an
// in-toto Statement v1 whose subjects are the release's artifact digests and
// whose predicate is the decision, wrapped in a DSSE envelope signed with an
// ed25519 or ECDSA key. The admission server trusts an image only through
// such a record.
package attest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/relgate/relgate/engine"
)

const (
	// PredicateType names relgate's decision predicate.
	PredicateType = "https://relgate.dev/decision/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// InputSubject names the subject used when a release has no artifact
	// digests: the record then binds to the judged input document only.
	InputSubject = "relgate:input"
)

// Predicate is the decision as a record keeps it: enough to act on at
// admission and to reproduce with `relgate eval` (input and policy digests).
type Predicate struct {
	Result         string   `json:"result"`
	Score          float64  `json:"score"`
	Environment    string   `json:"environment"`
	Violations     Summary  `json:"violations"`
	InputDigest    string   `json:"input_digest"`
	PolicyDigest   string   `json:"policy_digest"`
	RelgateVersion string   `json:"relgate_version"`
	Time           string   `json:"time"` // RFC 3339, UTC: when the decision was signed
	Release        *Release `json:"release,omitempty"`
}

// Summary counts the findings of a decision.
type Summary struct {
	Count      int            `json:"count"`
	Warnings   int            `json:"warnings"`
	Waived     int            `json:"waived"`
	BySeverity map[string]int `json:"by_severity"`
	Rules      []string       `json:"rules"` // ids of the rules that denied, sorted
}

// Release identifies the judged release.
type Release struct {
	Version string `json:"version,omitempty"`
	Commit  string `json:"commit,omitempty"`
}

// Subject is one signed-for artifact; Digest is "ALG:HEX".
type Subject struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
}

// NewPredicate summarises a decision signed at now.
func NewPredicate(d *engine.Decision, version string, now time.Time) Predicate {
	p := Predicate{
		Result: d.Result, Score: d.Score, Environment: d.Environment,
		InputDigest: d.InputDigest, PolicyDigest: d.PolicyDigest,
		RelgateVersion: version, Time: now.UTC().Format(time.RFC3339),
		Violations: Summary{Count: len(d.Violations), Warnings: len(d.Warnings), Waived: len(d.Waived), BySeverity: map[string]int{}, Rules: []string{}},
	}
	for _, v := range d.Violations {
		p.Violations.BySeverity[v.Severity]++
		if !slices.Contains(p.Violations.Rules, v.Rule) {
			p.Violations.Rules = append(p.Violations.Rules, v.Rule)
		}
	}
	slices.Sort(p.Violations.Rules)
	if d.Release != nil && (d.Release.Version != "" || d.Release.Commit != "") {
		p.Release = &Release{Version: d.Release.Version, Commit: d.Release.Commit}
	}
	return p
}

// Subjects lists the digests of a release: its artifacts and its container
// images, deduplicated and sorted. Without any, the record's one subject is
// the input document's digest (named InputSubject): it still proves what
// was judged, but admits no image.
func Subjects(in *engine.Input, inputDigest string) []Subject {
	var out []Subject
	add := func(name, digest string) {
		if digest == "" || !strings.Contains(digest, ":") {
			return
		}
		if !slices.ContainsFunc(out, func(s Subject) bool { return s.Digest == digest && s.Name == name }) {
			out = append(out, Subject{Name: name, Digest: digest})
		}
	}
	for _, a := range in.Release.Artifacts {
		add(a.Name, a.Digest)
	}
	for _, c := range in.Containers {
		add(c.Image, c.Digest)
	}
	if len(out) == 0 {
		add(InputSubject, inputDigest)
	}
	slices.SortFunc(out, func(a, b Subject) int { return cmp.Or(cmp.Compare(a.Digest, b.Digest), cmp.Compare(a.Name, b.Name)) })
	return out
}

// Sign builds the statement and returns the DSSE envelope's JSON.
func Sign(ctx context.Context, s *Signer, subjects []Subject, p Predicate) ([]byte, error) {
	if len(subjects) == 0 {
		return nil, errors.New("sign record: no subject")
	}
	st := &intoto.Statement{Type: intoto.StatementTypeUri, PredicateType: PredicateType}
	for _, sub := range subjects {
		alg, hex, _ := strings.Cut(sub.Digest, ":")
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: sub.Name, Digest: map[string]string{alg: hex}})
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	st.Predicate = &structpb.Struct{}
	if err := protojson.Unmarshal(raw, st.Predicate); err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	payload, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	es, err := dsse.NewEnvelopeSigner(s)
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	env, err := es.SignPayload(ctx, PayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	out, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sign record: %w", err)
	}
	return append(out, '\n'), nil
}
