//! Verification keys, read the way kube-apiserver reads `--service-account-key-file`
//! (`k8s.io/client-go/util/keyutil`, `ParsePublicKeysPEM`): a file may hold several PEM
//! blocks; `PUBLIC KEY` (PKIX), private keys (`RSA PRIVATE KEY`, `EC PRIVATE KEY`,
//! `PRIVATE KEY`: the public half is used) and `CERTIFICATE` (its key) count; anything else,
//! `RSA PUBLIC KEY` included, is skipped as the API server skips it. Only RSA and ECDSA keys
//! sign ServiceAccount tokens; a file without one is an error, as it is for the API server.
//!
//! keyutil decides by *content*, not by the PEM label: each block is tried as a PKCS#1 or
//! PKCS#8 RSA private key, a PKIX RSA public key or a certificate with one, a SEC1
//! (`x509.ParseECPrivateKey`) EC private key, a PKIX EC public key or a certificate with one;
//! whatever fails all of them is skipped. So a PKCS#8 *EC* private key is skipped (Go's
//! `ParseECPrivateKey` reads SEC1 only), and so is a PKCS#1 `RSA PUBLIC KEY`.

use std::path::Path;

use der::Decode as _;
use spki::ObjectIdentifier;

use super::gorsa;
use crate::error::{Error, Result};
use crate::keys::{KeyType, PrivateKey, key_id, oid};

/// The JOSE algorithm a ServiceAccount key signs with (`pkg/serviceaccount/jwt.go`,
/// `signerFromRSAPrivateKey` / `signerFromECDSAPrivateKey`): RS256 for RSA of any size, and
/// the curve's ES algorithm for ECDSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SigningAlg {
    /// RSA PKCS#1 v1.5 with SHA-256.
    RS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512.
    ES512,
}

impl SigningAlg {
    /// The JOSE name.
    pub fn name(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::ES384 => "ES384",
            SigningAlg::ES512 => "ES512",
        }
    }

    /// The algorithm for a private key; Ed25519 is refused: the API server does not accept
    /// EdDSA-signed ServiceAccount tokens.
    pub fn for_key_type(kt: KeyType) -> Result<Self> {
        match kt {
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => Ok(SigningAlg::RS256),
            KeyType::EcdsaP256 => Ok(SigningAlg::ES256),
            KeyType::EcdsaP384 => Ok(SigningAlg::ES384),
            KeyType::EcdsaP521 => Ok(SigningAlg::ES512),
            KeyType::Ed25519 => Err(Error::Usage(
                "ed25519 keys cannot sign ServiceAccount tokens: kube-apiserver accepts only RSA and ECDSA keys"
                    .into(),
            )),
        }
    }
}

impl std::fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The public numbers of a key, as JWKS publishes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicNumbers {
    /// RSA modulus and exponent, big-endian without leading zeros.
    Rsa {
        /// Modulus.
        n: Vec<u8>,
        /// Public exponent.
        e: Vec<u8>,
    },
    /// An ECDSA point.
    Ec {
        /// `P-256`, `P-384` or `P-521`.
        crv: &'static str,
        /// X coordinate, fixed length for the curve.
        x: Vec<u8>,
        /// Y coordinate, fixed length for the curve.
        y: Vec<u8>,
    },
}

/// A public key that verifies ServiceAccount tokens.
#[derive(Clone, Debug)]
pub struct VerificationKey {
    /// The `kid` the API server gives this key (SHA-256 of the PKIX DER, base64url).
    pub kid: String,
    /// The algorithm tokens signed by this key carry.
    pub alg: SigningAlg,
    /// DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    /// The public numbers.
    pub numbers: PublicNumbers,
    /// Where it came from (file name, block number), for messages.
    pub source: String,
    /// The aws-lc-rs keys built from `numbers`, shared by clones: built once per key read,
    /// not per token (`super::signature`).
    pub(super) prepared: std::sync::Arc<super::signature::Prepared>,
}

/// RFC 8017 RSAPublicKey.
#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    n: der::asn1::UintRef<'a>,
    e: der::asn1::UintRef<'a>,
}

