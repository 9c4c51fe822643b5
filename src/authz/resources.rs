//! Resource names as `kubectl auth can-i` resolves them, without a cluster.
//!
//! kubectl asks the server's discovery (`cani.go`, `resourceFor`: `schema.ParseResourceArg`,
//! then the RESTMapper with its short-name expander). kcred carries a static table of the
//! built-in types instead: plural, singular and short names, group and scope as each type's
//! REST storage declares them (`pkg/registry/<group>/<type>/storage/storage.go`,
//! `ShortNames()` / `SingularName`, as discovery serves them). Where two groups serve the
//! same name (`events`), discovery lists the core group first, and so does the table.
//! Custom resources are not in it: `NAME.GROUP` is taken as written, with a warning.

/// One built-in resource: (plural, singular, short names, group, namespaced, kind, version,
/// verbs), as kube-apiserver's discovery (`/api/v1`, `/apis/GROUP/VERSION`) lists it.
type Entry = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    bool,
    &'static str,
    &'static str,
    &'static [&'static str],
);

// The verbs discovery lists, sorted as `endpoints/installer.go` sorts them: what the type's
// REST storage implements (`registerResourceHandlers`, `storageVerbs`).
/// A full store (`registry/generic/registry.Store`).
const ALL: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
/// Create-only (the reviews, `bindings`).
const CREATE: &[&str] = &["create"];
/// Read-only without watch (`componentstatuses`, `pkg/registry/core/componentstatus/rest.go`).
const GET_LIST: &[&str] = &["get", "list"];

