//! Private keys: generation, PEM load and save, and the public-key facts other
//! modules need (SPKI DER, signature algorithm, the ServiceAccount `kid`).
//!
//! aws-lc-rs is the one crypto backend (DESIGN.md §7). Keys are read by *content*, never
//! by file name: a PEM block's label says whether it is PKCS#1 (`RSA PRIVATE KEY`), SEC1
//! (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`), and the key itself says its algorithm.
//! They are written as kubeadm writes them (`cmd/kubeadm/app/util/pkiutil`): PKCS#1 for
//! RSA, SEC1 for ECDSA, and PKCS#8 for Ed25519 or on request.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::encoding::{AsDer, EcPrivateKeyRfc5915Der, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING,
    EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256,
};
use der::{Decode, asn1::OctetStringRef};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

mod words;

/// OIDs of the key and signature algorithms kcred handles (RFC 3279, 5480, 5758, 8410).
pub(crate) mod oid {
    use spki::ObjectIdentifier as Oid;
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    pub const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
}

/// The key types kcred generates. kubeadm's default is RSA-2048
/// (`cmd/kubeadm/app/apis/kubeadm/types.go`, `EncryptionAlgorithmType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum KeyType {
    /// RSA, 2048-bit modulus (kubeadm's default).
    #[default]
    Rsa2048,
    /// RSA, 3072-bit modulus.
    Rsa3072,
    /// RSA, 4096-bit modulus.
    Rsa4096,
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// ECDSA on NIST P-521 (kube-apiserver signs ServiceAccount tokens with ES512 for it,
    /// `pkg/serviceaccount/jwt.go`, `signerFromECDSAPrivateKey`).
    EcdsaP521,
    /// Ed25519 (certificates only: the API server does not accept EdDSA tokens).
    Ed25519,
}

impl KeyType {
    /// Every key type, with the name used on the command line.
    pub const ALL: [(KeyType, &'static str); 7] = [
        (KeyType::Rsa2048, "rsa2048"),
        (KeyType::Rsa3072, "rsa3072"),
        (KeyType::Rsa4096, "rsa4096"),
        (KeyType::EcdsaP256, "ecdsa-p256"),
        (KeyType::EcdsaP384, "ecdsa-p384"),
        (KeyType::EcdsaP521, "ecdsa-p521"),
        (KeyType::Ed25519, "ed25519"),
    ];

    /// The command-line name (`rsa2048`, `ecdsa-p256`, …).
    pub fn name(self) -> &'static str {
        KeyType::ALL
            .iter()
            .find(|(t, _)| *t == self)
            .map(|(_, n)| *n)
            .unwrap_or("rsa2048")
    }

    /// The format kubeadm writes this key type in.
    pub fn default_format(self) -> KeyFormat {
        match self {
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => KeyFormat::Pkcs1,
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => KeyFormat::Sec1,
            KeyType::Ed25519 => KeyFormat::Pkcs8,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let wanted = s.to_ascii_lowercase().replace('_', "-");
        KeyType::ALL
            .iter()
            .find(|(_, n)| *n == wanted)
            .map(|(t, _)| *t)
            .ok_or_else(|| {
                let names: Vec<_> = KeyType::ALL.iter().map(|(_, n)| *n).collect();
                format!(
                    "unknown key type {s:?} (expected one of {})",
                    names.join(", ")
                )
            })
    }
}

/// How a private key is encoded in PEM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFormat {
    /// `RSA PRIVATE KEY` (RFC 8017), RSA only.
    Pkcs1,
    /// `EC PRIVATE KEY` (RFC 5915), ECDSA only.
    Sec1,
    /// `PRIVATE KEY` (RFC 5208), any algorithm.
    Pkcs8,
}

/// The name `--key-format` takes.
impl fmt::Display for KeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyFormat::Pkcs1 => "pkcs1",
            KeyFormat::Sec1 => "sec1",
            KeyFormat::Pkcs8 => "pkcs8",
        })
    }
}

impl FromStr for KeyFormat {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "pkcs1" => Ok(KeyFormat::Pkcs1),
            "sec1" => Ok(KeyFormat::Sec1),
            "pkcs8" => Ok(KeyFormat::Pkcs8),
            _ => Err(format!(
                "unknown key format {s:?} (expected pkcs1, sec1 or pkcs8)"
            )),
        }
    }
}

enum Inner {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    /// Held in a PKCS#11 token (src/pkcs11): signs through `C_Sign`, never exported.
    #[cfg(feature = "pkcs11")]
    Pkcs11(std::sync::Arc<crate::pkcs11::TokenKey>),
}

