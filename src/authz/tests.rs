//! The authorizer chain over small manifests: reasons in the API server's words, near
//! misses, missing roles, aggregation, the privileged group, the Node authorizer.

use super::manifest::{Stats, load_str};
use super::{Attributes, Authorizer, Mode, Policy};
use crate::Identity;

fn policy(yaml: &str) -> Policy {
    let mut p = Policy::default();
    load_str(&mut p, yaml, "test.yaml", &mut Stats::default()).expect("loads");
    p
}

fn req(
    user: Identity,
    verb: &str,
    group: &str,
    resource: &str,
    ns: &str,
    name: &str,
) -> Attributes {
    Attributes {
        user,
        verb: verb.into(),
        api_group: group.into(),
        resource: resource.into(),
        namespace: ns.into(),
        name: name.into(),
        resource_request: true,
        ..Attributes::default()
    }
}

const PODS_READER: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader, labels: {agg: "yes-please"}}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list]
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [only-this]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: readers, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects:
- {kind: Group, name: devs}
- {kind: ServiceAccount, name: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ghost, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: does-not-exist}
subjects: [{kind: Group, name: devs}]
"#;

#[test]
fn role_binding_to_cluster_role_grants_only_in_its_namespace() {
    let az = Authorizer::new(vec![Mode::Rbac], policy(PODS_READER));
    let dev = Identity::new("alice", ["devs"]);
    let d = az.authorize(&req(dev.clone(), "get", "", "pods", "dev", ""));
    assert!(d.allowed);
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by RoleBinding "readers/dev" of ClusterRole "pod-reader" to Group "devs""#
    );
    let d = az.authorize(&req(dev.clone(), "get", "", "pods", "prod", ""));
    assert!(!d.allowed);
    let d = az.authorize(&req(dev, "get", "", "pods", "", ""));
    assert!(!d.allowed, "cluster-wide is not granted by a RoleBinding");
}

#[test]
fn missing_role_is_reported_and_near_misses_named() {
    let az = Authorizer::new(vec![Mode::Rbac], policy(PODS_READER));
    let d = az.authorize(&req(
        Identity::new("alice", ["devs"]),
        "delete",
        "",
        "pods",
        "dev",
        "",
    ));
    assert!(!d.allowed && !d.denied);
    assert_eq!(
        d.reason,
        r#"RBAC: role.rbac.authorization.k8s.io "does-not-exist" not found"#
    );
    assert_eq!(
        d.near_misses,
        [r#"RoleBinding "readers/dev" of ClusterRole "pod-reader" to Group "devs""#]
    );
}

#[test]
fn resource_names_never_match_a_request_without_a_name() {
    let az = Authorizer::new(vec![Mode::Rbac], policy(PODS_READER));
    let dev = Identity::new("alice", ["devs"]);
    assert!(
        az.authorize(&req(
            dev.clone(),
            "get",
            "",
            "configmaps",
            "dev",
            "only-this"
        ))
        .allowed
    );
    assert!(
        !az.authorize(&req(dev.clone(), "get", "", "configmaps", "dev", "other"))
            .allowed
    );
    assert!(
        !az.authorize(&req(dev, "get", "", "configmaps", "dev", ""))
            .allowed
    );
}

#[test]
fn service_account_subject_defaults_to_the_binding_namespace() {
    let az = Authorizer::new(vec![Mode::Rbac], policy(PODS_READER));
    let ci = Identity::new("system:serviceaccount:dev:ci", ["system:serviceaccounts"]);
    let d = az.authorize(&req(ci, "list", "", "pods", "dev", ""));
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by RoleBinding "readers/dev" of ClusterRole "pod-reader" to ServiceAccount "ci/dev""#
    );
    let other = Identity::new("system:serviceaccount:prod:ci", ["system:serviceaccounts"]);
    assert!(
        !az.authorize(&req(other, "list", "", "pods", "dev", ""))
            .allowed
    );
}

