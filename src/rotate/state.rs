//! Which phase each CA is in, from the files alone (no state file).
//!
//! - `Stable`: `NAME.new.crt` absent and the trust file holds one certificate.
//! - `Begun`: `NAME.new.crt` and `NAME.new.key` present (a pair); the trust file holds the
//!   old CA and then the new one; every leaf still signed by the old CA. A trust file not yet
//!   rewritten (a `--begin` killed after writing the new pair) is `Begun` with
//!   `bundle_written == false`: re-running `--begin` converges.
//! - `Resigning`: as `Begun`, but some leaves are signed by the new CA and some by the old (a
//!   `--resign` killed half-way): re-running `--resign` converges.
//! - `Resigned`: as `Begun`, and no leaf is signed by the old CA any more.
//! - `Finishing`: `NAME.new.crt` still present but the trust file holds the new CA alone (a
//!   `--finish` killed after rewriting it): re-running `--finish` converges.
//!
//! Which CA signed a leaf is decided by its signature (the old and the new CA share their
//! subject, as kubeadm's CAs are all `CN=kubernetes`, `etcd-ca`, `front-proxy-ca`), over every
//! certificate `kcred check` finds: `.crt` files and kubeconfigs' embedded certificates.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::audit::{Inventory, Location, rel};
use crate::error::{Error, Result};
use crate::fsio;
use crate::keys::PrivateKey;
use crate::pki;

/// A CA kubeadm's layout holds, by its `--ca` name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaKind {
    /// `pki/ca.crt`: the cluster CA (client certificates, kubelets, API server serving).
    Ca,
    /// `pki/front-proxy-ca.crt`: the aggregation layer's client CA.
    FrontProxyCa,
    /// `pki/etcd/ca.crt`: etcd's CA.
    EtcdCa,
}

impl CaKind {
    /// Every x509 CA, in the order the docs rotate them.
    pub const ALL: [CaKind; 3] = [CaKind::Ca, CaKind::FrontProxyCa, CaKind::EtcdCa];

    /// The `--ca` name.
    pub fn name(self) -> &'static str {
        match self {
            CaKind::Ca => "ca",
            CaKind::FrontProxyCa => "front-proxy-ca",
            CaKind::EtcdCa => "etcd-ca",
        }
    }

    /// Path prefix relative to the directory (kubeadm's `pki/` layout).
    fn stem(self) -> &'static str {
        match self {
            CaKind::Ca => "pki/ca",
            CaKind::FrontProxyCa => "pki/front-proxy-ca",
            CaKind::EtcdCa => "pki/etcd/ca",
        }
    }

    /// The files of this CA in `dir`.
    pub fn files(self, dir: &Path) -> CaFiles {
        let s = self.stem();
        let f = |suffix: &str| dir.join(format!("{s}{suffix}"));
        CaFiles {
            crt: f(".crt"),
            key: f(".key"),
            new_crt: f(".new.crt"),
            new_key: f(".new.key"),
            old_crt: f(".old.crt"),
            old_key: f(".old.key"),
        }
    }
}

/// The files of one CA.
#[derive(Clone, Debug)]
pub struct CaFiles {
    /// The trust file the servers read (a bundle during the overlap).
    pub crt: PathBuf,
    /// The signing key in use (old until `--finish`).
    pub key: PathBuf,
    /// The new CA's own certificate.
    pub new_crt: PathBuf,
    /// The new CA's key.
    pub new_key: PathBuf,
    /// The old CA alone during the overlap: what the controller manager's
    /// `--cluster-signing-cert-file` and `--client-ca-file` point to, which cannot be bundles.
    pub old_crt: PathBuf,
    /// Where `--keep-old` keeps the old key.
    pub old_key: PathBuf,
}

/// The phase of one CA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// No rotation under way.
    Stable,
    /// `--begin` done (or partly done: see [`State::bundle_written`]); leaves all old.
    Begun,
    /// `--resign` partly done: some leaves old, some new.
    Resigning,
    /// `--resign` done: every leaf signed by the new CA, trust still old+new.
    Resigned,
    /// `--finish` partly done: the trust file is the new CA alone, the new pair still beside.
    Finishing,
}

