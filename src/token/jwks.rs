//! The documents kube-apiserver serves for service-account issuer discovery
//! (`pkg/serviceaccount/openidmetadata.go`): `/.well-known/openid-configuration` and
//! `/openid/v1/jwks`. Field order and omissions follow go-jose's `JSONWebKey` marshalling:
//! `use, kty, kid, crv, alg, n, e, x, y`, with EC coordinates padded to the curve size.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::keys::{PublicNumbers, VerificationKey};
use crate::error::{Error, Result};

/// One JSON Web Key as the API server publishes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Always `sig`.
    #[serde(rename = "use", default, skip_serializing_if = "String::is_empty")]
    pub use_: String,
    /// `RSA` or `EC`.
    pub kty: String,
    /// The ServiceAccount `kid`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kid: String,
    /// EC curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// `RS256`, `ES256`, …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alg: String,
    /// RSA modulus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC x.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// `{"keys": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwkSet {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// The OpenID provider configuration, fields in the API server's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIdConfiguration {
    /// The issuer URL.
    pub issuer: String,
    /// `<issuer>/openid/v1/jwks`.
    pub jwks_uri: String,
    /// `["id_token"]`.
    pub response_types_supported: Vec<String>,
    /// `["public"]`.
    pub subject_types_supported: Vec<String>,
    /// The sorted set of the keys' algorithms.
    pub id_token_signing_alg_values_supported: Vec<String>,
}

impl Jwk {
    /// The JWK for a verification key.
    pub fn from_key(key: &VerificationKey) -> Self {
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        let mut jwk = Jwk {
            use_: "sig".into(),
            kty: String::new(),
            kid: key.kid.clone(),
            crv: None,
            alg: key.alg.name().into(),
            n: None,
            e: None,
            x: None,
            y: None,
        };
        match &key.numbers {
            PublicNumbers::Rsa { n, e } => {
                jwk.kty = "RSA".into();
                jwk.n = Some(b64(n));
                jwk.e = Some(b64(e));
            }
            PublicNumbers::Ec { crv, x, y } => {
                jwk.kty = "EC".into();
                jwk.crv = Some((*crv).into());
                jwk.x = Some(b64(x));
                jwk.y = Some(b64(y));
            }
        }
        jwk
    }

    /// A verification key back from a JWK (for `decode-token --jwks`). The `kid` is
    /// recomputed from the key; a JWK whose `kid` differs is refused, since the API server
    /// would never have published it.
    pub fn to_key(&self, source: &str) -> Result<Option<VerificationKey>> {
        let bad = |p: &str| Error::input(source, format!("JWK {:?}: {p}", self.kid));
        let dec = |v: &Option<String>, what: &str| -> Result<Vec<u8>> {
            let s = v
                .as_deref()
                .ok_or_else(|| bad(&format!("missing {what}")))?;
            URL_SAFE_NO_PAD
                .decode(s)
                .map_err(|_| bad(&format!("{what} is not base64url")))
        };
        let spki = match self.kty.as_str() {
            "RSA" => rsa_spki(&dec(&self.n, "n")?, &dec(&self.e, "e")?)
                .map_err(|e| bad(&format!("cannot encode the key: {e}")))?,
            "EC" => {
                let (curve, len) = match self.crv.as_deref() {
                    Some("P-256") => (crate::keys::oid::SECP256R1, 32),
                    Some("P-384") => (crate::keys::oid::SECP384R1, 48),
                    Some("P-521") => (crate::keys::oid::SECP521R1, 66),
                    _ => return Err(bad("unsupported or missing crv")),
                };
                let (x, y) = (dec(&self.x, "x")?, dec(&self.y, "y")?);
                if x.len() != len || y.len() != len {
                    return Err(bad("x or y has the wrong length for the curve"));
                }
                let mut point = vec![4];
                point.extend(x);
                point.extend(y);
                ec_spki(curve, &point).map_err(|e| bad(&format!("cannot encode the key: {e}")))?
            }
            _ => return Ok(None),
        };
        let key = VerificationKey::from_spki_der(source, &spki)?;
        if let Some(k) = &key
            && !self.kid.is_empty()
            && k.kid != self.kid
        {
            return Err(bad(&format!(
                "kid does not match the key (its kid is {})",
                k.kid
            )));
        }
        Ok(key)
    }
}