#[test]
fn aggregation_follows_labels_and_expressions_and_chains() {
    let yaml = format!(
        "{PODS_READER}\n---\n{}",
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mid, labels: {tier: top}}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions: [{key: agg, operator: In, values: [yes-please]}]
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {tier: top}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: top-for-bob}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: top}
subjects: [{kind: User, name: bob}]
"#
    );
    let az = Authorizer::new(vec![Mode::Rbac], policy(&yaml));
    let d = az.authorize(&req(
        Identity::new("bob", ["system:authenticated"]),
        "get",
        "",
        "pods",
        "",
        "x",
    ));
    assert!(d.allowed, "{d:?}");
    assert_eq!(
        d.reason,
        r#"RBAC: allowed by ClusterRoleBinding "top-for-bob" of ClusterRole "top" to User "bob""#
    );
    assert_eq!(az.policy.cluster_role("top").unwrap().rules.len(), 2);
}

#[test]
fn privileged_group_first_and_node_graph_not_guessed() {
    let az = Authorizer::new(vec![Mode::Node, Mode::Rbac], Policy::default());
    let d = az.authorize(&req(
        Identity::new("x", ["system:masters"]),
        "delete",
        "",
        "nodes",
        "",
        "",
    ));
    assert!(d.allowed && d.reason.is_empty());
    let node = Identity::node("w1");
    let d = az.authorize(&req(node.clone(), "get", "", "secrets", "default", "s"));
    assert!(!d.allowed && d.unknown.is_some(), "{d:?}");
    let d = az.authorize(&req(node.clone(), "get", "", "nodes", "", "w1"));
    assert!(d.allowed);
    let d = az.authorize(&req(node.clone(), "get", "", "nodes", "", "w2"));
    assert!(!d.allowed && d.unknown.is_none());
    assert_eq!(
        d.reason,
        "node 'w1' cannot read 'w2', only its own Node object"
    );
    let d = az.authorize(&req(
        node,
        "update",
        "coordination.k8s.io",
        "leases",
        "kube-node-lease",
        "w1",
    ));
    assert!(d.allowed);
}

/// `syncClusterRole` (`pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go`):
/// selected roles by name, the role itself skipped, each distinct rule once in first-seen
/// order; a selector that does not parse leaves the role as it is, with one error.
#[test]
fn aggregation_dedups_in_order_skips_itself_and_reports_bad_selectors_once() {
    let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a, labels: {x: "1"}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
- {apiGroups: [""], resources: [pods], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, labels: {x: "1"}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [list]}
- {apiGroups: [""], resources: [services], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agg}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: "1"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: self, labels: {x: "1"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: "1"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bad}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {x: "1"}
  - matchExpressions: [{key: k, operator: Bogus}]
rules:
- {apiGroups: [""], resources: [pods], verbs: [create]}
"#;
    let az = Authorizer::new(vec![Mode::Rbac], policy(yaml));
    let rules = |name: &str| -> Vec<super::rules::PolicyRule> {
        let role = az.policy.cluster_role(name).unwrap();
        role.rules.iter().map(|r| (**r).clone()).collect()
    };
    let r = |verb: &str, resource: &str| {
        super::rules::PolicyRule::resource(&[verb], &[""], &[resource])
    };
    let union = vec![r("get", "pods"), r("list", "pods"), r("get", "services")];
    assert_eq!(rules("agg"), union);
    assert_eq!(rules("self"), union);
    assert_eq!(rules("bad"), [r("create", "pods")]);
    assert_eq!(
        az.policy.aggregation_errors,
        [
            r#"ClusterRole "bad": aggregationRule not applied: "Bogus" is not a valid label selector operator"#
        ]
    );
}

/// `syncClusterRole` returns `LabelSelectorAsSelector`'s error before it lists any role, so
/// a selector that does not parse is reported even when nothing else could be selected.
#[test]
fn a_bad_selector_is_reported_with_no_other_cluster_role() {
    let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: lone}
aggregationRule: {clusterRoleSelectors: [{matchExpressions: [{key: k, operator: In}]}]}
"#;
    let az = Authorizer::new(vec![Mode::Rbac], policy(yaml));
    assert_eq!(
        az.policy.aggregation_errors,
        [
            r#"ClusterRole "lone": aggregationRule not applied: for 'in', 'notin' operators, values set can't be empty (key "k")"#
        ]
    );
}