impl Phase {
    /// The phase's name as `--status` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Stable => "stable",
            Phase::Begun => "begun",
            Phase::Resigning => "resigning",
            Phase::Resigned => "resigned",
            Phase::Finishing => "finishing",
        }
    }
}

/// Which CA signed a leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signer {
    /// The CA being replaced (for a stable CA: the one in use).
    Old,
    /// The new CA.
    New,
}

/// A leaf certificate signed by the old or the new CA.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Leaf {
    /// kubeadm-style name (`apiserver`, `admin.conf`).
    pub name: String,
    /// Where it is, relative to the directory.
    pub file: String,
    /// Which CA signed it.
    pub signed_by: Signer,
    /// That CA's SubjectKeyIdentifier (the old and the new CA share their subject).
    pub signer_ski: String,
}

/// What [`detect`] found.
#[derive(Debug)]
pub struct State {
    /// The phase.
    pub phase: Phase,
    /// The old CA certificate (DER): the first certificate of the trust file; in
    /// `Finishing`, `NAME.old.crt`'s (empty once that is removed).
    pub old: Vec<u8>,
    /// The new CA certificate (DER), once begun.
    pub new: Option<Vec<u8>>,
    /// The new CA's key, once begun (`None` in `Finishing` once `NAME.new.key` is gone).
    pub new_key: Option<PrivateKey>,
    /// Whether the trust file holds exactly old then new.
    pub bundle_written: bool,
    /// Every leaf signed by the old or the new CA, in the directory's order.
    pub leaves: Vec<Leaf>,
}

impl State {
    /// How many leaves the old CA still signs.
    pub fn old_leaves(&self) -> usize {
        self.leaves
            .iter()
            .filter(|l| l.signed_by == Signer::Old)
            .count()
    }

    /// What to run next, as `--status` and the refusals say it.
    pub fn next(&self) -> &'static str {
        match self.phase {
            Phase::Stable => "--begin (to start a rotation)",
            Phase::Begun if !self.bundle_written => "--begin again (it was interrupted)",
            Phase::Begun => "--resign",
            Phase::Resigning => "--resign again (it was interrupted)",
            Phase::Resigned => "--finish",
            Phase::Finishing => "--finish again (it was interrupted)",
        }
    }
}

