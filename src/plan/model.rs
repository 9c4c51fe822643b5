//! The plan file's serde model: the rows as written (`Row`, the wire format) and the typed
//! entries they become, one kind each, as kubeadm's `certlist.go` types its table
//! (`KubeadmCert` with a CA, `CertKeyPair` for the ServiceAccount key).

use std::collections::HashSet;

use serde::Deserialize;

use crate::pki::Usage;

/// What an entry makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A self-signed CA: certificate and key.
    Ca,
    /// A leaf certificate signed by a CA named in the plan.
    #[default]
    Cert,
    /// A bare key pair: PREFIX.key and PREFIX.pub (the ServiceAccount signing key).
    Keypair,
}

/// One row of a plan file, as written: every field any kind may carry. It is only the wire
/// format; [`super::Plan::parse`] turns each row into a typed [`Entry`] (or refuses it, naming it).
/// A serde-tagged enum cannot read the rows directly: `kind` may be left out (it defaults to
/// `cert`), and rows that carry fields their kind ignores (a `usage` on a CA, a `cn` on a key
/// pair) have always been accepted.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Row {
    pub(super) name: String,
    #[serde(default)]
    pub(super) kind: Kind,
    #[serde(default)]
    pub(super) ca: Option<String>,
    #[serde(default)]
    pub(super) file: Option<String>,
    #[serde(default)]
    pub(super) kubeconfig: Option<String>,
    #[serde(default)]
    pub(super) server: Option<String>,
    #[serde(default)]
    pub(super) cn: String,
    #[serde(default)]
    pub(super) groups: Vec<String>,
    #[serde(default)]
    pub(super) usage: Usage,
    #[serde(default)]
    pub(super) sans: Vec<String>,
    #[serde(default)]
    pub(super) validity: Option<String>,
    #[serde(default)]
    pub(super) for_each: Option<String>,
}

/// One checked row of a plan: what it makes decides what it has, so a CA that names a
/// signing CA, a leaf that writes nothing or a key pair in a kubeconfig cannot be written.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A self-signed CA: `FILE.crt` and `FILE.key`.
    Ca(CaEntry),
    /// A leaf certificate signed by a CA listed before it.
    Cert(CertEntry),
    /// A bare key pair: `FILE.key` and `FILE.pub` (the ServiceAccount signing key).
    Keypair(KeypairEntry),
}

/// What a certificate says, as templates.
#[derive(Clone, Debug)]
pub struct SubjectTemplate {
    /// Subject CN template (never empty).
    pub cn: String,
    /// Subject O templates, in order.
    pub groups: Vec<String>,
    /// SAN templates.
    pub sans: Vec<String>,
    /// Lifetime (`10y`, `8760h`), checked; the kind's default when absent.
    pub validity: Option<String>,
}

/// A CA row.
#[derive(Clone, Debug)]
pub struct CaEntry {
    /// Name used in reports, `check` and `renew`.
    pub name: String,
    /// One per node (`for_each: node`).
    pub per_node: bool,
    /// PREFIX of `PREFIX.crt` and `PREFIX.key`.
    pub file: String,
    /// Its subject, SANs and lifetime.
    pub cert: SubjectTemplate,
}

/// Where a leaf certificate goes: files, a kubeconfig (its own key and certificate
/// embedded), or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// `PREFIX.crt` and `PREFIX.key`.
    File(String),
    /// A kubeconfig path.
    Kubeconfig(String),
    /// Both: the files are the source of truth, the kubeconfig embeds them.
    Both {
        /// PREFIX of the files.
        file: String,
        /// The kubeconfig path.
        kubeconfig: String,
    },
}

impl Output {
    fn new(file: Option<String>, kubeconfig: Option<String>) -> Option<Output> {
        match (file, kubeconfig) {
            (Some(file), Some(kubeconfig)) => Some(Output::Both { file, kubeconfig }),
            (Some(f), None) => Some(Output::File(f)),
            (None, Some(k)) => Some(Output::Kubeconfig(k)),
            (None, None) => None,
        }
    }

    /// The file PREFIX, if files are written.
    pub fn file(&self) -> Option<&str> {
        match self {
            Output::File(f) | Output::Both { file: f, .. } => Some(f),
            Output::Kubeconfig(_) => None,
        }
    }

    /// The kubeconfig path, if one is written.
    pub fn kubeconfig(&self) -> Option<&str> {
        match self {
            Output::Kubeconfig(k) | Output::Both { kubeconfig: k, .. } => Some(k),
            Output::File(_) => None,
        }
    }
}

/// A leaf certificate row.
#[derive(Clone, Debug)]
pub struct CertEntry {
    /// Name used in reports, `check` and `renew`.
    pub name: String,
    /// One per node (`for_each: node`).
    pub per_node: bool,
    /// The signing CA's name.
    pub ca: String,
    /// What is written.
    pub output: Output,
    /// The kubeconfig's server URL template (default `https://{endpoint}`).
    pub server: Option<String>,
    /// Extended key usage.
    pub usage: Usage,
    /// Its subject, SANs and lifetime.
    pub cert: SubjectTemplate,
}

