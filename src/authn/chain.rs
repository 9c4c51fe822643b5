//! The authenticator chain kube-apiserver builds (`pkg/kubeapiserver/authenticator/config.go`,
//! `Config.New`): a union of the x509 client-certificate authenticator and the bearer-token
//! authenticator, which is itself a union of the static token file and the ServiceAccount
//! authenticators; the first to succeed wins, and errors only matter when none does. Then
//! `AuthenticatedGroupAdder` adds `system:authenticated`, and when nothing authenticated the
//! request *without an error*, the anonymous authenticator (`--anonymous-auth`) answers with
//! `system:anonymous`. A bearer token nobody recognises is an error, `invalid bearer token`
//! (`request/bearertoken/bearertoken.go`), so it never falls through to anonymous.
//!
//! The x509 authenticator's error does not stop the token (`union.New` collects errors and
//! goes on), and the handshake itself can fail before any authenticator runs.

use std::fmt;

use jiff::Timestamp;

use super::anonymous::{self, ANONYMOUS_USER, UNAUTHENTICATED_GROUP};
use super::cache::{Caches, CertHit, TokenHit};
use super::request::{Request, bearer_token_seen};
use super::serviceaccount::{self, Answer};
use super::tokenfile::TokenFile;
use super::x509::{self, RejectionKind};
use crate::Identity;
use crate::identity::SYSTEM_AUTHENTICATED;
use crate::token::verify::{TokenKind, TokenTrust};

/// The API server's trust material, by its flags.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// `--client-ca-file` (DER certificates); `None`: no x509 authenticator.
    pub client_cas: Option<Vec<Vec<u8>>>,
    /// `--token-auth-file`.
    pub token_file: Option<TokenFile>,
    /// `--service-account-key-file` and friends; `None`: no ServiceAccount authenticators.
    pub service_accounts: Option<TokenTrust>,
    /// `--anonymous-auth` (the API server's default is true).
    pub anonymous: bool,
}

/// The authenticator that accepted a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authenticator {
    /// The client-certificate authenticator (`--client-ca-file`).
    X509,
    /// The static token file (`--token-auth-file`).
    TokenFile,
    /// A ServiceAccount authenticator: the bound one (`--service-account-issuer`) or the
    /// legacy one (issuer `kubernetes/serviceaccount`).
    ServiceAccount(TokenKind),
    /// The anonymous authenticator (`--anonymous-auth`).
    Anonymous,
}

impl Authenticator {
    /// The short name kcred prints (`authenticated by: …`) and uses in 401 causes.
    pub fn name(self) -> &'static str {
        match self {
            Authenticator::X509 => "x509",
            Authenticator::TokenFile => "token-file",
            Authenticator::ServiceAccount(_) => "service-account",
            Authenticator::Anonymous => "anonymous",
        }
    }

    /// Whether this is a bearer-token authenticator (the token alone decided).
    pub fn reads_token(self) -> bool {
        matches!(
            self,
            Authenticator::TokenFile | Authenticator::ServiceAccount(_)
        )
    }
}

impl fmt::Display for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One authenticator's refusal, for the 401's `details.causes`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Cause {
    /// Which authenticator: `x509`, `token-file`, `service-account`, `bearer-token`,
    /// `anonymous`.
    pub reason: String,
    /// Why, in plain words.
    pub message: String,
}

/// The answer.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The TLS handshake fails: no request reaches the authenticators (kubectl reports a
    /// connection error, not a 401).
    HandshakeFailed {
        /// Go crypto/tls's reason.
        reason: String,
        /// Notes.
        notes: Vec<String>,
    },
    /// kcred cannot answer: a credential was presented for which no trust material was
    /// given, and without it the request would be anonymous. Saying "anonymous" would hide
    /// the credential; the caller should ask for the trust material.
    Undecidable {
        /// Which credential lacks which flag.
        reason: String,
    },
    /// Authenticated.
    Authenticated {
        /// `user.Info` as the API server hands it to authorization.
        identity: Identity,
        /// The authenticator that accepted it.
        by: Authenticator,
        /// What could not be checked offline (live lookups), and other notes.
        notes: Vec<String>,
        /// The client certificate's NotAfter, for the expiry hint.
        cert_expires: Option<Timestamp>,
    },
    /// 401 Unauthorized.
    Unauthorized {
        /// Each authenticator's reason.
        causes: Vec<Cause>,
    },
}

impl Outcome {
    /// Add a note (for a 401, as a `note` cause).
    pub fn push_note(&mut self, note: String) {
        match self {
            Outcome::Authenticated { notes, .. } | Outcome::HandshakeFailed { notes, .. } => {
                notes.push(note)
            }
            Outcome::Unauthorized { causes } => causes.push(cause("note", note)),
            Outcome::Undecidable { .. } => {}
        }
    }
}

fn cause(reason: &str, message: impl Into<String>) -> Cause {
    Cause {
        reason: reason.into(),
        message: message.into(),
    }
}