/// Read the certificates of `path` (PEM or DER), naming the file on error.
pub fn certs(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = fsio::read(path)?;
    pki::read_certificates(path, &bytes)
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn load_key(path: &Path) -> Result<PrivateKey> {
    let key_bytes = fsio::read(path)?;
    Ok(PrivateKey::from_file_bytes(&fsio::display(path), &key_bytes)?.0)
}

/// The phase of `kind` in `dir`.
pub fn detect(dir: &Path, kind: CaKind) -> Result<State> {
    let inv = crate::audit::inventory(dir)?;
    detect_in(dir, kind, &inv)
}

/// [`detect`] with the directory's inventory already read (one read for several CAs).
pub fn detect_in(dir: &Path, kind: CaKind, inv: &Inventory) -> Result<State> {
    let files = kind.files(dir);
    let trust = certs(&files.crt)?;
    if !exists(&files.new_crt) {
        if trust.len() != 1 {
            return Err(Error::input(
                &files.crt,
                format!(
                    "holds {} certificates but {} is absent: not a state kcred rotate-ca leaves",
                    trust.len(),
                    fsio::display(&files.new_crt)
                ),
            ));
        }
        let leaves = leaves(inv, &trust[0], None);
        return Ok(State {
            phase: Phase::Stable,
            old: trust[0].clone(),
            new: None,
            new_key: None,
            bundle_written: false,
            leaves,
        });
    }
    let new = certs(&files.new_crt)?;
    let [new] = <[Vec<u8>; 1]>::try_from(new).map_err(|v| {
        Error::input(
            &files.new_crt,
            format!("holds {} certificates, expected one", v.len()),
        )
    })?;
    let facts = pki::Certificate::from_der(&new).map_err(|p| Error::input(&files.new_crt, p))?;
    if trust.len() == 1 && trust[0] == new {
        return finishing(&files, new, &facts, inv);
    }
    let key = load_key(&files.new_key)?;
    if key.public_key_der()? != facts.spki_der {
        return Err(Error::input(
            &files.new_key,
            format!("is not the key of {}", fsio::display(&files.new_crt)),
        ));
    }
    let bundle_written = trust.len() == 2 && trust[1] == new;
    let leaves = leaves(inv, &trust[0], Some(&new));
    let (old_n, new_n) = leaves.iter().fold((0, 0), |(o, n), l| match l.signed_by {
        Signer::Old => (o + 1, n),
        Signer::New => (o, n + 1),
    });
    let phase = match (bundle_written, old_n, new_n) {
        (false, _, _) => Phase::Begun,
        (true, 0, _) => Phase::Resigned,
        (true, _, 0) => Phase::Begun,
        (true, _, _) => Phase::Resigning,
    };
    Ok(State {
        phase,
        old: trust[0].clone(),
        new: Some(new),
        new_key: Some(key),
        bundle_written,
        leaves,
    })
}

/// `--finish` has rewritten the trust file to the new CA alone: the old CA is known from
/// `NAME.old.crt` until that is removed, and the new key is `NAME.new.key` or (once moved)
/// `NAME.key`.
fn finishing(
    files: &CaFiles,
    new: Vec<u8>,
    facts: &pki::Certificate,
    inv: &Inventory,
) -> Result<State> {
    let old = if exists(&files.old_crt) {
        certs(&files.old_crt)?.remove(0)
    } else {
        Vec::new()
    };
    let mut new_key = None;
    for p in [&files.new_key, &files.key] {
        if exists(p) {
            let k = load_key(p)?;
            if k.public_key_der()? == facts.spki_der {
                new_key = Some(k);
                break;
            }
        }
    }
    let leaves = leaves(inv, &old, Some(&new));
    Ok(State {
        phase: Phase::Finishing,
        old,
        new: Some(new),
        new_key,
        bundle_written: false,
        leaves,
    })
}

/// Every leaf of `inv` signed by `old` or `new`.
fn leaves(inv: &Inventory, old: &[u8], new: Option<&[u8]>) -> Vec<Leaf> {
    let (old_ski, new_ski) = (ski(old), new.map(ski).unwrap_or_default());
    let mut out = Vec::new();
    for c in inv.certs.iter().filter(|c| !c.facts.is_ca) {
        let signed_by = if !old.is_empty() && pki::signed_by(&c.der, old) {
            Signer::Old
        } else if new.is_some_and(|n| pki::signed_by(&c.der, n)) {
            Signer::New
        } else {
            continue;
        };
        let file = match &c.location {
            Location::File { cert, .. } | Location::Referenced { cert, .. } => rel(&inv.dir, cert),
            Location::Kubeconfig { path, .. } => rel(&inv.dir, path),
        };
        out.push(Leaf {
            name: c.name.clone(),
            file,
            signed_by,
            signer_ski: match signed_by {
                Signer::Old => old_ski.clone(),
                Signer::New => new_ski.clone(),
            },
        });
    }
    out
}

/// The SubjectKeyIdentifier of a certificate, as openssl prints it (`AB:CD:…`); empty when
/// the certificate has none.
pub fn ski(der: &[u8]) -> String {
    use x509_parser::prelude::{FromDer, ParsedExtension, X509Certificate};
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return String::new();
    };
    cert.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(
                k.0.iter()
                    .map(|b| format!("{b:02X}"))
                    .collect::<Vec<_>>()
                    .join(":"),
            ),
            _ => None,
        })
        .unwrap_or_default()
}
