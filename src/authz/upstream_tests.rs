//! Kubernetes' own authorizer test tables (`testdata/upstream.yaml`, each case naming its
//! source in kubernetes/kubernetes) run against this module. The counts are asserted so a
//! table that stops being read cannot pass quietly.

use std::sync::Arc;

use serde_json::Value;

use super::rbac::{Binding, ObjectMeta, Role, RoleRef, Subject, applies_to};
use super::rules::{PolicyRule, rule_allows};
use super::{Attributes, Authorizer, Mode, Policy};
use crate::Identity;

const DATA: &str = include_str!("testdata/upstream.yaml");

fn data() -> Value {
    serde_saphyr::from_str(DATA).expect("upstream.yaml parses")
}

/// Go's `strings.Split(s, ",")`: "" is [""].
fn split(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

/// `newRule(verbs, apiGroups, resources, nonResourceURLs)`.
fn new_rule(spec: &str) -> PolicyRule {
    let p: Vec<&str> = spec.split('|').collect();
    PolicyRule {
        verbs: split(p[0]),
        api_groups: split(p[1]),
        resources: split(p[2]),
        resource_names: vec![],
        non_resource_urls: if p.len() > 3 { split(p[3]) } else { vec![] },
    }
}

fn subject(s: &str) -> Subject {
    let (kind, name) = s.split_once(':').expect("Kind:name");
    let (ns, name) = if kind == "ServiceAccount" && name.contains('/') {
        let (ns, n) = name.split_once('/').expect("ns/name");
        (ns.to_string(), n.to_string())
    } else {
        (String::new(), name.to_string())
    };
    Subject {
        kind: kind.into(),
        api_group: String::new(),
        name,
        namespace: ns,
    }
}

fn user(spec: &str) -> Identity {
    let (name, groups) = spec.split_once('|').expect("user|groups");
    Identity {
        user: name.into(),
        groups: if groups.is_empty() {
            vec![]
        } else {
            split(groups)
        },
        ..Identity::default()
    }
}

fn policy(case: &Value) -> Policy {
    let mut p = Policy::default();
    if let Some(Value::Object(crs)) = case.get("clusterRoles") {
        for (name, rules) in crs {
            p.add_cluster_role(Role {
                metadata: ObjectMeta {
                    name: name.clone(),
                    ..Default::default()
                },
                rules: rules
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| Arc::new(new_rule(r.as_str().unwrap())))
                    .collect(),
                aggregation_rule: None,
            });
        }
    }
    if let Some(Value::Object(roles)) = case.get("roles") {
        for (key, rules) in roles {
            let (ns, name) = key.split_once('/').unwrap();
            p.add_role(Role {
                metadata: ObjectMeta {
                    name: name.into(),
                    namespace: ns.into(),
                    ..Default::default()
                },
                rules: rules
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| Arc::new(new_rule(r.as_str().unwrap())))
                    .collect(),
                aggregation_rule: None,
            });
        }
    }
    for b in case["bindings"].as_array().unwrap() {
        let words: Vec<&str> = b.as_str().unwrap().split(' ').collect();
        let binding = Binding {
            metadata: ObjectMeta {
                namespace: if words[0] == "-" {
                    String::new()
                } else {
                    words[0].into()
                },
                ..Default::default()
            },
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io".into(),
                kind: words[2].into(),
                name: words[1].into(),
            },
            subjects: words[3..].iter().map(|s| subject(s)).collect(),
        };
        if words[0] == "-" {
            p.add_cluster_role_binding(binding);
        } else {
            p.add_role_binding(binding);
        }
    }
    p
}

/// `defaultAttributes` or a non-resource `AttributesRecord`.
fn attrs(spec: &str) -> Attributes {
    if let Some(rest) = spec.strip_prefix("url ") {
        let p: Vec<&str> = rest.split('|').collect();
        return Attributes {
            user: user(&format!("{}|{}", p[0], p[1])),
            verb: p[2].into(),
            path: p[3].into(),
            resource_request: false,
            ..Attributes::default()
        };
    }
    let p: Vec<&str> = spec.split('|').collect();
    Attributes {
        // defaultAttributes.GetUser splits groups with strings.Split: "" is [""].
        user: Identity {
            user: p[0].into(),
            groups: split(p[1]),
            ..Identity::default()
        },
        verb: p[2].into(),
        resource: p[3].into(),
        subresource: p[4].into(),
        namespace: p[5].into(),
        api_group: p[6].into(),
        resource_request: true,
        ..Attributes::default()
    }
}

fn rbac_only(p: Policy) -> Authorizer {
    Authorizer::new(vec![Mode::Rbac], p)
}

#[test]
fn rbac_test_go_test_authorizer() {
    let d = data();
    let mut checks = 0;
    for case in d["authorizer"].as_array().unwrap() {
        let src = case["source"].as_str().unwrap();
        let az = rbac_only(policy(case));
        for a in case["pass"].as_array().unwrap() {
            let at = attrs(a.as_str().unwrap());
            assert!(
                az.authorize(&at).allowed,
                "{src}: incorrectly restricted {a}"
            );
            checks += 1;
        }
        for a in case["fail"].as_array().unwrap() {
            let at = attrs(a.as_str().unwrap());
            assert!(!az.authorize(&at).allowed, "{src}: incorrectly passed {a}");
            checks += 1;
        }
    }
    assert_eq!(checks, 31);
}

