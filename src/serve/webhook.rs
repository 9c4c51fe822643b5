//! `--webhook-config-out DIR`: what a kube-apiserver needs to use kcred serve as its token
//! and authorization webhook (`--authentication-token-webhook-config-file`,
//! `--authorization-webhook-config-file`): two kubeconfig-format files
//! (`k8s.io/apiserver/pkg/util/webhook`, `LoadKubeconfig`) whose cluster is this server —
//! its CA, the endpoint URL, `tls-server-name` — and whose user is a client certificate kcred
//! mints with the cluster CA for the API server's calls, plus the RBAC binding that gives
//! that identity `system:auth-delegator` here (and nowhere else: the binding lives in
//! kcred serve's RBAC, not in the cluster).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::Identity;
use crate::error::Result;
use crate::keys::{KeyType, PrivateKey};
use crate::pki::{CertSpec, Issuer, Usage};

/// The identity of the API server's webhook calls.
pub const USER: &str = "kcred:kube-apiserver-webhook-client";
/// The authentication webhook's configuration file.
pub const AUTHN_FILE: &str = "authentication-webhook.kubeconfig";
/// The authorization webhook's configuration file.
pub const AUTHZ_FILE: &str = "authorization-webhook.kubeconfig";
/// The RBAC binding kcred serve loads for [`USER`].
pub const RBAC_FILE: &str = "webhook-rbac.yaml";

/// The files' material, minted before the server starts.
#[derive(Clone, Debug)]
pub struct WebhookOut {
    /// Where the files go.
    pub dir: PathBuf,
    /// The CA clients trust (PEM).
    pub ca_pem: String,
    /// The client certificate (PEM).
    pub cert_pem: String,
    /// Its key (PEM).
    pub key_pem: Zeroizing<String>,
    /// `tls-server-name`.
    pub server_name: String,
}

/// Mint the client certificate with the CA and write the RBAC binding (`DIR/webhook-rbac.yaml`,
/// returned for `--rbac`).
pub fn prepare(dir: &Path, ca_cert: &Path, ca_key: &Path) -> Result<(WebhookOut, PathBuf)> {
    let issuer = Issuer::load(ca_cert, ca_key)?;
    let key = PrivateKey::generate(KeyType::EcdsaP256)?;
    let spec = CertSpec::leaf(&Identity::new(USER, Vec::<String>::new()), Usage::Client);
    let issued = issuer.sign(&spec, &key.public_key_der()?)?;
    let key_pem = key.to_pem(KeyType::EcdsaP256.default_format())?;
    crate::fsio::create_dirs(dir)?;
    let rbac = format!(
        "# kcred serve --webhook-config-out: the webhook client may create TokenReviews and\n\
         # SubjectAccessReviews (system:auth-delegator) on this kcred serve only.\n\
         apiVersion: rbac.authorization.k8s.io/v1\n\
         kind: ClusterRoleBinding\n\
         metadata:\n  name: kcred:webhook-client\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: system:auth-delegator\n\
         subjects:\n- apiGroup: rbac.authorization.k8s.io\n  kind: User\n  name: \"{USER}\"\n"
    );
    let rbac_path = dir.join(RBAC_FILE);
    crate::fsio::write_atomic(&rbac_path, rbac.as_bytes(), 0o644, true)?;
    let ca_pem = String::from_utf8_lossy(&crate::fsio::read(ca_cert)?).into_owned();
    Ok((
        WebhookOut {
            dir: dir.to_path_buf(),
            ca_pem,
            cert_pem: issued.pem(),
            key_pem: Zeroizing::new(key_pem.to_string()),
            server_name: "kubernetes".into(),
        },
        rbac_path,
    ))
}

fn kubeconfig(w: &WebhookOut, server: &str) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kcred-serve\n  cluster:\n    certificate-authority-data: {}\n    server: {server}\n    tls-server-name: {}\nusers:\n- name: kube-apiserver\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts:\n- name: webhook\n  context:\n    cluster: kcred-serve\n    user: kube-apiserver\ncurrent-context: webhook\n",
        STANDARD.encode(&w.ca_pem),
        w.server_name,
        STANDARD.encode(&w.cert_pem),
        STANDARD.encode(w.key_pem.as_bytes()),
    ))
}

/// Write both files for the server bound at `addr` (0600: they hold a key). The webhook
/// clients POST to the `server` URL as it is, so it names each review endpoint. An
/// unspecified address (0.0.0.0) is written as loopback.
pub fn write(w: &WebhookOut, addr: SocketAddr) -> Result<Vec<PathBuf>> {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let mut out = Vec::new();
    for (file, path) in [
        (AUTHN_FILE, "/apis/authentication.k8s.io/v1/tokenreviews"),
        (
            AUTHZ_FILE,
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        ),
    ] {
        let p = w.dir.join(file);
        let text = kubeconfig(w, &format!("https://{addr}{path}"));
        crate::fsio::write_atomic(&p, text.as_bytes(), 0o600, true)?;
        out.push(p);
    }
    Ok(out)
}
