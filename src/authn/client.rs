//! The request client-go would send, from kubectl's credential options: a kubeconfig user
//! with a client certificate and a token sends both
//! (`client-go/tools/clientcmd/client_config.go`, `getUserIdentificationPartialConfig`;
//! `transport/round_trippers.go`), and so does a client certificate given with a token.
//! This only reads files.

use std::path::{Path, PathBuf};

use super::request::Request;
use crate::error::{Error, Result};
use crate::kubeconfig::server_url::Server as ServerUrl;
use crate::kubeconfig::{Impersonation, Kubeconfig, NamedUser, Selected, UserCredential};
use crate::token::verify;

/// Where the credential comes from (kubectl's `--kubeconfig`, `--context`,
/// `--client-certificate`, `--token`, `--token-file`).
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// The kubeconfig (default: `KUBECONFIG`, then `~/.kube/config`).
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context (default: its current context).
    pub context: Option<String>,
    /// A client certificate chain (PEM: the leaf, then intermediates; or one DER certificate).
    pub client_certificate: Option<PathBuf>,
    /// A bearer token (`-`: read from stdin; a pasted `Bearer ` prefix is accepted).
    pub token: Option<String>,
    /// A file holding a bearer token.
    pub token_file: Option<PathBuf>,
}

/// The request, and where its parts came from.
#[derive(Clone, Debug, Default)]
pub struct Presented {
    /// What goes to the API server.
    pub request: Request,
    /// Where the client certificate came from, for messages.
    pub chain_source: String,
    /// Where the token came from, for messages.
    pub token_source: String,
    /// The kubeconfig cluster's CA (its name for messages, and its DER certificates), when
    /// the credential came from a kubeconfig.
    pub cluster_ca: Option<(String, Option<Vec<Vec<u8>>>)>,
    /// The kubeconfig context's namespace, when the credential came from a kubeconfig.
    pub namespace: Option<String>,
    /// Notes on how the request was judged (added to the outcome).
    pub notes: Vec<String>,
    /// The kubeconfig user's impersonation (`as`, ...), with where it was read: the request
    /// carries `Impersonate-*` headers, so what the API server acts as depends on whether the
    /// credential's identity may impersonate it. [`super::check`] refuses such a request
    /// (authentication alone cannot answer); `kcred can-i` takes it out and authorizes it.
    pub impersonate: Option<(String, Impersonation)>,
}

impl Presented {
    /// Whether the credential came from a kubeconfig (so kubectl is what sends it).
    pub fn from_kubeconfig(&self) -> bool {
        self.namespace.is_some()
    }
}

/// `err` with `prefix` in front of its message, its kind (and so its exit code) kept.
fn prefixed(err: Error, prefix: &str) -> Error {
    match err {
        Error::Input { path, problem } => Error::Input {
            path: format!("{prefix}: {path}"),
            problem,
        },
        Error::Io { path, error } => Error::Io {
            path: format!("{prefix}: {path}"),
            error,
        },
        Error::Usage(m) => Error::Usage(format!("{prefix}: {m}")),
        Error::Crypto(m) => Error::Crypto(format!("{prefix}: {m}")),
        other => other,
    }
}

/// The client certificate chain as the client sends it: every `CERTIFICATE` block (or one
/// DER certificate), not decoded here. Whether the API server can parse them is the TLS
/// handshake's question ([`super::tls_handshake`]), answered like every other.
fn presented_chain(source: &Path, bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    if crate::pem::looks_like_pem(bytes) {
        let ders: Vec<Vec<u8>> = crate::pem::parse_all(&crate::fsio::read::display(source), bytes)?
            .iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(|b| b.contents().to_vec())
            .collect();
        if !ders.is_empty() {
            return Ok(ders);
        }
    } else if bytes.first() == Some(&0x30) {
        return Ok(vec![bytes.to_vec()]);
    }
    // No certificate at all: the usual one-line error.
    crate::pki::read_certificates(source, bytes)
}

/// An empty token is no token at all (client-go's fileTokenSource: "read empty token from
/// file"): refused, naming where it came from.
fn non_empty_token(source: &str, token: String) -> Result<String> {
    if token.is_empty() {
        return Err(Error::input(
            source,
            "the token is empty: client-go has no token to send",
        ));
    }
    Ok(token)
}

fn read_token_text(path: &Path) -> Result<String> {
    Ok(crate::token::read_token(None, Some(path), "")?
        .map(|(_, text)| text)
        .unwrap_or_default())
}

