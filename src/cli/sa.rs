//! `kcred sa keygen` and `kcred sa jwks`: the ServiceAccount signing key pair and the
//! documents that publish its public half.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use kcred::fsio::{self, Output};
use kcred::keys::{KeyType, PrivateKey};
use kcred::token::{self, VerificationKey, jwks};

use super::args::with_ext;
use crate::exit_codes::ExitStatus;

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum SaCommand {
    /// Make the ServiceAccount signing key pair: PREFIX.key (0600, PKCS#1 or SEC1) and
    /// PREFIX.pub (PKIX PUBLIC KEY), as kubeadm writes sa.key and sa.pub.
    Keygen(KeygenArgs),
    /// Print the JWKS the API server serves at /openid/v1/jwks for these keys; with
    /// --out-dir also write the discovery documents, ready to publish.
    Jwks(JwksArgs),
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX", value_parser = super::args::parse_out_prefix)]
    out: super::args::Prefix,
    /// Key type: rsa2048, rsa3072, rsa4096, ecdsa-p256, ecdsa-p384, ecdsa-p521 (tokens are
    /// then RS256, ES256, ES384 or ES512, as kube-apiserver signs with such a key).
    #[arg(long, value_name = "T", default_value = "rsa2048", value_parser = super::values::key_type())]
    key_type: KeyType,
    /// Keep the key in a PKCS#11 token: an RFC 7512 URI (pkcs11:token=..;object=..). Generated
    /// there unless the object exists; PREFIX.key holds only the URI.
    #[cfg(feature = "pkcs11")]
    #[arg(long, value_name = "URI")]
    key: Option<String>,
    /// Replace existing files.
    #[arg(long, conflicts_with = "skip_existing")]
    force: bool,
    /// Keep an existing pair that is still one (PREFIX.pub the public half of PREFIX.key, of
    /// the key type asked): exit 0; report one that is not and exit 1, writing nothing.
    #[arg(long)]
    skip_existing: bool,
}

#[derive(Debug, Args)]
pub struct JwksArgs {
    /// Key files as --service-account-key-file takes them (PUBLIC KEY, private keys,
    /// certificates; several blocks per file); repeatable.
    #[arg(long, value_name = "FILE", required = true, num_args = 1..)]
    key: Vec<PathBuf>,
    /// The issuer, for the discovery document.
    #[arg(long, value_name = "URL", default_value = token::DEFAULT_ISSUER)]
    issuer: String,
    /// Also write DIR/.well-known/openid-configuration and DIR/openid/v1/jwks.
    #[arg(long, value_name = "DIR", value_parser = super::args::parse_out_dir)]
    out_dir: Option<PathBuf>,
    /// Replace existing files in --out-dir.
    #[arg(long)]
    force: bool,
}

pub fn run(cmd: SaCommand) -> anyhow::Result<ExitStatus> {
    match cmd {
        SaCommand::Keygen(a) => keygen(a),
        SaCommand::Jwks(a) => jwks_cmd(a),
    }
}

fn keygen(a: KeygenArgs) -> anyhow::Result<ExitStatus> {
    token::SigningAlg::for_key_type(a.key_type)?;
    let key_path = with_ext(&a.out, "key");
    let pub_path = with_ext(&a.out, "pub");
    if let Some(present) = super::ca::present(&[&key_path, &pub_path], a.force, a.skip_existing)? {
        return Ok(super::ca::settle(keypair_fit(
            &a, &key_path, &pub_path, &present,
        )));
    }
    fsio::check_writable(&[&key_path, &pub_path], a.force)?;
    let (key, key_pem) = new_key(&a)?;
    let key_type = key.key_type();
    token::SigningAlg::for_key_type(key_type)?;
    let pub_pem = kcred::pem::encode("PUBLIC KEY", &key.public_key_der()?);
    fsio::write_all(
        &[
            Output::secret(&key_path, key_pem.to_vec()),
            Output::public(&pub_path, pub_pem.into_bytes()),
        ],
        a.force,
    )?;
    eprintln!(
        "created ServiceAccount key pair ({}, kid {}): {} {}",
        key_type,
        kcred::keys::key_id(&key.public_key_der()?),
        key_path.display(),
        pub_path.display()
    );
    Ok(ExitStatus::Success)
}