/// A private key that can sign certificates, CSRs and tokens.
pub struct PrivateKey {
    inner: Inner,
    key_type: KeyType,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material, not even in debug output.
        write!(f, "PrivateKey({})", self.key_type)
    }
}

fn curve_alg(kt: KeyType) -> &'static EcdsaSigningAlgorithm {
    match kt {
        KeyType::EcdsaP384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
        KeyType::EcdsaP521 => &ECDSA_P521_SHA512_ASN1_SIGNING,
        _ => &ECDSA_P256_SHA256_ASN1_SIGNING,
    }
}

fn rsa_key_type(bits: usize) -> Option<KeyType> {
    match bits {
        2048 => Some(KeyType::Rsa2048),
        3072 => Some(KeyType::Rsa3072),
        4096 => Some(KeyType::Rsa4096),
        _ => None,
    }
}

/// How a private key file was encoded ([`PrivateKey::from_file_bytes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyEncoding {
    /// PEM text.
    Pem,
    /// DER, with the PEM label of its structure (`PRIVATE KEY`, `RSA PRIVATE KEY`,
    /// `EC PRIVATE KEY`).
    Der(&'static str),
}

impl PrivateKey {
    /// Generate a fresh key.
    pub fn generate(key_type: KeyType) -> Result<Self> {
        let failed = |_| Error::Crypto(format!("generating a {key_type} key failed"));
        let inner = match key_type {
            KeyType::Rsa2048 => Inner::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).map_err(failed)?),
            KeyType::Rsa3072 => Inner::Rsa(RsaKeyPair::generate(KeySize::Rsa3072).map_err(failed)?),
            KeyType::Rsa4096 => Inner::Rsa(RsaKeyPair::generate(KeySize::Rsa4096).map_err(failed)?),
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => {
                Inner::Ecdsa(EcdsaKeyPair::generate(curve_alg(key_type)).map_err(failed)?)
            }
            KeyType::Ed25519 => Inner::Ed25519(Ed25519KeyPair::generate().map_err(failed)?),
        };
        Ok(PrivateKey { inner, key_type })
    }

    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// Read the first private key in a PEM document, by its label and content.
    /// `source` names the file in errors.
    pub fn from_pem(source: &str, pem_text: &[u8]) -> Result<Self> {
        let bad = |problem: String| Error::Input {
            path: source.to_string(),
            problem,
        };
        if pem_text.trim_ascii_start().starts_with(b"pkcs11:") {
            return Self::from_pkcs11_uri_file(source, pem_text);
        }
        // DER (an ASN.1 SEQUENCE, 0x30) where PEM is read: say what it is and how to turn
        // it into PEM, rather than "no PEM data".
        if pem_text.first() == Some(&0x30) && !crate::pem::looks_like_pem(pem_text) {
            return Err(bad(format!(
                "a DER (binary) key; kcred reads PEM keys: convert it with `openssl pkey -inform DER -in {source} -out {source}.pem`"
            )));
        }
        let blocks = crate::pem::parse_all(source, pem_text)?;
        let block = blocks
            .iter()
            .find(|b| b.tag().ends_with("PRIVATE KEY"))
            .ok_or_else(|| {
                let labels: Vec<_> = blocks.iter().map(|b| b.tag().to_string()).collect();
                bad(if labels.is_empty() {
                    "no PEM private key found".into()
                } else {
                    format!(
                        "no private key here, found PEM {} instead",
                        labels.join(", ")
                    )
                })
            })?;
        // PKCS#8 encryption shows in the label; OpenSSL's traditional encryption
        // (RFC 1421) in a `Proc-Type: 4,ENCRYPTED` header over the usual label.
        let encrypted = block.tag() == "ENCRYPTED PRIVATE KEY"
            || block
                .headers()
                .get("Proc-Type")
                .is_some_and(|v| v.contains("ENCRYPTED"));
        if encrypted {
            return Err(bad(format!(
                "the private key is encrypted; decrypt it first: `openssl pkey -in {source} -out {source}.plain`"
            )));
        }
        let der = Zeroizing::new(block.contents().to_vec());
        match block.tag() {
            "RSA PRIVATE KEY" => Self::from_pkcs1(&der).map_err(bad),
            "EC PRIVATE KEY" => Self::from_sec1(&der).map_err(bad),
            "PRIVATE KEY" => Self::from_pkcs8(&der).map_err(bad),
            other => Err(bad(format!("unsupported private key type {other:?}"))),
        }
    }

    /// A key file holding a PKCS#11 URI stands for the token key it names (src/pkcs11).
    #[cfg(feature = "pkcs11")]
    fn from_pkcs11_uri_file(source: &str, text: &[u8]) -> Result<Self> {
        let uri = crate::pkcs11::uri_from_file(source, text)?;
        Ok(Self::from_token(crate::pkcs11::open(source, &uri)?))
    }

    #[cfg(not(feature = "pkcs11"))]
    fn from_pkcs11_uri_file(source: &str, _text: &[u8]) -> Result<Self> {
        Err(Error::input(
            source,
            "holds a PKCS#11 URI, but this kcred was built without the pkcs11 feature",
        ))
    }

    /// A key held in a PKCS#11 token.
    #[cfg(feature = "pkcs11")]
    pub fn from_token(key: crate::pkcs11::TokenKey) -> Self {
        PrivateKey {
            key_type: key.key_type(),
            inner: Inner::Pkcs11(std::sync::Arc::new(key)),
        }
    }

    /// The PKCS#11 URI (without the PIN) of a token-held key; `None` for a key in memory.
    pub fn token_uri(&self) -> Option<&str> {
        match &self.inner {
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(k) => Some(k.uri()),
            _ => None,
        }
    }

    /// The error for operations that need the private bytes of a token-held key.
    fn not_exportable(&self, uri: &str) -> Error {
        Error::Usage(format!(
            "the {} key {uri} is held in a PKCS#11 token and cannot be exported",
            self.key_type
        ))
    }

    /// Read a private key file's bytes, PEM or DER, told apart by content: PEM by its
    /// label ([`PrivateKey::from_pem`]); DER by its structure, tried as PKCS#8, PKCS#1 RSA
    /// and SEC1 EC (what `openssl pkey|rsa|ec -outform DER` write; the three cannot be
    /// mistaken for one another: PKCS#8 holds an AlgorithmIdentifier, PKCS#1 a modulus and
    /// SEC1 an octet string after the version). Every kcred flag that takes a private key
    /// file reads it here. The [`KeyEncoding`] says which it was, so a DER key can be
    /// re-wrapped as PEM for readers that take PEM only (kubectl, kube-apiserver).
    pub fn from_file_bytes(source: &str, bytes: &[u8]) -> Result<(Self, KeyEncoding)> {
        if crate::pem::looks_like_pem(bytes) || bytes.first() != Some(&0x30) {
            return Ok((Self::from_pem(source, bytes)?, KeyEncoding::Pem));
        }
        type Parse = fn(&[u8]) -> std::result::Result<PrivateKey, String>;
        let tries: [(&str, Parse); 3] = [
            ("PRIVATE KEY", Self::from_pkcs8),
            ("RSA PRIVATE KEY", Self::from_pkcs1),
            ("EC PRIVATE KEY", Self::from_sec1),
        ];
        let mut why = Vec::new();
        for (label, parse) in tries {
            match parse(bytes) {
                Ok(key) => return Ok((key, KeyEncoding::Der(label))),
                Err(e) => why.push(e),
            }
        }
        // A DER key of a kind kcred does not take (RSA-1024, a curve it does not know) says
        // so; anything else is not a private key at all.
        let specific = why.iter().find(|w| {
            w.contains("not supported")
                || w.contains("not accepted")
                || w.contains("unsupported")
                || w.contains("curve")
        });
        Err(Error::input(
            source,
            match specific {
                Some(w) => format!("DER private key: {w}"),
                None => "neither PEM nor a DER private key (PKCS#8, PKCS#1 RSA or SEC1 EC); an encrypted key must be decrypted first (openssl pkey -in FILE -out PLAIN.pem)".into(),
            },
        ))
    }

    fn from_pkcs1(der: &[u8]) -> std::result::Result<Self, String> {
        let kp =
            RsaKeyPair::from_der(der).map_err(|e| words::rejected("PKCS#1 RSA key", der, e))?;
        Self::from_rsa(kp)
    }

    fn from_rsa(kp: RsaKeyPair) -> std::result::Result<Self, String> {
        let bits = kp.public_modulus_len() * 8;
        let key_type = rsa_key_type(bits).ok_or_else(|| words::rsa_size(bits))?;
        Ok(PrivateKey {
            inner: Inner::Rsa(kp),
            key_type,
        })
    }

    fn from_sec1(der: &[u8]) -> std::result::Result<Self, String> {
        let curve = sec1_curve(der)?;
        let key_type = curve_key_type(&curve)?;
        let kp = EcdsaKeyPair::from_private_key_der(curve_alg(key_type), der)
            .map_err(|e| words::rejected("SEC1 EC key", der, e))?;
        Ok(PrivateKey {
            inner: Inner::Ecdsa(kp),
            key_type,
        })
    }

    fn from_pkcs8(der: &[u8]) -> std::result::Result<Self, String> {
        let (alg, params) = pkcs8_algorithm(der)?;
        if alg == oid::RSA_ENCRYPTION {
            let kp = RsaKeyPair::from_pkcs8(der)
                .map_err(|e| words::rejected("PKCS#8 RSA key", der, e))?;
            Self::from_rsa(kp)
        } else if alg == oid::EC_PUBLIC_KEY {
            let curve = params.ok_or("PKCS#8 EC key without a named curve")?;
            let key_type = curve_key_type(&curve)?;
            let kp = EcdsaKeyPair::from_pkcs8(curve_alg(key_type), der)
                .map_err(|e| words::rejected("PKCS#8 EC key", der, e))?;
            Ok(PrivateKey {
                inner: Inner::Ecdsa(kp),
                key_type,
            })
        } else if alg == oid::ED25519 {
            let kp = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map_err(|e| words::rejected("PKCS#8 Ed25519 key", der, e))?;
            Ok(PrivateKey {
                inner: Inner::Ed25519(kp),
                key_type: KeyType::Ed25519,
            })
        } else {
            Err(format!("unsupported private key algorithm {alg}"))
        }
    }

    /// The key as PEM in the given format. PKCS#1 is RSA only and SEC1 ECDSA only.
    pub fn to_pem(&self, format: KeyFormat) -> Result<Zeroizing<String>> {
        let mismatch = || {
            Error::Usage(format!(
                "a {} key cannot be written as {format}",
                self.key_type
            ))
        };
        if let Some(uri) = self.token_uri() {
            return Err(self.not_exportable(uri));
        }
        let failed = |_| Error::Crypto("encoding the private key failed".into());
        let (label, der): (&str, Zeroizing<Vec<u8>>) = match (&self.inner, format) {
            (Inner::Rsa(kp), KeyFormat::Pkcs1) => {
                let p8: Pkcs8V1Der = kp.as_der().map_err(failed)?;
                (
                    "RSA PRIVATE KEY",
                    Zeroizing::new(pkcs8_inner_key(p8.as_ref())?),
                )
            }
            (Inner::Ecdsa(kp), KeyFormat::Sec1) => {
                let d: EcPrivateKeyRfc5915Der = kp.private_key().as_der().map_err(failed)?;
                ("EC PRIVATE KEY", Zeroizing::new(d.as_ref().to_vec()))
            }
            (_, KeyFormat::Pkcs8) => ("PRIVATE KEY", self.pkcs8_der()?),
            _ => return Err(mismatch()),
        };
        // The `pem` crate's intermediate buffers are not zeroized; a known limit.
        Ok(Zeroizing::new(crate::pem::encode(label, &der)))
    }

    /// The key as PKCS#8 DER (`-----BEGIN PRIVATE KEY-----`, what most tools read).
    pub fn pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let failed = |_| Error::Crypto("encoding the private key failed".into());
        let d: Vec<u8> = match &self.inner {
            Inner::Rsa(kp) => AsDer::<Pkcs8V1Der>::as_der(kp)
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            Inner::Ecdsa(kp) => kp.to_pkcs8v1().map_err(failed)?.as_ref().to_vec(),
            Inner::Ed25519(kp) => AsDer::<Pkcs8V1Der>::as_der(kp)
                .map_err(failed)?
                .as_ref()
                .to_vec(),
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(k) => return Err(self.not_exportable(k.uri())),
        };
        Ok(Zeroizing::new(d))
    }

    /// The public key as DER SubjectPublicKeyInfo (PKIX).
    pub fn public_key_der(&self) -> Result<Vec<u8>> {
        let failed = |_| Error::Crypto("encoding the public key failed".into());
        let d: PublicKeyX509Der = match &self.inner {
            Inner::Rsa(kp) => kp.public_key().as_der().map_err(failed)?,
            Inner::Ecdsa(kp) => kp.public_key().as_der().map_err(failed)?,
            Inner::Ed25519(kp) => kp.public_key().as_der().map_err(failed)?,
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(k) => return Ok(k.public_key_der().to_vec()),
        };
        Ok(d.as_ref().to_vec())
    }

    /// The X.509 signature algorithm this key signs with: sha256WithRSAEncryption for RSA
    /// (what Go's crypto/x509 picks for kubeadm's RSA CAs), ECDSA with the hash matching the
    /// curve, Ed25519.
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        let (oid, parameters) = match self.key_type {
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
                (oid::SHA256_WITH_RSA, Some(der::asn1::Null.into()))
            }
            KeyType::EcdsaP256 => (oid::ECDSA_WITH_SHA256, None),
            KeyType::EcdsaP384 => (oid::ECDSA_WITH_SHA384, None),
            KeyType::EcdsaP521 => (oid::ECDSA_WITH_SHA512, None),
            KeyType::Ed25519 => (oid::ED25519, None),
        };
        AlgorithmIdentifierOwned { oid, parameters }
    }

    /// Sign `msg` with this key's signature algorithm (see [`Self::signature_algorithm`]).
    /// ECDSA signatures are ASN.1 DER, as X.509 wants them.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
        let failed = |_| Error::Crypto("signing failed".into());
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Rsa(kp) => {
                let mut sig = vec![0; kp.public_modulus_len()];
                kp.sign(&RSA_PKCS1_SHA256, &rng, msg, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            Inner::Ecdsa(kp) => Ok(kp.sign(&rng, msg).map_err(failed)?.as_ref().to_vec()),
            Inner::Ed25519(kp) => Ok(kp.sign(msg).as_ref().to_vec()),
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(k) => k
                .sign(msg)
                .map_err(|p| Error::Crypto(format!("{}: signing failed: {p}", k.uri()))),
        }
    }

    /// Sign `msg` for a JWS (RFC 7518 §3): RSA as for X.509 (RS256), ECDSA as the fixed-size
    /// `r || s` JWS wants rather than X.509's ASN.1 form.
    pub fn sign_jws(&self, msg: &[u8]) -> Result<Vec<u8>> {
        #[cfg(feature = "pkcs11")]
        if let Inner::Pkcs11(k) = &self.inner {
            // PKCS#11 returns ECDSA as `r || s` already.
            return k
                .sign_jws(msg)
                .map_err(|p| Error::Crypto(format!("{}: signing failed: {p}", k.uri())));
        }
        let sig = self.sign(msg)?;
        let width = match self.key_type {
            KeyType::EcdsaP256 => 32,
            KeyType::EcdsaP384 => 48,
            KeyType::EcdsaP521 => 66,
            _ => return Ok(sig),
        };
        let bad = |_| Error::Crypto("ECDSA signature is not DER".into());
        let (r, s): (der::asn1::UintRef<'_>, der::asn1::UintRef<'_>) = der::Decode::from_der(&sig)
            .map(|EcdsaSig { r, s }| (r, s))
            .map_err(bad)?;
        let mut out = vec![0u8; 2 * width];
        for (i, n) in [r.as_bytes(), s.as_bytes()].into_iter().enumerate() {
            if n.len() > width {
                return Err(Error::Crypto("ECDSA signature component too long".into()));
            }
            out[(i + 1) * width - n.len()..(i + 1) * width].copy_from_slice(n);
        }
        Ok(out)
    }

    /// RSA modulus length in bits, or the curve size.
    pub fn bits(&self) -> usize {
        match &self.inner {
            Inner::Rsa(kp) => kp.public_modulus_len() * 8,
            Inner::Ecdsa(_) if self.key_type == KeyType::EcdsaP384 => 384,
            Inner::Ecdsa(_) if self.key_type == KeyType::EcdsaP521 => 521,
            Inner::Ecdsa(_) => 256,
            Inner::Ed25519(_) => 256,
            #[cfg(feature = "pkcs11")]
            Inner::Pkcs11(_) => match self.key_type {
                KeyType::Rsa2048 => 2048,
                KeyType::Rsa3072 => 3072,
                KeyType::Rsa4096 => 4096,
                KeyType::EcdsaP384 => 384,
                KeyType::EcdsaP521 => 521,
                _ => 256,
            },
        }
    }

    /// A second handle on the same key (aws-lc-rs key pairs are not `Clone`).
    pub fn try_clone(&self) -> Result<PrivateKey> {
        #[cfg(feature = "pkcs11")]
        if let Inner::Pkcs11(k) = &self.inner {
            return Ok(PrivateKey {
                inner: Inner::Pkcs11(k.clone()),
                key_type: self.key_type,
            });
        }
        Self::from_pkcs8(&self.pkcs8_der()?).map_err(Error::Crypto)
    }

    /// Whether this key's public half is `spki_der` (DER SubjectPublicKeyInfo).
    pub fn matches_public_key(&self, spki_der: &[u8]) -> Result<bool> {
        Ok(self.public_key_der()? == spki_der)
    }
}

