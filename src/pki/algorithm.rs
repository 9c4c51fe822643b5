//! Key and signature algorithms: what a SubjectPublicKeyInfo holds, the one table of
//! signature algorithms kcred knows (Go's `signatureAlgorithmDetails` in
//! `crypto/x509/x509.go`, with openssl's names for display), and the one signature check
//! that the chain verifier (`authn::x509`), CSR reading (`pki::csr`) and [`super::signed_by`]
//! share, so that all three accept and refuse the same signatures.
//!
//! The check follows Go's `checkSignature` (x509.go): SHA-1 and MD5 are refused as insecure,
//! RSA keys under 1024 bits are refused (crypto/rsa `checkKeySize`, the `rsa1024min` GODEBUG
//! on by default), RSASSA-PSS is accepted only with MGF1 of the same hash and a salt as long
//! as the hash (`getSignatureAlgorithmFromAI`). aws-lc-rs does the arithmetic.

use std::fmt;

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::oid;

/// An elliptic curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    /// NIST P-256.
    P256,
    /// NIST P-384.
    P384,
    /// NIST P-521.
    P521,
}

impl Curve {
    fn from_oid(o: &str) -> Option<Curve> {
        match o {
            oid::P256 => Some(Curve::P256),
            oid::P384 => Some(Curve::P384),
            oid::P521 => Some(Curve::P521),
            _ => None,
        }
    }
}

/// The algorithm of a public key, as a SubjectPublicKeyInfo names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA, with the modulus size in bits as Go's `N.BitLen()` counts it.
    Rsa {
        /// Modulus bits.
        bits: usize,
    },
    /// ECDSA on a named curve kcred knows.
    Ecdsa(Curve),
    /// ECDSA on another curve (its OID), or with no named curve (`None`).
    EcdsaOther(Option<String>),
    /// Ed25519.
    Ed25519,
    /// Ed448 (displayed; not verified).
    Ed448,
    /// Anything else, by OID.
    Other(String),
}

impl KeyAlgorithm {
    /// Read the algorithm (and RSA modulus size) of a SubjectPublicKeyInfo.
    pub fn of(spki: &SubjectPublicKeyInfo<'_>) -> KeyAlgorithm {
        match spki.algorithm.algorithm.to_id_string().as_str() {
            oid::RSA => KeyAlgorithm::Rsa {
                bits: rsa_modulus_bits(&spki.subject_public_key.data),
            },
            oid::EC => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                match curve.as_deref().and_then(Curve::from_oid) {
                    Some(c) => KeyAlgorithm::Ecdsa(c),
                    None => KeyAlgorithm::EcdsaOther(curve),
                }
            }
            oid::ED25519 => KeyAlgorithm::Ed25519,
            oid::ED448 => KeyAlgorithm::Ed448,
            other => KeyAlgorithm::Other(other.to_string()),
        }
    }

    /// Whether this is an RSA key.
    pub fn is_rsa(&self) -> bool {
        matches!(self, KeyAlgorithm::Rsa { .. })
    }
}

/// `RSA 2048`, `ECDSA P-256`, `Ed25519`, …: how `kcred cert inspect` names a key.
impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyAlgorithm::Ecdsa(Curve::P256) => f.write_str("ECDSA P-256"),
            KeyAlgorithm::Ecdsa(Curve::P384) => f.write_str("ECDSA P-384"),
            KeyAlgorithm::Ecdsa(Curve::P521) => f.write_str("ECDSA P-521"),
            KeyAlgorithm::EcdsaOther(Some(o)) => write!(f, "ECDSA {o}"),
            KeyAlgorithm::EcdsaOther(None) => f.write_str("ECDSA"),
            KeyAlgorithm::Ed25519 => f.write_str("Ed25519"),
            KeyAlgorithm::Ed448 => f.write_str("Ed448"),
            KeyAlgorithm::Other(o) => f.write_str(o),
        }
    }
}

/// A SHA-2 hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// Why an RSASSA-PSS AlgorithmIdentifier is not one Go accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PssProblem {
    /// Missing or unreadable parameters, a hash other than SHA-2, MGF1 of another hash, or
    /// a trailer field other than 1.
    Parameters,
    /// A salt of `have` bytes where Go wants the hash length `want`.
    Salt {
        /// The salt length given.
        have: u32,
        /// The hash length.
        want: u32,
    },
}

/// A signature algorithm, as Go's `getSignatureAlgorithmFromAI` (x509.go) classifies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// RSA PKCS#1 v1.5.
    RsaPkcs1(Hash),
    /// RSASSA-PSS with parameters Go accepts.
    RsaPss(Hash),
    /// RSASSA-PSS with parameters Go refuses.
    RsaPssRefused(PssProblem),
    /// ECDSA.
    Ecdsa(Hash),
    /// Ed25519.
    Ed25519,
    /// MD2/MD5/SHA-1: Go refuses them (`InsecureAlgorithmError`), by Go's name.
    Insecure(&'static str),
    /// Anything else.
    Unknown,
}

