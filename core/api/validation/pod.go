package validation

import (
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
)

func validatePod(pod *api.Pod) field.ErrorList {
	errs := validateObjectMeta(&pod.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	errs = append(errs, validatePodSpec(&pod.Spec, field.NewPath("spec"), podOptions{})...)
	return errs
}

// validatePodTemplate checks a workload's pod template: its labels and
// annotations and its spec, with the paths under spec.template.
func validatePodTemplate(t *api.PodTemplateSpec, p *field.Path) field.ErrorList {
	errs := validateLabels(t.Labels, p.Child("metadata", "labels"))
	errs = append(errs, validateAnnotations(t.Annotations, p.Child("metadata", "annotations"))...)
	errs = append(errs, validatePodSpec(&t.Spec, p.Child("spec"), podOptions{template: true})...)
	return errs
}

// validatePodSpec checks a pod spec wherever it appears.
func validatePodSpec(s *api.PodSpec, p *field.Path, o podOptions) field.ErrorList {
	vols, errs := validateVolumes(s.Volumes, p.Child("volumes"))
	names := map[string]bool{}
	errs = append(errs, validateContainers(s, vols, names, p.Child("containers"), o)...)
	errs = append(errs, validateInitContainers(s, vols, names, p.Child("initContainers"), o)...)
	errs = append(errs, validateHostPorts(s, p)...)
	errs = append(errs, validateHostNetwork(s, p.Child("containers"))...)
	errs = append(errs, validateEnum(string(s.RestartPolicy), p.Child("restartPolicy"),
		string(api.RestartPolicyAlways), string(api.RestartPolicyOnFailure), string(api.RestartPolicyNever))...)
	errs = append(errs, validateDNSPolicy(s.DNSPolicy, p)...)
	if g := s.TerminationGracePeriodSeconds; g != nil {
		errs = append(errs, nonNegative(*g, p.Child("terminationGracePeriodSeconds"))...)
	}
	if d := s.ActiveDeadlineSeconds; d != nil && (*d < 1 || *d > 1<<31-1) {
		errs = append(errs, field.Invalid(p.Child("activeDeadlineSeconds"), *d, "must be between 1 and 2147483647, inclusive"))
	}
	errs = append(errs, validatePodNames(s, p)...)
	errs = append(errs, validateLabels(s.NodeSelector, p.Child("nodeSelector"))...)
	errs = append(errs, validateAffinity(s.Affinity, p.Child("affinity"))...)
	errs = append(errs, validateTolerations(s.Tolerations, p.Child("tolerations"))...)
	errs = append(errs, validateSpreadConstraints(s.TopologySpreadConstraints, p.Child("topologySpreadConstraints"))...)
	if s.PreemptionPolicy != nil {
		errs = append(errs, validateEnum(string(*s.PreemptionPolicy), p.Child("preemptionPolicy"),
			string(api.PreemptLowerPriority), string(api.PreemptNever))...)
	}
	errs = append(errs, validateResourceList(s.Overhead, p.Child("overhead"), true)...)
	errs = append(errs, validatePodSecurityContext(s.SecurityContext, p.Child("securityContext"))...)
	return errs
}

// validatePodNames checks the fields of a pod spec that name other things:
// the node, the service account, the scheduler, the priority class and the
// pod's own DNS names.
func validatePodNames(s *api.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct {
		name, value string
		label       bool
	}{
		{"nodeName", s.NodeName, false},
		{"serviceAccountName", s.ServiceAccountName, false},
		{"schedulerName", s.SchedulerName, false},
		{"priorityClassName", s.PriorityClassName, false},
		{"hostname", s.Hostname, true},
		{"subdomain", s.Subdomain, true},
	} {
		switch {
		case f.value == "":
		case f.label:
			errs = append(errs, validateDNSLabel(f.value, p.Child(f.name))...)
		default:
			errs = append(errs, validateDNSSubdomain(f.value, p.Child(f.name))...)
		}
	}
	return errs
}

func validateDNSPolicy(policy string, p *field.Path) field.ErrorList {
	errs := validateEnum(policy, p.Child("dnsPolicy"), "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
	if policy == "None" {
		// kubetwin has no dnsConfig field, and Kubernetes requires one with None.
		errs = append(errs, field.Required(p.Child("dnsConfig"), "must provide `dnsConfig` when `dnsPolicy` is None"))
	}
	return errs
}

// validateVolumes checks volume names (unique DNS labels) and sources
// (exactly one), and returns the set of names mounts may refer to.
func validateVolumes(vols []api.Volume, p *field.Path) (map[string]bool, field.ErrorList) {
	names := map[string]bool{}
	var errs field.ErrorList
	for i := range vols {
		v, vp := &vols[i], p.Index(i)
		switch {
		case v.Name == "":
			errs = append(errs, field.Required(vp.Child("name"), ""))
		case names[v.Name]:
			errs = append(errs, field.Duplicate(vp.Child("name"), v.Name))
		default:
			errs = append(errs, validateDNSLabel(v.Name, vp.Child("name"))...)
		}
		names[v.Name] = true
		errs = append(errs, validateVolumeSource(v, vp)...)
	}
	return names, errs
}

func validateVolumeSource(v *api.Volume, p *field.Path) field.ErrorList {
	switch {
	case v.EmptyDir == nil && v.HostPath == nil:
		return field.ErrorList{field.Required(p, "must specify a volume type")}
	case v.EmptyDir != nil && v.HostPath != nil:
		return field.ErrorList{field.Forbidden(p.Child("hostPath"), "may not specify more than 1 volume type")}
	case v.EmptyDir != nil:
		if l := v.EmptyDir.SizeLimit; l != nil && l.Sign() < 0 {
			return field.ErrorList{field.Invalid(p.Child("emptyDir", "sizeLimit"), l.String(), nonNegativeMsg)}
		}
		return nil
	}
	var errs field.ErrorList
	if v.HostPath.Path == "" {
		errs = append(errs, field.Required(p.Child("hostPath", "path"), ""))
	}
	if t := v.HostPath.Type; t != nil && *t != "" {
		errs = append(errs, validateEnum(*t, p.Child("hostPath", "type"), "DirectoryOrCreate", "Directory",
			"FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice")...)
	}
	return errs
}

// validateHostPorts reports a host port (with its protocol and host IP)
// claimed twice in one pod, which could never run.
func validateHostPorts(s *api.PodSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	check := func(cs []api.Container, cp *field.Path) {
		for i, c := range cs {
			for j, port := range c.Ports {
				if port.HostPort == 0 {
					continue
				}
				key := fmt.Sprintf("%s/%s/%d", port.Protocol, port.HostIP, port.HostPort)
				if seen[key] {
					errs = append(errs, field.Duplicate(cp.Index(i).Child("ports").Index(j).Child("hostPort"), key))
				}
				seen[key] = true
			}
		}
	}
	check(s.Containers, p.Child("containers"))
	check(s.InitContainers, p.Child("initContainers"))
	return errs
}

// validateHostNetwork requires host and container ports to agree on the
// host network, where they are one port.
func validateHostNetwork(s *api.PodSpec, p *field.Path) field.ErrorList {
	if !s.HostNetwork {
		return nil
	}
	var errs field.ErrorList
	for i, c := range s.Containers {
		for j, port := range c.Ports {
			if port.HostPort != 0 && port.HostPort != port.ContainerPort {
				errs = append(errs, field.Invalid(p.Index(i).Child("ports").Index(j).Child("containerPort"),
					port.ContainerPort, "must match `hostPort` when `hostNetwork` is true"))
			}
		}
	}
	return errs
}

func validatePodSecurityContext(sc *api.PodSecurityContext, p *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	for _, f := range []struct {
		name string
		v    *int64
	}{{"runAsUser", sc.RunAsUser}, {"runAsGroup", sc.RunAsGroup}, {"fsGroup", sc.FSGroup}} {
		if f.v != nil && (*f.v < 0 || *f.v > 1<<31-1) {
			errs = append(errs, field.Invalid(p.Child(f.name), *f.v, "must be between 0 and 2147483647, inclusive"))
		}
	}
	return errs
}
