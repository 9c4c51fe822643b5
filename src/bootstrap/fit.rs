//! Whether an existing certificate (or key pair, or kubeconfig) still fits what is asked of
//! it. One set of checks serves `bootstrap` (against a plan entry) and the minting commands'
//! `--skip-existing` (against the command line), so that "kept" means the same everywhere:
//! a credential is kept only if the API server would accept it for the same identity and role
//! today, as issuing it again would make it.

use jiff::Timestamp;

use crate::keys::{KeyType, PrivateKey};
use crate::pki::{self, CertSpec, Certificate, Eku};

/// Why an existing leaf certificate does not fit `spec` (signed by `ca_der`, named `ca_name`
/// in messages; `asked` says who asks: "the plan", "the command line"), or `None` if it does.
pub fn misfit(
    spec: &CertSpec,
    ca_name: &str,
    key: &PrivateKey,
    cert: &[u8],
    ca_der: &[u8],
    now: Timestamp,
    asked: &str,
) -> Option<String> {
    let facts = match Certificate::from_der(cert) {
        Ok(f) => f,
        Err(e) => return Some(e),
    };
    // The API server (Go's `Certificate.isValid`) rejects a certificate outside
    // NotBefore..NotAfter, so such a one fits no request.
    if let Some(why) = facts.out_of_validity(now) {
        return Some(why);
    }
    if !key.matches_public_key(&facts.spki_der).unwrap_or(false) {
        return Some("the certificate does not match its key".into());
    }
    if !pki::signed_by(cert, ca_der) {
        return Some(format!("not signed by its CA {ca_name:?}"));
    }
    let want = &spec.subject;
    if facts.subject != *want {
        return Some(format!(
            "subject is CN={:?} O={:?}, {asked} says CN={:?} O={:?}",
            facts.subject.common_name,
            facts.subject.organizations,
            want.common_name,
            want.organizations
        ));
    }
    let mut have: Vec<String> = facts
        .sans
        .iter()
        .map(ToString::to_string)
        .chain(facts.other_sans.iter().cloned())
        .collect();
    let mut wanted: Vec<String> = spec.sans.iter().map(|s| s.to_string()).collect();
    have.sort();
    wanted.sort();
    if have != wanted {
        return Some(format!(
            "SANs are [{}], {asked} says [{}]",
            have.join(", "),
            wanted.join(", ")
        ));
    }
    let usage = spec.usage.unwrap_or_default();
    if facts.lists(&Eku::ClientAuth) != usage.client()
        || facts.lists(&Eku::ServerAuth) != usage.server()
    {
        return Some(format!("extended key usage is not {usage}"));
    }
    None
}

/// Why an existing CA certificate does not fit a `ca create` for `cn`, or `None` if it does:
/// a self-signed CA certificate for its key, subject exactly `CN=cn`, within its validity.
pub fn ca_misfit(cn: &str, key: &PrivateKey, cert: &[u8], now: Timestamp) -> Option<String> {
    let facts = match Certificate::from_der(cert) {
        Ok(f) => f,
        Err(e) => return Some(e),
    };
    if let Some(why) = facts.out_of_validity(now) {
        return Some(why);
    }
    if !facts.is_ca {
        return Some("not a CA certificate (basicConstraints CA:FALSE)".into());
    }
    if !key.matches_public_key(&facts.spki_der).unwrap_or(false) {
        return Some("the certificate does not match its key".into());
    }
    if !pki::signed_by(cert, cert) {
        return Some("not self-signed".into());
    }
    let s = &facts.subject;
    if s.common_name != cn || !s.organizations.is_empty() {
        return Some(format!(
            "subject is CN={:?} O={:?}, the command line says CN={cn:?}",
            s.common_name, s.organizations
        ));
    }
    None
}

/// Why `key` is not of the type asked for, or `None`.
pub fn key_type_misfit(key: &PrivateKey, wanted: KeyType) -> Option<String> {
    (key.key_type() != wanted).then(|| format!("the key is {}, not {wanted}", key.key_type()))
}
