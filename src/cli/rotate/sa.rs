//! `kcred rotate-ca --ca sa`: the ServiceAccount key's phases (`kcred::rotate::sa`), printed
//! with what to restart next, in order.

use kcred::output::{self, Format};
use kcred::rotate::restart::Step;
use kcred::rotate::sa::phases::{self, Action, Change};
use kcred::rotate::sa::tokens::{self, TokenRow, VerifiedBy};
use kcred::rotate::sa::{self as lib, KeyInfo, SaPhase};
use serde::Serialize;

use super::RotateArgs;
use crate::exit_codes::ExitStatus;

/// `--status -o json|yaml`.
#[derive(Serialize)]
pub(super) struct Status {
    ca: &'static str,
    phase: SaPhase,
    next: &'static str,
    signing: KeyInfo,
    accepted: Vec<KeyInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<KeyInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<KeyInfo>,
    tokens: Vec<TokenRow>,
    #[serde(rename = "wouldBreak")]
    would_break: usize,
}

/// What a phase did (`-o json|yaml` of a phase).
#[derive(Serialize)]
pub(super) struct Ran {
    ca: &'static str,
    #[serde(rename = "dryRun")]
    dry_run: bool,
    changes: Vec<Change>,
    next: Vec<&'static str>,
}

/// `rotate-ca --ca sa`: the key's phase alone.
pub fn run(a: &RotateArgs) -> anyhow::Result<ExitStatus> {
    let format: Format = a.output.parse().map_err(kcred::Error::Usage)?;
    let now = jiff::Timestamp::now();
    if a.status {
        let report = status(a, now)?;
        match output::structured(format, &report)? {
            Some(text) => print!("{text}"),
            None => print!("{}", status_text(a, &report)),
        }
        return Ok(ExitStatus::Success);
    }
    let step = super::step(a);
    preflight(a, step, now)?;
    let ran = phase(a, step, now)?;
    match output::structured(format, &ran)? {
        Some(text) => print!("{text}"),
        None => print!("{}", ran_text(&ran)),
    }
    Ok(ExitStatus::Success)
}

/// The refusals of `step` that come before any write: out of order, and `--finish` while
/// tokens in DIR verify only with the old key (with the flag that overrides it; the library
/// refuses too, without naming flags).
pub(super) fn preflight(a: &RotateArgs, step: Step, now: jiff::Timestamp) -> anyhow::Result<()> {
    let state = lib::detect(&a.dir)?;
    phases::check(&state, step)?;
    if step == Step::Begin {
        phases::check_begin(&state, a.key_type)?;
    }
    if step == Step::Finish && state.phase == SaPhase::Resigned && !a.force {
        let rows = tokens::scan(&a.dir, &state, now);
        let breaking = tokens::would_break(&rows);
        if !breaking.is_empty() {
            let names: Vec<String> = breaking
                .iter()
                .map(|t| output::sanitize(&t.presented))
                .collect();
            return Err(kcred::Error::Refused(format!(
                "rotate-ca --ca sa --finish: {} token(s) in {} verify only with the old key and would break: {} (re-issue them with pki/sa.key, or pass --force)",
                breaking.len(),
                a.dir.display(),
                names.join(", ")
            ))
            .into());
        }
    }
    Ok(())
}

/// Run `step` on the key (after [`preflight`]).
pub(super) fn phase(a: &RotateArgs, step: Step, now: jiff::Timestamp) -> anyhow::Result<Ran> {
    let (changes, next) = match step {
        Step::Begin => {
            let opts = phases::BeginOptions {
                key_type: a.key_type,
                dry_run: a.dry_run,
            };
            (phases::begin(&a.dir, &opts)?, AFTER_BEGIN.to_vec())
        }
        Step::Resign => (phases::resign(&a.dir, a.dry_run)?, AFTER_RESIGN.to_vec()),
        Step::Finish => {
            let stable = lib::detect(&a.dir)?.phase == SaPhase::Stable;
            let opts = phases::FinishOptions {
                keep_old: a.keep_old,
                force: a.force,
                dry_run: a.dry_run,
            };
            let changes = phases::finish(&a.dir, &opts, now)?;
            let next = if stable {
                vec!["no ServiceAccount key rotation under way: nothing to finish"]
            } else {
                AFTER_FINISH.to_vec()
            };
            (changes, next)
        }
    };
    Ok(Ran {
        ca: "sa",
        dry_run: a.dry_run,
        changes,
        next,
    })
}