#[test]
fn rbac_test_go_test_rule_matches() {
    let d = data();
    let mut checks = 0;
    for case in d["ruleMatches"].as_array().unwrap() {
        let src = case["source"].as_str().unwrap();
        let rule: PolicyRule = serde_json::from_value(case["rule"].clone()).unwrap();
        for (req, want) in case["requests"].as_object().unwrap() {
            let w: Vec<&str> = req.split(' ').collect();
            let a = if w[0] == "url" {
                Attributes {
                    verb: w[1].into(),
                    path: w[2].into(),
                    ..Attributes::default()
                }
            } else {
                Attributes {
                    verb: w[0].into(),
                    api_group: w[1].into(),
                    resource: w[2].into(),
                    subresource: w.get(3).unwrap_or(&"").to_string(),
                    resource_request: true,
                    ..Attributes::default()
                }
            };
            assert_eq!(
                rule_allows(&a, &rule),
                want.as_bool().unwrap(),
                "{src}: {req}"
            );
            checks += 1;
        }
    }
    assert_eq!(checks, 70);
}

#[test]
fn rule_test_go_test_applies_to() {
    let d = data();
    let cases = d["appliesTo"].as_array().unwrap();
    for case in cases {
        let src = case["source"].as_str().unwrap();
        let subjects: Vec<Subject> = case["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| subject(s.as_str().unwrap()))
            .collect();
        let u = user(case["user"].as_str().unwrap());
        let ns = case["namespace"].as_str().unwrap();
        assert_eq!(
            applies_to(&u, &subjects, ns).is_some(),
            case["applies"].as_bool().unwrap(),
            "{src}"
        );
    }
    assert_eq!(cases.len(), 9);
}

/// `staticRoles1` of `TestDefaultRuleResolver` (`pkg/registry/rbac/validation/rule_test.go`):
/// a Role "readthings" in namespace1 bound to User:foobar and Group:group1, ClusterRoles
/// cluster-admin (bound to User:admin and Group:admin) and write-nodes (unbound).
fn static_roles1() -> Policy {
    let rule = |v: &[&str], g: &[&str], r: &[&str]| PolicyRule::resource(v, g, r);
    let read_pods = rule(&["GET", "WATCH"], &["v1"], &["pods"]);
    let read_services = rule(&["GET", "WATCH"], &["v1"], &["services"]);
    let mut p = Policy::default();
    p.add_role(Role {
        metadata: ObjectMeta {
            name: "readthings".into(),
            namespace: "namespace1".into(),
            ..Default::default()
        },
        rules: vec![Arc::new(read_pods), Arc::new(read_services)],
        aggregation_rule: None,
    });
    for (name, r) in [
        ("cluster-admin", rule(&["*"], &["*"], &["*"])),
        (
            "write-nodes",
            rule(&["PUT", "CREATE", "UPDATE"], &["v1"], &["nodes"]),
        ),
    ] {
        p.add_cluster_role(Role {
            metadata: ObjectMeta {
                name: name.into(),
                ..Default::default()
            },
            rules: vec![Arc::new(r)],
            aggregation_rule: None,
        });
    }
    p.add_role_binding(Binding {
        metadata: ObjectMeta {
            namespace: "namespace1".into(),
            ..Default::default()
        },
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: "readthings".into(),
        },
        subjects: vec![subject("User:foobar"), subject("Group:group1")],
    });
    p.add_cluster_role_binding(Binding {
        metadata: ObjectMeta::default(),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "ClusterRole".into(),
            name: "cluster-admin".into(),
        },
        subjects: vec![subject("User:admin"), subject("Group:admin")],
    });
    p
}

/// Rules as the sorted set of "VERBS|GROUPS|RESOURCES" the table compares (upstream
/// compares them unordered too).
fn rule_strings<'a>(rules: impl IntoIterator<Item = &'a PolicyRule>) -> Vec<String> {
    let mut out: Vec<String> = rules
        .into_iter()
        .map(|r| {
            format!(
                "{}|{}|{}",
                r.verbs.join(","),
                r.api_groups.join(","),
                r.resources.join(",")
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn rule_test_go_test_default_rule_resolver() {
    let d = data();
    let p = static_roles1();
    let cases = d["rulesFor"].as_array().unwrap();
    for case in cases {
        let src = case["source"].as_str().unwrap();
        let (rules, errors) = p.rules_for(
            &user(case["user"].as_str().unwrap()),
            case["namespace"].as_str().unwrap(),
        );
        assert!(errors.is_empty(), "{src}: {errors:?}");
        let mut want: Vec<String> = case["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        want.sort();
        assert_eq!(rule_strings(&rules), want, "{src}");
    }
    assert_eq!(cases.len(), 4);
}

#[test]
fn subject_locator_test_go_cases() {
    let d = data();
    let mut checks = 0;
    for case in d["subjectLocator"].as_array().unwrap() {
        let src = case["source"].as_str().unwrap();
        let az = Authorizer::new(vec![Mode::Rbac], policy(case));
        let mut everyone: Vec<String> = vec!["Group:system:masters".into()];
        for b in case["bindings"].as_array().unwrap() {
            everyone.extend(b.as_str().unwrap().split(' ').skip(3).map(str::to_string));
        }
        for action in case["actions"].as_array().unwrap() {
            let spec = action["attrs"].as_str().unwrap();
            let allowed: Vec<&str> = action["allowed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            for who in &everyone {
                let (kind, name) = who.split_once(':').unwrap();
                let mut a = attrs(&format!("||{spec}"));
                a.user = if kind == "User" {
                    Identity::new(name, Vec::<String>::new())
                } else {
                    Identity::new("someone", [name])
                };
                let want = allowed.contains(&who.as_str());
                assert_eq!(az.authorize(&a).allowed, want, "{src}: {spec} as {who}");
                checks += 1;
            }
        }
    }
    assert_eq!(checks, 30);
}