pub(crate) fn rsa_spki(n: &[u8], e: &[u8]) -> der::Result<Vec<u8>> {
    use der::Encode as _;
    #[derive(der::Sequence)]
    struct RsaPub<'a> {
        n: der::asn1::UintRef<'a>,
        e: der::asn1::UintRef<'a>,
    }
    let inner = RsaPub {
        n: der::asn1::UintRef::new(n)?,
        e: der::asn1::UintRef::new(e)?,
    }
    .to_der()?;
    spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: crate::keys::oid::RSA_ENCRYPTION,
            parameters: Some(der::asn1::Null.into()),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&inner)?,
    }
    .to_der()
}

pub(crate) fn ec_spki(curve: spki::ObjectIdentifier, point: &[u8]) -> der::Result<Vec<u8>> {
    use der::Encode as _;
    spki::SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: crate::keys::oid::EC_PUBLIC_KEY,
            parameters: Some(der::asn1::Any::encode_from(&curve)?),
        },
        subject_public_key: der::asn1::BitString::from_bytes(point)?,
    }
    .to_der()
}

/// The JWKS for these keys, one entry per distinct `kid`, in the order given.
pub fn jwk_set(keys: &[VerificationKey]) -> JwkSet {
    let mut seen = std::collections::BTreeSet::new();
    JwkSet {
        keys: keys
            .iter()
            .filter(|k| seen.insert(k.kid.clone()))
            .map(Jwk::from_key)
            .collect(),
    }
}

/// Read a JWKS document (`decode-token --jwks`). Keys of other types are skipped; a set
/// without a usable key is an error.
pub fn parse_jwk_set(source: &str, bytes: &[u8]) -> Result<Vec<VerificationKey>> {
    let set: JwkSet = serde_json::from_slice(bytes).map_err(|e| {
        let words = crate::error::json_words(&e, bytes);
        Error::input(source, format!("not a JWKS document: {words}"))
    })?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        keys.extend(jwk.to_key(source)?);
    }
    if keys.is_empty() {
        return Err(Error::input(source, "the JWKS holds no RSA or EC keys"));
    }
    Ok(keys)
}

/// The discovery document for `issuer` and these keys.
pub fn openid_configuration(issuer: &str, keys: &[VerificationKey]) -> OpenIdConfiguration {
    let algs: std::collections::BTreeSet<&str> = keys.iter().map(|k| k.alg.name()).collect();
    OpenIdConfiguration {
        issuer: issuer.to_string(),
        jwks_uri: format!("{}/openid/v1/jwks", issuer.trim_end_matches('/')),
        response_types_supported: vec!["id_token".into()],
        subject_types_supported: vec!["public".into()],
        id_token_signing_alg_values_supported: algs.into_iter().map(String::from).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyType, PrivateKey};

    #[test]
    fn p521_keys_are_published_with_66_byte_coordinates() {
        use aws_lc_rs::encoding::AsDer as _;
        use aws_lc_rs::signature::{ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
        let kp = EcdsaKeyPair::generate(&ECDSA_P521_SHA512_ASN1_SIGNING).unwrap();
        let spki = kp.public_key().as_der().unwrap();
        let vk = VerificationKey::from_spki_der("p521.pub", spki.as_ref())
            .unwrap()
            .unwrap();
        let jwk = Jwk::from_key(&vk);
        assert_eq!(
            (jwk.alg.as_str(), jwk.crv.as_deref()),
            ("ES512", Some("P-521"))
        );
        let x = URL_SAFE_NO_PAD.decode(jwk.x.as_deref().unwrap()).unwrap();
        assert_eq!(x.len(), 66);
        let back = jwk.to_key("jwks").unwrap().unwrap();
        assert_eq!(back.spki_der, vk.spki_der);
    }

    #[test]
    fn jwks_round_trips_to_the_same_keys() {
        for kt in [KeyType::Rsa2048, KeyType::EcdsaP256, KeyType::EcdsaP384] {
            let key = PrivateKey::generate(kt).unwrap();
            let vk = VerificationKey::from_private_key("k", &key).unwrap();
            let set = jwk_set(std::slice::from_ref(&vk));
            let text = serde_json::to_string(&set).unwrap();
            let back = parse_jwk_set("jwks", text.as_bytes()).unwrap();
            assert_eq!(back[0].spki_der, vk.spki_der, "{kt}");
            assert_eq!(back[0].kid, vk.kid);
        }
    }
}
