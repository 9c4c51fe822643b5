//! `kcred rotate-ca`: the phased CA rotation of the Kubernetes docs page "Manual Rotation of
//! CA Certificates" on kubeadm's layout. The domain lives in `kcred::rotate`; this is the
//! command line. Implemented so far: `--begin` and `--status` for the x509 CAs.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use jiff::SignedDuration;
use kcred::keys::KeyType;
use kcred::rotate::{self, CaKind, Phase};

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
    /// Which CA: ca, front-proxy-ca, etcd-ca, sa, all; repeatable.
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
    /// At --finish keep the old key (0600) under NAME.old.key.
    #[arg(long)]
    keep_old: bool,
    /// At --finish of sa: drop the old key even if token files in DIR verify only with it.
    #[arg(long)]
    force: bool,
    /// Output: table, json or yaml.
    #[arg(short = 'o', long, value_name = "FMT", default_value = "table")]
    output: String,
}

fn kinds(a: &RotateArgs) -> Vec<CaKind> {
    let mut v = Vec::new();
    for c in &a.cas {
        match c {
            CaArg::Ca => v.push(CaKind::Ca),
            CaArg::FrontProxyCa => v.push(CaKind::FrontProxyCa),
            CaArg::EtcdCa => v.push(CaKind::EtcdCa),
            CaArg::All => v.extend(CaKind::ALL),
            CaArg::Sa => {}
        }
    }
    v.sort();
    v.dedup();
    v
}

pub fn run(a: RotateArgs) -> anyhow::Result<ExitStatus> {
    if a.cas.contains(&CaArg::Sa) && !a.cas.contains(&CaArg::All) {
        if a.cas.iter().all(|c| *c == CaArg::Sa) {
            return sa::run(&a);
        }
        return Err(kcred::Error::Refused(
            "rotate-ca --ca sa: rotate the ServiceAccount key on its own (--ca sa alone), then the CAs".into(),
        )
        .into());
    }
    if a.resign || a.finish {
        return Err(kcred::Error::Refused(
            "rotate-ca --resign/--finish: not supported yet; run `kcred renew` with the new CA by hand".into(),
        )
        .into());
    }
    if a.output != "table" {
        return Err(kcred::Error::Refused(format!(
            "rotate-ca -o {}: not supported yet (table only)",
            a.output
        ))
        .into());
    }
    if a.cas.contains(&CaArg::All) {
        eprintln!("kcred: rotate-ca: sa is not rotated yet (not supported); x509 CAs only");
    }
    let kinds = kinds(&a);
    if a.status {
        for k in &kinds {
            let s = rotate::detect(&a.dir, *k)?;
            let phase = match (s.phase, s.bundle_written) {
                (Phase::Stable, _) => "stable",
                (Phase::Begun, true) => "begun (next: --resign)",
                (Phase::Begun, false) => "begin interrupted (next: --begin again)",
            };
            println!("{:<16} {phase}", k.name());
        }
        return Ok(ExitStatus::Success);
    }
    let opts = rotate::begin::Options {
        key_type: a.key_type.unwrap_or(KeyType::Rsa2048),
        validity: a.validity,
        dry_run: a.dry_run,
    };
    // Check every CA first so a bad one stops the run before anything is written.
    for k in &kinds {
        rotate::detect(&a.dir, *k)?;
    }
    for k in &kinds {
        for f in rotate::begin::begin(&a.dir, *k, &opts)? {
            let verb = if a.dry_run { "would write" } else { "wrote" };
            println!("{verb} {}", f.display());
        }
    }
    // The order of the docs page "Manual Rotation of CA Certificates": the controller
    // manager first (--root-ca-file = the bundle), then in-cluster clients, then the API
    // servers, scheduler and kubelets.
    println!(
        "next, in order: point kube-controller-manager's --cluster-signing-cert-file and \
         --client-ca-file at pki/ca.old.crt (they cannot be bundles; keep \
         --cluster-signing-key-file pki/ca.key) and --root-ca-file at pki/ca.crt, restart it; \
         restart pods using in-cluster config (kube-proxy, CoreDNS); restart kube-apiserver, \
         kube-scheduler, etcd, then every kubelet"
    );
    Ok(ExitStatus::Success)
}
