//! What a long-running server (`kcred serve`) may remember between requests without
//! changing any answer, one [`Caches`] per load of the trust files (a reload starts empty):
//!
//! - **Token authentications**, as kube-apiserver caches them: `pkg/kubeapiserver/authenticator/config.go`
//!   (`Config.New`) wraps the token union in `tokencache.New(tokenAuth, true,
//!   TokenSuccessCacheTTL, TokenFailureCacheTTL)`, and `pkg/kubeapiserver/options/authentication.go`
//!   sets those to 10 s and 0 with no flag to change them (only the webhook authenticator has
//!   `--authentication-token-webhook-cache-ttl`). `cached_token_authenticator.go`
//!   (`doAuthenticateToken`, `keyFunc`) keys a record by an HMAC-SHA256, under a random
//!   per-process key, of the length-prefixed token and audiences, and stores successes for
//!   `successTTL`; a failure TTL of 0 stores nothing. kcred does the same, with one
//!   difference that can only refuse sooner: a record is not served once the token's own
//!   time claims would refuse it (the upstream record outlives `exp` by up to 10 s; an
//!   API server that had not cached the token refuses it at once, and kcred answers as that
//!   one does).
//! - **Client-certificate chains**: the chain verification's answer for (the presented chain,
//!   this CA bundle), kept only when it authenticated, with the time window of the chain Go's
//!   `Verify` found valid. kube-apiserver verifies on every request (newer releases once per
//!   TLS connection and CA bundle version: `x509.go`, `WithChainsVerification`), so a record
//!   is served only while the current time is inside that window; outside it the chain is
//!   verified again, and an expired certificate is refused exactly as without the cache.
//!
//! Both are bounded ([`MAX_ENTRIES`] each): when full, expired records go first, then all.

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lc_rs::{digest, hmac, rand};
use jiff::{SignedDuration, Timestamp};

use super::chain::Authenticator;
use crate::Identity;
use crate::token::verify::TimeClaims;

/// `TokenSuccessCacheTTL` (`pkg/kubeapiserver/options/authentication.go`,
/// `NewBuiltInAuthenticationOptions`: `TokenSuccessCacheTTL: 10 * time.Second,
/// TokenFailureCacheTTL: 0`; `AddFlags` registers no flag for either).
pub const TOKEN_SUCCESS_CACHE_TTL: SignedDuration = SignedDuration::from_secs(10);

/// At most this many records in each cache.
pub const MAX_ENTRIES: usize = 4096;

/// A token the union accepted: what `done` needs to answer again.
#[derive(Clone, Debug)]
pub(crate) struct TokenHit {
    /// The identity before `AuthenticatedGroupAdder`.
    pub identity: Identity,
    /// The authenticator that took the token.
    pub by: Authenticator,
    /// The authenticator's own notes (not-checked lookups, warnings), as
    /// `cacheRecord.warnings` keeps them.
    pub notes: Vec<String>,
    /// The token's time claims (bound ServiceAccount tokens), checked on every hit.
    pub times: Option<TimeClaims>,
}

/// A client chain the x509 authenticator accepted.
#[derive(Clone, Debug)]
pub(crate) struct CertHit {
    /// `CommonNameUserConversion`'s user.
    pub identity: Identity,
    /// The leaf's NotAfter (the expiry hint).
    pub leaf_not_after: Option<Timestamp>,
    /// The verified chain's window: latest NotBefore, earliest NotAfter.
    pub window: (Timestamp, Timestamp),
}

struct Record<T> {
    value: T,
    stored: Timestamp,
    until: Timestamp,
}

struct Bounded<T>(Mutex<HashMap<[u8; 32], Record<T>>>);

impl<T: Clone> Bounded<T> {
    fn new() -> Self {
        Bounded(Mutex::new(HashMap::new()))
    }

    /// The record for `key` if `now` is within `[stored, until)`; a clock that went back
    /// past the time it was stored does not serve it either.
    fn get(&self, key: &[u8; 32], now: Timestamp) -> Option<T> {
        let map = self.0.lock().ok()?;
        let r = map.get(key)?;
        (r.stored <= now && now < r.until).then(|| r.value.clone())
    }

