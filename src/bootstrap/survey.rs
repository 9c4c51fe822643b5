//! What a plan's credentials already have on disk, read before anything is written: keys,
//! certificates, key pairs' public halves and kubeconfigs' embedded credentials. This half
//! of `bootstrap` only reads (`fsio::read`); the making half decides from what it finds.

use std::path::{Path, PathBuf};

use super::kubeconfigs;
use crate::error::{Error, Result};
use crate::fsio;
use crate::keys::PrivateKey;
use crate::pki;
use crate::plan::{Credential, Kind};

/// A key and certificate found on disk (or embedded in a kubeconfig).
pub(super) struct Found {
    pub(super) key: Option<PrivateKey>,
    pub(super) cert: Option<Vec<u8>>,
}

pub(super) fn join(dir: &Path, rel: &str) -> PathBuf {
    dir.join(rel)
}

pub(super) fn read_if_exists(path: &Path) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::Symlink {
            path: path.display().to_string(),
        }),
        Ok(_) => fsio::read::read(path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Read what exists of `cred`. Anything that exists but cannot be read (empty, corrupt, not
/// a key, not a kubeconfig with an embedded credential) is an error naming the file: the run
/// stops before anything is written, since kcred never replaces what it cannot read.
pub(super) fn survey(dir: &Path, cred: &Credential) -> Result<Found> {
    let mut found = Found {
        key: None,
        cert: None,
    };
    if let Some(prefix) = cred.file() {
        let key_path = join(dir, &format!("{prefix}.key"));
        if let Some(bytes) = read_if_exists(&key_path)? {
            let k = PrivateKey::from_pem(&key_path.display().to_string(), &bytes);
            found.key =
                Some(k.map_err(|e| with_hint(e, "kcred never replaces a key: move it away"))?);
        }
        if cred.kind() != Kind::Keypair {
            let crt_path = join(dir, &format!("{prefix}.crt"));
            if let Some(bytes) = read_if_exists(&crt_path)? {
                found.cert = Some(pki::read_certificates(&crt_path, &bytes)?.remove(0));
            }
        } else {
            let pub_path = join(dir, &format!("{prefix}.pub"));
            if let Some(bytes) = read_if_exists(&pub_path)? {
                crate::token::keys::parse_verification_keys(
                    &pub_path.display().to_string(),
                    &bytes,
                )
                .map_err(|e| with_hint(e, "move it away to have it rewritten"))?;
            }
        }
    } else if let Some(kc) = cred.kubeconfig() {
        let path = join(dir, kc);
        if let Some(bytes) = read_if_exists(&path)? {
            let (key, cert) = kubeconfigs::embedded_credential(&path, &bytes)?;
            found.key = Some(key);
            found.cert = Some(cert);
        }
    }
    if let (Some(prefix), Some(kc)) = (cred.file(), cred.kubeconfig()) {
        // The files are the source of truth, but a kubeconfig that exists must be readable
        // before anything is written next to it.
        let path = join(dir, kc);
        if let Some(bytes) = read_if_exists(&path)? {
            kubeconfigs::embedded_credential(&path, &bytes).map_err(|e| {
                with_hint(
                    e,
                    &format!("the kubeconfig of {prefix}.crt: move it away to have it rewritten"),
                )
            })?;
        }
    }
    Ok(found)
}

/// `e` with a hint on what to do appended to its problem.
fn with_hint(e: Error, hint: &str) -> Error {
    match e {
        Error::Input { path, problem } => Error::Input {
            path,
            problem: format!("{problem}; {hint}"),
        },
        other => other,
    }
}