/// The ServiceAccount token `kid` for a public key: base64url-unpadded SHA-256 of its PKIX DER
/// (kubernetes `pkg/serviceaccount/jwt.go`, `keyIDFromPublicKey`).
pub fn key_id(spki_der: &[u8]) -> String {
    use base64::Engine as _;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, spki_der);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

fn curve_key_type(curve: &ObjectIdentifier) -> std::result::Result<KeyType, String> {
    match *curve {
        oid::SECP256R1 => Ok(KeyType::EcdsaP256),
        oid::SECP384R1 => Ok(KeyType::EcdsaP384),
        oid::SECP521R1 => Ok(KeyType::EcdsaP521),
        other => Err(format!("unsupported elliptic curve {other}")),
    }
}

/// RFC 5915 ECPrivateKey, only as far as the curve.
#[derive(der::Sequence)]
struct EcPrivateKeyHead<'a> {
    version: u8,
    private_key: &'a OctetStringRef,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    parameters: Option<ObjectIdentifier>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    public_key: Option<der::asn1::BitStringRef<'a>>,
}

fn sec1_curve(der_bytes: &[u8]) -> std::result::Result<ObjectIdentifier, String> {
    let head = EcPrivateKeyHead::from_der(der_bytes)
        .map_err(|_| words::malformed("SEC1 EC key", der_bytes))?;
    head.parameters
        .ok_or_else(|| "SEC1 EC key without a named curve".to_string())
}

