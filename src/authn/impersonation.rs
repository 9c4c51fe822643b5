//! The identity the impersonation filter (`k8s.io/apiserver/pkg/endpoints/filters/
//! impersonation.go`, `WithImpersonation`) hands to authorization for `kubectl --as`.

use super::anonymous::{ANONYMOUS_USER, UNAUTHENTICATED_GROUP};
use crate::Identity;
use crate::identity::SYSTEM_AUTHENTICATED;

/// A ServiceAccount username without groups gets the ServiceAccount groups; a non-anonymous
/// user gets `system:authenticated` unless it already has that or `system:unauthenticated`;
/// `system:anonymous` gets `system:unauthenticated`.
pub fn impersonated(user: &str, groups: &[String], uid: Option<&str>) -> Identity {
    let mut groups = groups.to_vec();
    if groups.is_empty()
        && let Some((ns, _)) = crate::token::split_username(user)
    {
        groups = crate::token::groups(ns);
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
