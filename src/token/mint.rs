//! Minting: what kube-apiserver's TokenRequest handler (`pkg/registry/core/serviceaccount/
//! storage/token.go`) and token generator (`pkg/serviceaccount/jwt.go`, `claims.go`) produce.
//! The header is exactly `{"alg":…,"kid":…}` (no `typ`); the payload is a [`BoundClaims`] or
//! [`LegacyClaims`], whose serde order is the API server's byte order.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::claims::{BoundClaims, KubernetesClaims, LegacyClaims, ObjectRef};
use super::keys::SigningAlg;
use super::{LEGACY_ISSUER, NameKind, username, validate_name};
use crate::error::{Error, Result};
use crate::keys::{PrivateKey, key_id};

/// The shortest token the API server issues (`ValidateTokenRequest`: at least 10 minutes).
pub const MIN_LIFETIME: SignedDuration = SignedDuration::from_secs(600);
/// The lifetime the kubelet asks for, which the API server extends
/// (`token.WarnOnlyBoundTokenExpirationSeconds`).
pub const WARN_ONLY_LIFETIME: SignedDuration = SignedDuration::from_secs(3607);
/// What it is extended to (`token.ExpirationExtensionSeconds`, one year).
pub const EXTENDED_LIFETIME: SignedDuration = SignedDuration::from_secs(365 * 24 * 3600);

/// A private key ready to sign tokens: the key parsed once, its `kid` and algorithm.
///
/// Tokens are signed with kcred's own aws-lc-rs key (RS256, or ES256/ES384/ES512 as
/// fixed-size `r || s`), parsed once: re-parsing the key per token halved the minting rate.
pub struct TokenSigner {
    key: PrivateKey,
    alg: SigningAlg,
    kid: String,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenSigner({} {})", self.alg, self.kid)
    }
}

impl TokenSigner {
    /// A signer for `key`. Ed25519 is refused (the API server accepts only RSA and ECDSA).
    pub fn new(key: &PrivateKey) -> Result<Self> {
        let alg = SigningAlg::for_key_type(key.key_type())?;
        let kid = key_id(&key.public_key_der()?);
        Ok(TokenSigner {
            key: key.try_clone()?,
            alg,
            kid,
        })
    }

    /// The `kid` every token from this signer carries.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm.
    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// Sign a claim set into a compact JWS. Header and payload are written as the API
    /// server's go-jose writes them (Go string escaping); aws-lc-rs signs.
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String> {
        let header = Header {
            alg: self.alg.name(),
            kid: &self.kid,
        };
        let mut message = URL_SAFE_NO_PAD.encode(super::gojson::to_vec(&header)?);
        message.push('.');
        message.push_str(&URL_SAFE_NO_PAD.encode(super::gojson::to_vec(claims)?));
        let sig = self.key.sign_jws(message.as_bytes())?;
        message.push('.');
        message.push_str(&URL_SAFE_NO_PAD.encode(sig));
        Ok(message)
    }
}

/// The JOSE header, exactly `{"alg","kid"}` (go-jose sorts header keys; no `typ`).
#[derive(Serialize)]
struct Header<'a> {
    alg: &'static str,
    kid: &'a str,
}

/// What a bound object is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// Bound to a pod (optionally with its node, see [`BoundRequest::node`]).
    Pod(ObjectRef),
    /// Bound to a secret.
    Secret(ObjectRef),
    /// Bound to a node.
    Node(ObjectRef),
}

/// A TokenRequest, as far as the token's contents go.
#[derive(Clone, Debug)]
pub struct BoundRequest {
    /// The ServiceAccount's namespace.
    pub namespace: String,
    /// The ServiceAccount's name.
    pub name: String,
    /// The ServiceAccount's UID.
    pub uid: String,
    /// `iss`: the first `--service-account-issuer`.
    pub issuer: String,
    /// `aud`; empty means the API audiences (here: the issuer).
    pub audiences: Vec<String>,
    /// Requested lifetime.
    pub lifetime: SignedDuration,
    /// The bound object, if any.
    pub binding: Option<Binding>,
    /// The node of a bound pod (claims.go adds it next to the pod).
    pub node: Option<ObjectRef>,
}

impl BoundRequest {
    /// Check names and lifetime as the API server validates a TokenRequest.
    pub fn validate(&self) -> Result<()> {
        validate_name(NameKind::Namespace, &self.namespace)?;
        validate_name(NameKind::Object("serviceaccount"), &self.name)?;
        match &self.binding {
            Some(Binding::Pod(r)) => validate_name(NameKind::Object("pod"), &r.name)?,
            Some(Binding::Secret(r)) => validate_name(NameKind::Object("secret"), &r.name)?,
            Some(Binding::Node(r)) => validate_name(NameKind::Object("node"), &r.name)?,
            None => {}
        }
        if let Some(n) = &self.node {
            validate_name(NameKind::Object("node"), &n.name)?;
            if !matches!(self.binding, Some(Binding::Pod(_))) {
                return Err(Error::Usage(format!(
                    "node {:?} goes with a Pod binding (a Node binding names the node as the bound object)",
                    n.name
                )));
            }
        }
        if self.lifetime < MIN_LIFETIME {
            return Err(Error::Usage(
                "the token lifetime may not be less than 10 minutes (the API server's limit)"
                    .into(),
            ));
        }
        if self.issuer.is_empty() {
            return Err(Error::Usage("the issuer must not be empty".into()));
        }
        Ok(())
    }