// One line a type: a table to read down.
#[rustfmt::skip]
const TABLE: &[Entry] = &[
    ("bindings", "binding", &[], "", true, "Binding", "v1", CREATE),
    ("componentstatuses", "componentstatus", &["cs"], "", false, "ComponentStatus", "v1", GET_LIST),
    ("configmaps", "configmap", &["cm"], "", true, "ConfigMap", "v1", ALL),
    ("endpoints", "endpoints", &["ep"], "", true, "Endpoints", "v1", ALL),
    ("events", "event", &["ev"], "", true, "Event", "v1", ALL),
    ("limitranges", "limitrange", &["limits"], "", true, "LimitRange", "v1", ALL),
    ("namespaces", "namespace", &["ns"], "", false, "Namespace", "v1", ALL),
    ("nodes", "node", &["no"], "", false, "Node", "v1", ALL),
    ("persistentvolumeclaims", "persistentvolumeclaim", &["pvc"], "", true, "PersistentVolumeClaim", "v1", ALL),
    ("persistentvolumes", "persistentvolume", &["pv"], "", false, "PersistentVolume", "v1", ALL),
    ("pods", "pod", &["po"], "", true, "Pod", "v1", ALL),
    ("podtemplates", "podtemplate", &[], "", true, "PodTemplate", "v1", ALL),
    ("replicationcontrollers", "replicationcontroller", &["rc"], "", true, "ReplicationController", "v1", ALL),
    ("resourcequotas", "resourcequota", &["quota"], "", true, "ResourceQuota", "v1", ALL),
    ("secrets", "secret", &[], "", true, "Secret", "v1", ALL),
    ("serviceaccounts", "serviceaccount", &["sa"], "", true, "ServiceAccount", "v1", ALL),
    ("services", "service", &["svc"], "", true, "Service", "v1", ALL),
    ("mutatingwebhookconfigurations", "mutatingwebhookconfiguration", &[], "admissionregistration.k8s.io", false, "MutatingWebhookConfiguration", "v1", ALL),
    ("validatingwebhookconfigurations", "validatingwebhookconfiguration", &[], "admissionregistration.k8s.io", false, "ValidatingWebhookConfiguration", "v1", ALL),
    ("validatingadmissionpolicies", "validatingadmissionpolicy", &[], "admissionregistration.k8s.io", false, "ValidatingAdmissionPolicy", "v1", ALL),
    ("validatingadmissionpolicybindings", "validatingadmissionpolicybinding", &[], "admissionregistration.k8s.io", false, "ValidatingAdmissionPolicyBinding", "v1", ALL),
    ("mutatingadmissionpolicies", "mutatingadmissionpolicy", &[], "admissionregistration.k8s.io", false, "MutatingAdmissionPolicy", "v1beta1", ALL),
    ("mutatingadmissionpolicybindings", "mutatingadmissionpolicybinding", &[], "admissionregistration.k8s.io", false, "MutatingAdmissionPolicyBinding", "v1beta1", ALL),
    ("customresourcedefinitions", "customresourcedefinition", &["crd", "crds"], "apiextensions.k8s.io", false, "CustomResourceDefinition", "v1", ALL),
    ("apiservices", "apiservice", &[], "apiregistration.k8s.io", false, "APIService", "v1", ALL),
    ("controllerrevisions", "controllerrevision", &[], "apps", true, "ControllerRevision", "v1", ALL),
    ("daemonsets", "daemonset", &["ds"], "apps", true, "DaemonSet", "v1", ALL),
    ("deployments", "deployment", &["deploy"], "apps", true, "Deployment", "v1", ALL),
    ("replicasets", "replicaset", &["rs"], "apps", true, "ReplicaSet", "v1", ALL),
    ("statefulsets", "statefulset", &["sts"], "apps", true, "StatefulSet", "v1", ALL),
    ("selfsubjectreviews", "selfsubjectreview", &[], "authentication.k8s.io", false, "SelfSubjectReview", "v1", CREATE),
    ("tokenreviews", "tokenreview", &[], "authentication.k8s.io", false, "TokenReview", "v1", CREATE),
    ("localsubjectaccessreviews", "localsubjectaccessreview", &[], "authorization.k8s.io", true, "LocalSubjectAccessReview", "v1", CREATE),
    ("selfsubjectaccessreviews", "selfsubjectaccessreview", &[], "authorization.k8s.io", false, "SelfSubjectAccessReview", "v1", CREATE),
    ("selfsubjectrulesreviews", "selfsubjectrulesreview", &[], "authorization.k8s.io", false, "SelfSubjectRulesReview", "v1", CREATE),
    ("subjectaccessreviews", "subjectaccessreview", &[], "authorization.k8s.io", false, "SubjectAccessReview", "v1", CREATE),
    ("horizontalpodautoscalers", "horizontalpodautoscaler", &["hpa"], "autoscaling", true, "HorizontalPodAutoscaler", "v2", ALL),
    ("cronjobs", "cronjob", &["cj"], "batch", true, "CronJob", "v1", ALL),
    ("jobs", "job", &[], "batch", true, "Job", "v1", ALL),
    ("certificatesigningrequests", "certificatesigningrequest", &["csr"], "certificates.k8s.io", false, "CertificateSigningRequest", "v1", ALL),
    ("clustertrustbundles", "clustertrustbundle", &[], "certificates.k8s.io", false, "ClusterTrustBundle", "v1beta1", ALL),
    ("leases", "lease", &[], "coordination.k8s.io", true, "Lease", "v1", ALL),
    ("leasecandidates", "leasecandidate", &[], "coordination.k8s.io", true, "LeaseCandidate", "v1beta1", ALL),
    ("endpointslices", "endpointslice", &[], "discovery.k8s.io", true, "EndpointSlice", "v1", ALL),
    ("flowschemas", "flowschema", &[], "flowcontrol.apiserver.k8s.io", false, "FlowSchema", "v1", ALL),
    ("prioritylevelconfigurations", "prioritylevelconfiguration", &[], "flowcontrol.apiserver.k8s.io", false, "PriorityLevelConfiguration", "v1", ALL),
    ("ingressclasses", "ingressclass", &[], "networking.k8s.io", false, "IngressClass", "v1", ALL),
    ("ingresses", "ingress", &["ing"], "networking.k8s.io", true, "Ingress", "v1", ALL),
    ("ipaddresses", "ipaddress", &["ip"], "networking.k8s.io", false, "IPAddress", "v1", ALL),
    ("networkpolicies", "networkpolicy", &["netpol"], "networking.k8s.io", true, "NetworkPolicy", "v1", ALL),
    ("servicecidrs", "servicecidr", &[], "networking.k8s.io", false, "ServiceCIDR", "v1", ALL),
    ("runtimeclasses", "runtimeclass", &[], "node.k8s.io", false, "RuntimeClass", "v1", ALL),
    ("poddisruptionbudgets", "poddisruptionbudget", &["pdb"], "policy", true, "PodDisruptionBudget", "v1", ALL),
    ("clusterrolebindings", "clusterrolebinding", &[], "rbac.authorization.k8s.io", false, "ClusterRoleBinding", "v1", ALL),
    ("clusterroles", "clusterrole", &[], "rbac.authorization.k8s.io", false, "ClusterRole", "v1", ALL),
    ("rolebindings", "rolebinding", &[], "rbac.authorization.k8s.io", true, "RoleBinding", "v1", ALL),
    ("roles", "role", &[], "rbac.authorization.k8s.io", true, "Role", "v1", ALL),
    ("deviceclasses", "deviceclass", &[], "resource.k8s.io", false, "DeviceClass", "v1", ALL),
    ("resourceclaims", "resourceclaim", &[], "resource.k8s.io", true, "ResourceClaim", "v1", ALL),
    ("resourceclaimtemplates", "resourceclaimtemplate", &[], "resource.k8s.io", true, "ResourceClaimTemplate", "v1", ALL),
    ("resourceslices", "resourceslice", &[], "resource.k8s.io", false, "ResourceSlice", "v1", ALL),
    ("priorityclasses", "priorityclass", &["pc"], "scheduling.k8s.io", false, "PriorityClass", "v1", ALL),
    ("csidrivers", "csidriver", &[], "storage.k8s.io", false, "CSIDriver", "v1", ALL),
    ("csinodes", "csinode", &[], "storage.k8s.io", false, "CSINode", "v1", ALL),
    ("csistoragecapacities", "csistoragecapacity", &[], "storage.k8s.io", true, "CSIStorageCapacity", "v1", ALL),
    ("storageclasses", "storageclass", &["sc"], "storage.k8s.io", false, "StorageClass", "v1", ALL),
    ("volumeattachments", "volumeattachment", &[], "storage.k8s.io", false, "VolumeAttachment", "v1", ALL),
    ("volumeattributesclasses", "volumeattributesclass", &["vac"], "storage.k8s.io", false, "VolumeAttributesClass", "v1", ALL),
    ("events", "event", &["ev"], "events.k8s.io", true, "Event", "v1", ALL),
];