    fn put(&self, key: [u8; 32], value: T, now: Timestamp, until: Timestamp) {
        let Ok(mut map) = self.0.lock() else { return };
        if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
            map.retain(|_, r| r.stored <= now && now < r.until);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(
            key,
            Record {
                value,
                stored: now,
                until,
            },
        );
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|m| m.len()).unwrap_or(0)
    }
}

/// The caches of one trust load.
pub struct Caches {
    hmac_key: hmac::Key,
    tokens: Bounded<TokenHit>,
    certs: Bounded<CertHit>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Caches")
    }
}

impl Default for Caches {
    fn default() -> Self {
        Self::new()
    }
}

fn write_len(ctx: &mut hmac::Context, n: usize) {
    ctx.update(&(n as u32).to_be_bytes());
}

impl Caches {
    /// Empty caches, with a fresh random key for the token hashes (`newWithClock`:
    /// `rand.Read(randomCacheKey)`).
    pub fn new() -> Self {
        let rng = rand::SystemRandom::new();
        // Without randomness the key is still a key; only the hashes' unpredictability, not
        // the cache's answers, depends on it.
        let hmac_key = hmac::Key::generate(hmac::HMAC_SHA256, &rng).unwrap_or_else(|_| {
            hmac::Key::new(
                hmac::HMAC_SHA256,
                &Timestamp::now().as_nanosecond().to_be_bytes(),
            )
        });
        Caches {
            hmac_key,
            tokens: Bounded::new(),
            certs: Bounded::new(),
        }
    }

