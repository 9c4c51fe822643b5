//! What kube-controller-manager's CSR signer puts in a certificate it issues for a
//! CertificateSigningRequest object, so that `kcred cert sign` issues the same certificate
//! for one.
//!
//! The signer (kubernetes `pkg/controller/certificates/signer/signer.go`, `signer.sign`) calls
//! `CertificateAuthority.Sign` (`pkg/controller/certificates/authority/authority.go`) with a
//! `PermissiveSigningPolicy{TTL, Usages: spec.usages, Backdate: 5m, Short: 8h}`, whose `apply`
//! (`pkg/controller/certificates/authority/policies.go`) sets the template Go's
//! `x509.CreateCertificate` signs:
//! - KeyUsage and ExtKeyUsage from `spec.usages` alone (`keyUsagesFromStrings`), whatever the
//!   key: an ECDSA key that asks for `key encipherment` gets it, an RSA key that does not ask
//!   for it does not. Go writes no KeyUsage extension for a zero KeyUsage (`client auth`
//!   alone), and the extended usages go in Go's `ExtKeyUsage` numbering order, whatever order
//!   the request lists them in.
//! - BasicConstraints CA:FALSE.
//! - NotBefore = now − Backdate; NotAfter = now + TTL, less the Backdate too when the TTL is
//!   not Short; never past the CA's NotAfter (that cap is [`super::Issuer`]'s, for every leaf).

use der::asn1::ObjectIdentifier;
use der::flagset::FlagSet;
use jiff::{SignedDuration, Timestamp};
use x509_cert::ext::pkix::KeyUsages;

use super::oid;
use super::spec::BACKDATE;

/// `PermissiveSigningPolicy.Short` as signer.go sets it: a TTL under this is not backdated at
/// its end ("5 minutes of backdating is roughly 1% of 8 hours").
pub const SHORT: SignedDuration = SignedDuration::from_hours(8);

/// policies.go `keyUsageDict`: the `spec.usages` strings that are key usages. Go's
/// `x509.KeyUsage` bits and these are the same RFC 5280 bits (Go's ContentCommitment is
/// nonRepudiation).
const KEY_USAGES: [(&str, KeyUsages); 10] = [
    ("signing", KeyUsages::DigitalSignature),
    ("digital signature", KeyUsages::DigitalSignature),
    ("content commitment", KeyUsages::NonRepudiation),
    ("key encipherment", KeyUsages::KeyEncipherment),
    ("key agreement", KeyUsages::KeyAgreement),
    ("data encipherment", KeyUsages::DataEncipherment),
    ("cert sign", KeyUsages::KeyCertSign),
    ("crl sign", KeyUsages::CRLSign),
    ("encipher only", KeyUsages::EncipherOnly),
    ("decipher only", KeyUsages::DecipherOnly),
];

/// policies.go `extKeyUsageDict`, in the order of Go's `x509.ExtKeyUsage` constants
/// (golang/go `src/crypto/x509/x509.go`: Any, ServerAuth, ClientAuth, CodeSigning,
/// EmailProtection, IPSECEndSystem, IPSECTunnel, IPSECUser, TimeStamping, OCSPSigning,
/// MicrosoftServerGatedCrypto, NetscapeServerGatedCrypto), which is the order
/// `keyUsagesFromStrings` sorts them into. `s/mime` is `email protection` again.
const EXT_KEY_USAGES: [(&str, &str); 13] = [
    ("any", oid::EKU_ANY),
    ("server auth", oid::EKU_SERVER_AUTH),
    ("client auth", oid::EKU_CLIENT_AUTH),
    ("code signing", oid::EKU_CODE_SIGNING),
    ("email protection", oid::EKU_EMAIL_PROTECTION),
    ("s/mime", oid::EKU_EMAIL_PROTECTION),
    ("ipsec end system", oid::EKU_IPSEC_END_SYSTEM),
    ("ipsec tunnel", oid::EKU_IPSEC_TUNNEL),
    ("ipsec user", oid::EKU_IPSEC_USER),
    ("timestamping", oid::EKU_TIME_STAMPING),
    ("ocsp signing", oid::EKU_OCSP_SIGNING),
    ("microsoft sgc", oid::EKU_MICROSOFT_SGC),
    ("netscape sgc", oid::EKU_NETSCAPE_SGC),
];

