package db

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/model"
)

// collTenantKeys holds one HMAC key per tenant: erasure by hashing
// (model.EraseHash) keeps a value joinable inside the tenant (the same SSN
// hashes the same in every product) without keeping it readable, and a
// per-tenant key means two Customers' hashes of one value never match.
const collTenantKeys = "tenant_keys"

// tenantKeyBytes is the HMAC-SHA256 key size: the hash's block-size-safe
// length and its output size.
const tenantKeyBytes = 32

// hashHexChars is how much of the HMAC a hashed value keeps: 128 bits is
// far beyond collision risk inside one tenant and keeps values short.
const hashHexChars = 32

type tenantKey struct {
	ID        string    `bson:"_id"`
	Key       []byte    `bson:"key"`
	CreatedAt time.Time `bson:"created_at"`
}

// tenantKey returns the tenant's HMAC key, creating it on first use. Two
// processes creating it at once both insert; the loser's duplicate-key error
// sends it to read the winner's key, so every hash of a tenant uses one key.
func (s *Store) tenantKey(ctx context.Context, tenantID string) ([]byte, error) {
	coll := s.conn.DB.Collection(collTenantKeys)
	read := func() ([]byte, bool, error) {
		var k tenantKey
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: tenantID}}).Decode(&k)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("read the hashing key of tenant %s: %w", tenantID, err)
		}
		if len(k.Key) != tenantKeyBytes {
			return nil, false, fmt.Errorf("the hashing key of tenant %s has %d bytes, want %d: restore it from a backup (hashes made with it cannot be reproduced otherwise)", tenantID, len(k.Key), tenantKeyBytes)
		}
		return k.Key, true, nil
	}
	if key, ok, err := read(); err != nil || ok {
		return key, err
	}
	k := tenantKey{ID: tenantID, Key: make([]byte, tenantKeyBytes), CreatedAt: s.now()}
	if _, err := rand.Read(k.Key); err != nil {
		return nil, fmt.Errorf("make the hashing key of tenant %s: %w", tenantID, err)
	}
	if _, err := coll.InsertOne(ctx, k); err != nil {
		if !isDup(err) {
			return nil, fmt.Errorf("store the hashing key of tenant %s: %w", tenantID, err)
		}
		key, ok, err := read()
		if err == nil && !ok {
			err = fmt.Errorf("the hashing key of tenant %s vanished after a concurrent insert", tenantID)
		}
		return key, err
	}
	return k.Key, nil
}

// tenantHasher is the erasure hash of a tenant: model.HashPrefix and the
// first hashHexChars hex digits of HMAC-SHA256(key, value).
func (s *Store) tenantHasher(ctx context.Context, tenantID string) (func(string) string, error) {
	key, err := s.tenantKey(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return func(v string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(v))
		return model.HashPrefix + hex.EncodeToString(m.Sum(nil))[:hashHexChars]
	}, nil
}