/// A signature algorithm: its OID, what it is, and its openssl name where kcred knows one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureAlgorithm {
    /// The algorithm OID, dotted.
    pub oid: String,
    /// What it is.
    pub kind: SignatureKind,
}

/// The table: OID, openssl's name (as `openssl x509 -text` prints it), and the kind.
/// RSASSA-PSS is classified from its parameters, see [`pss`].
const SIGNATURES: [(&str, Option<&str>, SignatureKind); 13] = [
    (
        oid::SHA256_RSA,
        Some("sha256WithRSAEncryption"),
        SignatureKind::RsaPkcs1(Hash::Sha256),
    ),
    (
        oid::SHA384_RSA,
        Some("sha384WithRSAEncryption"),
        SignatureKind::RsaPkcs1(Hash::Sha384),
    ),
    (
        oid::SHA512_RSA,
        Some("sha512WithRSAEncryption"),
        SignatureKind::RsaPkcs1(Hash::Sha512),
    ),
    (
        oid::ECDSA_SHA256,
        Some("ecdsa-with-SHA256"),
        SignatureKind::Ecdsa(Hash::Sha256),
    ),
    (
        oid::ECDSA_SHA384,
        Some("ecdsa-with-SHA384"),
        SignatureKind::Ecdsa(Hash::Sha384),
    ),
    (
        oid::ECDSA_SHA512,
        Some("ecdsa-with-SHA512"),
        SignatureKind::Ecdsa(Hash::Sha512),
    ),
    (oid::ED25519, Some("ED25519"), SignatureKind::Ed25519),
    (oid::RSA_PSS, Some("rsassaPss"), SignatureKind::Unknown),
    (
        oid::SHA1_RSA,
        Some("sha1WithRSAEncryption"),
        SignatureKind::Insecure("SHA1-RSA"),
    ),
    (oid::SHA1_RSA_OIW, None, SignatureKind::Insecure("SHA1-RSA")),
    (oid::MD5_RSA, None, SignatureKind::Insecure("MD5-RSA")),
    (oid::MD2_RSA, None, SignatureKind::Insecure("MD2-RSA")),
    (oid::ECDSA_SHA1, None, SignatureKind::Insecure("ECDSA-SHA1")),
];

impl SignatureAlgorithm {
    /// Classify an AlgorithmIdentifier.
    pub fn of(ai: &AlgorithmIdentifier<'_>) -> SignatureAlgorithm {
        let oid = ai.algorithm.to_id_string();
        let kind = if oid == oid::RSA_PSS {
            match pss(ai) {
                Ok(h) => SignatureKind::RsaPss(h),
                Err(p) => SignatureKind::RsaPssRefused(p),
            }
        } else {
            SIGNATURES
                .iter()
                .find(|(o, _, _)| *o == oid)
                .map_or(SignatureKind::Unknown, |(_, _, k)| *k)
        };
        SignatureAlgorithm { oid, kind }
    }
}

/// openssl's name for the algorithm, or its OID.
impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = SIGNATURES
            .iter()
            .find(|(o, _, _)| *o == self.oid)
            .and_then(|(_, n, _)| *n);
        f.write_str(name.unwrap_or(&self.oid))
    }
}

/// The hash of an RSASSA-PSS AlgorithmIdentifier that Go accepts: SHA-256/384/512 with
/// MGF1 of the same hash, a salt as long as the hash and trailer field 1 (x509.go,
/// `getSignatureAlgorithmFromAI`).
fn pss(ai: &AlgorithmIdentifier<'_>) -> Result<Hash, PssProblem> {
    use x509_parser::signature_algorithm::RsaSsaPssParams;
    let params = ai.parameters.as_ref().ok_or(PssProblem::Parameters)?;
    let p = RsaSsaPssParams::try_from(params).map_err(|_| PssProblem::Parameters)?;
    let hash = p.hash_algorithm_oid().to_id_string();
    let (h, want) = match hash.as_str() {
        oid::SHA256 => (Hash::Sha256, 32),
        oid::SHA384 => (Hash::Sha384, 48),
        oid::SHA512 => (Hash::Sha512, 64),
        _ => return Err(PssProblem::Parameters),
    };
    let mgf = p.mask_gen_algorithm().map_err(|_| PssProblem::Parameters)?;
    if mgf.hash.to_id_string() != hash || p.trailer_field() != 1 {
        return Err(PssProblem::Parameters);
    }
    if p.salt_length() != want {
        return Err(PssProblem::Salt {
            have: p.salt_length(),
            want,
        });
    }
    Ok(h)
}