/// The key usages the signer grants a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Granted {
    /// KeyUsage bits; none means no KeyUsage extension.
    pub key_usage: FlagSet<KeyUsages>,
    /// ExtKeyUsage OIDs in the signer's order, each once; none means no extension.
    pub extended: Vec<ObjectIdentifier>,
}

/// policies.go `keyUsagesFromStrings`: `spec.usages` as KeyUsage and ExtKeyUsage. An unknown
/// string is an error in the signer's words.
pub fn granted(usages: &[String]) -> Result<Granted, String> {
    let mut key_usage = FlagSet::default();
    let mut unrecognized = Vec::new();
    for u in usages {
        if let Some((_, bit)) = KEY_USAGES.iter().find(|(name, _)| name == u) {
            key_usage |= *bit;
        } else if !EXT_KEY_USAGES.iter().any(|(name, _)| name == u) {
            unrecognized.push(format!("{u:?}"));
        }
    }
    if !unrecognized.is_empty() {
        return Err(format!(
            "unrecognized usage values: [{}]",
            unrecognized.join(" ")
        ));
    }
    let mut extended: Vec<ObjectIdentifier> = Vec::new();
    for (name, dotted) in EXT_KEY_USAGES {
        let oid = ObjectIdentifier::new_unwrap(dotted);
        if usages.iter().any(|u| u == name) && !extended.contains(&oid) {
            extended.push(oid);
        }
    }
    Ok(Granted {
        key_usage,
        extended,
    })
}

/// `PermissiveSigningPolicy.apply`'s NotBefore and NotAfter for `ttl` (signer.go `duration`:
/// `spec.expirationSeconds` when shorter than the signer's TTL), before the CA's cap.
pub fn lifetime(now: Timestamp, ttl: SignedDuration) -> Option<(Timestamp, Timestamp)> {
    let not_before = now.checked_sub(BACKDATE).ok()?;
    let end = if ttl < SHORT { ttl } else { ttl - BACKDATE };
    Some((not_before, now.checked_add(end).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(usages: &[&str]) -> Result<Granted, String> {
        granted(&usages.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn usages_map_as_key_usages_from_strings_does() {
        let ec = g(&["key encipherment", "client auth"]).unwrap();
        assert_eq!(ec.key_usage, FlagSet::from(KeyUsages::KeyEncipherment));
        assert_eq!(
            ec.extended,
            [ObjectIdentifier::new_unwrap(oid::EKU_CLIENT_AUTH)]
        );
        // No key usage at all, and the extended ones in Go's order, each once.
        let peer = g(&["client auth", "s/mime", "server auth", "email protection"]).unwrap();
        assert!(peer.key_usage.is_empty());
        let want: Vec<_> = [
            oid::EKU_SERVER_AUTH,
            oid::EKU_CLIENT_AUTH,
            oid::EKU_EMAIL_PROTECTION,
        ]
        .map(ObjectIdentifier::new_unwrap)
        .into();
        assert_eq!(peer.extended, want);
        assert_eq!(
            g(&["signing", "digital signature"]).unwrap().key_usage,
            FlagSet::from(KeyUsages::DigitalSignature)
        );
        assert_eq!(
            g(&["client auth", "nope", "x"]).unwrap_err(),
            r#"unrecognized usage values: ["nope" "x"]"#
        );
    }

    #[test]
    fn long_lives_end_backdated_short_ones_do_not() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let h = SignedDuration::from_hours;
        let (nb, na) = lifetime(now, h(24)).unwrap();
        assert_eq!(nb, now - BACKDATE);
        assert_eq!(na, now + h(24) - BACKDATE);
        let (_, na) = lifetime(now, h(1)).unwrap();
        assert_eq!(na, now + h(1));
        let (_, na) = lifetime(now, SHORT).unwrap();
        assert_eq!(na, now + SHORT - BACKDATE);
    }
}
