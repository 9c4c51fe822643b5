//! The review objects (`authorization.k8s.io/v1`) the API server would return, and the
//! table `kubectl auth can-i --list` prints from a `SelfSubjectRulesReview`
//! (`staging/src/k8s.io/kubectl/pkg/cmd/auth/cani.go`, `printStatus`: `BreakdownRule`,
//! `CompactRules` and `SortableRuleSlice` from `kubectl/pkg/util/rbac`, then
//! `describe.CombineResourceGroup`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::rules::PolicyRule;
use super::{Attributes, Decision};

/// `metadata: {creationTimestamp: null}`, as the API server returns a review.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    creation_timestamp: Option<String>,
}

/// `ResourceAttributes`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ResourceAttributes {
    #[serde(skip_serializing_if = "String::is_empty")]
    namespace: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    verb: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    resource: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    subresource: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
}

/// `NonResourceAttributes`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NonResourceAttributes {
    #[serde(skip_serializing_if = "String::is_empty")]
    path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    verb: String,
}

/// `SubjectAccessReviewSpec`.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_attributes: Option<ResourceAttributes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    non_resource_attributes: Option<NonResourceAttributes>,
    #[serde(skip_serializing_if = "String::is_empty")]
    user: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    groups: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    uid: String,
}

/// `SubjectAccessReviewStatus`.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarStatus {
    allowed: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    denied: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    reason: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    evaluation_error: String,
}

/// `SubjectAccessReview`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubjectAccessReview {
    kind: &'static str,
    api_version: &'static str,
    metadata: Meta,
    spec: SarSpec,
    status: SarStatus,
}

impl SubjectAccessReview {
    /// The review for `a` answered with `d`. A decision kcred could not finish (the Node
    /// graph) says so in `evaluationError`, and is not allowed.
    pub fn new(a: &Attributes, d: &Decision) -> Self {
        let mut spec = SarSpec {
            user: a.user.user.clone(),
            groups: a.user.groups.clone(),
            extra: a.user.extra.clone(),
            uid: a.user.uid.clone(),
            ..SarSpec::default()
        };
        if a.resource_request {
            spec.resource_attributes = Some(ResourceAttributes {
                namespace: a.namespace.clone(),
                verb: a.verb.clone(),
                group: a.api_group.clone(),
                resource: a.resource.clone(),
                subresource: a.subresource.clone(),
                name: a.name.clone(),
            });
        } else {
            spec.non_resource_attributes = Some(NonResourceAttributes {
                path: a.path.clone(),
                verb: a.verb.clone(),
            });
        }
        let mut evaluation_error = d.evaluation_error.clone();
        if let Some(u) = &d.unknown {
            evaluation_error = u.clone();
        }
        SubjectAccessReview {
            kind: "SubjectAccessReview",
            api_version: "authorization.k8s.io/v1",
            metadata: Meta::default(),
            spec,
            status: SarStatus {
                allowed: d.allowed,
                denied: d.denied,
                reason: d.reason.clone(),
                evaluation_error,
            },
        }
    }
}

/// `ResourceRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRule {
    /// Verbs.
    pub verbs: Vec<String>,
    /// API groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    /// Resources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
}

/// `NonResourceRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NonResourceRule {
    /// Verbs.
    pub verbs: Vec<String>,
    /// URLs.
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
}

/// `SubjectRulesReviewStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesStatus {
    /// Resource rules.
    pub resource_rules: Vec<ResourceRule>,
    /// Non-resource rules.
    pub non_resource_rules: Vec<NonResourceRule>,
    /// Some authorizer could not list its rules.
    pub incomplete: bool,
    /// Errors while listing.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub evaluation_error: String,
}

impl RulesStatus {
    /// `RBACAuthorizer.RulesFor`'s split: a rule with resources becomes a resource rule, a
    /// rule with URLs a non-resource rule (a rule with both gives one of each).
    pub fn from_rules(rules: Vec<PolicyRule>, incomplete: bool, error: String) -> Self {
        let mut s = RulesStatus {
            incomplete,
            evaluation_error: error,
            ..RulesStatus::default()
        };
        for r in rules {
            if !r.resources.is_empty() {
                s.resource_rules.push(ResourceRule {
                    verbs: r.verbs.clone(),
                    api_groups: r.api_groups.clone(),
                    resources: r.resources.clone(),
                    resource_names: r.resource_names.clone(),
                });
            }
            if !r.non_resource_urls.is_empty() {
                s.non_resource_rules.push(NonResourceRule {
                    verbs: r.verbs,
                    non_resource_urls: r.non_resource_urls,
                });
            }
        }
        s
    }

