package db

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// macKeyLen is the HMAC-SHA256 key size in bytes.
const macKeyLen = 32

// macKeyFile is the default name of the MAC key, beside the checkpoint key.
const macKeyFile = "audit-mac.key"

// macKey is the secret every chain entry is MACed with. It lives outside the
// database, so someone who can write to the database but not read this file
// can delete or reorder entries (which the checkpoints catch) but cannot add
// or rewrite one that verifies.
type macKey struct {
	path string
	key  []byte
}

// loadMACKey reads the MAC key (hex, one line), creating it when create is
// set and it is missing. A missing key without create is reported with
// fs.ErrNotExist so that `audit verify` can say so instead of making one.
func loadMACKey(path string, create bool) (*macKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := createMACKey(path); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read audit MAC key: %w", err)
	}
	if err := checkPrivateFile(path, "audit MAC key"); err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != macKeyLen {
		return nil, fmt.Errorf("audit MAC key %s is not %d hex-encoded bytes", path, macKeyLen)
	}
	return &macKey{path: path, key: k}, nil
}

// createMACKey writes a new random key, linked into place only if the name
// is still free, so two processes starting at once end with the same key.
func createMACKey(path string) error {
	k := make([]byte, macKeyLen)
	if _, err := rand.Read(k); err != nil {
		return fmt.Errorf("generate audit MAC key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create audit MAC key directory: %w", err)
	}
	tmp, err := writeTempSynced(path, []byte(hex.EncodeToString(k)+"\n"))
	if err != nil {
		return fmt.Errorf("write audit MAC key: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write audit MAC key: %w", err)
	}
	return nil
}

// sum is the entry's MAC over what its hash covers (seq, prev and the
// event's canonical encoding) under a distinct prefix.
func (k *macKey) sum(rec AuditRecord) string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("custodian audit mac v1\n"))
	writeCanonical(m, rec.Seq, rec.Prev, rec.AuditEvent)
	return hex.EncodeToString(m.Sum(nil))
}

// check reports whether rec carries this key's MAC.
func (k *macKey) check(rec AuditRecord) bool {
	want, err := hex.DecodeString(rec.MAC)
	if err != nil {
		return false
	}
	got, _ := hex.DecodeString(k.sum(rec))
	return hmac.Equal(got, want)
}

// id names the key without revealing it: checkpoints record it, so a key
// swapped for another is caught even before any entry is checked.
func (k *macKey) id() string {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte("custodian audit mac key id\n"))
	return hex.EncodeToString(m.Sum(nil))[:16]
}
