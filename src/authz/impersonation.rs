//! Acting as someone else, as the impersonation filter allows it
//! (`k8s.io/apiserver/pkg/endpoints/filters/impersonation.go`, `WithImpersonation` and
//! `buildImpersonationRequests`).
//!
//! Before a request runs as the user named in `Impersonate-User` (`kubectl --as`), the filter
//! asks the authorizer whether the *requestor* may `impersonate` each thing asked for: the
//! user (resource `users`, or `serviceaccounts` in the account's namespace when the name is
//! a ServiceAccount username), each group (`groups`), the UID (`uids` in
//! `authentication.k8s.io`). The first refusal answers 403 with the authorizer's reason; only
//! when every check passes does the request go on as the new identity, built as
//! [`crate::authn::impersonation::impersonated`] builds it.

use super::forbidden::Forbidden;
use super::{Attributes, Authorizer};
use crate::Identity;
use crate::authn::impersonation::impersonated;

/// What a caller asks to act as: `--as`, `--as-group`, `--as-uid`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Impersonate {
    /// `Impersonate-User`.
    pub user: String,
    /// `Impersonate-Group`, in order.
    pub groups: Vec<String>,
    /// `Impersonate-Uid`.
    pub uid: Option<String>,
    /// `Impersonate-Extra-KEY` values, by key (unescaped and lower-cased, as the filter
    /// reads the header names).
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
}

impl Impersonate {
    /// The attribute records the filter authorizes, in its order: the user (as a
    /// ServiceAccount when `SplitUsername` accepts the name), each group, each extra value
    /// (`userextras/KEY`), then the UID.
    pub fn checks(&self, requestor: &Identity) -> Vec<Attributes> {
        let record = |api_group: &str, resource: &str, namespace: &str, name: &str| Attributes {
            user: requestor.clone(),
            verb: "impersonate".into(),
            namespace: namespace.into(),
            api_group: api_group.into(),
            resource: resource.into(),
            name: name.into(),
            resource_request: true,
            ..Attributes::default()
        };
        let mut out = Vec::new();
        out.push(match crate::token::split_username(&self.user) {
            Some((ns, name)) => record("", "serviceaccounts", ns, name),
            None => record("", "users", "", &self.user),
        });
        out.extend(self.groups.iter().map(|g| record("", "groups", "", g)));
        for (key, values) in &self.extra {
            for v in values {
                let mut a = record("authentication.k8s.io", "userextras", "", v);
                a.subresource = key.clone();
                out.push(a);
            }
        }
        if let Some(uid) = self.uid.as_deref().filter(|u| !u.is_empty()) {
            out.push(record("authentication.k8s.io", "uids", "", uid));
        }
        out
    }

    /// The identity the request goes on with, or the 403 the filter writes for the first
    /// check the authorizer does not allow.
    pub fn authorize(
        &self,
        authorizer: &Authorizer,
        requestor: &Identity,
    ) -> Result<Identity, Box<Forbidden>> {
        for attributes in self.checks(requestor) {
            let decision = authorizer.authorize(&attributes);
            if !decision.allowed {
                return Err(Box::new(Forbidden {
                    reason: decision.reason.clone(),
                    attributes,
                    decision,
                }));
            }
        }
        let mut id = impersonated(&self.user, &self.groups, self.uid.as_deref());
        id.extra = self.extra.clone();
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::{Mode, Policy};

    fn authorizer(manifest: &str) -> Authorizer {
        let mut policy = Policy::default();
        let mut stats = crate::authz::manifest::Stats::default();
        crate::authz::manifest::load_str(&mut policy, manifest, "test.yaml", &mut stats).unwrap();
        Authorizer::new(vec![Mode::Node, Mode::Rbac], policy)
    }

    const IMPERSONATOR: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-bob}
rules:
- {apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [bob]}
- {apiGroups: [""], resources: [groups], verbs: [impersonate], resourceNames: [devs]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-impersonates}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-bob}
subjects: [{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}]
"#;

    fn alice() -> Identity {
        Identity::new("alice", ["system:authenticated"])
    }

    #[test]
    fn checks_in_the_filters_order() {
        let imp = Impersonate {
            user: "system:serviceaccount:dev:ci".into(),
            groups: vec!["g1".into()],
            uid: Some("u-1".into()),
            ..Impersonate::default()
        };
        let got: Vec<(String, String, String, String)> = imp
            .checks(&alice())
            .into_iter()
            .map(|a| (a.api_group, a.resource, a.namespace, a.name))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "".into(),
                    "serviceaccounts".into(),
                    "dev".into(),
                    "ci".into()
                ),
                ("".into(), "groups".into(), "".into(), "g1".into()),
                (
                    "authentication.k8s.io".into(),
                    "uids".into(),
                    "".into(),
                    "u-1".into()
                ),
            ]
        );
    }

    #[test]
    fn allowed_impersonation_yields_the_new_identity() {
        let imp = Impersonate {
            user: "bob".into(),
            groups: vec!["devs".into()],
            ..Impersonate::default()
        };
        let id = imp.authorize(&authorizer(IMPERSONATOR), &alice()).unwrap();
        assert_eq!(id.user, "bob");
        assert_eq!(id.groups, ["devs", "system:authenticated"]);
    }

    #[test]
    fn the_first_refused_check_is_the_403() {
        // A group alice may not impersonate: the user check passes, the group check fails,
        // and the message is responsewriters.Forbidden's over apierrors.NewForbidden.
        let imp = Impersonate {
            user: "bob".into(),
            groups: vec!["system:masters".into()],
            ..Impersonate::default()
        };
        let err = imp
            .authorize(&authorizer(IMPERSONATOR), &alice())
            .unwrap_err();
        assert_eq!(err.attributes.resource, "groups");
        assert_eq!(
            err.message(),
            "groups \"system:masters\" is forbidden: User \"alice\" cannot impersonate resource \"groups\" in API group \"\" at the cluster scope"
        );
        let carol = Impersonate {
            user: "carol".into(),
            ..Impersonate::default()
        };
        let err = carol
            .authorize(&authorizer(IMPERSONATOR), &alice())
            .unwrap_err();
        assert_eq!(
            err.message(),
            "users \"carol\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope"
        );
    }

    #[test]
    fn masters_may_impersonate_anyone() {
        let admin = Identity::new("kubernetes-admin", ["system:masters"]);
        let imp = Impersonate {
            user: "system:serviceaccount:kube-system:default".into(),
            ..Impersonate::default()
        };
        let id = imp.authorize(&authorizer(""), &admin).unwrap();
        assert_eq!(
            id.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:kube-system",
                "system:authenticated"
            ]
        );
    }
}
