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
    /// The bearer token.
    pub token: Option<String>,
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

    if let Some(chain) = &cred.client_chain {
        match &trust.client_cas {
            Some(cas) => match x509::authenticate_client_cert(chain, cas, now) {
                Ok(identity) => {
                    let expires = crate::pki::CertFacts::from_der(&chain[0]).ok().map(|f| f.not_after);
                    return done(identity, "x509", notes, expires);
                }
                Err(r) if r.kind == RejectionKind::EmptyCommonName => notes.push(
                    "the client certificate verifies but its CN is empty: the x509 authenticator has no opinion"
                        .to_string(),
                ),
                Err(r) => errors.push(cause("x509", r.to_string())),
            },
            None => notes.push(
                "a client certificate was presented but no --client-ca-file is given: the API server would ignore it"
                    .into(),
            ),
        }
    }

    if let Some(token) = &cred.token {
        let has_token_auth = trust.token_file.is_some() || trust.service_accounts.is_some();
        if !has_token_auth {
            notes.push(
                "a bearer token was presented but neither --token-auth-file nor --service-account-key-file is given"
                    .into(),
            );
        } else {
            let mut token_errors = Vec::new();
            if let Some(file) = &trust.token_file {
                if let Some(id) = file.authenticate(token) {
                    return done(id.clone(), "token-file", notes, None);
                }
                notes.push("the token is not in --token-auth-file".into());
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
                        return done(a.identity(), "service-account", notes, None);
                    }
                    Err(Rejection::NotMine(why)) => {
                        notes.push(format!("ServiceAccount authenticators: {why}"))
                    }
                    Err(Rejection::Invalid(why)) => {
                        token_errors.push(cause("service-account", why))
                    }
                }
            }
            if token_errors.is_empty() {
                token_errors.push(cause(
                    "bearer-token",
                    "invalid bearer token: no token authenticator recognises it",
                ));
            }
            errors.extend(token_errors);
        }
    }

    if errors.is_empty() {
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

/// `AuthenticatedGroupAdder` (`request/union`'s caller in config.go): every authenticated user
/// but the anonymous one gets `system:authenticated`, unless it is already there.
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