#[test]
fn bad_manifests_name_file_and_object() {
    let mut p = Policy::default();
    let mut s = Stats::default();
    let e = load_str(
        &mut p,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\nrules: foo\n",
        "f.yaml",
        &mut s,
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("f.yaml: ClusterRole \"x\": "), "{e}");
    let e = load_str(
        &mut p,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\nsubjects: []\n",
        "g.yaml",
        &mut s,
    )
    .unwrap_err()
    .to_string();
    assert_eq!(e, "g.yaml: RoleBinding \"b\": no roleRef");
    let e = load_str(&mut p, "a: [", "h.yaml", &mut s)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("h.yaml: not valid YAML or JSON"), "{e}");
}

#[test]
fn lists_and_other_kinds() {
    let mut p = Policy::default();
    let mut s = Stats::default();
    load_str(
        &mut p,
        r#"{"apiVersion":"v1","kind":"List","items":[
          {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}},
          {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r","namespace":"a"},"rules":null}]}"#,
        "l.json",
        &mut s,
    )
    .unwrap();
    assert_eq!(s.ignored.get("ConfigMap"), Some(&1));
    assert_eq!(s.loaded.get("Role"), Some(&1));
}

#[test]
fn yaml_1_1_booleans_where_strings_belong_are_refused_as_kubectl_does() {
    for v in ["y", "yes", "on", "true", "123"] {
        let mut p = Policy::default();
        let text = format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: {v}}}\nrules: []\n"
        );
        // kubectl create --dry-run=client refuses these too: "json: cannot unmarshal bool
        // into Go struct field ObjectMeta.metadata.name of type string".
        let e = load_str(&mut p, &text, "b.yaml", &mut Stats::default()).unwrap_err();
        assert!(e.to_string().contains("metadata.name"), "{v}: {e}");
    }
}

#[test]
fn modes_run_in_the_order_given_as_a_union() {
    let node = Identity::node("w1");
    let get_secret = req(node.clone(), "get", "", "secrets", "default", "s");
    // Without the Node authorizer, nothing is left open: RBAC alone says no.
    let rbac_only = Authorizer::new(vec![Mode::Rbac], Policy::default());
    let d = rbac_only.authorize(&get_secret);
    assert!(!d.allowed && d.unknown.is_none());
    // A later Allow settles what the Node graph left open.
    let allow = Authorizer::new(vec![Mode::Node, Mode::AlwaysAllow], Policy::default());
    let d = allow.authorize(&get_secret);
    assert!(d.allowed && d.unknown.is_none());
    // AlwaysDeny has no opinion ("Everything is forbidden."), and its reason joins the
    // others with a newline, as union.go joins them.
    let deny = Authorizer::new(vec![Mode::AlwaysDeny, Mode::Node], Policy::default());
    let d = deny.authorize(&req(node, "get", "", "nodes", "", "w2"));
    assert!(!d.allowed && !d.denied);
    assert_eq!(
        d.reason,
        "Everything is forbidden.\nnode 'w1' cannot read 'w2', only its own Node object"
    );
    // --list: the Node authorizer marks a node's rules incomplete; AlwaysAllow lists all.
    let s = allow.rules_for(&Identity::node("w1"), "default");
    assert!(s.incomplete);
    assert_eq!(s.resource_rules.len(), 1);
    assert_eq!(s.non_resource_rules.len(), 1);
}

