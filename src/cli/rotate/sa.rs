//! `kcred rotate-ca --ca sa`: the ServiceAccount key's phases (`kcred::rotate::sa`), printed
//! with what to restart next, in order.

use kcred::output::{self, Format};
use kcred::rotate::sa::phases::{self, Action, Change};
use kcred::rotate::sa::tokens::{self, TokenRow, VerifiedBy};
use kcred::rotate::sa::{self as lib, KeyInfo, SaPhase};
use serde::Serialize;

use super::RotateArgs;
use crate::exit_codes::ExitStatus;

/// `--status -o json|yaml`.
#[derive(Serialize)]
struct Status<'a> {
    ca: &'static str,
    phase: SaPhase,
    next: &'static str,
    signing: &'a KeyInfo,
    accepted: &'a [KeyInfo],
    #[serde(skip_serializing_if = "Option::is_none")]
    old: Option<&'a KeyInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<&'a KeyInfo>,
    tokens: &'a [TokenRow],
    #[serde(rename = "wouldBreak")]
    would_break: usize,
}

/// `-o json|yaml` of a phase.
#[derive(Serialize)]
struct Ran<'a> {
    ca: &'static str,
    #[serde(rename = "dryRun")]
    dry_run: bool,
    changes: &'a [Change],
    next: Vec<&'static str>,
}

pub fn run(a: &RotateArgs) -> anyhow::Result<ExitStatus> {
    let format: Format = a.output.parse().map_err(kcred::Error::Usage)?;
    let now = jiff::Timestamp::now();
    if a.status {
        return status(a, format, now);
    }
    let (changes, next) = if a.begin {
        let opts = phases::BeginOptions {
            key_type: a.key_type,
            dry_run: a.dry_run,
        };
        (phases::begin(&a.dir, &opts)?, AFTER_BEGIN.to_vec())
    } else if a.resign {
        (phases::resign(&a.dir, a.dry_run)?, AFTER_RESIGN.to_vec())
    } else {
        let state = lib::detect(&a.dir)?;
        if state.phase == SaPhase::Resigned && !a.force {
            // The refusal with the flag that overrides it; the library refuses too.
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
        let opts = phases::FinishOptions {
            keep_old: a.keep_old,
            force: a.force,
            dry_run: a.dry_run,
        };
        let changes = phases::finish(&a.dir, &opts, now)?;
        let next = if state.phase == SaPhase::Stable {
            vec!["no ServiceAccount key rotation under way: nothing to finish"]
        } else {
            AFTER_FINISH.to_vec()
        };
        (changes, next)
    };
    if let Some(text) = output::structured(
        format,
        &Ran {
            ca: "sa",
            dry_run: a.dry_run,
            changes: &changes,
            next: next.clone(),
        },
    )? {
        print!("{text}");
        return Ok(ExitStatus::Success);
    }
    for c in &changes {
        let verb = match (&c.action, a.dry_run) {
            (Action::Write, false) => "wrote",
            (Action::Write, true) => "would write",
            (Action::Remove, false) => "removed",
            (Action::Remove, true) => "would remove",
        };
        println!("{verb} {}", c.path.display());
    }
    if changes.is_empty() && !a.dry_run {
        println!("sa: nothing to change");
    }
    println!("next, in order:");
    for (i, step) in next.iter().enumerate() {
        println!("  {}. {step}", i + 1);
    }
    Ok(ExitStatus::Success)
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

fn status(a: &RotateArgs, format: Format, now: jiff::Timestamp) -> anyhow::Result<ExitStatus> {
    let state = lib::detect(&a.dir)?;
    let rows = tokens::scan(&a.dir, &state, now);
    let breaking = tokens::would_break(&rows).len();
    let report = Status {
        ca: "sa",
        phase: state.phase,
        next: state.phase.next(),
        signing: &state.signing,
        accepted: &state.accepted,
        old: state.old.as_ref(),
        new: state.new.as_ref(),
        tokens: &rows,
        would_break: breaking,
    };
    if let Some(text) = output::structured(format, &report)? {
        print!("{text}");
        return Ok(ExitStatus::Success);
    }
    println!("{:<16} {}", "sa", state.phase.describe());
    let kids: Vec<&str> = state.accepted.iter().map(|k| k.kid.as_str()).collect();
    println!(
        "signing key      {} ({})",
        state.signing.kid, state.signing.key_type
    );
    println!("accepted keys    {}", kids.join(", "));
    if rows.is_empty() {
        println!("tokens           none found in {}", a.dir.display());
        return Ok(ExitStatus::Success);
    }
    let mut table = vec![vec![
        "TOKEN".to_string(),
        "VERIFIED BY".to_string(),
        "KID".to_string(),
        "PROBLEM".to_string(),
    ]];
    for r in &rows {
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
    print!("{}", output::table(&table));
    if state.old.is_some() {
        println!("would break at --finish: {breaking}");
    }
    Ok(ExitStatus::Success)
}
