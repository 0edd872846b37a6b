package db

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
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
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// checkpointDoc is one checkpoint: a signed statement "the audit chain had
// entry Seq with hash Hash at Time". The checkpoint file lives outside the
// database and is an append-only sequence of them, one JSON line each, every
// line naming the one before (Prev), so deleting the newest entries, or
// rewriting older ones, cannot go unnoticed, and neither can removing a
// checkpoint from the middle. A file written before checkpoints formed a
// sequence holds one indented object (V 0); it stays the sequence's first.
type checkpointDoc struct {
	V    int    `json:"v,omitempty"` // 2 for a line of the sequence
	N    int64  `json:"n,omitempty"` // position in the sequence, from 1
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
	Time string `json:"time"`           // RFC 3339, UTC
	Prev string `json:"prev,omitempty"` // link hash of the previous checkpoint
	// MACFrom is the first seq that carries a MAC; entries before it were
	// written before the MAC key existed. MACKey names that key (macKey.id).
	MACFrom int64  `json:"mac_from,omitempty"`
	MACKey  string `json:"mac_key,omitempty"`
	Sig     string `json:"sig"` // base64 Ed25519 signature of signedMessage
}

// checkpointLockWait bounds how long an append waits for another process
// that is rewriting the checkpoint (a rewrite takes about a millisecond).
const checkpointLockWait = 5 * time.Second

type checkpointer struct {
	// mu serialises advances within this process; the flock on the lock
	// file serialises processes but is invisible to the race detector and
	// says nothing about this struct's own fields.
	mu      sync.Mutex
	path    string
	keyPath string
	key     ed25519.PrivateKey
	// fresh is set when this process created the key, i.e. the data
	// directory is new. A new key comes with an empty checkpoint file, and
	// only an empty file (or a fresh key) starts a sequence: a missing file
	// is a deletion, and starting over would hide it. Guarded by the
	// checkpoint file lock.
	fresh bool
	// external, when set, also receives every checkpoint line.
	external string
}

func newCheckpointer(path, keyPath string) (*checkpointer, error) {
	return openCheckpointer(path, keyPath, true)
}

// openCheckpointer opens the checkpoint and its key; create=false never
// makes a key, and reports a missing one with fs.ErrNotExist.
func openCheckpointer(path, keyPath string, create bool) (*checkpointer, error) {
	if path == "" || keyPath == "" {
		return nil, errors.New("audit checkpoint needs both a checkpoint path and a key path")
	}
	key, created, err := loadOrCreateKey(keyPath, create)
	if err != nil {
		return nil, err
	}
	if created {
		// An empty checkpoint file says "a sequence may start here"; from
		// now on a missing file can only mean a deletion.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			err = f.Close()
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create audit checkpoint: %w", err)
		}
	}
	return &checkpointer{path: path, keyPath: keyPath, key: key, fresh: created}, nil
}

// openKeys opens the checkpoint signer and the MAC key. With VerifyOnly a
// missing key is remembered (for VerifyAudit to report), never created.
func (s *Store) openKeys(o StoreOptions) error {
	create := !o.VerifyOnly
	s.verifyOnly = o.VerifyOnly
	cp, err := openCheckpointer(o.CheckpointPath, o.CheckpointKeyPath, create)
	switch {
	case err == nil:
		cp.external = o.CheckpointLog
		s.cp = cp
	case !create && errors.Is(err, fs.ErrNotExist):
		s.cp = &checkpointer{path: o.CheckpointPath, keyPath: o.CheckpointKeyPath, external: o.CheckpointLog}
		s.cpKeyErr = fmt.Errorf("checkpoint key %s is missing", o.CheckpointKeyPath)
	default:
		return err
	}
	macPath := o.AuditKeyPath
	if macPath == "" {
		macPath = filepath.Join(filepath.Dir(o.CheckpointKeyPath), macKeyFile)
	}
	mk, err := loadMACKey(macPath, create)
	switch {
	case err == nil:
		s.mac = mk
	case !create && errors.Is(err, fs.ErrNotExist):
		s.macErr = fmt.Errorf("audit MAC key %s is missing", macPath)
	default:
		return err
	}
	return nil
}

