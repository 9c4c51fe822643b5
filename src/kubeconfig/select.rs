//! Picking a context and reading what it points at: the cluster (server, CA) and the user's
//! credential, from embedded data or from files (resolved against the kubeconfig that named
//! them), with client-go's precedence: `*-data` over the file, a client certificate next to
//! a token is used as a certificate (`rest.Config` carries both; TLS authenticates first).

use std::fmt;
use std::path::Path;

use serde_json::Value;
use zeroize::Zeroizing;

use super::{Kubeconfig, NamedCluster, NamedUser};
use crate::error::{Error, Result};
use crate::fsio;

/// What a user entry authenticates with.
#[non_exhaustive]
pub enum UserCredential {
    /// A client certificate and its key (PEM), from `*-data` or files.
    ClientCert {
        /// The certificate (chain), PEM.
        cert_pem: Vec<u8>,
        /// The private key, PEM.
        key_pem: Zeroizing<Vec<u8>>,
    },
    /// A bearer token, from `token` or `tokenFile` (surrounding whitespace trimmed, as
    /// client-go does).
    Token(String),
    /// An exec credential plugin: kcred does not run it.
    Exec {
        /// The plugin's command.
        command: String,
    },
    /// A (removed in kubectl ≥ 1.26) auth-provider plugin such as `oidc`.
    AuthProvider {
        /// The provider's name.
        name: String,
    },
    /// HTTP basic authentication (removed from the API server in 1.19).
    Basic {
        /// The username.
        username: String,
    },
    /// No credential at all: the API server would see `system:anonymous`.
    None,
}

impl fmt::Debug for UserCredential {
    // Never print key material or a token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserCredential::ClientCert { cert_pem, .. } => f
                .debug_struct("ClientCert")
                .field("cert_pem_bytes", &cert_pem.len())
                .finish_non_exhaustive(),
            UserCredential::Token(t) => write!(f, "Token({} bytes)", t.len()),
            UserCredential::Exec { command } => {
                f.debug_struct("Exec").field("command", command).finish()
            }
            UserCredential::AuthProvider { name } => {
                f.debug_struct("AuthProvider").field("name", name).finish()
            }
            UserCredential::Basic { username } => {
                f.debug_struct("Basic").field("username", username).finish()
            }
            UserCredential::None => f.write_str("None"),
        }
    }
}

impl UserCredential {
    /// A short name for messages: `client certificate`, `token`, `exec plugin`, ….
    pub fn kind(&self) -> &'static str {
        match self {
            UserCredential::ClientCert { .. } => "client certificate",
            UserCredential::Token(_) => "token",
            UserCredential::Exec { .. } => "exec plugin",
            UserCredential::AuthProvider { .. } => "auth-provider plugin",
            UserCredential::Basic { .. } => "basic authentication",
            UserCredential::None => "no credential",
        }
    }
}

/// A cluster with its CA read.
#[derive(Clone, Debug, Default)]
pub struct ClusterInfo {
    /// The server URL.
    pub server: String,
    /// The CA bundle (PEM) from `certificate-authority-data` or the file; `None` means the
    /// system roots.
    pub ca_pem: Option<Vec<u8>>,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `tls-server-name`.
    pub tls_server_name: String,
}

/// A context resolved to its cluster and user.
#[derive(Debug)]
pub struct Selected {
    /// The context's name.
    pub context: String,
    /// Its namespace (`default` when unset, as kubectl).
    pub namespace: String,
    /// The cluster's name.
    pub cluster_name: String,
    /// The cluster.
    pub cluster: ClusterInfo,
    /// The user's name.
    pub user_name: String,
    /// The user's credential.
    pub credential: UserCredential,
}

