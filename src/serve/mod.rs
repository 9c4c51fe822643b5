//! `kcred serve`: kube-apiserver's authentication and authorization endpoints over TLS, for
//! real clients and no cluster. `kubectl auth whoami` / `auth can-i`, a kube-apiserver's
//! token and authorization webhooks, and OIDC issuer discovery talk to the same
//! authenticator chain `kcred whoami` runs (`crate::authn`) and the authorizer `kcred can-i`
//! runs (`crate::authz`), so the server and the offline commands cannot disagree.
//!
//! - [`tls`]: rustls on aws-lc-rs; client certificates requested, judged by the chain;
//! - [`routes`]: the handler chain (401, 403, the paths, 404); [`reviews`]: the review
//!   resources; [`status`]: the API server's Status objects; [`wire`]: request bodies
//!   (JSON, YAML, Kubernetes protobuf);
//! - [`state`]: the trust material, reloaded when its files change; [`log`]: the access log.
//!
//! HTTP/1.1 through hyper on a two-worker tokio runtime. Limits as the API server's: a
//! request body of at most 3 MiB, headers within 10 s of their first byte (slowloris), a
//! body within 30 s, an idle keep-alive connection closed after 90 s ([`idle`]);
//! and kcred's own to bound memory: at most 1024 connections and 64 bodies being read at
//! once (so at most 192 MiB of request bodies).

pub mod discovery;
mod gostruct;
pub mod idle;
pub mod log;
pub mod reviews;
pub mod routes;
pub mod state;
pub mod status;
pub mod tls;
pub mod webhook;
pub mod wire;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming as Body;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};

pub use log::LogFormat;
pub use state::Sources;
use state::{Shared, State, Watcher};

use crate::error::{Error, Result};

/// `MaxRequestBodyBytes` (`apiserver/pkg/server/config.go`): 3 MiB.
pub const MAX_BODY: usize = 3 * 1024 * 1024;
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// kube-apiserver's `IdleTimeout` (`apiserver/pkg/server/secure_serving.go`).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
const MAX_CONNECTIONS: usize = 1024;
const MAX_BODIES: usize = 64;

/// How to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Trust and serving material.
    pub sources: Sources,
    /// Where to listen.
    pub listen: SocketAddr,
    /// Access-log format.
    pub log_format: LogFormat,
    /// `--webhook-config-out`: written once the address is bound.
    pub webhook: Option<webhook::WebhookOut>,
    /// How long a keep-alive connection may wait for its next request ([`IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
}

/// Load the state (every error is reported before listening), listen, and serve until
/// SIGINT or SIGTERM; in-flight requests are drained.
pub fn run(config: Config) -> Result<()> {
    if let Some(uri) = &config.sources.jwks_uri {
        jwks_uri_as_kube_apiserver_takes_it(uri)?;
    }
    let state = State::load(&config.sources)?;
    for e in &state.authorizer.policy.aggregation_errors {
        log::note(config.log_format, &format!("kcred serve: warning: {e}"));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the runtime: {e}")))?;
    rt.block_on(serve(config, state))
}

/// kube-apiserver's check of `--service-account-jwks-uri`
/// (`pkg/kubeapiserver/options/authentication.go`, `Validate`), in its words.
fn jwks_uri_as_kube_apiserver_takes_it(uri: &str) -> Result<()> {
    let why = match crate::gourl::parse(uri) {
        Err(e) => format!("service-account-jwks-uri must be a valid URL: {e}"),
        Ok(u) if u.scheme != "https" => format!(
            "service-account-jwks-uri requires https scheme, parsed as: {}",
            u.shown(uri)
        ),
        Ok(_) => return Ok(()),
    };
    Err(Error::Usage(format!(
        "kube-apiserver would not start: {why}"
    )))
}

fn io_err(what: &str, e: std::io::Error) -> Error {
    Error::Usage(format!("{what}: {e}"))
}

/// Bind, announce, and serve until a signal, then drain: the TLS configuration is built
/// before the socket is bound, so its errors come before the "listening on" line.
async fn serve(config: Config, state: State) -> Result<()> {
    let fmt = config.log_format;
    let cert = Arc::new(tls::CertSlot(RwLock::new(state.cert.clone())));
    // Whether to ask for client certificates is fixed at start, as kube-apiserver's
    // `--client-ca-file` is (its contents reload; its presence does not).
    let tls_config = tls::server_config(cert.clone(), state.trust.client_cas.is_some())?;
    let shared = Arc::new(Shared {
        sources: config.sources.clone(),
        state: RwLock::new(Arc::new(state)),
        cert,
    });
    let listener = listen(&config).await?;
    spawn_reload(shared.clone(), fmt);
    let server = Server {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(tls_config)),
        shared,
        bodies: Arc::new(tokio::sync::Semaphore::new(MAX_BODIES)),
        fmt,
        idle_timeout: config.idle_timeout,
    };
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    accept_until_signal(&listener, &server, &graceful).await?;
    drop(listener);
    drain(graceful, fmt).await;
    Ok(())
}

