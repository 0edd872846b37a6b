package db

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func hashOf(b byte) string { return strings.Repeat(string("0123456789abcdef"[b%16]), 64) }

func TestCheckpointKeyCreatedPrivateAndReused(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "sub", "audit.key")
	a, err := newCheckpointer(filepath.Join(dir, "cp.json"), keyPath)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(keyPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi.Mode(), err)
	}
	b, err := newCheckpointer(filepath.Join(dir, "cp.json"), keyPath)
	if err != nil || !a.key.Equal(b.key) {
		t.Fatalf("second open made another key (%v)", err)
	}
	if err := os.Chmod(keyPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newCheckpointer(filepath.Join(dir, "cp.json"), keyPath); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key accepted: %v", err)
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(rk)
	rsaPath := filepath.Join(dir, "rsa.key")
	if err := os.WriteFile(rsaPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newCheckpointer(filepath.Join(dir, "cp.json"), rsaPath); err == nil || !strings.Contains(err.Error(), "Ed25519") {
		t.Fatalf("RSA key accepted: %v", err)
	}
	if _, err := newCheckpointer(filepath.Join(dir, "cp.json"), ""); err == nil {
		t.Fatal("checkpoint without a key path accepted")
	}
}

func TestCheckpointNeverMovesBack(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cp, err := newCheckpointer(filepath.Join(dir, "cp.json"), filepath.Join(dir, "k"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, seq := range []int64{5, 3, 7, 6} {
		if err := cp.advance(ctx, AuditRecord{Seq: seq, Hash: hashOf(byte(seq))}, now, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := cp.read()
	if err != nil || !ok || got.Seq != 7 || got.Hash != hashOf(7) {
		t.Fatalf("checkpoint %+v %v %v", got, ok, err)
	}
	if fi, _ := os.Stat(cp.path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("checkpoint mode %v", fi.Mode())
	}

	// Several writers sharing the file (each with its own descriptor, as
	// separate processes would have) end at the highest seq.
	other, err := newCheckpointer(cp.path, cp.keyPath)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w, c := range []*checkpointer{cp, other, cp, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int64(0); i < 40; i++ {
				seq := 10 + i*4 + int64(w)
				if err := c.advance(ctx, AuditRecord{Seq: seq, Hash: hashOf(byte(seq))}, now, "", nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, _, err = cp.read()
	if err != nil || got.Seq != 10+39*4+3 {
		t.Fatalf("after concurrent advances: %+v %v", got, err)
	}
	// Tampering with any signed field is caught.
	b, _ := os.ReadFile(cp.path)
	// The newest line: advance reads only that one (VerifyAudit checks all).
	i := strings.LastIndex(string(b), got.Hash)
	bad := string(b[:i]) + hashOf(byte(got.Seq+1)) + string(b[i+len(got.Hash):])
	if err := os.WriteFile(cp.path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cp.read(); err == nil || !strings.Contains(err.Error(), "bad signature") {
		t.Fatalf("altered hash: %v", err)
	}
	if err := cp.advance(ctx, AuditRecord{Seq: 1000, Hash: hashOf(1)}, now, "", nil); err == nil {
		t.Fatal("advanced over a checkpoint with a bad signature")
	}
}
