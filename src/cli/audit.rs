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
    /// A kubeadm, hard-way or kcred PKI directory (kubeadm's --cert-dir is accepted).
    #[arg(long, value_name = "DIR", alias = "cert-dir")]
    dir: PathBuf,
    /// Flag certificates expiring within this span.
    #[arg(long, value_name = "D", default_value = "30d", value_parser = parse_duration)]
    expiring_within: SignedDuration,
    /// Print only the certificates with problems and the summary (table output).
    #[arg(short, long)]
    quiet: bool,
    /// Print the trust matrix instead: every client credential against the server it talks
    /// to, both ways (client certificate vs the server's client CA, server certificate vs the
    /// client's CA for the host it dials); a broken pair exits 1.
    #[arg(long)]
    trust: bool,
    /// The cluster's service CIDR (kube-apiserver's --service-cluster-ip-range): the API
    /// server certificate must hold its first IP, which pods dial as KUBERNETES_SERVICE_HOST.
    /// Not checked without it.
    #[arg(long, value_name = "CIDR", conflicts_with = "trust")]
    service_cidr: Option<String>,
    /// The cluster's DNS domain: the API server certificate must hold
    /// kubernetes.default.svc.DOMAIN. Not checked without it.
    #[arg(long, value_name = "DOMAIN", conflicts_with = "trust")]
    service_dns_domain: Option<String>,
    #[command(flatten)]
    output: OutputArg,
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    /// A kubeadm, hard-way or kcred PKI directory (kubeadm's --cert-dir is accepted).
    #[arg(long, value_name = "DIR", alias = "cert-dir")]
    dir: PathBuf,
    /// Renew every leaf certificate (CAs are never renewed); kubeadm's `renew all` also works.
    #[arg(long, conflicts_with = "names", required_unless_present_any = ["names", "expiring_within"])]
    all: bool,
    /// Names as `kcred check` shows them (apiserver, admin.conf, etcd-server, …), or `all`.
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// Renew only the certificates (named, or all) that expire within this span.
    #[arg(long, value_name = "D", value_parser = parse_duration)]
    expiring_within: Option<SignedDuration>,
    /// Sign with CA NAME's key in a PKCS#11 token (NAME=pkcs11:token=..;object=..;
    /// repeatable), for CAs with no key file (kubeadm's external-CA layout, as
    /// `bootstrap --ca-key-uri` leaves it).
    #[arg(long, value_name = "NAME=URI")]
    ca_key_uri: Vec<String>,
    /// Print what would be renewed; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print only problems and the summary.
    #[arg(short, long)]
    quiet: bool,
    /// New lifetime (never beyond the CA's).
    #[arg(long, value_name = "D", default_value = "1y", value_parser = parse_duration)]
    validity: SignedDuration,
    #[command(flatten)]
    output: OutputArg,
}

