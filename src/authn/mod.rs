//! Checking credentials the way kube-apiserver's authenticators do
//! (`staging/src/k8s.io/apiserver/pkg/authentication/`, wired by
//! `pkg/kubeapiserver/authenticator/config.go`): a request plus the cluster's trust material
//! in, an [`Identity`](crate::Identity) or the reason for a 401 out.
//!
//! - [`client`]: the [`Request`] client-go would send, from kubectl's credential options;
//! - [`options`]: the [`Trust`] kube-apiserver's authentication flags give;
//! - [`authenticate`] ([`chain`]): the chain, in config.go's order: [`x509`] (the
//!   client-certificate authenticator, answering as Go's `crypto/x509` does; a differential
//!   test against a Go program, `tests/go/x509check`, keeps it so), the token union
//!   ([`tokenfile`], then [`serviceaccount`], legacy and bound, over
//!   [`crate::token::verify`]), the authenticated-group adder, then [`anonymous`];
//! - [`impersonation`]: the identity `kubectl --as` presents instead.
//!
//! [`load`] and [`check`] are the one entry point the commands use (`kcred whoami` renders
//! the [`Outcome`]; `kcred can-i` hands its identity to [`crate::authz`]). Checking reads
//! files and never writes one.

pub mod anonymous;
pub mod cache;
pub mod chain;
pub mod client;
pub mod gocsv;
pub mod impersonation;
pub mod options;
pub mod request;
pub mod serviceaccount;
pub mod tokenfile;
pub mod x509;

use jiff::Timestamp;

pub use cache::Caches;
pub use chain::{Authenticator, Cause, Outcome, Trust, authenticate, authenticate_cached};
pub use client::{ClientOptions, Presented};
pub use options::ApiServerOptions;
pub use request::{Request, bearer_token_seen};
pub use tokenfile::TokenFile;
pub use x509::{
    RejectionKind, X509Rejection, authenticate_client_cert, load_ca_bundle, load_certificates,
    tls_handshake,
};

use crate::error::{Error, Result};

/// The request client-go would send for `client` and the trust material `server` gives, read
/// from their files.
///
/// A client certificate with no client CA would be ignored by the API server, so the answer
/// would be a quiet `system:anonymous`. A kubeconfig names its cluster: its CA is the natural
/// guess (kubeadm's admin.conf carries the cluster CA, which is also `--client-ca-file`), and
/// a note says so; a bare client certificate names nothing, so that is a usage error.
pub fn load(client: &ClientOptions, server: &ApiServerOptions) -> Result<(Presented, Trust)> {
    let mut trust = server.trust()?;
    let mut presented = client.presented()?;
    if presented.request.client_chain.is_some() && trust.client_cas.is_none() {
        match &presented.cluster_ca {
            Some((source, Some(cas))) => {
                trust.client_cas = Some(cas.clone());
                presented.notes.push(format!(
                    "no --client-ca-file or --pki-dir: {source} is used as kube-apiserver's --client-ca-file"
                ));
            }
            Some((source, None)) => {
                return Err(Error::Usage(format!(
                    "the kubeconfig's client certificate needs the API server's client CA, and {} has none: give --client-ca-file FILE or --pki-dir DIR",
                    source.trim_start_matches("the CA of ")
                )));
            }
            None => {
                return Err(Error::Usage(
                    "--client-certificate needs the API server's client CA: give --client-ca-file FILE (kube-apiserver's --client-ca-file) or --pki-dir DIR".into(),
                ));
            }
        }
    }
    Ok((presented, trust))
}

/// Run the chain on `presented` at `now`, as the commands report it; also the notes on how
/// the request itself was taken (the kubeconfig cluster's CA standing in for
/// `--client-ca-file`, a token client-go cannot send), which are in the outcome too.
///
/// An [`Outcome::Undecidable`] request is an error (kcred asks for the trust material). A
/// token client-go cannot put in a header ([`request::unsendable`]) never reaches the API
/// server in a request: from a kubeconfig it is the input's problem (kubectl fails first);
/// given on its own, only when the token itself authenticates is there something to show
/// (what a TokenReview carrying it would answer), said in a note. A request that impersonates ([`Presented::impersonate`]) is an error:
/// whom the API server acts as is an authorization question (`kcred can-i` answers it).
pub fn check(
    presented: &Presented,
    trust: &Trust,
    now: Timestamp,
) -> Result<(Outcome, Vec<String>)> {
    if let Some((source, target)) = &presented.impersonate {
        return Err(Error::input(
            source,
            format!(
                "impersonates {target}: the API server authenticates the credential, then acts as that user only if the credential's identity may impersonate it (RBAC verb `impersonate`), which whoami does not evaluate; pass the credential alone (--client-certificate, --token) to see whom it authenticates as, and `kcred can-i --kubeconfig ...` to see what it may do as {}",
                target.user
            ),
        ));
    }
    let mut outcome = authenticate(&presented.request, trust, now);
    if let Outcome::Undecidable { reason } = &outcome {
        return Err(Error::Usage(format!(
            "{reason}; give the trust material (--client-ca-file, --token-auth-file, --service-account-key-file or --pki-dir)"
        )));
    }
    let mut notes = presented.notes.clone();
    if let Some(why) = presented
        .request
        .token
        .as_deref()
        .and_then(request::unsendable)
    {
        match &outcome {
            // A token given on its own (--token, --token-file): what the API server makes of
            // the token itself is what a TokenReview carrying it would answer, said with why
            // no request can carry it.
            Outcome::Authenticated { by, .. }
                if by.reads_token() && !presented.from_kubeconfig() =>
            {
                notes.push(format!(
                    "{why}: kubectl fails before reaching the API server; the identity shown is what the API server makes of the token itself (a TokenReview carrying it)"
                ));
            }
            // A kubeconfig's token: kubectl fails before any request leaves it (with a
            // client certificate beside the token too), so there is no answer to show.
            _ => return Err(Error::input(&presented.token_source, why)),
        }
    }
    for n in &notes {
        outcome.push_note(n.clone());
    }
    Ok((outcome, notes))
}
