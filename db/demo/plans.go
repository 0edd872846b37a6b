package demo

import (
	"fmt"

	"github.com/custodian-dev/custodian/model"
)

// plan lays out the requests: first the cases demos and tests rely on
// (over the limit, repetitive, children, holds, exemptions, hostile input,
// overdue, due this week, extended, agents), then a random mix until the
// requested count. When the count is small, the later groups are cut.
func (g *reqGen) plan() {
	r := g.r
	var adults, caAdults, otherAdults, children, retained []*person
	var featured, hostileP, held []*person
	for _, p := range g.people {
		switch p.special {
		case "featured":
			featured = append(featured, p)
		case "hostile":
			hostileP = append(hostileP, p)
		case "held":
			held = append(held, p)
		}
		if p.Status == model.AccountMasked {
			continue
		}
		if p.child {
			children = append(children, p)
			continue
		}
		if p.special != "" {
			continue
		}
		adults = append(adults, p)
		if p.Status == model.AccountActive && p.ResidencyState == "CA" {
			caAdults = append(caAdults, p)
		}
		if p.ResidencyState != "CA" {
			otherAdults = append(otherAdults, p)
		}
		for _, c := range p.colls {
			if c == CollJobApplications || c == CollHRRecords || c == CollBoardApplications || c == CollMeetingMedia {
				retained = append(retained, p)
				break
			}
		}
	}
	used := map[string]bool{}
	take := func(pool []*person) *person {
		for tries := 0; tries < 4*len(pool); tries++ {
			p := pool[r.IntN(len(pool))]
			if !used[p.ID] {
				used[p.ID] = true
				return p
			}
		}
		if len(pool) == 0 {
			return nil
		}
		return pool[r.IntN(len(pool))]
	}

	// Over the two-per-12-months limit: three requests to know from one
	// California resident. The fifth group's second request was withdrawn,
	// so its third is not over (withdrawn requests do not count).
	for gi := 0; gi < 5 && len(caAdults) > 0; gi++ {
		p := take(caAdults)
		g.build(plan{typ: model.TypeAccess, status: model.StatusCompleted, p: p, age: 100, ageTo: 115})
		second := plan{typ: model.TypeAccess, status: model.StatusCompleted, p: p, age: 60, ageTo: 80}
		if gi == 4 {
			second.status, second.via = model.StatusWithdrawn, model.StatusVerifying
		}
		g.build(second)
		third := plan{typ: model.TypeAccess, p: p, age: 3, ageTo: 20, limitRef: true}
		third.status = []model.Status{model.StatusDenied, model.StatusReceived, model.StatusVerifying, model.StatusAwaitingApproval, model.StatusVerifying}[gi]
		third.deny = "excessive"
		if third.status == model.StatusReceived {
			third.age, third.ageTo = 0.5, 3
		}
		g.build(third)
	}
	// The limit is California's: three requests from a non-California resident are fine.
	if p := take(otherAdults); p != nil {
		g.build(plan{typ: model.TypeAccess, status: model.StatusCompleted, p: p, age: 95, ageTo: 110})
		g.build(plan{typ: model.TypeAccess, status: model.StatusCompleted, p: p, age: 55, ageTo: 70})
		g.build(plan{typ: model.TypeAccess, status: model.StatusVerifying, p: p, age: 4, ageTo: 12})
	}

	// Repetitive: the same deletion twice while the first is still open.
	for gi := 0; gi < 2 && len(adults) > 0; gi++ {
		p := take(adults)
		first := g.build(plan{typ: model.TypeDeletion, status: model.StatusAwaitingApproval, p: p, age: 22, ageTo: 26})
		second := plan{typ: model.TypeDeletion, p: p, age: 15, ageTo: 20, repeatOf: first, deny: "excessive"}
		second.status = []model.Status{model.StatusDenied, model.StatusReceived}[gi]
		if second.status == model.StatusReceived {
			second.age, second.ageTo = 0.2, 2
		}
		if first != nil {
			g.build(second)
		}
	}

	// Child-data deletions, expedited; the featured 11-year-old first.
	childStatuses := []model.Status{model.StatusVerifying, model.StatusReceived, model.StatusAwaitingApproval, model.StatusApproved,
		model.StatusFulfilling, model.StatusCompleted, model.StatusCompleted, model.StatusDenied}
	var kids []*person
	for _, p := range featured {
		if p.child {
			kids = append(kids, p)
		}
	}
	for len(kids) < len(childStatuses) && len(children) > 0 {
		kids = append(kids, take(children))
	}
	for i, p := range kids {
		pl := plan{typ: model.TypeChildDeletion, status: childStatuses[i%len(childStatuses)], p: p, deny: "unverifiable"}
		pl.age, pl.ageTo = 0.3, 4
		if !pl.status.Open() {
			pl.age, pl.ageTo = 10, 90
		}
		if i == 2 {
			pl.age, pl.ageTo = 12, 14 // overdue: the expedited target is five business days
		}
		g.build(pl)
	}

	// Legal holds block deletion of what they cover.
	for _, p := range held {
		if p.TenantID == "oakridge-ca" {
			g.build(plan{typ: model.TypeDeletion, status: model.StatusAwaitingApproval, p: p, age: 8, ageTo: 20,
				exempt: "legal hold H-OAK-1 (subpoena, Case No. 25-CV-01187) covers applicant, employee and identifying data: those records are kept"})
			g.build(plan{typ: model.TypeAccess, status: model.StatusCompleted, p: p, age: 40, ageTo: 60})
		} else {
			g.build(plan{typ: model.TypeDeletion, status: model.StatusCompleted, p: p, age: 30, ageTo: 60,
				exempt: "preservation request PR-2291 (hold H-CDF-2) covers web visitor and mobile device data: those records are kept"})
		}
	}

	// Retention rules make a deletion partly refusable.
	exemptStatuses := []model.Status{model.StatusAwaitingApproval, model.StatusApproved, model.StatusFulfilling, model.StatusCompleted, model.StatusDenied}
	for i := 0; i < len(exemptStatuses) && len(retained) > 0; i++ {
		p := take(retained)
		pl := plan{typ: model.TypeDeletion, status: exemptStatuses[i], p: p, deny: "customer", exempt: retentionReason(g.tenants[p.TenantID], p)}
		pl.age, pl.ageTo = ageRange(pl.status, pl.typ)
		g.build(pl)
	}

	// Hostile input: the requester typed control sequences.
	types := []model.RequestType{model.TypeAccess, model.TypeDeletion, model.TypeRectification, model.TypeOptOut}
	statuses := model.Statuses()
	for i, p := range hostileP {
		pl := plan{typ: types[i%len(types)], status: statuses[i%len(statuses)], p: p, hostile: p.hostile, agent: i%5 == 0, deny: "unverifiable", via: model.StatusVerifying}
		if p.child {
			pl.typ = model.TypeChildDeletion
		}
		pl.age, pl.ageTo = ageRange(pl.status, pl.typ)
		g.build(pl)
	}

	// Requests whose requester matched no subject.
	for i, st := range []model.Status{model.StatusReceived, model.StatusReceived, model.StatusVerifying, model.StatusNeedsInfo, model.StatusDenied, model.StatusDenied} {
		pl := plan{typ: types[i%2], status: st, tenant: tenantDefs[r.IntN(len(tenantDefs))].id, deny: "unverifiable"}
		pl.age, pl.ageTo = ageRange(st, pl.typ)
		g.build(pl)
	}

	// Due this week: 39–44 days after receipt, not extended.
	for i := 0; i < 8 && len(adults) > 0; i++ {
		st := []model.Status{model.StatusVerifying, model.StatusAwaitingApproval, model.StatusApproved, model.StatusNeedsInfo}[i%4]
		g.build(plan{typ: types[i%3], status: st, p: take(adults), age: 39, ageTo: 44})
	}
	// Overdue: past 45 days, not extended; and two never acknowledged.
	for i := 0; i < 8 && len(adults) > 0; i++ {
		st := []model.Status{model.StatusVerifying, model.StatusNeedsInfo, model.StatusAwaitingApproval, model.StatusApproved, model.StatusFulfilling, model.StatusFailed}[i%6]
		g.build(plan{typ: types[i%3], status: st, p: take(adults), age: 50, ageTo: 110})
	}
	for i := 0; i < 3 && len(adults) > 0; i++ {
		pl := plan{typ: types[i%2], status: model.StatusReceived, p: take(adults), age: 16, ageTo: 25, unacked: true, channel: model.ChannelEmail}
		if i == 2 {
			pl.age, pl.ageTo = 1, 3 // acknowledgement due soon
		}
		g.build(pl)
	}
	// Extended once, inside the first 45 days.
	for i := 0; i < 16 && len(adults) > 0; i++ {
		pl := plan{typ: types[i%3], p: take(adults), extend: true}
		switch {
		case i < 10:
			pl.status = []model.Status{model.StatusVerifying, model.StatusNeedsInfo, model.StatusAwaitingApproval, model.StatusApproved, model.StatusFulfilling}[i%5]
			pl.age, pl.ageTo = 50, 85
		case i < 12:
			pl.status = []model.Status{model.StatusAwaitingApproval, model.StatusFulfilling}[i%2]
			pl.age, pl.ageTo = 95, 115 // extended and still overdue
		default:
			pl.status = model.StatusCompleted
			pl.age, pl.ageTo = 90, 120
		}
		g.build(pl)
	}
	// Authorized agents (§7063).
	for i := 0; i < 20 && len(adults) > 0; i++ {
		pl := g.randomPlan(adults, nil)
		if pl.typ == model.TypeChildDeletion {
			continue
		}
		pl.agent = true
		g.build(pl)
	}
	// The featured residents each have a request; José has two.
	for i, p := range featured {
		if p.child {
			continue
		}
		st := []model.Status{model.StatusAwaitingApproval, model.StatusVerifying, model.StatusCompleted, model.StatusNeedsInfo, model.StatusApproved, model.StatusReceived, model.StatusFulfilling}[i%7]
		pl := plan{typ: types[i%len(types)], status: st, p: p}
		pl.age, pl.ageTo = ageRange(st, pl.typ)
		g.build(pl)
		if i == 0 {
			g.build(plan{typ: model.TypeRectification, status: model.StatusVerifying, p: p, age: 2, ageTo: 6})
		}
	}

	// The rest: a plausible mix.
	for !g.full() && len(adults) > 0 {
		pl := g.randomPlan(adults, children)
		pl.agent = pl.agent || (pl.typ != model.TypeChildDeletion && r.IntN(100) < 4)
		g.build(pl)
	}
}

