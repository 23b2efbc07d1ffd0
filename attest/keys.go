package attest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// Signer signs decision records with an ed25519 or ECDSA private key. It
// implements dsse.Signer.
type Signer struct {
	key   crypto.Signer
	keyID string
}

// Verifier checks decision records against one public key. It implements
// dsse.Verifier.
type Verifier struct {
	pub   crypto.PublicKey
	keyID string
}

// ParsePrivateKey reads a PEM private key: PKCS#8 ("PRIVATE KEY") holding
// ed25519 or ECDSA, or SEC 1 ("EC PRIVATE KEY"). The key material never
// appears in an error.
func ParsePrivateKey(data []byte) (*Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse private key: no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "ENCRYPTED PRIVATE KEY":
		return nil, errors.New("parse private key: encrypted keys are not supported (decrypt it into a tmpfs or use a secret mount)")
	default:
		return nil, fmt.Errorf("parse private key: PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, errors.New("parse private key: malformed key")
	}
	var s crypto.Signer
	switch k := key.(type) {
	case ed25519.PrivateKey:
		s = k
	case *ecdsa.PrivateKey:
		s = k
	default:
		return nil, fmt.Errorf("parse private key: %T keys are not supported (want ed25519 or ECDSA)", key)
	}
	id, err := dsse.SHA256KeyID(s.Public())
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	return &Signer{key: s, keyID: id}, nil
}

// ParsePublicKey reads a PEM ("PUBLIC KEY", PKIX) ed25519 or ECDSA public key.
func ParsePublicKey(data []byte) (*Verifier, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("parse public key: no PEM block")
	}
	if block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("parse public key: PEM block %q is not a public key", block.Type)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	return NewVerifier(pub)
}

// NewVerifier wraps an ed25519 or ECDSA public key.
func NewVerifier(pub crypto.PublicKey) (*Verifier, error) {
	switch pub.(type) {
	case ed25519.PublicKey, *ecdsa.PublicKey:
	default:
		return nil, fmt.Errorf("parse public key: %T keys are not supported (want ed25519 or ECDSA)", pub)
	}
	id, err := dsse.SHA256KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	return &Verifier{pub: pub, keyID: id}, nil
}

// NewSigner wraps an ed25519 or ECDSA private key.
func NewSigner(key crypto.Signer) (*Signer, error) {
	switch key.(type) {
	case ed25519.PrivateKey, *ecdsa.PrivateKey:
	default:
		return nil, fmt.Errorf("new signer: %T keys are not supported (want ed25519 or ECDSA)", key)
	}
	id, err := dsse.SHA256KeyID(key.Public())
	if err != nil {
		return nil, fmt.Errorf("new signer: %w", err)
	}
	return &Signer{key: key, keyID: id}, nil
}

// KeyID is the SHA256 fingerprint of the public key, as ssh-keygen shows it.
func (s *Signer) KeyID() (string, error) { return s.keyID, nil }

// Public returns the verifier for this signer's key.
func (s *Signer) Public() *Verifier { return &Verifier{pub: s.key.Public(), keyID: s.keyID} }

// Sign signs the DSSE pre-authentication encoding of a payload. ECDSA
// hashes with the digest the curve's size calls for, as securesystemslib does.
func (s *Signer) Sign(_ context.Context, data []byte) ([]byte, error) {
	switch k := s.key.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, data), nil
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(rand.Reader, k, ecdsaDigest(k.Curve, data))
	}
	return nil, errors.New("sign: unsupported key")
}

// KeyID is the SHA256 fingerprint of the public key.
func (v *Verifier) KeyID() (string, error) { return v.keyID, nil }

// Public returns the public key.
func (v *Verifier) Public() crypto.PublicKey { return v.pub }

// Verify checks one signature over the pre-authentication encoding.
func (v *Verifier) Verify(_ context.Context, data, sig []byte) error {
	switch k := v.pub.(type) {
	case ed25519.PublicKey:
		if !ed25519.Verify(k, data, sig) {
			return errors.New("verify: bad signature")
		}
		return nil
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, ecdsaDigest(k.Curve, data), sig) {
			return errors.New("verify: bad signature")
		}
		return nil
	}
	return errors.New("verify: unsupported key")
}

func ecdsaDigest(c elliptic.Curve, data []byte) []byte {
	var h hash.Hash
	switch bits := c.Params().BitSize; {
	case bits <= 256:
		h = sha256.New()
	case bits <= 384:
		h = sha512.New384()
	default:
		h = sha512.New()
	}
	h.Write(data)
	return h.Sum(nil)
}
