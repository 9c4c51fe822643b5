//! `kcred ca create`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use jiff::{SignedDuration, Timestamp};
use kcred::bootstrap::fit;
use kcred::fsio::{self, Output};
use kcred::keys::{KeyFormat, KeyType, PrivateKey};
use kcred::pki::{self, CertSpec};

use super::args::{parse_duration, with_ext};
use crate::exit_codes::ExitStatus;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum CaCommand {
    /// Make a CA: PREFIX.crt and PREFIX.key (kubeadm's defaults: CN kubernetes, RSA-2048, 10 years).
    Create(CreateArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Write PREFIX.crt and PREFIX.key (parent directories are created 0700).
    #[arg(long, value_name = "PREFIX", value_parser = super::args::parse_out_prefix)]
    out: super::args::Prefix,
    /// Subject CN.
    #[arg(long, value_name = "CN", default_value = "kubernetes")]
    cn: String,
    /// Key type: rsa2048, rsa3072, rsa4096, ecdsa-p256, ecdsa-p384, ed25519.
    #[arg(long, value_name = "T", default_value = "rsa2048", value_parser = super::values::key_type())]
    key_type: KeyType,
    /// Private key encoding: pkcs1, sec1 or pkcs8 (default: as kubeadm writes the type).
    #[arg(long, value_name = "pkcs1|sec1|pkcs8", value_parser = super::values::key_format())]
    #[cfg_attr(feature = "pkcs11", arg(conflicts_with = "key"))]
    key_format: Option<KeyFormat>,
    /// Keep the key in a PKCS#11 token: an RFC 7512 URI (pkcs11:token=..;object=..). The key
    /// pair is generated there (not extractable) unless the object exists, which is then
    /// certified; PREFIX.key holds only the URI (PIN: pin-source=file:.. or KCRED_PKCS11_PIN).
    #[cfg(feature = "pkcs11")]
    #[arg(long, value_name = "URI")]
    key: Option<String>,
    /// Lifetime (Go style 87600h, or 3650d, 10y).
    #[arg(long, value_name = "D", default_value = "10y", value_parser = parse_duration)]
    validity: SignedDuration,
    /// Replace existing files.
    #[arg(long, conflicts_with = "skip_existing")]
    force: bool,
    /// Keep existing files that still fit (same CN, key type, a valid self-signed CA for its
    /// key): exit 0; report one that does not fit and exit 1, writing nothing. For Makefiles.
    #[arg(long)]
    skip_existing: bool,
}

pub fn run(cmd: CaCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        CaCommand::Create(a) => create(a),
    }
}

fn create(a: CreateArgs) -> anyhow::Result<ExitStatus> {
    let crt = with_ext(&a.out, "crt");
    let key_path = with_ext(&a.out, "key");
    if let Some(present) = present(&[&crt, &key_path], a.force, a.skip_existing)? {
        return Ok(settle(ca_fit(&a, &crt, &key_path, &present)));
    }
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
    let (key, key_file) = new_key(&a, format)?;
    let mut spec = CertSpec::ca(a.cn.clone());
    spec.validity = a.validity;
    let cert = pki::self_signed(&spec, &key)?;
    fsio::write_all(
        &[
            Output::secret(&key_path, key_file.to_vec()),
            Output::public(&crt, cert.pem().into_bytes()),
        ],
        a.force,
    )?;
    eprintln!(
        "created CA {} ({}): {} {}",
        kcred::output::quoted(&a.cn),
        key.key_type(),
        crt.display(),
        key_path.display()
    );
    Ok(ExitStatus::Success)
}

/// The CA key and the bytes of PREFIX.key: a fresh key as PEM, or a token key and its URI.
fn new_key(
    a: &CreateArgs,
    format: KeyFormat,
) -> anyhow::Result<(PrivateKey, zeroize::Zeroizing<Vec<u8>>)> {
    #[cfg(feature = "pkcs11")]
    if let Some(text) = &a.key {
        return Ok(token_key("--key", text, a.key_type)?);
    }
    let key = PrivateKey::generate(a.key_type)?;
    let pem = key.to_pem(format)?;
    Ok((key, zeroize::Zeroizing::new(pem.as_bytes().to_vec())))
}

