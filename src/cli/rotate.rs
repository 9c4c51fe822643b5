//! `kcred rotate-ca`: the phased CA rotation of the Kubernetes docs page "Manual Rotation of
//! CA Certificates" on kubeadm's layout. The domain lives in `kcred::rotate`; this is the
//! command line: `--begin`, `--resign`, `--finish` and `--status` for the x509 CAs
//! and the ServiceAccount key (`--ca sa`, `sa.rs`); `--ca all` is the three CAs and the key.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use jiff::SignedDuration;
use kcred::keys::KeyType;
use kcred::output::{self, Format, sanitize};
use kcred::rotate::restart::{self, Step};
use kcred::rotate::status::{PhaseReport, StatusReport};
use kcred::rotate::{self, Action, CaKind, Phase};

use super::args::parse_duration;
use crate::exit_codes::ExitStatus;

mod sa;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
enum CaArg {
    Ca,
    FrontProxyCa,
    EtcdCa,
    Sa,
    All,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("phase").required(true)
    .args(["begin", "resign", "finish", "status"]))]
pub struct RotateArgs {
    /// The kubeadm directory (`kcred bootstrap --dir D`): D/pki/...
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Which CA: ca, front-proxy-ca, etcd-ca, sa (the ServiceAccount key), all (the three CAs
    /// and the key); repeatable.
    #[arg(long = "ca", value_name = "CA", value_enum, default_values = ["all"])]
    cas: Vec<CaArg>,
    /// Phase 1: make the new CA and trust old+new everywhere.
    #[arg(long)]
    begin: bool,
    /// Phase 2: re-sign every leaf with the new CA.
    #[arg(long)]
    resign: bool,
    /// Phase 3: drop the old CA.
    #[arg(long)]
    finish: bool,
    /// Show the phase of each CA.
    #[arg(long)]
    status: bool,
    /// New key type [default: rsa2048 for a CA; the type of the current pki/sa.key for sa].
    #[arg(long, value_name = "T", value_parser = super::values::key_type())]
    key_type: Option<KeyType>,
    /// New CA lifetime (Go style 87600h, or 3650d, 10y).
    #[arg(long, value_name = "D", default_value = "10y", value_parser = parse_duration)]
    validity: SignedDuration,
    /// List the files the phase would change; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// At --finish keep the old key (0600) under NAME.old.key (sa: pki/sa.retired.key).
    #[arg(long)]
    keep_old: bool,
    /// At --finish of sa: drop the old key even if token files in DIR verify only with it.
    #[arg(long)]
    force: bool,
    /// Output: table, json or yaml.
    #[arg(short = 'o', long, value_name = "FMT", default_value = "table")]
    output: String,
}

/// The x509 CAs `--ca` selects, in order, and whether the ServiceAccount key too (`sa`, or
/// `all`: the three CAs and the key).
fn selection(a: &RotateArgs) -> (Vec<CaKind>, bool) {
    let mut v = Vec::new();
    let mut sa = false;
    for c in &a.cas {
        match c {
            CaArg::Ca => v.push(CaKind::Ca),
            CaArg::FrontProxyCa => v.push(CaKind::FrontProxyCa),
            CaArg::EtcdCa => v.push(CaKind::EtcdCa),
            CaArg::All => {
                v.extend(CaKind::ALL);
                sa = true;
            }
            CaArg::Sa => sa = true,
        }
    }
    v.sort();
    v.dedup();
    (v, sa)
}

/// The phase asked for (clap requires exactly one of the four).
fn step(a: &RotateArgs) -> Step {
    if a.begin {
        Step::Begin
    } else if a.resign {
        Step::Resign
    } else {
        Step::Finish
    }
}

pub fn run(a: RotateArgs) -> anyhow::Result<ExitStatus> {
    let format: Format = a
        .output
        .parse()
        .map_err(|e: String| kcred::Error::Usage(format!("-o: {e}")))?;
    let (kinds, with_sa) = selection(&a);
    if kinds.is_empty() {
        return sa::run(&a);
    }
    if a.status {
        return status(&a, &kinds, with_sa, format);
    }
    let step = step(&a);
    let now = jiff::Timestamp::now();
    // Check every CA (and the key) first so a bad one, or one out of order, stops the run
    // before anything is written.
    let inv = kcred::audit::inventory(&a.dir)?;
    for k in &kinds {
        let state = rotate::state::detect_in(&a.dir, *k, &inv)?;
        match step {
            Step::Begin => rotate::begin::check(*k, &state)?,
            Step::Resign => rotate::resign::check(*k, &state)?,
            Step::Finish => rotate::finish::check(*k, &state)?,
        }
    }
    if with_sa {
        sa::preflight(&a, step, now)?;
    }
    // Then every CA's phase is prepared (each file it reads read and checked, each file it
    // writes rendered) before the first file is written: a file that cannot be read stops
    // the run with nothing changed.
    let mut prepared = Vec::new();
    for &k in &kinds {
        prepared.push(prepare_ca(&a, k, step, &inv)?);
    }
    let mut reports = Vec::new();
    let mut done = Vec::new();
    for p in prepared {
        reports.push(run_ca(&a, step, p, &mut done)?);
    }
    // The key after the CAs: its restart list comes last, as the docs page does the
    // ServiceAccount key after the certificates.
    let sa_ran = if with_sa {
        Some(sa::phase(&a, step, now)?)
    } else {
        None
    };
    if format != Format::Table {
        // One list: the CAs' reports, then the key's (each names its `ca`).
        let mut items: Vec<serde_json::Value> = reports
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<_, _>>()?;
        if let Some(r) = &sa_ran {
            items.push(serde_json::to_value(r)?);
        }
        if let Some(text) = output::structured(format, &items)? {
            super::emit(&text)?;
        }
        return Ok(ExitStatus::Success);
    }
    let mut out = reports_text(&reports, a.dry_run);
    if let Some(r) = &sa_ran {
        out.push_str(&sa::ran_text(r));
    }
    super::emit(out)?;
    Ok(ExitStatus::Success)
}

/// One CA's phase, prepared: its phase before, the changes, and notes for the user.
struct Ready {
    ca: CaKind,
    before: Phase,
    plan: rotate::plan::Prepared,
    notes: Vec<String>,
}

/// Prepare `step` on CA `k` (after every CA's check): every file it reads is read.
fn prepare_ca(
    a: &RotateArgs,
    k: CaKind,
    step: Step,
    inv: &kcred::audit::Inventory,
) -> anyhow::Result<Ready> {
    let before = rotate::state::detect_in(&a.dir, k, inv)?.phase;
    let (plan, notes) = match step {
        Step::Begin => {
            let opts = rotate::begin::Options {
                key_type: a.key_type.unwrap_or(KeyType::Rsa2048),
                validity: a.validity,
                dry_run: a.dry_run,
            };
            (rotate::begin::prepare(&a.dir, k, &opts)?, Vec::new())
        }
        Step::Resign => (rotate::resign::prepare(&a.dir, k)?, Vec::new()),
        Step::Finish => {
            let opts = rotate::finish::Options {
                keep_old: a.keep_old,
                dry_run: a.dry_run,
            };
            rotate::finish::prepare(&a.dir, k, &opts)?
        }
    };
    Ok(Ready {
        ca: k,
        before,
        plan,
        notes,
    })
}

/// Make the changes of a prepared CA (after every CA is prepared) and say what it did.
/// `done` holds the changes of the CAs before it: a file one of them rewrote (a kubeconfig
/// holding leaves of two CAs) is read again, so that this CA's changes go over theirs.
fn run_ca(
    a: &RotateArgs,
    step: Step,
    ready: Ready,
    done: &mut Vec<rotate::Change>,
) -> anyhow::Result<PhaseReport> {
    let Ready {
        ca: k,
        before,
        mut plan,
        mut notes,
    } = ready;
    if !a.dry_run && plan.touches(done) {
        let again = prepare_ca(a, k, step, &kcred::audit::inventory(&a.dir)?)?;
        (plan, notes) = (again.plan, again.notes);
    }
    let changes = if a.dry_run {
        plan.changes()
    } else {
        plan.apply()?
    };
    done.extend(changes.iter().cloned());
    let phase = rotate::detect(&a.dir, k)?.phase;
    // A finish with no rotation under way (run again after a finished one) has nothing
    // to do and nothing to restart.
    let idle = step == Step::Finish && before == Phase::Stable;
    if idle {
        notes.push(format!(
            "{}: no rotation under way, nothing to finish",
            k.name()
        ));
    }
    Ok(PhaseReport {
        ca: k,
        ran: step,
        dry_run: a.dry_run,
        phase,
        changes,
        notes,
        restart: if idle {
            Vec::new()
        } else {
            restart::steps(k, step)
        },
        controller_manager: (k == CaKind::Ca).then(|| restart::controller_manager(phase)),
    })
}

/// The CAs' table output: every file changed, then each CA's phase and what to restart, in
/// order (notes go to stderr).
fn reports_text(reports: &[PhaseReport], dry_run: bool) -> String {
    let mut out = String::new();
    for r in reports {
        for n in &r.notes {
            eprintln!("kcred: rotate-ca: {n}");
        }
        for c in &r.changes {
            let verb = match (c.action, dry_run) {
                (Action::Write, false) => "wrote",
                (Action::Write, true) => "would write",
                (Action::Remove, false) => "removed",
                (Action::Remove, true) => "would remove",
            };
            out.push_str(&format!("{verb} {}\n", c.path.display()));
        }
    }
    for r in reports {
        let done = if dry_run {
            format!("{}: {} (dry run)", r.ca.name(), r.phase.name())
        } else {
            format!("{}: now {}", r.ca.name(), r.phase.name())
        };
        if r.restart.is_empty() {
            out.push_str(&format!("{done}\n"));
            continue;
        }
        out.push_str(&format!("{done}; then restart, in order:\n"));
        for (i, s) in r.restart.iter().enumerate() {
            out.push_str(&format!("  {}. {s}\n", i + 1));
        }
    }
    out
}

/// `--status -o json|yaml` with the key too: the CAs' report and, under `serviceAccount`,
/// what `--ca sa --status` gives.
#[derive(serde::Serialize)]
struct WithSa<'a> {
    #[serde(flatten)]
    cas: &'a StatusReport,
    #[serde(rename = "serviceAccount")]
    service_account: &'a sa::Status,
}