// loadOrCreateKey reads the signing key, creating it on first use. Two
// processes starting at once must end up with the same key, so the new key
// is written to a temporary file and linked into place only if the name is
// still free.
func loadOrCreateKey(path string, create bool) (key ed25519.PrivateKey, created bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if created, err = createKey(path); err != nil {
			return nil, false, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("read checkpoint key: %w", err)
	}
	ek, err := parseKey(path, b)
	return ek, created, err
}

func parseKey(path string, b []byte) (ed25519.PrivateKey, error) {
	if err := checkPrivateFile(path, "checkpoint key"); err != nil {
		return nil, err
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

// createKey reports created=false when another process made the key first.
func createKey(path string) (bool, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return false, fmt.Errorf("generate checkpoint key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return false, fmt.Errorf("encode checkpoint key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("create checkpoint key directory: %w", err)
	}
	tmp, err := writeTempSynced(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err != nil {
		return false, fmt.Errorf("write checkpoint key: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("write checkpoint key: %w", err)
	}
	return true, nil
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
	if cp.V < 2 {
		return []byte("custodian audit checkpoint v1\nseq=" + strconv.FormatInt(cp.Seq, 10) + "\nhash=" + cp.Hash + "\ntime=" + cp.Time + "\n")
	}
	return []byte("custodian audit checkpoint v2\nn=" + strconv.FormatInt(cp.N, 10) +
		"\nseq=" + strconv.FormatInt(cp.Seq, 10) + "\nhash=" + cp.Hash + "\ntime=" + cp.Time +
		"\nprev=" + cp.Prev + "\nmac_from=" + strconv.FormatInt(cp.MACFrom, 10) + "\nmac_key=" + cp.MACKey + "\n")
}

// linkHash is what the next checkpoint names as its Prev.
func linkHash(cp checkpointDoc) string {
	h := sha256.Sum256(append(signedMessage(cp), cp.Sig...))
	return hex.EncodeToString(h[:])
}

// read returns the newest checkpoint, ok=false when there is none yet, and
// an error when the file is unreadable, malformed or not signed by our key.
func (c *checkpointer) read() (checkpointDoc, bool, error) {
	cps, err := c.readAll()
	if err != nil || len(cps) == 0 {
		return checkpointDoc{}, len(cps) > 0, err
	}
	return cps[len(cps)-1], true, nil
}

// readAll returns every checkpoint, oldest first, each checked: signed by
// our key, linked to the one before, never moving back, and agreeing with
// the others on where MACs begin and which key makes them.
func (c *checkpointer) readAll() ([]checkpointDoc, error) {
	if c.key == nil {
		return nil, errors.New("no checkpoint key to check the checkpoints with")
	}
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoint: %w", err)
	}
	pub := c.key.Public().(ed25519.PublicKey)
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []checkpointDoc
	for dec.More() {
		n := len(out) + 1
		var cp checkpointDoc
		if err := dec.Decode(&cp); err != nil {
			return out, fmt.Errorf("audit checkpoint %s: checkpoint %d is not valid JSON: %v", c.path, n, err)
		}
		sig, err := base64.StdEncoding.DecodeString(cp.Sig)
		if err != nil || !ed25519.Verify(pub, signedMessage(cp), sig) {
			return out, fmt.Errorf("audit checkpoint %s: checkpoint %d has a bad signature (altered, or signed with a key other than %s)", c.path, n, c.keyPath)
		}
		if h, err := hex.DecodeString(cp.Hash); err != nil || len(h) != 32 || cp.Seq < 0 {
			return out, fmt.Errorf("audit checkpoint %s: checkpoint %d has a malformed seq or hash", c.path, n)
		}
		if len(out) > 0 {
			last := out[len(out)-1]
			switch {
			case cp.V < 2:
				return out, fmt.Errorf("audit checkpoint %s: checkpoint %d is in the old single-checkpoint format but is not the first", c.path, n)
			case cp.N != int64(n) || cp.Prev != linkHash(last):
				return out, fmt.Errorf("audit checkpoint %s: checkpoint %d does not follow checkpoint %d (one was removed, reordered or replaced)", c.path, n, n-1)
			case cp.Seq < last.Seq:
				return out, fmt.Errorf("audit checkpoint %s: checkpoint %d moves back from seq %d to %d", c.path, n, last.Seq, cp.Seq)
			case last.MACFrom != 0 && cp.MACFrom != last.MACFrom, last.MACKey != "" && cp.MACKey != last.MACKey:
				return out, fmt.Errorf("audit checkpoint %s: checkpoint %d changes where MACs begin or which key makes them", c.path, n)
			}
		} else if cp.V >= 2 && (cp.N != 1 || cp.Prev != "") {
			return out, fmt.Errorf("audit checkpoint %s: the first checkpoint is number %d: earlier ones were removed", c.path, cp.N)
		}
		out = append(out, cp)
	}
	return out, nil
}

// readLast returns the newest checkpoint (none or one), its signature
// checked, reading only the file's tail.
func (c *checkpointer) readLast() ([]checkpointDoc, error) {
	if c.key == nil {
		return nil, errors.New("no checkpoint key to check the checkpoints with")
	}
	f, err := os.Open(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoint: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read audit checkpoint: %w", err)
	}
	const tail = 4096 // a line is about 300 bytes
	off := max(fi.Size()-tail, 0)
	buf := make([]byte, fi.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("read audit checkpoint: %w", err)
	}
	buf = bytes.TrimRight(buf, "\n")
	if len(buf) == 0 {
		return nil, nil
	}
	line := buf[bytes.LastIndexByte(buf, '\n')+1:]
	if !bytes.HasPrefix(line, []byte("{")) {
		// The old single indented object: small, read it whole.
		return c.readAll()
	}
	var cp checkpointDoc
	if err := json.Unmarshal(line, &cp); err != nil {
		return nil, fmt.Errorf("audit checkpoint %s: the last checkpoint is not valid JSON: %v", c.path, err)
	}
	sig, err := base64.StdEncoding.DecodeString(cp.Sig)
	if err != nil || !ed25519.Verify(c.key.Public().(ed25519.PublicKey), signedMessage(cp), sig) {
		return nil, fmt.Errorf("audit checkpoint %s: the last checkpoint has a bad signature (altered, or signed with a key other than %s)", c.path, c.keyPath)
	}
	return []checkpointDoc{cp}, nil
}

// checkFunc verifies the chain entries from the one last vouched for (nil:
// from the first) to upTo, returning the first seq in them carrying a MAC.
type checkFunc func(ctx context.Context, last *checkpointDoc, upTo int64) (macFrom int64, err error)

// errNoCheckpointFile: the checkpoint file is gone from a data directory
// that had one; starting a new sequence would hide the deletion.
var errNoCheckpointFile = errors.New("checkpoint file is missing but its key is not new: refusing to start a new sequence over the existing chain (restore the file; to re-anchor deliberately, move the checkpoint key aside)")

// advance appends a checkpoint for rec unless the newest already vouches
// for rec or a later entry; it never moves back. It first has check verify
// the entries since the newest checkpoint, and does not advance over
// entries that fail: a checkpoint must never vouch for a rewrite. Processes
// sharing the file take turns under an flock on a lock file beside it. A
// checkpoint file that fails its checks is evidence and is left alone;
// VerifyAudit reports it.
func (c *checkpointer) advance(ctx context.Context, rec AuditRecord, now time.Time, macID string, check checkFunc) error {
	if c.key == nil {
		return errors.New("no checkpoint key")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	unlock, err := lockCheckpointFile(ctx, c.path+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	// Only the newest checkpoint is read: checking the whole sequence on
	// every write would cost a signature check per write ever made.
	// VerifyAudit checks all of them.
	cps, err := c.readLast()
	if err != nil {
		return err
	}
	var last *checkpointDoc
	if len(cps) > 0 {
		last = &cps[len(cps)-1]
		if last.Seq >= rec.Seq {
			return nil
		}
		if last.MACKey != "" && macID != last.MACKey {
			return fmt.Errorf("the audit MAC key is not the one the checkpoints name (%s): not advancing", last.MACKey)
		}
	} else if _, err := os.Stat(c.path); err != nil && !c.fresh {
		return errNoCheckpointFile
	}
	macFrom := int64(0)
	if check != nil {
		if macFrom, err = check(ctx, last, rec.Seq); err != nil {
			return fmt.Errorf("not advancing the checkpoint to seq %d: %w", rec.Seq, err)
		}
	}
	n := int64(1)
	if last != nil {
		n = last.N + 1
		if last.V < 2 {
			n = 2 // after a single checkpoint of the old format
		}
	}
	cp := checkpointDoc{V: 2, N: n, Seq: rec.Seq, Hash: rec.Hash, Time: now.UTC().Format(time.RFC3339), MACKey: macID, MACFrom: macFrom}
	if last != nil {
		cp.Prev = linkHash(*last)
		if last.MACFrom != 0 {
			cp.MACFrom = last.MACFrom
		}
	}
	cp.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(c.key, signedMessage(cp)))
	line, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	if err := appendSynced(c.path, line); err != nil {
		return fmt.Errorf("write audit checkpoint: %w", err)
	}
	c.fresh = false
	if c.external != "" {
		if err := writeExternal(c.external, line); err != nil {
			return fmt.Errorf("copy audit checkpoint to %s: %w", c.external, err)
		}
	}
	return nil
}

// appendSynced appends data to path (created 0600) in one write and syncs it.
func appendSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
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
	macID := ""
	if s.mac != nil {
		macID = s.mac.id()
	}
	if err := s.cp.advance(ctx, rec, s.now(), macID, s.checkSince); err != nil {
		// Loud: a checkpoint that cannot advance means the chain (or its
		// checkpoint file) was tampered with, and audit verify will fail.
		s.log.Error("AUDIT CHAIN NOT VOUCHED FOR: checkpoint not advanced", "seq", rec.Seq, "err", err)
	}
}

// writeExternal appends a checkpoint line to the external log: a file
// opened for appending (chattr +a, a log shipper or a mounted WORM share
// make it append-only beyond this process).
func writeExternal(path string, line []byte) error {
	return appendSynced(path, line)
}

// checkSince verifies the entries from the one last vouched for up to upTo:
// the vouched-for entry still has its hash, every later one links to the
// one before, hashes right and carries a valid MAC.
func (s *Store) checkSince(ctx context.Context, last *checkpointDoc, upTo int64) (int64, error) {
	from, prev := int64(1), GenesisHash
	if last != nil && last.Seq > 0 {
		from = last.Seq
	}
	cur, err := s.audit.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: upTo}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("read entries %d-%d: %w", from, upTo, err)
	}
	var recs []AuditRecord
	if err := cur.All(ctx, &recs); err != nil {
		return 0, fmt.Errorf("read entries %d-%d: %w", from, upTo, err)
	}
	want, macFrom, sawMAC := from, int64(0), last != nil && last.MACFrom != 0
	for _, rec := range recs {
		if rec.Seq != want {
			return 0, fmt.Errorf("seq %d is missing", want)
		}
		vouched := last != nil && rec.Seq == last.Seq
		if vouched {
			if rec.Hash != last.Hash {
				return 0, fmt.Errorf("seq %d no longer has the hash checkpoint %d vouched for", rec.Seq, last.N)
			}
		} else if rec.Prev != prev || chainHash(rec.Seq, rec.Prev, rec.AuditEvent) != rec.Hash {
			return 0, fmt.Errorf("seq %d does not hash or link to seq %d", rec.Seq, rec.Seq-1)
		}
		if p := s.macProblem(rec, sawMAC); p != "" && !vouched {
			return 0, fmt.Errorf("seq %d %s", rec.Seq, p)
		}
		if rec.MAC != "" && !sawMAC {
			sawMAC, macFrom = true, rec.Seq
		}
		prev, want = rec.Hash, want+1
	}
	if want != upTo+1 {
		return 0, fmt.Errorf("seq %d is missing", want)
	}
	return macFrom, nil
}

// macProblem says what is wrong with rec's MAC ("" when nothing): a MAC
// that does not verify, or none where MACs are required.
func (s *Store) macProblem(rec AuditRecord, required bool) string {
	switch {
	case s.mac == nil:
		return ""
	case rec.MAC != "" && !s.mac.check(rec):
		return "has a MAC that does not verify under the audit MAC key"
	case rec.MAC == "" && required:
		return "carries no MAC"
	}
	return ""
}

// checkPrivateFile refuses a key file other users can read: a key anyone can
// read signs or MACs anything, so it would guard nothing.
func checkPrivateFile(path, what string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("%s %s can be read by other users (mode %04o): run chmod 600 on it", what, path, perm)
	}
	return nil
}