/// The token client-go sends for a kubeconfig user: `token` as written (not trimmed);
/// with `tokenFile` too, the file's content wins whenever it reads as a non-empty token
/// (`NewBearerAuthWithRefreshRoundTripper` re-reads it per request through
/// `fileTokenSource`, which trims it); `tokenFile` alone must read (client_config.go).
fn kubeconfig_token(user: &NamedUser) -> Result<Option<String>> {
    let literal = &user.user.token;
    if !user.user.token_file.is_empty() {
        let path = user.resolve(&user.user.token_file);
        match read_token_text(&path) {
            Ok(text) if !text.trim().is_empty() => return Ok(Some(text.trim().to_string())),
            Ok(_) if literal.is_empty() => {
                return Err(Error::input(
                    crate::fsio::read::display(&path),
                    "the token file is empty: client-go has no token to send",
                ));
            }
            Err(e) if literal.is_empty() => return Err(e),
            _ => {}
        }
    }
    Ok((!literal.is_empty()).then(|| literal.clone()))
}

impl ClientOptions {
    /// The request client-go would send: the credential flags when any is given (they
    /// override the kubeconfig's user, `client_config.go` `getUserIdentificationPartialConfig`),
    /// else the kubeconfig's selected context, else nothing (the anonymous request).
    pub fn presented(&self) -> Result<Presented> {
        if let Some(p) = self.flags_request()? {
            return Ok(p);
        }
        let Some((kc, kubeconfig_name)) = self.kubeconfig()? else {
            return Ok(Presented::default());
        };
        let selected = kc
            .select(self.context.as_deref())
            .map_err(|e| prefixed(e, &format!("cannot use {kubeconfig_name}")))?;
        let what = format!(
            "context {:?} (user {:?})",
            selected.context, selected.user_name
        );
        let impersonate = match kc.user(&selected.user_name) {
            Some(u) => refuse_what_kubectl_refuses(&kc, &selected, u, &kubeconfig_name)?
                .map(|i| (format!("{kubeconfig_name}: {what}"), i)),
            None => None,
        };
        let mut notes = match selected.credential {
            UserCredential::Basic { .. } => vec![BASIC_AUTH_NOTE.into()],
            _ => Vec::new(),
        };
        let mut token = match kc.user(&selected.user_name) {
            Some(u) => kubeconfig_token(u)?,
            None => None,
        };
        let server = &selected.cluster.server;
        match crate::kubeconfig::server_url::server(server).map_err(|e| {
            Error::input(
                &kubeconfig_name,
                format!(
                    "kubectl cannot use the server of cluster {:?} (client-go rest/url_utils.go): {e}",
                    selected.cluster_name
                ),
            )
        })? {
            ServerUrl::Insecure { url } => {
                return Err(Error::input(
                    &kubeconfig_name,
                    format!(
                        "cluster {:?} is served at {url}, not https: client-go sends the user's credentials only over TLS (client_config.go: \"only try to read the auth information if we are secure\"), so kubectl sends no certificate and no token there",
                        selected.cluster_name
                    ),
                ));
            }
            ServerUrl::Https { userinfo: true } if token.is_some() => {
                token = None;
                notes.push(USERINFO_NOTE.into());
            }
            ServerUrl::Https { .. } => {}
        }
        let client_chain = kubeconfig_client_chain(&selected, &what, token.is_some())?;
        let (ca_source, cluster_ca) = kubeconfig_cluster_ca(&selected, &kubeconfig_name)?;
        Ok(Presented {
            request: Request {
                client_chain,
                token,
            },
            chain_source: format!("{kubeconfig_name}: {what}"),
            token_source: format!("{kubeconfig_name}: {what}: token"),
            cluster_ca: Some((ca_source, cluster_ca)),
            namespace: Some(selected.namespace.clone()),
            notes,
            impersonate,
        })
    }

