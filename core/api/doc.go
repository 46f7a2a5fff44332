// Package api holds kubetwin's object model: the Kubernetes kinds kubetwin
// supports, with their wire-format (JSON/YAML) field names and shapes, plus
// decoding, defaulting and the registry of kinds.
//
// Objects returned by a store are shared and read-only by contract: call
// DeepCopy before changing one.
//
// +k8s:deepcopy-gen=package
package api