impl Kubeconfig {
    /// Resolve `context` (or the current context): its cluster, its user's credential, its
    /// namespace. Files named in the kubeconfig are read here.
    pub fn select(&self, context: Option<&str>) -> Result<Selected> {
        // kubectl's `--context ""` is no override (clientcmd `getContextName`).
        let name = match context.filter(|c| !c.is_empty()) {
            Some(n) => n,
            None if self.current_context.is_empty() => {
                return Err(Error::Usage(
                    "the kubeconfig has no current-context; name a context".into(),
                ));
            }
            None => self.current_context.as_str(),
        };
        let ctx = self
            .context(name)
            .ok_or_else(|| Error::Usage(format!("context {name:?} does not exist")))?;
        let cluster = self.cluster(&ctx.context.cluster).ok_or_else(|| {
            Error::Usage(format!(
                "context {name:?} names cluster {:?}, which does not exist",
                ctx.context.cluster
            ))
        })?;
        // client-go allows a context whose user is missing: it authenticates with nothing.
        let credential = match self.user(&ctx.context.user) {
            Some(u) => u.credential()?,
            None => UserCredential::None,
        };
        Ok(Selected {
            context: name.to_string(),
            namespace: if ctx.context.namespace.is_empty() {
                "default".into()
            } else {
                ctx.context.namespace.clone()
            },
            cluster_name: cluster.name.clone(),
            cluster: cluster.info()?,
            user_name: ctx.context.user.clone(),
            credential,
        })
    }
}

impl NamedCluster {
    /// The cluster with its CA read (embedded data first, then the file).
    pub fn info(&self) -> Result<ClusterInfo> {
        let c = &self.cluster;
        let ca_pem = match (
            &c.certificate_authority_data,
            c.certificate_authority.as_str(),
        ) {
            (Some(d), _) => Some(d.clone()),
            (None, "") => None,
            (None, file) => Some(read_file(&self.resolve(file))?.to_vec()),
        };
        Ok(ClusterInfo {
            server: c.server.clone(),
            ca_pem,
            insecure_skip_tls_verify: c.insecure_skip_tls_verify,
            tls_server_name: c.tls_server_name.clone(),
        })
    }
}

impl NamedUser {
    /// The user's credential, reading any files it names.
    pub fn credential(&self) -> Result<UserCredential> {
        let u = &self.user;
        let source = || format!("user {:?}", self.name);
        let cert = match (&u.client_certificate_data, u.client_certificate.as_str()) {
            (Some(d), _) => Some(d.clone()),
            (None, "") => None,
            (None, f) => Some(read_file(&self.resolve(f))?.to_vec()),
        };
        // client-go takes the key only with a certificate (`getUserIdentificationPartialConfig`
        // and transport's `HasCertAuth`): a key alone is not read.
        let key = match (&u.client_key_data, u.client_key.as_str()) {
            _ if cert.is_none() => None,
            (Some(d), _) => Some(Zeroizing::new(d.clone())),
            (None, "") => None,
            (None, f) => Some(read_file(&self.resolve(f))?),
        };
        match (cert, key) {
            (Some(cert_pem), Some(key_pem)) => {
                return Ok(UserCredential::ClientCert { cert_pem, key_pem });
            }
            (Some(_), None) => {
                return Err(Error::input(
                    source(),
                    "has a client certificate but no client-key or client-key-data",
                ));
            }
            (None, _) => {}
        }
        if !u.token.is_empty() {
            return Ok(UserCredential::Token(u.token.trim().to_string()));
        }
        if !u.token_file.is_empty() {
            let path = self.resolve(&u.token_file);
            let bytes = read_file(&path)?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| Error::input(fsio::display(&path), "token file is not UTF-8"))?;
            let token = text.trim();
            if token.is_empty() {
                return Err(Error::input(fsio::display(&path), "token file is empty"));
            }
            return Ok(UserCredential::Token(token.to_string()));
        }
        // Basic authentication is a static credential: the exec plugin and the oidc provider
        // step aside for it (exec `UpdateTransportConfig` returns early on `HasBasicAuth`;
        // the oidc round tripper passes a request that has an Authorization header).
        if let Some(username) = u.rest.get("username").and_then(Value::as_str)
            && !username.is_empty()
        {
            return Ok(UserCredential::Basic {
                username: username.to_string(),
            });
        }
        if let Some(exec) = u.rest.get("exec").filter(|v| !v.is_null()) {
            return Ok(UserCredential::Exec {
                command: exec
                    .get("command")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        if let Some(ap) = u.rest.get("auth-provider").filter(|v| !v.is_null()) {
            return Ok(UserCredential::AuthProvider {
                name: ap
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            });
        }
        Ok(UserCredential::None)
    }
}

fn read_file(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    fsio::read(path)
}