const SECP256R1: ObjectIdentifier = oid::SECP256R1;
const SECP384R1: ObjectIdentifier = oid::SECP384R1;
const SECP521R1: ObjectIdentifier = oid::SECP521R1;

impl VerificationKey {
    /// A key from DER SubjectPublicKeyInfo. `Ok(None)` for a well-formed key of a kind the
    /// API server ignores (Ed25519 and other non-RSA, non-ECDSA keys).
    pub fn from_spki_der(source: &str, der_bytes: &[u8]) -> Result<Option<Self>> {
        let bad = |p: String| Error::input(source, p);
        let info = spki::SubjectPublicKeyInfoRef::from_der(der_bytes)
            .map_err(|e| bad(format!("invalid public key: {e}")))?;
        let bits = info
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| bad("invalid public key: unaligned bit string".into()))?;
        let (alg, numbers) = if info.algorithm.oid == oid::RSA_ENCRYPTION {
            let k = RsaPublicKey::from_der(bits)
                .map_err(|e| bad(format!("invalid RSA public key: {e}")))?;
            (
                SigningAlg::RS256,
                PublicNumbers::Rsa {
                    n: k.n.as_bytes().to_vec(),
                    e: k.e.as_bytes().to_vec(),
                },
            )
        } else if info.algorithm.oid == oid::EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or_else(|| bad("EC public key without a named curve".into()))?;
            let (alg, crv, len) = match curve {
                SECP256R1 => (SigningAlg::ES256, "P-256", 32),
                SECP384R1 => (SigningAlg::ES384, "P-384", 48),
                SECP521R1 => (SigningAlg::ES512, "P-521", 66),
                other => return Err(bad(format!("unsupported elliptic curve {other}"))),
            };
            if bits.len() != 1 + 2 * len || bits[0] != 4 {
                return Err(bad(format!(
                    "invalid {crv} public key: not an uncompressed point"
                )));
            }
            (
                alg,
                PublicNumbers::Ec {
                    crv,
                    x: bits[1..1 + len].to_vec(),
                    y: bits[1 + len..].to_vec(),
                },
            )
        } else {
            return Ok(None);
        };
        let key = VerificationKey {
            kid: key_id(der_bytes),
            alg,
            spki_der: der_bytes.to_vec(),
            numbers,
            source: source.to_string(),
            prepared: Default::default(),
        };
        super::signature::prepare(&key);
        Ok(Some(key))
    }

    /// The public half of a private key.
    pub fn from_private_key(source: &str, key: &PrivateKey) -> Result<Self> {
        SigningAlg::for_key_type(key.key_type())?;
        Self::from_spki_der(source, &key.public_key_der()?)?
            .ok_or_else(|| Error::input(source, "not an RSA or ECDSA key"))
    }
}

/// Read every verification key in a file, as kube-apiserver reads
/// `--service-account-key-file`.
pub fn load_verification_keys(path: &Path) -> Result<Vec<VerificationKey>> {
    let bytes = crate::fsio::read(path)?;
    parse_verification_keys(&crate::fsio::display(path), &bytes)
}

/// [`load_verification_keys`] on bytes already read; `source` names them in errors.
/// `keyutil.ParsePublicKeysPEM` (`k8s.io/client-go/util/keyutil/key.go`): each block is
/// tried, in this order, with `parseRSAPrivateKey` (PKCS#1, then PKCS#8 holding RSA),
/// `parseRSAPublicKey` (PKIX, then a certificate), `parseECPrivateKey` (SEC1 only) and
/// `parseECPublicKey` (PKIX, then a certificate); the label plays no part and a block none of
/// them reads is skipped. No key at all: kube-apiserver refuses to start.
pub fn parse_verification_keys(source: &str, bytes: &[u8]) -> Result<Vec<VerificationKey>> {
    if looks_like_der(bytes) {
        return Err(Error::input(
            source,
            "DER, but kube-apiserver reads --service-account-key-file as PEM only (keyutil.ParsePublicKeysPEM) and would refuse to start: convert it (openssl pkey -inform DER -in FILE -out FILE.pem, with -pubin for a public key)",
        ));
    }
    let blocks = crate::pem::parse_all(source, bytes)?;
    let mut keys = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let where_ = if blocks.len() > 1 {
            format!("{source} (PEM block {})", i + 1)
        } else {
            source.to_string()
        };
        keys.extend(keyutil_block(&where_, block.contents()));
    }
    if keys.is_empty() {
        return Err(Error::input(
            source,
            "data does not contain any valid RSA or ECDSA public keys: kube-apiserver refuses to start with this --service-account-key-file",
        ));
    }
    Ok(keys)
}

