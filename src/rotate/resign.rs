//! `--resign`: every leaf the old CA signed is signed again by the new CA (`NAME.new.key`),
//! with its existing key, subject, SANs, usage and validity length: `kcred renew`'s machinery
//! ([`crate::renew::resign`]) given the new CA pair. The docs' step "Restart API servers with
//! the certificates (`apiserver.crt`, `apiserver-kubelet-client.crt` and
//! `front-proxy-client.crt`) signed by new CA", and "update certificates for user accounts"
//! (every kubeconfig's `client-certificate-data`). Trust stays old+new; leaves' keys never
//! change.
//!
//! Each leaf file is written atomically; a run killed half-way leaves some leaves signed by
//! the old CA and some by the new (phase `Resigning`), and re-running re-signs only the old
//! ones. A run with nothing signed by the old CA changes no byte.

use std::path::Path;

use super::Change;
use super::plan::Prepared;
use super::state::{CaKind, Phase, State, detect_in};
use crate::error::{Error, Result};
use crate::renew::{self, Resign};

/// Whether `--resign` may run on `state`: after a complete `--begin` (trust old+new), and
/// not once `--finish` has started.
pub fn check(kind: CaKind, state: &State) -> Result<()> {
    match state.phase {
        Phase::Begun if state.bundle_written => Ok(()),
        Phase::Resigning | Phase::Resigned => Ok(()),
        _ => Err(super::out_of_order("--resign", kind, state)),
    }
}

/// Run `--resign` for `kind` in `dir`; returns the files changed, in write order.
pub fn resign(dir: &Path, kind: CaKind, dry_run: bool) -> Result<Vec<Change>> {
    let plan = prepare(dir, kind)?;
    if dry_run {
        Ok(plan.changes())
    } else {
        plan.apply()
    }
}

/// `--resign` for `kind` in `dir`, prepared: every file of the directory read and checked,
/// every leaf signed and every copy rendered, nothing written.
pub fn prepare(dir: &Path, kind: CaKind) -> Result<Prepared> {
    let inv = crate::audit::inventory(dir)?;
    let state = detect_in(dir, kind, &inv)?;
    check(kind, &state)?;
    let files = kind.files(dir);
    let (Some(new), Some(key)) = (&state.new, &state.new_key) else {
        return Err(Error::input(
            &files.new_crt,
            "the new CA pair is missing: run --begin again",
        ));
    };
    let r = Resign {
        from: state.old.clone(),
        ca: new.clone(),
        ca_path: files.new_crt.clone(),
        key: key.try_clone()?,
        key_path: files.new_key.clone(),
    };
    // Temporaries a killed run left beside the leaves.
    let temps = state.leaves.iter().map(|l| dir.join(&l.file)).collect();
    let mut plan = Prepared::new(temps);
    for o in renew::resign(&inv, &r)? {
        plan.write(o);
    }
    Ok(plan)
}
