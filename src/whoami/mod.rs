//! `kcred whoami`: what kube-apiserver's authenticator chain makes of a credential, offline.
//!
//! The chain is the API server's (`pkg/kubeapiserver/authenticator/config.go`, `New`):
//! a union of the x509 client-certificate authenticator and the bearer-token authenticator,
//! which is itself a union of the static token file and the ServiceAccount authenticators;
//! the first to succeed wins, and errors only matter when none does. Then
//! `AuthenticatedGroupAdder` adds `system:authenticated`, and when nothing authenticated the
//! request *without an error*, the anonymous authenticator (`--anonymous-auth`) answers with
//! `system:anonymous`. A bearer token nobody recognises is an error, `invalid bearer token`
//! (`request/bearertoken/bearertoken.go`), so it never falls through to anonymous.
//!
//! The request is the one client-go sends (`client-go/transport/round_trippers.go`,
//! `HTTPWrappersForConfig`): the client certificate goes in the TLS handshake and the token
//! in `Authorization: Bearer <token>`, both at once when a kubeconfig user has both. The
//! x509 authenticator's error does not stop the token (`union.New` collects errors and goes
//! on), and the handshake itself can fail before any authenticator runs.

pub mod gocsv;
pub mod report;
pub mod tokenfile;

use jiff::Timestamp;

use crate::Identity;
use crate::authn::x509::{self, RejectionKind};
use crate::identity::SYSTEM_AUTHENTICATED;
use crate::token::verify::{self, Rejection, TokenTrust};
pub use tokenfile::TokenFile;

/// `system:anonymous`, the anonymous authenticator's user.
pub const ANONYMOUS_USER: &str = "system:anonymous";
/// The anonymous user's only group.
pub const UNAUTHENTICATED_GROUP: &str = "system:unauthenticated";

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

/// What the client presents.
#[derive(Clone, Debug, Default)]
pub struct Credential {
    /// The TLS client certificate chain (leaf first), DER.
    pub client_chain: Option<Vec<Vec<u8>>>,
    /// The bearer token the client sends: client-go writes `Authorization: Bearer <token>`
    /// (`bearerAuthRoundTripper.RoundTrip`); what the API server reads from that header is
    /// [`bearer_token_seen`].
    pub token: Option<String>,
}

/// The token kube-apiserver reads from the header client-go builds for `sent`
/// (`bearertoken.go`, `AuthenticateRequest`): the header value trimmed
/// (`strings.TrimSpace`), split as `strings.SplitN(auth, " ", 3)`, the first part must be
/// `bearer` in any case, and the token is the second part. So a token with an inner space
/// authenticates its first word, and one that starts with a space leaves an empty token,
/// which is no token at all (`nil, false, nil`: the request goes on, possibly anonymous).
pub fn bearer_token_seen(sent: &str) -> Option<&str> {
    // net/textproto already drops the header value's surrounding spaces and tabs; TrimSpace
    // drops any other Unicode space. The "Bearer " prefix is ASCII, so offsets line up.
    let header = format!("Bearer {sent}");
    let auth = header.trim();
    let mut parts = auth.splitn(3, ' ');
    let scheme = parts.next()?;
    let token = parts.next()?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return None;
    }
    // `token` is a slice of `header` ("Bearer " + sent): map it back into `sent`.
    let start = token.as_ptr() as usize - header.as_ptr() as usize - "Bearer ".len();
    sent.get(start..start + token.len())
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
        by: &'static str,
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

