//! Checking credentials the way kube-apiserver's authenticators do
//! (`staging/src/k8s.io/apiserver/pkg/authentication/`): a credential plus the cluster's
//! trust material in, an [`Identity`](crate::Identity) or the reason for a 401 out.
//!
//! [`x509`] is the client-certificate authenticator (`--client-ca-file`). It answers as
//! Go's `crypto/x509` does, because that is what the API server runs; a differential test
//! against a Go program (`tests/go/x509check`) keeps it so.

pub mod x509;

pub use x509::{
    RejectionKind, X509Rejection, authenticate_client_cert, load_ca_bundle, load_certificates,
    tls_handshake,
};
