//! `kcred check --trust`: the trust matrix of a kubeadm directory. Every client credential is
//! checked against the server it talks to, both ways: the client certificate against the
//! file the server reads as client trust, and the server certificate (for the name the
//! client dials) against the CA the client holds. This is the question a CA rotation must
//! answer "yes" to at every step, and what people get wrong by hand.
//!
//! The pairs come from the embedded kubeadm plan (`templates/plans/kubeadm.yaml`, which
//! names each credential's file and signing CA) and from kubeadm's static-pod flags
//! (`cmd/kubeadm/app/phases/controlplane/manifests.go`, `getAPIServerCommand`;
//! `cmd/kubeadm/app/phases/etcd/local.go`, `getEtcdCommand`):
//! - kube-apiserver `--client-ca-file=pki/ca.crt`, `--tls-cert-file=pki/apiserver.crt`,
//!   `--requestheader-client-ca-file=pki/front-proxy-ca.crt`,
//!   `--etcd-cafile=pki/etcd/ca.crt`, `--etcd-servers=https://127.0.0.1:2379`;
//! - etcd `--trusted-ca-file` and `--peer-trusted-ca-file` = `pki/etcd/ca.crt`,
//!   `--client-cert-auth=true`, `--peer-client-cert-auth=true`;
//! - the kubelet's `--client-ca-file` (`clientCAFile` in its config) = `pki/ca.crt`.
//!
//! Each check is Go's `Certificate.Verify` (`crypto/x509/verify.go`) as
//! [`crate::authn::verify_chain`] implements it, with every certificate of the trust file as
//! a root (Go's `CertPool.AppendCertsFromPEM` takes them all, so a rotation's old+new bundle
//! trusts both), and for a server certificate `VerifyHostname` (`crypto/x509/verify.go`)
//! for the host the client dials. This module only reads.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;

use crate::authn::x509::verify_chain;
use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfig;
use crate::pki::{Certificate, Eku, San};
use crate::plan::{Entry, Plan};

/// One checked pair, one direction.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TrustRow {
    /// The client (a plan credential's name: `admin.conf`, `apiserver-etcd-client`, …).
    pub client: String,
    /// The server it talks to (`kube-apiserver`, `etcd`, `etcd-peer`, `kubelet`, …).
    pub server: String,
    /// `client-cert` (the server accepts the client) or `server-cert` (the client accepts the
    /// server), or `sa-key` (the ServiceAccount public keys hold the signing key's half).
    pub check: &'static str,
    /// The certificate (or key) checked, relative to the directory.
    pub presented: String,
    /// What it is checked against: the trust file, relative to the directory, and the flag
    /// that reads it.
    pub trusted_by: String,
    /// The host name verified for a server certificate.
    pub host: Option<String>,
    /// Empty when the pair is fine; otherwise why not, in the verifier's words.
    pub problem: String,
}

/// The trust matrix.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustReport {
    /// Every pair, in plan order.
    pub pairs: Vec<TrustRow>,
}

impl TrustReport {
    /// The broken pairs.
    pub fn broken(&self) -> impl Iterator<Item = &TrustRow> {
        self.pairs.iter().filter(|r| !r.problem.is_empty())
    }
}