/// A phase's table output: the files, then what to do next.
pub(super) fn ran_text(ran: &Ran) -> String {
    let mut out = String::new();
    for c in &ran.changes {
        let verb = match (&c.action, ran.dry_run) {
            (Action::Write, false) => "wrote",
            (Action::Write, true) => "would write",
            (Action::Remove, false) => "removed",
            (Action::Remove, true) => "would remove",
        };
        out.push_str(&format!("{verb} {}\n", c.path.display()));
    }
    if ran.changes.is_empty() && !ran.dry_run {
        out.push_str("sa: nothing to change\n");
    }
    out.push_str("next, in order:\n");
    for (i, step) in ran.next.iter().enumerate() {
        out.push_str(&format!("  {}. {step}\n", i + 1));
    }
    out
}

/// The restart order after `--begin`: every verifier must hold both public keys before any
/// signer switches (kube-apiserver reads `--service-account-key-file` at start only).
const AFTER_BEGIN: [&str; 3] = [
    "copy pki/sa.pub to every control-plane node and restart every kube-apiserver (--service-account-key-file=pki/sa.pub now holds the old and the new public key; it still signs with the old pki/sa.key)",
    "restart kube-controller-manager",
    "when every kube-apiserver runs with the new pki/sa.pub: kcred rotate-ca --ca sa --resign",
];

/// After `--resign`: the signers switch; tokens already out keep verifying with the old key
/// until it leaves `sa.pub`.
const AFTER_RESIGN: [&str; 5] = [
    "copy pki/sa.key to every control-plane node and restart every kube-apiserver (--service-account-signing-key-file=pki/sa.key is now the new key)",
    "restart kube-controller-manager (--service-account-private-key-file=pki/sa.key signs legacy Secret tokens)",
    "wait for projected tokens to be refreshed: the kubelet renews a token at 80% of its lifetime and at the latest after 24 h (pkg/kubelet/token/token_manager.go), so wait at least 24 h or 80% of your longest token lifetime, whichever is longer",
    "recreate legacy token Secrets (kubernetes.io/service-account-token: they never expire and are re-signed only when recreated) and re-issue token files signed with the old key",
    "kcred rotate-ca --ca sa --status (tokens in DIR still verified only by the old key), then --finish",
];

const AFTER_FINISH: [&str; 2] = [
    "copy pki/sa.pub to every control-plane node and restart every kube-apiserver (pki/sa.pub holds the new public key alone: tokens of the old key stop verifying)",
    "the rotation is done: kcred rotate-ca --ca sa --status says stable",
];

/// The key's phase, its keys and the verdict on each token in DIR.
pub(super) fn status(a: &RotateArgs, now: jiff::Timestamp) -> anyhow::Result<Status> {
    let state = lib::detect(&a.dir)?;
    let rows = tokens::scan(&a.dir, &state, now);
    let would_break = tokens::would_break(&rows).len();
    Ok(Status {
        ca: "sa",
        phase: state.phase,
        next: state.phase.next(),
        signing: state.signing,
        accepted: state.accepted,
        old: state.old,
        new: state.new,
        tokens: rows,
        would_break,
    })
}

/// `--status`'s table output.
pub(super) fn status_text(a: &RotateArgs, s: &Status) -> String {
    let mut out = format!("{:<16} {}\n", "sa", s.phase.describe());
    let kids: Vec<&str> = s.accepted.iter().map(|k| k.kid.as_str()).collect();
    out.push_str(&format!(
        "signing key      {} ({})\n",
        s.signing.kid, s.signing.key_type
    ));
    out.push_str(&format!("accepted keys    {}\n", kids.join(", ")));
    if s.tokens.is_empty() {
        out.push_str(&format!(
            "tokens           none found in {}\n",
            a.dir.display()
        ));
        return out;
    }
    let mut table = vec![vec![
        "TOKEN".to_string(),
        "VERIFIED BY".to_string(),
        "KID".to_string(),
        "PROBLEM".to_string(),
    ]];
    for r in &s.tokens {
        let by = match r.verified_by {
            VerifiedBy::Old => "old key",
            VerifiedBy::New => "new key",
            VerifiedBy::Current => "current key",
            VerifiedBy::None => "none",
        };
        table.push(vec![
            output::sanitize(&r.presented),
            by.to_string(),
            output::sanitize(&r.kid),
            output::sanitize(&r.problem),
        ]);
    }
    out.push_str(&output::table(&table));
    if s.old.is_some() {
        out.push_str(&format!("would break at --finish: {}\n", s.would_break));
    }
    out
}
