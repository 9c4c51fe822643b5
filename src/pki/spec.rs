//! What a certificate should say, before it is signed: subject, role, SANs, lifetime.
//! Inert data in the manner of rcgen's `CertificateParams`; [`super::Issuer`] signs it.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use jiff::SignedDuration;

use super::name::Subject;
use crate::identity::Identity;

/// What a leaf certificate is for, as its extended key usage says.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Default, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Usage {
    /// clientAuth: authenticates to the API server (or etcd) as its subject.
    #[default]
    Client,
    /// serverAuth: serves TLS; needs at least one SAN.
    Server,
    /// clientAuth and serverAuth: etcd peers, kubelets that also serve.
    Peer,
}

impl Usage {
    /// Whether the EKU includes clientAuth.
    pub fn client(self) -> bool {
        matches!(self, Usage::Client | Usage::Peer)
    }
    /// Whether the EKU includes serverAuth.
    pub fn server(self) -> bool {
        matches!(self, Usage::Server | Usage::Peer)
    }
}

impl FromStr for Usage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "client" => Ok(Usage::Client),
            "server" => Ok(Usage::Server),
            "peer" => Ok(Usage::Peer),
            _ => Err(format!(
                "unknown usage {s:?} (expected client, server or peer)"
            )),
        }
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Usage::Client => "client",
            Usage::Server => "server",
            Usage::Peer => "peer",
        })
    }
}

/// A subject alternative name. Parsed from text (`--san`, plans) it is an IP address if it
/// parses as one, else a DNS name; e-mail and URI names are read from certificates, and kept
/// when one is renewed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum San {
    /// dNSName.
    Dns(String),
    /// iPAddress.
    Ip(IpAddr),
    /// rfc822Name.
    Email(String),
    /// uniformResourceIdentifier.
    Uri(String),
}

impl FromStr for San {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(San::Ip(ip));
        }
        // DNS names as kubeadm accepts them (cmd/kubeadm/app/apis/kubeadm/validation/
        // validation.go, `ValidateCertSANs`: a DNS-1123 subdomain, or
        // one behind a leading '*.' wildcard): labels of ASCII letters, digits and '-' that
        // neither start nor end with '-'. '_' is let through, as Go's crypto/x509 does for
        // the names it is given (service records such as `_etcd-server._tcp`).
        let name = s.strip_prefix("*.").unwrap_or(s);
        let ok = !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if ok {
            Ok(San::Dns(s.to_ascii_lowercase()))
        } else {
            Err(format!(
                "{s:?} is neither an IP address nor a valid DNS name"
            ))
        }
    }
}

impl fmt::Display for San {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            San::Dns(d) => f.write_str(d),
            San::Ip(ip) => write!(f, "{ip}"),
            // Prefixed, as openssl writes them: a bare address would read as a DNS name.
            San::Email(e) => write!(f, "email:{e}"),
            San::Uri(u) => write!(f, "URI:{u}"),
        }
    }
}

/// kubeadm's CA lifetime: 10 years (`constants.CACertificateValidityPeriod`).
pub const CA_VALIDITY: SignedDuration = SignedDuration::from_hours(10 * 365 * 24);
/// kubeadm's leaf lifetime: 1 year (`constants.CertificateValidityPeriod`).
pub const LEAF_VALIDITY: SignedDuration = SignedDuration::from_hours(365 * 24);
/// NotBefore is set this far in the past to absorb clock skew
/// (kubeadm `pkiutil`: `CertificateBackdate`).
pub const BACKDATE: SignedDuration = SignedDuration::from_mins(5);

/// A certificate to be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertSpec {
    /// Subject: CN and every O.
    pub subject: Subject,
    /// `None` for a CA, else the leaf's usage.
    pub usage: Option<Usage>,
    /// Subject alternative names.
    pub sans: Vec<San>,
    /// How long from now it is valid.
    pub validity: SignedDuration,
}

impl CertSpec {
    /// A CA with kubeadm's defaults.
    pub fn ca(common_name: impl Into<String>) -> Self {
        CertSpec {
            subject: Subject {
                common_name: common_name.into(),
                organizations: vec![],
            },
            usage: None,
            sans: vec![],
            validity: CA_VALIDITY,
        }
    }

    /// A leaf for `identity` (CN = user, O = groups) with kubeadm's defaults.
    pub fn leaf(identity: &Identity, usage: Usage) -> Self {
        CertSpec {
            subject: Subject {
                common_name: identity.user.clone(),
                organizations: identity.groups.clone(),
            },
            usage: Some(usage),
            sans: vec![],
            validity: LEAF_VALIDITY,
        }
    }

