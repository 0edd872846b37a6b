package db

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// dataMapMetaID is the meta document that carries the data map's version
// and the map as last applied: the audited source of truth that the
// datamap collection (one document per product collection, read by
// fulfilment) is made to match.
const dataMapMetaID = "datamap"

type dataMapMeta struct {
	ID      string                `bson:"_id"`
	Version int64                 `bson:"version"`
	Entries []model.CollectionMap `bson:"entries"`
}

// DataMapState is the data map with its version (0 until the first
// `datamap apply`; a seeded map has version 0), for export and for plans.
func (s *Store) DataMapState(ctx context.Context, actor model.Actor) ([]model.CollectionMap, int64, error) {
	if err := s.canRead(ctx, actor, "datamap"); err != nil {
		return nil, 0, err
	}
	dm, err := s.DataMap(ctx)
	if err != nil {
		return nil, 0, err
	}
	m, err := s.dataMapMeta(ctx)
	return dm, m.Version, err
}

func (s *Store) dataMapMeta(ctx context.Context) (dataMapMeta, error) {
	var m dataMapMeta
	err := s.db.Collection(collMeta).FindOne(ctx, bson.D{{Key: "_id", Value: dataMapMetaID}}).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return dataMapMeta{ID: dataMapMetaID}, nil
	}
	if err != nil {
		return m, fmt.Errorf("read data map version: %w", err)
	}
	return m, nil
}

// dataMapVersion is the version plans record; reading it never fails a plan.
func (s *Store) dataMapVersion(ctx context.Context) int64 {
	m, err := s.dataMapMeta(ctx)
	if err != nil {
		s.log.Warn("read data map version", "err", err)
	}
	return m.Version
}

// ApplyDataMap replaces the data map with dm, read by the caller at
// version (a map applied since is a conflict): admins only, validated by
// the model, naming the collection and field. The datamap collection is
// made to match, every product collection gets its index
// (ensureDataMapIndexes), and then the new version is one audited claimed
// write naming the collections changed ("+new", "~changed", "-removed").
// The map is compared with the last applied one, so after a crash between
// those steps applying the same file again finishes the job.
func (s *Store) ApplyDataMap(ctx context.Context, actor model.Actor, dm []model.CollectionMap, version int64) (int64, []string, error) {
	const action = "apply_datamap"
	tgt := auditTarget("datamap", dataMapMetaID)
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return 0, nil, fmt.Errorf("apply data map: %w", err)
	}
	if !actor.Can(model.PermManageTenants) {
		return 0, nil, s.refuse(ctx, actor, action, tgt, "", actor.Refusal(model.PermManageTenants, "change the data map"), nil)
	}
	if err := model.ValidateDataMap(dm); err != nil {
		return 0, nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	for _, c := range dm {
		if isCustodianCollection(c.Collection) {
			return 0, nil, invalidf("data map %s: that is one of custodian's own collections, not a product collection", c.Collection)
		}
	}
	meta, err := s.dataMapMeta(ctx)
	if err != nil {
		return 0, nil, err
	}
	if meta.Version != version {
		return 0, nil, &ConflictError{Kind: "data map", ID: "version", Version: meta.Version, now: s.now()}
	}
	last := meta.Entries
	if meta.Version == 0 {
		if last, err = s.DataMap(ctx); err != nil {
			return 0, nil, err
		}
	}
	changed := model.DataMapChanges(last, dm)
	if len(changed) == 0 {
		return meta.Version, nil, nil
	}
	if err := s.syncDataMap(ctx, dm); err != nil {
		return 0, nil, err
	}
	if err := ensureDataMapIndexes(ctx, s.db); err != nil {
		return 0, nil, fmt.Errorf("apply data map: indexes: %w", err)
	}

	next := meta.Version + 1
	now := s.now()
	c := s.newClaim(collMeta, dataMapMetaID, next, actor.Handle(), now)
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: tgt, Outcome: model.OutcomeOK,
		Detail: fmt.Sprintf("version %d; collections: %s", next, strings.Join(changed, ",")),
	}}
	raw, err := bson.Marshal(dataMapMeta{ID: dataMapMetaID, Version: next, Entries: dm})
	if err != nil {
		return 0, nil, fmt.Errorf("apply data map: %w", err)
	}
	c.Doc = raw
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			return 0, nil, &ConflictError{Kind: "data map", ID: "version", Version: next, now: s.now()}
		}
		return 0, nil, fmt.Errorf("apply data map: %w", err)
	}
	return next, changed, nil
}

// syncDataMap makes the datamap collection hold exactly dm: each entry
// replaced by its collection name, entries no longer mapped deleted. Each
// step is safe to repeat.
func (s *Store) syncDataMap(ctx context.Context, dm []model.CollectionMap) error {
	coll := s.db.Collection(collSeedDataMap)
	names := make([]string, 0, len(dm))
	for _, c := range dm {
		names = append(names, c.Collection)
		if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.Collection}}, c, options.Replace().SetUpsert(true)); err != nil {
			return fmt.Errorf("apply data map: write %s: %w", c.Collection, err)
		}
	}
	if _, err := coll.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$nin", Value: names}}}}); err != nil {
		return fmt.Errorf("apply data map: remove unmapped entries: %w", err)
	}
	return nil
}

// isCustodianCollection: a data map entry naming one of custodian's own
// collections would let fulfilment erase its records.
func isCustodianCollection(name string) bool {
	for _, c := range Collections() {
		if c.Name == name {
			return true
		}
	}
	return strings.HasPrefix(name, "system.")
}
