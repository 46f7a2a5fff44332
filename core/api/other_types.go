package api

// +k8s:deepcopy-gen:interfaces=github.com/kubetwin/kubetwin/core/api.Object

// Job runs pods until a number of them complete successfully.
type Job struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       JobSpec   `json:"spec"`
	Status     JobStatus `json:"status"`
}

// CompletionMode says whether a Job's completions are interchangeable or indexed.
type CompletionMode string

// The Job completion modes.
const (
	NonIndexedCompletion CompletionMode = "NonIndexed"
	IndexedCompletion    CompletionMode = "Indexed"
)

// JobSpec is the desired state of a Job.
type JobSpec struct {
	Parallelism             *int32          `json:"parallelism,omitempty"`
	Completions             *int32          `json:"completions,omitempty"`
	ActiveDeadlineSeconds   *int64          `json:"activeDeadlineSeconds,omitempty"`
	BackoffLimit            *int32          `json:"backoffLimit,omitempty"`
	Selector                *LabelSelector  `json:"selector,omitempty"`
	ManualSelector          *bool           `json:"manualSelector,omitempty"`
	Template                PodTemplateSpec `json:"template"`
	TTLSecondsAfterFinished *int32          `json:"ttlSecondsAfterFinished,omitempty"`
	CompletionMode          *CompletionMode `json:"completionMode,omitempty"`
	Suspend                 *bool           `json:"suspend,omitempty"`
	PodReplacementPolicy    *string         `json:"podReplacementPolicy,omitempty"`
}

// JobStatus is the observed state of a Job.
type JobStatus struct {
	Conditions       []JobCondition `json:"conditions,omitempty"`
	StartTime        *Time          `json:"startTime,omitempty"`
	CompletionTime   *Time          `json:"completionTime,omitempty"`
	Active           int32          `json:"active,omitempty"`
	Succeeded        int32          `json:"succeeded,omitempty"`
	Failed           int32          `json:"failed,omitempty"`
	Terminating      *int32         `json:"terminating,omitempty"`
	CompletedIndexes string         `json:"completedIndexes,omitempty"`
	Ready            *int32         `json:"ready,omitempty"`
}

// JobConditionType names a Job condition.
type JobConditionType string

// The Job conditions.
const (
	JobSuspended JobConditionType = "Suspended"
	JobComplete  JobConditionType = "Complete"
	JobFailed    JobConditionType = "Failed"
)

// JobCondition is one condition of a Job.
type JobCondition struct {
	Type               JobConditionType `json:"type"`
	Status             ConditionStatus  `json:"status"`
	LastProbeTime      Time             `json:"lastProbeTime,omitzero"`
	LastTransitionTime Time             `json:"lastTransitionTime,omitzero"`
	Reason             string           `json:"reason,omitempty"`
	Message            string           `json:"message,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=github.com/kubetwin/kubetwin/core/api.Object

// Lease is a heartbeat and lock; nodes renew theirs in kube-node-lease.
type Lease struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       LeaseSpec `json:"spec"`
}

// LeaseSpec says who holds a lease and when they last renewed it.
type LeaseSpec struct {
	HolderIdentity       *string    `json:"holderIdentity,omitempty"`
	LeaseDurationSeconds *int32     `json:"leaseDurationSeconds,omitempty"`
	AcquireTime          *MicroTime `json:"acquireTime,omitempty"`
	RenewTime            *MicroTime `json:"renewTime,omitempty"`
	LeaseTransitions     *int32     `json:"leaseTransitions,omitempty"`
}

// NamespaceNodeLease holds the nodes' heartbeat leases.
const NamespaceNodeLease = "kube-node-lease"

// +k8s:deepcopy-gen:interfaces=github.com/kubetwin/kubetwin/core/api.Object

// PriorityClass maps a class name to a pod priority.
type PriorityClass struct {
	TypeMeta         `json:",inline"`
	ObjectMeta       `json:"metadata"`
	Value            int32             `json:"value"`
	GlobalDefault    bool              `json:"globalDefault,omitempty"`
	Description      string            `json:"description,omitempty"`
	PreemptionPolicy *PreemptionPolicy `json:"preemptionPolicy,omitempty"`
}

// The bounds on user-defined and system priorities, as Kubernetes has them.
const (
	HighestUserDefinablePriority = int32(1000000000)
	SystemCriticalPriority       = 2 * HighestUserDefinablePriority
)