/// A key pair row.
#[derive(Clone, Debug)]
pub struct KeypairEntry {
    /// Name used in reports, `check` and `renew`.
    pub name: String,
    /// One per node (`for_each: node`).
    pub per_node: bool,
    /// PREFIX of `PREFIX.key` and `PREFIX.pub`.
    pub file: String,
}

impl Entry {
    /// Name used in reports, `check` and `renew`.
    pub fn name(&self) -> &str {
        match self {
            Entry::Ca(e) => &e.name,
            Entry::Cert(e) => &e.name,
            Entry::Keypair(e) => &e.name,
        }
    }

    /// What it makes.
    pub fn kind(&self) -> Kind {
        match self {
            Entry::Ca(_) => Kind::Ca,
            Entry::Cert(_) => Kind::Cert,
            Entry::Keypair(_) => Kind::Keypair,
        }
    }

    /// One credential per node (`for_each: node`).
    pub fn per_node(&self) -> bool {
        match self {
            Entry::Ca(e) => e.per_node,
            Entry::Cert(e) => e.per_node,
            Entry::Keypair(e) => e.per_node,
        }
    }

    /// The file PREFIX, if files are written.
    pub fn file(&self) -> Option<&str> {
        match self {
            Entry::Ca(e) => Some(&e.file),
            Entry::Cert(e) => e.output.file(),
            Entry::Keypair(e) => Some(&e.file),
        }
    }

    /// The kubeconfig path, if one is written.
    pub fn kubeconfig(&self) -> Option<&str> {
        match self {
            Entry::Cert(e) => e.output.kubeconfig(),
            Entry::Ca(_) | Entry::Keypair(_) => None,
        }
    }

    /// The signing CA's name (leaf certificates).
    pub fn ca(&self) -> Option<&str> {
        match self {
            Entry::Cert(e) => Some(&e.ca),
            Entry::Ca(_) | Entry::Keypair(_) => None,
        }
    }

    /// Turn a row into its kind's entry, or say what is wrong with it. `cas` are the CAs
    /// listed before it.
    pub(super) fn from_row(r: Row, cas: &HashSet<String>) -> std::result::Result<Entry, String> {
        let per_node = r.for_each.is_some();
        let cert = |r: Row| SubjectTemplate {
            cn: r.cn,
            groups: r.groups,
            sans: r.sans,
            validity: r.validity,
        };
        match r.kind {
            Kind::Ca => {
                let (Some(file), None, None) = (r.file.clone(), &r.ca, &r.kubeconfig) else {
                    return Err(format!(
                        "CA {:?} needs a file and takes no ca or kubeconfig",
                        r.name
                    ));
                };
                if r.cn.is_empty() {
                    return Err(format!("CA {:?} needs a cn", r.name));
                }
                // `usage` and `server` mean nothing for a CA; they are accepted and ignored.
                Ok(Entry::Ca(CaEntry {
                    name: r.name.clone(),
                    per_node,
                    file,
                    cert: cert(r),
                }))
            }
            Kind::Keypair => {
                let (Some(file), None, None) = (r.file, r.kubeconfig, r.ca) else {
                    return Err(format!(
                        "keypair {:?} needs a file and nothing else",
                        r.name
                    ));
                };
                // A subject, SANs, usage or server mean nothing for a bare key pair; they
                // are accepted and ignored.
                Ok(Entry::Keypair(KeypairEntry {
                    name: r.name,
                    per_node,
                    file,
                }))
            }
            Kind::Cert => {
                let ca =
                    r.ca.clone()
                        .ok_or_else(|| format!("entry {:?} names no signing ca", r.name))?;
                if !cas.contains(&ca) {
                    return Err(format!(
                        "entry {:?} is signed by {ca:?}, which is not a CA listed before it",
                        r.name
                    ));
                }
                let output =
                    Output::new(r.file.clone(), r.kubeconfig.clone()).ok_or_else(|| {
                        format!("entry {:?} writes neither a file nor a kubeconfig", r.name)
                    })?;
                if r.cn.is_empty() {
                    return Err(format!("entry {:?} needs a cn", r.name));
                }
                // An empty O would be written and read as the group "" by Go; `--group ""`
                // is refused, and so is this, rather than dropped.
                if r.groups.iter().any(String::is_empty) {
                    return Err(format!("entry {:?} has an empty group", r.name));
                }
                Ok(Entry::Cert(CertEntry {
                    name: r.name.clone(),
                    per_node,
                    ca,
                    output,
                    server: r.server.clone(),
                    usage: r.usage,
                    cert: cert(r),
                }))
            }
        }
    }
}

/// A plan file, as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PlanFile {
    pub(super) layout: String,
    #[serde(default)]
    pub(super) service_cidr: Option<String>,
    #[serde(default)]
    pub(super) endpoint: Option<String>,
    pub(super) credentials: Vec<Row>,
}
