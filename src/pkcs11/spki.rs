//! The public half of a token key, as DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
//!
//! An RSA private key object carries CKA_MODULUS and CKA_PUBLIC_EXPONENT (public attributes,
//! readable even when the key is sensitive). An EC or EdDSA private key object carries only
//! CKA_EC_PARAMS: the point is CKA_EC_POINT on the matching public key object (the one with
//! the same CKA_ID, as pkcs11-tool, p11tool and kcred create them), unless the token offers
//! CKA_PUBLIC_KEY_INFO (PKCS#11 v2.40) on the private key itself.

use cryptoki::object::{
    Attribute, AttributeType, KeyType as P11KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::Session;
use der::asn1::{BitString, OctetStringRef, UintRef};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use super::token::describe;
use crate::keys::{KeyType, oid};

/// The key type and SPKI of the private key `handle`; `true` when the public half came from
/// another object (and so must be proven to match).
pub(crate) fn of_private_key(
    session: &Session,
    handle: ObjectHandle,
) -> Result<(KeyType, Vec<u8>, bool), String> {
    let attrs = session
        .get_attributes(
            handle,
            &[
                AttributeType::KeyType,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
                AttributeType::EcParams,
                AttributeType::Id,
                AttributeType::Label,
                AttributeType::PublicKeyInfo,
            ],
        )
        .map_err(|e| describe(&e))?;
    let mut key_type = None;
    let (mut n, mut e, mut params, mut id, mut label, mut info) =
        (None, None, None, None, None, None);
    for a in attrs {
        match a {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::Modulus(v) => n = Some(v),
            Attribute::PublicExponent(v) => e = Some(v),
            Attribute::EcParams(v) => params = Some(v),
            Attribute::Id(v) => id = Some(v),
            Attribute::Label(v) => label = Some(v),
            Attribute::PublicKeyInfo(v) if !v.is_empty() => info = Some(v),
            _ => {}
        }
    }
    match key_type {
        Some(t) if t == P11KeyType::RSA => {
            let (n, e) = n
                .zip(e)
                .ok_or("the RSA key object lacks CKA_MODULUS or CKA_PUBLIC_EXPONENT")?;
            let der = rsa_spki(&n, &e)?;
            Ok((rsa_type(n.len())?, der, false))
        }
        Some(t) if t == P11KeyType::EC || t == P11KeyType::EC_EDWARDS => {
            let params = params.ok_or("the EC key object lacks CKA_EC_PARAMS")?;
            let kt = curve(&params)?;
            if let Some(info) = info {
                check_spki(&info, kt)?;
                return Ok((kt, info, true));
            }
            let public = find_public(session, id.as_deref(), label.as_deref())?;
            let point = public_point(session, public)?;
            Ok((kt, ec_spki(kt, &point)?, true))
        }
        Some(t) => Err(format!("unsupported key type {t} on the token")),
        None => Err("the key object has no CKA_KEY_TYPE".into()),
    }
}

/// The SPKI of a public key object (what key generation returns).
pub(crate) fn of_public_key(
    session: &Session,
    handle: ObjectHandle,
    kt: KeyType,
) -> Result<Vec<u8>, String> {
    if is_rsa(kt) {
        let attrs = session
            .get_attributes(
                handle,
                &[AttributeType::Modulus, AttributeType::PublicExponent],
            )
            .map_err(|e| describe(&e))?;
        let (mut n, mut e) = (None, None);
        for a in attrs {
            match a {
                Attribute::Modulus(v) => n = Some(v),
                Attribute::PublicExponent(v) => e = Some(v),
                _ => {}
            }
        }
        let (n, e) = n.zip(e).ok_or("the new RSA public key has no modulus")?;
        rsa_spki(&n, &e)
    } else {
        ec_spki(kt, &public_point(session, handle)?)
    }
}

pub(crate) fn is_rsa(kt: KeyType) -> bool {
    matches!(kt, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096)
}

fn find_public(
    session: &Session,
    id: Option<&[u8]>,
    label: Option<&[u8]>,
) -> Result<ObjectHandle, String> {
    let mut template = vec![Attribute::Class(ObjectClass::PUBLIC_KEY)];
    match (id, label) {
        (Some(id), _) if !id.is_empty() => template.push(Attribute::Id(id.to_vec())),
        (_, Some(l)) if !l.is_empty() => template.push(Attribute::Label(l.to_vec())),
        _ => {
            return Err(
                "the private key has neither CKA_ID nor a label to find its public key by".into(),
            );
        }
    }
    let found = session.find_objects(&template).map_err(|e| describe(&e))?;
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(
            "no public key object with the private key's CKA_ID (kcred needs it to learn \
                   an EC public key)"
                .into(),
        ),
        more => Err(format!(
            "{} public key objects share the private key's CKA_ID",
            more.len()
        )),
    }
}

fn public_point(session: &Session, handle: ObjectHandle) -> Result<Vec<u8>, String> {
    let attrs = session
        .get_attributes(handle, &[AttributeType::EcPoint])
        .map_err(|e| describe(&e))?;
    let raw = attrs
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(v) => Some(v),
            _ => None,
        })
        .ok_or("the public key object has no CKA_EC_POINT")?;
    // PKCS#11 v2.40 §2.3.3: "DER-encoding of ANSI X9.62 ECPoint value Q", an OCTET STRING;
    // some modules return the bare point.
    Ok(match <&OctetStringRef>::from_der(&raw) {
        Ok(o) => o.as_bytes().to_vec(),
        Err(_) => raw,
    })
}

