//! Key pairs made inside the token (`ca create --key pkcs11:...`, `sa keygen --key ...`).
//!
//! The private half is CKA_TOKEN (persistent), CKA_PRIVATE (needs the login), CKA_SENSITIVE
//! and not CKA_EXTRACTABLE, so no one reads it out, kcred included; both halves get CKA_LABEL
//! = the URI's `object` and CKA_ID = the URI's `id`, or else the key's SubjectKeyIdentifier
//! (RFC 5280 §4.2.1.2 method 1, what kcred puts in the certificate), set once the public key
//! is known -- the pairing p11tool and pkcs11-tool look keys up by.

use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, ObjectClass};

use super::key::{TokenKey, find};
use super::spki;
use super::token::{self, describe};
use super::uri::Pkcs11Uri;
use crate::keys::KeyType;

/// The key the URI names, made first when the token has no such private key. `true` when it
/// was made now.
/// Errors name the URI (never the PIN).
pub fn open_or_generate(
    uri: &Pkcs11Uri,
    key_type: KeyType,
) -> Result<(TokenKey, bool), crate::Error> {
    generate(uri, key_type).map_err(|p| super::named("", uri, p))
}

fn generate(uri: &Pkcs11Uri, key_type: KeyType) -> Result<(TokenKey, bool), String> {
    let label = uri
        .object
        .clone()
        .ok_or("name the new key with object= (its label)")?;
    let (_ctx, _slot, session) = token::session(uri, true)?;
    if !find(&session, uri, ObjectClass::PRIVATE_KEY)?.is_empty() {
        drop(session);
        return Ok((TokenKey::open(uri)?, false));
    }
    let label = label.into_bytes();
    let common = |private: bool| {
        vec![
            Attribute::Token(true),
            Attribute::Private(private),
            Attribute::Label(label.clone()),
        ]
    };
    let mut public = common(false);
    // A signing key and nothing else: no encryption, wrapping or derivation with it.
    public.extend([
        Attribute::Verify(true),
        Attribute::Encrypt(false),
        Attribute::Wrap(false),
    ]);
    let mut private = common(true);
    private.extend([
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(true),
        Attribute::Decrypt(false),
        Attribute::Unwrap(false),
        Attribute::Derive(false),
    ]);
    let mech = match key_type {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
            let bits: u64 = match key_type {
                KeyType::Rsa2048 => 2048,
                KeyType::Rsa3072 => 3072,
                _ => 4096,
            };
            public.push(Attribute::ModulusBits(bits.into()));
            public.push(Attribute::PublicExponent(vec![0x01, 0x00, 0x01]));
            Mechanism::RsaPkcsKeyPairGen
        }
        KeyType::Ed25519 => {
            public.push(Attribute::EcParams(spki::ec_params(key_type)?));
            Mechanism::EccEdwardsKeyPairGen
        }
        _ => {
            public.push(Attribute::EcParams(spki::ec_params(key_type)?));
            Mechanism::EccKeyPairGen
        }
    };
    let (pub_handle, priv_handle) = session
        .generate_key_pair(&mech, &public, &private)
        .map_err(|e| format!("generating a {key_type} key on the token: {}", describe(&e)))?;
    let id = match &uri.id {
        Some(id) => id.clone(),
        None => {
            let spki_der = spki::of_public_key(&session, pub_handle, key_type)?;
            ski(&spki_der)?
        }
    };
    for h in [pub_handle, priv_handle] {
        session
            .update_attributes(h, &[Attribute::Id(id.clone())])
            .map_err(|e| format!("setting CKA_ID on the new key: {}", describe(&e)))?;
    }
    drop(session);
    Ok((TokenKey::open(uri)?, true))
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (as `pki` computes the
/// certificate's SubjectKeyIdentifier, and Go's crypto/x509 and openssl do).
fn ski(spki_der: &[u8]) -> Result<Vec<u8>, String> {
    use der::Decode;
    let info = ::spki::SubjectPublicKeyInfoRef::from_der(spki_der).map_err(|e| e.to_string())?;
    Ok(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        info.subject_public_key.raw_bytes(),
    )
    .as_ref()
    .to_vec())
}
