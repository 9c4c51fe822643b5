//! `kcred check` and `kcred renew`.

use std::path::PathBuf;

use clap::Args;
use jiff::{SignedDuration, Timestamp};
use kcred::audit::{self, CheckReport, CheckRow};
use kcred::output::{self, sanitize};

use super::args::{OutputArg, parse_duration};
use crate::exit_codes::ExitStatus;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A kubeadm, hard-way or kcred PKI directory.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Flag certificates expiring within this span.
    #[arg(long, value_name = "D", default_value = "30d", value_parser = parse_duration)]
    expiring_within: SignedDuration,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    /// A kubeadm, hard-way or kcred PKI directory.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Renew every leaf certificate (CAs are never renewed).
    #[arg(long, conflicts_with = "names", required_unless_present = "names")]
    all: bool,
    /// Names as `kcred check` shows them (apiserver, admin.conf, etcd-server, …).
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// New lifetime (never beyond the CA's).
    #[arg(long, value_name = "D", default_value = "1y", value_parser = parse_duration)]
    validity: SignedDuration,
    #[command(flatten)]
    output: OutputArg,
}

pub fn check(a: CheckArgs) -> anyhow::Result<ExitStatus> {
    let inv = audit::inventory(&a.dir)?;
    let report = audit::check(&inv, a.expiring_within, Timestamp::now());
    match output::structured(a.output.format, &report)? {
        Some(text) => super::emit(&text)?,
        None => super::emit(table(&report))?,
    }
    // A file that could not be read is also said on stderr, one line each, so that a script
    // reading only the JSON (or only the exit code) still has the reason in its log.
    for (file, why) in report.unreadable.iter().take(3) {
        if why.contains(file.as_str()) {
            eprintln!("kcred: {}", sanitize(why));
        } else {
            eprintln!("kcred: {}: {}", sanitize(file), sanitize(why));
        }
    }
    if report.unreadable.len() > 3 {
        eprintln!(
            "kcred: and {} more unreadable files (see PROBLEMS)",
            report.unreadable.len() - 3
        );
    }
    Ok(if report.has_problems() {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}

/// kubeadm's `check-expiration` tables with a PROBLEMS column.
fn table(r: &CheckReport) -> String {
    let expires = |row: &CheckRow| {
        row.expiration_date
            .map(|t| t.strftime("%b %d, %Y %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let residual = |row: &CheckRow| match row.expiration_date {
        Some(_) => kcred::duration::short_human(SignedDuration::from_secs(row.residual_time)),
        None => String::new(),
    };
    // kubeadm's `certs check-expiration` shows a missing one as `!MISSING! NAME`.
    let name = |row: &CheckRow| {
        if row.missing {
            format!("!MISSING! {}", sanitize(&row.name))
        } else {
            sanitize(&row.name)
        }
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let problems = |row: &CheckRow| sanitize(&row.problems.join("; "));
    let mut certs = vec![vec![
        "CERTIFICATE".to_string(),
        "EXPIRES".into(),
        "RESIDUAL TIME".into(),
        "CERTIFICATE AUTHORITY".into(),
        "PROBLEMS".into(),
    ]];
    for row in &r.certificates {
        certs.push(vec![
            name(row),
            expires(row),
            residual(row),
            sanitize(&row.ca_name),
            problems(row),
        ]);
    }
    let mut cas = vec![vec![
        "CERTIFICATE AUTHORITY".to_string(),
        "EXPIRES".into(),
        "RESIDUAL TIME".into(),
        "EXTERNALLY MANAGED".into(),
        "PROBLEMS".into(),
    ]];
    for row in &r.certificate_authorities {
        cas.push(vec![
            name(row),
            expires(row),
            residual(row),
            yes_no(row.externally_managed),
            problems(row),
        ]);
    }
    let mut out = output::table(&certs);
    out.push('\n');
    out.push_str(&output::table(&cas));
    out
}

pub fn renew(a: RenewArgs) -> anyhow::Result<ExitStatus> {
    let inv = audit::inventory(&a.dir)?;
    let names = (!a.all).then_some(a.names.as_slice());
    let outcome = audit::renew(&inv, names, a.validity)?;
    for (name, why) in &outcome.skipped {
        eprintln!("kcred: {} not renewed: {}", sanitize(name), sanitize(why));
    }
    let done = outcome.renewed;
    if let Some(text) = output::structured(a.output.format, &done)? {
        super::emit(&text)?;
        return Ok(ExitStatus::Success);
    }
    for r in &done {
        super::emit(format!(
            "{} renewed (expires {}): {}\n",
            sanitize(&r.name),
            r.expires.strftime("%Y-%m-%d"),
            sanitize(&r.files.join(", "))
        ))?;
    }
    if a.all {
        super::emit(
            "\nDone renewing certificates. CAs are not renewed by kcred renew. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.\n",
        )?;
    }
    Ok(ExitStatus::Success)
}