/// One built-in resource as discovery serves it (`meta/v1` `APIResource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Builtin {
    /// Plural name (`name`).
    pub name: &'static str,
    /// `singularName`.
    pub singular: &'static str,
    /// `shortNames`.
    pub short_names: &'static [&'static str],
    /// API group (`""`: the core group, served at `/api/v1`).
    pub group: &'static str,
    /// The version it is served at.
    pub version: &'static str,
    /// `namespaced`.
    pub namespaced: bool,
    /// `kind`.
    pub kind: &'static str,
    /// `verbs`.
    pub verbs: &'static [&'static str],
}

/// Every built-in resource of the table, in its order (the core group first).
pub fn builtins() -> impl Iterator<Item = Builtin> {
    TABLE.iter().map(
        |&(name, singular, short_names, group, namespaced, kind, version, verbs)| Builtin {
            name,
            singular,
            short_names,
            group,
            version,
            namespaced,
            kind,
            verbs,
        },
    )
}

/// A resolved resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// Plural resource name.
    pub resource: String,
    /// API group.
    pub group: String,
    /// Namespaced (`None`: not a known built-in type).
    pub namespaced: Option<bool>,
    /// What kubectl would warn about (kcred's wording where kubectl's needs the server).
    pub warning: Option<String>,
}

