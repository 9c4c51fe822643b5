//! The ServiceAccount authenticators (legacy and bound) as members of the token union
//! (`pkg/kubeapiserver/authenticator/config.go`: `newLegacyServiceAccountAuthenticator` for
//! `--service-account-key-file` with issuer `kubernetes/serviceaccount`,
//! `newServiceAccountAuthenticator` for `--service-account-issuer`). The token itself is
//! verified by [`crate::token::verify`]; this is the plug between its verdict and the chain.

use jiff::Timestamp;

use crate::Identity;
use crate::token::verify::{self, Rejection, TokenKind, TokenTrust};

/// What the ServiceAccount authenticators make of a token.
pub enum Answer {
    /// Accepted: the identity, its form, and what could not be checked offline.
    Accepted {
        /// `ServiceAccountInfo.UserInfo()`.
        identity: Identity,
        /// Bound or legacy: which of the two authenticators took it.
        kind: TokenKind,
        /// Notes for the report (live lookups not made, warnings).
        notes: Vec<String>,
        /// The time claims to check again when the answer is reused (bound tokens).
        times: Option<verify::TimeClaims>,
    },
    /// No opinion (not a JWT, another issuer): the next authenticator runs; why, for the
    /// report when nobody takes the token.
    NotMine(String),
    /// Refused: an error for the union.
    Invalid(String),
}

/// Run the ServiceAccount authenticators on `token` at `now`.
pub fn authenticate(token: &str, trust: &TokenTrust, now: Timestamp) -> Answer {
    match verify::authenticate(token, trust, now) {
        Ok(a) => {
            let mut notes: Vec<String> = a
                .not_checked
                .iter()
                .map(|n| format!("not checked offline: {n}"))
                .collect();
            notes.extend(a.warnings.iter().cloned());
            Answer::Accepted {
                identity: a.identity(),
                kind: a.reading.kind,
                notes,
                times: a.times,
            }
        }
        Err(Rejection::NotMine(why)) => Answer::NotMine(why),
        Err(Rejection::Invalid(why)) => Answer::Invalid(why),
    }
}
