//! A private key held in a token: kcred holds a session and an object handle, never the key.
//!
//! Signing goes through `C_Sign`:
//! - RSA: CKM_SHA256_RSA_PKCS over the message (the token hashes), or, for a token without it,
//!   CKM_RSA_PKCS over the DigestInfo kcred builds (RFC 8017 §9.2) -- the same signature;
//! - ECDSA: CKM_ECDSA over the digest kcred computes (SHA-256/384/512 for P-256/384/521, the
//!   pairing [`crate::keys::PrivateKey::signature_algorithm`] names). PKCS#11 returns the raw
//!   `r || s` (v2.40 §2.3.1), which JWS wants as is (RFC 7518 §3.4); X.509 wants the RFC 3279
//!   `Ecdsa-Sig-Value` DER, built here;
//! - Ed25519: CKM_EDDSA (PKCS#11 v3.0), pure Ed25519.

use std::sync::Mutex;

use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use der::Encode;
use der::asn1::UintRef;

use super::spki;
use super::token::{self, describe};
use super::uri::{ObjectType, Pkcs11Uri};
use crate::keys::KeyType;

/// How an RSA key signs on this token.
#[derive(Clone, Copy, Debug)]
enum RsaMech {
    Sha256RsaPkcs,
    /// CKM_RSA_PKCS over a DigestInfo (tokens, cloud KMS libraries among them, that only
    /// offer the raw mechanism).
    RsaPkcsDigestInfo,
}

/// A signing key in a PKCS#11 token.
pub struct TokenKey {
    // PKCS#11 sessions are single-threaded (v2.40 §5.6): one signing at a time.
    session: Mutex<Session>,
    handle: ObjectHandle,
    key_type: KeyType,
    spki_der: Vec<u8>,
    rsa: RsaMech,
    uri: String,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenKey({}, {})", self.key_type, self.uri)
    }
}

impl TokenKey {
    /// Find the private key the URI names and learn its public half. The error is a short
    /// problem; the caller names the URI.
    pub fn open(uri: &Pkcs11Uri) -> Result<TokenKey, String> {
        if uri.object_type.is_some_and(|t| t != ObjectType::Private) {
            return Err("kcred signs with a private key: use type=private".into());
        }
        if uri.object.is_none() && uri.id.is_none() {
            return Err("name the key with object= (its label) or id=".into());
        }
        let (ctx, slot, session) = token::session(uri, false)?;
        let handle = find_one(&session, uri)?;
        let (key_type, spki_der, from_other_object) = spki::of_private_key(&session, handle)?;
        let rsa = if matches!(
            key_type,
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096
        ) {
            rsa_mechanism(&ctx, slot)
        } else {
            RsaMech::Sha256RsaPkcs
        };
        let key = TokenKey {
            session: Mutex::new(session),
            handle,
            key_type,
            spki_der,
            rsa,
            uri: uri.to_string(),
        };
        if from_other_object {
            // The public half came from another object (a public key with the same CKA_ID or
            // label): prove it belongs to this private key before anything is signed with it.
            let probe = b"kcred: does this public key belong to the token's private key?";
            let sig = key.sign_jws(probe)?;
            if !spki::verifies(&key.spki_der, key.key_type, probe, &sig) {
                return Err(
                    "the public key object found next to the private key is not its pair".into(),
                );
            }
        }
        Ok(key)
    }

    /// The key's type.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The public key as DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The URI, without the PIN.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Sign as X.509 wants it (ECDSA as ASN.1 DER).
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        match self.key_type {
            KeyType::EcdsaP256 | KeyType::EcdsaP384 | KeyType::EcdsaP521 => {
                ecdsa_der(&self.sign_jws(msg)?)
            }
            _ => self.sign_jws(msg),
        }
    }

    /// Sign as JWS wants it (RFC 7518 §3: ECDSA as fixed-width `r || s`).
    pub fn sign_jws(&self, msg: &[u8]) -> Result<Vec<u8>, String> {
        use aws_lc_rs::digest::{SHA256, SHA384, SHA512, digest};
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let sign = |mech: &Mechanism, data: &[u8]| {
            session
                .sign(mech, self.handle, data)
                .map_err(|e| describe(&e))
        };
        let (sig, want_len) = match self.key_type {
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
                let sig = match self.rsa {
                    RsaMech::Sha256RsaPkcs => sign(&Mechanism::Sha256RsaPkcs, msg)?,
                    RsaMech::RsaPkcsDigestInfo => {
                        // RFC 8017 §9.2 note 1: the DER DigestInfo prefix for SHA-256.
                        let mut di = vec![
                            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
                            0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
                        ];
                        di.extend_from_slice(digest(&SHA256, msg).as_ref());
                        sign(&Mechanism::RsaPkcs, &di)?
                    }
                };
                (sig, None)
            }
            KeyType::EcdsaP256 => (
                sign(&Mechanism::Ecdsa, digest(&SHA256, msg).as_ref())?,
                Some(64),
            ),
            KeyType::EcdsaP384 => (
                sign(&Mechanism::Ecdsa, digest(&SHA384, msg).as_ref())?,
                Some(96),
            ),
            KeyType::EcdsaP521 => (
                sign(&Mechanism::Ecdsa, digest(&SHA512, msg).as_ref())?,
                Some(132),
            ),
            KeyType::Ed25519 => (
                sign(
                    &Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
                    msg,
                )?,
                Some(64),
            ),
        };
        match want_len {
            Some(n) if sig.len() != n => Err(format!(
                "the token returned a {}-byte signature for a {} key (want {n})",
                sig.len(),
                self.key_type
            )),
            _ => Ok(sig),
        }
    }
}

