//! `kcred check` and `kcred renew`: find every certificate in a PKI directory (kubeadm,
//! hard-way or any kcred plan) — in `.crt`/`.pem` files and embedded in kubeconfigs — and
//! audit or re-sign them.
//!
//! Names follow `kubeadm certs check-expiration` (`cmd/kubeadm/app/phases/certs/renewal`):
//! under a kubeadm `pki/` directory a certificate is named by its path with `/` as `-`
//! (`etcd/server` → `etcd-server`, `etcd/ca` → `etcd-ca`), a kubeconfig by its file name
//! (`admin.conf`); elsewhere by its path without the extension.

mod renew;

pub use renew::{Renewed, renew};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::keys::PrivateKey;
use crate::kubeconfig::Kubeconfig;
use crate::pki::{self, CertFacts, Usage};
use crate::plan::{Kind, Plan};

/// Where a certificate lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A PEM or DER file; the key is the sibling `.key`, if any.
    File {
        /// The certificate file.
        cert: PathBuf,
        /// The sibling key file, if it exists.
        key: Option<PathBuf>,
    },
    /// Embedded in a kubeconfig as a user's `client-certificate-data`.
    Kubeconfig {
        /// The kubeconfig.
        path: PathBuf,
        /// The user's name.
        user: String,
    },
}

/// One certificate found in the directory.
#[derive(Debug)]
pub struct Found {
    /// kubeadm-style name.
    pub name: String,
    /// Where it is.
    pub location: Location,
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// What it says.
    pub facts: CertFacts,
    /// Its private key, if kcred could read one.
    pub key: Option<PrivateKey>,
    /// The kubeconfig cluster's CA data (PEM), for embedded certificates.
    pub kubeconfig_ca: Option<Vec<u8>>,
}

/// Everything found in a directory.
#[derive(Debug, Default)]
pub struct Inventory {
    /// The directory.
    pub dir: PathBuf,
    /// Certificates, by name.
    pub certs: Vec<Found>,
    /// Files that look like PKI material but could not be read, with why.
    pub unreadable: Vec<(String, String)>,
}

/// The largest tree kcred walks.
const MAX_FILES: usize = 10_000;

