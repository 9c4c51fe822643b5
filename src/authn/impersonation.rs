//! The identity the impersonation filter (`k8s.io/apiserver/pkg/endpoints/filters/
//! impersonation.go`, `WithImpersonation`) hands to authorization for `kubectl --as`.

use super::anonymous::{ANONYMOUS_USER, UNAUTHENTICATED_GROUP};
use crate::Identity;
use crate::identity::SYSTEM_AUTHENTICATED;

/// `serviceaccount.SplitUsername`: `system:serviceaccount:NS:NAME` with a valid namespace
/// (DNS label) and name (DNS subdomain).
pub fn split_sa_username(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix("system:serviceaccount:")?;
    let parts: Vec<&str> = rest.split(':').collect();
    let [ns, name] = parts[..] else { return None };
    let label = |s: &str, dots: bool| {
        !s.is_empty()
            && s.len() <= if dots { 253 } else { 63 }
            && s.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (dots && c == '.')
            })
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric())
    };
    (label(ns, false) && label(name, true)).then_some((ns, name))
}

/// A ServiceAccount username without groups gets the ServiceAccount groups; a non-anonymous
/// user gets `system:authenticated` unless it already has that or `system:unauthenticated`;
/// `system:anonymous` gets `system:unauthenticated`.
pub fn impersonated(user: &str, groups: &[String], uid: Option<&str>) -> Identity {
    let mut groups = groups.to_vec();
    if groups.is_empty()
        && let Some((ns, _)) = split_sa_username(user)
    {
        groups = vec![
            "system:serviceaccounts".into(),
            format!("system:serviceaccounts:{ns}"),
        ];
    }
    if user != ANONYMOUS_USER {
        if !groups
            .iter()
            .any(|g| g == SYSTEM_AUTHENTICATED || g == UNAUTHENTICATED_GROUP)
        {
            groups.push(SYSTEM_AUTHENTICATED.into());
        }
    } else if !groups.iter().any(|g| g == UNAUTHENTICATED_GROUP) {
        groups.push(UNAUTHENTICATED_GROUP.into());
    }
    Identity {
        user: user.into(),
        uid: uid.unwrap_or_default().into(),
        groups,
        ..Identity::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impersonation_groups_as_the_filter_builds_them() {
        let g = |u: &str, gs: &[&str]| {
            impersonated(
                u,
                &gs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                None,
            )
            .groups
        };
        assert_eq!(g("alice", &[]), ["system:authenticated"]);
        assert_eq!(g("alice", &["devs"]), ["devs", "system:authenticated"]);
        assert_eq!(
            g("alice", &["system:unauthenticated"]),
            ["system:unauthenticated"]
        );
        assert_eq!(g("system:anonymous", &[]), ["system:unauthenticated"]);
        assert_eq!(
            g("system:serviceaccount:dev:ci", &[]),
            [
                "system:serviceaccounts",
                "system:serviceaccounts:dev",
                "system:authenticated"
            ]
        );
        assert_eq!(
            g("system:serviceaccount:dev:ci", &["x"]),
            ["x", "system:authenticated"]
        );
        // Not a valid ServiceAccount username: a plain user.
        assert_eq!(
            g("system:serviceaccount:Dev:ci", &[]),
            ["system:authenticated"]
        );
    }
}