pub fn check(a: CheckArgs) -> anyhow::Result<ExitStatus> {
    if a.trust {
        return trust(&a);
    }
    let in_cluster = audit::InCluster {
        service_ip: a
            .service_cidr
            .as_deref()
            .map(kcred::plan::first_service_ip)
            .transpose()
            .map_err(|e| kcred::Error::Usage(format!("--service-cidr: {e}")))?,
        dns_domain: a.service_dns_domain.clone(),
    };
    let inv = audit::inventory(&a.dir)?;
    let report = audit::check(&inv, a.expiring_within, Timestamp::now(), &in_cluster);
    match output::structured(a.output.format, &report)? {
        Some(text) => super::emit(&text)?,
        None => super::emit(table(&report, a.quiet))?,
    }
    // What was not checked is said in every mode; -q keeps stdout to the problem rows and
    // the summary line that scripts read, so there it goes to stderr.
    if a.quiet && a.output.format == output::Format::Table {
        for note in &report.notes {
            eprintln!("kcred: note: {}", sanitize(note));
        }
    }
    let rows = || {
        report
            .certificates
            .iter()
            .chain(&report.certificate_authorities)
    };
    let troubled = rows().filter(|r| !r.problems.is_empty()).count();
    let files: std::collections::BTreeSet<&str> = rows()
        .map(|r| r.file.as_str())
        .chain(report.unreadable.keys().map(String::as_str))
        .collect();
    let summary = format!(
        "{} in {} files ({})",
        super::bootstrap::problems(troubled.max(report.unreadable.len())),
        files.len(),
        sanitize(&a.dir.display().to_string())
    );
    if report.has_problems() {
        // One line a script's log keeps, whatever stdout was sent to. A file that could not
        // be read is named in it, so that a script reading only the JSON (or only the exit
        // code) still has the reason in its log; more such files get a line each (three at
        // most).
        let mut unreadable = report.unreadable.iter().map(|(file, why)| {
            if why.contains(file.as_str()) {
                sanitize(why)
            } else {
                format!("{}: {}", sanitize(file), sanitize(why))
            }
        });
        match unreadable.next() {
            Some(first) => eprintln!("kcred: check: {summary}: {first}"),
            None => eprintln!("kcred: check: {summary}"),
        }
        for line in unreadable.by_ref().take(2) {
            eprintln!("kcred: {line}");
        }
        if report.unreadable.len() > 3 {
            eprintln!(
                "kcred: and {} more unreadable files (see PROBLEMS)",
                report.unreadable.len() - 3
            );
        }
    } else if a.quiet && a.output.format == output::Format::Table {
        super::emit(format!("{summary}\n"))?;
    }
    Ok(if report.has_problems() {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}

/// kubeadm's `check-expiration` tables with a PROBLEMS column.
fn table(r: &CheckReport, quiet: bool) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let mut certs = vec![vec![
        "CERTIFICATE".to_string(),
        "EXPIRES".into(),
        "RESIDUAL TIME".into(),
        "CERTIFICATE AUTHORITY".into(),
        "PROBLEMS".into(),
    ]];
    let shown = |row: &&CheckRow| !quiet || !row.problems.is_empty();
    for row in r.certificates.iter().filter(shown) {
        certs.push(vec![
            row_name(row),
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
    for row in r.certificate_authorities.iter().filter(shown) {
        cas.push(vec![
            row_name(row),
            expires(row),
            residual(row),
            yes_no(row.externally_managed),
            problems(row),
        ]);
    }
    with_file(&mut certs, &r.certificates, quiet);
    with_file(&mut cas, &r.certificate_authorities, quiet);
    if quiet {
        // Only the tables that have a row to show.
        let mut out = String::new();
        for t in [&certs, &cas].into_iter().filter(|t| t.len() > 1) {
            out.push_str(&output::table(t));
            out.push('\n');
        }
        return out;
    }
    let mut out = output::table(&certs);
    out.push('\n');
    out.push_str(&output::table(&cas));
    for note in &r.notes {
        out.push_str(&format!("\nnote: {}\n", sanitize(note)));
    }
    out
}

/// The EXPIRES column, in kubeadm's layout.
fn expires(row: &CheckRow) -> String {
    row.expiration_date
        .map(|t| t.strftime("%b %d, %Y %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The RESIDUAL TIME column.
fn residual(row: &CheckRow) -> String {
    match row.expiration_date {
        Some(_) => kcred::duration::short_human(SignedDuration::from_secs(row.residual_time)),
        None => String::new(),
    }
}

/// The name column: kubeadm's `certs check-expiration` shows a missing one as
/// `!MISSING! NAME`.
fn row_name(row: &CheckRow) -> String {
    if row.missing {
        format!("!MISSING! {}", sanitize(&row.name))
    } else {
        sanitize(&row.name)
    }
}

/// The PROBLEMS column.
fn problems(row: &CheckRow) -> String {
    sanitize(&row.problems.join("; "))
}

/// Where one name stands for several files (the hard-way's admin.crt and admin.kubeconfig),
/// a FILE column after the name tells the rows of `table` (those of `rows` shown) apart.
fn with_file(table: &mut [Vec<String>], rows: &[CheckRow], quiet: bool) {
    let mut names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    if !names.windows(2).any(|w| w[0] == w[1]) {
        return;
    }
    let shown_rows = rows.iter().filter(|row| !quiet || !row.problems.is_empty());
    table[0].insert(1, "FILE".into());
    for (line, row) in table.iter_mut().skip(1).zip(shown_rows) {
        line.insert(1, sanitize(&row.file));
    }
}

pub fn renew(a: RenewArgs) -> anyhow::Result<ExitStatus> {
    let inv = audit::inventory(&a.dir)?;
    // kubeadm's `kubeadm certs renew all`.
    let all = a.all || a.names.is_empty() || (a.names.len() == 1 && a.names[0] == "all");
    if a.names.len() > 1 && a.names.iter().any(|n| n == "all") {
        return Err(kcred::Error::Usage("`all` renews every leaf: give it alone".into()).into());
    }
    let names = (!all).then_some(a.names.as_slice());
    let opts = kcred::renew::Options {
        validity: a.validity,
        expiring_within: a.expiring_within,
        dry_run: a.dry_run,
        ca_key_uris: super::bootstrap::ca_key_uris(&a.ca_key_uri)?,
    };
    let outcome = match kcred::renew::renew_with(&inv, names, &opts) {
        Ok(o) => o,
        // The library names no flags: the hint that the key may be given from a token is
        // the CLI's.
        Err(kcred::Error::Input { path, problem })
            if problem.contains(kcred::renew::EXTERNALLY_MANAGED) =>
        {
            return Err(kcred::Error::Input {
                path,
                problem: format!(
                    "{problem} (or, if its key is in a PKCS#11 token, give it with --ca-key-uri NAME=pkcs11:...)"
                ),
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    for (name, why) in &outcome.skipped {
        // Not due is no problem: said only when not quiet.
        if a.quiet && why.contains(", not within ") {
            continue;
        }
        eprintln!("kcred: {} not renewed: {}", sanitize(name), sanitize(why));
    }
    let done = outcome.renewed;
    if let Some(text) = output::structured(a.output.format, &done)? {
        super::emit(&text)?;
        return Ok(ExitStatus::Success);
    }
    let would = if a.dry_run {
        "would be renewed"
    } else {
        "renewed"
    };
    if !a.quiet {
        for r in &done {
            super::emit(format!(
                "{} {would} (expires {}): {}\n",
                sanitize(&r.name),
                r.expires.strftime("%Y-%m-%d"),
                sanitize(&r.files.join(", "))
            ))?;
        }
    }
    if a.quiet || a.dry_run {
        super::emit(format!(
            "{} certificate{} {would} in {}{}\n",
            done.len(),
            if done.len() == 1 { "" } else { "s" },
            sanitize(&a.dir.display().to_string()),
            if a.dry_run {
                " — dry run, nothing written"
            } else {
                ""
            }
        ))?;
    }
    if all && !a.dry_run && !done.is_empty() {
        super::emit(format!("\n{}\n", advice(&inv, &done)))?;
    }
    Ok(ExitStatus::Success)
}

/// What to restart, for the layout renewed: kubeadm's closing words (`kubeadm certs renew`,
/// `cmd/kubeadm/app/cmd/certs.go`) name etcd only where its certificates are kcred's to
/// renew (a local etcd, `pki/etcd/`); Kubernetes The Hard Way runs etcd without TLS and
/// kubelets and kube-proxy with the kubeconfigs renewed here.
fn advice(inv: &audit::Inventory, done: &[kcred::renew::Renewed]) -> String {
    let etcd = done
        .iter()
        .any(|r| r.name.starts_with("etcd-") || r.name == "apiserver-etcd-client");
    let who = match inv.layout {
        Some("kubeadm") if etcd => {
            "the kube-apiserver, kube-controller-manager, kube-scheduler and etcd".to_string()
        }
        Some("kubeadm") => "the kube-apiserver, kube-controller-manager and kube-scheduler".into(),
        Some("hard-way") => {
            "the kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy and the kubelets".into()
        }
        _ => "every component that reads them".into(),
    };
    format!(
        "Done renewing certificates. CAs are not renewed by kcred renew. You must restart {who}, so that they can use the new certificates."
    )
}

/// `check --trust`: the trust matrix, one row per pair and direction.
fn trust(a: &CheckArgs) -> anyhow::Result<ExitStatus> {
    let report = audit::trust(&a.dir, Timestamp::now())?;
    let broken = report.broken().count();
    match output::structured(a.output.format, &report.pairs)? {
        Some(text) => super::emit(&text)?,
        None if a.quiet && broken == 0 => {}
        None => {
            let mut rows = vec![vec![
                "CLIENT".to_string(),
                "SERVER".into(),
                "CHECK".into(),
                "CERTIFICATE".into(),
                "TRUSTED BY".into(),
                "HOST".into(),
                "RESULT".into(),
            ]];
            for r in report
                .pairs
                .iter()
                .filter(|r| !a.quiet || !r.problem.is_empty())
            {
                rows.push(vec![
                    sanitize(&r.client),
                    sanitize(&r.server),
                    r.check.to_string(),
                    sanitize(&r.presented),
                    sanitize(&r.trusted_by),
                    sanitize(r.host.as_deref().unwrap_or("")),
                    if r.problem.is_empty() {
                        "ok".into()
                    } else {
                        format!("BROKEN: {}", sanitize(&r.problem))
                    },
                ]);
            }
            super::emit(output::table(&rows))?;
        }
    }
    let summary = format!(
        "{broken} broken of {} trust pairs ({})",
        report.pairs.len(),
        sanitize(&a.dir.display().to_string())
    );
    if broken > 0 {
        eprintln!("kcred: check --trust: {summary}");
        Ok(ExitStatus::CheckFailed)
    } else {
        if a.output.format == output::Format::Table {
            super::emit(format!("{summary}\n"))?;
        }
        Ok(ExitStatus::Success)
    }
}
