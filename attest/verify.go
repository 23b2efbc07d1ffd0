package attest

import (
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
)

// maxSkew tolerates clocks that disagree a little between signer and verifier.
const maxSkew = 5 * time.Minute

// Record is a verified decision record.
type Record struct {
	Subjects  []Subject
	Predicate Predicate
	Time      time.Time
	KeyID     string // the key that signed it
}

// Passing reports whether the recorded decision passed the gate (a warn
// passes, as the CLI exits 0 on it).
func (r *Record) Passing() bool { return r.Predicate.Result == "pass" || r.Predicate.Result == "warn" }

// Invalid says why a record was refused. Every failure of Verify is one.
type Invalid struct{ Reason string }

func (e *Invalid) Error() string { return "invalid record: " + e.Reason }

func invalid(format string, args ...any) error { return &Invalid{Reason: fmt.Sprintf(format, args...)} }

// IsInvalid reports whether err refuses a record (as opposed to a usage error).
func IsInvalid(err error) bool {
	var iv *Invalid
	return errors.As(err, &iv)
}

// Options bound verification.
type Options struct {
	// MaxAge refuses records signed longer ago; zero accepts any age.
	MaxAge time.Duration
	// Now is the verification time; zero means time.Now.
	Now time.Time
}

// Verify checks a record's signature against any of keys, then its statement
// and its age. The reason of a refusal tells a wrong key apart from a record
// changed after signing.
func Verify(ctx context.Context, record []byte, keys []*Verifier, o Options) (*Record, error) {
	if len(keys) == 0 {
		return nil, errors.New("verify record: no public key")
	}
	var env dsse.Envelope
	if err := json.Unmarshal(record, &env); err != nil {
		return nil, invalid("not a DSSE envelope: %v", err)
	}
	if env.PayloadType != PayloadType {
		return nil, invalid("payload type %q is not an in-toto statement (%s)", env.PayloadType, PayloadType)
	}
	if len(env.Signatures) == 0 {
		return nil, invalid("the envelope has no signature")
	}
	var matching []dsse.Verifier
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.keyID)
		for _, s := range env.Signatures {
			if s.KeyID == "" || s.KeyID == k.keyID {
				matching = append(matching, k)
				break
			}
		}
	}
	if len(matching) == 0 {
		var signed []string
		for _, s := range env.Signatures {
			signed = append(signed, s.KeyID)
		}
		return nil, invalid("signed by key %s, not by the given key %s", strings.Join(signed, ", "), strings.Join(ids, ", "))
	}
	ev, err := dsse.NewMultiEnvelopeVerifier(1, matching...)
	if err != nil {
		return nil, fmt.Errorf("verify record: %w", err)
	}
	accepted, payload, err := ev.VerifyAndDecode(ctx, &env)
	if err != nil || len(accepted) == 0 {
		return nil, invalid("the signature does not verify: the record was changed after signing or signed by another key")
	}
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		return nil, invalid("the statement is malformed: %v", err)
	}
	if err := st.Validate(); err != nil {
		return nil, invalid("the statement is invalid: %v", err)
	}
	if st.GetPredicateType() != PredicateType {
		return nil, invalid("predicate type %q is not a relgate decision (%s)", st.GetPredicateType(), PredicateType)
	}
	raw, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, invalid("the predicate is malformed: %v", err)
	}
	r := &Record{KeyID: accepted[0].KeyID}
	if err := json.Unmarshal(raw, &r.Predicate); err != nil {
		return nil, invalid("the predicate is malformed: %v", err)
	}
	r.Time, err = time.Parse(time.RFC3339, r.Predicate.Time)
	if err != nil {
		return nil, invalid("the predicate time %q is not RFC 3339", r.Predicate.Time)
	}
	for _, s := range st.GetSubject() {
		for alg, hex := range s.GetDigest() {
			r.Subjects = append(r.Subjects, Subject{Name: s.GetName(), Digest: alg + ":" + hex})
		}
	}
	slices.SortFunc(r.Subjects, func(a, b Subject) int { return strings.Compare(a.Digest+a.Name, b.Digest+b.Name) })
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	if r.Time.After(now.Add(maxSkew)) {
		return nil, invalid("signed in the future (%s)", r.Predicate.Time)
	}
	if age := now.Sub(r.Time); o.MaxAge > 0 && age > o.MaxAge {
		return nil, invalid("expired: signed %s ago (%s), older than the maximum age %s", age.Truncate(time.Second), r.Predicate.Time, o.MaxAge)
	}
	return r, nil
}

// ClaimedSubjects reads the subjects of a record without verifying it, so
// that a refused record can be reported against the image it claims.
func ClaimedSubjects(record []byte) []string {
	var env dsse.Envelope
	if json.Unmarshal(record, &env) != nil {
		return nil
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil
	}
	var st intoto.Statement
	if protojson.Unmarshal(payload, &st) != nil {
		return nil
	}
	var out []string
	for _, s := range st.GetSubject() {
		for alg, hex := range s.GetDigest() {
			out = append(out, alg+":"+hex)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