/// Bind `config.listen`, write `--webhook-config-out` with the bound address, and say where
/// kcred listens (the line tests and scripts read the address from).
async fn listen(config: &Config) -> Result<tokio::net::TcpListener> {
    let fmt = config.log_format;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| io_err(&format!("cannot listen on {}", config.listen), e))?;
    let bound = listener
        .local_addr()
        .map_err(|e| io_err("cannot read the bound address", e))?;
    if let Some(w) = &config.webhook {
        for p in webhook::write(w, bound)? {
            log::note(
                fmt,
                &format!("kcred serve: wrote {}", crate::fsio::display(&p)),
            );
        }
    }
    log::note(fmt, &format!("kcred serve: listening on https://{bound}"));
    Ok(listener)
}

/// Reload the trust files when they change: a poll each second, off the workers.
fn spawn_reload(shared: Arc<Shared>, fmt: LogFormat) {
    tokio::spawn(async move {
        let mut watcher = Watcher::new(&shared.sources);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let s = shared.clone();
            let (w, r) = tokio::task::spawn_blocking(move || {
                let r = watcher.poll(&s);
                (watcher, r)
            })
            .await
            .expect("reload task");
            watcher = w;
            match r {
                Some(Ok(())) => log::note(fmt, "kcred serve: trust files changed: reloaded"),
                Some(Err(line)) => log::note(fmt, &line),
                None => {}
            }
        }
    });
}

/// What every connection shares.
#[derive(Clone)]
struct Server {
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
    /// Permits for request bodies being read ([`MAX_BODIES`]).
    bodies: Arc<tokio::sync::Semaphore>,
    fmt: LogFormat,
    idle_timeout: Duration,
}

/// Accept connections (at most [`MAX_CONNECTIONS`] at once; one more is closed at once)
/// until SIGINT or SIGTERM.
async fn accept_until_signal(
    listener: &tokio::net::TcpListener,
    server: &Server,
    graceful: &hyper_util::server::graceful::GracefulShutdown,
) -> Result<()> {
    let limit = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| io_err("cannot handle SIGTERM", e))?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, peer)) = accepted else { continue };
                let Ok(permit) = limit.clone().try_acquire_owned() else {
                    continue; // too many connections: this one is closed
                };
                let _ = tcp.set_nodelay(true);
                let server = server.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let _permit = permit;
                    server.connection(tcp, peer, watcher).await;
                });
            }
            _ = &mut ctrl_c => return Ok(()),
            _ = sigterm.recv() => return Ok(()),
        }
    }
}