/// The server each kubeadm client credential talks to, by plan name: (server, trust flag of
/// the server for the client certificate, host the client dials the server's certificate
/// as, the server's certificate by plan name). kubeadm points kube-apiserver at etcd as
/// `https://127.0.0.1:2379` (`manifests.go`, `getAPIServerCommand`).
/// (client, server, the server's trust flag, (host dialled, server certificate)).
type Peer = (
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

const PEERS: [Peer; 4] = [
    (
        "apiserver-etcd-client",
        "etcd",
        "--trusted-ca-file",
        Some(("127.0.0.1", "etcd-server")),
    ),
    (
        "etcd-healthcheck-client",
        "etcd",
        "--trusted-ca-file",
        Some(("127.0.0.1", "etcd-server")),
    ),
    // The kubelet serving certificate is the kubelet's own (self-signed, or from a CSR) and
    // kubeadm sets no `--kubelet-certificate-authority`: only the client side is checked.
    (
        "apiserver-kubelet-client",
        "kubelet",
        "--client-ca-file",
        None,
    ),
    // The aggregated API server checks the front proxy's certificate against
    // `--requestheader-client-ca-file`; it does not dial kube-apiserver back.
    (
        "front-proxy-client",
        "aggregated-apiserver",
        "--requestheader-client-ca-file",
        None,
    ),
];

/// The trust matrix of `dir`, a kubeadm directory (with `pki/`) or its `pki/` itself.
pub fn trust(dir: &Path, now: Timestamp) -> Result<TrustReport> {
    if !dir.is_dir() {
        return Err(Error::input(dir, "is not a directory"));
    }
    let (root, pki_root) = if dir.join("pki").is_dir() {
        (dir.to_path_buf(), false)
    } else if super::layout::is_kubeadm_pki(dir) {
        (dir.to_path_buf(), true)
    } else {
        return Err(Error::input(
            dir,
            "check --trust: not a kubeadm directory (no pki/); the trust matrix knows kubeadm's layout",
        ));
    };
    let plan = Plan::embedded("kubeadm")?;
    let m = Matrix {
        root,
        pki_root,
        plan,
        now,
    };
    let mut pairs = Vec::new();
    m.kubeconfigs(&mut pairs);
    m.peers(&mut pairs);
    m.etcd_peer(&mut pairs);
    m.service_account(&mut pairs);
    m.tokens(&mut pairs);
    Ok(TrustReport { pairs })
}

struct Matrix {
    root: PathBuf,
    pki_root: bool,
    plan: Plan,
    now: Timestamp,
}

impl Matrix {
    /// A plan path (`pki/ca.crt`) in the directory; a `pki/` given directly drops the prefix.
    fn path(&self, planned: &str) -> PathBuf {
        match planned.strip_prefix("pki/") {
            Some(inner) if self.pki_root => self.root.join(inner),
            _ => self.root.join(planned),
        }
    }

    /// Whether the directory is a control plane's (kubeadm's test in `layout`: any of the
    /// API server's files or the cluster CA's key).
    fn control_plane(&self) -> bool {
        let has = |name: &str| {
            self.crt(name)
                .is_some_and(|c| c.exists() || c.with_extension("key").exists())
        };
        has("apiserver")
            || self
                .crt("ca")
                .is_some_and(|c| c.with_extension("key").exists())
    }

    fn rel(&self, p: &Path) -> String {
        super::rel(&self.root, p)
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.plan.credentials.iter().find(|e| e.name() == name)
    }

    /// `FILE.crt` of plan credential `name`.
    fn crt(&self, name: &str) -> Option<PathBuf> {
        self.entry(name)
            .and_then(Entry::file)
            .map(|f| self.path(&format!("{f}.crt")))
    }

    /// The certificate file of the CA that signs plan credential `name`.
    fn ca_crt_of(&self, name: &str) -> Option<PathBuf> {
        self.entry(name)
            .and_then(Entry::ca)
            .and_then(|ca| self.crt(ca))
    }

    /// Every kubeconfig of the plan (per-node ones under each node's directory, and kubeadm's
    /// own `kubelet.conf`) → kube-apiserver.
    fn kubeconfigs(&self, out: &mut Vec<TrustRow>) {
        if self.pki_root {
            return;
        }
        let mut confs: Vec<(String, PathBuf, String)> = Vec::new();
        for e in &self.plan.credentials {
            let (Some(kc), Some(ca)) = (e.kubeconfig(), e.ca()) else {
                continue;
            };
            if e.per_node() {
                // `nodes/{node}/kubelet.conf`: every node directory present.
                let Some((head, tail)) = kc.split_once("{node}") else {
                    continue;
                };
                let Ok(rd) = std::fs::read_dir(self.root.join(head)) else {
                    continue;
                };
                let mut nodes: Vec<String> = rd
                    .flatten()
                    .map(|d| d.file_name().to_string_lossy().into_owned())
                    .collect();
                nodes.sort();
                for n in nodes {
                    let p = self.root.join(format!("{head}{n}{tail}"));
                    if p.is_file() {
                        confs.push((e.name().replace("{node}", &n), p, ca.to_string()));
                    }
                }
            } else {
                let p = self.root.join(kc);
                if p.is_file() {
                    confs.push((e.name().to_string(), p, ca.to_string()));
                }
            }
        }
        // kubeadm's own node kubeconfig (`kubelet.conf` beside `admin.conf`).
        let kubelet = self.root.join("kubelet.conf");
        if kubelet.is_file() && !confs.iter().any(|(_, p, _)| p == &kubelet) {
            confs.push(("kubelet.conf".into(), kubelet, "ca".into()));
        }
        // A worker's directory (`kubeadm join`) has no API server files: the serving side is
        // checked where they are, on the control plane.
        let apiserver = self.crt("apiserver").filter(|_| self.control_plane());
        for (name, path, ca) in confs {
            let client_ca = self.crt(&ca);
            self.kubeconfig(
                out,
                &name,
                &path,
                client_ca.as_deref(),
                apiserver.as_deref(),
            );
        }
    }

    fn kubeconfig(
        &self,
        out: &mut Vec<TrustRow>,
        name: &str,
        path: &Path,
        client_ca: Option<&Path>,
        apiserver: Option<&Path>,
    ) {
        let shown = self.rel(path);
        let row = |check, presented: String, trusted_by: String, host, problem| TrustRow {
            client: name.to_string(),
            server: "kube-apiserver".into(),
            check,
            presented,
            trusted_by,
            host,
            problem,
        };
        let kc = match Kubeconfig::load(path) {
            Ok(kc) => kc,
            Err(e) => {
                out.push(row(
                    "client-cert",
                    shown.clone(),
                    String::new(),
                    None,
                    e.to_string(),
                ));
                return;
            }
        };
        // The current context's user and cluster, as kubectl picks them.
        let ctx = kc
            .contexts
            .iter()
            .find(|c| c.name == kc.current_context)
            .or_else(|| kc.contexts.first());
        let user = ctx.and_then(|c| kc.users.iter().find(|u| u.name == c.context.user));
        let cluster = ctx.and_then(|c| kc.cluster(&c.context.cluster));
        // Client side: the user's certificate vs kube-apiserver's --client-ca-file.
        let client_ca_shown = client_ca
            .map(|p| format!("{} (kube-apiserver --client-ca-file)", self.rel(p)))
            .unwrap_or_default();
        if let Some(problem) = self.client_cert_problem(path, user, client_ca) {
            out.push(row(
                "client-cert",
                format!("{shown} (user certificate)"),
                client_ca_shown,
                None,
                problem,
            ));
        }
        // Server side: apiserver.crt vs the kubeconfig's CA for the host of `server:`.
        let Some(apiserver) = apiserver else { return };
        let host = cluster.map(|c| {
            if c.cluster.tls_server_name.is_empty() {
                url_host(&c.cluster.server)
            } else {
                c.cluster.tls_server_name.clone()
            }
        });
        let problem = self.server_cert_problem(path, cluster, apiserver, host.as_deref());
        out.push(row(
            "server-cert",
            self.rel(apiserver),
            format!("{shown} (certificate-authority-data)"),
            host,
            problem,
        ));
    }

    /// Why kube-apiserver (`--client-ca-file` `client_ca`) would refuse the certificate of
    /// the kubeconfig's current user, if it would; `None` also for a user that
    /// authenticates otherwise.
    fn client_cert_problem(
        &self,
        path: &Path,
        user: Option<&crate::kubeconfig::NamedUser>,
        client_ca: Option<&Path>,
    ) -> Option<String> {
        let cert = user.and_then(|u| {
            let d = &u.user;
            match (&d.client_certificate_data, d.client_certificate.is_empty()) {
                (Some(pem), _) => Some(Ok(pem.clone())),
                (None, false) => Some(
                    crate::fsio::read::read(&u.resolve(&d.client_certificate)).map(|b| b.to_vec()),
                ),
                (None, true) => None,
            }
        });
        // A user that authenticates otherwise (a token, an exec or auth-provider plugin) has
        // no certificate to check here; its token, if a ServiceAccount JWT, has a row of its
        // own.
        let other_auth = user.is_some_and(|u| {
            !u.user.token.is_empty()
                || !u.user.token_file.is_empty()
                || u.user.rest.contains_key("exec")
                || u.user.rest.contains_key("auth-provider")
        });
        match (cert, client_ca) {
            (None, _) if other_auth => None,
            (None, _) => Some("no client certificate in the kubeconfig's current user".to_string()),
            (Some(Err(e)), _) => Some(e.to_string()),
            (_, None) => Some("the plan names no client CA".into()),
            // The API server's x509 authenticator itself (`authenticate_client_cert`: Go's
            // Verify for client auth, then a CN to name the user), with the rest of the
            // user's certificate file as the presented intermediates.
            (Some(Ok(pem)), Some(ca)) => Some(
                match (
                    crate::pki::read_certificates(path, &pem),
                    crate::authn::x509::load_ca_bundle(ca),
                ) {
                    (Err(e), _) | (_, Err(e)) => e.to_string(),
                    (Ok(chain), Ok(roots)) => {
                        crate::authn::x509::authenticate_client_cert(&chain, &roots, self.now)
                            .err()
                            .map(|r| r.reason)
                            .unwrap_or_default()
                    }
                },
            ),
        }
    }

    /// Why a client of the kubeconfig's cluster (its CA data or file) would refuse
    /// `apiserver` for `host`, or "" when it would not.
    fn server_cert_problem(
        &self,
        path: &Path,
        cluster: Option<&crate::kubeconfig::NamedCluster>,
        apiserver: &Path,
        host: Option<&str>,
    ) -> String {
        let ca_data = cluster.and_then(|c| match &c.cluster.certificate_authority_data {
            Some(d) => Some(Ok(d.clone())),
            None if !c.cluster.certificate_authority.is_empty() => Some(
                crate::fsio::read::read(&c.resolve(&c.cluster.certificate_authority))
                    .map(|b| b.to_vec()),
            ),
            None => None,
        });
        match ca_data {
            None => "the kubeconfig's cluster has no certificate-authority(-data)".into(),
            Some(Err(e)) => e.to_string(),
            // client-go's rootCertPool: AppendCertsFromPEM keeps what Go parses, skips the rest.
            Some(Ok(pem)) => match crate::pem::go_cert_pool(&pem) {
                roots if roots.is_empty() => format!(
                    "certificate-authority-data: {}: holds no certificate Go can use (client-go rootCertPool: unable to load root certificates)",
                    path.display()
                ),
                roots => match std::fs::read(apiserver)
                    .map_err(|e| Error::input(apiserver, crate::io_words(&e)))
                    .and_then(|b| first_cert(apiserver, &b))
                {
                    Err(e) => e.to_string(),
                    Ok(leaf) => verify_roots(&leaf, &roots, self.now, &Eku::ServerAuth, host),
                },
            },
        }
    }

    /// apiserver-etcd-client, healthcheck, apiserver-kubelet-client and front-proxy-client.
    fn peers(&self, out: &mut Vec<TrustRow>) {
        for (client, server, flag, back) in PEERS {
            let (Some(cert), Some(ca)) = (self.crt(client), self.ca_crt_of(client)) else {
                continue;
            };
            if !cert.exists() && (!ca.exists() || !self.control_plane()) {
                // External etcd (no local etcd files at all), or a worker's directory: the
                // control plane's clients are not there, and are checked where they are.
                continue;
            }
            out.push(TrustRow {
                client: client.into(),
                server: server.into(),
                check: "client-cert",
                presented: self.rel(&cert),
                trusted_by: format!("{} ({server} {flag})", self.rel(&ca)),
                host: None,
                problem: match self.verify_file(&cert, &ca, &Eku::ClientAuth, None) {
                    p if p.is_empty() && client == "front-proxy-client" => allowed_name(&cert),
                    p => p,
                },
            });
            if let Some((host, server_cert)) = back
                && let Some(sc) = self.crt(server_cert)
            {
                out.push(TrustRow {
                    client: client.into(),
                    server: server.into(),
                    check: "server-cert",
                    presented: self.rel(&sc),
                    trusted_by: format!("{} (kube-apiserver --etcd-cafile)", self.rel(&ca)),
                    host: Some(host.into()),
                    problem: self.verify_file(&sc, &ca, &Eku::ServerAuth, Some(host)),
                });
            }
        }
    }

    /// etcd peer ↔ peer: each member presents `peer.crt` as client and as server
    /// (`--peer-cert-file`), checked against `--peer-trusted-ca-file`. The peer's serving
    /// name is the member's advertised address, which the directory does not hold: the
    /// certificate is checked for both uses, not for a host.
    fn etcd_peer(&self, out: &mut Vec<TrustRow>) {
        let (Some(cert), Some(ca)) = (self.crt("etcd-peer"), self.ca_crt_of("etcd-peer")) else {
            return;
        };
        if !cert.exists() && !ca.exists() {
            return;
        }
        for (check, eku) in [
            ("client-cert", Eku::ClientAuth),
            ("server-cert", Eku::ServerAuth),
        ] {
            out.push(TrustRow {
                client: "etcd-peer".into(),
                server: "etcd-peer".into(),
                check,
                presented: self.rel(&cert),
                trusted_by: format!("{} (etcd --peer-trusted-ca-file)", self.rel(&ca)),
                host: None,
                problem: self.verify_file(&cert, &ca, &eku, None),
            });
        }
    }

    /// `sa.key`'s public half is one of the keys in `sa.pub` (kube-apiserver
    /// `--service-account-key-file` takes every PEM public key of the file,
    /// `k8s.io/client-go/util/keyutil` `ParsePublicKeysPEM`).
    fn service_account(&self, out: &mut Vec<TrustRow>) {
        let Some(file) = self.entry("sa").and_then(Entry::file) else {
            return;
        };
        let key = self.path(&format!("{file}.key"));
        let public = self.path(&format!("{file}.pub"));
        if !key.exists() && !public.exists() {
            return;
        }
        // Both files as the components read them (client-go util/keyutil): kube-controller-
        // manager's --service-account-private-key-file takes an RSA or ECDSA private key
        // (ParsePrivateKeyPEM), kube-apiserver's --service-account-key-file every RSA or ECDSA
        // key it can read, public, private or in a certificate (ParsePublicKeysPEM).
        let problem = (|| -> Result<String> {
            use crate::token::keys::parse_verification_keys;
            let kb = crate::fsio::read::read(&key)?;
            let shown = key.display().to_string();
            let signing = parse_verification_keys(&shown, &kb).map_err(|_| {
                Error::input(
                    &shown,
                    "data does not contain a valid RSA or ECDSA private key: kube-controller-manager will not start with this --service-account-private-key-file",
                )
            })?;
            let pb = crate::fsio::read::read(&public)?;
            let keys = parse_verification_keys(&public.display().to_string(), &pb)?;
            Ok(if keys.iter().any(|k| k.numbers == signing[0].numbers) {
                String::new()
            } else {
                format!(
                    "{}'s public key is not among the {} key(s) in {}: tokens it signs do not verify",
                    self.rel(&key),
                    keys.len(),
                    self.rel(&public)
                )
            })
        })()
        .unwrap_or_else(|e| e.to_string());
        out.push(TrustRow {
            client: "service-account-tokens".into(),
            server: "kube-apiserver".into(),
            check: "sa-key",
            presented: self.rel(&key),
            trusted_by: format!(
                "{} (kube-apiserver --service-account-key-file)",
                self.rel(&public)
            ),
            host: None,
            problem,
        });
    }

    /// ServiceAccount tokens the directory holds (a kubeconfig user's `token` or
    /// `tokenFile`, a `*.token` or `*.jwt` file at its top): each must verify with a key of
    /// `sa.pub`, as kube-apiserver's authenticators check it (`token::verify`, go-jose and
    /// `pkg/serviceaccount/jwt.go`). The issuer and audiences the API server is started with
    /// are not in the directory: the token's own are taken, so the row answers "does the
    /// key set still verify it, and is it in date". A token that is not a JWT (a bootstrap
    /// or static token) is not the ServiceAccount keys' business and has no row.
    fn tokens(&self, out: &mut Vec<TrustRow>) {
        if self.pki_root {
            return;
        }
        let Some(file) = self.entry("sa").and_then(Entry::file) else {
            return;
        };
        let public = self.path(&format!("{file}.pub"));
        let keys = match crate::fsio::read::read(&public).and_then(|b| {
            crate::token::keys::parse_verification_keys(&public.display().to_string(), &b)
        }) {
            Ok(k) => k,
            Err(_) => return, // the sa-key row already says what is wrong with sa.pub
        };
        use crate::token::verify::{self, Rejection, TokenTrust};
        for (shown, token) in self.found_tokens() {
            let Ok(t) = verify::decode(&shown, &token) else {
                continue; // not a JWT
            };
            let trust = TokenTrust::new(keys.clone(), vec![t.issuer()], t.audiences());
            let problem = match verify::authenticate(&token, &trust, self.now) {
                Ok(_) => String::new(),
                Err(Rejection::NotMine(_)) => continue,
                Err(Rejection::Invalid(why)) => why,
            };
            out.push(TrustRow {
                client: "service-account-token".into(),
                server: "kube-apiserver".into(),
                check: "token",
                presented: shown,
                trusted_by: format!(
                    "{} (kube-apiserver --service-account-key-file)",
                    self.rel(&public)
                ),
                host: None,
                problem,
            });
        }
    }

    /// The bearer tokens the directory holds, each with where it was found: the users of
    /// its kubeconfigs (`*.conf`, `*.kubeconfig`, `nodes/*/kubelet.conf`; a token or a token
    /// file) and its `*.token`/`*.jwt` files, in path order. Unreadable ones are passed over.
    fn found_tokens(&self) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = Vec::new();
        let mut confs: Vec<PathBuf> = Vec::new();
        let mut files: Vec<PathBuf> = Vec::new();
        if let Ok(rd) = std::fs::read_dir(&self.root) {
            for d in rd.flatten() {
                let p = d.path();
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                if !p.is_file() {
                    continue;
                }
                match ext {
                    "conf" | "kubeconfig" => confs.push(p),
                    "token" | "jwt" => files.push(p),
                    _ => {}
                }
            }
        }
        if let Ok(rd) = std::fs::read_dir(self.root.join("nodes")) {
            confs.extend(rd.flatten().map(|d| d.path().join("kubelet.conf")));
        }
        confs.sort();
        files.sort();
        for conf in confs.iter().filter(|p| p.is_file()) {
            let Ok(kc) = Kubeconfig::load(conf) else {
                continue;
            };
            for u in &kc.users {
                let shown = format!("{} (user {})", self.rel(conf), u.name);
                if !u.user.token.is_empty() {
                    found.push((shown, u.user.token.clone()));
                } else if !u.user.token_file.is_empty()
                    && let Ok(b) = crate::fsio::read::read(&u.resolve(&u.user.token_file))
                {
                    found.push((shown, String::from_utf8_lossy(&b).into_owned()));
                }
            }
        }
        for f in files {
            if let Ok(b) = crate::fsio::read::read(&f) {
                found.push((self.rel(&f), String::from_utf8_lossy(&b).into_owned()));
            }
        }
        found
    }

    fn verify_file(&self, cert: &Path, ca: &Path, usage: &Eku, host: Option<&str>) -> String {
        match std::fs::read(cert)
            .map_err(|e| Error::input(cert, crate::io_words(&e)))
            .and_then(|b| first_cert(cert, &b))
        {
            Err(e) => e.to_string(),
            Ok(leaf) => self.verify(&leaf, ca, usage, host),
        }
    }

    fn verify(&self, leaf: &[u8], ca: &Path, usage: &Eku, host: Option<&str>) -> String {
        match crate::authn::x509::load_ca_bundle(ca) {
            Err(e) => e.to_string(),
            Ok(roots) => verify_roots(leaf, &roots, self.now, usage, host),
        }
    }
}

