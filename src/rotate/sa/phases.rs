//! The three phases of a ServiceAccount key rotation, as writes in a crash-safe order.
//!
//! Every write is atomic (`fsio::write_atomic`: temporary file, fsync, rename) and every
//! removal is the last step of its phase, so any prefix of a phase is a state
//! [`super::detect`] recognises; re-running the phase finishes it, and running it once more
//! changes no byte. With `dry_run` the same list of changes is computed and nothing written.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{SaFiles, SaPhase, SaState, detect};
use crate::error::{Error, Result};
use crate::fsio;
use crate::keys::{KeyType, PrivateKey};
use crate::pem;
use crate::rotate::restart::Step;
use crate::token::SigningAlg;

/// What a phase does to one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Written (created or replaced).
    Write,
    /// Removed.
    Remove,
}

/// One file changed (or that would be, with `dry_run`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The action.
    pub action: Action,
    /// The file.
    pub path: PathBuf,
}

fn write(path: &Path) -> Change {
    Change {
        action: Action::Write,
        path: path.to_path_buf(),
    }
}

fn remove(path: &Path) -> Change {
    Change {
        action: Action::Remove,
        path: path.to_path_buf(),
    }
}

/// `sa.pub` holding these public keys, in order, as `PUBLIC KEY` blocks (what kubeadm writes
/// for one key: `cmd/kubeadm/app/phases/certs/certs.go`, `CreateServiceAccountKeyAndPublicKeyFiles`).
fn public_pem(keys: &[&[u8]]) -> String {
    keys.iter()
        .map(|k| pem::encode("PUBLIC KEY", k))
        .collect::<String>()
}

/// Temporary files a killed run left beside the files a phase writes.
fn clean_temps(files: &SaFiles) {
    for p in [
        &files.key,
        &files.public,
        &files.new_key,
        &files.old_key,
        &files.retired_key,
    ] {
        fsio::remove_stale_temps(p);
    }
}