/// Whether `bytes` look like DER (one ASN.1 SEQUENCE) rather than PEM text.
fn looks_like_der(bytes: &[u8]) -> bool {
    !crate::pem::looks_like_pem(bytes) && bytes.first() == Some(&0x30)
}

/// Verification keys for kcred's own checks (`decode-token --key`, `sa jwks --key`): PEM as
/// [`parse_verification_keys`] reads it, or one DER structure read as keyutil reads one
/// block (PKCS#1/PKCS#8 RSA, PKIX, a certificate, SEC1). The flag says the file was DER,
/// which kube-apiserver itself would refuse, so the caller can say so.
pub fn parse_verification_keys_or_der(
    source: &str,
    bytes: &[u8],
) -> Result<(Vec<VerificationKey>, bool)> {
    if !looks_like_der(bytes) {
        return Ok((parse_verification_keys(source, bytes)?, false));
    }
    match keyutil_block(source, bytes) {
        Some(k) => Ok((vec![k], true)),
        None => Err(Error::input(
            source,
            "DER data that holds no RSA or ECDSA key (expected a public key, a private key or a certificate)",
        )),
    }
}

/// [`parse_verification_keys_or_der`] on a file.
pub fn load_verification_keys_or_der(path: &Path) -> Result<(Vec<VerificationKey>, bool)> {
    let bytes = crate::fsio::read(path)?;
    parse_verification_keys_or_der(&crate::fsio::display(path), &bytes)
}

/// A DER SEQUENCE's contents, read as Go's `encoding/asn1` reads a struct: elements after
/// the last field are allowed (X.509 structures grew at their end). With `whole`, nothing
/// may follow the SEQUENCE; `asn1.Unmarshal` callers that ignore its `rest` pass `false`.
fn go_sequence(der_bytes: &[u8], whole: bool) -> Option<der::SliceReader<'_>> {
    use der::Reader as _;
    let mut outer = der::SliceReader::new(der_bytes).ok()?;
    let seq = der::asn1::AnyRef::decode(&mut outer).ok()?;
    if whole && !outer.is_finished() {
        return None;
    }
    fields(seq)
}

/// The elements of a SEQUENCE already read.
fn fields(seq: der::asn1::AnyRef<'_>) -> Option<der::SliceReader<'_>> {
    use der::Tagged as _;
    (seq.tag() == der::Tag::Sequence)
        .then(|| der::SliceReader::new(seq.value()).ok())
        .flatten()
}

/// An ASN.1 INTEGER read into a Go `int` (64 bits).
fn go_int(r: &mut der::SliceReader<'_>) -> Option<i64> {
    let b = der::asn1::IntRef::decode(r).ok()?.as_bytes().to_vec();
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    let fill = if b[0] & 0x80 != 0 { 0xff } else { 0 };
    let mut be = [fill; 8];
    be[8 - b.len()..].copy_from_slice(&b);
    Some(i64::from_be_bytes(be))
}

/// The numbers of a PKCS#1 RSAPrivateKey as Go's `encoding/asn1` reads them into
/// `pkcs1PrivateKey` (`crypto/x509/pkcs1.go`): the CRT values and the other primes are
/// optional, and a version above 1 is refused. A negative number fails here as it fails
/// there ("zero or negative value"), except the other primes' exponent and coefficient,
/// which Go reads and ignores.
fn pkcs1_numbers(der_bytes: &[u8]) -> Option<gorsa::Pkcs1Numbers<'_>> {
    use der::asn1::{IntRef, UintRef};
    use der::{Reader as _, Tag};
    let mut r = go_sequence(der_bytes, true)?;
    if go_int(&mut r)? > 1 {
        return None;
    }
    fn uint<'a>(r: &mut der::SliceReader<'a>) -> Option<&'a [u8]> {
        UintRef::decode(r).ok().map(|u| u.as_bytes())
    }
    let next_is = |r: &der::SliceReader<'_>, tag: Tag| Tag::peek(r).ok() == Some(tag);
    let (n, e, d, p, q) = (
        uint(&mut r)?,
        uint(&mut r)?,
        uint(&mut r)?,
        uint(&mut r)?,
        uint(&mut r)?,
    );
    let mut crt = [None; 3];
    for v in &mut crt {
        if next_is(&r, Tag::Integer) {
            *v = Some(uint(&mut r)?);
        }
    }
    let mut other_primes = Vec::new();
    if next_is(&r, Tag::Sequence) {
        let list = der::asn1::AnyRef::decode(&mut r).ok()?;
        let mut items = der::SliceReader::new(list.value()).ok()?;
        while !items.is_finished() {
            let mut f = fields(der::asn1::AnyRef::decode(&mut items).ok()?)?;
            let prime = uint(&mut f)?;
            IntRef::decode(&mut f).ok()?;
            IntRef::decode(&mut f).ok()?;
            other_primes.push(prime);
        }
    }
    let [dp, dq, qinv] = crt;
    Some(gorsa::Pkcs1Numbers {
        n,
        e,
        d,
        p,
        q,
        dp,
        dq,
        qinv,
        other_primes,
    })
}

