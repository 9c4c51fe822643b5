//! `kcred ca create`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use jiff::SignedDuration;
use kcred::fsio::{self, Output};
use kcred::keys::{KeyFormat, KeyType, PrivateKey};
use kcred::pki::{self, CertSpec};

use super::args::{parse_duration, with_ext};
use crate::exit_codes::ExitStatus;

#[derive(Debug, Subcommand)]
pub enum CaCommand {
    /// Make a CA: PREFIX.crt and PREFIX.key (kubeadm's defaults: CN kubernetes, RSA-2048, 10 years).
    Create(CreateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Write PREFIX.crt and PREFIX.key (parent directories are created 0700).
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// Subject CN.
    #[arg(long, value_name = "CN", default_value = "kubernetes")]
    cn: String,
    /// Key type: rsa2048, rsa3072, rsa4096, ecdsa-p256, ecdsa-p384, ed25519.
    #[arg(long, value_name = "T", default_value = "rsa2048")]
    key_type: KeyType,
    /// Private key encoding: pkcs1, sec1 or pkcs8 (default: as kubeadm writes the type).
    #[arg(long, value_name = "pkcs1|sec1|pkcs8")]
    key_format: Option<KeyFormat>,
    /// Lifetime (Go style 87600h, or 3650d, 10y).
    #[arg(long, value_name = "D", default_value = "10y", value_parser = parse_duration)]
    validity: SignedDuration,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

pub fn run(cmd: CaCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        CaCommand::Create(a) => create(a),
    }
}

fn create(a: CreateArgs) -> anyhow::Result<ExitStatus> {
    let crt = with_ext(&a.out, "crt");
    let key_path = with_ext(&a.out, "key");
    // Refuse before the (slow) key generation, and again atomically when writing.
    fsio::check_writable(&[&crt, &key_path], a.force)?;
    let format = super::args::KeyArgs {
        key_type: a.key_type,
        key_format: a.key_format,
        key: None,
    }
    .format_for(a.key_type)?;
    if a.cn.is_empty() {
        return Err(kcred::Error::Usage("--cn must not be empty".into()).into());
    }
    let key = PrivateKey::generate(a.key_type)?;
    let mut spec = CertSpec::ca(a.cn.clone());
    spec.validity = a.validity;
    let cert = pki::self_signed(&spec, &key)?;
    let key_pem = key.to_pem(format)?;
    fsio::write_all(
        &[
            Output::secret(&key_path, key_pem.as_bytes().to_vec()),
            Output::public(&crt, cert.pem().into_bytes()),
        ],
        a.force,
    )?;
    eprintln!(
        "created CA {:?} ({}): {} {}",
        a.cn,
        a.key_type,
        crt.display(),
        key_path.display()
    );
    Ok(ExitStatus::Success)
}