/// Remove `path` and make the removal durable.
fn remove_file(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

fn out_of_order(state: &SaState, asked: &str) -> Error {
    Error::Refused(format!(
        "rotate-ca --ca sa {asked}: out of order: the ServiceAccount key is {}",
        state.phase.describe()
    ))
}

/// Whether `step` may run in `state`: the refusal a phase gives before it writes anything,
/// so a run over several CAs and the key can check them all first.
pub fn check(state: &SaState, step: Step) -> Result<()> {
    let ok = match step {
        Step::Begin => matches!(
            state.phase,
            SaPhase::Stable | SaPhase::BeginInterrupted | SaPhase::Begun
        ),
        Step::Resign => matches!(
            state.phase,
            SaPhase::Begun | SaPhase::ResignInterrupted | SaPhase::Resigned
        ),
        Step::Finish => matches!(
            state.phase,
            SaPhase::Stable | SaPhase::Resigned | SaPhase::FinishInterrupted
        ),
    };
    if ok {
        return Ok(());
    }
    let asked = match step {
        Step::Begin => "--begin",
        Step::Resign => "--resign",
        Step::Finish => "--finish",
    };
    Err(out_of_order(state, asked))
}

/// `--begin`'s refusals before anything is written (a run over the CAs and the key makes
/// them before the CAs write): the phase, and a new key type that cannot sign tokens.
/// Returns the new key's type (`None`: the type of the current `sa.key`).
pub fn check_begin(state: &SaState, key_type: Option<KeyType>) -> Result<KeyType> {
    let key_type = key_type.unwrap_or(state.signing_type);
    // Only RSA and ECDSA keys sign ServiceAccount tokens (`pkg/serviceaccount/jwt.go`,
    // `JWTTokenGenerator`).
    SigningAlg::for_key_type(key_type)?;
    check(state, Step::Begin)?;
    Ok(key_type)
}

/// How to begin.
#[derive(Clone, Debug, Default)]
pub struct BeginOptions {
    /// The new key's type; `None`: the type of the current `sa.key`.
    pub key_type: Option<KeyType>,
    /// List the changes, write nothing.
    pub dry_run: bool,
}

/// `--begin`: `sa.new.key`, then `sa.pub` = old + new.
pub fn begin(dir: &Path, opts: &BeginOptions) -> Result<Vec<Change>> {
    let files = SaFiles::new(dir);
    let state = detect(dir)?;
    let key_type = check_begin(&state, opts.key_type)?;
    if !opts.dry_run {
        clean_temps(&files);
    }
    let mut changed = Vec::new();
    let old = state.signing.spki.clone();
    let new = match state.phase {
        SaPhase::Stable => {
            changed.push(write(&files.new_key));
            if opts.dry_run {
                None
            } else {
                let key = PrivateKey::generate(key_type)?;
                let pem = key.to_pem(key.key_type().default_format())?;
                // No clobber: in `Stable` there is no sa.new.key, and one that appeared since
                // is someone else's.
                fsio::write_atomic(&files.new_key, pem.as_bytes(), fsio::SECRET, false)?;
                Some(key.public_key_der()?)
            }
        }
        _ => state.new.as_ref().map(|n| n.spki.clone()),
    };
    if state.phase != SaPhase::Begun {
        changed.push(write(&files.public));
        if let (false, Some(new)) = (opts.dry_run, new) {
            let text = public_pem(&[&old, &new]);
            fsio::write_atomic(&files.public, text.as_bytes(), fsio::PUBLIC, true)?;
        }
    }
    Ok(changed)
}

/// `--resign`: `sa.old.key` ← `sa.key`, then `sa.key` ← `sa.new.key`, then `sa.new.key`
/// removed. `sa.pub` already holds both keys and is not touched.
pub fn resign(dir: &Path, dry_run: bool) -> Result<Vec<Change>> {
    let files = SaFiles::new(dir);
    let state = detect(dir)?;
    check(&state, Step::Resign)?;
    if state.phase == SaPhase::Resigned {
        return Ok(Vec::new());
    }
    if !dry_run {
        clean_temps(&files);
    }
    let mut changed = Vec::new();
    let new = state
        .new
        .as_ref()
        .map(|n| n.spki.clone())
        .unwrap_or_default();
    // The old key first: once sa.key is replaced, sa.old.key is the only copy of it.
    // Bytes are copied as they are (PEM, DER or a PKCS#11 URI), never re-encoded.
    if !files.old_key.exists() {
        changed.push(write(&files.old_key));
        if !dry_run {
            let bytes = fsio::read(&files.key)?;
            fsio::write_atomic(&files.old_key, &bytes, fsio::SECRET, false)?;
        }
    }
    if state.signing.spki != new {
        changed.push(write(&files.key));
        if !dry_run {
            let bytes = fsio::read(&files.new_key)?;
            fsio::write_atomic(&files.key, &bytes, fsio::SECRET, true)?;
        }
    }
    changed.push(remove(&files.new_key));
    if !dry_run {
        remove_file(&files.new_key)?;
    }
    Ok(changed)
}

/// How to finish.
#[derive(Clone, Debug, Default)]
pub struct FinishOptions {
    /// Keep the old key (0600) as `sa.retired.key`.
    pub keep_old: bool,
    /// Finish even if tokens in the directory verify only with the old key.
    pub force: bool,
    /// List the changes, write nothing.
    pub dry_run: bool,
}

/// `--finish`: (`sa.retired.key` ← `sa.old.key` when keeping it), then `sa.pub` = the new key
/// alone, then `sa.old.key` removed. Refused while a token file or kubeconfig user in `dir`
/// verifies with the old key only, unless `force`. Nothing to finish (stable) is no change.
pub fn finish(dir: &Path, opts: &FinishOptions, now: jiff::Timestamp) -> Result<Vec<Change>> {
    let files = SaFiles::new(dir);
    let state = detect(dir)?;
    check(&state, Step::Finish)?;
    if state.phase == SaPhase::Stable {
        return Ok(Vec::new());
    }
    if state.phase == SaPhase::Resigned && !opts.force {
        let rows = super::tokens::scan(dir, &state, now);
        let breaking = super::tokens::would_break(&rows);
        if !breaking.is_empty() {
            let names: Vec<&str> = breaking.iter().map(|t| t.presented.as_str()).collect();
            return Err(Error::Refused(format!(
                "rotate-ca --ca sa --finish: {} token(s) in {} verify only with the old key and would stop verifying: {}",
                breaking.len(),
                fsio::display(dir),
                names.join(", ")
            )));
        }
    }
    let old_bytes = fsio::read(&files.old_key)?;
    if opts.keep_old && exists_with_other(&files.retired_key, &old_bytes)? {
        return Err(Error::input(
            &files.retired_key,
            "exists and holds another key (kept from an earlier rotation): move it away first",
        ));
    }
    if !opts.dry_run {
        clean_temps(&files);
    }
    let mut changed = Vec::new();
    if opts.keep_old && !files.retired_key.exists() {
        changed.push(write(&files.retired_key));
        if !opts.dry_run {
            fsio::write_atomic(&files.retired_key, &old_bytes, fsio::SECRET, false)?;
        }
    }
    if state.phase == SaPhase::Resigned {
        changed.push(write(&files.public));
        if !opts.dry_run {
            let text = public_pem(&[&state.signing.spki]);
            fsio::write_atomic(&files.public, text.as_bytes(), fsio::PUBLIC, true)?;
        }
    }
    changed.push(remove(&files.old_key));
    if !opts.dry_run {
        remove_file(&files.old_key)?;
    }
    Ok(changed)
}

/// Whether `path` exists with contents other than `bytes`.
fn exists_with_other(path: &Path, bytes: &[u8]) -> Result<bool> {
    if !path.exists() {
        return Ok(false);
    }
    Ok(*fsio::read(path)? != *bytes)
}