func (g *reqGen) randomPlan(adults, children []*person) plan {
	r := g.r
	var pl plan
	switch n := r.IntN(100); {
	case n < 35:
		pl.typ = model.TypeAccess
	case n < 62:
		pl.typ = model.TypeDeletion
	case n < 75:
		pl.typ = model.TypeRectification
	case n < 96 || len(children) == 0:
		pl.typ = model.TypeOptOut
	default:
		pl.typ = model.TypeChildDeletion
	}
	switch pl.typ {
	case model.TypeChildDeletion:
		pl.p = children[r.IntN(len(children))]
	case model.TypeOptOut:
		for tries := 0; tries < 50; tries++ {
			pl.p = adults[r.IntN(len(adults))]
			if contains(pl.p.colls, CollAlertSubscriptions) {
				break
			}
		}
	default:
		pl.p = adults[r.IntN(len(adults))]
	}
	weights := []struct {
		s model.Status
		w int
	}{
		{model.StatusReceived, 8}, {model.StatusVerifying, 10}, {model.StatusNeedsInfo, 6}, {model.StatusAwaitingApproval, 12},
		{model.StatusApproved, 6}, {model.StatusFulfilling, 5}, {model.StatusFailed, 3}, {model.StatusCompleted, 30},
		{model.StatusDenied, 10}, {model.StatusWithdrawn, 5},
	}
	n := r.IntN(95)
	for _, w := range weights {
		if n < w.w {
			pl.status = w.s
			break
		}
		n -= w.w
	}
	pl.deny = []string{"unverifiable", "unverifiable", "excessive", "customer", "customer"}[r.IntN(5)]
	pl.via = []model.Status{model.StatusReceived, model.StatusVerifying, model.StatusNeedsInfo, model.StatusAwaitingApproval, model.StatusApproved}[r.IntN(5)]
	pl.age, pl.ageTo = ageRange(pl.status, pl.typ)
	return pl
}