/// Go's `Verify` with `roots`, then `VerifyHostname(host)`; empty when both pass.
fn verify_roots(
    leaf: &[u8],
    roots: &[Vec<u8>],
    now: Timestamp,
    usage: &Eku,
    host: Option<&str>,
) -> String {
    if let Err(r) = verify_chain(leaf, &[], roots, now, usage) {
        return r.reason;
    }
    match (host, Certificate::from_der(leaf)) {
        (Some(h), Ok(c)) => verify_hostname(&c, h).err().unwrap_or_default(),
        (Some(_), Err(e)) => e,
        (None, _) => String::new(),
    }
}

/// kubeadm's `--requestheader-allowed-names=front-proxy-client` (`manifests.go`): the
/// request-header authenticator takes the front proxy only with that CN, in
/// `k8s.io/apiserver/pkg/authentication/request/x509/x509.go` (`Verifier.verifySubject`).
fn allowed_name(cert: &Path) -> String {
    let cn = std::fs::read(cert)
        .ok()
        .and_then(|b| first_cert(cert, &b).ok())
        .and_then(|d| Certificate::from_der(&d).ok())
        .map(|c| c.subject.common_name);
    match cn {
        Some(cn) if cn == "front-proxy-client" => String::new(),
        Some(cn) => format!("x509: subject with cn={cn} is not in the allowed list"),
        None => format!("{}: cannot read the certificate", cert.display()),
    }
}

