//! ServiceAccount tokens checked by real peers: PyJWT (signature, issuer, audience, expiry),
//! a Go stdlib program applying kube-apiserver's rules (tests/go/tokencheck, which also
//! re-serialises the claims as the API server's go-jose does), PyJWT's `PyJWKSet` for the
//! JWKS; and tokens made by PyJWT (and hand-forged ones) checked by kcred.

use serde_json::{Value, json};

use crate::common::{Env, go_tokencheck, python};

/// PyJWT: verify each token (argv: pubkey, then `alg audience-or-- token` triples) the way a
/// relying party would, and report the kid cryptography computes for the key.
const PYJWT_VERIFY: &str = r#"
import base64, hashlib, json, sys, jwt
from cryptography.hazmat.primitives import serialization
pem = open(sys.argv[1], "rb").read()
pub = serialization.load_pem_public_key(pem)
der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
out = []
args = sys.argv[2:]
for i in range(0, len(args), 3):
    alg, aud, tok = args[i:i+3]
    header = jwt.get_unverified_header(tok)
    if aud == "--":
        # Legacy: no aud, no exp.
        claims = jwt.decode(tok, pub, algorithms=[alg], issuer="kubernetes/serviceaccount",
                            options={"require": ["iss", "sub"], "verify_aud": False})
    else:
        claims = jwt.decode(tok, pub, algorithms=[alg], audience=aud,
                            issuer="https://kubernetes.default.svc.cluster.local",
                            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]})
    out.append({"header": header, "claims": claims})
print(json.dumps({"kid": kid, "tokens": out}))
"#;

/// The key types `sa keygen` makes and the JWS algorithm each signs with (kube-apiserver's
/// `serviceaccount.JWTTokenGenerator`: RS256 for every RSA size, ES256/ES384 by curve).
const KEY_TYPES: [(&str, &str); 4] = [
    ("rsa2048", "RS256"),
    ("rsa3072", "RS256"),
    ("ecdsa-p256", "ES256"),
    ("ecdsa-p384", "ES384"),
];

const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// One kind of bound token: the `token issue` flags after the key and UID, the audience
/// PyJWT checks, the `kubernetes.io` claim Go must read, and the user's extra keys.
struct Bound {
    /// Split at white space.
    flags: &'static str,
    aud: &'static str,
    k8s: Value,
    extra: &'static [&'static str],
}

// The user's extra keys a bound token gives (`PodNameKey` … `CredentialIDKey` in
// k8s.io/apiserver/pkg/authentication/serviceaccount/util.go, filled by `UserInfo()`).
const CREDENTIAL_ID: &str = "authentication.kubernetes.io/credential-id";
const NODE_NAME: &str = "authentication.kubernetes.io/node-name";
const NODE_UID: &str = "authentication.kubernetes.io/node-uid";
const POD_NAME: &str = "authentication.kubernetes.io/pod-name";
const POD_UID: &str = "authentication.kubernetes.io/pod-uid";

/// The keys of every bound token's claims, in the API server's (sorted) order.
const CLAIM_KEYS: [&str; 8] = [
    "aud",
    "exp",
    "iat",
    "iss",
    "jti",
    "kubernetes.io",
    "nbf",
    "sub",
];

/// A scratch directory holding `sa keygen` keys `KT.key` and `KT.pub` of type `kt`.
fn sa_key(kt: &str) -> Env {
    let env = Env::new();
    env.ok(&["sa", "keygen", "--out", kt, "--key-type", kt]);
    env
}

