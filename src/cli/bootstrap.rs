//! `kcred bootstrap`: a scratch cluster's whole PKI from a plan.

use std::io::IsTerminal as _;
use std::net::IpAddr;
use std::path::PathBuf;

use clap::Args;
use kcred::bootstrap::{self, Options, Report};
use kcred::keys::KeyType;
use kcred::output::{self, names, quoted, sanitize};
use kcred::pki::San;
use kcred::plan::{self, Params, Plan};

use super::args::OutputArg;
use crate::exit_codes::ExitStatus;

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// Output directory (created 0700).
    #[arg(long, value_name = "DIR", required_unless_present = "print_plan", value_parser = super::args::parse_out_dir)]
    dir: Option<PathBuf>,
    /// Print an embedded plan (YAML, the format --plan reads) to stdout and exit: the start
    /// of a plan of your own.
    #[arg(long, value_name = "kubeadm|hard-way", exclusive = true, value_parser = super::values::layout())]
    print_plan: Option<String>,
    /// Embedded plan: kubeadm (/etc/kubernetes layout) or hard-way (Kubernetes The Hard Way).
    #[arg(
        long,
        value_name = "kubeadm|hard-way",
        default_value = "kubeadm",
        conflicts_with = "plan",
        value_parser = super::values::layout()
    )]
    layout: String,
    /// A plan file instead of an embedded layout (see templates/plans/).
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// A node name; repeatable. The first is the control-plane node unless --control-plane
    /// names it. Default: node-1.
    #[arg(long = "node", value_name = "NAME")]
    nodes: Vec<String>,
    /// The control-plane host, named apart from the --node list (Kubernetes The Hard Way's
    /// `server`). Default: the first --node.
    #[arg(long, value_name = "NAME")]
    control_plane: Option<String>,
    /// The API server endpoint HOST[:PORT] (default: the control-plane host, port 6443; in
    /// the hard-way layout CONTROL_PLANE.kubernetes.local:6443, as KTHW's kubeconfigs).
    #[arg(long, value_name = "HOST[:PORT]")]
    control_plane_endpoint: Option<String>,
    /// The API server's advertise address (a SAN of apiserver and etcd).
    #[arg(long, value_name = "IP")]
    apiserver_advertise_address: Option<IpAddr>,
    /// Extra API server SANs (DNS names or IPs), comma-separated.
    #[arg(long, value_name = "S,...", value_delimiter = ',')]
    apiserver_cert_extra_sans: Vec<String>,
    /// Service CIDR; its first IP is an API server SAN. Default: the layout's, 10.96.0.0/12
    /// (kubeadm) or 10.32.0.0/24 (hard-way).
    #[arg(long, value_name = "CIDR")]
    service_cidr: Option<String>,
    /// Cluster DNS domain.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local")]
    service_dns_domain: String,
    /// Cluster name in kubeconfigs.
    #[arg(long, value_name = "NAME", default_value = "kubernetes")]
    cluster_name: String,
    /// Type of every new key (rsa2048, rsa3072, rsa4096, ecdsa-p256, ecdsa-p384, ed25519).
    #[arg(long, value_name = "T", default_value = "rsa2048", value_parser = super::values::key_type())]
    key_type: KeyType,
    /// Keep CA NAME's key in a PKCS#11 token (NAME=pkcs11:token=..;object=..; repeatable):
    /// made there unless the object exists, and no key file is written (kubeadm's
    /// external-CA layout).
    #[arg(long, value_name = "NAME=URI")]
    ca_key_uri: Vec<String>,
    /// Print what would be done; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Re-issue certificates that no longer fit the plan (existing keys are still kept).
    #[arg(long)]
    force: bool,
    /// Print only the files that need attention and the summary (table output).
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    output: OutputArg,
}