    /// `keyFunc`: HMAC-SHA256 of the length-prefixed token, the number of audiences, and
    /// each length-prefixed audience.
    pub(crate) fn token_key(&self, token: &str, audiences: &[String]) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.hmac_key);
        write_len(&mut ctx, token.len());
        ctx.update(token.as_bytes());
        write_len(&mut ctx, audiences.len());
        for a in audiences {
            write_len(&mut ctx, a.len());
            ctx.update(a.as_bytes());
        }
        let mut out = [0; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }

    /// A cached success for `key`, if still one at `now`.
    pub(crate) fn token_get(&self, key: &[u8; 32], now: Timestamp) -> Option<TokenHit> {
        self.tokens
            .get(key, now)
            .filter(|hit| hit.times.is_none_or(|t| t.valid_at(now)))
    }

    /// Remember a success for [`TOKEN_SUCCESS_CACHE_TTL`].
    pub(crate) fn token_put(&self, key: [u8; 32], hit: TokenHit, now: Timestamp) {
        self.tokens.put(
            key,
            hit,
            now,
            now.saturating_add(TOKEN_SUCCESS_CACHE_TTL).unwrap_or(now),
        );
    }

    fn chain_key(chain: &[Vec<u8>]) -> [u8; 32] {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(&(chain.len() as u32).to_be_bytes());
        for c in chain {
            ctx.update(&(c.len() as u32).to_be_bytes());
            ctx.update(c);
        }
        let mut out = [0; 32];
        out.copy_from_slice(ctx.finish().as_ref());
        out
    }

    /// A cached verification of `chain` (leaf first) valid at `now`.
    pub(crate) fn cert_get(&self, chain: &[Vec<u8>], now: Timestamp) -> Option<CertHit> {
        self.certs
            .get(&Self::chain_key(chain), now)
            .filter(|hit| hit.window.0 <= now && now <= hit.window.1)
    }

    /// Remember a verified chain, served only inside its window.
    pub(crate) fn cert_put(&self, chain: &[Vec<u8>], hit: CertHit, now: Timestamp) {
        let until = hit.window.1.saturating_add(SignedDuration::from_nanos(1));
        let Ok(until) = until else { return };
        self.certs.put(Self::chain_key(chain), hit, now, until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(times: Option<TimeClaims>) -> TokenHit {
        TokenHit {
            identity: Identity::new("u", Vec::<String>::new()),
            by: Authenticator::TokenFile,
            notes: vec![],
            times,
        }
    }

    #[test]
    fn token_keys_separate_token_and_audiences_as_keyfunc_does() {
        let c = Caches::new();
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(c.token_key("t", &a(&["x"])), c.token_key("t", &a(&["x"])));
        assert_ne!(c.token_key("t", &a(&["x"])), c.token_key("t", &a(&["y"])));
        assert_ne!(
            c.token_key("t", &a(&["xy"])),
            c.token_key("t", &a(&["x", "y"]))
        );
        assert_ne!(c.token_key("t", &[]), c.token_key("u", &[]));
        // A fresh cache has a fresh key: hashes are not comparable across loads.
        assert_ne!(Caches::new().token_key("t", &[]), c.token_key("t", &[]));
    }

    #[test]
    fn a_token_record_lives_ten_seconds_and_never_past_exp() {
        let c = Caches::new();
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        let k = c.token_key("t", &[]);
        c.token_put(k, hit(None), t0);
        let at = |s: i64| t0 + SignedDuration::from_secs(s);
        assert!(c.token_get(&k, at(9)).is_some());
        assert!(c.token_get(&k, at(10)).is_none(), "TTL is 10 s");
        assert!(c.token_get(&k, at(-1)).is_none(), "clock went back");
        // exp 5 s after t0, 60 s leeway: refused from t0 + 66 s; with a 10 s TTL the
        // record is gone before. With exp well before t0 (inside the leeway at t0):
        let times = TimeClaims {
            exp: Some(t0.as_second() - 58),
            ..TimeClaims::default()
        };
        let k2 = c.token_key("t2", &[]);
        c.token_put(k2, hit(Some(times)), t0);
        assert!(c.token_get(&k2, at(2)).is_some());
        assert!(c.token_get(&k2, at(3)).is_none(), "past exp + leeway");
    }

    #[test]
    fn cert_records_only_inside_the_chain_window_and_bounded() {
        let c = Caches::new();
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        let at = |s: i64| t0 + SignedDuration::from_secs(s);
        let chain = vec![vec![1u8, 2, 3]];
        let h = CertHit {
            identity: Identity::new("u", Vec::<String>::new()),
            leaf_not_after: None,
            window: (at(-5), at(5)),
        };
        c.cert_put(&chain, h.clone(), t0);
        assert!(
            c.cert_get(&chain, at(5)).is_some(),
            "NotAfter itself is valid in Go"
        );
        assert!(c.cert_get(&chain, at(6)).is_none());
        assert!(c.cert_get(&[vec![1u8, 2]], t0).is_none());
        for i in 0..(MAX_ENTRIES + 10) {
            c.cert_put(&[i.to_be_bytes().to_vec()], h.clone(), t0);
        }
        assert!(c.certs.len() <= MAX_ENTRIES);
    }

    mod through_the_chain {
        //! The caches behind `authenticate_cached`, with real tokens and certificates and
        //! chosen times: every answer must be the one `authenticate` gives at that time.
        use super::super::super::chain::{Outcome, Trust, authenticate, authenticate_cached};
        use super::super::super::request::Request;
        use super::*;
        use crate::keys::{KeyType, PrivateKey};
        use crate::pki::{self, CertSpec, Usage};
        use crate::token::keys::VerificationKey;
        use crate::token::mint::{BoundRequest, TokenSigner};
        use crate::token::verify::TokenTrust;

        fn sa_token(now: Timestamp) -> (String, Trust) {
            let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
            let vk = VerificationKey::from_private_key("sa.pub", &key).unwrap();
            let req = BoundRequest {
                namespace: "ci".into(),
                name: "builder".into(),
                uid: "sa-uid".into(),
                issuer: crate::token::DEFAULT_ISSUER.into(),
                audiences: vec![],
                lifetime: SignedDuration::from_mins(10),
                binding: None,
                node: None,
            };
            let token = TokenSigner::new(&key)
                .unwrap()
                .sign(&req.claims(now, "jti".into()))
                .unwrap();
            let trust = Trust {
                service_accounts: Some(TokenTrust::new(vec![vk], vec![], vec![])),
                ..Trust::default()
            };
            (token, trust)
        }

        fn user(o: &Outcome) -> Option<&str> {
            match o {
                Outcome::Authenticated { identity, .. } => Some(&identity.user),
                _ => None,
            }
        }

        fn both(req: &Request, trust: &Trust, c: &Caches, now: Timestamp) -> Option<String> {
            let cached = authenticate_cached(req, trust, Some(c), now);
            let plain = authenticate(req, trust, now);
            assert_eq!(
                user(&cached),
                user(&plain),
                "at {now}: {cached:?} vs {plain:?}"
            );
            user(&cached).map(str::to_string)
        }

        /// A success cached 5 s before the token's `exp` (plus go-jose's 60 s leeway) runs
        /// out is not served after it, though the 10 s TTL has not.
        #[test]
        fn a_cached_token_is_not_served_past_its_expiry() {
            let t0 = Timestamp::from_second(1_800_000_000).unwrap();
            let (token, trust) = sa_token(t0);
            let req = Request {
                client_chain: None,
                token: Some(token),
            };
            let c = Caches::new();
            let at = |s: i64| t0 + SignedDuration::from_secs(s);
            // exp = t0 + 600: accepted up to t0 + 660.
            assert!(both(&req, &trust, &c, at(655)).is_some());
            assert_eq!(c.tokens.len(), 1, "the success is cached");
            assert!(both(&req, &trust, &c, at(658)).is_some());
            assert_eq!(both(&req, &trust, &c, at(661)), None);
        }

        /// TokenFailureCacheTTL is 0: a token refused as not yet valid is accepted as soon
        /// as it is.
        #[test]
        fn a_failure_is_not_cached() {
            let t0 = Timestamp::from_second(1_800_000_000).unwrap();
            let (token, trust) = sa_token(t0);
            let req = Request {
                client_chain: None,
                token: Some(token),
            };
            let c = Caches::new();
            let at = |s: i64| t0 + SignedDuration::from_secs(s);
            // nbf = iat = t0: refused before t0 - 60.
            assert_eq!(both(&req, &trust, &c, at(-65)), None);
            assert_eq!(c.tokens.len(), 0);
            assert!(both(&req, &trust, &c, at(-60)).is_some());
        }

        /// A client certificate verified and cached is refused once it has expired, with the
        /// error the uncached chain gives; inside its validity the record answers.
        #[test]
        fn a_cached_client_chain_is_refused_once_expired() {
            let ca_key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
            let ca = pki::self_signed(&CertSpec::ca("kubernetes"), &ca_key).unwrap();
            let issuer =
                pki::Issuer::new("ca.crt".as_ref(), ca.der.clone(), ca_key, "ca.key".as_ref())
                    .unwrap();
            let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
            let leaf = issuer
                .sign(
                    &CertSpec::leaf(&Identity::node("w1"), Usage::Client),
                    &key.public_key_der().unwrap(),
                )
                .unwrap();
            let not_after = pki::Certificate::from_der(&leaf.der).unwrap().not_after;
            let trust = Trust {
                client_cas: Some(vec![ca.der.clone()]),
                ..Trust::default()
            };
            let req = Request {
                client_chain: Some(vec![leaf.der.clone()]),
                token: None,
            };
            let c = Caches::new();
            let now = Timestamp::now();
            assert_eq!(
                both(&req, &trust, &c, now).as_deref(),
                Some("system:node:w1")
            );
            assert!(
                c.cert_get(std::slice::from_ref(&leaf.der), now).is_some(),
                "cached"
            );
            assert!(
                both(&req, &trust, &c, not_after).is_some(),
                "NotAfter is still valid"
            );
            let later = not_after + SignedDuration::from_secs(1);
            assert_eq!(both(&req, &trust, &c, later), None);
            let Outcome::Unauthorized { causes } =
                authenticate_cached(&req, &trust, Some(&c), later)
            else {
                panic!("not a 401")
            };
            assert!(
                causes[0].message.contains("certificate has expired"),
                "{causes:?}"
            );
        }
    }
}
