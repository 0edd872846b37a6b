package db

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"
)

// checkpointDoc is the checkpoint file: a signed statement "the audit chain
// had entry Seq with hash Hash at Time". It lives outside the database, so
// deleting the newest entries (and fixing the head hint) cannot go unnoticed.
type checkpointDoc struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	Time string `json:"time"` // RFC 3339, UTC
	Sig  string `json:"sig"`  // base64 Ed25519 signature of signedMessage
}

// checkpointLockWait bounds how long an append waits for another process
// that is rewriting the checkpoint (a rewrite takes about a millisecond).
const checkpointLockWait = 5 * time.Second

type checkpointer struct {
	path    string
	keyPath string
	key     ed25519.PrivateKey
}

func newCheckpointer(path, keyPath string) (*checkpointer, error) {
	if path == "" || keyPath == "" {
		return nil, errors.New("audit checkpoint needs both a checkpoint path and a key path")
	}
	key, err := loadOrCreateKey(keyPath)
	if err != nil {
		return nil, err
	}
	return &checkpointer{path: path, keyPath: keyPath, key: key}, nil
}

// loadOrCreateKey reads the signing key, creating it on first use. Two
// processes starting at once must end up with the same key, so the new key
// is written to a temporary file and linked into place only if the name is
// still free.
func loadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKey(path); err != nil {
			return nil, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint key: %w", err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("read checkpoint key: %w", err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			return nil, fmt.Errorf("checkpoint key %s can be read by other users (mode %04o): run chmod 600 on it", path, perm)
		}
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("checkpoint key %s is not a PEM \"PRIVATE KEY\" file", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("checkpoint key %s is a %T, want an Ed25519 key", path, k)
	}
	return ek, nil
}

func createKey(path string) error {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate checkpoint key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encode checkpoint key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create checkpoint key directory: %w", err)
	}
	tmp, err := writeTempSynced(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return fmt.Errorf("write checkpoint key: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write checkpoint key: %w", err)
	}
	return nil
}

// writeTempSynced writes data, synced, to a new 0600 file beside path.
func writeTempSynced(path string, data []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		_ = f.Close()
		_ = os.Remove(name)
		return "", err
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return "", err
	}
	return name, nil
}

func signedMessage(cp checkpointDoc) []byte {
	return []byte("custodian audit checkpoint v1\nseq=" + strconv.FormatInt(cp.Seq, 10) + "\nhash=" + cp.Hash + "\ntime=" + cp.Time + "\n")
}

// read returns the checkpoint, ok=false when there is none yet, and an error
// when the file is unreadable, malformed or not signed by our key.
func (c *checkpointer) read() (checkpointDoc, bool, error) {
	var cp checkpointDoc
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return cp, false, nil
	}
	if err != nil {
		return cp, false, fmt.Errorf("read audit checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &cp); err != nil {
		return cp, true, fmt.Errorf("audit checkpoint %s is not valid JSON: %v", c.path, err)
	}
	sig, err := base64.StdEncoding.DecodeString(cp.Sig)
	if err != nil || !ed25519.Verify(c.key.Public().(ed25519.PublicKey), signedMessage(cp), sig) {
		return cp, true, fmt.Errorf("audit checkpoint %s: bad signature (altered, or signed with a key other than %s)", c.path, c.keyPath)
	}
	if h, err := hex.DecodeString(cp.Hash); err != nil || len(h) != 32 || cp.Seq < 0 {
		return cp, true, fmt.Errorf("audit checkpoint %s: malformed seq or hash", c.path)
	}
	return cp, true, nil
}

// advance moves the checkpoint to rec unless it already vouches for rec or a
// later entry; it never moves back. Processes sharing the file take turns
// under an flock on a lock file beside it. A checkpoint that fails its
// signature check is evidence and is left alone; VerifyAudit reports it.
func (c *checkpointer) advance(ctx context.Context, rec AuditRecord, now time.Time) error {
	unlock, err := lockCheckpointFile(ctx, c.path+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	cur, ok, err := c.read()
	if err != nil {
		return err
	}
	if ok && cur.Seq >= rec.Seq {
		return nil
	}
	cp := checkpointDoc{Seq: rec.Seq, Hash: rec.Hash, Time: now.UTC().Format(time.RFC3339)}
	cp.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(c.key, signedMessage(cp)))
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := writeTempSynced(c.path, append(b, '\n'))
	if err != nil {
		return fmt.Errorf("write audit checkpoint: %w", err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write audit checkpoint: %w", err)
	}
	return nil
}

// lockCheckpointFile waits for an exclusive flock on path. Where flock is missing
// (tryLockExclusive says ErrUnsupported) it proceeds unlocked: one process
// per checkpoint file is then the operator's job.
func lockCheckpointFile(ctx context.Context, path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	deadline := time.Now().Add(checkpointLockWait)
	for {
		ok, err := tryLockExclusive(f)
		if errors.Is(err, errors.ErrUnsupported) {
			return func() { _ = f.Close() }, nil
		}
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			// Closing the descriptor releases the flock.
			return func() { _ = f.Close() }, nil
		}
		if time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: still held by another process after %s", path, checkpointLockWait)
		}
		if err := sleepCtx(ctx, 2*time.Millisecond); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
	}
}

// advanceCheckpoint moves the checkpoint to the last of recs, best effort:
// the entries are safely on the chain either way, and the next append
// advances it past them.
func (s *Store) advanceCheckpoint(ctx context.Context, recs []AuditRecord) {
	if s.cp == nil || len(recs) == 0 {
		return
	}
	rec := recs[len(recs)-1]
	if err := s.cp.advance(ctx, rec, s.now()); err != nil {
		s.log.Warn("advance audit checkpoint", "seq", rec.Seq, "err", err)
	}
}