/// The one private key object the URI names.
pub(crate) fn find_one(session: &Session, uri: &Pkcs11Uri) -> Result<ObjectHandle, String> {
    let found = find(session, uri, ObjectClass::PRIVATE_KEY)?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "no private key object {} on the token",
            selector(uri)
        )),
        more => Err(format!(
            "{} private key objects match {}; add id= to pick one",
            more.len(),
            selector(uri)
        )),
    }
}

/// Objects of `class` with the URI's label and id.
pub(crate) fn find(
    session: &Session,
    uri: &Pkcs11Uri,
    class: ObjectClass,
) -> Result<Vec<ObjectHandle>, String> {
    let mut template = vec![Attribute::Class(class)];
    if let Some(label) = &uri.object {
        template.push(Attribute::Label(label.as_bytes().to_vec()));
    }
    if let Some(id) = &uri.id {
        template.push(Attribute::Id(id.clone()));
    }
    session.find_objects(&template).map_err(|e| describe(&e))
}

fn selector(uri: &Pkcs11Uri) -> String {
    let mut parts = Vec::new();
    if let Some(o) = &uri.object {
        parts.push(format!("object={o:?}"));
    }
    if let Some(id) = &uri.id {
        parts.push(format!("id={}", hex::encode(id)));
    }
    parts.join(" ")
}

fn rsa_mechanism(ctx: &cryptoki::context::Pkcs11, slot: cryptoki::slot::Slot) -> RsaMech {
    use cryptoki::mechanism::MechanismType;
    // On any doubt, the hashing mechanism: its failure names the mechanism.
    let mechs = ctx.get_mechanism_list(slot).unwrap_or_default();
    if mechs.contains(&MechanismType::SHA256_RSA_PKCS) || !mechs.contains(&MechanismType::RSA_PKCS)
    {
        RsaMech::Sha256RsaPkcs
    } else {
        RsaMech::RsaPkcsDigestInfo
    }
}

/// PKCS#11's raw `r || s` as the RFC 3279 `Ecdsa-Sig-Value` DER X.509 carries.
pub(crate) fn ecdsa_der(raw: &[u8]) -> Result<Vec<u8>, String> {
    #[derive(der::Sequence)]
    struct EcdsaSig<'a> {
        r: UintRef<'a>,
        s: UintRef<'a>,
    }
    if raw.is_empty() || !raw.len().is_multiple_of(2) {
        return Err(format!("ECDSA signature of odd length {}", raw.len()));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let bad = |e: der::Error| format!("encoding the ECDSA signature: {e}");
    EcdsaSig {
        r: UintRef::new(r).map_err(bad)?,
        s: UintRef::new(s).map_err(bad)?,
    }
    .to_der()
    .map_err(bad)
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_ASN1,
        ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, UnparsedPublicKey,
    };

    /// PKCS#11's `r || s` (what aws-lc-rs's FIXED signing gives too) turned into DER verifies
    /// as X.509's ASN.1 form, including the `r`/`s` with a high bit (a 0x00 is prepended) or
    /// leading zero bytes (stripped) that many signatures have.
    #[test]
    fn raw_ecdsa_signatures_become_der_that_verifies() {
        let rng = SystemRandom::new();
        for (sign_alg, verify_alg) in [
            (&ECDSA_P256_SHA256_FIXED_SIGNING, &ECDSA_P256_SHA256_ASN1),
            (&ECDSA_P384_SHA384_FIXED_SIGNING, &ECDSA_P384_SHA384_ASN1),
        ] {
            let kp = EcdsaKeyPair::generate(sign_alg).unwrap();
            let public = UnparsedPublicKey::new(verify_alg, kp.public_key().as_ref().to_vec());
            for i in 0..64u8 {
                let msg = [i; 10];
                let raw = kp.sign(&rng, &msg).unwrap();
                let der = super::ecdsa_der(raw.as_ref()).unwrap();
                public.verify(&msg, &der).unwrap();
            }
        }
        assert!(super::ecdsa_der(&[1, 2, 3]).is_err());
    }
}