/// The curve CKA_EC_PARAMS names: a named-curve OID, or for Edwards curves (PKCS#11 v3.0
/// §2.3.10) the OID or the PrintableString "edwards25519".
fn curve(params: &[u8]) -> Result<KeyType, String> {
    if let Ok(o) = ObjectIdentifier::from_der(params) {
        return match o {
            oid::SECP256R1 => Ok(KeyType::EcdsaP256),
            oid::SECP384R1 => Ok(KeyType::EcdsaP384),
            oid::SECP521R1 => Ok(KeyType::EcdsaP521),
            oid::ED25519 => Ok(KeyType::Ed25519),
            other => Err(format!("unsupported curve {other} on the token")),
        };
    }
    match der::asn1::PrintableStringRef::from_der(params) {
        Ok(s) if s.as_str() == "edwards25519" => Ok(KeyType::Ed25519),
        _ => Err("unsupported CKA_EC_PARAMS on the token".into()),
    }
}

/// CKA_EC_PARAMS for a key type kcred generates.
pub(crate) fn ec_params(kt: KeyType) -> Result<Vec<u8>, String> {
    let o = match kt {
        KeyType::EcdsaP256 => oid::SECP256R1,
        KeyType::EcdsaP384 => oid::SECP384R1,
        KeyType::EcdsaP521 => oid::SECP521R1,
        KeyType::Ed25519 => oid::ED25519,
        _ => return Err(format!("{kt} is not an elliptic-curve key type")),
    };
    o.to_der().map_err(|e| e.to_string())
}

fn rsa_type(modulus_len: usize) -> Result<KeyType, String> {
    // A modulus attribute may carry a leading zero byte.
    match modulus_len {
        256 | 257 => Ok(KeyType::Rsa2048),
        384 | 385 => Ok(KeyType::Rsa3072),
        512 | 513 => Ok(KeyType::Rsa4096),
        n => Err(format!(
            "RSA key of about {} bits: kcred signs with 2048, 3072 or 4096-bit keys",
            n * 8
        )),
    }
}

fn rsa_spki(n: &[u8], e: &[u8]) -> Result<Vec<u8>, String> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        n: UintRef<'a>,
        e: UintRef<'a>,
    }
    let bad = |e: der::Error| format!("encoding the RSA public key: {e}");
    let pk = RsaPublicKey {
        n: UintRef::new(n).map_err(bad)?,
        e: UintRef::new(e).map_err(bad)?,
    }
    .to_der()
    .map_err(bad)?;
    spki_der(oid::RSA_ENCRYPTION, Some(der::asn1::Null.into()), &pk)
}

fn ec_spki(kt: KeyType, point: &[u8]) -> Result<Vec<u8>, String> {
    if kt == KeyType::Ed25519 {
        if point.len() != 32 {
            return Err(format!("Ed25519 public key of {} bytes", point.len()));
        }
        return spki_der(oid::ED25519, None, point);
    }
    let curve_oid: ObjectIdentifier =
        ObjectIdentifier::from_der(&ec_params(kt)?).map_err(|e| e.to_string())?;
    let params = der::asn1::Any::encode_from(&curve_oid).map_err(|e| e.to_string())?;
    spki_der(oid::EC_PUBLIC_KEY, Some(params), point)
}

fn spki_der(
    alg: ObjectIdentifier,
    parameters: Option<der::asn1::Any>,
    key: &[u8],
) -> Result<Vec<u8>, String> {
    SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: alg,
            parameters,
        },
        subject_public_key: BitString::from_bytes(key).map_err(|e| e.to_string())?,
    }
    .to_der()
    .map_err(|e| format!("encoding the public key: {e}"))
}

fn check_spki(der_bytes: &[u8], kt: KeyType) -> Result<(), String> {
    let info = SubjectPublicKeyInfoOwned::from_der(der_bytes)
        .map_err(|e| format!("CKA_PUBLIC_KEY_INFO is not a SubjectPublicKeyInfo: {e}"))?;
    let want = if kt == KeyType::Ed25519 {
        oid::ED25519
    } else {
        oid::EC_PUBLIC_KEY
    };
    if info.algorithm.oid != want {
        return Err("CKA_PUBLIC_KEY_INFO does not match CKA_KEY_TYPE".into());
    }
    Ok(())
}

/// Whether `sig` (X.509 form) over `msg` verifies with `spki_der`, with aws-lc-rs.
pub(crate) fn verifies(spki_der: &[u8], kt: KeyType, msg: &[u8], sig: &[u8]) -> bool {
    use aws_lc_rs::signature::{self as s, UnparsedPublicKey, VerificationAlgorithm};
    let Ok(info) = spki::SubjectPublicKeyInfoRef::from_der(spki_der) else {
        return false;
    };
    let alg: &dyn VerificationAlgorithm = match kt {
        KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => &s::RSA_PKCS1_2048_8192_SHA256,
        KeyType::EcdsaP256 => &s::ECDSA_P256_SHA256_FIXED,
        KeyType::EcdsaP384 => &s::ECDSA_P384_SHA384_FIXED,
        KeyType::EcdsaP521 => &s::ECDSA_P521_SHA512_FIXED,
        KeyType::Ed25519 => &s::ED25519,
    };
    UnparsedPublicKey::new(alg, info.subject_public_key.raw_bytes())
        .verify(msg, sig)
        .is_ok()
}
