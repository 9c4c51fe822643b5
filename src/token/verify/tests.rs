//! The ServiceAccount authenticator against tokens kcred mints and tokens written by hand.

use super::*;
use crate::identity::CREDENTIAL_ID;
use crate::keys::{KeyType, PrivateKey};
use crate::token::claims::ObjectRef;
use crate::token::mint::{BoundRequest, TokenSigner, legacy_claims};
use crate::token::{EXTRA_NODE_NAME, EXTRA_NODE_UID, EXTRA_POD_NAME};
use jiff::SignedDuration;

fn setup(kt: KeyType) -> (TokenSigner, TokenTrust) {
    let key = PrivateKey::generate(kt).unwrap();
    let vk = VerificationKey::from_private_key("sa.pub", &key).unwrap();
    (
        TokenSigner::new(&key).unwrap(),
        TokenTrust::new(vec![vk], vec![], vec![]),
    )
}

fn request() -> BoundRequest {
    BoundRequest {
        namespace: "apps".into(),
        name: "web".into(),
        uid: "sa-uid".into(),
        issuer: DEFAULT_ISSUER.into(),
        audiences: vec![],
        lifetime: SignedDuration::from_hours(1),
        binding: Some(crate::token::mint::Binding::Pod(ObjectRef::new(
            "web-0", "pod-uid",
        ))),
        node: Some(ObjectRef::new("n1", "node-uid")),
    }
}

#[test]
fn minted_tokens_authenticate_as_the_api_server_would() {
    // jwt.go signerFromECDSAPrivateKey: ES512 for P-521 keys, minted and verified.
    for kt in [
        KeyType::Rsa2048,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::EcdsaP521,
    ] {
        let (signer, trust) = setup(kt);
        let now = Timestamp::now();
        let token = signer.sign(&request().claims(now, "jti-1".into())).unwrap();
        let a = authenticate(&format!("Bearer {token}\n"), &trust, now).unwrap();
        let id = a.identity();
        assert_eq!(id.user, "system:serviceaccount:apps:web");
        assert_eq!(id.uid, "sa-uid");
        assert_eq!(
            id.groups,
            ["system:serviceaccounts", "system:serviceaccounts:apps"]
        );
        assert_eq!(id.extra[CREDENTIAL_ID], ["JTI=jti-1"]);
        assert_eq!(id.extra[EXTRA_POD_NAME], ["web-0"]);
        assert_eq!(id.extra[EXTRA_NODE_UID], ["node-uid"]);
        assert_eq!(a.key_id, signer.kid());
        // The ServiceAccount and the pod are looked up; a pod-bound token's node claim is
        // only read (claims.go: "for pod-bound tokens, just extract the node claims").
        assert_eq!(a.not_checked.len(), 2, "{:?}", a.not_checked);
        assert!(!a.not_checked.iter().any(|n| n.contains("runs as")));
    }
}

use crate::token::jose::raw_url_encode as b64;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A token with exactly these header and payload bytes, signed by `key` over
/// `signing_input` (by default the canonical `b64(header).b64(payload)`).
fn forge(
    key: &PrivateKey,
    header: &str,
    payload: impl AsRef<[u8]>,
    signing_input: Option<&[u8]>,
) -> String {
    let h = b64(header.as_bytes());
    let p = b64(payload.as_ref());
    let input = format!("{h}.{p}");
    let sig = key
        .sign_jws(signing_input.unwrap_or(input.as_bytes()))
        .unwrap();
    format!("{input}.{}", b64(&sig))
}

fn keyed(kt: KeyType) -> (PrivateKey, TokenTrust, String) {
    let key = PrivateKey::generate(kt).unwrap();
    let vk = VerificationKey::from_private_key("sa.pub", &key).unwrap();
    let kid = vk.kid.clone();
    (key, TokenTrust::new(vec![vk], vec![], vec![]), kid)
}

fn claims_json(extra: &str) -> String {
    let now = Timestamp::now().as_second();
    format!(
        r#"{{"aud":["{DEFAULT_ISSUER}"],"exp":{},"iat":{now},"iss":"{DEFAULT_ISSUER}","kubernetes.io":{{"namespace":"apps","serviceaccount":{{"name":"web","uid":"u1"}}}},"nbf":{now},"sub":"system:serviceaccount:apps:web"{extra}}}"#,
        now + 3600
    )
}