/// `--status`: the phase per CA, which CA signed each leaf, and the trust matrix (then the
/// key's phase and tokens, with `sa`/`all`); exit 1 when a pair is broken.
fn status(
    a: &RotateArgs,
    kinds: &[CaKind],
    with_sa: bool,
    format: Format,
) -> anyhow::Result<ExitStatus> {
    let now = jiff::Timestamp::now();
    let report = rotate::status::status(&a.dir, kinds, now)?;
    let key = if with_sa {
        Some(sa::status(a, now)?)
    } else {
        None
    };
    let structured = match &key {
        Some(service_account) => output::structured(
            format,
            &WithSa {
                cas: &report,
                service_account,
            },
        )?,
        None => output::structured(format, &report)?,
    };
    match structured {
        Some(text) => super::emit(&text)?,
        None => {
            let mut out = phases_table(&report);
            out.push('\n');
            out.push_str(&leaves_table(&report));
            out.push('\n');
            out.push_str(&trust_table(&report));
            if let Some(key) = &key {
                out.push('\n');
                out.push_str(&sa::status_text(a, key));
            }
            super::emit(out)?;
        }
    }
    if report.broken > 0 {
        eprintln!(
            "kcred: rotate-ca --status: {} broken of {} trust pairs ({})",
            report.broken,
            report.trust.len(),
            sanitize(&a.dir.display().to_string())
        );
        return Ok(ExitStatus::CheckFailed);
    }
    Ok(ExitStatus::Success)
}