/// The public key of a PKCS#1 RSA private key, or of a PKCS#8 one holding RSA, when Go's
/// `ParsePKCS1PrivateKey` / `ParsePKCS8PrivateKey` return the key: its numbers must agree
/// (`rsa.PrivateKey.Validate`, [`gorsa`]). PKCS#8 as `pkcs8` in `crypto/x509/pkcs8.go`:
/// version and algorithm parameters unread, and bytes after the SEQUENCE ignored.
fn rsa_private_spki(der_bytes: &[u8]) -> Option<Vec<u8>> {
    let pkcs1 = |b: &[u8]| -> Option<Vec<u8>> {
        let k = pkcs1_numbers(b)?;
        gorsa::parse_pkcs1_refusal(&k).ok()?;
        super::jwks::rsa_spki(k.n, k.e).ok()
    };
    pkcs1(der_bytes).or_else(|| {
        let mut r = go_sequence(der_bytes, false)?;
        go_int(&mut r)?;
        let mut alg = fields(der::asn1::AnyRef::decode(&mut r).ok()?)?;
        let algorithm = ObjectIdentifier::decode(&mut alg).ok()?;
        let key = <&der::asn1::OctetStringRef>::decode(&mut r).ok()?;
        (algorithm == oid::RSA_ENCRYPTION)
            .then(|| pkcs1(key.as_bytes()))
            .flatten()
    })
}

