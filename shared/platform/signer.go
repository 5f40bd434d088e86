package platform

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"pointsofyou.ai/studio/shared/config"
)

// Signer says how V4 URLs are signed. With Email and PrivateKeyPEM empty
// the storage client signs itself: on Google Cloud it detects the service
// account and signs through the IAM Credentials API (terraform grants each
// storage user signBlob on its own identity).
type Signer struct {
	Email         string
	PrivateKeyPEM []byte
	// Hostname overrides the URL host (default: the client's XML API host,
	// which is the emulator's when STORAGE_EMULATOR_HOST is set).
	Hostname string
	// Insecure makes http:// URLs, for the local emulator.
	Insecure bool
}

// signerFromConfig signs locally with SIGNER_EMAIL + SIGNER_PRIVATE_KEY
// (both or neither; the key must be an RSA private key in PEM, also in the
// one-line form with \n escapes). With neither, Google Cloud signs through
// IAM; against the storage emulator, which checks no signature, an
// ephemeral key stands in.
func signerFromConfig(cfg config.Config) (Signer, error) {
	s := Signer{Email: cfg.SignerEmail, Insecure: cfg.StorageHost != ""}
	switch {
	case cfg.SignerEmail != "" && cfg.SignerKeyPEM != "":
		key := cfg.SignerKeyPEM
		if !strings.Contains(key, "\n") {
			key = strings.ReplaceAll(key, `\n`, "\n") // one-line env form
		}
		if err := checkPEMKey([]byte(key)); err != nil {
			return Signer{}, fmt.Errorf("SIGNER_PRIVATE_KEY: %w", err)
		}
		s.PrivateKeyPEM = []byte(key)
	case cfg.SignerEmail != "" || cfg.SignerKeyPEM != "":
		return Signer{}, errors.New("SIGNER_EMAIL and SIGNER_PRIVATE_KEY must be set together")
	case cfg.StorageHost != "":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return Signer{}, err
		}
		s.Email = "signer@" + cfg.Project + ".iam.gserviceaccount.com"
		s.PrivateKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	}
	return s, nil
}

func checkPEMKey(b []byte) error {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return errors.New("not PEM")
	}
	if _, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		return nil
	}
	if _, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err != nil {
		return errors.New("not an RSA private key")
	}
	return nil
}
