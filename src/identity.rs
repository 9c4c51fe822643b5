//! `Identity`: what the API server's authenticators produce (`user.Info` in
//! `k8s.io/apiserver/pkg/authentication/user`: name, uid, groups, extra), and the
//! well-known names. Minting starts from one; checking ends with one.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Bound to `cluster-admin`: every request is authorized, so minting one is deliberate.
pub const SYSTEM_MASTERS: &str = "system:masters";
/// The group the Node authorizer and NodeRestriction require next to `system:node:NAME`.
pub const SYSTEM_NODES: &str = "system:nodes";
/// Prefix of a kubelet's username (`system:node:<nodeName>`).
pub const NODE_USER_PREFIX: &str = "system:node:";
/// Added by the API server to every authenticated identity.
pub const SYSTEM_AUTHENTICATED: &str = "system:authenticated";
/// Extra key carrying the credential's fingerprint (x509) or JTI (tokens).
pub const CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";

/// An authenticated (or to-be-minted) Kubernetes identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Username: the certificate CN, `system:serviceaccount:NS:NAME`, …
    pub user: String,
    /// UID; empty for certificates.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Groups, in order: every certificate O.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Extra attributes, sorted by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

impl Identity {
    /// A user in the given groups.
    pub fn new(
        user: impl Into<String>,
        groups: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Identity {
            user: user.into(),
            groups: groups.into_iter().map(Into::into).collect(),
            ..Identity::default()
        }
    }

    /// `--admin`: CN `admin`, O `system:masters`, bound to cluster-admin.
    pub fn admin() -> Self {
        Identity::new("admin", [SYSTEM_MASTERS])
    }

    /// `--node NAME`: the kubelet identity `system:node:NAME` in `system:nodes`, the only
    /// shape the Node authorizer recognises (`plugin/pkg/auth/authorizer/node`).
    pub fn node(name: &str) -> Self {
        Identity::new(format!("{NODE_USER_PREFIX}{name}"), [SYSTEM_NODES])
    }

    /// The node name if the username is `system:node:NAME`.
    pub fn node_name(&self) -> Option<&str> {
        self.user
            .strip_prefix(NODE_USER_PREFIX)
            .filter(|n| !n.is_empty())
    }

    /// Warnings a careful operator wants to hear about this identity.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.user.is_empty() {
            w.push("empty CN: the API server does not authenticate this certificate".into());
        }
        if self.node_name().is_some() && !self.groups.iter().any(|g| g == SYSTEM_NODES) {
            w.push(format!(
                "{} without group {SYSTEM_NODES}: the Node authorizer ignores it",
                self.user
            ));
        }
        if self.groups.iter().any(|g| g == SYSTEM_MASTERS) {
            w.push(format!(
                "group {SYSTEM_MASTERS} bypasses all authorization (cluster-admin) and cannot be revoked by RBAC"
            ));
        }
        w
    }
}

/// One `--profile` entry (templates/profiles.yaml).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Subject CN (the username).
    pub cn: String,
    /// Subject O values (the groups), in order.
    #[serde(default)]
    pub groups: Vec<String>,
}

impl Profile {
    /// The identity this profile names.
    pub fn identity(&self) -> Identity {
        Identity::new(self.cn.clone(), self.groups.clone())
    }
}

/// The profiles shipped in the binary.
pub const EMBEDDED_PROFILES: &str = include_str!("../templates/profiles.yaml");

/// Profiles by name: the embedded set, overridden and extended by `extra` if given.
pub fn profiles(extra: Option<&Path>) -> Result<BTreeMap<String, Profile>> {
    let mut all = parse_profiles("<embedded profiles>", EMBEDDED_PROFILES)?;
    if let Some(path) = extra {
        let bytes = crate::fsio::read(path)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::input(path, "not UTF-8 text"))?;
        all.extend(parse_profiles(&path.display().to_string(), text)?);
    }
    Ok(all)
}

fn parse_profiles(source: &str, text: &str) -> Result<BTreeMap<String, Profile>> {
    crate::yaml::from_str(text).map_err(|e| Error::input(source, format!("invalid profiles: {e}")))
}

/// Look up one profile by name, listing the known names when it is missing.
pub fn profile(name: &str, extra: Option<&Path>) -> Result<Identity> {
    let all = profiles(extra)?;
    all.get(name).map(Profile::identity).ok_or_else(|| {
        let names: Vec<_> = all.keys().map(String::as_str).collect();
        Error::Usage(format!(
            "unknown profile {name:?} (known: {})",
            names.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_profiles_hold_the_kubeadm_identities() {
        let p = profiles(None).unwrap();
        assert_eq!(
            p["kubernetes-admin"].identity(),
            Identity::new("kubernetes-admin", ["kubeadm:cluster-admins"])
        );
        assert_eq!(p["kubernetes-super-admin"].groups, [SYSTEM_MASTERS]);
        assert_eq!(p["kube-proxy"].groups, ["system:node-proxier"]);
        for name in [
            "kube-controller-manager",
            "kube-scheduler",
            "apiserver-kubelet-client",
            "apiserver-etcd-client",
            "front-proxy-client",
            "etcd-healthcheck-client",
        ] {
            assert!(p.contains_key(name), "{name}");
        }
    }

    #[test]
    fn node_identity_and_warnings() {
        let n = Identity::node("worker-1");
        assert_eq!(n.user, "system:node:worker-1");
        assert_eq!(n.node_name(), Some("worker-1"));
        assert!(n.warnings().is_empty());
        let bare = Identity::new("system:node:w", Vec::<String>::new());
        assert!(bare.warnings()[0].contains("Node authorizer"));
    }
}
