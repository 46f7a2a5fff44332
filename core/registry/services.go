package registry

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/store"
)

// allocateClusterIP gives a new ClusterIP, NodePort or LoadBalancer Service
// without a clusterIP the first free address of the service range (skipping
// the network address and .1, which Kubernetes keeps for the kubernetes
// Service), and checks that an explicitly requested one is free. Free
// addresses are found from the stored Services, so the caller must hold
// r.mu until the Service is stored; this serialises one registry's creates,
// not those of several API servers sharing an etcd (a later issue).
func (r *Registry) allocateClusterIP(ctx context.Context, svc *api.Service) error {
	s := &svc.Spec
	if s.Type == api.ServiceTypeExternalName || s.ClusterIP == api.ClusterIPNone {
		return nil
	}
	used, err := r.usedClusterIPs(ctx)
	if err != nil {
		return err
	}
	if s.ClusterIP != "" {
		if used[s.ClusterIP] {
			return NewInvalid(svcKind, svc.Name, field.ErrorList{field.Invalid(
				field.NewPath("spec", "clusterIPs").Index(0), s.ClusterIP, "provided IP is already allocated")})
		}
		return nil
	}
	ip, ok := firstFree(r.serviceCIDR, used)
	if !ok {
		return NewInternalError(fmt.Errorf("allocate cluster IP: range %s is full", r.serviceCIDR))
	}
	s.ClusterIP, s.ClusterIPs = ip, []string{ip}
	return nil
}

// usedClusterIPs is the set of cluster IPs held by stored Services.
func (r *Registry) usedClusterIPs(ctx context.Context) (map[string]bool, error) {
	res, err := r.store.List(ctx, svcKind, store.ListOptions{})
	if err != nil {
		return nil, FromStoreError(svcKind, "", fmt.Errorf("list services for IP allocation: %w", err))
	}
	used := make(map[string]bool, len(res.Items))
	for _, o := range res.Items {
		for _, ip := range o.(*api.Service).Spec.ClusterIPs {
			used[ip] = true
		}
		used[o.(*api.Service).Spec.ClusterIP] = true
	}
	return used, nil
}

// firstFree scans the prefix from its third address up to (not including)
// its broadcast address for one not in used.
func firstFree(p netip.Prefix, used map[string]bool) (string, bool) {
	ip := p.Addr().Next().Next()
	for ; p.Contains(ip); ip = ip.Next() {
		if !p.Contains(ip.Next()) {
			break // the broadcast address
		}
		if !used[ip.String()] {
			return ip.String(), true
		}
	}
	return "", false
}
