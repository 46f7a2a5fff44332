// Package proxy is the Service proxy of real mode: it makes every Service's
// ClusterIP:port answer on the machine and forwards what arrives there to
// the Service's ready endpoints, as kube-proxy does.
//
// It works in userspace, like kube-proxy's old userspace mode, because this
// machine's kernel has no IPVS and there is no iptables binary: the proxy
// puts each ClusterIP on a link (lo by default) as a host address, listens
// on ClusterIP:port itself (TCP or UDP), and copies bytes to a backend it
// dials, chosen round-robin. A /32 on lo is reachable from pod network
// namespaces, so pods reach Services through the host. nftables DNAT, which
// the kernel does have, is the later option that would keep the bytes in
// the kernel.
//
// The proxy is level-based: on any change to the Services or Endpoints it
// caches, it computes the set of (ClusterIP, port, protocol) listeners and
// their backends that the objects call for and makes its sockets and the
// link's addresses match. It removes only the addresses it added, and
// Cleanup clears what a crashed proxy left behind.
package proxy
