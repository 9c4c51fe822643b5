//! `kcred renew`: re-sign leaf certificates with their existing keys, by the same CA,
//! keeping subject, SANs and usage (what `kubeadm certs renew` does,
//! `cmd/kubeadm/app/phases/certs/renewal/manager.go`), and rewrite every copy: the `.crt` file
//! and each kubeconfig that embeds the same certificate. CAs are never renewed here: a new CA
//! certificate would not be trusted by what trusts the old one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::{Found, Inventory, Location, rel};
use crate::error::{Error, Result};
use crate::fsio;
use crate::kubeconfig::Kubeconfig;
use crate::pki::{CertSpec, Issuer, San, Usage};

/// One renewed certificate.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Renewed {
    /// kubeadm-style name.
    pub name: String,
    /// Every file rewritten, relative to the directory.
    pub files: Vec<String>,
    /// The new NotAfter.
    pub expires: Timestamp,
}

/// Renew the leaves named in `names` (every leaf when `None`) for `validity`.
pub fn renew(
    inv: &Inventory,
    names: Option<&[String]>,
    validity: SignedDuration,
) -> Result<Vec<Renewed>> {
    let leaves: Vec<&Found> = inv.certs.iter().filter(|c| !c.facts.is_ca).collect();
    let selected: Vec<&Found> = match names {
        None => leaves.clone(),
        Some(names) => {
            let mut out = Vec::new();
            for n in names {
                match inv.certs.iter().find(|c| &c.name == n) {
                    Some(c) if c.facts.is_ca => {
                        return Err(Error::Usage(format!(
                            "{n} is a CA: kcred renew does not renew CAs (make a new CA and re-issue its leaves)"
                        )));
                    }
                    Some(c) => out.push(c),
                    None => {
                        let known: Vec<&str> = leaves.iter().map(|c| c.name.as_str()).collect();
                        return Err(Error::Usage(format!(
                            "no certificate named {n:?} in {} (known: {})",
                            inv.dir.display(),
                            known.join(", ")
                        )));
                    }
                }
            }
            out
        }
    };

    // Sign everything first; write only when every renewal could be signed. Copies of one
    // certificate (admin.crt and admin.kubeconfig) get the same new certificate.
    let mut new_certs: BTreeMap<Vec<u8>, (String, Vec<u8>)> = BTreeMap::new();
    for c in &selected {
        if new_certs.contains_key(&c.der) {
            continue;
        }
        let key = c.key.as_ref().ok_or_else(|| {
            Error::input(
                location_path(&inv.dir, c),
                "no private key next to the certificate: cannot renew it",
            )
        })?;
        let ca = inv.issuer_of(c).ok_or_else(|| {
            Error::input(
                location_path(&inv.dir, c),
                "not signed by any CA in the directory: cannot renew it",
            )
        })?;
        let ca_key = ca.key.as_ref().ok_or_else(|| {
            Error::input(
                location_path(&inv.dir, ca),
                "the CA's key is not in the directory (externally managed): renew with the CA holder",
            )
        })?;
        let ca_key = ca_key.try_clone()?;
        let ca_path = location_path(&inv.dir, ca);
        let issuer = Issuer::new(&ca_path, ca.der.clone(), ca_key, &ca_path)?;
        let issued = issuer.sign(&spec_of(c, validity)?, &key.public_key_der()?)?;
        new_certs.insert(c.der.clone(), (c.name.clone(), issued.der));
    }

    let mut out = Vec::new();
    for (old, (name, new)) in &new_certs {
        let mut files = Vec::new();
        for copy in inv.certs.iter().filter(|c| &c.der == old) {
            write_copy(copy, new)?;
            files.push(rel(&inv.dir, &location_path(&inv.dir, copy)));
        }
        let expires = crate::pki::CertFacts::from_der(new)
            .map(|f| f.not_after)
            .unwrap_or(Timestamp::UNIX_EPOCH);
        out.push(Renewed {
            name: name.clone(),
            files,
            expires,
        });
    }
    Ok(out)
}

fn location_path(_dir: &std::path::Path, c: &Found) -> PathBuf {
    match &c.location {
        Location::File { cert, .. } => cert.clone(),
        Location::Kubeconfig { path, .. } => path.clone(),
    }
}

/// The spec that re-creates `c`: same subject, SANs and usage.
fn spec_of(c: &Found, validity: SignedDuration) -> Result<CertSpec> {
    let f = &c.facts;
    let has = |n: &str| f.extended_key_usage.iter().any(|e| e == n);
    let usage = match (
        has("TLS Web Client Authentication"),
        has("TLS Web Server Authentication"),
    ) {
        (true, true) => Usage::Peer,
        (false, true) => Usage::Server,
        _ => Usage::Client,
    };
    let mut sans = Vec::new();
    for s in &f.subject_alt_names {
        let text = s.trim_start_matches("DNS:").trim_start_matches("IP:");
        sans.push(
            text.parse::<San>()
                .map_err(|m| Error::input(&c.name, format!("cannot keep SAN: {m}")))?,
        );
    }
    Ok(CertSpec {
        subject: f.subject_fields.clone(),
        usage: Some(usage),
        sans,
        validity,
    })
}

fn write_copy(copy: &Found, new_der: &[u8]) -> Result<()> {
    let pem = crate::pem::encode("CERTIFICATE", new_der);
    match &copy.location {
        Location::File { cert, .. } => fsio::write_atomic(cert, pem.as_bytes(), fsio::PUBLIC, true),
        Location::Kubeconfig { path, user } => {
            let bytes = fsio::read(path)?;
            let text =
                std::str::from_utf8(&bytes).map_err(|_| Error::input(path, "not UTF-8 text"))?;
            let mut kc = Kubeconfig::from_yaml(&path.display().to_string(), text)?;
            for u in kc.users.iter_mut().filter(|u| &u.name == user) {
                u.user.client_certificate_data = Some(pem.clone().into_bytes());
            }
            fsio::write_atomic(path, kc.to_yaml()?.as_bytes(), fsio::SECRET, true)
        }
    }
}
