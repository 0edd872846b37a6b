package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// metricsProjection is what the metrics read of a request: its §7101
// record plus what judges its deadlines (acknowledgement, decision,
// extension) and names its denial basis (each event's action, statuses
// and time, never its actor or reason; the flags' kinds; the verification
// level). Nothing of it leaves the store but counts.
func metricsProjection() bson.D {
	d := bson.D{}
	for _, f := range []string{"_id", "tenant_id", "type", "status", "received_at", "acknowledged_at", "responded_at",
		"closed_at", "updated_at", "decision", "extension", "withheld", "verification.level",
		"history.action", "history.from", "history.to", "history.at", "flags.kind"} {
		d = append(d, bson.E{Key: f, Value: 1})
	}
	return d
}

// metricsMargin widens the UTC range read for a year on both sides: the
// year is counted in each tenant's own zone (UTC−12 to UTC+14), and the
// requests read outside it are dropped by model.ComputeMetrics.
const metricsMargin = 15 * time.Hour

// RequestMetrics computes the request metrics (11 CCR §7102) of the
// requests received in year, of one tenant or of every tenant in the
// actor's scope, from their §7101 records. Only privacy leads and admins
// may read them (model.MetricsAllowed); a refusal is audited.
//
// One unsorted read of the year's range, served by the {received_at, _id}
// or {tenant_id, received_at, _id} index, like the auditors' export.
func (s *Store) RequestMetrics(ctx context.Context, actor model.Actor, year int, tenantID string) (model.Metrics, error) {
	target := "metrics"
	if tenantID != "" {
		target = auditTarget("tenant", tenantID)
	}
	if actor.Operator.Disabled || !model.MetricsAllowed(actor.Operator.Role) {
		return model.Metrics{}, s.refuse(ctx, actor, "metrics", target, tenantID,
			fmt.Sprintf("operator %s (%s) cannot read the request metrics: they need a privacy lead or an admin", actor.Handle(), actor.Operator.Role), nil)
	}
	if year < 2000 || year > 9999 {
		return model.Metrics{}, invalidf("metrics: year %d: give a calendar year such as 2026", year)
	}
	if tenantID != "" && !actor.Operator.InScope(tenantID) {
		return model.Metrics{}, s.refuse(ctx, actor, "metrics", target, tenantID,
			fmt.Sprintf("tenant %s is outside operator %s's scope", tenantID, actor.Handle()), nil)
	}
	if tenantID != "" {
		// A mistyped id would otherwise read as a year with no requests.
		if _, err := s.tenant(ctx, tenantID); errors.Is(err, ErrNotFound) {
			return model.Metrics{}, invalidf("metrics: no tenant %q (custodian report metrics without --tenant covers every tenant in your scope)", tenantID)
		} else if err != nil {
			return model.Metrics{}, fmt.Errorf("metrics of %d: %w", year, err)
		}
	}
	q := bson.D{}
	if tenantID != "" {
		q = append(q, bson.E{Key: "tenant_id", Value: tenantID})
	} else if sf := scopeFilter(actor); sf.Key != "" {
		q = append(q, sf)
	}
	since := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC).Add(-metricsMargin)
	until := time.Date(year+1, time.January, 1, 0, 0, 0, 0, time.UTC).Add(metricsMargin)
	q = append(q, bson.E{Key: "received_at", Value: bson.D{{Key: "$gte", Value: since}, {Key: "$lt", Value: until}}})
	cur, err := s.requests.Find(ctx, q, options.Find().SetProjection(metricsProjection()).SetBatchSize(exportBatch))
	if err != nil {
		return model.Metrics{}, fmt.Errorf("metrics of %d: %w", year, err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	tenants := map[string]model.Tenant{}
	var facts []model.MetricsFacts
	for cur.Next(ctx) {
		var r model.Request
		if err := cur.Decode(&r); err != nil {
			return model.Metrics{}, fmt.Errorf("metrics of %d: read request: %w", year, err)
		}
		t, ok := tenants[r.TenantID]
		if !ok {
			t, err = s.tenant(ctx, r.TenantID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return model.Metrics{}, fmt.Errorf("metrics of %d: %w", year, err)
			}
			t.Resolve()
			tenants[r.TenantID] = t
		}
		facts = append(facts, model.FactsOf(r, t))
	}
	if err := cur.Err(); err != nil {
		return model.Metrics{}, fmt.Errorf("metrics of %d: %w", year, err)
	}
	return model.ComputeMetrics(year, tenantID, facts), nil
}