/// The public key of a SEC1 EC private key as Go's `parseECPrivateKey` (`crypto/x509/sec1.go`)
/// reads it: bytes after the SEQUENCE and elements after its fields are ignored (encoding/asn1),
/// the version must be 1, the curve comes from the `[0]` OID, the embedded `[1]` public key
/// is ignored (Go derives the point from the scalar), and the scalar may carry extra leading
/// zeros or lack some. The point is derived by aws-lc-rs from a clean SEC1 encoding.
fn sec1_spki(der_bytes: &[u8]) -> Option<Vec<u8>> {
    use aws_lc_rs::signature as sig;
    use der::{Decode as _, Encode as _, Tag, TagNumber};
    let mut r = go_sequence(der_bytes, false)?;
    if go_int(&mut r)? != 1 {
        return None;
    }
    let scalar = <&der::asn1::OctetStringRef>::decode(&mut r)
        .ok()?
        .as_bytes();
    let explicit0 = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if Tag::peek(&r).ok() != Some(explicit0) {
        return None; // no named curve: "x509: unknown elliptic curve"
    }
    let wrapper = der::asn1::AnyRef::decode(&mut r).ok()?;
    let curve = ObjectIdentifier::from_der(wrapper.value()).ok()?;
    let (alg, len): (&'static sig::EcdsaSigningAlgorithm, usize) = match curve {
        SECP256R1 => (&sig::ECDSA_P256_SHA256_ASN1_SIGNING, 32),
        SECP384R1 => (&sig::ECDSA_P384_SHA384_ASN1_SIGNING, 48),
        SECP521R1 => (&sig::ECDSA_P521_SHA512_ASN1_SIGNING, 66),
        _ => return None,
    };
    let mut k = scalar;
    while k.len() > len {
        if k[0] != 0 {
            return None; // "x509: invalid private key length"
        }
        k = &k[1..];
    }
    let mut fixed = vec![0u8; len];
    fixed[len - k.len()..].copy_from_slice(k);
    // version 1, the scalar, [0] the curve: aws-lc computes the point (and refuses a scalar
    // of 0 or not below the order, as Go does).
    let oid_der = curve.to_der().ok()?;
    let mut body = vec![0x02, 0x01, 0x01, 0x04, len as u8];
    body.extend(&fixed);
    body.push(0xa0);
    body.push(oid_der.len() as u8);
    body.extend(&oid_der);
    let mut clean = vec![0x30];
    clean.extend(der::Length::try_from(body.len()).ok()?.to_der().ok()?);
    clean.extend(body);
    let kp = sig::EcdsaKeyPair::from_private_key_der(alg, &clean).ok()?;
    use aws_lc_rs::signature::KeyPair as _;
    super::jwks::ec_spki(curve, kp.public_key().as_ref()).ok()
}

/// The public key (SubjectPublicKeyInfo DER) of a private key as crypto/tls's
/// `parsePrivateKey` finds it for `tls.X509KeyPair`: PKCS#1, then PKCS#8 (RSA, ECDSA or
/// Ed25519; another key type in it is "tls: found unknown private key type in PKCS#8
/// wrapping"), then SEC1, whatever the PEM label said. RSA keys of any size Go takes.
pub(crate) fn go_tls_private_key_spki(
    der_bytes: &[u8],
) -> std::result::Result<Vec<u8>, &'static str> {
    use aws_lc_rs::signature::{self as sig, KeyPair as _};
    if let Some(spki) = rsa_private_spki(der_bytes) {
        return Ok(spki);
    }
    let pkcs8 = || -> Option<std::result::Result<Vec<u8>, &'static str>> {
        let mut r = go_sequence(der_bytes, false)?;
        go_int(&mut r)?;
        let mut alg = fields(der::asn1::AnyRef::decode(&mut r).ok()?)?;
        let algorithm = ObjectIdentifier::decode(&mut alg).ok()?;
        if algorithm == oid::EC_PUBLIC_KEY {
            let curve = ObjectIdentifier::decode(&mut alg).ok()?;
            let signing = match curve {
                SECP256R1 => &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                oid::SECP384R1 => &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
                oid::SECP521R1 => &sig::ECDSA_P521_SHA512_ASN1_SIGNING,
                _ => return None,
            };
            let kp = sig::EcdsaKeyPair::from_pkcs8(signing, der_bytes).ok()?;
            return super::jwks::ec_spki(curve, kp.public_key().as_ref())
                .ok()
                .map(Ok);
        }
        if algorithm == oid::ED25519 {
            let kp = sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der_bytes).ok()?;
            let mut spki = vec![
                0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
            ];
            spki.extend_from_slice(kp.public_key().as_ref());
            return Some(Ok(spki));
        }
        // X25519 parses in Go (an *ecdh.PrivateKey), but it is no TLS key.
        if algorithm.to_string() == "1.3.101.110" {
            return Some(Err(
                "tls: found unknown private key type in PKCS#8 wrapping",
            ));
        }
        None
    };
    if let Some(found) = pkcs8() {
        return found;
    }
    sec1_spki(der_bytes).ok_or("tls: failed to parse private key")
}