/// Each CA's phase and SKIs, then the files kube-controller-manager's CA flags take now.
fn phases_table(report: &StatusReport) -> String {
    let mut rows = vec![vec![
        "CA".to_string(),
        "PHASE".into(),
        "OLD SKI".into(),
        "NEW SKI".into(),
        "NEXT".into(),
    ]];
    for c in &report.cas {
        rows.push(vec![
            c.ca.name().into(),
            c.phase.name().into(),
            c.old_ski.clone(),
            c.new_ski.clone().unwrap_or_default(),
            c.next.clone(),
        ]);
    }
    let mut out = output::table(&rows);
    for c in &report.cas {
        if let Some(m) = &c.controller_manager {
            out.push_str(&format!(
                "\nkube-controller-manager now: --cluster-signing-cert-file={} \
                 --cluster-signing-key-file={} --client-ca-file={} --root-ca-file={}\n",
                m.cluster_signing_cert_file,
                m.cluster_signing_key_file,
                m.client_ca_file,
                m.root_ca_file
            ));
        }
    }
    out
}

/// Which CA (old, new or current) signed each leaf.
fn leaves_table(report: &StatusReport) -> String {
    let mut rows = vec![vec![
        "CA".to_string(),
        "LEAF".into(),
        "FILE".into(),
        "SIGNED BY".into(),
        "SIGNER SKI".into(),
    ]];
    for c in &report.cas {
        for l in &c.leaves {
            rows.push(vec![
                c.ca.name().into(),
                sanitize(&l.name),
                sanitize(&l.file),
                match (l.signed_by, c.phase) {
                    (rotate::Signer::Old, Phase::Stable) => "current".into(),
                    (rotate::Signer::Old, _) => "old".into(),
                    (rotate::Signer::New, _) => "new".into(),
                },
                l.signer_ski.clone(),
            ]);
        }
    }
    output::table(&rows)
}

/// The trust matrix, with the count of broken pairs.
fn trust_table(report: &StatusReport) -> String {
    let mut rows = vec![vec![
        "CLIENT".to_string(),
        "SERVER".into(),
        "CHECK".into(),
        "TRUSTED BY".into(),
        "RESULT".into(),
    ]];
    for r in &report.trust {
        rows.push(vec![
            sanitize(&r.client),
            sanitize(&r.server),
            r.check.to_string(),
            sanitize(&r.trusted_by),
            if r.problem.is_empty() {
                "ok".into()
            } else {
                format!("BROKEN: {}", sanitize(&r.problem))
            },
        ]);
    }
    let mut out = output::table(&rows);
    out.push_str(&format!(
        "{} broken of {} trust pairs\n",
        report.broken,
        report.trust.len()
    ));
    out
}