fn first_cert(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    Ok(crate::pki::read_certificates(path, bytes)?.remove(0))
}

/// The host of a kubeconfig `server:` URL (`https://HOST:PORT/…`, `[v6]` unbracketed), as
/// Go's `url.URL.Hostname` gives it to `tls.Config.ServerName`.
pub fn url_host(server: &str) -> String {
    let rest = server.split_once("://").map_or(server, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("").to_string();
    }
    authority.split(':').next().unwrap_or("").to_string()
}

/// Go's `Certificate.VerifyHostname` (`crypto/x509/verify.go`): an IP is matched against the
/// IP SANs only; a name against the DNS SANs, case-insensitively, a `*.` wildcard standing
/// for exactly the left-most label. The Common Name is not consulted (Go ≥ 1.15).
pub fn verify_hostname(cert: &Certificate, host: &str) -> std::result::Result<(), String> {
    let host = host.trim_end_matches('.');
    if let Ok(ip) = host.parse::<IpAddr>() {
        if cert
            .sans
            .iter()
            .any(|s| matches!(s, San::Ip(a) if *a == ip))
        {
            return Ok(());
        }
        let ips: Vec<String> = cert
            .sans
            .iter()
            .filter_map(|s| match s {
                San::Ip(a) => Some(a.to_string()),
                _ => None,
            })
            .collect();
        return Err(if ips.is_empty() {
            format!(
                "x509: cannot validate certificate for {host} because it doesn't contain any IP SANs"
            )
        } else {
            format!(
                "x509: certificate is valid for {}, not {host}",
                ips.join(", ")
            )
        });
    }
    let dns: Vec<&str> = cert
        .sans
        .iter()
        .filter_map(|s| match s {
            San::Dns(d) => Some(d.as_str()),
            _ => None,
        })
        .collect();
    let want = host.to_ascii_lowercase();
    // `matchHostnames`: the host's trailing dot dropped, the pattern's kept; a `*` first
    // label stands for one non-empty label; a bare `*` is no pattern (`validHostnamePattern`).
    let matches = |pattern: &str| {
        let p = pattern.to_ascii_lowercase();
        match p.strip_prefix("*.") {
            Some(suffix) => want
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
            None => !p.is_empty() && p == want,
        }
    };
    if dns.iter().any(|d| matches(d)) {
        return Ok(());
    }
    Err(if dns.is_empty() {
        "x509: certificate is not valid for any names, but wanted to match ".to_string() + host
    } else {
        format!(
            "x509: certificate is valid for {}, not {host}",
            dns.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyType, PrivateKey};
    use crate::pki::{CertSpec, Usage};

    #[test]
    fn url_host_as_go_url_hostname() {
        for (url, host) in [
            ("https://cp-1:6443", "cp-1"),
            ("https://10.0.0.1:6443/", "10.0.0.1"),
            ("https://[fd00::1]:6443", "fd00::1"),
            ("https://api.example.com", "api.example.com"),
            ("https://u@api.example.com:443/path?q", "api.example.com"),
        ] {
            assert_eq!(url_host(url), host, "{url}");
        }
    }

    /// Cases of Go's `TestVerifyHostname`-style matching (`crypto/x509/verify_test.go`,
    /// `matchHostnames`), and `HostnameError.Error`'s words.
    #[test]
    fn verify_hostname_as_go() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let mut spec = CertSpec::leaf(
            &crate::Identity::new("kube-apiserver", Vec::<String>::new()),
            Usage::Server,
        );
        spec.sans = vec![
            San::Dns("kubernetes.default".into()),
            San::Dns("*.Example.com".into()),
            San::Ip("10.96.0.1".parse().unwrap()),
        ];
        let der = crate::pki::self_signed(&spec, &key).unwrap().der;
        let c = Certificate::from_der(&der).unwrap();
        for ok in [
            "kubernetes.default",
            "KUBERNETES.default.",
            "api.example.com",
            "10.96.0.1",
        ] {
            assert_eq!(verify_hostname(&c, ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            (
                "kubernetes",
                "x509: certificate is valid for kubernetes.default, *.Example.com, not kubernetes",
            ),
            (
                "a.b.example.com",
                "x509: certificate is valid for kubernetes.default, *.Example.com, not a.b.example.com",
            ),
            (
                "example.com",
                "x509: certificate is valid for kubernetes.default, *.Example.com, not example.com",
            ),
            (
                "10.96.0.2",
                "x509: certificate is valid for 10.96.0.1, not 10.96.0.2",
            ),
        ] {
            assert_eq!(verify_hostname(&c, bad), Err(why.to_string()), "{bad}");
        }
    }
}
