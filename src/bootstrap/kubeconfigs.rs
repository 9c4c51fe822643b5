//! The kubeconfigs a plan's credentials are embedded in, as kubeadm writes them
//! (`cmd/kubeadm/app/phases/kubeconfig/kubeconfig.go`, `buildKubeConfigFromSpec`): one
//! cluster named after the cluster, one user named after the certificate's CN, the context
//! `USER@CLUSTER` made current, everything embedded.

use std::path::Path;

use crate::error::{Error, Result};
use crate::keys::PrivateKey;
use crate::kubeconfig::{Cluster, Kubeconfig, User};

/// What one kubeconfig should hold.
pub struct Spec<'a> {
    /// Cluster name.
    pub cluster: &'a str,
    /// API server URL.
    pub server: &'a str,
    /// The cluster CA, PEM.
    pub ca_pem: &'a str,
    /// User name (the certificate's CN).
    pub user: &'a str,
    /// Client certificate, PEM.
    pub cert_pem: &'a str,
    /// Client key, PEM.
    pub key_pem: &'a [u8],
}

/// The kubeconfig for `spec`, in kubectl's format.
pub fn render(spec: &Spec<'_>) -> Result<String> {
    Kubeconfig::single(
        spec.cluster,
        Cluster::new(spec.server).with_ca_data(spec.ca_pem.as_bytes().to_vec()),
        spec.user,
        User::client_cert_data(spec.cert_pem.as_bytes().to_vec(), spec.key_pem.to_vec()),
    )
    .to_yaml()
}

/// The current context's user of an existing kubeconfig, with its cluster: embedded key,
/// embedded certificate (DER), server and CA data.
struct Current {
    key: PrivateKey,
    cert_der: Vec<u8>,
    server: String,
    ca_pem: Vec<u8>,
}

fn current(path: &Path, bytes: &[u8]) -> Result<Current> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::input(path, "not UTF-8 text"))?;
    let kc = Kubeconfig::from_yaml(&path.display().to_string(), text)?;
    let ctx = kc
        .context(&kc.current_context)
        .ok_or_else(|| Error::input(path, "no current context"))?;
    let user = kc
        .user(&ctx.context.user)
        .ok_or_else(|| Error::input(path, format!("user {:?} is missing", ctx.context.user)))?;
    let cluster = kc.cluster(&ctx.context.cluster).ok_or_else(|| {
        Error::input(
            path,
            format!("cluster {:?} is missing", ctx.context.cluster),
        )
    })?;
    let (Some(cert_pem), Some(key_pem)) = (
        user.user.client_certificate_data.as_ref(),
        user.user.client_key_data.as_ref(),
    ) else {
        return Err(Error::input(
            path,
            "the current user has no embedded client certificate and key",
        ));
    };
    let source = format!("{} (client-key-data)", path.display());
    let key = PrivateKey::from_pem(&source, key_pem)?;
    let cert_der = crate::pki::read_certificates(
        Path::new(&format!("{} (client-certificate-data)", path.display())),
        cert_pem,
    )?
    .remove(0);
    Ok(Current {
        key,
        cert_der,
        server: cluster.cluster.server.clone(),
        ca_pem: cluster
            .cluster
            .certificate_authority_data
            .clone()
            .unwrap_or_default(),
    })
}

/// The key and certificate (DER) embedded in the kubeconfig at `path`.
pub fn embedded_credential(path: &Path, bytes: &[u8]) -> Result<(PrivateKey, Vec<u8>)> {
    let c = current(path, bytes)?;
    Ok((c.key, c.cert_der))
}

/// Why the existing kubeconfig does not hold what `spec` says, or `None` if it does.
pub fn differs(path: &Path, bytes: &[u8], spec: &Spec<'_>) -> Result<Option<String>> {
    let c = current(path, bytes)?;
    let want_cert =
        crate::pki::read_certificates(Path::new("<new>"), spec.cert_pem.as_bytes())?.remove(0);
    if c.cert_der != want_cert {
        return Ok(Some(
            "its embedded client certificate is not the planned one".into(),
        ));
    }
    if c.server != spec.server {
        return Ok(Some(format!(
            "its server is {:?}, the plan says {:?}",
            c.server, spec.server
        )));
    }
    let same_ca = crate::pki::read_certificates(Path::new("<ca>"), &c.ca_pem).ok()
        == crate::pki::read_certificates(Path::new("<ca>"), spec.ca_pem.as_bytes()).ok();
    if !same_ca {
        return Ok(Some(
            "its certificate-authority-data is not the cluster CA".into(),
        ));
    }
    Ok(None)
}
