package console

import (
	"context"
	"sync"

	"github.com/custodian-dev/custodian/model"
)

// fakeTenantAdmin records the tenants written; the real checks are the
// store's, which the tenants pane's end-to-end tests run against.
type fakeTenantAdmin struct {
	tenantMu  sync.Mutex
	tenantPut []model.Tenant
}

var _ TenantAdmin = (*fakeTenantAdmin)(nil)

func (f *fakeTenantAdmin) AddTenant(ctx context.Context, _ model.Actor, t model.Tenant) ([]string, error) {
	return f.record(ctx, t)
}

func (f *fakeTenantAdmin) EditTenant(ctx context.Context, _ model.Actor, t model.Tenant) ([]string, error) {
	return f.record(ctx, t)
}

func (f *fakeTenantAdmin) record(ctx context.Context, t model.Tenant) ([]string, error) {
	f.tenantMu.Lock()
	defer f.tenantMu.Unlock()
	f.tenantPut = append(f.tenantPut, t)
	return []string{"name"}, ctx.Err()
}
