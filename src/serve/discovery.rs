//! Unaggregated discovery (`/api`, `/api/v1`, `/apis`, `/apis/GROUP`, `/apis/GROUP/VERSION`)
//! built from the same table of built-in types `kcred can-i` resolves names with
//! ([`crate::authz::resources`]), so that kubectl's RESTMapper resolves `po` to `pods` and
//! `deploy` to `deployments.apps` as it does against kube-apiserver, and asks kcred the same
//! question `kcred can-i` answers.
//!
//! kubectl 1.35 asks for aggregated discovery first (`Accept:
//! application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...,application/json`).
//! client-go decides by the answer's Content-Type (`discovery/discovery_client.go`,
//! `downloadLegacy` / `downloadAPIs`: `ContentTypeIsGVK(responseContentType, v2GVK)`), and
//! on plain `application/json` reads `APIVersions` / `APIGroupList` and then fetches each
//! group version's `APIResourceList`, as against a server without aggregated discovery. kcred
//! answers that plain form only.
//!
//! Shapes as `apimachinery/pkg/apis/meta/v1/types.go` declares them (`APIVersions`,
//! `APIGroupList`, `APIGroup`, `GroupVersionForDiscovery`, `APIResourceList`, `APIResource`:
//! `shortNames` is `omitempty`, `singularName` is not) and as kube-apiserver serves them:
//! `/api/v1`'s list carries no `apiVersion`, a group's does. Subresources (`pods/log`) are
//! not listed: the table does not know them, and kubectl's name resolution skips them.
//! The table's beta types (`v1beta1`) are listed as a cluster that enables them serves
//! them; kube-apiserver 1.35 serves beta APIs only when `--runtime-config` turns them on.

use serde_json::{Value, json};

use crate::authz::resources::{Builtin, builtins};

/// The groups of the table other than the core group, in the table's order (discovery's
/// priority order: a name two groups serve resolves to the first).
fn groups() -> Vec<&'static str> {
    let mut out: Vec<&str> = Vec::new();
    for b in builtins() {
        if !b.group.is_empty() && !out.contains(&b.group) {
            out.push(b.group);
        }
    }
    out
}

/// A group's versions, preferred first: GA before beta (`v1` before `v1beta1`), as
/// kube-apiserver orders them (`version.CompareKubeAwareVersionStrings`).
fn versions(group: &str) -> Vec<&'static str> {
    let mut out: Vec<&str> = Vec::new();
    for b in builtins().filter(|b| b.group == group) {
        if !out.contains(&b.version) {
            out.push(b.version);
        }
    }
    out.sort_by_key(|v| (v.contains("alpha"), v.contains("beta"), *v));
    out
}

/// `/api`: `APIVersions`.
pub fn api_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": ""}],
    })
}

fn group_value(group: &str) -> Option<Value> {
    let vs = versions(group);
    let gv = |v: &str| json!({"groupVersion": format!("{group}/{v}"), "version": v});
    let preferred = gv(vs.first()?);
    Some(json!({
        "name": group,
        "versions": vs.iter().map(|v| gv(v)).collect::<Vec<_>>(),
        "preferredVersion": preferred,
    }))
}

/// `/apis`: `APIGroupList`.
pub fn api_group_list() -> Value {
    let groups: Vec<Value> = groups().into_iter().filter_map(group_value).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/GROUP`: `APIGroup`, or `None` for a group kcred does not serve.
pub fn api_group(group: &str) -> Option<Value> {
    if group.is_empty() {
        return None;
    }
    let mut v = group_value(group)?;
    let o = v.as_object_mut()?;
    o.insert("kind".into(), json!("APIGroup"));
    o.insert("apiVersion".into(), json!("v1"));
    Some(v)
}

fn resource(b: &Builtin) -> Value {
    let mut r = json!({
        "name": b.name,
        "singularName": b.singular,
        "namespaced": b.namespaced,
        "kind": b.kind,
        "verbs": b.verbs,
    });
    if !b.short_names.is_empty() {
        r["shortNames"] = json!(b.short_names);
    }
    r
}

/// `/api/v1` (group `""`) or `/apis/GROUP/VERSION`: `APIResourceList`, or `None` for a
/// group version kcred does not serve.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let resources: Vec<Value> = builtins()
        .filter(|b| b.group == group && b.version == version)
        .map(|b| resource(&b))
        .collect();
    if resources.is_empty() {
        return None;
    }
    if group.is_empty() {
        return Some(
            json!({"kind": "APIResourceList", "groupVersion": version, "resources": resources}),
        );
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": format!("{group}/{version}"),
        "resources": resources,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_v1_lists_pods_with_its_short_name() {
        let l = resource_list("", "v1").unwrap();
        assert_eq!(l["groupVersion"], "v1");
        assert!(l.get("apiVersion").is_none());
        let pods = l["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "pods")
            .unwrap();
        assert_eq!(
            pods,
            &json!({"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                "shortNames": ["po"]})
        );
        // No shortNames key where there are none (omitempty).
        let secrets = l["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "secrets")
            .unwrap();
        assert!(secrets.get("shortNames").is_none());
    }

    #[test]
    fn groups_versions_and_unknowns() {
        let apps = api_group("apps").unwrap();
        assert_eq!(apps["preferredVersion"]["groupVersion"], "apps/v1");
        let adm = api_group("admissionregistration.k8s.io").unwrap();
        assert_eq!(adm["preferredVersion"]["version"], "v1");
        assert_eq!(adm["versions"][1]["version"], "v1beta1");
        assert!(api_group("").is_none());
        assert!(api_group("example.com").is_none());
        assert!(resource_list("apps", "v1beta1").is_none());
        let list = api_group_list();
        let names: Vec<&str> = list["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"apps") && names.contains(&"authorization.k8s.io"));
        assert!(!names.contains(&""));
        // Each listed group version serves a resource list.
        for g in list["groups"].as_array().unwrap() {
            for v in g["versions"].as_array().unwrap() {
                let v = v["version"].as_str().unwrap();
                assert!(resource_list(g["name"].as_str().unwrap(), v).is_some());
            }
        }
    }

    #[test]
    fn the_reviews_kcred_serves_are_listed_create_only() {
        for (group, plural, kind) in super::super::reviews::RESOURCES {
            let l = resource_list(group, "v1").unwrap();
            let r = l["resources"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["name"] == *plural)
                .unwrap_or_else(|| panic!("{plural} not listed"));
            assert_eq!(r["kind"], *kind);
            assert_eq!(r["verbs"], json!(["create"]));
            assert_eq!(r["namespaced"], *kind == "LocalSubjectAccessReview");
        }
    }
}
