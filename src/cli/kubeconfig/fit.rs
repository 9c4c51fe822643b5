//! `kcred kubeconfig --skip-existing`: whether the kubeconfig already there is the one the
//! command line asks for, as kubectl would use it. Apart from the writer because it only
//! reads, and because each part of a kubeconfig (context, cluster, each kind of user) is
//! judged by its own small function, in the order the first difference is reported.

use std::path::{Path, PathBuf};

use kcred::fsio;
use kcred::keys::PrivateKey;
use kcred::kubeconfig::{Cluster, Kubeconfig, User};
use kcred::pki::{self, Usage};

use super::{KubeconfigArgs, pem_certificates, pem_key};
use crate::cli::args::with_ext;

/// Whether the existing kubeconfig is what this command would write, as kubectl reads it:
/// its current context's cluster (server, CA data) and user (the same identity, or the same
/// given certificate or token). A minted certificate is judged as `bootstrap` judges one
/// (`kcred::bootstrap::fit`); its serial and dates may differ. The first difference found is
/// the one reported, in this order: context, cluster, user.
pub(super) fn kubeconfig_fit(a: &KubeconfigArgs, minting: bool) -> crate::cli::ca::Fit {
    let kc = Kubeconfig::load(&a.out).map_err(|e| (a.out.clone(), e.to_string()))?;
    let (cluster_name, user_name) = context_fit(a, &kc)?;
    let Some(cluster) = kc.cluster(cluster_name) else {
        return Err(differs(a, format!("cluster {cluster_name:?} is missing")));
    };
    cluster_fit(a, &cluster.cluster)?;
    let Some(user) = kc.user(user_name) else {
        return Err(differs(a, format!("user {user_name:?} is missing")));
    };
    let embedded = || embedded_pair(a, user_name, &user.user);
    if minting {
        minted_fit(a, embedded)?;
    } else if let (Some(cert_file), Some(key_file)) = (&a.client_certificate, &a.client_key) {
        given_pair_fit(a, (cert_file, key_file), embedded)?;
    } else {
        token_fit(a, &user.user)?;
    }
    Ok(format!(
        "kubeconfig {}: context {} (user {} on cluster {} at {})",
        a.out.display(),
        kcred::output::quoted(&kc.current_context),
        kcred::output::quoted(user_name),
        kcred::output::quoted(cluster_name),
        kcred::output::sanitize(&a.server)
    ))
}

/// Why an existing kubeconfig does not fit, and the file that says so.
type Misfit = (PathBuf, String);

/// A difference found in the kubeconfig itself (`--out`).
fn differs(a: &KubeconfigArgs, why: String) -> Misfit {
    (a.out.clone(), why)
}

/// The current context against `--cluster`, `--user`, `--context` and `--namespace`: the
/// names of its cluster and user.
fn context_fit<'k>(a: &KubeconfigArgs, kc: &'k Kubeconfig) -> Result<(&'k str, &'k str), Misfit> {
    let Some(ctx) = kc.context(&kc.current_context) else {
        return Err(differs(a, "it has no current context".into()));
    };
    let (cluster_name, user_name) = (&ctx.context.cluster, &ctx.context.user);
    if cluster_name != &a.cluster {
        return Err(differs(
            a,
            format!(
                "its cluster is {cluster_name:?}, the command line says {:?}",
                a.cluster
            ),
        ));
    }
    if let Some(u) = &a.user
        && u != user_name
    {
        return Err(differs(
            a,
            format!("its user is {user_name:?}, the command line says {u:?}"),
        ));
    }
    if let Some(c) = &a.context
        && c != &kc.current_context
    {
        return Err(differs(
            a,
            format!(
                "its current context is {:?}, the command line says {c:?}",
                kc.current_context
            ),
        ));
    }
    if let Some(ns) = &a.namespace
        && ns != &ctx.context.namespace
    {
        return Err(differs(
            a,
            format!(
                "its namespace is {:?}, the command line says {ns:?}",
                ctx.context.namespace
            ),
        ));
    }
    Ok((cluster_name, user_name))
}

/// The cluster entry against `--server`, `--insecure-skip-tls-verify`, `--tls-server-name`
/// and the CA (`--certificate-authority` or `--ca`), which must be embedded and the same.
fn cluster_fit(a: &KubeconfigArgs, cluster: &Cluster) -> Result<(), Misfit> {
    if cluster.server != a.server {
        return Err(differs(
            a,
            format!(
                "its server is {:?}, the command line says {:?}",
                cluster.server, a.server
            ),
        ));
    }
    if cluster.insecure_skip_tls_verify != (a.insecure_skip_tls_verify == Some(true)) {
        return Err(differs(
            a,
            format!(
                "its insecure-skip-tls-verify is {}, the command line says {}",
                cluster.insecure_skip_tls_verify,
                a.insecure_skip_tls_verify == Some(true)
            ),
        ));
    }
    let want_name = a.tls_server_name.as_deref().unwrap_or_default();
    if cluster.tls_server_name != want_name {
        return Err(differs(
            a,
            format!(
                "its tls-server-name is {:?}, the command line says {want_name:?}",
                cluster.tls_server_name
            ),
        ));
    }
    let ca_file = match (&a.certificate_authority, &a.ca) {
        (Some(f), _) => Some(f.clone()),
        (None, Some(prefix)) => Some(with_ext(prefix, "crt")),
        (None, None) => None,
    };
    let have_ca = cluster
        .certificate_authority_data
        .as_ref()
        .and_then(|pem| pki::read_certificates(Path::new("<ca data>"), pem).ok());
    let want_ca = match &ca_file {
        Some(f) => {
            let bytes = fsio::read(f).map_err(|e| (f.clone(), e.to_string()))?;
            Some(pki::read_certificates(f, &bytes).map_err(|e| (f.clone(), e.to_string()))?)
        }
        None => None,
    };
    if have_ca != want_ca || !cluster.certificate_authority.is_empty() {
        return Err(differs(
            a,
            match &ca_file {
                Some(f) => format!("its certificate-authority-data is not {}", f.display()),
                None => "it names a CA, the command line gives none".into(),
            },
        ));
    }
    Ok(())
}