fn find(name: &str, group: Option<&str>) -> Option<&'static Entry> {
    TABLE.iter().find(|(plural, singular, short, g, ..)| {
        group.is_none_or(|want| want == *g)
            && (*plural == name || *singular == name || short.contains(&name))
    })
}

/// `resourceFor`: `*` as is; `RES`, `RES.GROUP` or `RES.VERSION.GROUP`, lower-cased, looked up
/// by plural, singular or short name.
pub fn resolve(arg: &str) -> Resolved {
    if arg == "*" {
        return Resolved {
            resource: "*".into(),
            group: String::new(),
            namespaced: Some(true),
            warning: None,
        };
    }
    let lower = arg.to_lowercase();
    // schema.ParseResourceArg: with two dots or more, first try RESOURCE.VERSION.GROUP.
    let parts: Vec<&str> = lower.splitn(3, '.').collect();
    if parts.len() == 3
        && let Some(e) = find(parts[0], Some(parts[2]))
    {
        return hit(e);
    }
    // schema.ParseGroupResource: RESOURCE[.GROUP] split at the first dot.
    let (res, group) = match lower.split_once('.') {
        Some((r, g)) => (r, Some(g)),
        None => (lower.as_str(), None),
    };
    if let Some(e) = find(res, group) {
        return hit(e);
    }
    // Not found: kubectl keeps the argument as the resource, group empty, and warns; the
    // impersonation-only names `users` and `groups` need no warning.
    let warning = match group {
        _ if matches!(lower.as_str(), "users" | "groups") => None,
        None => Some(format!(
            "kcred does not know a built-in resource type '{res}' (custom resources are not known offline)"
        )),
        Some(g) => Some(format!(
            "kcred does not know a built-in resource type '{res}' in group '{g}'; taking it as written (a custom resource's plural name)"
        )),
    };
    match group {
        Some(g) if !matches!(lower.as_str(), "users" | "groups") => Resolved {
            resource: res.into(),
            group: g.into(),
            namespaced: None,
            warning,
        },
        _ => Resolved {
            resource: arg.into(),
            group: String::new(),
            namespaced: None,
            warning,
        },
    }
}

fn hit(e: &Entry) -> Resolved {
    Resolved {
        resource: e.0.into(),
        group: e.3.into(),
        namespaced: Some(e.4),
        warning: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rg(arg: &str) -> (String, String) {
        let r = resolve(arg);
        (r.resource, r.group)
    }

    #[test]
    fn short_singular_plural_and_group() {
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(rg("po"), s("pods", ""));
        assert_eq!(rg("pod"), s("pods", ""));
        assert_eq!(rg("Pods"), s("pods", ""));
        assert_eq!(rg("deploy"), s("deployments", "apps"));
        assert_eq!(rg("deployments.apps"), s("deployments", "apps"));
        assert_eq!(rg("deployments.v1.apps"), s("deployments", "apps"));
        assert_eq!(rg("cm"), s("configmaps", ""));
        assert_eq!(rg("sa"), s("serviceaccounts", ""));
        assert_eq!(rg("ns"), s("namespaces", ""));
        assert_eq!(rg("events"), s("events", ""));
        assert_eq!(rg("events.events.k8s.io"), s("events", "events.k8s.io"));
        assert_eq!(
            rg("csr"),
            s("certificatesigningrequests", "certificates.k8s.io")
        );
        assert_eq!(rg("*"), s("*", ""));
        assert_eq!(rg("widgets.example.com"), s("widgets", "example.com"));
        assert!(resolve("widgets.example.com").warning.is_some());
        assert!(resolve("users").warning.is_none());
    }
}
