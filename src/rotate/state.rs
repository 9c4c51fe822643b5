//! Which phase each CA is in, from the files alone.
//!
//! - `Stable`: `NAME.new.crt` absent and the trust file holds one certificate.
//! - `Begun`: `NAME.new.crt` and `NAME.new.key` present (a pair); the trust file holds the
//!   old CA and then the new one. A trust file not yet rewritten (a `--begin` killed after
//!   writing the new pair) is `Begun` with `bundle_written == false`: re-running `--begin`
//!   converges.

use std::path::{Path, PathBuf};

use serde::Serialize;

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
    /// `--begin` done (or partly done: see [`State::bundle_written`]).
    Begun,
}

/// What [`detect`] found.
#[derive(Debug)]
pub struct State {
    /// The phase.
    pub phase: Phase,
    /// The old CA certificate (DER): the first certificate of the trust file.
    pub old: Vec<u8>,
    /// The new CA certificate (DER), once begun.
    pub new: Option<Vec<u8>>,
    /// The new CA's key, once begun.
    pub new_key: Option<PrivateKey>,
    /// Whether the trust file holds exactly old then new.
    pub bundle_written: bool,
}

/// Read the certificates of `path` (PEM or DER), naming the file on error.
pub fn certs(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = fsio::read(path)?;
    pki::read_certificates(path, &bytes)
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// The phase of `kind` in `dir`.
pub fn detect(dir: &Path, kind: CaKind) -> Result<State> {
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
        return Ok(State {
            phase: Phase::Stable,
            old: trust[0].clone(),
            new: None,
            new_key: None,
            bundle_written: false,
        });
    }
    let new = certs(&files.new_crt)?;
    let [new] = <[Vec<u8>; 1]>::try_from(new).map_err(|v| {
        Error::input(
            &files.new_crt,
            format!("holds {} certificates, expected one", v.len()),
        )
    })?;
    let key_bytes = fsio::read(&files.new_key)?;
    let (key, _) = PrivateKey::from_file_bytes(&fsio::display(&files.new_key), &key_bytes)?;
    let facts = pki::Certificate::from_der(&new).map_err(|p| Error::input(&files.new_crt, p))?;
    if key.public_key_der()? != facts.spki_der {
        return Err(Error::input(
            &files.new_key,
            format!("is not the key of {}", fsio::display(&files.new_crt)),
        ));
    }
    let bundle_written = trust.len() == 2 && trust[1] == new;
    Ok(State {
        phase: Phase::Begun,
        old: trust[0].clone(),
        new: Some(new),
        new_key: Some(key),
        bundle_written,
    })
}