    /// Whether this is a CA certificate.
    pub fn is_ca(&self) -> bool {
        self.usage.is_none()
    }

    /// A leaf as a user asks for one: an identity (or none), a usage, SANs and a lifetime.
    /// A serving certificate for a node also names the node (`node`) as a SAN, first, as
    /// kubeadm's kubelet serving certificates do; a server certificate needs a SAN, and
    /// may go without an identity (its first SAN is then its CN); any other needs one.
    pub fn for_leaf(
        identity: Option<Identity>,
        node: Option<&str>,
        usage: Usage,
        mut sans: Vec<San>,
        validity: SignedDuration,
    ) -> Result<Self, LeafError> {
        if usage.server() {
            if let Some(node) = node {
                let san: San = node.parse().map_err(|problem| LeafError::NodeSan {
                    node: node.to_string(),
                    problem,
                })?;
                if !sans.contains(&san) {
                    sans.insert(0, san);
                }
            }
            if sans.is_empty() {
                return Err(LeafError::NeedsSan { usage });
            }
        }
        let identity = match identity {
            Some(id) => id,
            None if usage == Usage::Server => {
                Identity::new(sans[0].to_string(), Vec::<String>::new())
            }
            None => return Err(LeafError::NoIdentity { usage }),
        };
        let mut spec = CertSpec::leaf(&identity, usage);
        spec.sans = sans;
        spec.validity = validity;
        Ok(spec)
    }
}

/// Why [`CertSpec::for_leaf`] cannot make a spec; each keeps what was asked, and the
/// command line words the way out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LeafError {
    /// A server or peer certificate with no SAN: nothing to put in it.
    #[error(
        "a {usage} certificate needs at least one SAN (a DNS name or IP the server answers on)"
    )]
    NeedsSan {
        /// The usage asked for.
        usage: Usage,
    },
    /// No identity for a certificate that authenticates a client.
    #[error("a {usage} certificate needs an identity (a user, and groups)")]
    NoIdentity {
        /// The usage asked for.
        usage: Usage,
    },
    /// The node's name is not a SAN.
    #[error("node {node:?}: {problem}")]
    NodeSan {
        /// The node name.
        node: String,
        /// Why it is not a SAN.
        problem: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn for_leaf_applies_the_leaf_rules_without_a_command_line() {
        let h = SignedDuration::from_hours;
        let jane = Identity::new("jane", vec!["dev".to_string()]);
        let spec =
            CertSpec::for_leaf(Some(jane.clone()), None, Usage::Client, vec![], h(1)).unwrap();
        assert_eq!(spec.subject.common_name, "jane");
        assert_eq!(spec.validity, h(1));
        // A kubelet serving certificate names its node first.
        let ip: San = "10.0.0.1".parse().unwrap();
        let node = Identity::node("cp-1");
        let spec = CertSpec::for_leaf(
            Some(node),
            Some("cp-1"),
            Usage::Server,
            vec![ip.clone()],
            h(1),
        )
        .unwrap();
        assert_eq!(spec.sans, vec![San::Dns("cp-1".into()), ip.clone()]);
        // A server certificate without an identity is named by its first SAN.
        let spec = CertSpec::for_leaf(None, None, Usage::Server, vec![ip], h(1)).unwrap();
        assert_eq!(spec.subject.common_name, "10.0.0.1");
        assert_eq!(
            CertSpec::for_leaf(Some(jane), None, Usage::Peer, vec![], h(1)).unwrap_err(),
            LeafError::NeedsSan { usage: Usage::Peer }
        );
        assert_eq!(
            CertSpec::for_leaf(None, None, Usage::Client, vec![], h(1)).unwrap_err(),
            LeafError::NoIdentity {
                usage: Usage::Client
            }
        );
    }

    #[test]
    fn sans_are_ips_or_dns_names() {
        assert_eq!(
            "10.96.0.1".parse::<San>().unwrap(),
            San::Ip("10.96.0.1".parse().unwrap())
        );
        assert_eq!(
            "::1".parse::<San>().unwrap(),
            San::Ip("::1".parse().unwrap())
        );
        assert_eq!(
            "Kubernetes.Default".parse::<San>().unwrap(),
            San::Dns("kubernetes.default".into())
        );
        assert!("*.apps.example.com".parse::<San>().is_ok());
        for bad in [
            "",
            "a..b",
            "has space",
            "ünï.com",
            "-",
            "-a.example",
            "a-.example",
        ] {
            assert!(bad.parse::<San>().is_err(), "{bad:?}");
        }
        for good in ["a-b.example", "_etcd-server._tcp.example", "*.a-1.example"] {
            assert!(good.parse::<San>().is_ok(), "{good:?}");
        }
    }
}