/// Run the chain on `cred` at `now`.
pub fn authenticate(cred: &Credential, trust: &Trust, now: Timestamp) -> Outcome {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    // Presented credentials no authenticator was configured for.
    let mut ignored = Vec::new();

    if let Some(chain) = &cred.client_chain {
        match &trust.client_cas {
            Some(cas) => {
                // With a client CA the API server asks for the certificate, and Go's TLS
                // stack looks at it before any authenticator does.
                if let Err(reason) = x509::tls_handshake(chain) {
                    return Outcome::HandshakeFailed { reason, notes };
                }
                match x509::authenticate_client_cert(chain, cas, now) {
                    Ok(identity) => {
                        let expires = crate::pki::CertFacts::from_der(&chain[0])
                            .ok()
                            .map(|f| f.not_after);
                        return done(identity, "x509", notes, expires);
                    }
                    Err(r) if r.kind == RejectionKind::EmptyCommonName => notes.push(
                        "the client certificate verifies but its CN is empty: the x509 authenticator has no opinion"
                            .to_string(),
                    ),
                    // union.New: the error is kept and the next authenticator runs.
                    Err(r) => errors.push(cause("x509", r.to_string())),
                }
            }
            None => {
                notes.push(
                    "a client certificate was presented but no --client-ca-file is given: the API server would not ask for it"
                        .into(),
                );
                ignored.push("a client certificate without --client-ca-file (or --pki-dir)");
            }
        }
    }

    if let Some(sent) = &cred.token {
        let has_token_auth = trust.token_file.is_some() || trust.service_accounts.is_some();
        match bearer_token_seen(sent) {
            None => notes.push(
                "the Authorization header carries no token (client-go sends \"Bearer <token>\" and bearertoken.go takes what follows the first single space): the API server sees no bearer token"
                    .into(),
            ),
            Some(_) if !has_token_auth => {
                notes.push(
                    "a bearer token was presented but neither --token-auth-file nor --service-account-key-file is given"
                        .into(),
                );
                ignored.push("a bearer token without --token-auth-file, --service-account-key-file or --pki-dir");
            }
            Some(token) => {
                if token.len() != sent.len() {
                    notes.push(
                        "the token holds a space: the API server reads only what comes before it (bearertoken.go splits the header on single spaces)"
                            .into(),
                    );
                }
                match authenticate_token(token, trust, now, &mut notes) {
                    Ok(done) => return done,
                    Err(token_errors) => errors.extend(token_errors),
                }
            }
        }
    }

    if errors.is_empty() {
        if !ignored.is_empty() {
            return Outcome::Undecidable {
                reason: format!(
                    "{} was presented: the API server would ignore it and answer system:anonymous, which is not what the credential is for",
                    ignored.join(" and ")
                ),
            };
        }
        if trust.anonymous {
            let id = Identity::new(ANONYMOUS_USER, [UNAUTHENTICATED_GROUP]);
            return Outcome::Authenticated {
                identity: id,
                by: "anonymous",
                notes,
                cert_expires: None,
            };
        }
        let what = if cred.client_chain.is_none() && cred.token.is_none() {
            "no credential was presented"
        } else {
            "no authenticator recognised the credential"
        };
        errors.push(cause(
            "anonymous",
            format!("{what} and anonymous requests are disabled (--anonymous-auth=false)"),
        ));
    }
    errors.extend(notes.into_iter().map(|n| cause("note", n)));
    Outcome::Unauthorized { causes: errors }
}

/// The token authenticators (`tokenunion.New`: the static token file, then the
/// ServiceAccount authenticators; the first success wins) behind `bearertoken.New`: a token
/// nobody takes without an error is bearertoken's `invalid bearer token`.
fn authenticate_token(
    token: &str,
    trust: &Trust,
    now: Timestamp,
    notes: &mut Vec<String>,
) -> Result<Outcome, Vec<Cause>> {
    let mut token_errors = Vec::new();
    let mut misses = Vec::new();
    if let Some(file) = &trust.token_file {
        if let Some(id) = file.authenticate(token) {
            return Ok(done(id.clone(), "token-file", notes.clone(), None));
        }
        misses.push("the token is not in --token-auth-file".to_string());
    }
    if let Some(sa) = &trust.service_accounts {
        match verify::authenticate(token, sa, now) {
            Ok(a) => {
                notes.extend(
                    a.not_checked
                        .iter()
                        .map(|n| format!("not checked offline: {n}")),
                );
                notes.extend(a.warnings.iter().cloned());
                return Ok(done(a.identity(), "service-account", notes.clone(), None));
            }
            Err(Rejection::NotMine(why)) => {
                misses.push(format!("ServiceAccount authenticators: {why}"))
            }
            Err(Rejection::Invalid(why)) => token_errors.push(cause("service-account", why)),
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
    by: &'static str,
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
