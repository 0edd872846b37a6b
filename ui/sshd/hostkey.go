package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	gossh "golang.org/x/crypto/ssh"
)

// HostKey is the server's identity, kept in the data directory so clients
// see the same fingerprint on every start and on every server sharing it.
type HostKey struct {
	Signer      gossh.Signer
	Fingerprint string // SHA256:…, as ssh-keygen -l prints it
	Path        string
	Created     bool // made by this call (first run)
}

// LoadOrCreateHostKey reads the Ed25519 host key at path, creating it (mode
// 0600) when missing. A new key is written to a temporary file and linked
// into place only if the name is still free, so two servers starting at
// once on one data directory end up with the same key.
func LoadOrCreateHostKey(path string) (HostKey, error) {
	hk := HostKey{Path: path}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		created, cerr := createHostKey(path)
		if cerr != nil {
			return hk, cerr
		}
		hk.Created = created
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return hk, fmt.Errorf("read host key: %w", err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return hk, fmt.Errorf("read host key: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return hk, fmt.Errorf("host key %s can be read by other users (mode %04o): run chmod 600 on it", path, perm)
		}
	}
	signer, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return hk, fmt.Errorf("host key %s: %w (move it away to have a new one made)", path, err)
	}
	if signer.PublicKey().Type() != gossh.KeyAlgoED25519 {
		return hk, fmt.Errorf("host key %s is %s, want ssh-ed25519", path, signer.PublicKey().Type())
	}
	hk.Signer = signer
	hk.Fingerprint = gossh.FingerprintSHA256(signer.PublicKey())
	return hk, nil
}

// createHostKey reports whether this call's key is the one now at path.
func createHostKey(path string) (bool, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return false, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(key, "custodian host key")
	if err != nil {
		return false, fmt.Errorf("encode host key: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("create host key directory: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return false, fmt.Errorf("write host key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	data := pem.EncodeToMemory(block)
	if err := f.Chmod(0o600); err == nil {
		_, err = f.Write(data)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return false, fmt.Errorf("write host key: %w", err)
		}
	} else {
		_ = f.Close()
		return false, fmt.Errorf("write host key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil // another server made it first; use theirs
		}
		return false, fmt.Errorf("write host key: %w", err)
	}
	return true, nil
}