/// Why crypto/tls's `X509KeyPair` would not pair a certificate whose key is `cert_spki`
/// with the private key in `key_blocks` (the key file's PEM blocks), in Go's words: the key
/// is the first block labelled `PRIVATE KEY` or `… PRIVATE KEY`, read as
/// [`go_tls_private_key_spki`] reads it, and must be the certificate's
/// ([`go_tls_same_public_key`]).
pub(crate) fn go_x509_key_pair(
    cert_spki: &[u8],
    key_blocks: &[pem::Pem],
) -> std::result::Result<(), KeyPairRefusal> {
    let Some(block) = key_blocks
        .iter()
        .find(|b| b.tag() == "PRIVATE KEY" || b.tag().ends_with(" PRIVATE KEY"))
    else {
        return Err(KeyPairRefusal::NoKey(
            if key_blocks.iter().any(|b| b.tag() == "CERTIFICATE") {
                "tls: found a certificate rather than a key in the PEM for the private key"
            } else {
                "tls: failed to find any PEM data in key input"
            },
        ));
    };
    let key_spki = go_tls_private_key_spki(block.contents()).map_err(KeyPairRefusal::NoKey)?;
    go_tls_same_public_key(cert_spki, &key_spki).map_err(KeyPairRefusal::NotThePair)
}

/// Why [`go_x509_key_pair`] refuses: there is no key Go can read, or it is another key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPairRefusal {
    /// No private key block Go reads (its error).
    NoKey(&'static str),
    /// A key, but not the certificate's (its error).
    NotThePair(&'static str),
}

impl KeyPairRefusal {
    /// Go's error text.
    pub(crate) fn go_error(self) -> &'static str {
        match self {
            KeyPairRefusal::NoKey(e) | KeyPairRefusal::NotThePair(e) => e,
        }
    }
}

/// X509KeyPair's comparison of the certificate's key with the private key's: the same type,
/// and the same RSA modulus (the exponent is not compared), EC point or Ed25519 key.
fn go_tls_same_public_key(
    cert_spki: &[u8],
    key_spki: &[u8],
) -> std::result::Result<(), &'static str> {
    use x509_parser::prelude::FromDer as _;
    use x509_parser::public_key::PublicKey;
    use x509_parser::x509::SubjectPublicKeyInfo;
    let (Ok((_, cert)), Ok((_, key))) = (
        SubjectPublicKeyInfo::from_der(cert_spki),
        SubjectPublicKeyInfo::from_der(key_spki),
    ) else {
        return Err("tls: private key does not match public key");
    };
    if cert.algorithm.algorithm != key.algorithm.algorithm {
        return Err("tls: private key type does not match public key type");
    }
    let same = match (cert.parsed(), key.parsed()) {
        (Ok(PublicKey::RSA(a)), Ok(PublicKey::RSA(b))) => {
            let strip = |n: &[u8]| {
                n.iter()
                    .skip_while(|&&x| x == 0)
                    .copied()
                    .collect::<Vec<u8>>()
            };
            strip(a.modulus) == strip(b.modulus)
        }
        _ => cert.subject_public_key.data == key.subject_public_key.data,
    };
    if same {
        Ok(())
    } else {
        Err("tls: private key does not match public key")
    }
}