/// Walk `dir` and read every certificate and kubeconfig in it.
pub fn inventory(dir: &Path) -> Result<Inventory> {
    if !dir.is_dir() {
        return Err(Error::input(dir, "is not a directory"));
    }
    let mut files = Vec::new();
    walk(dir, &mut files, 0)?;
    files.sort();
    let kubeadm = dir.join("pki").is_dir();
    let mut inv = Inventory {
        dir: dir.to_path_buf(),
        ..Inventory::default()
    };
    for path in files {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
        let rel_s = rel.display().to_string();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        let stem_name = || -> String {
            let no_ext = rel.with_extension("").display().to_string();
            match no_ext.strip_prefix("pki/") {
                Some(inner) if kubeadm => inner.replace('/', "-"),
                _ => no_ext,
            }
        };
        match ext {
            "crt" | "pem" | "cer" => {
                let bytes = crate::fsio::read(&path)?;
                match pki::read_certificates(&path, &bytes) {
                    Ok(mut certs) => {
                        let der = certs.remove(0);
                        let facts =
                            CertFacts::from_der(&der).map_err(|p| Error::input(&path, p))?;
                        let key_path = path.with_extension("key");
                        let (key, key_path) = if key_path.is_file() {
                            let kb = crate::fsio::read(&key_path)?;
                            match PrivateKey::from_pem(&key_path.display().to_string(), &kb) {
                                Ok(k) => (Some(k), Some(key_path)),
                                Err(e) => {
                                    inv.unreadable.push((
                                        rel.with_extension("key").display().to_string(),
                                        e.to_string(),
                                    ));
                                    (None, Some(key_path))
                                }
                            }
                        } else {
                            (None, None)
                        };
                        inv.certs.push(Found {
                            name: stem_name(),
                            location: Location::File {
                                cert: path.clone(),
                                key: key_path,
                            },
                            der,
                            facts,
                            key,
                            kubeconfig_ca: None,
                        });
                    }
                    Err(e) => inv.unreadable.push((rel_s, e.to_string())),
                }
            }
            "conf" | "kubeconfig" => {
                let bytes = crate::fsio::read(&path)?;
                let parsed = std::str::from_utf8(&bytes)
                    .map_err(|_| Error::input(&path, "not UTF-8 text"))
                    .and_then(|t| Kubeconfig::from_yaml(&path.display().to_string(), t));
                let kc = match parsed {
                    Ok(kc) => kc,
                    Err(e) => {
                        inv.unreadable.push((rel_s, e.to_string()));
                        continue;
                    }
                };
                let name = if kubeadm { rel_s.clone() } else { stem_name() };
                for (i, user) in kc.users.iter().enumerate() {
                    let Some(cert_pem) = &user.user.client_certificate_data else {
                        continue;
                    };
                    let source = format!("{rel_s} (user {:?})", user.name);
                    let der = match pki::read_certificates(Path::new(&source), cert_pem) {
                        Ok(mut c) => c.remove(0),
                        Err(e) => {
                            inv.unreadable.push((rel_s.clone(), e.to_string()));
                            continue;
                        }
                    };
                    let facts = CertFacts::from_der(&der).map_err(|p| Error::input(&source, p))?;
                    let key = user
                        .user
                        .client_key_data
                        .as_ref()
                        .and_then(|k| PrivateKey::from_pem(&source, k).ok());
                    let ca = kc
                        .contexts
                        .iter()
                        .find(|c| c.context.user == user.name)
                        .and_then(|c| kc.cluster(&c.context.cluster))
                        .and_then(|c| c.cluster.certificate_authority_data.clone());
                    inv.certs.push(Found {
                        name: if i == 0 {
                            name.clone()
                        } else {
                            format!("{name}/{}", user.name)
                        },
                        location: Location::Kubeconfig {
                            path: path.clone(),
                            user: user.name.clone(),
                        },
                        der,
                        facts,
                        key,
                        kubeconfig_ca: ca,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(inv)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 8 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let ft = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue; // temporary files of an interrupted write, hidden files
        }
        if ft.is_dir() {
            walk(&entry.path(), out, depth + 1)?;
        } else if ft.is_file() {
            if out.len() >= MAX_FILES {
                return Err(Error::input(
                    dir,
                    format!("more than {MAX_FILES} files; not a PKI directory?"),
                ));
            }
            out.push(entry.path());
        }
    }
    Ok(())
}

impl Inventory {
    /// The CA that signed `cert`, among the CA certificates found.
    pub fn issuer_of(&self, cert: &Found) -> Option<&Found> {
        self.certs
            .iter()
            .filter(|c| c.facts.is_ca && matches!(c.location, Location::File { .. }))
            .find(|ca| ca.der != cert.der && pki::signed_by(&cert.der, &ca.der))
    }

    /// The cluster CA: `pki/ca.crt` (kubeadm) or `ca.crt` (hard-way).
    fn cluster_ca(&self) -> Option<&Found> {
        self.certs.iter().find(|c| {
            matches!(&c.location, Location::File { cert, .. }
                if cert == &self.dir.join("pki/ca.crt") || cert == &self.dir.join("ca.crt"))
        })
    }
}

/// One row of `kcred check`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRow {
    /// kubeadm-style name.
    pub name: String,
    /// Where it is, relative to the directory.
    pub file: String,
    /// NotAfter.
    pub expiration_date: Timestamp,
    /// Seconds left (negative when expired).
    pub residual_time: i64,
    /// Name of the CA that signed it (empty for a CA, or when none in the directory did).
    pub ca_name: String,
    /// A CA whose key is not in the directory.
    pub externally_managed: bool,
    /// What is wrong with it; empty when nothing is.
    pub problems: Vec<String>,
}

/// The result of `kcred check`, shaped like kubeadm's `CertificateExpirationInfo`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckReport {
    /// `CertificateExpirationInfo`.
    pub kind: &'static str,
    /// `output.kubeadm.k8s.io/v1alpha3`.
    pub api_version: &'static str,
    /// Leaf certificates, by name.
    pub certificates: Vec<CheckRow>,
    /// CA certificates, by name.
    pub certificate_authorities: Vec<CheckRow>,
    /// Files that could not be read.
    pub unreadable: BTreeMap<String, String>,
}

impl CheckReport {
    /// Whether anything needs attention (exit 1).
    pub fn has_problems(&self) -> bool {
        !self.unreadable.is_empty()
            || self
                .certificates
                .iter()
                .chain(&self.certificate_authorities)
                .any(|r| !r.problems.is_empty())
    }
}

/// The usage the embedded plans expect of each file they write, to catch a certificate that
/// cannot do its job (an API server certificate without serverAuth, say).
fn planned_usages() -> BTreeMap<String, Usage> {
    let mut out = BTreeMap::new();
    for (layout, _) in crate::plan::EMBEDDED {
        let Ok(plan) = Plan::embedded(layout) else {
            continue;
        };
        for e in plan.credentials {
            if e.kind == Kind::Cert
                && e.for_each.is_none()
                && let Some(f) = &e.file
            {
                out.insert(format!("{f}.crt"), e.usage);
            }
        }
    }
    out
}

/// Audit `inv`: expiry within `window`, key/certificate match, chain to a CA in the
/// directory, usage for its role, kubeconfig CA data.
pub fn check(inv: &Inventory, window: SignedDuration, now: Timestamp) -> CheckReport {
    let usages = planned_usages();
    let cluster_ca = inv.cluster_ca();
    let mut certificates = Vec::new();
    let mut cas = Vec::new();
    for c in &inv.certs {
        let mut problems = Vec::new();
        let left = c.facts.not_after.duration_since(now);
        if c.facts.not_after <= now {
            problems.push(format!("expired at {}", c.facts.not_after));
        } else if left <= window {
            problems.push(format!(
                "expires within {}",
                crate::duration::short_human(window)
            ));
        }
        if c.facts.not_before > now {
            problems.push(format!("not valid before {}", c.facts.not_before));
        }
        let (file, key_missing_ok) = match &c.location {
            Location::File { cert, .. } => (rel(&inv.dir, cert), c.facts.is_ca),
            Location::Kubeconfig { path, .. } => (rel(&inv.dir, path), false),
        };
        let key_exists = match &c.location {
            Location::File { key, .. } => key.is_some(),
            Location::Kubeconfig { .. } => c.key.is_some(),
        };
        match &c.key {
            Some(k) if !k.matches_public_key(&c.facts.spki_der).unwrap_or(false) => {
                problems.push("private key does not match the certificate".into());
            }
            None if !key_exists && !key_missing_ok => problems.push("private key missing".into()),
            _ => {}
        }
        let mut ca_name = String::new();
        if c.facts.is_ca {
            if !pki::signed_by(&c.der, &c.der) && inv.issuer_of(c).is_none() {
                problems
                    .push("CA is neither self-signed nor signed by a CA in the directory".into());
            }
        } else {
            match inv.issuer_of(c) {
                Some(ca) => {
                    ca_name = ca.name.clone();
                    if ca.facts.not_after <= now {
                        problems.push(format!("its CA {} has expired", ca.name));
                    }
                }
                None => problems
                    .push("chain does not verify: not signed by any CA in the directory".into()),
            }
            if let Some(u) = usages.get(&file)
                && ((u.client() && !c.facts.allows_client_auth())
                    || (u.server() && !allows_server(&c.facts)))
            {
                problems.push(format!("wrong usage for its role: needs {u}"));
            }
        }
        if let Location::Kubeconfig { .. } = &c.location {
            if !c.facts.allows_client_auth() {
                problems.push("kubeconfig client certificate without clientAuth usage".into());
            }
            let want = cluster_ca.or_else(|| inv.issuer_of(c));
            if let Some(ca) = want {
                let have = c
                    .kubeconfig_ca
                    .as_ref()
                    .and_then(|pem| pki::read_certificates(Path::new("<ca data>"), pem).ok())
                    .unwrap_or_default();
                if !have.contains(&ca.der) {
                    problems.push(format!(
                        "kubeconfig CA data is not the cluster CA ({})",
                        ca.name
                    ));
                }
            }
        }
        let row = CheckRow {
            name: c.name.clone(),
            file,
            expiration_date: c.facts.not_after,
            residual_time: left.as_secs(),
            ca_name,
            externally_managed: c.facts.is_ca && !key_exists,
            problems,
        };
        if c.facts.is_ca {
            cas.push(row);
        } else {
            certificates.push(row);
        }
    }
    certificates.sort_by(|a, b| a.name.cmp(&b.name));
    cas.sort_by(|a, b| a.name.cmp(&b.name));
    CheckReport {
        kind: "CertificateExpirationInfo",
        api_version: "output.kubeadm.k8s.io/v1alpha3",
        certificates,
        certificate_authorities: cas,
        unreadable: inv.unreadable.iter().cloned().collect(),
    }
}

fn allows_server(f: &CertFacts) -> bool {
    f.extended_key_usage.is_empty()
        || f.extended_key_usage
            .iter()
            .any(|e| e == "TLS Web Server Authentication" || e == "Any")
}

/// `path` relative to `dir`, for display.
pub fn rel(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}