// ageRange is how long ago, in days, a request in status was typically
// received: open requests are recent enough not to be overdue (the overdue
// ones are planned).
func ageRange(s model.Status, t model.RequestType) (float64, float64) {
	if s.Open() {
		switch t {
		case model.TypeOptOut:
			return 0.2, 8
		case model.TypeChildDeletion:
			return 0.2, 4
		}
	}
	switch s {
	case model.StatusReceived:
		return 0.05, 6
	case model.StatusVerifying:
		return 1, 35
	case model.StatusNeedsInfo:
		return 3, 38
	case model.StatusAwaitingApproval:
		return 5, 38
	case model.StatusApproved:
		return 8, 38
	case model.StatusFulfilling, model.StatusFailed:
		return 10, 38
	case model.StatusCompleted:
		return 5, 120
	case model.StatusDenied:
		return 3, 120
	}
	return 2, 120
}

func retentionReason(t *model.Tenant, p *person) string {
	cats := map[model.Category]bool{}
	for _, c := range p.colls {
		for _, f := range specFor(c).m.Fields {
			cats[f.Category] = true
		}
	}
	for _, rule := range t.Retention {
		if cats[rule.Category] && rule.Category != model.CatIdentifying {
			info, _ := rule.Category.Info()
			return fmt.Sprintf("%s kept (%s) under %s", info.Label, rule.Period, rule.LegalBasis)
		}
	}
	for _, rule := range t.Retention {
		if cats[rule.Category] {
			info, _ := rule.Category.Info()
			return fmt.Sprintf("%s kept (%s) under %s", info.Label, rule.Period, rule.LegalBasis)
		}
	}
	return "open-records law: part of this subject's data is a public record and is kept"
}