/// One PEM block's key, as keyutil's four parsers find it (RSA first, then ECDSA).
fn keyutil_block(source: &str, der_bytes: &[u8]) -> Option<VerificationKey> {
    let spki_of_cert = || -> Option<Vec<u8>> {
        // x509.ParseCertificate: the whole block, no trailing data, nothing Go refuses (a
        // negative serial, a malformed extension, ...).
        crate::authn::x509::go_parse_certificate(der_bytes).ok()?;
        match x509_parser::parse_x509_certificate(der_bytes) {
            Ok(([], cert)) => Some(cert.public_key().raw.to_vec()),
            _ => None,
        }
    };
    let spki_whole = || -> Option<Vec<u8>> {
        // x509.ParsePKIXPublicKey: a SubjectPublicKeyInfo and nothing after it, with a key
        // Go's parsePublicKey takes (RSA with NULL parameters, a point on its curve, ...).
        crate::authn::x509::go_parse_pkix_public_key(der_bytes).ok()?;
        spki::SubjectPublicKeyInfoRef::from_der(der_bytes)
            .ok()
            .map(|_| der_bytes.to_vec())
    };
    let key_of = |spki: Vec<u8>| VerificationKey::from_spki_der(source, &spki).ok().flatten();
    let is_rsa = |k: &VerificationKey| matches!(k.numbers, PublicNumbers::Rsa { .. });
    // parseRSAPrivateKey: PKCS#1, or PKCS#8 holding an RSA key, of any size (kcred's own
    // PrivateKey takes only the sizes it generates, so the public half is read directly).
    if let Some(k) = rsa_private_spki(der_bytes).and_then(key_of) {
        return Some(k);
    }
    // parseRSAPublicKey, then parseECPrivateKey (SEC1 only), then parseECPublicKey.
    let public = spki_whole().or_else(spki_of_cert).and_then(key_of);
    if let Some(k) = &public
        && is_rsa(k)
    {
        return public;
    }
    if let Some(k) = sec1_spki(der_bytes).and_then(key_of) {
        return Some(k);
    }
    public.filter(|k| !is_rsa(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_block_yields_the_same_key() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let spki = key.public_key_der().unwrap();
        let mut text = String::new();
        text.push_str(&crate::pem::encode("RSA PUBLIC KEY", b"\x30\x00"));
        text.push_str(&crate::pem::encode("PUBLIC KEY", &spki));
        text.push_str(&key.to_pem(crate::keys::KeyFormat::Sec1).unwrap());
        text.push_str(&key.to_pem(crate::keys::KeyFormat::Pkcs8).unwrap());
        let keys = parse_verification_keys("k.pem", text.as_bytes()).unwrap();
        // keyutil.ParsePublicKeysPEM: the PKCS#8 EC private key is skipped
        // (x509.ParseECPrivateKey reads SEC1 only); PUBLIC KEY and SEC1 count.
        assert_eq!(keys.len(), 2);
        for k in &keys {
            assert_eq!(k.kid, key_id(&spki));
            assert_eq!(k.alg, SigningAlg::ES256);
        }
    }

    #[test]
    fn keyutil_reads_blocks_by_content_not_label() {
        let rsa = PrivateKey::generate(KeyType::Rsa2048).unwrap();
        let spki = rsa.public_key_der().unwrap();
        let pkcs8 = rsa.pkcs8_der().unwrap();
        let pkcs1 = rsa.to_pem(crate::keys::KeyFormat::Pkcs1).unwrap();
        let pkcs1_der = pem::parse(pkcs1.as_bytes()).unwrap().into_contents();
        let mut text = String::new();
        // Any label will do: parseRSAPrivateKey tries PKCS#1 then PKCS#8 on the bytes.
        text.push_str(&crate::pem::encode("SOMETHING", &pkcs1_der));
        text.push_str(&crate::pem::encode("PUBLIC KEY", &pkcs8));
        text.push_str(&crate::pem::encode("CERTIFICATE", &spki));
        let keys = parse_verification_keys("k.pem", text.as_bytes()).unwrap();
        assert_eq!(keys.len(), 3);
        assert!(keys.iter().all(|k| k.kid == key_id(&spki)));
        // A PKCS#1 RSAPublicKey is not PKIX: skipped, and alone it is "no key".
        let err = parse_verification_keys(
            "p.pem",
            crate::pem::encode("RSA PUBLIC KEY", b"\x30\x03\x02\x01\x03").as_bytes(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("refuses to start"), "{err}");
        // P-521 keys count (and sign ES512).
        let p521 = PrivateKey::generate(KeyType::EcdsaP521).unwrap();
        let text = p521.to_pem(crate::keys::KeyFormat::Sec1).unwrap();
        let keys = parse_verification_keys("p521.key", text.as_bytes()).unwrap();
        assert_eq!(keys[0].alg, SigningAlg::ES512);
    }

    #[test]
    fn no_usable_key_is_an_error_naming_the_file() {
        let ed = PrivateKey::generate(KeyType::Ed25519).unwrap();
        let text = crate::pem::encode("PUBLIC KEY", &ed.public_key_der().unwrap());
        let err = parse_verification_keys("ed.pub", text.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("ed.pub: ") && err.contains("RSA or ECDSA"),
            "{err}"
        );
    }
}