    /// `--client-certificate`, `--token`, `--token-file`: when any is given, the request is
    /// made of them alone.
    fn flags_request(&self) -> Result<Option<Presented>> {
        let explicit_token = crate::token::read_token(
            self.token.as_deref(),
            self.token_file.as_deref(),
            "the token given",
        )?;
        // --token and --token-file accept a pasted "Bearer " prefix and surrounding whitespace.
        let (token_source, explicit_token) = match explicit_token {
            Some((source, t)) => {
                let t = non_empty_token(&source, verify::clean(&t).to_string())?;
                (source, Some(t))
            }
            None => (String::new(), None),
        };
        if self.client_certificate.is_none() && explicit_token.is_none() {
            return Ok(None);
        }
        let client_chain = match &self.client_certificate {
            Some(path) => Some(presented_chain(path, &crate::fsio::read::read(path)?)?),
            None => None,
        };
        Ok(Some(Presented {
            request: Request {
                client_chain,
                token: explicit_token,
            },
            token_source,
            chain_source: self
                .client_certificate
                .as_deref()
                .map(crate::fsio::read::display)
                .unwrap_or_default(),
            ..Presented::default()
        }))
    }

    /// The kubeconfig as kubectl's loading rules find it (`clientcmd`
    /// `ClientConfigLoadingRules`: `--kubeconfig`, else `KUBECONFIG`, else
    /// `~/.kube/config`), with its name for messages; `None` when there is none at all.
    fn kubeconfig(&self) -> Result<Option<(Kubeconfig, String)>> {
        let kc = match &self.kubeconfig {
            Some(path) => Kubeconfig::load(path)?,
            None => {
                let env_set = std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty());
                let default_exists = crate::kubeconfig::default_read_path().is_some();
                if !env_set && !default_exists {
                    if self.context.is_some() {
                        return Err(Error::Usage(
                            "--context needs a kubeconfig: none given, KUBECONFIG is unset and ~/.kube/config does not exist".into(),
                        ));
                    }
                    return Ok(None);
                }
                Kubeconfig::load_env()?
            }
        };
        let kubeconfig_name = match &self.kubeconfig {
            Some(p) => crate::fsio::read::display(p),
            None => std::env::var("KUBECONFIG")
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| {
                    crate::kubeconfig::default_read_path().map(|p| crate::fsio::read::display(&p))
                })
                .unwrap_or_else(|| "the kubeconfig".into()),
        };
        Ok(Some((kc, kubeconfig_name)))
    }
}

/// What the API server makes of a kubeconfig user with `username`/`password`.
const BASIC_AUTH_NOTE: &str = "the user authenticates with a username and password: kubectl sends them as `Authorization: Basic`, which kube-apiserver has ignored since 1.19 (--basic-auth-file was removed; bearertoken.go reads only `Bearer`), so the request carries no credential";

/// kubectl's checks of the selected user and cluster (`ConfirmUsable`): a kubeconfig that
/// fails them sends nothing. Also the impersonation the user asks for (`as`), which the
/// request then carries.
/// The server URL's user info goes out as `Authorization: Basic`, which the bearer round
/// tripper then leaves alone.
const USERINFO_NOTE: &str = "the server URL carries user info, which Go's HTTP client sends as \"Authorization: Basic\" before client-go would add the token (net/http Client.send; the bearer round tripper leaves a set header alone): the token is not sent, and kube-apiserver has no basic authentication";

fn refuse_what_kubectl_refuses(
    kc: &Kubeconfig,
    selected: &Selected,
    user: &NamedUser,
    kubeconfig_name: &str,
) -> Result<Option<Impersonation>> {
    use crate::kubeconfig::validate;
    let mut errors = validate::auth_info_errors(user);
    if let Some(cluster) = kc.cluster(&selected.cluster_name) {
        errors.extend(validate::cluster_info_errors(cluster));
    }
    let impersonation = validate::impersonation(user).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    if !errors.is_empty() {
        return Err(Error::input(
            kubeconfig_name,
            format!(
                "kubectl refuses it before sending anything (client-go validation.go): {}",
                errors.join("; ")
            ),
        ));
    }
    if let Some(why) = validate::auth_provider_refusal(user) {
        return Err(Error::input(kubeconfig_name, why));
    }
    if let Some(why) = validate::exec_refusal(user) {
        return Err(Error::input(
            kubeconfig_name,
            format!(
                "kubectl refuses it before sending anything (client-go rest/transport.go): {why}"
            ),
        ));
    }
    Ok(impersonation)
}