/// `--ca-key-uri NAME=pkcs11:...` values (bootstrap and renew), by CA name.
pub(super) fn ca_key_uris(
    values: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, String>> {
    values
        .iter()
        .map(|nv| match nv.split_once('=') {
            Some((n, v)) if !n.is_empty() && v.starts_with("pkcs11:") => {
                Ok((n.to_string(), v.to_string()))
            }
            _ => Err(usage(format!(
                "--ca-key-uri wants NAME=pkcs11:..., got {:?}",
                nv.split_once('=').map_or(nv.as_str(), |(n, _)| n)
            ))),
        })
        .collect()
}

fn usage(msg: String) -> anyhow::Error {
    kcred::Error::Usage(msg).into()
}

/// Split `HOST[:PORT]` (IPv6 in brackets).
fn endpoint(text: &str) -> anyhow::Result<(String, u16)> {
    let bad = || {
        usage(format!(
            "--control-plane-endpoint {text:?} is not HOST[:PORT]"
        ))
    };
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or_else(bad)?;
        match after.strip_prefix(':') {
            Some(p) => (h.to_string(), p.parse().map_err(|_| bad())?),
            None if after.is_empty() => (h.to_string(), 6443),
            None => return Err(bad()),
        }
    } else if text.matches(':').count() == 1 {
        let (h, p) = text.split_once(':').ok_or_else(bad)?;
        (h.to_string(), p.parse().map_err(|_| bad())?)
    } else {
        (text.to_string(), 6443)
    };
    if host.is_empty() {
        return Err(bad());
    }
    // The host is one of the API server certificate's SANs.
    host.parse::<San>()
        .map_err(|m| usage(format!("--control-plane-endpoint: host {m}")))?;
    Ok((host, port))
}