    /// kubectl's `printStatus` table (without the incomplete warning, which goes to stderr).
    pub fn kubectl_table(&self) -> String {
        let mut rules: Vec<PolicyRule> = Vec::new();
        for r in &self.resource_rules {
            rules.push(PolicyRule {
                verbs: r.verbs.clone(),
                api_groups: r.api_groups.clone(),
                resources: r.resources.clone(),
                resource_names: r.resource_names.clone(),
                non_resource_urls: vec![],
            });
        }
        for r in &self.non_resource_rules {
            rules.push(PolicyRule::urls(&[], &[]));
            let last = rules.last_mut().expect("pushed");
            last.verbs = r.verbs.clone();
            last.non_resource_urls = r.non_resource_urls.clone();
        }
        let broken: Vec<PolicyRule> = rules.iter().flat_map(breakdown_rule).collect();
        let mut compact = compact_rules(broken);
        // sort.Stable(SortableRuleSlice): by the generated PolicyRule.String(); the slice
        // sort is stable, as sort.Stable.
        compact.sort_by_cached_key(go_string);
        let mut rows = vec![vec![
            "Resources".to_string(),
            "Non-Resource URLs".to_string(),
            "Resource Names".to_string(),
            "Verbs".to_string(),
        ]];
        for r in &compact {
            rows.push(vec![
                combine_resource_group(&r.resources, &r.api_groups),
                go_list(&r.non_resource_urls),
                go_list(&r.resource_names),
                go_list(&r.verbs),
            ]);
        }
        tabwrite(&rows)
    }
}

fn go_list(v: &[String]) -> String {
    format!("[{}]", v.join(" "))
}

/// Go's text/tabwriter as kubectl sets it up (`printers.GetNewTabWriter`: minwidth 6,
/// tabwidth 4, padding 3, padchar ' '): every cell but the last padded to its column's
/// widest cell + 3, at least 6; trailing cells are not trimmed (kubectl leaves them).
fn tabwrite(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for row in rows {
        for (i, c) in row.iter().enumerate().take(row.len().saturating_sub(1)) {
            widths[i] = widths[i].max(c.chars().count() + 3).max(6);
        }
    }
    let mut out = String::new();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if i + 1 == row.len() {
                out.push_str(c);
            } else {
                out.push_str(c);
                out.push_str(&" ".repeat(widths[i] - c.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

/// `rbac.BreakdownRule` (kubectl/pkg/util/rbac/rbac.go): one rule per group × resource ×
/// verb (× name), and one per non-resource URL × verb.
fn breakdown_rule(r: &PolicyRule) -> Vec<PolicyRule> {
    let one = |s: &String| vec![s.clone()];
    let mut out = Vec::new();
    for g in &r.api_groups {
        for res in &r.resources {
            for v in &r.verbs {
                if r.resource_names.is_empty() {
                    out.push(PolicyRule {
                        verbs: one(v),
                        api_groups: one(g),
                        resources: one(res),
                        ..PolicyRule::default()
                    });
                } else {
                    for n in &r.resource_names {
                        out.push(PolicyRule {
                            verbs: one(v),
                            api_groups: one(g),
                            resources: one(res),
                            resource_names: one(n),
                            ..PolicyRule::default()
                        });
                    }
                }
            }
        }
    }
    for u in &r.non_resource_urls {
        for v in &r.verbs {
            out.push(PolicyRule {
                verbs: one(v),
                non_resource_urls: one(u),
                ..PolicyRule::default()
            });
        }
    }
    out
}

/// `rbac.CompactRules`: simple rules (one group, one resource, at most one name, no URLs)
/// for the same group/resource/name have their new verbs appended (kubectl 1.35 skips verbs
/// already there; older kubectl appended duplicates); the rest pass through.
fn compact_rules(rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    let mut simple: Vec<PolicyRule> = Vec::new();
    for r in rules {
        let is_simple = r.resource_names.len() <= 1
            && r.non_resource_urls.is_empty()
            && r.api_groups.len() == 1
            && r.resources.len() == 1;
        if !is_simple {
            out.push(r);
            continue;
        }
        match simple.iter_mut().find(|s| {
            s.api_groups == r.api_groups
                && s.resources == r.resources
                && s.resource_names == r.resource_names
        }) {
            Some(s) => {
                for v in r.verbs {
                    if !s.verbs.contains(&v) {
                        s.verbs.push(v);
                    }
                }
            }
            None => simple.push(r),
        }
    }
    out.extend(simple);
    out
}

/// The gogo-protobuf generated `(*PolicyRule).String()` the sort compares.
fn go_string(r: &PolicyRule) -> String {
    format!(
        "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
        go_list(&r.verbs),
        go_list(&r.api_groups),
        go_list(&r.resources),
        go_list(&r.resource_names),
        go_list(&r.non_resource_urls)
    )
}

/// `describe.CombineResourceGroup`: `res.group/sub` from the first resource and group.
fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(first) = resources.first() else {
        return String::new();
    };
    let (res, sub) = match first.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (first.as_str(), None),
    };
    let mut s = res.to_string();
    if let Some(g) = groups.first().filter(|g| !g.is_empty()) {
        s.push('.');
        s.push_str(g);
    }
    if let Some(sub) = sub {
        s.push('/');
        s.push_str(sub);
    }
    s
}

/// `SelfSubjectRulesReview`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfSubjectRulesReview {
    kind: &'static str,
    api_version: &'static str,
    metadata: Meta,
    spec: RulesSpec,
    status: RulesStatus,
}

#[derive(Clone, Debug, Serialize)]
struct RulesSpec {
    namespace: String,
}

impl SelfSubjectRulesReview {
    /// The review for `namespace`.
    pub fn new(namespace: &str, status: RulesStatus) -> Self {
        SelfSubjectRulesReview {
            kind: "SelfSubjectRulesReview",
            api_version: "authorization.k8s.io/v1",
            metadata: Meta::default(),
            spec: RulesSpec {
                namespace: namespace.to_string(),
            },
            status,
        }
    }
}