/// The client certificate of the selected kubeconfig user. client-go loads the pair with
/// `tls.X509KeyPair` (`transport/tls_cache` -> `TLSConfigFor`), which reads PEM only: a DER
/// file named by the kubeconfig means kubectl never sends a request, whatever the
/// certificate says. A credential kcred cannot run (exec, auth-provider) is refused unless
/// a token is sent anyway.
fn kubeconfig_client_chain(
    selected: &Selected,
    what: &str,
    has_token: bool,
) -> Result<Option<Vec<Vec<u8>>>> {
    match &selected.credential {
        UserCredential::ClientCert { cert_pem, key_pem } => {
            for (bytes, input) in [(&cert_pem[..], "certificate"), (&key_pem[..], "key")] {
                if !crate::pem::looks_like_pem(bytes) {
                    return Err(Error::input(
                        format!("{what}: client {input}"),
                        format!(
                            "is not PEM, so kubectl cannot load it (client-go tls.X509KeyPair: \"tls: failed to find any PEM data in {input} input\"); convert it with `openssl {} -inform DER`",
                            if input == "key" { "pkey" } else { "x509" }
                        ),
                    ));
                }
            }
            let chain =
                presented_chain(Path::new(&format!("{what}: client certificate")), cert_pem)?;
            if let Some(leaf) = chain.first() {
                check_key_pair(leaf, key_pem, what)?;
            }
            Ok(Some(chain))
        }
        // kube-apiserver has had no basic authentication since 1.19: the bearer-token
        // authenticator skips an `Authorization: Basic` header (bearertoken.go), so the
        // request goes on without a credential ([`BASIC_AUTH_NOTE`]).
        UserCredential::Token(_) | UserCredential::None | UserCredential::Basic { .. } => Ok(None),
        other if !has_token => Err(Error::input(
            what,
            format!(
                "authenticates with {} which kcred cannot evaluate offline; run it yourself and pass the token with --token",
                other.kind()
            ),
        )),
        _ => Ok(None),
    }
}

/// `tls.X509KeyPair` (crypto/tls) on the kubeconfig user's pair: the first block labelled
/// `PRIVATE KEY` or `… PRIVATE KEY` must parse and be the leaf's key, or kubectl loads no
/// client certificate (client-go's cert_rotation.go logs the error and the requests go
/// without one). kcred refuses the pair rather than judge a certificate kubectl never
/// presents. A leaf Go cannot parse is left to the handshake check, which says so in Go's
/// words.
fn check_key_pair(leaf_der: &[u8], key_pem: &[u8], what: &str) -> Result<()> {
    use x509_parser::prelude::FromDer as _;
    let source = format!("{what}: client key");
    let refused = |why: &str| {
        Error::input(
            &source,
            format!(
                "kubectl cannot load the client certificate and key (tls.X509KeyPair: {why}): client-go logs \"Loading client cert failed\" and sends its requests without a client certificate; fix the pair"
            ),
        )
    };
    let Ok((_, leaf)) = x509_parser::certificate::X509Certificate::from_der(leaf_der) else {
        return Ok(());
    };
    let blocks = crate::pem::parse_all(&source, key_pem)?;
    crate::token::keys::go_x509_key_pair(leaf.tbs_certificate.subject_pki.raw, &blocks)
        .map_err(|e| refused(&format!("{:?}", e.go_error())))
}

/// The selected cluster's CA, named for messages: client-go's `rootCertPool`
/// (`x509.CertPool.AppendCertsFromPEM`) reads PEM only.
fn kubeconfig_cluster_ca(
    selected: &Selected,
    kubeconfig_name: &str,
) -> Result<(String, Option<Vec<Vec<u8>>>)> {
    let ca_source = format!(
        "the CA of cluster {:?} in {kubeconfig_name}",
        selected.cluster_name
    );
    let cluster_ca = match &selected.cluster.ca_pem {
        Some(pem) if !crate::pem::looks_like_pem(pem) => {
            let der = pem.first() == Some(&0x30);
            return Err(Error::input(
                ca_source,
                format!(
                    "is not PEM, so kubectl cannot load it (client-go rootCertPool: \"unable to load root certificates: unable to parse bytes as PEM block\"){}",
                    if der {
                        "; convert it with `openssl x509 -inform DER`"
                    } else {
                        ""
                    }
                ),
            ));
        }
        // client-go `rootCertPool`: AppendCertsFromPEM skips what it cannot use, and only
        // a bundle with nothing usable is kubectl's error.
        Some(pem) => {
            if let Some(why) = crate::pem::client_go_ca_data_error(pem) {
                return Err(Error::input(
                    ca_source,
                    format!("holds no certificate Go can use, so kubectl cannot load it: {why}"),
                ));
            }
            Some(crate::pem::go_cert_pool(pem))
        }
        None => None,
    };
    Ok((ca_source, cluster_ca))
}
