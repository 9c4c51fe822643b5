//! `--finish`: the old CA leaves every trust file and every kubeconfig's
//! `certificate-authority-data`, the new pair moves to `NAME.crt`/`NAME.key`, and the old key
//! goes (or stays 0600 as `NAME.old.key` with `--keep-old`, a name nothing loads). The docs'
//! last steps: "Restart the control plane components by removing the old CA from the
//! kubeconfig files and the files against `--client-ca-file`, `--root-ca-file` flags", and
//! the kubelet's `clientCAFile`.
//!
//! Refused unless every leaf is signed by the new CA: a leaf of the old CA would be trusted
//! by nothing afterwards.
//!
//! Order of writes (each atomic), so that any prefix left by a kill is a state
//! [`super::state::detect`] recognises and re-running converges:
//! 1. with `--keep-old`, `NAME.old.key` (0600): a copy of the old key, before it is replaced;
//! 2. for the cluster CA, every kubeconfig's CA data without the old CA (still `Resigned`:
//!    the new CA alone verifies the re-signed API server certificate);
//! 3. the trust file `NAME.crt` as the new CA alone (from here on `Finishing`);
//! 4. `NAME.key` as the new key (the old key is gone unless kept in step 1);
//! 5. `NAME.old.crt`, `NAME.new.key`, then `NAME.new.crt` removed (the last marks `Stable`).

use std::path::Path;

use super::Change;
use super::plan::Prepared;
use super::state::{CaKind, Phase, State, detect};
use crate::error::{Error, Result};
use crate::fsio;
use crate::keys::PrivateKey;
use crate::pem;
use crate::pki;

/// How to finish.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Keep the old key as `NAME.old.key` (0600).
    pub keep_old: bool,
    /// List the files, write nothing.
    pub dry_run: bool,
}

/// What `--finish` did besides the files.
#[derive(Clone, Debug, Default)]
pub struct Finished {
    /// The files changed, in order.
    pub changes: Vec<Change>,
    /// Notes for the user (an old key `--keep-old` could not keep: an earlier run removed it).
    pub notes: Vec<String>,
}

/// Whether `--finish` may run on `state`. A CA with no rotation under way has nothing to
/// finish: that is fine (a re-run after a finished rotation), and [`finish`] changes nothing.
pub fn check(kind: CaKind, state: &State) -> Result<()> {
    match state.phase {
        Phase::Stable | Phase::Resigned | Phase::Finishing => Ok(()),
        Phase::Begun | Phase::Resigning => {
            if !state.bundle_written {
                return Err(super::out_of_order("--finish", kind, state));
            }
            let old: Vec<&str> = state
                .leaves
                .iter()
                .filter(|l| l.signed_by == super::Signer::Old)
                .map(|l| l.file.as_str())
                .collect();
            let shown = if old.len() > 4 {
                format!("{}, …", old[..4].join(", "))
            } else {
                old.join(", ")
            };
            Err(Error::Refused(format!(
                "rotate-ca --finish: {} is {}: {} of {} leaves are still signed by the old CA ({shown}), \
                 which nothing would trust after --finish; next: {}",
                kind.name(),
                state.phase.name(),
                old.len(),
                state.leaves.len(),
                state.next()
            )))
        }
    }
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Run `--finish` for `kind` in `dir`.
pub fn finish(dir: &Path, kind: CaKind, opts: &Options) -> Result<Finished> {
    let (plan, notes) = prepare(dir, kind, opts)?;
    let changes = if opts.dry_run {
        plan.changes()
    } else {
        plan.apply()?
    };
    Ok(Finished { changes, notes })
}

/// `--finish` for `kind` in `dir`, prepared: every file it reads (the keys, and for the
/// cluster CA every kubeconfig) read and checked, every change decided, nothing written;
/// with the notes for the user.
pub fn prepare(dir: &Path, kind: CaKind, opts: &Options) -> Result<(Prepared, Vec<String>)> {
    let state = detect(dir, kind)?;
    check(kind, &state)?;
    let mut notes = Vec::new();
    if state.phase == Phase::Stable {
        return Ok((Prepared::new(Vec::new()), notes));
    }
    let files = kind.files(dir);
    let mut temps = vec![files.crt.clone(), files.key.clone(), files.old_key.clone()];
    if kind == CaKind::Ca {
        temps.extend(super::begin::kubeconfig_paths(dir));
    }
    let mut plan = Prepared::new(temps);
    let new = state.new.clone().unwrap_or_default();
    let new_facts =
        pki::Certificate::from_der(&new).map_err(|p| Error::input(&files.new_crt, p))?;
    // The key file as it is now: the old key until step 4.
    let key_bytes = fsio::read(&files.key)?;
    let (key_now, _) = PrivateKey::from_file_bytes(&fsio::display(&files.key), &key_bytes)?;
    let key_is_new = key_now.public_key_der()? == new_facts.spki_der;
    // 1. The old key kept, under a name nothing loads.
    if opts.keep_old && !exists(&files.old_key) {
        if key_is_new {
            notes.push(format!(
                "{}: the old key is already gone (an earlier --finish replaced it); nothing to keep",
                fsio::display(&files.key)
            ));
        } else {
            plan.write(fsio::Output::secret(&files.old_key, key_bytes.to_vec()));
        }
    }
    // 2. Kubeconfigs: the old CA out of every embedded CA bundle.
    if kind == CaKind::Ca && !state.old.is_empty() {
        for o in kubeconfigs_without(dir, &state.old, &new)? {
            plan.write(o);
        }
    }
    // 3. The trust file: the new CA alone.
    if state.phase != Phase::Finishing {
        let pem = pem::encode("CERTIFICATE", &new);
        plan.write(fsio::Output::public(&files.crt, pem));
    }
    // 4. The signing key: the new one, as NAME.new.key holds it.
    if !key_is_new {
        let new_key = fsio::read(&files.new_key)?;
        plan.write(fsio::Output::secret(&files.key, new_key.to_vec()));
    }
    // 5. The rotation's own files; NAME.new.crt last (its absence marks the end).
    for p in [&files.old_crt, &files.new_key, &files.new_crt] {
        if exists(p) {
            plan.remove(p);
        }
    }
    Ok((plan, notes))
}

/// Every kubeconfig whose embedded CA holds `old`, rendered with `old` taken out (and `new`
/// put in when nothing else is left, so that it still verifies the re-signed API server).
fn kubeconfigs_without(dir: &Path, old: &[u8], new: &[u8]) -> Result<Vec<fsio::Output>> {
    super::begin::rewrite_ca_data(dir, |certs| {
        if !certs.iter().any(|d| d == old) {
            return None;
        }
        let kept: Vec<&[u8]> = certs
            .iter()
            .map(Vec::as_slice)
            .filter(|d| *d != old)
            .collect();
        let kept = if kept.is_empty() { vec![new] } else { kept };
        Some(kept.iter().map(|d| pem::encode("CERTIFICATE", d)).collect())
    })
}
