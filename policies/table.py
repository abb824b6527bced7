"""Every rule's metadata, as data: id, severity, enforcement, remediation and compliance controls.

The logic lives in the rules_<family>.py modules, registered under the same id.
"""

from __future__ import annotations

from ailz.policies.model import ADVISORY, MANDATORY, Controls, RuleMeta


def _rule(
    id: str,
    family: str,
    title: str,
    severity: str,
    description: str,
    remediation: str,
    nist: tuple[str, ...],
    iso: tuple[str, ...],
    sovereignty: tuple[str, ...] = (),
    enforcement: str = MANDATORY,
    scope: str = "resource",
    **params,
) -> RuleMeta:
    return RuleMeta(
        id=id,
        family=family,
        title=title,
        severity=severity,
        enforcement=enforcement,
        description=description,
        remediation=remediation,
        controls=Controls(nist=nist, iso27001=iso, sovereignty=sovereignty),
        scope=scope,
        params=params,
    )


# Namespaces of the cluster and of the platform ailz installs, whose pods are node agents by design
SYSTEM_NAMESPACES = (
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gpu-operator",
    "nvidia-network-operator",
    "kueue-system",
    "jobset-system",
    "mpi-operator",
    "ailz-fabric",
    "ailz-system",
    "ailz-storage",
    "ailz-validation",
)