    /// The claims the API server would put in this token at `now`, with token ID `jti`.
    /// A pod-bound request for exactly 3607 s with the API audiences gets the kubelet
    /// extension: `exp` one year out and `warnafter` at the requested expiry.
    pub fn claims(&self, now: Timestamp, jti: String) -> BoundClaims {
        let iat = now.as_second();
        let audiences = if self.audiences.is_empty() {
            vec![self.issuer.clone()]
        } else {
            self.audiences.clone()
        };
        let mut exp = iat + self.lifetime.as_secs();
        let mut warnafter = None;
        if matches!(self.binding, Some(Binding::Pod(_)))
            && self.lifetime == WARN_ONLY_LIFETIME
            && audiences == [self.issuer.clone()]
        {
            warnafter = Some(exp);
            exp = iat + EXTENDED_LIFETIME.as_secs();
        }
        let mut k = KubernetesClaims {
            namespace: self.namespace.clone(),
            service_account: ObjectRef::new(&self.name, &self.uid),
            warnafter,
            ..KubernetesClaims::default()
        };
        match &self.binding {
            Some(Binding::Pod(p)) => {
                k.pod = Some(p.clone());
                k.node = self.node.clone();
            }
            Some(Binding::Secret(s)) => k.secret = Some(s.clone()),
            Some(Binding::Node(n)) => k.node = Some(n.clone()),
            None => {}
        }
        BoundClaims {
            aud: audiences,
            exp,
            iat,
            iss: self.issuer.clone(),
            jti,
            kubernetes: k,
            nbf: iat,
            sub: username(&self.namespace, &self.name),
        }
    }
}

/// The claims of a legacy secret-based token (`legacy.go`, `LegacyClaims`).
pub fn legacy_claims(
    namespace: &str,
    name: &str,
    uid: &str,
    secret_name: &str,
) -> Result<LegacyClaims> {
    validate_name(NameKind::Namespace, namespace)?;
    validate_name(NameKind::Object("serviceaccount"), name)?;
    validate_name(NameKind::Object("secret"), secret_name)?;
    Ok(LegacyClaims {
        iss: LEGACY_ISSUER.into(),
        namespace: namespace.into(),
        secret_name: secret_name.into(),
        service_account_name: name.into(),
        service_account_uid: uid.into(),
        sub: username(namespace, name),
    })
}

/// A random UUID (version 4, RFC 9562), as `uuid.New().String()` gives the API server's
/// `jti` and object UIDs.
pub fn uuid_v4() -> Result<String> {
    let mut b = [0u8; 16];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| Error::Crypto("no randomness".into()))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// The name the token controller gives a legacy token secret: `NAME-token-` and five random
/// characters from apimachinery's `utilrand` alphabet.
pub fn legacy_secret_name(sa_name: &str) -> Result<String> {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut b = [0u8; 5];
    aws_lc_rs::rand::fill(&mut b).map_err(|_| Error::Crypto("no randomness".into()))?;
    let suffix: String = b
        .iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect();
    Ok(format!("{sa_name}-token-{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> BoundRequest {
        BoundRequest {
            namespace: "apps".into(),
            name: "web".into(),
            uid: "u".into(),
            issuer: super::super::DEFAULT_ISSUER.into(),
            audiences: vec![],
            lifetime: SignedDuration::from_hours(1),
            binding: None,
            node: None,
        }
    }

    #[test]
    fn uuids_look_like_go_uuids() {
        let u = uuid_v4().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!("89ab".contains(&u[19..20]));
    }

    #[test]
    fn kubelet_lifetime_is_extended_only_for_pods_with_api_audiences() {
        let now = Timestamp::from_second(1_000_000).unwrap();
        let mut r = req();
        r.lifetime = WARN_ONLY_LIFETIME;
        assert_eq!(r.claims(now, "j".into()).kubernetes.warnafter, None);
        r.binding = Some(Binding::Pod(ObjectRef::new("p", "pu")));
        let c = r.claims(now, "j".into());
        assert_eq!(c.kubernetes.warnafter, Some(1_000_000 + 3607));
        assert_eq!(c.exp, 1_000_000 + 365 * 86400);
        r.audiences = vec!["vault".into()];
        assert_eq!(r.claims(now, "j".into()).exp, 1_000_000 + 3607);
    }

    #[test]
    fn requests_are_validated() {
        req().validate().unwrap();
        let mut r = req();
        r.namespace = "Apps".into();
        assert!(r.validate().is_err());
        let mut r = req();
        r.lifetime = SignedDuration::from_mins(5);
        assert!(r.validate().is_err());
        let mut r = req();
        r.node = Some(ObjectRef::new("n", ""));
        assert!(r.validate().is_err());
    }
}
