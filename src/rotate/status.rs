//! What `rotate-ca` reports, as `-o json|yaml` prints it: `--status` ([`StatusReport`]) and
//! each writing phase ([`PhaseReport`]).

use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;

use super::Change;
use super::restart::{self, ControllerManagerFiles, Step};
use super::state::{CaKind, Leaf, Phase, detect_in, ski};
use crate::audit::TrustRow;
use crate::error::Result;

/// `rotate-ca --status`: the phase of each CA, which CA signed each leaf, and the trust
/// matrix of `kcred check --trust` ([`crate::audit::trust()`]).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    /// One entry per CA asked for.
    pub cas: Vec<CaStatus>,
    /// Every trust pair of the directory, as `check --trust` lists them.
    pub trust: Vec<TrustRow>,
    /// How many pairs are broken (exit 1 when any).
    pub broken: usize,
}

/// One CA's rotation state.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaStatus {
    /// `ca`, `front-proxy-ca`, `etcd-ca`.
    pub ca: CaKind,
    /// The phase, from the files.
    pub phase: Phase,
    /// Whether the last phase was interrupted (re-run it).
    pub interrupted: bool,
    /// What to run next.
    pub next: String,
    /// The old (current, when stable) CA's SubjectKeyIdentifier; empty once gone.
    pub old_ski: String,
    /// The new CA's SubjectKeyIdentifier, during a rotation.
    pub new_ski: Option<String>,
    /// For the cluster CA: the files kube-controller-manager's CA flags take in this phase.
    pub controller_manager: Option<ControllerManagerFiles>,
    /// Every leaf signed by the old or the new CA.
    pub leaves: Vec<Leaf>,
}

/// The status of `kinds` in `dir` at `now`.
pub fn status(dir: &Path, kinds: &[CaKind], now: Timestamp) -> Result<StatusReport> {
    let inv = crate::audit::inventory(dir)?;
    let mut cas = Vec::new();
    for &kind in kinds {
        let s = detect_in(dir, kind, &inv)?;
        let interrupted = matches!(s.phase, Phase::Resigning | Phase::Finishing)
            || (s.phase == Phase::Begun && !s.bundle_written);
        cas.push(CaStatus {
            ca: kind,
            phase: s.phase,
            interrupted,
            next: s.next().to_string(),
            old_ski: ski(&s.old),
            new_ski: s.new.as_deref().map(ski),
            controller_manager: (kind == CaKind::Ca).then(|| restart::controller_manager(s.phase)),
            leaves: s.leaves,
        });
    }
    let trust = crate::audit::trust(dir, now)?;
    let broken = trust.broken().count();
    Ok(StatusReport {
        cas,
        trust: trust.pairs,
        broken,
    })
}

/// What one writing phase did (or would do, with `--dry-run`) for one CA.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseReport {
    /// The CA.
    pub ca: CaKind,
    /// The phase run.
    pub ran: Step,
    /// Nothing was written.
    pub dry_run: bool,
    /// The phase the CA is in now (with `--dry-run`: still the one before).
    pub phase: Phase,
    /// Every file changed, in order; empty when the phase was already done.
    pub changes: Vec<Change>,
    /// Notes (an old key `--keep-old` could not keep).
    pub notes: Vec<String>,
    /// What to restart, in order (the docs' steps for this phase).
    pub restart: Vec<String>,
    /// For the cluster CA: the files kube-controller-manager's CA flags take now.
    pub controller_manager: Option<ControllerManagerFiles>,
}