/// Run the chain on `request` at `now`, in the API server's order
/// (`pkg/kubeapiserver/authenticator/config.go` `Config.New`): the x509 request
/// authenticator, then the bearer-token ones, joined by `union.New` (the first success
/// wins, errors are kept), then anonymous when nothing authenticated and nothing failed.
pub fn authenticate(request: &Request, trust: &Trust, now: Timestamp) -> Outcome {
    authenticate_cached(request, trust, None, now)
}

/// [`authenticate`] for a server answering many requests with one trust load: `caches`
/// remembers token successes as kube-apiserver's token cache does, and verified client
/// chains for as long as they stay valid ([`super::cache`]); the answers are the same.
pub fn authenticate_cached(
    request: &Request,
    trust: &Trust,
    caches: Option<&Caches>,
    now: Timestamp,
) -> Outcome {
    let mut pass = Pass {
        caches,
        ..Pass::default()
    };
    if let Some(chain) = &request.client_chain
        && let Some(outcome) = pass.client_certificate(chain, trust, now)
    {
        return outcome;
    }
    if let Some(sent) = &request.token
        && let Some(outcome) = pass.bearer_token(sent, trust, now)
    {
        return outcome;
    }
    pass.finish(request, trust)
}

/// What the chain has gathered so far: the authenticators' errors, notes on how the
/// request was judged, and credentials no authenticator was configured for.
#[derive(Default)]
struct Pass<'c> {
    errors: Vec<Cause>,
    notes: Vec<String>,
    ignored: Vec<&'static str>,
    caches: Option<&'c Caches>,
}

impl Pass<'_> {
    /// The x509 authenticator (`x509.Authenticator.AuthenticateRequest`), after the TLS
    /// handshake that only happens when the API server asks for a certificate
    /// (`--client-ca-file`). `Some` when the chain ends here.
    fn client_certificate(
        &mut self,
        chain: &[Vec<u8>],
        trust: &Trust,
        now: Timestamp,
    ) -> Option<Outcome> {
        let Some(cas) = &trust.client_cas else {
            self.notes.push(
                "a client certificate was presented but no --client-ca-file is given: the API server would not ask for it"
                    .into(),
            );
            self.ignored
                .push("a client certificate without --client-ca-file (or --pki-dir)");
            return None;
        };
        // A chain verified before (and so through the handshake checks, which depend on
        // the chain alone) whose window holds `now` is answered as then.
        if let Some(hit) = self.caches.and_then(|c| c.cert_get(chain, now)) {
            let notes = std::mem::take(&mut self.notes);
            return Some(done(
                hit.identity,
                Authenticator::X509,
                notes,
                hit.leaf_not_after,
            ));
        }
        // With a client CA the API server asks for the certificate, and Go's TLS stack
        // looks at it before any authenticator does.
        if let Err(reason) = x509::tls_handshake(chain) {
            return Some(Outcome::HandshakeFailed {
                reason,
                notes: std::mem::take(&mut self.notes),
            });
        }
        match x509::authenticate_client_cert_window(chain, cas, now) {
            Ok((identity, window)) => {
                let expires = crate::pki::Certificate::from_der(&chain[0])
                    .ok()
                    .map(|c| c.not_after);
                if let Some(c) = self.caches {
                    let hit = CertHit {
                        identity: identity.clone(),
                        leaf_not_after: expires,
                        window,
                    };
                    c.cert_put(chain, hit, now);
                }
                let notes = std::mem::take(&mut self.notes);
                return Some(done(identity, Authenticator::X509, notes, expires));
            }
            Err(r) if r.kind == RejectionKind::EmptyCommonName => self.notes.push(
                "the client certificate verifies but its CN is empty: the x509 authenticator has no opinion"
                    .to_string(),
            ),
            // union.New: the error is kept and the next authenticator runs.
            Err(r) => self
                .errors
                .push(cause(Authenticator::X509.name(), r.to_string())),
        }
        None
    }

    /// `bearertoken.Authenticator.AuthenticateRequest`: the token as the header parser
    /// sees it, handed to the token authenticators. `Some` when the chain ends here.
    fn bearer_token(&mut self, sent: &str, trust: &Trust, now: Timestamp) -> Option<Outcome> {
        let has_token_auth = trust.token_file.is_some() || trust.service_accounts.is_some();
        match bearer_token_seen(sent) {
            None => self.notes.push(
                "the Authorization header carries no token (client-go sends \"Bearer <token>\" and bearertoken.go takes what follows the first single space): the API server sees no bearer token"
                    .into(),
            ),
            Some(_) if !has_token_auth => {
                self.notes.push(
                    "a bearer token was presented but neither --token-auth-file nor --service-account-key-file is given"
                        .into(),
                );
                self.ignored.push(
                    "a bearer token without --token-auth-file, --service-account-key-file or --pki-dir",
                );
            }
            Some(token) => {
                if token.len() != sent.len() {
                    self.notes.push(
                        "the token holds a space: the API server reads only what comes before it (bearertoken.go splits the header on single spaces)"
                            .into(),
                    );
                }
                match authenticate_token(token, trust, self.caches, now, &mut self.notes) {
                    Ok(done) => return Some(done),
                    Err(token_errors) => self.errors.extend(token_errors),
                }
            }
        }
        None
    }

    /// Nothing authenticated: with no error, the anonymous authenticator
    /// (`anonymous.NewAuthenticator`) when enabled, unless a credential was ignored (kcred
    /// cannot say the anonymous answer is the one meant); else 401 with every cause.
    fn finish(mut self, request: &Request, trust: &Trust) -> Outcome {
        if self.errors.is_empty() {
            if !self.ignored.is_empty() {
                return Outcome::Undecidable {
                    reason: format!(
                        "{} was presented: the API server would ignore it and answer system:anonymous, which is not what the credential is for",
                        self.ignored.join(" and ")
                    ),
                };
            }
            if trust.anonymous {
                return Outcome::Authenticated {
                    identity: anonymous::identity(),
                    by: Authenticator::Anonymous,
                    notes: self.notes,
                    cert_expires: None,
                };
            }
            let what = if request.client_chain.is_none() && request.token.is_none() {
                "no credential was presented"
            } else {
                "no authenticator recognised the credential"
            };
            self.errors.push(cause(
                Authenticator::Anonymous.name(),
                format!("{what} and anonymous requests are disabled (--anonymous-auth=false)"),
            ));
        }
        let mut causes = self.errors;
        causes.extend(self.notes.into_iter().map(|n| cause("note", n)));
        Outcome::Unauthorized { causes }
    }
}

