//! Resource names as `kubectl auth can-i` resolves them, without a cluster.
//!
//! kubectl asks the server's discovery (`cani.go`, `resourceFor`: `schema.ParseResourceArg`,
//! then the RESTMapper with its short-name expander). kcred carries a static table of the
//! built-in types instead: plural, singular and short names, group and scope as each type's
//! REST storage declares them (`pkg/registry/<group>/<type>/storage/storage.go`,
//! `ShortNames()` / `SingularName`, as discovery serves them). Where two groups serve the
//! same name (`events`), discovery lists the core group first, and so does the table.
//! Custom resources are not in it: `NAME.GROUP` is taken as written, with a warning.

/// One built-in resource: (plural, singular, short names, group, namespaced).
type Entry = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    bool,
);

const TABLE: &[Entry] = &[
    ("bindings", "binding", &[], "", true),
    ("componentstatuses", "componentstatus", &["cs"], "", false),
    ("configmaps", "configmap", &["cm"], "", true),
    ("endpoints", "endpoints", &["ep"], "", true),
    ("events", "event", &["ev"], "", true),
    ("limitranges", "limitrange", &["limits"], "", true),
    ("namespaces", "namespace", &["ns"], "", false),
    ("nodes", "node", &["no"], "", false),
    (
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        &["pvc"],
        "",
        true,
    ),
    ("persistentvolumes", "persistentvolume", &["pv"], "", false),
    ("pods", "pod", &["po"], "", true),
    ("podtemplates", "podtemplate", &[], "", true),
    (
        "replicationcontrollers",
        "replicationcontroller",
        &["rc"],
        "",
        true,
    ),
    ("resourcequotas", "resourcequota", &["quota"], "", true),
    ("secrets", "secret", &[], "", true),
    ("serviceaccounts", "serviceaccount", &["sa"], "", true),
    ("services", "service", &["svc"], "", true),
    (
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        &[],
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        &[],
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "validatingadmissionpolicies",
        "validatingadmissionpolicy",
        &[],
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "validatingadmissionpolicybindings",
        "validatingadmissionpolicybinding",
        &[],
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "mutatingadmissionpolicies",
        "mutatingadmissionpolicy",
        &[],
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "mutatingadmissionpolicybindings",
        "mutatingadmissionpolicybinding",
        &[],
        "admissionregistration.k8s.io",
        false,
    ),
    (
        "customresourcedefinitions",
        "customresourcedefinition",
        &["crd", "crds"],
        "apiextensions.k8s.io",
        false,
    ),
    (
        "apiservices",
        "apiservice",
        &[],
        "apiregistration.k8s.io",
        false,
    ),
    (
        "controllerrevisions",
        "controllerrevision",
        &[],
        "apps",
        true,
    ),
    ("daemonsets", "daemonset", &["ds"], "apps", true),
    ("deployments", "deployment", &["deploy"], "apps", true),
    ("replicasets", "replicaset", &["rs"], "apps", true),
    ("statefulsets", "statefulset", &["sts"], "apps", true),
    (
        "selfsubjectreviews",
        "selfsubjectreview",
        &[],
        "authentication.k8s.io",
        false,
    ),
    (
        "tokenreviews",
        "tokenreview",
        &[],
        "authentication.k8s.io",
        false,
    ),
    (
        "localsubjectaccessreviews",
        "localsubjectaccessreview",
        &[],
        "authorization.k8s.io",
        true,
    ),
    (
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        &[],
        "authorization.k8s.io",
        false,
    ),
    (
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        &[],
        "authorization.k8s.io",
        false,
    ),
    (
        "subjectaccessreviews",
        "subjectaccessreview",
        &[],
        "authorization.k8s.io",
        false,
    ),
    (
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        &["hpa"],
        "autoscaling",
        true,
    ),
    ("cronjobs", "cronjob", &["cj"], "batch", true),
    ("jobs", "job", &[], "batch", true),
    (
        "certificatesigningrequests",
        "certificatesigningrequest",
        &["csr"],
        "certificates.k8s.io",
        false,
    ),
    (
        "clustertrustbundles",
        "clustertrustbundle",
        &[],
        "certificates.k8s.io",
        false,
    ),
    ("leases", "lease", &[], "coordination.k8s.io", true),
    (
        "leasecandidates",
        "leasecandidate",
        &[],
        "coordination.k8s.io",
        true,
    ),
    (
        "endpointslices",
        "endpointslice",
        &[],
        "discovery.k8s.io",
        true,
    ),
    (
        "flowschemas",
        "flowschema",
        &[],
        "flowcontrol.apiserver.k8s.io",
        false,
    ),
    (
        "prioritylevelconfigurations",
        "prioritylevelconfiguration",
        &[],
        "flowcontrol.apiserver.k8s.io",
        false,
    ),
    (
        "ingressclasses",
        "ingressclass",
        &[],
        "networking.k8s.io",
        false,
    ),
    ("ingresses", "ingress", &["ing"], "networking.k8s.io", true),
    (
        "ipaddresses",
        "ipaddress",
        &["ip"],
        "networking.k8s.io",
        false,
    ),
    (
        "networkpolicies",
        "networkpolicy",
        &["netpol"],
        "networking.k8s.io",
        true,
    ),
    (
        "servicecidrs",
        "servicecidr",
        &[],
        "networking.k8s.io",
        false,
    ),
    ("runtimeclasses", "runtimeclass", &[], "node.k8s.io", false),
    (
        "poddisruptionbudgets",
        "poddisruptionbudget",
        &["pdb"],
        "policy",
        true,
    ),
    (
        "clusterrolebindings",
        "clusterrolebinding",
        &[],
        "rbac.authorization.k8s.io",
        false,
    ),
    (
        "clusterroles",
        "clusterrole",
        &[],
        "rbac.authorization.k8s.io",
        false,
    ),
    (
        "rolebindings",
        "rolebinding",
        &[],
        "rbac.authorization.k8s.io",
        true,
    ),
    ("roles", "role", &[], "rbac.authorization.k8s.io", true),
    (
        "deviceclasses",
        "deviceclass",
        &[],
        "resource.k8s.io",
        false,
    ),
    (
        "resourceclaims",
        "resourceclaim",
        &[],
        "resource.k8s.io",
        true,
    ),
    (
        "resourceclaimtemplates",
        "resourceclaimtemplate",
        &[],
        "resource.k8s.io",
        true,
    ),
    (
        "resourceslices",
        "resourceslice",
        &[],
        "resource.k8s.io",
        false,
    ),
    (
        "priorityclasses",
        "priorityclass",
        &["pc"],
        "scheduling.k8s.io",
        false,
    ),
    ("csidrivers", "csidriver", &[], "storage.k8s.io", false),
    ("csinodes", "csinode", &[], "storage.k8s.io", false),
    (
        "csistoragecapacities",
        "csistoragecapacity",
        &[],
        "storage.k8s.io",
        true,
    ),
    (
        "storageclasses",
        "storageclass",
        &["sc"],
        "storage.k8s.io",
        false,
    ),
    (
        "volumeattachments",
        "volumeattachment",
        &[],
        "storage.k8s.io",
        false,
    ),
    (
        "volumeattributesclasses",
        "volumeattributesclass",
        &["vac"],
        "storage.k8s.io",
        false,
    ),
    ("events", "event", &["ev"], "events.k8s.io", true),
];

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
    TABLE.iter().find(|(plural, singular, short, g, _)| {
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