/// `syncClusterRole` as the controller states it, with no rule ids, caches or skipped roles:
/// every aggregating role in name order gathers its selected roles' current rules
/// (`ruleExists` over a list), rounds until nothing changes (at most one per role and one
/// more, as `Policy::aggregate`). A selector that does not parse leaves its role as it is.
fn reference_aggregation(
    roles: &[super::rbac::Role],
) -> std::collections::BTreeMap<String, Vec<super::rules::PolicyRule>> {
    use std::collections::BTreeMap;
    let by_name: BTreeMap<&str, &super::rbac::Role> = roles
        .iter()
        .map(|r| (r.metadata.name.as_str(), r))
        .collect();
    let mut current: BTreeMap<String, Vec<super::rules::PolicyRule>> = by_name
        .iter()
        .map(|(n, r)| {
            (
                n.to_string(),
                r.rules.iter().map(|x| (**x).clone()).collect(),
            )
        })
        .collect();
    for _round in 0..=by_name.len() {
        let mut changed = false;
        'role: for (name, role) in &by_name {
            let Some(agg) = &role.aggregation_rule else {
                continue;
            };
            let mut gathered: Vec<super::rules::PolicyRule> = Vec::new();
            for sel in &agg.cluster_role_selectors {
                if sel.matches(&BTreeMap::new()).is_err() {
                    continue 'role;
                }
                for (other, o) in &by_name {
                    if other == name || !sel.matches(&o.metadata.labels).unwrap() {
                        continue;
                    }
                    for r in &current[*other] {
                        if !gathered.contains(r) {
                            gathered.push(r.clone());
                        }
                    }
                }
            }
            if current[*name] != gathered {
                current.insert(name.to_string(), gathered);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    current
}

/// kcred's aggregation (rule ids, shared selector passes, skipped unchanged roles) agrees
/// with the plain statement of the controller above on a few thousand random ClusterRole
/// sets: labels, matchLabels and every matchExpressions operator (and bad ones), chains and
/// cycles of aggregating roles, duplicate rules within and across roles.
#[test]
fn aggregation_agrees_with_the_controller_stated_plainly() {
    use super::rbac::{AggregationRule, ObjectMeta, Role};
    use super::rules::PolicyRule;
    use super::selector::{LabelSelector, Requirement};
    use std::sync::Arc;

    // xorshift64: a fixed sequence, so a failure names a reproducible case number.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: usize| -> usize {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let pool: Vec<PolicyRule> = [("get", "pods"), ("list", "pods"), ("get", "secrets")]
        .iter()
        .map(|(v, r)| PolicyRule::resource(&[v], &[""], &[r]))
        .chain([PolicyRule::urls(&["get"], &["/healthz"])])
        .chain([PolicyRule::resource(&["*"], &["apps"], &["deployments"])])
        .collect();
    let keys = ["a", "b", "c"];
    let values = ["1", "2"];
    for case in 0..3000 {
        let n = 2 + next(7);
        let mut roles = Vec::new();
        for i in 0..n {
            let mut labels = std::collections::BTreeMap::new();
            for k in keys {
                if next(3) == 0 {
                    labels.insert(k.to_string(), values[next(2)].to_string());
                }
            }
            let aggregation_rule = (next(3) == 0).then(|| AggregationRule {
                cluster_role_selectors: (0..next(3))
                    .map(|_| {
                        let mut sel = LabelSelector::default();
                        if next(2) == 0 {
                            sel.match_labels
                                .insert(keys[next(3)].into(), values[next(2)].into());
                        }
                        if next(2) == 0 {
                            let op = ["In", "NotIn", "Exists", "DoesNotExist", "Bogus"][next(5)];
                            let vals = match op {
                                "In" | "NotIn" if next(8) != 0 => vec![values[next(2)].into()],
                                "Exists" | "DoesNotExist" if next(8) == 0 => vec!["1".into()],
                                _ => vec![],
                            };
                            sel.match_expressions.push(Requirement {
                                key: keys[next(3)].into(),
                                operator: op.into(),
                                values: vals,
                            });
                        }
                        sel
                    })
                    .collect(),
            });
            roles.push(Role {
                metadata: ObjectMeta {
                    name: format!("r{i}"),
                    labels,
                    ..Default::default()
                },
                rules: (0..next(4))
                    .map(|_| Arc::new(pool[next(pool.len())].clone()))
                    .collect(),
                aggregation_rule,
            });
        }
        let want = reference_aggregation(&roles);
        let mut p = Policy::default();
        for r in roles {
            p.add_cluster_role(r);
        }
        let az = Authorizer::new(vec![Mode::Rbac], p);
        for (name, rules) in &want {
            let got: Vec<PolicyRule> = az
                .policy
                .cluster_role(name)
                .unwrap()
                .rules
                .iter()
                .map(|r| (**r).clone())
                .collect();
            assert_eq!(&got, rules, "case {case}, role {name}");
        }
    }
}