/// The token authenticators (`tokenunion.New`: the static token file, then the
/// ServiceAccount authenticators; the first success wins) behind `bearertoken.New`: a token
/// nobody takes without an error is bearertoken's `invalid bearer token`.
fn authenticate_token(
    token: &str,
    trust: &Trust,
    caches: Option<&Caches>,
    now: Timestamp,
    notes: &mut Vec<String>,
) -> Result<Outcome, Vec<Cause>> {
    // `tokencache.New` wraps the union: a success for this token and these audiences
    // (the context's, here the ServiceAccount authenticators' target audiences) within
    // the TTL is answered from the record.
    let cached = caches.map(|c| {
        let auds = trust
            .service_accounts
            .as_ref()
            .map(|sa| {
                if sa.audiences.is_empty() {
                    &sa.issuers
                } else {
                    &sa.audiences
                }
            })
            .map_or(&[][..], Vec::as_slice);
        (c, c.token_key(token, auds))
    });
    if let Some(hit) = cached.and_then(|(c, key)| c.token_get(&key, now)) {
        notes.extend(hit.notes);
        return Ok(done(hit.identity, hit.by, notes.clone(), None));
    }
    let remember = |identity: &Identity, by, sa_notes: &[String], times| {
        if let Some((c, key)) = cached {
            let hit = TokenHit {
                identity: identity.clone(),
                by,
                notes: sa_notes.to_vec(),
                times,
            };
            c.token_put(key, hit, now);
        }
    };
    let mut token_errors = Vec::new();
    let mut misses = Vec::new();
    if let Some(file) = &trust.token_file {
        if let Some(id) = file.authenticate(token) {
            remember(id, Authenticator::TokenFile, &[], None);
            return Ok(done(
                id.clone(),
                Authenticator::TokenFile,
                notes.clone(),
                None,
            ));
        }
        misses.push("the token is not in --token-auth-file".to_string());
    }
    if let Some(sa) = &trust.service_accounts {
        match serviceaccount::authenticate(token, sa, now) {
            Answer::Accepted {
                identity,
                kind,
                notes: sa_notes,
                times,
            } => {
                let by = Authenticator::ServiceAccount(kind);
                remember(&identity, by, &sa_notes, times);
                notes.extend(sa_notes);
                return Ok(done(identity, by, notes.clone(), None));
            }
            Answer::NotMine(why) => misses.push(format!("ServiceAccount authenticators: {why}")),
            Answer::Invalid(why) => token_errors.push(cause("service-account", why)),
        }
    }
    // Why nobody took it matters only when the request fails.
    notes.extend(misses);
    if token_errors.is_empty() {
        token_errors.push(cause(
            "bearer-token",
            "invalid bearer token: no token authenticator recognises it",
        ));
    }
    Err(token_errors)
}

/// `AuthenticatedGroupAdder` (`group/authenticated_group_adder.go`, wrapped around the union
/// in config.go): the user is left alone when its name is `system:anonymous` or when its
/// groups already hold `system:authenticated` or `system:unauthenticated`; otherwise
/// `system:authenticated` is appended. (The anonymous authenticator itself sits outside the
/// adder, in `union.NewFailOnError`.)
fn done(
    mut identity: Identity,
    by: Authenticator,
    notes: Vec<String>,
    cert_expires: Option<Timestamp>,
) -> Outcome {
    let exempt = identity.user == ANONYMOUS_USER
        || identity
            .groups
            .iter()
            .any(|g| g == SYSTEM_AUTHENTICATED || g == UNAUTHENTICATED_GROUP);
    if !exempt {
        identity.groups.push(SYSTEM_AUTHENTICATED.into());
    }
    Outcome::Authenticated {
        identity,
        by,
        notes,
        cert_expires,
    }
}
