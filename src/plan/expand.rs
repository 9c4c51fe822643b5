//! A plan's entries filled with the cluster's facts: placeholders (`{node}`,
//! `{service_ip}`, `{extra_sans}`, …) expanded into concrete certificate specs, the way
//! kubeadm's `certlist.go` `configMutators` (`makeAltNamesMutator`,
//! `setCommonNameToNodeName`) fill each certificate's config.

use std::collections::BTreeSet;
use std::net::IpAddr;

use jiff::SignedDuration;

use super::model::{Entry, Kind, Output, SubjectTemplate};
use super::network::format_endpoint;
use crate::error::{Error, Result};
use crate::pki::{CA_VALIDITY, CertSpec, LEAF_VALIDITY, San, Subject, Usage};

/// The cluster facts a plan's placeholders expand to.
#[derive(Clone, Debug)]
pub struct Params {
    /// Node names: one credential each for `for_each: node` entries.
    pub nodes: Vec<String>,
    /// The control-plane host (`{control_plane}`, and `{node}` outside `for_each` entries):
    /// Kubernetes The Hard Way's `server`, kubeadm's first control-plane node.
    pub control_plane: String,
    /// API server endpoint host.
    pub endpoint_host: String,
    /// API server endpoint port.
    pub endpoint_port: u16,
    /// `--apiserver-advertise-address`.
    pub advertise_address: Option<IpAddr>,
    /// `--apiserver-cert-extra-sans`.
    pub extra_sans: Vec<String>,
    /// The first IP of the service CIDR (the `kubernetes` Service's ClusterIP).
    pub service_ip: IpAddr,
    /// `--service-dns-domain`.
    pub dns_domain: String,
    /// `--cluster-name`.
    pub cluster: String,
}

/// A credential with every placeholder expanded, typed by what it makes as [`Entry`] is:
/// a key pair has no certificate spec, a CA no signing CA, a leaf always an output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// Name for reports.
    pub name: String,
    /// What it makes.
    pub makes: Makes,
}

/// What an expanded [`Credential`] makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Makes {
    /// A self-signed CA.
    Ca(CaCredential),
    /// A leaf certificate.
    Cert(CertCredential),
    /// A bare key pair: `FILE.key` and `FILE.pub`.
    Keypair {
        /// File prefix, relative to the output directory.
        file: String,
    },
}

/// An expanded CA row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaCredential {
    /// File prefix of `FILE.crt` and `FILE.key`, relative to the output directory.
    pub file: String,
    /// What the certificate says.
    pub spec: CertSpec,
}

/// An expanded leaf row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertCredential {
    /// The signing CA's name.
    pub ca: String,
    /// Files, kubeconfig or both, relative to the output directory.
    pub output: Output,
    /// The kubeconfig's server URL.
    pub server: String,
    /// What the certificate says.
    pub spec: CertSpec,
}

impl Credential {
    /// What it makes, untyped.
    pub fn kind(&self) -> Kind {
        match self.makes {
            Makes::Ca(_) => Kind::Ca,
            Makes::Cert(_) => Kind::Cert,
            Makes::Keypair { .. } => Kind::Keypair,
        }
    }

    /// The file prefix, if files are written.
    pub fn file(&self) -> Option<&str> {
        match &self.makes {
            Makes::Ca(c) => Some(&c.file),
            Makes::Cert(c) => c.output.file(),
            Makes::Keypair { file } => Some(file),
        }
    }

    /// The kubeconfig path, if one is written.
    pub fn kubeconfig(&self) -> Option<&str> {
        match &self.makes {
            Makes::Cert(c) => c.output.kubeconfig(),
            Makes::Ca(_) | Makes::Keypair { .. } => None,
        }
    }

    /// What its certificate says; `None` for a key pair.
    pub fn spec(&self) -> Option<&CertSpec> {
        match &self.makes {
            Makes::Ca(c) => Some(&c.spec),
            Makes::Cert(c) => Some(&c.spec),
            Makes::Keypair { .. } => None,
        }
    }
}

pub(super) fn expand_entry(e: &Entry, p: &Params, node: &str) -> Result<Credential> {
    let one = |t: &str| -> String {
        substitute(t, p, node)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let makes = match e {
        Entry::Ca(ca) => Makes::Ca(CaCredential {
            file: one(&ca.file),
            spec: expand_spec(&ca.name, &ca.cert, None, p, node)?,
        }),
        Entry::Cert(c) => Makes::Cert(CertCredential {
            ca: c.ca.clone(),
            output: match &c.output {
                Output::File(f) => Output::File(one(f)),
                Output::Kubeconfig(k) => Output::Kubeconfig(one(k)),
                Output::Both { file, kubeconfig } => Output::Both {
                    file: one(file),
                    kubeconfig: one(kubeconfig),
                },
            },
            server: one(c.server.as_deref().unwrap_or("https://{endpoint}")),
            spec: expand_spec(&c.name, &c.cert, Some(c.usage), p, node)?,
        }),
        Entry::Keypair(k) => Makes::Keypair { file: one(&k.file) },
    };
    Ok(Credential {
        name: one(e.name()),
        makes,
    })
}

/// A certificate's spec from its templates; `usage` is `None` for a CA.
fn expand_spec(
    name: &str,
    t: &SubjectTemplate,
    usage: Option<Usage>,
    p: &Params,
    node: &str,
) -> Result<CertSpec> {
    let one = |t: &str| -> String {
        substitute(t, p, node)
            .into_iter()
            .next()
            .unwrap_or_default()
    };
    let mut sans = Vec::new();
    let mut seen = BTreeSet::new();
    for pattern in &t.sans {
        for text in substitute(pattern, p, node) {
            let san: San = text
                .parse()
                .map_err(|m| Error::Usage(format!("entry {name:?}: SAN {m}")))?;
            if seen.insert(san.clone()) {
                sans.push(san);
            }
        }
    }
    let validity = match &t.validity {
        Some(v) => crate::duration::parse(v).map_err(Error::Usage)?,
        None if usage.is_none() => CA_VALIDITY,
        None => LEAF_VALIDITY,
    };
    Ok(CertSpec {
        subject: Subject {
            common_name: one(&t.cn),
            organizations: t
                .groups
                .iter()
                .map(|g| one(g))
                .filter(|g| !g.is_empty())
                .collect(),
        },
        usage,
        sans,
        validity: clamp_positive(validity),
    })
}

fn clamp_positive(d: SignedDuration) -> SignedDuration {
    d.max(SignedDuration::from_secs(1))
}

/// Expand one template. `{extra_sans}` yields one value per extra SAN; a placeholder with no
/// value (no advertise address) yields nothing.
fn substitute(template: &str, p: &Params, node: &str) -> Vec<String> {
    if template == "{extra_sans}" {
        return p.extra_sans.clone();
    }
    if template == "{advertise_address}" {
        return p
            .advertise_address
            .map(|a| a.to_string())
            .into_iter()
            .collect();
    }
    let endpoint = format_endpoint(&p.endpoint_host, p.endpoint_port);
    let text = template
        .replace("{node}", node)
        .replace("{control_plane}", &p.control_plane)
        .replace("{cluster}", &p.cluster)
        .replace("{dns_domain}", &p.dns_domain)
        .replace("{service_ip}", &p.service_ip.to_string())
        .replace(
            "{advertise_address}",
            &p.advertise_address
                .map(|a| a.to_string())
                .unwrap_or_default(),
        )
        .replace("{endpoint_host}", &p.endpoint_host)
        .replace("{endpoint}", &endpoint);
    vec![text]
}
