package attest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

func ed25519Keys(t testing.TB) (priv, pub []byte) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pemKeys(t, sk, pk)
}

func pemKeys(t testing.TB, sk, pk any) (priv, pub []byte) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	pder, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder})
}

func sampleDecision() (*engine.Decision, *engine.Input) {
	in := engine.NewInput()
	in.Release.Environment = "production"
	in.Release.Artifacts = []engine.Artifact{{Name: "api", Digest: "sha256:" + strings.Repeat("b", 64)}}
	in.Containers = []engine.Container{{Image: "registry.local/api:1.2.3", Digest: "sha256:" + strings.Repeat("a", 64)}}
	d := &engine.Decision{Result: "fail", Score: 0.5, Environment: "production", InputDigest: "sha256:" + strings.Repeat("c", 64), PolicyDigest: "sha256:" + strings.Repeat("d", 64),
		Violations: []engine.Finding{{Rule: "SEC001", Severity: "critical"}, {Rule: "VUL001", Severity: "high"}, {Rule: "SEC001", Severity: "critical"}},
		Release:    &engine.DecisionRelease{Version: "1.2.3"}}
	return d, in
}

func sign(t *testing.T, priv []byte, now time.Time) []byte {
	t.Helper()
	s, err := ParsePrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	d, in := sampleDecision()
	rec, err := Sign(context.Background(), s, Subjects(in, d.InputDigest), NewPredicate(d, "test", now))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func verifier(t *testing.T, pub []byte) []*Verifier {
	t.Helper()
	v, err := ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return []*Verifier{v}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecPriv, ecPub := pemKeys(t, ec, &ec.PublicKey)
	edPriv, edPub := ed25519Keys(t)
	for name, keys := range map[string][2][]byte{"ed25519": {edPriv, edPub}, "ecdsa": {ecPriv, ecPub}} {
		t.Run(name, func(t *testing.T) {
			rec := sign(t, keys[0], now)
			r, err := Verify(context.Background(), rec, verifier(t, keys[1]), Options{MaxAge: time.Hour, Now: now.Add(time.Minute)})
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			p := r.Predicate
			if p.Result != "fail" || p.Environment != "production" || p.Violations.Count != 3 || p.Violations.BySeverity["critical"] != 2 ||
				strings.Join(p.Violations.Rules, ",") != "SEC001,VUL001" || p.RelgateVersion != "test" || p.Release.Version != "1.2.3" {
				t.Errorf("predicate = %+v", p)
			}
			if len(r.Subjects) != 2 || r.Subjects[0].Digest != "sha256:"+strings.Repeat("a", 64) || r.Subjects[0].Name != "registry.local/api:1.2.3" {
				t.Errorf("subjects = %+v", r.Subjects)
			}
			if r.Passing() {
				t.Error("a failed decision passes")
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	priv, pub := ed25519Keys(t)
	_, otherPub := ed25519Keys(t)
	rec := sign(t, priv, now)

	var env map[string]any
	if err := json.Unmarshal(rec, &env); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	env["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(`"fail"`), []byte(`"pass"`), 1))
	tampered, _ := json.Marshal(env)
	env["signatures"].([]any)[0].(map[string]any)["keyid"] = ""
	tamperedNoID, _ := json.Marshal(env)

	cases := []struct {
		name   string
		record []byte
		pub    []byte
		opts   Options
		want   string
	}{
		{"tampered", tampered, pub, Options{Now: now}, "changed after signing"},
		{"tampered without key id", tamperedNoID, pub, Options{Now: now}, "changed after signing"},
		{"wrong key", rec, otherPub, Options{Now: now}, "not by the given key"},
		{"expired", rec, pub, Options{Now: now.Add(25 * time.Hour), MaxAge: 24 * time.Hour}, "expired"},
		{"future", rec, pub, Options{Now: now.Add(-time.Hour)}, "in the future"},
		{"not json", []byte("{"), pub, Options{Now: now}, "not a DSSE envelope"},
		{"wrong payload type", []byte(`{"payloadType":"text/plain","payload":"","signatures":[{"sig":"AA=="}]}`), pub, Options{Now: now}, "payload type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(context.Background(), c.record, verifier(t, c.pub), c.opts)
			if err == nil || !IsInvalid(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want an invalid record error containing %q", err, c.want)
			}
		})
	}
	if _, err := Verify(context.Background(), rec, verifier(t, pub), Options{Now: now}); err != nil {
		t.Fatalf("the untouched record: %v", err)
	}
	if got := ClaimedSubjects(tampered); len(got) != 2 {
		t.Errorf("claimed subjects = %v", got)
	}
}

func TestSubjectsFallBackToInput(t *testing.T) {
	in := engine.NewInput()
	got := Subjects(in, "sha256:"+strings.Repeat("e", 64))
	if len(got) != 1 || got[0].Name != InputSubject {
		t.Fatalf("subjects = %+v", got)
	}
}

func TestParseKeysRefuse(t *testing.T) {
	for name, data := range map[string]string{"empty": "", "not pem": "hello", "public as private": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"} {
		if _, err := ParsePrivateKey([]byte(data)); err == nil {
			t.Errorf("%s: parsed a private key", name)
		}
	}
	priv, _ := ed25519Keys(t)
	if _, err := ParsePublicKey(priv); err == nil || strings.Contains(err.Error(), string(priv[30:50])) {
		t.Errorf("private key parsed as public, or leaked: %v", err)
	}
}

// FuzzVerify feeds arbitrary records to the verifier: it must refuse them
// without panicking. Seeds come from testdata.
func FuzzVerify(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	pk, _, _ := ed25519.GenerateKey(rand.Reader)
	v, err := NewVerifier(pk)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Verify(context.Background(), data, []*Verifier{v}, Options{}); err == nil {
			t.Fatal("a record signed by another key verified")
		}
		_ = ClaimedSubjects(data)
	})
}