/// A public key to check a signature with: its algorithm and the subjectPublicKey bits.
#[derive(Clone, Copy, Debug)]
pub struct VerifyingKey<'a> {
    /// The algorithm.
    pub alg: &'a KeyAlgorithm,
    /// The subjectPublicKey BIT STRING contents.
    pub bits: &'a [u8],
}

/// Why a signature does not verify. Callers word it for their audience: the chain
/// verifier in Go's words, CSR reading in kcred's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// MD2/MD5/SHA-1 (Go's name).
    Insecure(&'static str),
    /// An algorithm kcred (and Go) does not implement, or RSASSA-PSS parameters Go refuses.
    Unimplemented,
    /// An RSA key under 1024 bits.
    RsaTooSmall(usize),
    /// The algorithm wants another kind of key (`RSA`, `ECDSA`, `Ed25519`).
    KeyMismatch(&'static str),
    /// A combination Go verifies and aws-lc-rs does not offer (said how).
    Unsupported(&'static str),
    /// The signature is wrong.
    Invalid,
}

/// Check `signature` over `message` with `key`, as Go's `checkSignature` (x509.go) does.
pub fn verify(
    alg: SignatureKind,
    key: VerifyingKey<'_>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureError> {
    let algorithm = verification_algorithm(alg, key.alg)?;
    UnparsedPublicKey::new(algorithm, key.bits)
        .verify(message, signature)
        .map_err(|_| SignatureError::Invalid)
}

fn verification_algorithm(
    alg: SignatureKind,
    key: &KeyAlgorithm,
) -> Result<&'static dyn VerificationAlgorithm, SignatureError> {
    use SignatureKind as S;
    Ok(match (alg, key) {
        (S::Insecure(name), _) => return Err(SignatureError::Insecure(name)),
        (S::Unknown | S::RsaPssRefused(_), _) => return Err(SignatureError::Unimplemented),
        (S::RsaPkcs1(_) | S::RsaPss(_), KeyAlgorithm::Rsa { bits }) if *bits < 1024 => {
            return Err(SignatureError::RsaTooSmall(*bits));
        }
        // aws-lc-rs keeps RSA keys under 2048 bits behind "legacy" names; Go verifies them.
        (S::RsaPkcs1(h), KeyAlgorithm::Rsa { bits }) => match (h, *bits < 2048) {
            (Hash::Sha256, true) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            (Hash::Sha512, true) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            (Hash::Sha384, true) => {
                return Err(SignatureError::Unsupported(
                    "an RSA key under 2048 bits signing with SHA-384",
                ));
            }
            (Hash::Sha256, false) => &sig::RSA_PKCS1_2048_8192_SHA256,
            (Hash::Sha384, false) => &sig::RSA_PKCS1_2048_8192_SHA384,
            (Hash::Sha512, false) => &sig::RSA_PKCS1_2048_8192_SHA512,
        },
        (S::RsaPss(_), KeyAlgorithm::Rsa { bits }) if *bits < 2048 => {
            return Err(SignatureError::Unsupported(
                "an RSA-PSS signature by a key under 2048 bits",
            ));
        }
        (S::RsaPss(h), KeyAlgorithm::Rsa { .. }) => match h {
            Hash::Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
            Hash::Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
            Hash::Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
        },
        (S::RsaPkcs1(_) | S::RsaPss(_), _) => return Err(SignatureError::KeyMismatch("RSA")),
        // Go lets any curve sign with any of the SHA-2 hashes.
        (S::Ecdsa(h), KeyAlgorithm::Ecdsa(curve)) => match (curve, h) {
            (Curve::P256, Hash::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
            (Curve::P256, Hash::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
            (Curve::P256, Hash::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
            (Curve::P384, Hash::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
            (Curve::P384, Hash::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
            (Curve::P384, Hash::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
            (Curve::P521, Hash::Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
            (Curve::P521, Hash::Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
            (Curve::P521, Hash::Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
        },
        (S::Ecdsa(_), _) => return Err(SignatureError::KeyMismatch("ECDSA")),
        (S::Ed25519, KeyAlgorithm::Ed25519) => &sig::ED25519,
        (S::Ed25519, _) => return Err(SignatureError::KeyMismatch("Ed25519")),
    })
}

/// Bits in the modulus of a PKCS#1 RSAPublicKey, as Go's `N.BitLen()` counts them (0 when
/// it does not decode).
pub(crate) fn rsa_modulus_bits(der: &[u8]) -> usize {
    match x509_parser::public_key::RSAPublicKey::from_der(der) {
        Ok((_, k)) => {
            let m = k.modulus;
            match m.iter().position(|&b| b != 0) {
                Some(i) => (m.len() - i - 1) * 8 + (8 - m[i].leading_zeros() as usize),
                None => 0,
            }
        }
        Err(_) => 0,
    }
}
