//! Verification keys, read the way kube-apiserver reads `--service-account-key-file`
//! (`k8s.io/client-go/util/keyutil`, `ParsePublicKeysPEM`): a file may hold several PEM
//! blocks; `PUBLIC KEY` (PKIX), private keys (`RSA PRIVATE KEY`, `EC PRIVATE KEY`,
//! `PRIVATE KEY`: the public half is used) and `CERTIFICATE` (its key) count; anything else,
//! `RSA PUBLIC KEY` included, is skipped as the API server skips it. Only RSA and ECDSA keys
//! sign ServiceAccount tokens; a file without one is an error, as it is for the API server.

use std::path::Path;

use der::Decode as _;
use spki::ObjectIdentifier;

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
    /// ECDSA P-521 with SHA-512 (published in JWKS; kcred cannot verify it: jsonwebtoken
    /// has no ES512).
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
            KeyType::Ed25519 => Err(Error::Usage(
                "ed25519 keys cannot sign ServiceAccount tokens: kube-apiserver accepts only RSA and ECDSA keys"
                    .into(),
            )),
        }
    }

    /// The header algorithms a key of this kind can verify, as go-jose allows them: any RSA
    /// algorithm for an RSA key, only the curve's own algorithm for an ECDSA key.
    pub(crate) fn accepts(self) -> &'static [jsonwebtoken::Algorithm] {
        use jsonwebtoken::Algorithm as A;
        match self {
            SigningAlg::RS256 => &[A::RS256, A::RS384, A::RS512, A::PS256, A::PS384, A::PS512],
            SigningAlg::ES256 => &[A::ES256],
            SigningAlg::ES384 => &[A::ES384],
            SigningAlg::ES512 => &[],
        }
    }

    /// The jsonwebtoken algorithm for signing, if jsonwebtoken has it.
    pub(crate) fn jwt(self) -> Option<jsonwebtoken::Algorithm> {
        use jsonwebtoken::Algorithm as A;
        match self {
            SigningAlg::RS256 => Some(A::RS256),
            SigningAlg::ES256 => Some(A::ES256),
            SigningAlg::ES384 => Some(A::ES384),
            SigningAlg::ES512 => None,
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
        Ok(Some(VerificationKey {
            kid: key_id(der_bytes),
            alg,
            spki_der: der_bytes.to_vec(),
            numbers,
            source: source.to_string(),
        }))
    }

    /// The public half of a private key.
    pub fn from_private_key(source: &str, key: &PrivateKey) -> Result<Self> {
        SigningAlg::for_key_type(key.key_type())?;
        Self::from_spki_der(source, &key.public_key_der()?)?
            .ok_or_else(|| Error::input(source, "not an RSA or ECDSA key"))
    }

    /// The key as jsonwebtoken wants it for verification.
    pub(crate) fn decoding_key(&self) -> jsonwebtoken::DecodingKey {
        match &self.numbers {
            PublicNumbers::Rsa { n, e } => jsonwebtoken::DecodingKey::from_rsa_raw_components(n, e),
            PublicNumbers::Ec { x, y, .. } => {
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(4);
                point.extend_from_slice(x);
                point.extend_from_slice(y);
                jsonwebtoken::DecodingKey::from_ec_der(&point)
            }
        }
    }
}

/// Read every verification key in a file, as kube-apiserver reads
/// `--service-account-key-file`.
pub fn load_verification_keys(path: &Path) -> Result<Vec<VerificationKey>> {
    let bytes = crate::fsio::read(path)?;
    parse_verification_keys(&crate::fsio::display(path), &bytes)
}

/// [`load_verification_keys`] on bytes already read; `source` names them in errors.
pub fn parse_verification_keys(source: &str, bytes: &[u8]) -> Result<Vec<VerificationKey>> {
    let blocks = crate::pem::parse_all(source, bytes)?;
    let mut keys = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let where_ = if blocks.len() > 1 {
            format!("{source} (PEM block {})", i + 1)
        } else {
            source.to_string()
        };
        let key = match block.tag() {
            "PUBLIC KEY" => VerificationKey::from_spki_der(&where_, block.contents())?,
            "CERTIFICATE" => {
                let (_, cert) = x509_parser::parse_x509_certificate(block.contents())
                    .map_err(|e| Error::input(&where_, format!("invalid certificate: {e}")))?;
                VerificationKey::from_spki_der(&where_, cert.public_key().raw)?
            }
            "RSA PRIVATE KEY" | "EC PRIVATE KEY" | "PRIVATE KEY" => {
                let one = crate::pem::encode(block.tag(), block.contents());
                let private = PrivateKey::from_pem(&where_, one.as_bytes())?;
                VerificationKey::from_spki_der(&where_, &private.public_key_der()?)?
            }
            // `RSA PUBLIC KEY`, `EC PARAMETERS`, …: keyutil tolerates and skips them.
            _ => None,
        };
        keys.extend(key);
    }
    if keys.is_empty() {
        return Err(Error::input(
            source,
            "data does not contain any valid RSA or ECDSA public keys",
        ));
    }
    Ok(keys)
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
        assert_eq!(keys.len(), 3);
        for k in &keys {
            assert_eq!(k.kid, key_id(&spki));
            assert_eq!(k.alg, SigningAlg::ES256);
        }
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
