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
use super::state::{CaKind, Phase, State, detect_in};
use crate::audit::Inventory;
use crate::error::{Error, Result};
use crate::fsio;
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
    let inv = crate::audit::inventory(dir)?;
    let state = detect_in(dir, kind, &inv)?;
    check(kind, &state)?;
    let files = kind.files(dir);
    if !dry_run {
        // Temporaries a killed run left beside the files this phase writes; then read again,
        // so that nothing the removal touched is in the inventory.
        for leaf in &state.leaves {
            fsio::remove_stale_temps(&dir.join(&leaf.file));
        }
    }
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
    let outcome = renew::resign(&inv, &r, dry_run)?;
    Ok(written(&inv, &outcome))
}

fn written(inv: &Inventory, outcome: &renew::RenewOutcome) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    for r in &outcome.renewed {
        for f in &r.files {
            let c = Change::write(&inv.dir.join(f));
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
    out
}