impl Server {
    /// One connection: the TLS handshake (within [`HANDSHAKE_TIMEOUT`]), then HTTP/1.1
    /// requests until the client closes, the connection idles out, or shutdown drains it.
    async fn connection(
        self,
        tcp: tokio::net::TcpStream,
        peer: SocketAddr,
        watcher: hyper_util::server::graceful::Watcher,
    ) {
        let Ok(Ok(tls)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, self.acceptor.accept(tcp)).await
        else {
            return;
        };
        let chain: Option<Arc<Vec<Vec<u8>>>> = tls
            .get_ref()
            .1
            .peer_certificates()
            .map(|c| Arc::new(c.iter().map(|d| d.to_vec()).collect()));
        let remote: Arc<str> = peer.to_string().into();
        let activity = idle::Activity::new();
        let act = activity.clone();
        let (shared, bodies, fmt) = (self.shared, self.bodies, self.fmt);
        let svc = hyper::service::service_fn(move |req| {
            let shared = shared.clone();
            let chain = chain.clone();
            let remote = remote.clone();
            let bodies = bodies.clone();
            let act = act.clone();
            act.begin();
            async move {
                let reply = respond(&shared, &bodies, chain, &remote, req, fmt).await;
                act.end();
                Ok::<_, Infallible>(reply)
            }
        });
        // hyper's header timer would run while the connection is idle: off,
        // `idle::watch` times both phases as Go's server does.
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(None)
            .max_buf_size(64 * 1024)
            .serve_connection(TokioIo::new(idle::Tracked::new(tls, activity.clone())), svc);
        tokio::select! {
            _ = watcher.watch(conn) => {}
            // No request in flight: dropping the connection closes it.
            _ = idle::watch(activity, self.idle_timeout, HEADER_TIMEOUT) => {}
        }
    }
}

/// Stop: in-flight requests finish (at most [`DRAIN_TIMEOUT`]).
async fn drain(graceful: hyper_util::server::graceful::GracefulShutdown, fmt: LogFormat) {
    log::note(fmt, "kcred serve: stopping: draining in-flight requests");
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN_TIMEOUT) => {
            log::note(fmt, "kcred serve: drain timed out");
        }
    }
    log::note(fmt, "kcred serve: stopped");
}

async fn read_body(body: Body) -> std::result::Result<Bytes, status::Reply> {
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, MAX_BODY).collect()).await {
        Err(_) => Err(status::request_timeout()),
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            Err(status::too_large(MAX_BODY))
        }
        Ok(Err(e)) => Err(status::bad_request(&format!(
            "cannot read the request body: {e}"
        ))),
    }
}

/// `url.PathUnescape` of an extra key as impersonation.go reads it (`%XX` escapes; a bad
/// escape keeps the text as it is).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// One request: read off the wire (headers, then the body under a [`MAX_BODIES`] permit),
/// through the handler chain ([`routes::handle`]), logged, and written back.
async fn respond(
    shared: &Shared,
    bodies: &tokio::sync::Semaphore,
    chain: Option<Arc<Vec<Vec<u8>>>>,
    remote: &str,
    req: Request<Body>,
    fmt: LogFormat,
) -> Response<Full<Bytes>> {
    let start = Instant::now();
    let inc = incoming(&req, chain);
    let body = {
        // Holding a permit while the body arrives bounds the memory bodies take.
        let _permit = bodies.acquire().await;
        read_body(req.into_body()).await
    };
    let handled = match body {
        Ok(body) => routes::handle(shared, &inc, &body),
        Err(reply) => routes::Handled {
            reply,
            user: None,
            verdict: "error",
        },
    };
    let reply = handled.reply;
    log::write(
        fmt,
        &log::Entry {
            remote,
            user: handled.user.as_deref(),
            method: &inc.method,
            path: &inc.path,
            body: body_kind(&inc),
            verdict: handled.verdict,
            status: reply.code,
            latency: start.elapsed(),
        },
    );
    response(&reply)
}