RULES: tuple[RuleMeta, ...] = (
    # --- fabric -------------------------------------------------------------------------------
    _rule(
        "AILZ-FAB-001",
        "fabric",
        "EFA instances launch into a cluster placement group",
        "high",
        "A launch template with EFA interfaces must place instances in a placement group with "
        "strategy 'cluster', or NCCL traffic crosses spine layers and loses bandwidth. Capacity "
        "Blocks are exempt: EC2 places their instances together in an UltraCluster itself.",
        "Create an aws.ec2.PlacementGroup(strategy='cluster') and set placement.groupName on the "
        "launch template.",
        ("CP-2(2)", "SC-6"),
        ("A.8.6",),
        scope="stack",
    ),
    _rule(
        "AILZ-FAB-002",
        "fabric",
        "EFA node groups stay in one availability zone",
        "high",
        "EFA traffic does not cross availability zones; a node group using an EFA launch template "
        "must list exactly one subnet.",
        "Give the node group the single subnet of the zone that holds the capacity.",
        ("CP-2(2)", "SC-6"),
        ("A.8.6",),
        scope="stack",
    ),
    _rule(
        "AILZ-FAB-003",
        "fabric",
        "EFA interfaces match the machine",
        "high",
        "The launch template must attach as many EFA interfaces as the instance type supports "
        "(catalog max_efa_interfaces), one per network card, with the primary interface at "
        "card 0 / device 0 of the kind the catalog prescribes.",
        "Generate networkInterfaces from the catalog's EFA layout for the instance type.",
        ("CM-6", "SC-6"),
        ("A.8.9",),
        scope="stack",
    ),
    _rule(
        "AILZ-FAB-004",
        "fabric",
        "EFA security group only references itself",
        "high",
        "EFA needs all traffic allowed to and from the same security group, and nothing else: "
        "an EFA security group must carry a self-referencing all-traffic rule and no rule open "
        "to CIDRs or other groups.",
        "Use ingress/egress rules with self=true (or referencedSecurityGroupId = the group itself).",
        ("SC-7", "AC-4"),
        ("A.8.20", "A.8.22"),
        scope="stack",
    ),
    _rule(
        "AILZ-FAB-005",
        "fabric",
        "GKE RDMA pools have their extra networks and compact placement",
        "high",
        "A node pool of a machine with GPU NICs must attach one additional node network per "
        "extra NIC the machine needs (gke_extra_networks) and use placementPolicy COMPACT where "
        "the catalog requires it.",
        "Set networkConfig.additionalNodeNetworkConfigs for every gVNIC/RDMA network and "
        "placementPolicy.type = COMPACT.",
        ("CM-6", "SC-6"),
        ("A.8.9",),
    ),
    _rule(
        "AILZ-FAB-006",
        "fabric",
        "RoCE networks use the RDMA network profile and MTU",
        "medium",
        "A GCP network carrying GPUDirect RDMA must use a '*-vpc-roce' network profile and the "
        "RDMA MTU from the catalog.",
        "Set networkProfile to the zone's vpc-roce profile and mtu to the catalog rdma_mtu.",
        ("CM-6",),
        ("A.8.9",),
        rdma_mtu=0,  # 0: the catalog's rdma_mtu
    ),
    _rule(
        "AILZ-FAB-007",
        "fabric",
        "Multi-node GPU jobs request the RDMA fabric",
        "medium",
        "A multi-node GPU job (MPIJob, JobSet) must request the RDMA devices of its platform "
        "(vpc.amazonaws.com/efa, rdma/*, nvidia.com/sriov_rdma) or GKE multi-network interfaces, "
        "or NCCL silently falls back to TCP.",
        "Request the fabric resources from the catalog's kubernetes_resources in the worker pods.",
        ("CM-6", "SC-6"),
        ("A.8.6",),
    ),
    # --- capacity and cost --------------------------------------------------------------------
    _rule(
        "AILZ-CAP-001",
        "capacity",
        "No spot capacity for synchronous training pools",
        "high",
        "A pool with purpose=training runs synchronous jobs that fail when one node is "
        "reclaimed: no SPOT capacity type, spot or preemptible VMs.",
        "Use on-demand, a reservation or a capacity block for training pools; spot suits batch.",
        ("CP-2(2)", "SC-6"),
        ("A.8.6", "A.8.14"),
    ),
    _rule(
        "AILZ-CAP-002",
        "capacity",
        "Large GPU pools run on reserved capacity",
        "medium",
        "A pool of at least large_pool_nodes nodes must consume a reservation or capacity block, "
        "so scale-up cannot fail on stockouts.",
        "AWS: capacityType CAPACITY_BLOCK or a capacityReservationSpecification; GCP: "
        "reservationAffinity SPECIFIC_RESERVATION.",
        ("CP-2(2)", "SC-6"),
        ("A.8.6",),
        enforcement=ADVISORY,
        large_pool_nodes=4,
    ),
    _rule(
        "AILZ-CAP-003",
        "capacity",
        "Cost tags on every taggable resource",
        "medium",
        "Every resource that takes tags or labels carries cost-center, team, environment and "
        "landing-zone, so GPU spend is attributable.",
        "Apply tags through components/common/labels.py (aws_tags / gcp_labels) on every resource.",
        ("CM-8", "PM-5"),
        ("A.5.9",),
    ),
    _rule(
        "AILZ-CAP-004",
        "capacity",
        "GPU pools carry pool and gpu-type tags",
        "medium",
        "Node groups and node pools additionally carry pool and gpu-type, so cost reports can "
        "split spend per pool and accelerator.",
        "Pass the pool and machine to zone_tags() for pool resources.",
        ("CM-8",),
        ("A.5.9",),
    ),
    # --- encryption ---------------------------------------------------------------------------
    _rule(
        "AILZ-ENC-001",
        "encryption",
        "Object stores use customer-managed keys",
        "high",
        "Every dataset, checkpoint and model bucket is encrypted with a customer-managed KMS key "
        "(S3 SSE-KMS/DSSE-KMS with a key id, GCS default_kms_key_name).",
        "Add a BucketServerSideEncryptionConfiguration with sseAlgorithm aws:kms and "
        "kmsMasterKeyId, or encryption.defaultKmsKeyName on the GCS bucket.",
        ("SC-28", "SC-28(1)", "SC-12"),
        ("A.8.24",),
        ("key-control",),
        scope="stack",
    ),
    _rule(
        "AILZ-ENC-002",
        "encryption",
        "Parallel filesystems use customer-managed keys",
        "high",
        "FSx for Lustre and Managed Lustre hold training data: encrypt them with a customer-managed key.",
        "Set kmsKeyId (FSx) or kmsKey (gcp.lustre.Instance).",
        ("SC-28", "SC-12"),
        ("A.8.24",),
        ("key-control",),
    ),
    _rule(
        "AILZ-ENC-003",
        "encryption",
        "Boot and root volumes use customer-managed keys",
        "high",
        "GPU node boot volumes hold cached data and credentials: EBS mappings encrypted with a "
        "KMS key, GKE bootDiskKmsKey set.",
        "Add blockDeviceMappings[].ebs {encrypted: 'true', kmsKeyId} or nodeConfig.bootDiskKmsKey.",
        ("SC-28", "SC-12"),
        ("A.8.24",),
        ("key-control",),
    ),
    _rule(
        "AILZ-ENC-004",
        "encryption",
        "Cluster secrets are envelope-encrypted",
        "high",
        "Kubernetes secrets in etcd are encrypted with a customer-managed key (EKS "
        "encryptionConfig for 'secrets', GKE databaseEncryption ENCRYPTED).",
        "Set encryptionConfig {resources: ['secrets'], provider.keyArn} or databaseEncryption.",
        ("SC-28", "SC-12"),
        ("A.8.24",),
        ("key-control",),
    ),
    _rule(
        "AILZ-ENC-005",
        "encryption",
        "Customer-managed keys rotate",
        "medium",
        "KMS keys ailz creates rotate automatically (AWS enableKeyRotation, GCP rotationPeriod); "
        "keys in external or custom key stores rotate in their own system and are exempt.",
        "Set enableKeyRotation=true or rotationPeriod (e.g. 7776000s).",
        ("SC-12",),
        ("A.8.24",),
        ("key-control",),
    ),
    _rule(
        "AILZ-ENC-006",
        "encryption",
        "External key management uses external or HSM keys",
        "critical",
        "When residency.key_management is 'external', keys must live outside the provider's "
        "software key store: AWS custom key store (XKS/CloudHSM) or imported key material, GCP "
        "EXTERNAL/EXTERNAL_VPC/HSM protection level.",
        "Reference the zone's external keys (encryption.external_keys) or create keys with "
        "customKeyStoreId / versionTemplate.protectionLevel EXTERNAL_VPC.",
        ("SC-12", "SC-12(1)"),
        ("A.8.24", "A.5.23"),
        ("key-control", "operator-access"),
    ),
    # --- residency ----------------------------------------------------------------------------
    _rule(
        "AILZ-RES-001",
        "residency",
        "Resources stay in allowed regions",
        "critical",
        "Every resource, key and replica is placed in a region listed in residency.allowed_regions "
        "(from its own region/location input, its provider, or its target).",
        "Move the resource or add the region to residency.allowed_regions if the jurisdiction allows.",
        ("SA-9(5)", "SC-7"),
        ("A.5.31", "A.5.34"),
        ("residency",),
    ),
    _rule(
        "AILZ-RES-002",
        "residency",
        "No replication out of the jurisdiction",
        "critical",
        "Replication (S3 replication rules, GCS dual-region placement) only targets allowed regions.",
        "Point replication at a bucket in an allowed region, or remove it.",
        ("SA-9(5)", "CP-9"),
        ("A.5.31",),
        ("residency",),
        scope="stack",
    ),
    _rule(
        "AILZ-RES-003",
        "residency",
        "Sovereign on-prem targets contain no public-cloud resources",
        "critical",
        "An on-prem target exists to keep data and control in the organisation's hands; "
        "no aws: or gcp: resource may be part of it.",
        "Move public-cloud resources to a cloud target.",
        ("SA-9(5)", "AC-20"),
        ("A.5.23", "A.5.31"),
        ("residency", "operator-access"),
        scope="stack",
    ),
    _rule(
        "AILZ-RES-004",
        "residency",
        "Images come from allowed registries",
        "high",
        "Where a target restricts registries (registries.allowed, or the allowed_registries "
        "parameter), every image in pod specs and Helm values comes from one of them.",
        "Mirror the image into the in-jurisdiction registry and reference the mirror.",
        ("CM-7(5)", "SA-9(5)"),
        ("A.8.19", "A.5.31"),
        ("residency", "operator-access"),
        allowed_registries=[],
    ),
    # --- exposure and identity ----------------------------------------------------------------
    _rule(
        "AILZ-EXP-001",
        "exposure",
        "GPU nodes have no public IP addresses",
        "high",
        "GPU nodes sit in private subnets: no associatePublicIpAddress on launch templates, "
        "private nodes on GKE.",
        "Set associatePublicIpAddress false / networkConfig.enablePrivateNodes true.",
        ("SC-7", "AC-17"),
        ("A.8.20", "A.8.22"),
    ),
    _rule(
        "AILZ-EXP-002",
        "exposure",
        "Buckets are private",
        "critical",
        "S3 buckets have a public access block with all four settings on; GCS buckets enforce "
        "public access prevention and uniform bucket-level access.",
        "Add aws.s3.BucketPublicAccessBlock(all true) / publicAccessPrevention 'enforced'.",
        ("AC-3", "SC-7"),
        ("A.5.15", "A.8.3"),
        scope="stack",
    ),
    _rule(
        "AILZ-EXP-003",
        "exposure",
        "Buckets accept TLS only",
        "high",
        "S3 bucket policies deny any request with aws:SecureTransport = false.",
        "Attach a BucketPolicy with a Deny statement on Bool aws:SecureTransport 'false'.",
        ("SC-8", "SC-8(1)"),
        ("A.8.24", "A.8.21"),
        scope="stack",
    ),
    _rule(
        "AILZ-EXP-004",
        "exposure",
        "Instance metadata requires IMDSv2",
        "high",
        "Launch templates and instances set metadataOptions.httpTokens = 'required' so pods "
        "cannot steal node credentials with a simple GET.",
        "Set metadataOptions {httpTokens: required, httpPutResponseHopLimit: 1 or 2}.",
        ("AC-3", "SC-7"),
        ("A.8.5",),
    ),
    _rule(
        "AILZ-EXP-005",
        "exposure",
        "Roles ailz creates have a permissions boundary",
        "medium",
        "Every IAM role carries a permissions boundary so a compromised workload cannot grant "
        "itself more than the boundary allows.",
        "Set permissionsBoundary to the landing zone's boundary policy ARN.",
        ("AC-6", "AC-2"),
        ("A.8.2", "A.5.18"),
        ("operator-access",),
    ),
    _rule(
        "AILZ-EXP-006",
        "exposure",
        "Data access through workload identity, not node roles",
        "high",
        "Pods reach data through their own identity (EKS Pod Identity/IRSA, GKE Workload Identity): "
        "GKE pools use GKE_METADATA and clusters a workload pool; EC2 node roles get no S3 access.",
        "Bind team roles to Kubernetes service accounts; keep node roles to the EKS worker policies.",
        ("AC-6", "IA-2"),
        ("A.5.15", "A.8.2"),
        scope="stack",
    ),
    _rule(
        "AILZ-EXP-007",
        "exposure",
        "No wildcard administrator policies",
        "critical",
        "No IAM policy allows Action '*' on Resource '*', and AdministratorAccess is not attached.",
        "Grant the actions and resources the role needs.",
        ("AC-6", "AC-6(10)"),
        ("A.8.2",),
        ("operator-access",),
    ),
    _rule(
        "AILZ-EXP-008",
        "exposure",
        "No container.admin or editor for service accounts",
        "critical",
        "GCP service accounts (node or workload) get neither roles/container.admin, roles/editor "
        "nor roles/owner on the project.",
        "Grant narrow roles (roles/container.defaultNodeServiceAccount, storage object roles).",
        ("AC-6",),
        ("A.8.2",),
        ("operator-access",),
    ),
    _rule(
        "AILZ-EXP-009",
        "exposure",
        "Kubernetes API not open to the internet",
        "critical",
        "A cluster's public API endpoint admits only the networks the spec names: an EKS public endpoint "
        "lists publicAccessCidrs without 0.0.0.0/0, a GKE public endpoint has authorized networks "
        "without 0.0.0.0/0. Private endpoints pass.",
        "Keep kubernetes.endpoint private and list connected_cidrs, or name the CI and administrator "
        "networks in kubernetes.api_access_cidrs (GKE: the DNS-based endpoint is authorized by IAM).",
        ("SC-7", "AC-17"),
        ("A.8.20", "A.8.22"),
    ),
    # --- Kubernetes workloads -----------------------------------------------------------------
    _rule(
        "AILZ-K8S-001",
        "workloads",
        "No privileged pods outside system namespaces",
        "high",
        "Workload containers are not privileged; drivers and device plugins in system_namespaces are exempt.",
        "Drop privileged: true; add only the capabilities the workload needs (IPC_LOCK for RDMA).",
        ("AC-6", "CM-7"),
        ("A.8.2", "A.8.9"),
        system_namespaces=[
            "kube-system",
            "gpu-operator",
            "nvidia-network-operator",
            "ailz-fabric",
            "ailz-system",
        ],
    ),
    _rule(
        "AILZ-K8S-002",
        "workloads",
        "IPC_LOCK only in RDMA namespaces",
        "medium",
        "IPC_LOCK lets a pod pin memory for RDMA; only namespaces ailz labels for RDMA pods "
        "(ailz.io/rdma-pods=true: training team namespaces, validation) and system namespaces "
        "may add it.",
        "Run RDMA jobs in a training team's namespace (labelled ailz.io/rdma-pods: 'true'), or set "
        "training: true on the team in the spec.",
        ("AC-6", "CM-7"),
        ("A.8.2",),
        rdma_labels=["ailz.io/rdma-pods", "ailz.io/training"],
        system_namespaces=[
            "kube-system",
            "gpu-operator",
            "nvidia-network-operator",
            "ailz-fabric",
            "ailz-system",
            "ailz-validation",
        ],
    ),
    _rule(
        "AILZ-K8S-003",
        "workloads",
        "GPU requests equal limits",
        "medium",
        "GPUs cannot be overcommitted: a container's nvidia.com/gpu request equals its limit.",
        "Set resources.limits and resources.requests of nvidia.com/gpu to the same number.",
        ("CM-6",),
        ("A.8.6",),
    ),
    _rule(
        "AILZ-K8S-004",
        "workloads",
        "GPU nodes are tainted",
        "medium",
        "GPU node groups carry the nvidia.com/gpu NoSchedule taint so only GPU pods land on them "
        "(GKE adds it to accelerator pools itself).",
        "Add taints [{key: nvidia.com/gpu, value: 'true', effect: NO_SCHEDULE}] to the node group.",
        ("CM-6", "SC-6"),
        ("A.8.6",),
    ),
    _rule(
        "AILZ-K8S-005",
        "workloads",
        "/dev/shm is memory-backed with a size limit",
        "medium",
        "NCCL uses /dev/shm: GPU jobs mount an emptyDir {medium: Memory, sizeLimit} there, and "
        "no /dev/shm mount is unbounded.",
        "Add a volume emptyDir {medium: Memory, sizeLimit: 64Gi} mounted at /dev/shm.",
        ("SC-6", "CM-6"),
        ("A.8.6",),
    ),
    _rule(
        "AILZ-K8S-006",
        "workloads",
        "Images are pinned by digest in production",
        "medium",
        "Every image in a pod spec is referenced by digest (@sha256:), so what was reviewed is what "
        "runs; blocking in the prod profile, advisory in dev.",
        "Reference images as registry/name@sha256:<digest>. For an image ailz chooses, add its "
        "digest to the target's image_digests in the spec, keyed by the upstream reference `ailz "
        "images` lists (`crane digest <image>` prints it); ailz then pulls it by digest.",
        ("CM-14", "SI-7"),
        ("A.8.19", "A.8.32"),
    ),
    _rule(
        "AILZ-K8S-007",
        "workloads",
        "No host namespaces or host ports outside system namespaces",
        "high",
        "A pod outside the system namespaces shares none of the node's network, PID or IPC "
        "namespaces and binds no host port: ailz's RDMA admission policy and Pod Security baseline "
        "refuse them.",
        "Remove hostNetwork, hostPID, hostIPC and hostPort; attach RDMA networks through the "
        "platform's fabric resources (Multus networks, EFA, GKE multi-networking).",
        ("AC-6", "CM-7", "SC-7"),
        ("A.8.2", "A.8.22"),
        system_namespaces=list(SYSTEM_NAMESPACES),
    ),
    _rule(
        "AILZ-K8S-008",
        "workloads",
        "No hostPath volumes outside system namespaces",
        "high",
        "A pod outside the system namespaces mounts no directory of the node, except the GPUDirect "
        "plugin directories (catalog gpudirect_host.pod_allowances, on GKE targets) in a namespace "
        "ailz labels for RDMA pods, as ailz's RDMA admission policy allows; no PersistentVolume "
        "exposes a hostPath.",
        "Use a PersistentVolumeClaim, emptyDir or the storage tiers' StorageClasses instead of hostPath.",
        ("AC-6", "CM-7"),
        ("A.8.2", "A.8.9"),
        system_namespaces=list(SYSTEM_NAMESPACES),
        rdma_labels=["ailz.io/rdma-pods", "ailz.io/training"],
    ),
    _rule(
        "AILZ-K8S-009",
        "workloads",
        "Containers stay within Pod Security baseline",
        "high",
        "A container outside the system namespaces adds only the capabilities Pod Security baseline "
        "allows (catalog pod_security_baseline), IPC_LOCK for RDMA, and the network capabilities the "
        "GPUDirect daemons need for their own containers (catalog pod_allowances); no Unconfined "
        "seccomp or AppArmor, no unmasked /proc, only safe sysctls.",
        "Drop the extra capabilities (SYS_ADMIN, NET_ADMIN, NET_RAW, ...); run node-level agents in a "
        "system namespace.",
        ("AC-6", "CM-7"),
        ("A.8.2", "A.8.9"),
        system_namespaces=list(SYSTEM_NAMESPACES),
    ),
    _rule(
        "AILZ-K8S-010",
        "workloads",
        "Namespaces enforce Pod Security",
        "high",
        "Every namespace outside the system ones carries pod-security.kubernetes.io/enforce at baseline "
        "or restricted; 'privileged' only in a namespace labelled for RDMA pods where ailz's "
        "ailz-rdma-pods admission policy holds pods to baseline plus IPC_LOCK.",
        "Label the namespace pod-security.kubernetes.io/enforce: restricted (or baseline), or let ailz "
        "create it as a team namespace.",
        ("AC-6", "CM-7"),
        ("A.8.2", "A.8.9"),
        system_namespaces=list(SYSTEM_NAMESPACES),
        rdma_labels=["ailz.io/rdma-pods", "ailz.io/training"],
    ),
    _rule(
        "AILZ-K8S-011",
        "workloads",
        "Namespaces deny traffic by default",
        "high",
        "Every namespace outside the system ones has a default-deny NetworkPolicy (all pods, Ingress, "
        "no rules), and no NetworkPolicy admits ingress from anywhere or opens egress to 0.0.0.0/0 on "
        "every port.",
        "Add a NetworkPolicy {podSelector: {}, policyTypes: [Ingress, Egress]} and allow what the "
        "namespace needs on named ports and peers.",
        ("SC-7", "AC-4"),
        ("A.8.20", "A.8.22"),
        scope="stack",
        system_namespaces=list(SYSTEM_NAMESPACES),
    ),
    _rule(
        "AILZ-K8S-012",
        "workloads",
        "No administrator role for broad groups",
        "critical",
        "cluster-admin (or admin), or a role with every verb on every resource or the escalate, bind "
        "or impersonate verbs, is never bound to everyone: system:authenticated, "
        "system:unauthenticated, system:anonymous or every service account.",
        "Bind administrator roles to named platform groups only; give teams the team-member Role.",
        ("AC-6", "AC-6(10)", "AC-2"),
        ("A.8.2", "A.5.15"),
        ("operator-access",),
        admin_roles=["cluster-admin", "admin"],
        broad_subjects=[
            "system:authenticated",
            "system:unauthenticated",
            "system:anonymous",
            "system:serviceaccounts",
        ],
    ),
    # --- hygiene of what a zone deploys -------------------------------------------------------
    _rule(
        "AILZ-LOG-001",
        "resilience",
        "Control-plane audit logs are on",
        "high",
        "An EKS cluster sends its audit and authenticator logs to CloudWatch (enabledClusterLogTypes); "
        "a GKE cluster keeps system component logging (loggingService not 'none', SYSTEM_COMPONENTS).",
        "EKS: enabledClusterLogTypes [api, audit, authenticator, controllerManager, scheduler]; GKE: "
        "loggingConfig.enableComponents [SYSTEM_COMPONENTS, WORKLOADS].",
        ("AU-2", "AU-12"),
        ("A.8.15",),
    ),
    _rule(
        "AILZ-LOG-002",
        "resilience",
        "Log groups are encrypted and expire",
        "medium",
        "A CloudWatch log group is encrypted with a customer-managed key and has a retention.",
        "Set kmsKeyId to the zone's logs key and retentionInDays.",
        ("AU-9", "SC-28", "AU-11"),
        ("A.8.15", "A.8.24"),
        ("key-control",),
    ),
    _rule(
        "AILZ-ENC-007",
        "encryption",
        "Key policies are not open to everyone",
        "critical",
        "No KMS key policy statement allows Principal '*' without a condition.",
        "Name the account root and the service principals that use the key; condition any cross-account use.",
        ("SC-12", "AC-3"),
        ("A.8.24", "A.5.15"),
        ("key-control", "operator-access"),
    ),
    _rule(
        "AILZ-NET-001",
        "exposure",
        "Nothing sensitive is open to the internet",
        "critical",
        "No security group, security group rule or firewall admits 0.0.0.0/0 to SSH, Lustre (988, "
        "1018-1023) or every port.",
        "Admit the VPC's or the spec's connected ranges only; reach nodes through SSM or IAP, not SSH.",
        ("SC-7", "AC-17"),
        ("A.8.20", "A.8.22"),
        ports=[22, 988, 1018, 1019, 1020, 1021, 1022, 1023],
    ),
    _rule(
        "AILZ-NET-002",
        "exposure",
        "GPU subnets assign no public IP addresses",
        "high",
        "A subnet that GPU node groups launch into does not map public IPs on launch.",
        "Set mapPublicIpOnLaunch false; GPU nodes live in private subnets behind NAT or endpoints.",
        ("SC-7",),
        ("A.8.20", "A.8.22"),
        scope="stack",
    ),
    _rule(
        "AILZ-EXP-010",
        "exposure",
        "No legacy node and cluster settings",
        "high",
        "GKE clusters leave legacy ABAC off, nodes keep the legacy metadata endpoints disabled, and "
        "node pools boot with Secure Boot.",
        "Set enableLegacyAbac false, nodeConfig.metadata disable-legacy-endpoints 'true' and "
        "nodeConfig.shieldedInstanceConfig {enableSecureBoot: true, enableIntegrityMonitoring: true}.",
        ("CM-6", "SI-7", "AC-3"),
        ("A.8.9", "A.8.5"),
    ),
    _rule(
        "AILZ-IAM-001",
        "identity",
        "No IAM privilege escalation",
        "critical",
        "No IAM policy allows iam:* or actions that write or attach policies or mint access keys, "
        "iam:PassRole on every role, or an Allow with NotAction (everything but a list).",
        "Grant the IAM actions a role needs on the roles and policies it manages, and PassRole on the "
        "roles it hands to services only.",
        ("AC-6", "AC-6(10)"),
        ("A.8.2",),
        ("operator-access",),
    ),
    _rule(
        "AILZ-IAM-002",
        "identity",
        "Role trust policies name who may assume them",
        "critical",
        "No role trust policy lets Principal '*' assume it without a condition.",
        "Name the service, account or OIDC provider in the trust policy, with conditions on the "
        "subject or external id.",
        ("AC-3", "AC-6"),
        ("A.5.15", "A.8.2"),
        ("operator-access",),
    ),
    _rule(
        "AILZ-IAM-003",
        "identity",
        "No broad managed policies",
        "high",
        "No role or attachment carries an AWS managed policy that grants whole services or accounts "
        "(broad_policies).",
        "Write a policy with the actions and resources the role needs.",
        ("AC-6",),
        ("A.8.2",),
        broad_policies=[
            "AdministratorAccess",
            "PowerUserAccess",
            "IAMFullAccess",
            "AmazonS3FullAccess",
            "AmazonEC2FullAccess",
            "AWSKeyManagementServicePowerUser",
        ],
    ),
    _rule(
        "AILZ-IAM-004",
        "identity",
        "No owner-level grants to outside identities",
        "critical",
        "No project grants an owner-level role (owner_roles) to allUsers, allAuthenticatedUsers, a "
        "consumer account domain, or a domain outside allowed_domains when that list is set.",
        "Grant owner-level roles to the organisation's own administrator groups, if at all.",
        ("AC-6", "AC-2"),
        ("A.5.15", "A.5.18"),
        ("operator-access",),
        owner_roles=[
            "roles/owner",
            "roles/editor",
            "roles/resourcemanager.projectIamAdmin",
            "roles/iam.securityAdmin",
        ],
        consumer_domains=["gmail.com", "googlemail.com"],
        allowed_domains=[],
    ),
    _rule(
        "AILZ-RSL-001",
        "resilience",
        "Buckets keep object versions and survive a destroy",
        "high",
        "Every bucket (checkpoints first) has versioning enabled and no forceDestroy, so an "
        "overwritten checkpoint or an accidental destroy loses nothing.",
        "Enable versioning (S3 BucketVersioning status Enabled, GCS versioning.enabled) and leave "
        "forceDestroy unset.",
        ("CP-9", "SI-12"),
        ("A.8.13",),
        scope="stack",
    ),
    _rule(
        "AILZ-RSL-002",
        "resilience",
        "Clusters and file systems keep deletion protection",
        "medium",
        "A GKE cluster keeps deletionProtection on; an FSx file system with backups keeps its final backup.",
        "Leave deletionProtection at its default (true); do not set skipFinalBackup with backups on.",
        ("CP-9", "CP-10"),
        ("A.8.13", "A.8.14"),
    ),
    _rule(
        "AILZ-CAP-005",
        "capacity",
        "Launched instances and volumes carry cost tags",
        "medium",
        "A launch template tags the instances and volumes it launches (tagSpecifications) with the "
        "cost keys; node group tags do not reach EC2 instances otherwise.",
        "Add tagSpecifications for resourceType instance and volume (and network-interface) with the "
        "zone's cost tags.",
        ("CM-8", "PM-5"),
        ("A.5.9",),
    ),
    _rule(
        "AILZ-CAP-006",
        "capacity",
        "Team GPU quotas fit the teams' budgets",
        "medium",
        "A team with teams[].budget_usd_month has a GPU quota whose list price (its targets' pool "
        "rates, 730 h a month, as `ailz cost` prices it) is within that budget.",
        "Lower the team's gpu_quota, raise budget_usd_month, or use cheaper capacity (Capacity "
        "Blocks, commitments); `ailz cost SPEC` shows the figures.",
        ("PM-3", "SA-2"),
        ("A.5.9",),
    ),
)

BY_ID: dict[str, RuleMeta] = {rule.id: rule for rule in RULES}


def rules_markdown() -> str:
    """The rule reference as a Markdown table (docs/policy.md embeds it verbatim; a test keeps it in sync)."""
    rows = [
        "| Rule | Title | Severity | Prod enforcement | Scope | Controls |",
        "|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        controls = ", ".join(rule.controls.flat())
        rows.append(
            f"| `{rule.id}` | {rule.title} | {rule.severity} | {rule.enforcement} "
            f"| {rule.scope} | {controls} |"
        )
    return "\n".join(rows) + "\n"
