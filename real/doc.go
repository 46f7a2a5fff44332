// Package real will hold what runs on real machines: the node agent on
// containerd, pod networking with netlink, the service proxy and the local
// cluster (issue: real mode). It may import core/; core/ never imports it.
package real