/// A bound token made with the key of type `kt`: the Go checker authenticates it with the
/// API server's exact bytes and reads `case`'s claim and extra; kcred reads what Go reads;
/// PyJWT verifies it with header exactly {alg, kid} and reads the same claims.
fn bound_token_verifies(kt: &str, alg: &str, case: &Bound) {
    let env = sa_key(kt);
    let (key, pubkey) = (format!("{kt}.key"), format!("{kt}.pub"));
    let flags = case.flags;
    let mut args = vec!["token", "issue", "--key", &key, "--uid", "u-1"];
    args.extend(flags.split_whitespace());
    let token = env.ok(&args);
    assert!(token.ends_with('\n') && !token.trim().contains('\n'));
    let token = token.trim().to_string();

    // The Go checker: kube-apiserver's rules, and the API server's exact bytes.
    let audience = format!("{ISSUER},{}", case.aud);
    let got = go_tokencheck(env.dir.path(), &pubkey, &token, &["-audience", &audience]);
    assert_eq!(got["authenticated"], true, "{kt} {flags:?}: {got}");
    assert_eq!(got["header"], got["apiServerHeader"], "{kt} header");
    assert_eq!(
        got["payload"], got["apiServerPayload"],
        "{kt} payload bytes"
    );
    let claims: Value = serde_json::from_str(got["payload"].as_str().unwrap()).unwrap();
    assert_eq!(claims["kubernetes.io"], case.k8s, "{kt} {flags:?}");
    assert_eq!(object_keys(&claims), CLAIM_KEYS);
    assert!(claims["aud"].is_array());
    assert_eq!(claims["iat"], claims["nbf"]);
    assert_eq!(object_keys(&got["extra"]), case.extra);
    assert_eq!(
        got["extra"][CREDENTIAL_ID][0],
        format!("JTI={}", claims["jti"].as_str().unwrap())
    );
    let ns = case.k8s["namespace"].as_str().unwrap();
    assert_eq!(
        got["groups"],
        json!([
            "system:serviceaccounts",
            format!("system:serviceaccounts:{ns}")
        ])
    );

    // kcred's own reading agrees with Go's.
    let mine: Value = serde_json::from_str(&env.ok(&[
        "decode-token",
        &token,
        "--key",
        &pubkey,
        "--audience",
        ISSUER,
        "--audience",
        case.aud,
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(mine["verified"], true);
    assert_eq!(mine["kubernetes"]["username"], got["user"]);
    assert_eq!(mine["kubernetes"]["extra"], got["extra"]);

    pyjwt_verifies(&env, kt, alg, &pubkey, case.aud, &token, &claims);
}

/// The keys of a JSON object, in its order.
fn object_keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

/// [`bound_token_verifies`] with a key of each type `sa keygen` makes.
fn bound_token_verifies_with_every_key_type(case: &Bound) {
    for (kt, alg) in KEY_TYPES {
        bound_token_verifies(kt, alg, case);
    }
}

/// PyJWT verifies `token` against `pubkey` (`aud` `--` for a legacy token: no aud, no exp),
/// sees the header exactly {alg, kid} with the kid cryptography computes, and reads `want`.
fn pyjwt_verifies(
    env: &Env,
    kt: &str,
    alg: &str,
    pubkey: &str,
    aud: &str,
    token: &str,
    want: &Value,
) {
    let py: Value =
        serde_json::from_str(&python(PYJWT_VERIFY, &[&env.p(pubkey), alg, aud, token])).unwrap();
    for t in py["tokens"].as_array().unwrap() {
        assert_eq!(t["header"], json!({"alg": alg, "kid": py["kid"]}), "{kt}");
    }
    for (t, want) in py["tokens"].as_array().unwrap().iter().zip([want]) {
        assert_eq!(t["claims"], *want, "{kt}: PyJWT reads the same claims");
    }
}

/// A token bound to nothing but the ServiceAccount: claims in the API server's order,
/// credential-id extra, the ServiceAccount's groups; with every key type.
#[test]
fn a_plain_token_verifies_with_pyjwt_and_the_api_server_rules() {
    let case = Bound {
        flags: "default-sa",
        aud: ISSUER,
        k8s: json!({"namespace": "default", "serviceaccount": {"name": "default-sa", "uid": "u-1"}}),
        extra: &[CREDENTIAL_ID],
    };
    bound_token_verifies_with_every_key_type(&case);
}

/// A Pod-bound token with the node: the pod and node claims and extras.
#[test]
fn a_pod_bound_token_verifies_with_pyjwt_and_the_api_server_rules() {
    let case = Bound {
        flags: "web -n apps --bound-object-kind Pod --bound-object-name web-0 --bound-object-uid p-1 --node-name node-a --node-uid n-1",
        aud: ISSUER,
        k8s: json!({"namespace": "apps", "node": {"name": "node-a", "uid": "n-1"},
                    "pod": {"name": "web-0", "uid": "p-1"},
                    "serviceaccount": {"name": "web", "uid": "u-1"}}),
        extra: &[CREDENTIAL_ID, NODE_NAME, NODE_UID, POD_NAME, POD_UID],
    };
    bound_token_verifies_with_every_key_type(&case);
}

/// A Secret-bound token for extra audiences (one with characters JSON could escape) and a
/// set duration: PyJWT checks the extra audience.
#[test]
fn a_secret_bound_token_for_other_audiences_verifies_with_pyjwt_and_the_api_server_rules() {
    let case = Bound {
        flags: "builder -n ci --bound-object-kind Secret --bound-object-name builder-token --bound-object-uid s-1 --audience vault --audience https://sts.example/?a=1&b=<2> --duration 2h",
        aud: "vault",
        k8s: json!({"namespace": "ci", "secret": {"name": "builder-token", "uid": "s-1"},
                    "serviceaccount": {"name": "builder", "uid": "u-1"}}),
        extra: &[CREDENTIAL_ID],
    };
    bound_token_verifies_with_every_key_type(&case);
}

/// A Node-bound token: the node claim and node extras, no pod.
#[test]
fn a_node_bound_token_verifies_with_pyjwt_and_the_api_server_rules() {
    let case = Bound {
        flags: "agent -n kube-system --bound-object-kind Node --bound-object-name node-b --bound-object-uid n-2",
        aud: ISSUER,
        k8s: json!({"namespace": "kube-system", "node": {"name": "node-b", "uid": "n-2"},
                    "serviceaccount": {"name": "agent", "uid": "u-1"}}),
        extra: &[CREDENTIAL_ID, NODE_NAME, NODE_UID],
    };
    bound_token_verifies_with_every_key_type(&case);
}

/// A legacy (secret-based) token: the Go checker authenticates it as legacy with the API
/// server's exact payload bytes, and PyJWT verifies it; with every key type.
#[test]
fn a_legacy_token_verifies_with_pyjwt_and_the_api_server_rules() {
    for (kt, alg) in KEY_TYPES {
        let env = sa_key(kt);
        let (key, pubkey) = (format!("{kt}.key"), format!("{kt}.pub"));
        let legacy = env
            .token(
                "old",
                "apps",
                &key,
                &[
                    "--legacy",
                    "--secret-name",
                    "old-token-x7k2p",
                    "--uid",
                    "u-9",
                ],
            )
            .trim()
            .to_string();
        let got = go_tokencheck(env.dir.path(), &pubkey, &legacy, &[]);
        assert_eq!(got["authenticated"], true, "{kt} legacy: {got}");
        assert_eq!(got["kind"], "legacy");
        assert_eq!(
            got["payload"], got["apiServerPayload"],
            "{kt} legacy payload bytes"
        );
        assert_eq!(
            got["payload"],
            r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"apps","kubernetes.io/serviceaccount/secret.name":"old-token-x7k2p","kubernetes.io/serviceaccount/service-account.name":"old","kubernetes.io/serviceaccount/service-account.uid":"u-9","sub":"system:serviceaccount:apps:old"}"#
        );
        let claims: Value = serde_json::from_str(got["payload"].as_str().unwrap()).unwrap();
        pyjwt_verifies(&env, kt, alg, &pubkey, "--", &legacy, &claims);
    }
}

/// PyJWT mints k8s-shaped tokens with RSA, P-256 and P-384 keys made by `cryptography`
/// (`NAME` and `NAME-nokid` for NAME in rsa, ec, ec384), writing each public key
/// (`NAME.pub`), its PKCS#8 private key (`NAME.p8`), `all.pem` with the three public keys and
/// `both.pem` with the P-384 public key before the RSA private key.
fn pyjwt_tokens() -> (Env, Value) {
    let env = Env::new();
    let out = python(
        r#"
import base64, hashlib, json, sys, time, uuid, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa, ec
d = sys.argv[1]
now = int(time.time())
res = {}
for name, key, alg in [("rsa", rsa.generate_private_key(65537, 2048), "RS256"),
                       ("ec", ec.generate_private_key(ec.SECP256R1()), "ES256"),
                       ("ec384", ec.generate_private_key(ec.SECP384R1()), "ES384")]:
    pub = key.public_key()
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    open(f"{d}/{name}.pub", "wb").write(pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    open(f"{d}/{name}.p8", "wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    claims = {"aud": ["https://kubernetes.default.svc.cluster.local"], "exp": now + 600, "iat": now, "nbf": now,
              "iss": "https://kubernetes.default.svc.cluster.local", "jti": str(uuid.uuid4()),
              "kubernetes.io": {"namespace": "team-a", "serviceaccount": {"name": "bot", "uid": "u-77"}},
              "sub": "system:serviceaccount:team-a:bot"}
    res[name] = jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})
    # No kid at all: the API server tries every key.
    res[name + "-nokid"] = jwt.encode(claims, key, algorithm=alg)
print(json.dumps(res))
"#,
        &[&env.p("")],
    );
    let tokens: Value = serde_json::from_str(&out).unwrap();
    let both = format!(
        "{}{}",
        std::fs::read_to_string(env.path("ec384.pub")).unwrap(),
        std::fs::read_to_string(env.path("rsa.p8")).unwrap()
    );
    std::fs::write(env.path("both.pem"), both).unwrap();
    std::fs::write(
        env.path("all.pem"),
        ["rsa.pub", "ec.pub", "ec384.pub"]
            .iter()
            .map(|f| std::fs::read_to_string(env.path(f)).unwrap())
            .collect::<String>(),
    )
    .unwrap();
    (env, tokens)
}

/// kcred verifies `token` with the key file `key` and reads PyJWT's ServiceAccount.
fn kcred_verifies_pyjwt_token(env: &Env, label: &str, token: &str, key: &str) {
    let v: Value =
        serde_json::from_str(&env.ok(&["decode-token", token, "--key", key, "-o", "json"]))
            .unwrap();
    assert_eq!(v["verified"], true, "{label} with {key}: {v}");
    assert_eq!(
        v["kubernetes"]["username"],
        "system:serviceaccount:team-a:bot"
    );
    assert_eq!(v["kubernetes"]["uid"], "u-77");
}

/// PyJWT's tokens, with and without a kid, verify with their public key alone and with a
/// file holding all three public keys.
#[test]
fn kcred_verifies_tokens_made_by_pyjwt_with_the_public_key_or_a_bundle() {
    let (env, tokens) = pyjwt_tokens();
    for name in ["rsa", "ec", "ec384"] {
        for variant in ["", "-nokid"] {
            let label = format!("{name}{variant}");
            let token = tokens[&label].as_str().unwrap();
            for key in [format!("{name}.pub"), "all.pem".to_string()] {
                kcred_verifies_pyjwt_token(&env, &label, token, &key);
            }
        }
    }
}

/// keyutil.ParsePublicKeysPEM reads a PKCS#8 RSA private key (parseRSAPrivateKey): PyJWT's
/// RSA tokens verify with it.
#[test]
fn kcred_verifies_tokens_made_by_pyjwt_with_a_pkcs8_rsa_private_key() {
    let (env, tokens) = pyjwt_tokens();
    for variant in ["", "-nokid"] {
        let label = format!("rsa{variant}");
        kcred_verifies_pyjwt_token(&env, &label, tokens[&label].as_str().unwrap(), "rsa.p8");
    }
}

/// keyutil.ParsePublicKeysPEM skips a PKCS#8 EC private key (parseECPrivateKey is
/// x509.ParseECPrivateKey: SEC1): a file holding only that makes kube-apiserver refuse to
/// start, and kcred says so (exit 3).
#[test]
fn a_pkcs8_ec_private_key_alone_is_refused_as_kube_apiserver_refuses_it() {
    let (env, tokens) = pyjwt_tokens();
    for name in ["ec", "ec384"] {
        for variant in ["", "-nokid"] {
            let token = tokens[format!("{name}{variant}")].as_str().unwrap();
            let err = env.fails(3, &["decode-token", token, "--key", &format!("{name}.p8")]);
            assert!(err.contains("refuses to start"), "{err}");
        }
    }
}

/// The key is chosen by kid among several blocks of one file (a P-384 public key, then the
/// RSA private key).
#[test]
fn the_key_is_chosen_by_kid_among_the_blocks_of_one_file() {
    let (env, tokens) = pyjwt_tokens();
    let v: Value = serde_json::from_str(&env.ok(&[
        "decode-token",
        tokens["rsa"].as_str().unwrap(),
        "--key",
        "both.pem",
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(v["verified"], true);
}

/// Tokens made by PyJWT against one trusted RSA key in `sa.pub`: a good one, and forged and
/// wrong ones, by name.
fn forged_tokens() -> (Env, Value) {
    let env = Env::new();
    let out = python(
        r#"
import base64, hashlib, hmac, json, sys, time, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
d = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
key = rsa.generate_private_key(65537, 2048)
other = rsa.generate_private_key(65537, 2048)
def kid_of(k):
    der = k.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return b64(hashlib.sha256(der).digest())
pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
open(f"{d}/sa.pub", "wb").write(pem)
now = int(time.time())
iss = "https://kubernetes.default.svc.cluster.local"
def claims(**kw):
    c = {"aud": [iss], "exp": now + 600, "iat": now, "nbf": now, "iss": iss, "jti": "j-1",
         "kubernetes.io": {"namespace": "ns", "serviceaccount": {"name": "sa", "uid": "u"}},
         "sub": "system:serviceaccount:ns:sa"}
    c.update(kw)
    return c
good = jwt.encode(claims(), key, algorithm="RS256", headers={"kid": kid_of(key)})
h, p, s = good.split(".")
t = {}
t["good"] = good
t["tampered"] = ".".join([h, b64(json.dumps(claims(sub="system:serviceaccount:kube-system:admin")).encode()), s])
t["none"] = ".".join([b64(b'{"alg":"none","kid":"' + kid_of(key).encode() + b'"}'), p, ""])
hh = b64(json.dumps({"alg": "HS256", "kid": kid_of(key)}).encode())
t["hs256"] = ".".join([hh, p, b64(hmac.new(pem, (hh + "." + p).encode(), hashlib.sha256).digest())])
t["other_key"] = jwt.encode(claims(), other, algorithm="RS256", headers={"kid": kid_of(other)})
t["kid_of_trusted_key_signed_by_other"] = jwt.encode(claims(), other, algorithm="RS256", headers={"kid": kid_of(key)})
t["expired"] = jwt.encode(claims(exp=now - 61 - 5, iat=now - 4000, nbf=now - 4000), key, algorithm="RS256", headers={"kid": kid_of(key)})
t["within_leeway"] = jwt.encode(claims(exp=now - 30, iat=now - 4000, nbf=now - 4000), key, algorithm="RS256", headers={"kid": kid_of(key)})
t["wrong_issuer"] = jwt.encode(claims(iss="https://evil.example"), key, algorithm="RS256", headers={"kid": kid_of(key)})
t["wrong_audience"] = jwt.encode(claims(aud=["https://other.example"]), key, algorithm="RS256", headers={"kid": kid_of(key)})
t["future"] = jwt.encode(claims(nbf=now + 600, iat=now + 600, exp=now + 1200), key, algorithm="RS256", headers={"kid": kid_of(key)})
print(json.dumps(t))
"#,
        &[&env.p("")],
    );
    let t: Value = serde_json::from_str(&out).unwrap();
    (env, t)
}

/// A good token, and one expired by less than the API server's 60s leeway, are accepted by
/// kcred and by the Go checker.
#[test]
fn good_tokens_and_tokens_within_leeway_are_accepted() {
    let (env, t) = forged_tokens();
    let tok = |n: &str| t[n].as_str().unwrap().to_string();
    env.ok(&["decode-token", &tok("good"), "--key", "sa.pub"]);
    env.ok(&["decode-token", &tok("within_leeway"), "--key", "sa.pub"]);
    assert_eq!(
        go_tokencheck(env.dir.path(), "sa.pub", &tok("good"), &[])["authenticated"],
        true
    );
    assert_eq!(
        go_tokencheck(env.dir.path(), "sa.pub", &tok("within_leeway"), &[])["authenticated"],
        true
    );
}

/// A forged or wrong token `name`: kcred exits 1 and names the problem (`words`) without
/// printing the token, `-o json` says not verified and why, and the Go checker (the API
/// server's rules) refuses it as well.
fn refused(name: &str, words: &str) {
    let (env, t) = forged_tokens();
    let tok = |n: &str| t[n].as_str().unwrap().to_string();
    {
        let err = env.fails(1, &["decode-token", &tok(name), "--key", "sa.pub"]);
        assert!(err.contains(words), "{name}: {err}");
        assert!(
            !err.contains(&tok(name)),
            "{name}: the token is never printed in errors"
        );
        let v: Value = serde_json::from_str(
            &String::from_utf8(
                env.kcred()
                    .args(["decode-token", &tok(name), "--key", "sa.pub", "-o", "json"])
                    .output()
                    .unwrap()
                    .stdout,
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(v["verified"], false, "{name}");
        assert!(v["reason"].as_str().unwrap().contains(words), "{name}: {v}");
        let go = go_tokencheck(env.dir.path(), "sa.pub", &tok(name), &[]);
        assert_eq!(go["authenticated"], false, "{name}: Go accepted it: {go}");
    }
}

#[test]
fn a_tampered_payload_is_refused() {
    refused("tampered", "invalid signature");
}

#[test]
fn alg_none_is_refused() {
    refused("none", "\"none\"");
}

/// asymmetric.go rsaEncrypterVerifier.verifyPayload: ErrUnsupportedAlgorithm.
#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    refused("hs256", "unsupported algorithm \"HS256\" for an RSA key");
}

#[test]
fn a_token_from_an_untrusted_key_is_refused() {
    refused("other_key", "no keys found");
}

#[test]
fn the_trusted_kid_on_a_token_signed_by_another_key_is_refused() {
    refused("kid_of_trusted_key_signed_by_other", "invalid signature");
}

#[test]
fn an_expired_token_is_refused() {
    refused("expired", "service account token has expired");
}

#[test]
fn a_wrong_issuer_is_refused() {
    refused("wrong_issuer", "token issuer \"https://evil.example\"");
}

#[test]
fn a_wrong_audience_is_refused() {
    refused(
        "wrong_audience",
        "token audiences [\"https://other.example\"] is invalid",
    );
}

#[test]
fn a_token_not_yet_valid_is_refused() {
    refused("future", "service account token is not valid yet");
}

/// Without keys, even the forged ones are shown, and said plainly to be unverified.
#[test]
fn without_keys_a_forged_token_is_shown_as_not_verified() {
    let (env, t) = forged_tokens();
    let tok = |n: &str| t[n].as_str().unwrap().to_string();
    let shown = env.ok(&["decode-token", &tok("none")]);
    assert!(shown.contains("NOT verified"), "{shown}");
}

/// PyJWT: load the JWKS (argv[1]) with PyJWKSet, verify each token (then `token pem` pairs)
/// with the JWK its kid picks, and check the JWK's numbers against the PEM key's.
const PYJWT_JWKSET: &str = r#"
import json, sys, jwt
from cryptography.hazmat.primitives import serialization
doc = open(sys.argv[1]).read()
jwks = jwt.PyJWKSet.from_json(doc)
raw = {k["kid"]: k for k in json.loads(doc)["keys"]}
rest = sys.argv[2:]
for i in range(0, len(rest), 2):
    tok, pem = rest[i], rest[i + 1]
    kid = jwt.get_unverified_header(tok)["kid"]
    jwk = jwks[kid]
    claims = jwt.decode(tok, jwk.key, algorithms=[jwk.algorithm_name], audience="sts.example",
                        issuer="https://issuer.example.com/cluster-1")
    assert claims["sub"] == "system:serviceaccount:default:web", claims
    # The JWK's numbers are the PEM key's numbers.
    pub = serialization.load_pem_public_key(open(pem, "rb").read())
    nums = pub.public_numbers()
    k = raw[kid]
    assert k["use"] == "sig", k
    b = lambda s: int.from_bytes(__import__("base64").urlsafe_b64decode(s + "=" * (-len(s) % 4)), "big")
    if k["kty"] == "RSA":
        assert (b(k["n"]), b(k["e"])) == (nums.n, nums.e)
    else:
        size = {"P-256": 32, "P-384": 48}[k["crv"]]
        for c in ("x", "y"):
            assert len(__import__("base64").urlsafe_b64decode(k[c] + "=" * (-len(k[c]) % 4))) == size
        assert (b(k["x"]), b(k["y"])) == (nums.x, nums.y)
print(len(rest) // 2)
"#;

const JWKS_ISSUER: &str = "https://issuer.example.com/cluster-1";

/// Three `sa keygen` keys (rsa, ec, ec384) and `sa jwks` over them (the EC P-256 one given
/// by its private key) with `--out-dir site`: the scratch directory and what it printed.
fn jwks_site() -> (Env, String) {
    let env = Env::new();
    env.ok(&["sa", "keygen", "--out", "rsa"]);
    env.ok(&["sa", "keygen", "--out", "ec", "--key-type", "ecdsa-p256"]);
    env.ok(&["sa", "keygen", "--out", "ec384", "--key-type", "ecdsa-p384"]);
    let printed = env.ok(&[
        "sa",
        "jwks",
        "--key",
        "rsa.pub",
        "--key",
        "ec.key",
        "--key",
        "ec384.pub",
        "--issuer",
        JWKS_ISSUER,
        "--out-dir",
        "site",
    ]);
    (env, printed)
}

/// A token from each key of [`jwks_site`], for the issuer and audience sts.example, with the
/// public key file it verifies with.
fn jwks_site_tokens(env: &Env) -> Vec<(String, &'static str)> {
    [
        ("rsa.key", "rsa.pub"),
        ("ec.key", "ec.pub"),
        ("ec384.key", "ec384.pub"),
    ]
    .into_iter()
    .map(|(k, pubkey)| {
        let token = env.ok(&[
            "token",
            "issue",
            "web",
            "--key",
            k,
            "--issuer",
            JWKS_ISSUER,
            "--audience",
            "sts.example",
        ]);
        (token.trim().to_string(), pubkey)
    })
    .collect()
}

/// `sa jwks --out-dir` writes the JWKS it prints where the API server serves it, and the
/// discovery document with the API server's fields.
#[test]
fn sa_jwks_writes_the_served_jwks_and_the_discovery_document() {
    let (env, printed) = jwks_site();
    let served = std::fs::read_to_string(env.path("site/openid/v1/jwks")).unwrap();
    assert_eq!(printed.trim_end(), served);
    let config =
        std::fs::read_to_string(env.path("site/.well-known/openid-configuration")).unwrap();
    assert_eq!(
        config,
        format!(
            r#"{{"issuer":"{JWKS_ISSUER}","jwks_uri":"{JWKS_ISSUER}/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256","ES384","RS256"]}}"#
        )
    );
}

/// kcred verifies its own tokens with the JWKS itself.
#[test]
fn kcred_verifies_its_tokens_with_the_jwks() {
    let (env, _) = jwks_site();
    for (token, _) in jwks_site_tokens(&env) {
        env.ok(&[
            "decode-token",
            &token,
            "--jwks",
            "site/openid/v1/jwks",
            "--issuer",
            JWKS_ISSUER,
            "--audience",
            "sts.example",
        ]);
    }
}

/// PyJWT's PyJWKSet loads the served JWKS and verifies kcred's tokens with the key picked by
/// kid; each JWK's numbers are its PEM key's numbers.
#[test]
fn pyjwt_jwkset_verifies_kcred_tokens_by_kid() {
    let (env, _) = jwks_site();
    let mut args = vec![env.p("site/openid/v1/jwks")];
    for (token, pubkey) in jwks_site_tokens(&env) {
        args.push(token);
        args.push(env.p(pubkey));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = python(PYJWT_JWKSET, &args);
    assert_eq!(out.trim(), "3");
}

/// The JWKS keys' fields in go-jose's order: use, kty, kid, crv, alg, then the numbers.
#[test]
fn jwks_keys_are_in_go_joses_field_order() {
    let (env, _) = jwks_site();
    let served = std::fs::read_to_string(env.path("site/openid/v1/jwks")).unwrap();
    let set: Value = serde_json::from_str(&served).unwrap();
    let order: Vec<Vec<&str>> = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_object().unwrap().keys().map(|s| s.as_str()).collect())
        .collect();
    assert_eq!(order[0], ["use", "kty", "kid", "alg", "n", "e"]);
    assert_eq!(order[1], ["use", "kty", "kid", "crv", "alg", "x", "y"]);
}