/// An ECDSA signature as X.509 encodes it (RFC 3279 `Ecdsa-Sig-Value`).
#[derive(der::Sequence)]
struct EcdsaSig<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// RFC 5208 PrivateKeyInfo, enough to learn the algorithm and reach the inner key.
#[derive(der::Sequence)]
struct PrivateKeyInfoHead<'a> {
    version: u8,
    algorithm: spki::AlgorithmIdentifierRef<'a>,
    private_key: &'a OctetStringRef,
    // PKCS#8 v2 (RFC 5958 OneAsymmetricKey) trailing fields.
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    attributes: Option<der::asn1::SetOfVec<der::asn1::Any>>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    public_key: Option<der::asn1::BitStringRef<'a>>,
}

fn pkcs8_algorithm(
    der_bytes: &[u8],
) -> std::result::Result<(ObjectIdentifier, Option<ObjectIdentifier>), String> {
    let info = PrivateKeyInfoHead::from_der(der_bytes)
        .map_err(|_| words::malformed("PKCS#8 key", der_bytes))?;
    let curve = info
        .algorithm
        .parameters
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    Ok((info.algorithm.oid, curve))
}

fn pkcs8_inner_key(der_bytes: &[u8]) -> Result<Vec<u8>> {
    let info = PrivateKeyInfoHead::from_der(der_bytes)
        .map_err(|e| Error::Crypto(format!("re-encoding the key as PKCS#1 failed: {e}")))?;
    Ok(info.private_key.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_every_allowed_format() {
        for (kt, _) in KeyType::ALL {
            let key = PrivateKey::generate(kt).unwrap();
            let spki = key.public_key_der().unwrap();
            for format in [kt.default_format(), KeyFormat::Pkcs8] {
                let text = key.to_pem(format).unwrap();
                let back = PrivateKey::from_pem("test", text.as_bytes()).unwrap();
                assert_eq!(back.key_type(), kt);
                assert_eq!(back.public_key_der().unwrap(), spki, "{kt} {format:?}");
            }
        }
    }

    #[test]
    fn key_type_names_parse_back() {
        for (kt, name) in KeyType::ALL {
            assert_eq!(name.parse::<KeyType>().unwrap(), kt);
        }
        assert!("rsa1024".parse::<KeyType>().is_err());
    }

    #[test]
    fn wrong_format_for_the_algorithm_is_refused() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        assert!(key.to_pem(KeyFormat::Pkcs1).is_err());
    }

    #[test]
    fn a_certificate_is_not_a_key() {
        let err = PrivateKey::from_pem(
            "x.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("x.pem") && err.contains("CERTIFICATE"),
            "{err}"
        );
    }
}