#[test]
fn json_edge_cases_are_answered_as_go_jose_answers_them() {
    let (key, trust, kid) = keyed(KeyType::EcdsaP256);
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
    let now = Timestamp::now();
    let run = |payload: &str| authenticate(&forge(&key, &header, payload, None), &trust, now);
    assert!(run(&claims_json("")).is_ok());
    // json/decode.go object: a duplicate key anywhere in a decoded object is an error.
    let dup = claims_json(r#","sub":"system:serviceaccount:apps:web""#);
    assert!(matches!(run(&dup), Err(Rejection::Invalid(r)) if r.contains("duplicate key")));
    // jwt/claims.go Audience.UnmarshalJSON: null and numbers are errors.
    for aud in ["null", "1", "{}"] {
        let p = claims_json("").replacen(
            &format!(r#""aud":["{DEFAULT_ISSUER}"]"#),
            &format!(r#""aud":{aud}"#),
            1,
        );
        assert!(matches!(run(&p), Err(Rejection::Invalid(_))), "{aud}");
    }
    // jti/sub must be strings.
    assert!(run(&claims_json(r#","jti":7"#)).is_err());
    // NumericDate: a huge exp converts to 0x8000000000000000 on amd64: expired.
    let p = claims_json("").replacen(r#""exp":"#, r#""exp":1e300,"x":"#, 1);
    assert_eq!(
        run(&p).unwrap_err().reason(),
        "service account token has expired"
    );
    // A fractional exp truncates: still valid.
    let later = Timestamp::now().as_second() + 3600;
    let p = claims_json("").replacen(
        &format!(r#""exp":{later}"#),
        &format!(r#""exp":{later}.75"#),
        1,
    );
    assert!(run(&p).is_ok());
    // validation.go: iat in the future (beyond the 60 s leeway) is refused.
    let future = Timestamp::now().as_second() + 3000;
    let p = claims_json("").replacen(r#""iat":"#, &format!(r#""iat":{future},"y":"#), 1);
    assert_eq!(
        run(&p).unwrap_err().reason(),
        "service account token is issued in the future"
    );
    // Invalid UTF-8 inside a string is U+FFFD, not an error.
    let mut bad_utf8 = claims_json(r#","note":"XX""#).into_bytes();
    let at = bad_utf8.windows(2).position(|w| w == b"XX").unwrap();
    bad_utf8[at] = 0xff;
    let t = forge(&key, &header, &bad_utf8, None);
    assert!(authenticate(&t, &trust, now).is_ok());
    // Deep nesting in an unknown claim: parsed, no recursion limit.
    let deep = format!(r#","deep":{}{}"#, "[".repeat(5000), "]".repeat(5000));
    assert!(run(&claims_json(&deep)).is_ok());
}

#[test]
fn the_issuer_peek_is_case_insensitive_and_last_wins() {
    let (key, trust, kid) = keyed(KeyType::EcdsaP256);
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
    let now = Timestamp::now();
    // encoding/json: "ISS" overrides "iss" in the peek: not this issuer's token.
    let p = claims_json(r#","ISS":"https://evil""#);
    assert!(matches!(
        authenticate(&forge(&key, &header, &p, None), &trust, now),
        Err(Rejection::NotMine(_))
    ));
    // The other way round the peek passes but go-jose reads "iss" exactly.
    let p = claims_json("").replacen(
        &format!(r#""iss":"{DEFAULT_ISSUER}""#),
        &format!(r#""iss":"https://evil","ISS":"{DEFAULT_ISSUER}""#),
        1,
    );
    assert_eq!(
        authenticate(&forge(&key, &header, &p, None), &trust, now)
            .unwrap_err()
            .reason(),
        "token issuer \"https://evil\" is invalid"
    );
}

#[test]
fn jws_headers_are_checked_as_go_jose_does() {
    let (key, trust, kid) = keyed(KeyType::EcdsaP256);
    let now = Timestamp::now();
    let payload = claims_json("");
    let with = |h: &str| {
        forge(
            &key,
            &format!(r#"{{"alg":"ES256","kid":"{kid}"{h}}}"#),
            &payload,
            None,
        )
    };
    // signing.go DetachedVerify: crit names must be supported (only b64 is).
    assert!(authenticate(&with(r#","crit":["exp"]"#), &trust, now).is_err());
    // b64:false: the signature is over the raw payload bytes.
    let header = format!(r#"{{"alg":"ES256","b64":false,"crit":["b64"],"kid":"{kid}"}}"#);
    let raw_input = [b64(header.as_bytes()).as_bytes(), b".", payload.as_bytes()].concat();
    let t = forge(&key, &header, &payload, Some(&raw_input));
    assert!(authenticate(&t, &trust, now).is_ok());
    let t = forge(&key, &header, &payload, None);
    assert!(authenticate(&t, &trust, now).is_err());
    // A private jwk or a malformed x5c: go-jose cannot parse it, so not mine.
    for h in [
        r#","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"}"#,
        r#","x5c":["bm90IGEgY2VydA=="]"#,
        r#","kid":1"#,
    ] {
        assert!(
            matches!(
                authenticate(&with(h), &trust, now),
                Err(Rejection::NotMine(_))
            ),
            "{h}"
        );
    }
    // jws.go stripWhitespace: whitespace inside the compact form is ignored.
    let t = with("");
    let spaced = format!("{} \n{}", &t[..10], &t[10..]);
    assert!(authenticate(&spaced, &trust, now).is_ok());
    // ... but hasCorrectIssuer decodes the raw middle part first: base64.RawURLEncoding
    // skips CR and LF only, so a space there makes the token not this authenticator's.
    let (h, rest) = t.split_once('.').unwrap();
    let nl = format!("{h}.{}\r\n{}", &rest[..8], &rest[8..]);
    assert!(authenticate(&nl, &trust, now).is_ok());
    let sp = format!("{h}.{} {}", &rest[..8], &rest[8..]);
    assert!(matches!(
        authenticate(&sp, &trust, now),
        Err(Rejection::NotMine(_))
    ));
    // computeAuthData re-encodes: a header part with non-canonical trailing bits still
    // verifies, as the signature is over the canonical form.
    let t = with(r#","x":"ab""#);
    let (h, rest) = t.split_once('.').unwrap();
    assert!(h.len() % 4 != 0, "{h}");
    let last = h.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let i = alphabet.find(last).unwrap();
    let bumped = alphabet.as_bytes()[i + 1] as char;
    let t2 = format!("{}{bumped}.{rest}", &h[..h.len() - 1]);
    assert_ne!(t, t2);
    assert!(authenticate(&t2, &trust, now).is_ok());
}

#[test]
fn ecdsa_signature_size_comes_from_alg() {
    // asymmetric.go ecEncrypterVerifier: ES384 wants 96 bytes whatever the curve.
    let (key, trust, kid) = keyed(KeyType::EcdsaP256);
    let t = forge(
        &key,
        &format!(r#"{{"alg":"ES384","kid":"{kid}"}}"#),
        claims_json(""),
        None,
    );
    let r = authenticate(&t, &trust, Timestamp::now()).unwrap_err();
    assert!(r.reason().contains("have 64 bytes, wanted 96"), "{r}");
    assert!(!r.cannot_verify());
    // An HMAC alg on an ECDSA key is refused as unsupported, not "invalid signature".
    let t = forge(
        &key,
        &format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#),
        claims_json(""),
        None,
    );
    let r = authenticate(&t, &trust, Timestamp::now()).unwrap_err();
    assert!(r.reason().starts_with("unsupported algorithm"), "{r}");
}

#[test]
fn lookups_that_can_never_succeed_are_refusals() {
    let (key, trust, kid) = keyed(KeyType::EcdsaP256);
    let header = format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#);
    let now = Timestamp::now();
    let with_k = |k: &str| {
        claims_json("").replacen(
            r#""kubernetes.io":{"namespace":"apps","serviceaccount":{"name":"web","uid":"u1"}}"#,
            &format!(r#""kubernetes.io":{k}"#),
            1,
        )
    };
    // claims.go: podref.UID != pod.UID can never hold for an empty UID.
    for k in [
        r#"{"namespace":"apps","pod":{"name":"p"},"serviceaccount":{"name":"web","uid":"u1"}}"#,
        r#"{"namespace":"Apps","serviceaccount":{"name":"web","uid":"u1"}}"#,
        r#"{"namespace":"apps","serviceaccount":{"name":"web"}}"#,
        r#"{"namespace":"apps","secret":{"name":"s"},"serviceaccount":{"name":"web","uid":"u1"}}"#,
        r#"{"namespace":"apps","node":{"name":"n"},"serviceaccount":{"name":"web","uid":"u1"}}"#,
    ] {
        let t = forge(&key, &header, with_k(k), None);
        assert!(
            matches!(authenticate(&t, &trust, now), Err(Rejection::Invalid(_))),
            "{k}"
        );
    }
    // A pod-bound token's node claim without a UID is only read, not looked up.
    let k = r#"{"namespace":"apps","node":{"name":"n"},"pod":{"name":"p","uid":"pu"},"serviceaccount":{"name":"web","uid":"u1"}}"#;
    let a = authenticate(&forge(&key, &header, with_k(k), None), &trust, now).unwrap();
    assert_eq!(a.identity().extra[EXTRA_NODE_NAME], ["n"]);
    assert!(!a.not_checked.iter().any(|n| n.starts_with("node")));
}

#[test]
fn time_checks_have_sixty_seconds_of_leeway() {
    let (signer, trust) = setup(KeyType::EcdsaP256);
    let minted = Timestamp::from_second(1_700_000_000).unwrap();
    let token = signer.sign(&request().claims(minted, "j".into())).unwrap();
    let at = |s: i64| Timestamp::from_second(1_700_000_000 + s).unwrap();
    assert!(authenticate(&token, &trust, at(3600 + 60)).is_ok());
    let r = authenticate(&token, &trust, at(3600 + 61)).unwrap_err();
    assert_eq!(r.reason(), "service account token has expired");
    assert!(authenticate(&token, &trust, at(-60)).is_ok());
    let r = authenticate(&token, &trust, at(-61)).unwrap_err();
    assert_eq!(r.reason(), "service account token is not valid yet");
}

#[test]
fn other_issuers_are_not_mine_and_audiences_must_meet() {
    let (signer, mut trust) = setup(KeyType::EcdsaP256);
    let now = Timestamp::now();
    let mut r = request();
    r.issuer = "https://elsewhere".into();
    let token = signer.sign(&r.claims(now, "j".into())).unwrap();
    assert!(matches!(
        authenticate(&token, &trust, now),
        Err(Rejection::NotMine(_))
    ));
    assert!(matches!(
        authenticate("a.b", &trust, now),
        Err(Rejection::NotMine(_))
    ));
    let mut r = request();
    r.audiences = vec!["vault".into()];
    let token = signer.sign(&r.claims(now, "j".into())).unwrap();
    let e = authenticate(&token, &trust, now).unwrap_err();
    assert_eq!(
        e.reason(),
        "token audiences [\"vault\"] is invalid for the target audiences [\"https://kubernetes.default.svc.cluster.local\"]"
    );
    trust.audiences = vec!["vault".into()];
    assert!(authenticate(&token, &trust, now).is_ok());
    // No --api-audiences: every issuer is an API audience (ToAuthenticationConfig), so a
    // token whose audience is the second issuer is accepted.
    trust.audiences.clear();
    trust.issuers.push("https://second".into());
    let mut r = request();
    r.audiences = vec!["https://second".into()];
    let token = signer.sign(&r.claims(now, "j".into())).unwrap();
    assert!(authenticate(&token, &trust, now).is_ok());
}

#[test]
fn legacy_tokens_are_checked_in_legacy_go_order() {
    let (signer, trust) = setup(KeyType::Rsa2048);
    let now = Timestamp::now();
    let claims = legacy_claims("apps", "web", "u1", "web-token-abcde").unwrap();
    let token = signer.sign(&claims).unwrap();
    let a = authenticate(&token, &trust, now).unwrap();
    assert_eq!(a.reading.kind, TokenKind::Legacy);
    assert_eq!(a.identity().user, "system:serviceaccount:apps:web");
    let mut bad = claims.clone();
    bad.sub = "system:serviceaccount:apps:other".into();
    let token = signer.sign(&bad).unwrap();
    assert_eq!(
        authenticate(&token, &trust, now).unwrap_err().reason(),
        "sub claim is invalid"
    );
    let mut bad = claims;
    bad.service_account_uid.clear();
    let token = signer.sign(&bad).unwrap();
    assert_eq!(
        authenticate(&token, &trust, now).unwrap_err().reason(),
        "serviceAccountUID claim is missing"
    );
}

#[test]
fn unsigned_and_foreign_key_tokens_are_refused() {
    let (signer, trust) = setup(KeyType::EcdsaP256);
    let (other, _) = setup(KeyType::EcdsaP256);
    let now = Timestamp::now();
    let claims = request().claims(now, "j".into());
    let token = other.sign(&claims).unwrap();
    let e = authenticate(&token, &trust, now).unwrap_err();
    assert!(e.reason().contains("no keys found"), "{e}");
    let good = signer.sign(&claims).unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
        parts[1]
    );
    let e = authenticate(&none, &trust, now).unwrap_err();
    assert!(e.reason().contains("\"none\""), "{e}");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD
            .encode(br#"{"iss":"https://kubernetes.default.svc.cluster.local","sub":"x"}"#),
        parts[2]
    );
    let e = authenticate(&tampered, &trust, now).unwrap_err();
    assert!(e.reason().contains("invalid signature"), "{e}");
}