/// The signing key and the bytes of PREFIX.key (PEM, or the URI of a token key).
fn new_key(a: &KeygenArgs) -> anyhow::Result<(PrivateKey, zeroize::Zeroizing<Vec<u8>>)> {
    #[cfg(feature = "pkcs11")]
    if let Some(text) = &a.key {
        return Ok(super::ca::token_key("--key", text, a.key_type)?);
    }
    let key = PrivateKey::generate(a.key_type)?;
    let pem = key.to_pem(a.key_type.default_format())?;
    Ok((key, zeroize::Zeroizing::new(pem.as_bytes().to_vec())))
}

/// Whether PREFIX.key and PREFIX.pub are still a pair of the type asked: the public key the
/// API server loads from `--service-account-key-file` must be the half of the key
/// `--service-account-signing-key-file` signs with, or every token fails with 401.
fn keypair_fit(
    a: &KeygenArgs,
    key_path: &Path,
    pub_path: &Path,
    present: &[PathBuf],
) -> super::ca::Fit {
    super::ca::all_there(&[key_path, pub_path], present)?;
    let key = super::ca::read_key(key_path)?;
    if let Some(why) = kcred::bootstrap::fit::key_type_misfit(&key, a.key_type) {
        return Err((key_path.to_path_buf(), why));
    }
    let want = key
        .public_key_der()
        .map_err(|e| (key_path.to_path_buf(), e.to_string()))?;
    let bytes = fsio::read(pub_path).map_err(|e| (pub_path.to_path_buf(), e.to_string()))?;
    let blocks = kcred::pem::parse_all(&fsio::display(pub_path), &bytes)
        .map_err(|e| (pub_path.to_path_buf(), e.to_string()))?;
    let ok = blocks.len() == 1
        && blocks[0].tag() == "PUBLIC KEY"
        && blocks[0].contents() == want.as_slice();
    if !ok {
        return Err((
            pub_path.to_path_buf(),
            format!("not the public half of {}", key_path.display()),
        ));
    }
    Ok(format!(
        "ServiceAccount key pair ({}, kid {}): {} {}",
        a.key_type,
        kcred::keys::key_id(&want),
        key_path.display(),
        pub_path.display()
    ))
}

fn jwks_cmd(a: JwksArgs) -> anyhow::Result<ExitStatus> {
    let mut keys: Vec<VerificationKey> = Vec::new();
    for path in &a.key {
        keys.extend(super::args::load_verification_keys_noting_der(path)?);
    }
    // The API server serves compact JSON (openidmetadata.go, json.Marshal).
    let set = serde_json::to_string(&jwks::jwk_set(&keys))?;
    if let Some(dir) = &a.out_dir {
        if a.issuer.is_empty() {
            return Err(kcred::Error::Usage("--issuer must not be empty".into()).into());
        }
        let config = serde_json::to_string(&jwks::openid_configuration(&a.issuer, &keys))?;
        let config_path = dir.join(".well-known/openid-configuration");
        let jwks_path = dir.join("openid/v1/jwks");
        fsio::check_writable(&[&config_path, &jwks_path], a.force)?;
        // Published documents: directories readable by the web server (0755), unlike the
        // 0700 directories kcred makes for keys.
        for p in [&config_path, &jwks_path] {
            if let Some(parent) = p.parent() {
                use std::os::unix::fs::DirBuilderExt as _;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o755)
                    .create(parent)
                    .map_err(|e| kcred::Error::io(parent, e))?;
            }
        }
        fsio::write_all(
            &[
                Output::public(&config_path, config.into_bytes()),
                Output::public(&jwks_path, set.clone().into_bytes()),
            ],
            a.force,
        )?;
        eprintln!(
            "wrote {} and {}",
            config_path.display(),
            jwks_path.display()
        );
    }
    super::emit(format!("{set}\n"))?;
    Ok(ExitStatus::Success)
}
