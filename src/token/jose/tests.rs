//! The three readers against inputs go-jose and encoding/json accept or refuse.

use super::super::gojson::{self, J};
use super::gobase64::*;
use super::issuer::*;
use super::jws::*;
use super::*;

fn j(s: &str) -> J {
    gojson::parse(s.as_bytes()).unwrap().value
}

#[test]
fn the_issuer_peek_is_encoding_json() {
    // jwt.go hasCorrectIssuer → encoding/json: case-insensitive keys, last one wins.
    assert_eq!(
        peek_issuer(br#"{"iss":"good","ISS":"evil"}"#).unwrap(),
        "evil"
    );
    assert_eq!(
        peek_issuer(br#"{"ISS":"evil","iss":"good"}"#).unwrap(),
        "good"
    );
    assert_eq!(
        peek_issuer("{\"i\u{17F}s\":\"long-s\"}".as_bytes()).unwrap(),
        "long-s"
    );
    assert_eq!(peek_issuer(br#"{"iss":"a","iss":null}"#).unwrap(), "a");
    assert_eq!(peek_issuer(b"null").unwrap(), "");
    assert!(peek_issuer(br#"{"iss":1}"#).is_err());
    assert!(peek_issuer(br#"[]"#).is_err());
    // scanner.go maxNestingDepth = 10000.
    let deep = |n: usize| format!(r#"{{"iss":"a","x":{}{}}}"#, "[".repeat(n), "]".repeat(n));
    assert!(peek_issuer(deep(9_999).as_bytes()).is_ok());
    assert!(peek_issuer(deep(10_000).as_bytes()).is_err());
}

#[test]
fn claims_decode_as_the_go_jose_fork_does() {
    // decode.go object: duplicate keys are an error, at the top and in kubernetes.io.
    assert!(decode_public(&j(r#"{"iss":"a","iss":"a"}"#)).is_err());
    assert!(decode_public(&j(r#"{"x":1,"x":2}"#)).is_err());
    assert!(decode_bound(&j(r#"{"kubernetes.io":{"namespace":"a","namespace":"b"}}"#)).is_err());
    // ... but not inside a skipped unknown field.
    assert!(decode_public(&j(r#"{"x":{"y":1,"y":2}}"#)).is_ok());
    // Field names are case-sensitive: ISS is an unknown field.
    assert_eq!(
        decode_public(&j(r#"{"iss":"a","ISS":"b"}"#)).unwrap().iss,
        "a"
    );
    // claims.go Audience.UnmarshalJSON.
    for bad in [
        r#"null"#,
        "1",
        "{}",
        r#"["a",1]"#,
        r#"["a",null]"#,
        "[[]]",
        "true",
    ] {
        assert!(
            decode_public(&j(&format!(r#"{{"aud":{bad}}}"#))).is_err(),
            "{bad}"
        );
    }
    assert_eq!(decode_public(&j(r#"{"aud":"a"}"#)).unwrap().aud, ["a"]);
    assert!(decode_public(&j(r#"{"aud":[]}"#)).unwrap().aud.is_empty());
    // Strings must be strings; null leaves them empty.
    for field in ["iss", "sub", "jti"] {
        assert!(decode_public(&j(&format!(r#"{{"{field}":1}}"#))).is_err());
        assert!(decode_public(&j(&format!(r#"{{"{field}":["a"]}}"#))).is_err());
        assert!(decode_public(&j(&format!(r#"{{"{field}":null}}"#))).is_ok());
    }
    // NumericDate.UnmarshalJSON: ParseFloat, then int64(f).
    let exp = |v: &str| decode_public(&j(&format!(r#"{{"exp":{v}}}"#))).map(|c| c.exp);
    assert_eq!(exp("1.9"), Ok(Some(1)));
    assert_eq!(exp("-1.9"), Ok(Some(-1)));
    assert_eq!(exp("1e300"), Ok(Some(i64::MIN)));
    assert_eq!(exp("null"), Ok(None));
    assert!(exp("1e400").is_err());
    assert!(exp(r#""1""#).is_err());
    assert!(exp("true").is_err());
    // A payload of null decodes into nothing; an array is an error.
    assert_eq!(decode_public(&j("null")).unwrap(), PublicClaims::default());
    assert!(decode_public(&j("[]")).is_err());
    // Pointers: {} is a present, empty pod reference.
    let b = decode_bound(&j(r#"{"kubernetes.io":{"pod":{},"node":null}}"#)).unwrap();
    assert_eq!(b.pod, Some(Ref::default()));
    assert_eq!(b.node, None);
    assert!(decode_bound(&j(r#"{"kubernetes.io":{"pod":{"uid":5}}}"#)).is_err());
    assert!(decode_bound(&j(r#"{"kubernetes.io":"x"}"#)).is_err());
    assert!(decode_legacy(&j(r#"{"kubernetes.io/serviceaccount/namespace":1}"#)).is_err());
}

#[test]
fn times_compare_as_go_time_does() {
    // validation.go ValidateWithLeeway; time.Unix of a huge value wraps into the past.
    let c = |exp: i64| PublicClaims {
        exp: Some(exp),
        ..PublicClaims::default()
    };
    assert!(validate_times(&c(i64::MIN), 0, 60).is_err());
    assert!(validate_times(&c(i64::MAX), 0, 60).is_err());
    assert!(validate_times(&c(i64::MAX - 62_135_596_800), 0, 60).is_ok());
    let iat = PublicClaims {
        iat: Some(1000),
        ..PublicClaims::default()
    };
    assert_eq!(
        validate_times(&iat, 939, 60),
        Err("service account token is issued in the future")
    );
    assert!(validate_times(&iat, 940, 60).is_ok());
    // A huge nbf wraps into the past too: not "not valid yet".
    let nbf = PublicClaims {
        nbf: Some(i64::MAX),
        ..PublicClaims::default()
    };
    assert!(validate_times(&nbf, 0, 60).is_ok());
}

#[test]
fn headers_are_sanitized_as_go_jose_does() {
    let tok = |h: &str| {
        format!(
            "{}.{}.{}",
            raw_url_encode(h.as_bytes()),
            raw_url_encode(b"{}"),
            raw_url_encode(b"sig")
        )
    };
    assert!(parse_signed(&tok(r#"{"alg":"RS256","kid":"k"}"#)).is_ok());
    // shared.go sanitized: kid/alg/nonce must be strings; extras valid; no duplicates.
    for bad in [
        r#"{"alg":"RS256","kid":5}"#,
        r#"{"alg":1}"#,
        r#"{"alg":"RS256","alg":"RS256"}"#,
        r#"{"alg":"RS256","x":{"a":1,"a":2}}"#,
        r#"{"alg":"RS256","x":1e400}"#,
        r#"{"alg":"RS256","x5c":"abc"}"#,
        r#"{"alg":"RS256","x5c":["bm90IGEgY2VydA=="]}"#,
        r#"{"alg":"RS256","jwk":{"kty":"oct","k":"AAAA"}}"#,
        r#"{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}}"#,
        r#"{"alg":"RS256","jwk":{"kty":"XX"}}"#,
        "[]",
    ] {
        assert!(parse_signed(&tok(bad)).is_err(), "{bad}");
    }
    // null values are skipped; an empty x5c list is fine; a public jwk is fine.
    for ok in [
        r#"{"alg":"RS256","kid":null,"x5c":[]}"#,
        r#"{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}"#,
        "null",
    ] {
        assert!(parse_signed(&tok(ok)).is_ok(), "{ok}");
    }
    // stripWhitespace, then three parts; padding is not base64url-raw.
    let t = tok(r#"{"alg":"RS256"}"#);
    let spaced = format!(" {}\u{2003}\n{}", &t[..5], &t[5..]);
    assert!(parse_signed(&spaced).is_ok());
    assert!(parse_signed(&format!("{t}=")).is_err());
    assert!(parse_signed("a.b").is_err());
}

#[test]
fn auth_data_is_canonical_and_honours_b64_and_crit() {
    let mk = |h: &str, p: &str| Signed {
        header: parse_header(h.as_bytes()).unwrap(),
        header_bytes: h.as_bytes().to_vec(),
        payload: p.as_bytes().to_vec(),
        signature: vec![],
    };
    let s = mk(r#"{"alg":"ES256"}"#, "{}");
    assert_eq!(
        s.auth_data().unwrap(),
        format!(
            "{}.{}",
            raw_url_encode(br#"{"alg":"ES256"}"#),
            raw_url_encode(b"{}")
        )
        .into_bytes()
    );
    let s = mk(r#"{"alg":"ES256","b64":false,"crit":["b64"]}"#, "{}");
    assert!(s.auth_data().unwrap().ends_with(b".{}"));
    // b64 that is not a bool counts as true (getB64's error is ignored).
    let s = mk(r#"{"alg":"ES256","b64":"no"}"#, "{}");
    assert!(
        s.auth_data()
            .unwrap()
            .ends_with(raw_url_encode(b"{}").as_bytes())
    );
    assert!(
        mk(r#"{"alg":"ES256","crit":["exp"]}"#, "{}")
            .auth_data()
            .is_err()
    );
    assert!(
        mk(r#"{"alg":"ES256","crit":"b64"}"#, "{}")
            .auth_data()
            .is_err()
    );
    assert!(
        mk(r#"{"alg":"ES256","crit":[null]}"#, "{}")
            .auth_data()
            .is_err()
    );
    // Non-canonical base64 (trailing bits) decodes; the auth data is re-encoded.
    let p = go_raw_url_decode("e30").unwrap();
    assert_eq!(go_raw_url_decode("e31").unwrap(), p);
    assert_eq!(raw_url_encode(&p), "e30");
}
