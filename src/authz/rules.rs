//! `PolicyRule` and the matching the RBAC authorizer does, function for function:
//! `pkg/apis/rbac/v1/evaluation_helpers.go` (`VerbMatches`, `APIGroupMatches`,
//! `ResourceMatches`, `ResourceNameMatches`, `NonResourceURLMatches`) and
//! `plugin/pkg/auth/authorizer/rbac/rbac.go` (`RuleAllows`, `RulesAllow`).

use serde::{Deserialize, Deserializer, Serialize};

use super::Attributes;

/// `rbacv1.VerbAll`, `APIGroupAll`, `ResourceAll`, `NonResourceAll`: all are `*`.
pub const ALL: &str = "*";

/// `null` (Go's nil slice) reads as empty, as `encoding/json` leaves a nil slice.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// `rbac.authorization.k8s.io/v1` `PolicyRule`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// Verbs (`*` for all).
    #[serde(default, deserialize_with = "nullable")]
    pub verbs: Vec<String>,
    /// API groups (`""` is the core group, `*` all).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub api_groups: Vec<String>,
    /// Resources, `res/sub`, `*/sub` or `*`.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<String>,
    /// Names; empty means every name (and a request without a name).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_names: Vec<String>,
    /// Non-resource URLs; a trailing `*` is a prefix match.
    #[serde(
        default,
        rename = "nonResourceURLs",
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

impl PolicyRule {
    /// A resource rule (tests and the Node authorizer's tables).
    pub fn resource(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Self {
        PolicyRule {
            verbs: strs(verbs),
            api_groups: strs(groups),
            resources: strs(resources),
            ..PolicyRule::default()
        }
    }

    /// A non-resource rule.
    pub fn urls(verbs: &[&str], urls: &[&str]) -> Self {
        PolicyRule {
            verbs: strs(verbs),
            non_resource_urls: strs(urls),
            ..PolicyRule::default()
        }
    }

    /// With resource names.
    pub fn names(mut self, names: &[&str]) -> Self {
        self.resource_names = strs(names);
        self
    }
}

/// `VerbMatches`.
pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| v == ALL || v == verb)
}

/// `APIGroupMatches`.
pub fn api_group_matches(rule: &PolicyRule, group: &str) -> bool {
    rule.api_groups.iter().any(|g| g == ALL || g == group)
}

/// `ResourceMatches`: `*`, an exact `res` or `res/sub`, or `*/sub` for a subresource request.
pub fn resource_matches(rule: &PolicyRule, combined: &str, subresource: &str) -> bool {
    rule.resources.iter().any(|r| {
        if r == ALL || r == combined {
            return true;
        }
        if subresource.is_empty() {
            return false;
        }
        r.len() == subresource.len() + 2 && r.starts_with("*/") && r.ends_with(subresource)
    })
}

/// `ResourceNameMatches`: a rule without names matches every request; a rule with names
/// matches only a request for one of them (never a request without a name: list, create).
pub fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    rule.resource_names.is_empty() || rule.resource_names.iter().any(|n| n == name)
}

/// `NonResourceURLMatches`: `*`, exact, or a trailing `*` as a prefix (Go's
/// `strings.TrimRight(ruleURL, "*")` strips every trailing star).
pub fn non_resource_url_matches(rule: &PolicyRule, path: &str) -> bool {
    rule.non_resource_urls.iter().any(|u| {
        u == ALL || u == path || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
    })
}

/// `RuleAllows` (rbac.go).
pub fn rule_allows(a: &Attributes, rule: &PolicyRule) -> bool {
    if a.resource_request {
        let combined = if a.subresource.is_empty() {
            a.resource.clone()
        } else {
            format!("{}/{}", a.resource, a.subresource)
        };
        verb_matches(rule, &a.verb)
            && api_group_matches(rule, &a.api_group)
            && resource_matches(rule, &combined, &a.subresource)
            && resource_name_matches(rule, &a.name)
    } else {
        verb_matches(rule, &a.verb) && non_resource_url_matches(rule, &a.path)
    }
}

/// `RulesAllow` (rbac.go).
pub fn rules_allow<R: std::borrow::Borrow<PolicyRule>>(a: &Attributes, rules: &[R]) -> bool {
    rules.iter().any(|r| rule_allows(a, r.borrow()))
}

/// `CompactString` (evaluation_helpers.go): `{APIGroups:["a"], Resources:["b"], Verbs:["get"]}`.
pub fn compact_string(r: &PolicyRule) -> String {
    fn q(v: &[String]) -> String {
        let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
        format!("[{}]", items.join(" "))
    }
    let mut parts = Vec::new();
    if !r.api_groups.is_empty() {
        parts.push(format!("APIGroups:{}", q(&r.api_groups)));
    }
    if !r.resources.is_empty() {
        parts.push(format!("Resources:{}", q(&r.resources)));
    }
    if !r.non_resource_urls.is_empty() {
        parts.push(format!("NonResourceURLs:{}", q(&r.non_resource_urls)));
    }
    if !r.resource_names.is_empty() {
        parts.push(format!("ResourceNames:{}", q(&r.resource_names)));
    }
    if !r.verbs.is_empty() {
        parts.push(format!("Verbs:{}", q(&r.verbs)));
    }
    format!("{{{}}}", parts.join(", "))
}
