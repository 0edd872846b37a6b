package db

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/custodian-dev/custodian/model"
)

const (
	// lastVerifyID is the meta document holding the last audit
	// verification's outcome (recordVerify), which Health reports.
	lastVerifyID = "audit_last_verify"
	// sessionsPrefix starts the _id of each serve process's meta document
	// reporting its open sessions ("serve_sessions:<server>").
	sessionsPrefix = "serve_sessions:"
	// healthClaimsMax bounds the claims Health reads: claims exist only
	// while a write is in flight, so more than this is itself the news.
	healthClaimsMax = 1000
)

// Health reports the database as on-call sees it (model.Health). Each part
// is one bounded read; a part that cannot be read fails the report, since
// a health view that hides a failure would mislead.
func (s *Store) Health(ctx context.Context, actor model.Actor) (model.Health, error) {
	if err := s.canSeeHealth(ctx, actor, "system health"); err != nil {
		return model.Health{}, err
	}
	h := model.Health{At: s.now()}
	var err error
	if h.Kind, h.Version, h.RoundTrip, err = s.serverInfo(ctx); err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	if h.ClaimsPending, h.OldestClaim, err = s.pendingClaims(ctx); err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	if h.Failed, err = s.Failed(ctx, actor); err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	if h.Letters, err = s.letterHealth(ctx, actor); err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	if h.Verify, err = s.lastVerify(ctx); err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	if s.cp != nil && s.cpKeyErr == nil {
		cps, err := s.cp.readLast()
		if err != nil {
			return h, fmt.Errorf("health: %w", err)
		}
		if len(cps) == 1 {
			if t, perr := time.Parse(time.RFC3339Nano, cps[0].Time); perr == nil {
				h.CheckpointAt, h.CheckpointSeq = &t, cps[0].Seq
			}
		}
	}
	if h.SessionReports, err = s.sessionReports(ctx); err != nil {
		return h, fmt.Errorf("health: %w", err)
	}
	for _, r := range h.SessionReports {
		h.Sessions += r.Open
	}
	return h, nil
}

// serverInfo names the server, its version, and times one ping. The kind
// comes from what Open detected (hello/buildInfo); the version from
// buildInfo, FerretDB's own version when it is FerretDB.
func (s *Store) serverInfo(ctx context.Context) (kind, version string, rtt time.Duration, err error) {
	client := s.db.Client()
	start := time.Now()
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		return "", "", 0, fmt.Errorf("ping: %w", err)
	}
	rtt = time.Since(start)
	var build bson.M
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&build); err != nil {
		return "", "", rtt, fmt.Errorf("buildInfo: %w", err)
	}
	version, _ = build["version"].(string)
	if fv, ok := build["ferretdbVersion"].(string); ok {
		if fv == "unknown" && s.conn != nil && s.conn.Embedded {
			// Embedded FerretDB built as a module has no version.txt
			// and says "unknown"; the module version this binary was
			// built with is the one it runs (another process on the
			// same data directory is the same custodian, as a rule).
			fv = embeddedFerretVersion()
		}
		version = "FerretDB " + fv + " (MongoDB " + version + " compatible)"
	}
	switch c := s.conn; {
	case c == nil:
		kind = "unknown"
	case c.Embedded:
		// This process's FerretDB or the one another custodian process
		// runs on the same data directory: SQLite either way.
		kind = "embedded FerretDB (SQLite)"
	case c.Topology == "FerretDB":
		kind = "FerretDB"
	default:
		kind = "MongoDB " + c.Topology
	}
	return kind, version, rtt, nil
}

// embeddedFerretVersion is the FerretDB module version in this binary's
// build information, or "unknown".
func embeddedFerretVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/FerretDB/FerretDB" {
				return d.Version
			}
		}
	}
	return "unknown"
}

// pendingClaims counts the writes in flight and finds the oldest.
func (s *Store) pendingClaims(ctx context.Context) (int, *time.Time, error) {
	cur, err := s.claims.Find(ctx, bson.D{}, options.Find().
		SetProjection(bson.D{{Key: "at", Value: 1}}).SetLimit(healthClaimsMax))
	if err != nil {
		return 0, nil, fmt.Errorf("read claims: %w", err)
	}
	var cs []struct {
		At time.Time `bson:"at"`
	}
	if err := cur.All(ctx, &cs); err != nil {
		return 0, nil, fmt.Errorf("read claims: %w", err)
	}
	var oldest *time.Time
	for i := range cs {
		if oldest == nil || cs[i].At.Before(*oldest) {
			oldest = &cs[i].At
		}
	}
	return len(cs), oldest, nil
}

// verifyDoc is the stored shape of model.VerifyRecord.
type verifyDoc struct {
	At     time.Time `bson:"at"`
	OK     bool      `bson:"ok"`
	Events int64     `bson:"events"`
	Line   string    `bson:"line"`
}

// recordVerify keeps the outcome of an audit verification for Health.
// Best effort: a verification that could not be recorded still stands,
// and says so in the log.
func (s *Store) recordVerify(ctx context.Context, res model.VerifyResult) {
	if res.Events == 0 {
		// A walk of no events vouches for nothing, and writing its verdict
		// would create collections in a database without custodian's schema
		// (a mistyped --db): only migrate creates them.
		return
	}
	d := verifyDoc{At: s.now(), OK: res.OK && res.Warning == "", Events: res.Events, Line: res.Line()}
	err := upsertOne(context.WithoutCancel(ctx), s.meta, bson.D{{Key: "_id", Value: lastVerifyID}},
		bson.D{{Key: "$set", Value: d}})
	if err != nil {
		s.log.Warn("last audit verify outcome not recorded", "err", err)
	}
}

func (s *Store) lastVerify(ctx context.Context) (*model.VerifyRecord, error) {
	var d verifyDoc
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: lastVerifyID}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read last audit verify: %w", err)
	}
	return &model.VerifyRecord{At: d.At, OK: d.OK, Events: d.Events, Line: model.CleanLine(d.Line)}, nil
}

// RecordSessions is a serve process's report of how many console and
// command sessions it has open (server names the process); open < 0
// withdraws the report, as a serve that shuts down does. A serve that is
// killed leaves its last report, which Health shows with its time.
func (s *Store) RecordSessions(ctx context.Context, server string, open int) error {
	id := sessionsPrefix + server
	if open < 0 {
		if _, err := s.meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
			return fmt.Errorf("withdraw session count of %s: %w", server, err)
		}
		return nil
	}
	err := upsertOne(ctx, s.meta, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "open", Value: open}, {Key: "at", Value: s.now()}}}})
	if err != nil {
		return fmt.Errorf("record session count of %s: %w", server, err)
	}
	return nil
}

func (s *Store) sessionReports(ctx context.Context) ([]model.SessionCount, error) {
	cur, err := s.meta.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: sessionsPrefix}, {Key: "$lt", Value: sessionsPrefix[:len(sessionsPrefix)-1] + ";"}}}},
		options.Find().SetLimit(healthClaimsMax))
	if err != nil {
		return nil, fmt.Errorf("read session counts: %w", err)
	}
	var docs []struct {
		ID   string    `bson:"_id"`
		Open int       `bson:"open"`
		At   time.Time `bson:"at"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read session counts: %w", err)
	}
	out := make([]model.SessionCount, 0, len(docs))
	for _, d := range docs {
		out = append(out, model.SessionCount{Server: model.CleanLine(strings.TrimPrefix(d.ID, sessionsPrefix)), Open: d.Open, At: d.At})
	}
	return out, nil
}