pub fn run(a: BootstrapArgs) -> anyhow::Result<ExitStatus> {
    if let Some(layout) = &a.print_plan {
        return print_plan(layout);
    }
    let Some(dir) = a.dir.clone() else {
        return Err(usage("--dir is required".into()));
    };
    let plan = match &a.plan {
        Some(path) => Plan::load(path)?,
        None => Plan::embedded(&a.layout)?,
    };
    // The flags are checked in `params`: a SAN the expansion still refuses comes from the
    // plan, which a message then names.
    let creds = plan
        .expand(&params(&a, &plan)?)
        .map_err(|e| match (&a.plan, e) {
            (Some(path), kcred::Error::Usage(m)) => {
                kcred::Error::Usage(format!("{}: {m}", kcred::fsio::display(path)))
            }
            (_, e) => e,
        })?;
    let opts = Options {
        dir,
        key_type: a.key_type,
        force: a.force,
        dry_run: a.dry_run,
        cluster: a.cluster_name.clone(),
        ca_key_uris: ca_key_uris(&a.ca_key_uri)?,
    };
    let show_progress = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let progress = move |done: usize, total: usize| {
        if show_progress {
            eprint!("\rgenerating keys {done}/{total}");
            if done == total {
                eprint!("\r\x1b[K");
            }
        }
    };
    let report = bootstrap::apply(&plan.layout, &creds, &opts, &progress)?;
    match output::structured(a.output.format, &report)? {
        Some(text) => super::emit(&text)?,
        None => super::emit(table(&report, a.quiet))?,
    }
    if report.has_problems() {
        say_problems(&report, a.force);
    }
    Ok(if report.has_problems() {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}

/// The cluster's facts the plan is expanded with, from the flags and the plan's defaults
/// (the first node is the control plane; the endpoint defaults per layout).
fn params(a: &BootstrapArgs, plan: &Plan) -> anyhow::Result<Params> {
    let nodes = if a.nodes.is_empty() {
        vec!["node-1".to_string()]
    } else {
        a.nodes.clone()
    };
    for n in &nodes {
        super::args::validate_node_name(n)?;
    }
    let control_plane = match &a.control_plane {
        Some(cp) => {
            super::args::validate_node_name(cp)?;
            cp.clone()
        }
        None => nodes[0].clone(),
    };
    let (endpoint_host, endpoint_port) = match &a.control_plane_endpoint {
        Some(e) => endpoint(e)?,
        None => (plan.default_endpoint_host(&control_plane), 6443),
    };
    let service_ip = match &a.service_cidr {
        Some(cidr) => {
            plan::first_service_ip(cidr).map_err(|e| usage(format!("--service-cidr: {e}")))?
        }
        // The plan's own CIDR was checked when it was read.
        None => plan::first_service_ip(plan.default_service_cidr()).map_err(usage)?,
    };
    let extra_sans: Vec<String> = a
        .apiserver_cert_extra_sans
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for s in &extra_sans {
        s.parse::<San>()
            .map_err(|m| usage(format!("--apiserver-cert-extra-sans: {m}")))?;
    }
    // The API server's SANs hold kubernetes.default.svc.DOMAIN (kubeadm's
    // `GetAPIServerAltNames`), so the domain must be a DNS name.
    let service_name = format!("kubernetes.default.svc.{}", a.service_dns_domain);
    if !matches!(service_name.parse::<San>(), Ok(San::Dns(_))) {
        return Err(usage(format!(
            "--service-dns-domain {} is not a valid DNS domain",
            quoted(&a.service_dns_domain)
        )));
    }
    Ok(Params {
        nodes,
        control_plane,
        endpoint_host,
        endpoint_port,
        advertise_address: a.apiserver_advertise_address,
        extra_sans,
        service_ip,
        dns_domain: a.service_dns_domain.clone(),
        cluster: a.cluster_name.clone(),
    })
}

/// One line a script's log keeps, whatever stdout was sent to; the way out, when --force is
/// it (the library's notes name no flags).
fn say_problems(report: &Report, force: bool) {
    let forceable = report
        .files
        .iter()
        .any(|f| f.action == bootstrap::Action::Mismatch);
    eprintln!(
        "kcred: bootstrap: {} in {} files ({}){}",
        problems(report.summary.problems),
        report.files.len(),
        sanitize(&report.dir),
        if forceable && !force {
            "; --force re-issues mismatched certificates with their keys and re-keys certificates without one"
        } else {
            ""
        }
    );
}

/// `--print-plan LAYOUT`: the embedded template, byte for byte, so that what `--plan FILE`
/// reads back is exactly what `--layout LAYOUT` uses.
fn print_plan(layout: &str) -> anyhow::Result<ExitStatus> {
    let Some((_, text)) = plan::EMBEDDED.iter().find(|(n, _)| *n == layout) else {
        let names: Vec<&str> = plan::EMBEDDED.iter().map(|(n, _)| *n).collect();
        return Err(usage(format!(
            "--print-plan {layout:?}: no such embedded plan (expected {})",
            names.join(" or ")
        )));
    };
    super::emit(text)?;
    Ok(ExitStatus::Success)
}

/// `1 problem`, `2 problems`.
pub(super) fn problems(n: usize) -> String {
    format!("{n} problem{}", if n == 1 { "" } else { "s" })
}

fn table(r: &Report, quiet: bool) -> String {
    let mut rows = vec![vec![
        "FILE".to_string(),
        "ACTION".into(),
        "USER".into(),
        "GROUPS".into(),
        "EXPIRES".into(),
        "NOTE".into(),
    ]];
    for f in r.files.iter().filter(|f| !quiet || f.action.is_problem()) {
        let action = serde_json::to_value(f.action)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        rows.push(vec![
            f.file.clone(),
            if r.dry_run {
                format!("{action} (dry run)")
            } else {
                action
            },
            sanitize(&f.user),
            if f.groups.is_empty() {
                String::new()
            } else {
                names(&f.groups)
            },
            f.expires
                .map(|t| t.strftime("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            sanitize(f.note.as_deref().unwrap_or("")),
        ]);
    }
    let mut out = if rows.len() > 1 {
        output::table(&rows) + "\n"
    } else {
        String::new()
    };
    let count = |a: bootstrap::Action| r.files.iter().filter(|f| f.action == a).count();
    use bootstrap::Action::*;
    out.push_str(&format!(
        "{} files in {} ({} layout): {} created, {} kept, {} issued, {} restored, {} re-issued, {} mismatched, {} errors{}\n",
        r.files.len(),
        r.dir,
        r.layout,
        count(Created),
        count(Kept),
        count(Issued),
        count(Restored),
        count(Reissued),
        count(Mismatch),
        count(Error),
        if r.dry_run { " — dry run, nothing written" } else { "" }
    ));
    out
}
