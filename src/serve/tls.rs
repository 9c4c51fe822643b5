//! TLS as kube-apiserver sets it up (`apiserver/pkg/server/secure_serving.go`): client
//! certificates are *requested* but not required (`tls.RequestClientCert` when a client CA is
//! configured), and the chain is verified by the x509 authenticator afterwards
//! (`crate::authn::x509`, kcred's port of Go's `crypto/x509`), never by the TLS layer. So the
//! verifier here accepts any chain Go's TLS stack would take (`crate::authn::tls_handshake`:
//! the RSA size checks Go makes in the handshake) and checks only that the client holds
//! the leaf's key (the handshake signature), leaving who it is to the authenticator chain.
//!
//! The serving certificate is resolved per handshake from a swappable slot, so a changed
//! `--tls-cert-file` is served to new connections without dropping old ones, as
//! `dynamiccertificates.DynamicServingCertificateController` does.

use std::path::Path;
use std::sync::{Arc, RwLock};

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};

use crate::error::{Error, Result};

/// The aws-lc-rs provider: kcred's one crypto backend.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Load a serving certificate chain and its key (PKCS#1, SEC1 or PKCS#8).
pub fn load_certified_key(cert: &Path, key: &Path) -> Result<CertifiedKey> {
    let cert_name = crate::fsio::display(cert);
    let key_name = crate::fsio::display(key);
    let cert_pem = crate::fsio::read(cert)?;
    // rustls's PEM and key errors describe rustls (`InvalidCharacter(45)`, `KeyMismatch`):
    // a refused file is described by kcred's own readers instead.
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| cert_problem(cert, &cert_pem))?;
    if chain.is_empty() {
        return Err(cert_problem(cert, &cert_pem));
    }
    let key_pem = crate::fsio::read(key)?;
    let key_der =
        PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| key_problem(&key_name, &key_pem))?;
    let ck = CertifiedKey::from_der(chain, key_der, &provider()).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => Error::input(
            &key_name,
            format!(
                "is not the key of the certificate in {cert_name} (Go's tls.X509KeyPair: \"tls: private key does not match public key\")"
            ),
        ),
        _ => key_problem(&key_name, &key_pem),
    })?;
    Ok(ck)
}

/// Why the serving certificate file cannot be served: kcred's certificate reader's words,
/// or, for a file it reads, that it is DER (the serving side reads PEM only) or PEM that
/// rustls's reader refuses (blocks with headers).
fn cert_problem(cert: &Path, bytes: &[u8]) -> Error {
    let name = crate::fsio::display(cert);
    match crate::pki::read_certificates(cert, bytes) {
        Err(e) => e,
        Ok(_) if !crate::pem::looks_like_pem(bytes) => Error::input(
            name,
            "is not a PEM certificate file, which a serving certificate must be (tls.X509KeyPair: \"tls: failed to find any PEM data in certificate input\")",
        ),
        Ok(_) => Error::input(
            name,
            "holds PEM that kcred serve cannot read (a block with PEM headers?); give the certificates as plain PEM blocks",
        ),
    }
}

/// Why the serving key cannot be served, in the words of kcred's key reader; a key it reads
/// (DER, or a kind rustls does not sign with) is refused in Go's words.
fn key_problem(name: &str, bytes: &[u8]) -> Error {
    match crate::keys::PrivateKey::from_file_bytes(name, bytes) {
        Err(e) => e,
        Ok((_, crate::keys::KeyEncoding::Der(_))) => Error::input(
            name,
            "is a DER key; a serving key must be PEM (tls.X509KeyPair: \"tls: failed to find any PEM data in key input\")",
        ),
        Ok(_) => Error::input(
            name,
            "is a private key kcred cannot serve with (tls.X509KeyPair: \"tls: failed to parse private key\")",
        ),
    }
}

/// The serving certificate, swappable while the server runs.
#[derive(Debug)]
pub struct CertSlot(pub RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for CertSlot {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().ok()?.clone())
    }
}

/// Accepts any client chain Go's TLS stack would accept; the authenticator decides.
#[derive(Debug)]
struct RequestClientCert {
    algs: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for RequestClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        false
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // Go sends the client CA's subjects as hints only when ClientCAs is set; kcred's
        // clients (kubectl, client-go) present their one certificate either way.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> std::result::Result<ClientCertVerified, rustls::Error> {
        let chain: Vec<Vec<u8>> = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.to_vec())
            .collect();
        crate::authn::tls_handshake(&chain).map_err(rustls::Error::General)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.verify(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.verify(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

impl RequestClientCert {
    /// The handshake signature against the leaf's public key, read from the certificate
    /// without webpki's certificate checks (it refuses v1 certificates and other shapes Go
    /// accepts; whether the certificate is any good is the x509 authenticator's question).
    fn verify(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        use der::{Decode as _, Encode as _};
        let bad = |m: &str| rustls::Error::General(format!("client certificate: {m}"));
        let parsed = x509_cert::Certificate::from_der(cert.as_ref())
            .map_err(|e| bad(&format!("cannot parse: {e}")))?;
        let spki = &parsed.tbs_certificate().subject_public_key_info();
        let alg_der = spki.algorithm.to_der().map_err(|e| bad(&e.to_string()))?;
        // AlgorithmIdentifier's contents, without the SEQUENCE header, as webpki compares them.
        let alg_contents = der::asn1::AnyRef::from_der(&alg_der)
            .map_err(|e| bad(&e.to_string()))?
            .value()
            .to_vec();
        let key = spki.subject_public_key.raw_bytes();
        let candidates = self
            .algs
            .mapping
            .iter()
            .find(|(s, _)| *s == dss.scheme)
            .map(|(_, a)| *a)
            .ok_or(rustls::Error::PeerMisbehaved(
                rustls::PeerMisbehaved::SignedHandshakeWithUnadvertisedSigScheme,
            ))?;
        for alg in candidates {
            if alg.public_key_alg_id().as_ref() == alg_contents.as_slice() {
                return alg
                    .verify_signature(key, message, dss.signature())
                    .map(|_| HandshakeSignatureValid::assertion())
                    .map_err(|_| bad("the handshake signature does not verify"));
            }
        }
        Err(bad("its key does not match the signature scheme"))
    }
}

/// The server's TLS configuration: HTTP/1.1 over TLS 1.2/1.3, client certificates
/// requested when `request_client_certs` (a client CA is configured).
pub fn server_config(cert: Arc<CertSlot>, request_client_certs: bool) -> Result<ServerConfig> {
    let provider = provider();
    let algs = provider.signature_verification_algorithms;
    let builder = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Usage(format!("TLS setup: {e}")))?;
    let builder = if request_client_certs {
        builder.with_client_cert_verifier(Arc::new(RequestClientCert { algs }))
    } else {
        builder.with_no_client_auth()
    };
    let mut config = builder.with_cert_resolver(cert);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
