//! The bootstrap RBAC policy kube-apiserver creates at start (the `rbac/bootstrap-roles`
//! post-start hook, `pkg/registry/rbac/rest/storage_rbac.go`), embedded from
//! `templates/rbac/`: Kubernetes' own golden files
//! `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/*.yaml`.
//!
//! The six files come from *different* upstream commits (templates/rbac/README.md has the
//! table); they are not one Kubernetes release, and kcred does not claim one.

use std::sync::LazyLock;

use super::manifest::{self, Stats};
use super::rbac::Policy;
use super::rules::PolicyRule;

/// The embedded files: (name, text).
pub const FILES: [(&str, &str); 6] = [
    (
        "cluster-roles.yaml",
        include_str!("../../templates/rbac/cluster-roles.yaml"),
    ),
    (
        "cluster-role-bindings.yaml",
        include_str!("../../templates/rbac/cluster-role-bindings.yaml"),
    ),
    (
        "controller-roles.yaml",
        include_str!("../../templates/rbac/controller-roles.yaml"),
    ),
    (
        "controller-role-bindings.yaml",
        include_str!("../../templates/rbac/controller-role-bindings.yaml"),
    ),
    (
        "namespace-roles.yaml",
        include_str!("../../templates/rbac/namespace-roles.yaml"),
    ),
    (
        "namespace-role-bindings.yaml",
        include_str!("../../templates/rbac/namespace-role-bindings.yaml"),
    ),
];

/// The same files in their build-time form (build.rs): the documents serde-saphyr reads from
/// each YAML file, as one JSON array, in the order of [`FILES`]. serde_json reads them several
/// times faster than the YAML parser; `build_time_form_is_the_yaml` checks they are the same.
const JSON: [&str; 6] = [
    include_str!(concat!(env!("OUT_DIR"), "/cluster-roles.json")),
    include_str!(concat!(env!("OUT_DIR"), "/cluster-role-bindings.json")),
    include_str!(concat!(env!("OUT_DIR"), "/controller-roles.json")),
    include_str!(concat!(env!("OUT_DIR"), "/controller-role-bindings.json")),
    include_str!(concat!(env!("OUT_DIR"), "/namespace-roles.json")),
    include_str!(concat!(env!("OUT_DIR"), "/namespace-role-bindings.json")),
];

fn load_file(policy: &mut Policy, i: usize, stats: &mut Stats) {
    stats.files += 1;
    // The typed reader, straight from the JSON (the generic one if it ever refused).
    let typed = serde_json::from_str::<Vec<super::typed::MaybeDoc>>(JSON[i])
        .ok()
        .and_then(super::typed::docs_items);
    if let Some(items) = typed {
        manifest::apply(policy, items, stats);
        return;
    }
    let docs: Vec<serde_json::Value> = serde_json::from_str(JSON[i])
        .expect("the embedded bootstrap policy parses (checked by a unit test)");
    manifest::load_docs(policy, docs, &format!("<bootstrap>/{}", FILES[i].0), stats)
        .expect("the embedded bootstrap policy loads (checked by a unit test)");
}

/// Add the bootstrap policy to `policy`.
pub fn load(policy: &mut Policy, stats: &mut Stats) {
    for i in 0..FILES.len() {
        load_file(policy, i, stats);
    }
}

/// `bootstrappolicy.NodeRules()`: the rules of the `system:node` ClusterRole, which the Node
/// authorizer applies to every node for the requests it does not subdivide.
///
/// Read from the embedded ClusterRoles the first time a node's request needs them: reading
/// them was a fifth of the instructions of a `can-i` over a small policy, for every user.
/// They are compiled into kube-apiserver, so `--rbac` and `--no-bootstrap-policy` do not
/// change them.
pub fn node_rules() -> &'static [PolicyRule] {
    static RULES: LazyLock<Vec<PolicyRule>> = LazyLock::new(|| {
        let mut p = Policy::default();
        let mut s = Stats::default();
        load_file(&mut p, 0, &mut s);
        p.cluster_role("system:node")
            .map(|r| r.rules.iter().map(|r| PolicyRule::clone(r)).collect())
            .unwrap_or_default()
    });
    &RULES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_policy_loads_with_its_counts() {
        let mut p = Policy::default();
        let mut s = Stats::default();
        load(&mut p, &mut s);
        assert!(s.ignored.is_empty(), "{s:?}");
        let [roles, cluster_roles, rb, crb] = p.counts();
        assert!(
            roles > 0 && cluster_roles > 50 && rb > 0 && crb > 40,
            "{s:?}"
        );
        assert!(!node_rules().is_empty());
    }

    /// The build-time JSON is the same data as a run-time parse of the YAML, file by file,
    /// and loads into the same policy.
    #[test]
    fn build_time_form_is_the_yaml() {
        let mut from_yaml = Policy::default();
        let mut s_yaml = Stats::default();
        for (i, (name, text)) in FILES.into_iter().enumerate() {
            let docs = manifest::parse_str(text, name).unwrap();
            let json: Vec<serde_json::Value> = serde_json::from_str(JSON[i]).unwrap();
            assert_eq!(docs, json, "{name}");
            assert!(!docs.is_empty(), "{name}");
            manifest::load_str(
                &mut from_yaml,
                text,
                &format!("<bootstrap>/{name}"),
                &mut s_yaml,
            )
            .unwrap();
        }
        let mut from_json = Policy::default();
        let mut s_json = Stats::default();
        load(&mut from_json, &mut s_json);
        assert_eq!(s_yaml, s_json);
        assert!(from_yaml == from_json, "the policies differ");
    }

    /// The embedded files are the ones templates/rbac/README.md names: each one's git blob id
    /// (`git hash-object`) is in its table, so the data cannot drift from what the README says.
    #[test]
    fn embedded_files_match_the_readme_blob_table() {
        let readme = include_str!("../../templates/rbac/README.md");
        for (name, text) in FILES {
            let mut data = format!("blob {}\0", text.len()).into_bytes();
            data.extend_from_slice(text.as_bytes());
            let digest =
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &data);
            let blob = hex::encode(digest.as_ref());
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| {name} |")))
                .unwrap_or_else(|| panic!("{name} is not in the README table"));
            assert!(
                row.trim_end().ends_with(&format!("| {blob} |")),
                "{name}: blob {blob}, README: {row}"
            );
        }
    }
}