/// The user's embedded client key and certificate (DER), which a fitting certificate
/// credential must have.
fn embedded_pair(
    a: &KubeconfigArgs,
    user_name: &str,
    u: &User,
) -> Result<(PrivateKey, Vec<u8>), Misfit> {
    let (Some(cert_pem), Some(key_pem)) = (&u.client_certificate_data, &u.client_key_data) else {
        return Err(differs(
            a,
            format!("user {user_name:?} has no embedded client certificate and key"),
        ));
    };
    let source = format!("{} (client-key-data)", a.out.display());
    let key = PrivateKey::from_pem(&source, key_pem).map_err(|e| differs(a, e.to_string()))?;
    let cert = pki::read_certificates(Path::new(&source), cert_pem)
        .map(|mut v| v.remove(0))
        .map_err(|e| differs(a, e.to_string()))?;
    Ok((key, cert))
}

/// A minted credential: the embedded certificate is judged as `bootstrap` judges one
/// (identity, CA signature, validity; `kcred::bootstrap::fit::misfit`), and the key is
/// `--key` or of `--key-type`.
fn minted_fit(
    a: &KubeconfigArgs,
    embedded: impl FnOnce() -> Result<(PrivateKey, Vec<u8>), Misfit>,
) -> Result<(), Misfit> {
    let (key, cert) = embedded()?;
    let spec = crate::cli::cert::leaf_spec(&a.identity, Usage::Client, &[], a.validity)
        .map_err(|e| differs(a, e.to_string()))?;
    let prefix = a.ca.as_ref().expect("minting needs --ca, checked before");
    let ca_crt = with_ext(prefix, "crt");
    let ca_der = crate::cli::ca::read_cert(&ca_crt)?;
    let key_fit = match a.key.load() {
        Ok(Some(given)) => (given.public_key_der().ok() != key.public_key_der().ok()).then(|| {
            format!(
                "its client key is not {}",
                fsio::display(a.key.key.as_deref().unwrap_or(Path::new("")))
            )
        }),
        Ok(None) => kcred::bootstrap::fit::key_type_misfit(&key, a.key.key_type),
        Err(e) => Some(e.to_string()),
    };
    let why = key_fit.or_else(|| {
        kcred::bootstrap::fit::misfit(
            &spec,
            &ca_crt.display().to_string(),
            &key,
            &cert,
            &ca_der,
            jiff::Timestamp::now(),
            "the command line",
        )
    });
    match why {
        Some(why) => Err(differs(a, format!("its client certificate: {why}"))),
        None => Ok(()),
    }
}

/// `--client-certificate`/`--client-key`: the embedded pair must be those files' own.
fn given_pair_fit(
    a: &KubeconfigArgs,
    (cert_file, key_file): (&PathBuf, &PathBuf),
    embedded: impl FnOnce() -> Result<(PrivateKey, Vec<u8>), Misfit>,
) -> Result<(), Misfit> {
    let (key, cert) = embedded()?;
    let (pem, _) = pem_certificates(cert_file).map_err(|e| (cert_file.clone(), e.to_string()))?;
    let want =
        pki::read_certificates(cert_file, &pem).map_err(|e| (cert_file.clone(), e.to_string()))?;
    if want.first() != Some(&cert) {
        return Err(differs(
            a,
            format!("its client certificate is not {}", cert_file.display()),
        ));
    }
    let (want_key, _, _) = pem_key(key_file).map_err(|e| (key_file.clone(), e.to_string()))?;
    if want_key.public_key_der().ok() != key.public_key_der().ok() {
        return Err(differs(
            a,
            format!("its client key is not {}", key_file.display()),
        ));
    }
    Ok(())
}

/// `--token`/`--token-file`: the user's token must be the one given.
fn token_fit(a: &KubeconfigArgs, u: &User) -> Result<(), Misfit> {
    let want = match (&a.token, &a.token_file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => {
            let bytes = fsio::read(f).map_err(|e| (f.clone(), e.to_string()))?;
            String::from_utf8_lossy(&bytes).trim().to_string()
        }
        (None, None) => String::new(),
    };
    if u.token != want {
        return Err(differs(a, "its token is not the one given".into()));
    }
    Ok(())
}