/// What the handler chain reads off the request's head: method, path, the headers it
/// looks at, the connection's client chain, and the `Impersonate-*` headers.
fn incoming(req: &Request<Body>, chain: Option<Arc<Vec<Vec<u8>>>>) -> routes::Incoming {
    let header = |name: hyper::header::HeaderName| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut inc = routes::Incoming {
        method: req.method().as_str().to_string(),
        path: req.uri().path().to_string(),
        authorization: header(hyper::header::AUTHORIZATION),
        content_type: header(hyper::header::CONTENT_TYPE),
        accept: header(hyper::header::ACCEPT),
        client_chain: chain,
        ..routes::Incoming::default()
    };
    for (name, value) in req.headers() {
        let Ok(v) = value.to_str() else { continue };
        let n = name.as_str(); // lowercase in hyper
        if n == "impersonate-user" {
            inc.impersonate_user = Some(v.to_string());
        } else if n == "impersonate-group" {
            inc.impersonate_groups.push(v.to_string());
        } else if n == "impersonate-uid" {
            inc.impersonate_uid = Some(v.to_string());
        } else if let Some(key) = n.strip_prefix("impersonate-extra-") {
            inc.impersonate_extra
                .entry(percent_decode(key))
                .or_default()
                .push(v.to_string());
        }
    }
    inc
}

/// The access log's body column: the body's wire format by `Content-Type` ("-" for a
/// GET or HEAD).
fn body_kind(inc: &routes::Incoming) -> &'static str {
    match (
        inc.method.as_str(),
        wire::body_type(inc.content_type.as_deref()),
    ) {
        ("GET" | "HEAD", _) => "-",
        (_, Some(wire::BodyType::Json)) => "json",
        (_, Some(wire::BodyType::Yaml)) => "yaml",
        (_, Some(wire::BodyType::Protobuf)) => "protobuf",
        (_, None) => "other",
    }
}

/// The reply on the wire: a JSON object (newline-terminated) or, for a string body
/// (`/healthz`), plain text; `nosniff` as the API server sends it.
fn response(reply: &status::Reply) -> Response<Full<Bytes>> {
    let (content_type, bytes) = match &reply.body {
        serde_json::Value::String(s) => ("text/plain; charset=utf-8", Bytes::from(s.clone())),
        v => {
            let mut b = serde_json::to_vec(v).unwrap_or_default();
            b.push(b'\n');
            ("application/json", Bytes::from(b))
        }
    };
    let mut resp = Response::new(Full::new(bytes));
    *resp.status_mut() =
        hyper::StatusCode::from_u16(reply.code).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    resp.headers_mut().insert(
        "X-Content-Type-Options",
        hyper::header::HeaderValue::from_static("nosniff"),
    );
    resp
}

#[cfg(test)]
mod tests {
    /// The cases of `pkg/kubeapiserver/options/authentication_test.go` (`TestAuthenticationValidate`)
    /// for `--service-account-jwks-uri`, with kube-apiserver's expected errors.
    #[test]
    fn jwks_uri_refused_as_kube_apiserver_refuses_it() {
        use super::jwks_uri_as_kube_apiserver_takes_it;
        assert!(jwks_uri_as_kube_apiserver_takes_it("https://baz.com").is_ok());
        for (uri, want) in [
            (
                "https://host:port",
                "service-account-jwks-uri must be a valid URL: parse \"https://host:port\": invalid port \":port\" after host",
            ),
            (
                "http://baz.com",
                "service-account-jwks-uri requires https scheme, parsed as: http://baz.com",
            ),
        ] {
            let got = jwks_uri_as_kube_apiserver_takes_it(uri)
                .unwrap_err()
                .to_string();
            assert!(got.ends_with(want), "{uri}: {got}");
        }
    }

    #[test]
    fn extra_keys_are_path_unescaped_as_impersonation_go_reads_them() {
        assert_eq!(
            super::percent_decode("example.org%2fscopes"),
            "example.org/scopes"
        );
        assert_eq!(super::percent_decode("bad%zz"), "bad%zz");
        assert_eq!(super::percent_decode("end%2"), "end%2");
    }
}
