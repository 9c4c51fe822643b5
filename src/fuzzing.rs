//! Entry points for the fuzz targets in `fuzz/` and for the corpus replay test that runs on
//! stable (`tests/it/fuzz_replay.rs`): one function per parser that reads outside input.
//! Each must return (an error is fine) for any bytes: never panic, never hang.

#![allow(missing_docs)]

use std::path::Path;

/// Bytes as text the way the CLI reads text inputs (invalid UTF-8 is an error there).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// PEM private keys: PKCS#1, SEC1, PKCS#8, by content.
pub fn private_key(data: &[u8]) {
    // A PKCS#11 URI key file loads the module it names: parse the URI, never load code
    // named by fuzz input.
    if data.trim_ascii_start().starts_with(b"pkcs11:") {
        #[cfg(feature = "pkcs11")]
        if let Some(t) = text(data) {
            let _ = crate::pkcs11::Pkcs11Uri::parse(t.trim()).map(|u| u.to_string());
        }
        return;
    }
    if let Ok(k) = crate::keys::PrivateKey::from_pem("fuzz", data) {
        let _ = k.public_key_der();
    }
}

/// Certificates (PEM bundle or DER) and their inspection.
pub fn certificate(data: &[u8]) {
    if let Ok(certs) = crate::pki::read_certificates(Path::new("fuzz"), data) {
        for der in certs {
            if let Ok(f) = crate::pki::CertFacts::from_der(&der) {
                let _ = f.warnings(jiff::Timestamp::UNIX_EPOCH);
            }
        }
    }
}

/// Plan templates, parsed and expanded.
pub fn plan(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Ok(plan) = crate::plan::Plan::parse("fuzz", t) {
        let params = crate::plan::Params {
            nodes: vec!["n1".into(), "n2".into()],
            control_plane: "n1".into(),
            endpoint_host: "n1".into(),
            endpoint_port: 6443,
            advertise_address: None,
            extra_sans: vec!["x.example".into()],
            service_ip: "10.96.0.1"
                .parse()
                .unwrap_or(std::net::IpAddr::from([10, 96, 0, 1])),
            dns_domain: "cluster.local".into(),
            cluster: "kubernetes".into(),
        };
        let _ = plan.expand(&params);
    }
}

/// Durations as flags take them.
pub fn duration(data: &[u8]) {
    if let Some(t) = text(data) {
        let _ = crate::duration::parse(t);
    }
}

/// CSRs: PEM, DER, or a CertificateSigningRequest object in YAML or JSON.
pub fn signing_request(data: &[u8]) {
    let _ = crate::pki::read_signing_request(Path::new("fuzz"), data);
}

/// Kubeconfigs: parsed, a context selected, written back.
pub fn kubeconfig(data: &[u8]) {
    let Some(t) = text(data) else { return };
    if let Ok(kc) = crate::kubeconfig::Kubeconfig::from_yaml("fuzz", t) {
        let _ = kc.to_yaml();
        let _ = kc.select(None);
    }
}

/// Client certificate chains through the x509 authenticator, with the chain's own last
/// certificate as the trusted root (so that path building, not just parsing, runs).
pub fn client_chain(data: &[u8]) {
    if let Ok(chain) = crate::pki::read_certificates(Path::new("fuzz"), data) {
        let roots = chain.last().cloned().into_iter().collect::<Vec<_>>();
        let _ = crate::authn::x509::authenticate_client_cert(
            &chain,
            &roots,
            jiff::Timestamp::UNIX_EPOCH,
        );
    }
}

/// JWTs: decoded (any token can be shown) and run through the ServiceAccount authenticator
/// with a fixed key, so the verification path runs too.
pub fn token(data: &[u8]) {
    use std::sync::OnceLock;
    static TRUST: OnceLock<Option<crate::token::verify::TokenTrust>> = OnceLock::new();
    let Some(t) = text(data) else { return };
    let _ = crate::token::verify::decode("fuzz", t);
    let trust = TRUST.get_or_init(|| {
        let key = crate::keys::PrivateKey::generate(crate::keys::KeyType::EcdsaP256).ok()?;
        let vk = crate::token::keys::VerificationKey::from_private_key("fuzz", &key).ok()?;
        Some(crate::token::verify::TokenTrust::new(
            vec![vk],
            vec![],
            vec![],
        ))
    });
    if let Some(trust) = trust {
        let _ = crate::token::verify::authenticate(t, trust, jiff::Timestamp::UNIX_EPOCH);
    }
}

/// ServiceAccount verification keys (`--service-account-key-file`) and JWKS documents.
pub fn verification_keys(data: &[u8]) {
    let _ = crate::token::keys::parse_verification_keys("fuzz", data);
    let _ = crate::token::jwks::parse_jwk_set("fuzz", data);
}

/// The static token file (`--token-auth-file`).
pub fn token_file(data: &[u8]) {
    let _ = crate::authn::TokenFile::parse("fuzz", data);
}

/// RBAC manifests (`can-i --rbac`): the typed reader (YAML events, JSON) and the generic
/// reader must agree on every text the typed reader accepts.
pub fn manifest(data: &[u8]) {
    if let Some(t) = text(data) {
        crate::authz::manifest::check_readers_agree(t);
    }
}