/// The key a `--key pkcs11:...` names, made on the token when it is not there, and the key
/// file that stands for it (the URI without its PIN value).
#[cfg(feature = "pkcs11")]
pub(super) fn token_key(
    flag: &str,
    text: &str,
    key_type: KeyType,
) -> kcred::Result<(PrivateKey, zeroize::Zeroizing<Vec<u8>>)> {
    use kcred::pkcs11;
    let uri = pkcs11::parse_arg(flag, text)?;
    let (key, made) = pkcs11::open_or_generate(&uri, key_type)?;
    eprintln!(
        "{} {} key {}",
        if made { "generated" } else { "using the" },
        key.key_type(),
        key.uri()
    );
    Ok((
        PrivateKey::from_token(key),
        zeroize::Zeroizing::new(pkcs11::uri_file_content(&uri)),
    ))
}

/// What `--skip-existing` found: every output there and fitting (what was kept), or the file
/// that does not fit and why.
pub(super) type Fit = Result<String, (PathBuf, String)>;

/// The outputs that exist, when `--skip-existing` is to judge them (`None`: nothing exists,
/// or `--force` replaces it; go on and write). Without either flag an existing output is
/// refused with both ways out named (exit 3).
pub(super) fn present(
    paths: &[&Path],
    force: bool,
    skip_existing: bool,
) -> anyhow::Result<Option<Vec<PathBuf>>> {
    let there = fsio::existing(paths)?;
    match there.first() {
        None => Ok(None),
        Some(_) if force => Ok(None),
        Some(_) if skip_existing => Ok(Some(there)),
        // The same failure as any refused overwrite (exit 3), with both ways out named.
        Some(first) => Err(anyhow::anyhow!(
            "{} already exists; pass --force to replace it, or --skip-existing to keep it",
            first.display()
        )),
    }
}

/// Say what `--skip-existing` decided: "kept …" (exit 0), or what does not fit, naming the
/// file (exit 1). Nothing was written either way.
pub(super) fn settle(fit: Fit) -> ExitStatus {
    match fit {
        Ok(what) => {
            eprintln!("kept {}", kcred::output::sanitize(&what));
            ExitStatus::Success
        }
        Err((file, why)) => {
            eprintln!(
                "kcred: {}: exists but does not fit: {}; nothing written (pass --force to replace it)",
                kcred::output::sanitize(&file.display().to_string()),
                kcred::output::sanitize(&why)
            );
            ExitStatus::CheckFailed
        }
    }
}

/// Every one of `wanted` must be there for the set to be kept.
pub(super) fn all_there(wanted: &[&Path], present: &[PathBuf]) -> Result<(), (PathBuf, String)> {
    match wanted.iter().find(|w| !present.iter().any(|p| p == *w)) {
        Some(missing) => Err((
            missing.to_path_buf(),
            format!(
                "missing, while {} exists",
                present
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
        )),
        None => Ok(()),
    }
}

/// Read a private key for a fit check; an unreadable one does not fit.
pub(super) fn read_key(path: &Path) -> Result<PrivateKey, (PathBuf, String)> {
    let bytes = fsio::read(path).map_err(|e| (path.to_path_buf(), e.to_string()))?;
    PrivateKey::from_pem(&fsio::display(path), &bytes)
        .map_err(|e| (path.to_path_buf(), e.to_string()))
}

/// Read the first certificate of a file for a fit check; an unreadable one does not fit.
pub(super) fn read_cert(path: &Path) -> Result<Vec<u8>, (PathBuf, String)> {
    let bytes = fsio::read(path).map_err(|e| (path.to_path_buf(), e.to_string()))?;
    pki::read_certificates(path, &bytes)
        .map(|mut v| v.remove(0))
        .map_err(|e| (path.to_path_buf(), e.to_string()))
}

fn ca_fit(a: &CreateArgs, crt: &Path, key_path: &Path, present: &[PathBuf]) -> Fit {
    all_there(&[crt, key_path], present)?;
    let key = read_key(key_path)?;
    let cert = read_cert(crt)?;
    if let Some(why) = fit::key_type_misfit(&key, a.key_type) {
        return Err((key_path.to_path_buf(), why));
    }
    if let Some(why) = fit::ca_misfit(&a.cn, &key, &cert, Timestamp::now()) {
        return Err((crt.to_path_buf(), why));
    }
    Ok(format!(
        "CA {} ({}): {} {}",
        kcred::output::quoted(&a.cn),
        key.key_type(),
        crt.display(),
        key_path.display()
    ))
}
