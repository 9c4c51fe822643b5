//! `kcred sa`, `kcred token issue` and `kcred decode-token` on the command line: files and
//! modes (checked with openssl), name validation, output shapes, exit codes.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::common::{Env, peer, run_peer};

fn mode(env: &Env, f: &str) -> u32 {
    std::fs::metadata(env.path(f)).unwrap().permissions().mode() & 0o777
}

#[test]
fn sa_keygen_writes_what_kubeadm_writes_and_openssl_reads_it() {
    let env = Env::new();
    for (kt, label) in [
        ("rsa2048", "RSA PRIVATE KEY"),
        ("ecdsa-p256", "EC PRIVATE KEY"),
        ("ecdsa-p384", "EC PRIVATE KEY"),
    ] {
        env.ok(&[
            "sa",
            "keygen",
            "--out",
            &format!("keys/{kt}"),
            "--key-type",
            kt,
        ]);
        let key = format!("keys/{kt}.key");
        let pubf = format!("keys/{kt}.pub");
        assert_eq!(mode(&env, &key), 0o600);
        assert_eq!(mode(&env, &pubf), 0o644);
        let text = std::fs::read_to_string(env.path(&key)).unwrap();
        assert!(
            text.starts_with(&format!("-----BEGIN {label}-----")),
            "{kt}"
        );
        let pubtext = std::fs::read_to_string(env.path(&pubf)).unwrap();
        assert!(pubtext.starts_with("-----BEGIN PUBLIC KEY-----"), "{kt}");
        // openssl derives the same public key from sa.key.
        let derived = run_peer(
            peer("openssl")
                .current_dir(env.dir.path())
                .args(["pkey", "-in", &key, "-pubout"]),
        );
        assert_eq!(derived, pubtext, "{kt}");
    }
    // No clobbering without --force; then --force replaces.
    let before = std::fs::read(env.path("keys/rsa2048.key")).unwrap();
    let err = env.fails(3, &["sa", "keygen", "--out", "keys/rsa2048"]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(env.path("keys/rsa2048.key")).unwrap(), before);
    env.ok(&["sa", "keygen", "--out", "keys/rsa2048", "--force"]);
    assert_ne!(std::fs::read(env.path("keys/rsa2048.key")).unwrap(), before);
    // Ed25519 cannot sign ServiceAccount tokens.
    let err = env.fails(2, &["sa", "keygen", "--out", "ed", "--key-type", "ed25519"]);
    assert!(
        err.contains("ed25519") && err.contains("RSA and ECDSA"),
        "{err}"
    );
    assert!(!env.path("ed.key").exists());
}

#[test]
fn token_issue_validates_names_and_lifetimes_like_the_api_server() {
    let env = Env::new();
    env.ok(&["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"]);
    for (args, words) in [
        (vec!["Web"], "serviceaccount name \"Web\" is invalid"),
        (
            vec!["web", "-n", "my.ns"],
            "namespace name \"my.ns\" is invalid",
        ),
        (vec!["web", "--duration", "5m"], "less than 10 minutes"),
        (
            vec![
                "web",
                "--bound-object-kind",
                "Pod",
                "--bound-object-name",
                "Pod_1",
                "--bound-object-uid",
                "u",
            ],
            "pod name",
        ),
        (
            vec!["web", "--node-name", "n", "--node-uid", "u"],
            "Pod binding",
        ),
    ] {
        let mut a = vec!["token", "issue", "--key", "sa.key"];
        a.extend(args);
        let err = env.fails(2, &a);
        assert!(err.contains(words), "{a:?}: {err}");
    }
    // Ed25519 keys are refused for signing, naming the file.
    run_peer(peer("openssl").current_dir(env.dir.path()).args([
        "genpkey",
        "-algorithm",
        "ed25519",
        "-out",
        "ed.key",
    ]));
    let err = env.fails(3, &["token", "issue", "web", "--key", "ed.key"]);
    assert!(err.contains("ed.key") && err.contains("ed25519"), "{err}");
    // A missing key file is named.
    let err = env.fails(3, &["token", "issue", "web", "--key", "nope.key"]);
    assert!(err.contains("nope.key"), "{err}");
}

#[test]
fn token_issue_json_and_legacy_shapes() {
    let env = Env::new();
    env.ok(&["sa", "keygen", "--out", "sa"]);
    let v: Value =
        serde_json::from_str(&env.ok(&["token", "issue", "web", "--key", "sa.key", "-o", "json"]))
            .unwrap();
    let token = v["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert_eq!(v["header"]["alg"], "RS256");
    let c = &v["claims"];
    assert_eq!(
        c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(c["iss"], "https://kubernetes.default.svc.cluster.local");
    assert_eq!(c["aud"], serde_json::json!([c["iss"]]));
    assert_eq!(c["sub"], "system:serviceaccount:default:web");
    let uid = c["kubernetes.io"]["serviceaccount"]["uid"]
        .as_str()
        .unwrap();
    let jti = c["jti"].as_str().unwrap();
    for u in [uid, jti] {
        assert_eq!(u.len(), 36, "{u}");
        assert_eq!(&u[14..15], "4", "UUID v4: {u}");
    }
    // The kubelet's 3607 s pod-bound request is extended like the API server does.
    let v: Value = serde_json::from_str(&env.ok(&[
        "token",
        "issue",
        "web",
        "--key",
        "sa.key",
        "--duration",
        "3607s",
        "--bound-object-kind",
        "Pod",
        "--bound-object-name",
        "web-0",
        "--bound-object-uid",
        "p",
        "-o",
        "json",
    ]))
    .unwrap();
    let c = &v["claims"];
    let iat = c["iat"].as_i64().unwrap();
    assert_eq!(c["exp"].as_i64().unwrap() - iat, 365 * 86400);
    assert_eq!(
        c["kubernetes.io"]["warnafter"].as_i64().unwrap() - iat,
        3607
    );
    // Legacy.
    let v: Value = serde_json::from_str(&env.ok(&[
        "token", "issue", "web", "-n", "apps", "--key", "sa.key", "--legacy", "-o", "json",
    ]))
    .unwrap();
    let keys: Vec<&str> = v["claims"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "iss",
            "kubernetes.io/serviceaccount/namespace",
            "kubernetes.io/serviceaccount/secret.name",
            "kubernetes.io/serviceaccount/service-account.name",
            "kubernetes.io/serviceaccount/service-account.uid",
            "sub"
        ]
    );
    let secret = v["claims"]["kubernetes.io/serviceaccount/secret.name"]
        .as_str()
        .unwrap();
    assert!(
        secret.starts_with("web-token-") && secret.len() == 15,
        "{secret}"
    );
    let shown: Value = serde_json::from_str(&env.ok(&[
        "decode-token",
        v["token"].as_str().unwrap(),
        "--key",
        "sa.pub",
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(shown["verified"], true);
    assert_eq!(shown["kubernetes"]["type"], "legacy");
    // --legacy with bound-token flags is a usage error.
    env.fails(
        2,
        &[
            "token",
            "issue",
            "web",
            "--key",
            "sa.key",
            "--legacy",
            "--audience",
            "x",
        ],
    );
}

#[test]
fn decode_token_inputs_outputs_and_exit_codes() {
    let env = Env::new();
    env.ok(&["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"]);
    let token = env.ok(&["token", "issue", "web", "-n", "apps", "--key", "sa.key"]);
    let token = token.trim();
    std::fs::write(env.path("tok"), format!("  Bearer {token}\n\n")).unwrap();

    // Without keys: shown, NOT verified, exit 0.
    let table = env.ok(&["decode-token", token]);
    assert!(table.contains("NOT verified"), "{table}");
    assert!(
        table.contains("expires in 59m") || table.contains("expires in 1h"),
        "{table}"
    );
    assert!(table.contains("system:serviceaccount:apps:web"));
    assert!(table.contains("[system:serviceaccounts system:serviceaccounts:apps]"));
    let v: Value = serde_json::from_str(&env.ok(&["decode-token", token, "-o", "json"])).unwrap();
    assert_eq!(v["verified"], false);
    assert!(v["reason"].as_str().unwrap().contains("NOT verified"));
    assert_eq!(
        v["kubernetes"]["username"],
        "system:serviceaccount:apps:web"
    );
    let y = env.ok(&["decode-token", token, "-o", "yaml"]);
    assert!(y.contains("verified: false"), "{y}");

    // Token from a file and from stdin, with Bearer and whitespace.
    let v: Value = serde_json::from_str(&env.ok(&[
        "decode-token",
        "--token-file",
        "tok",
        "--key",
        "sa.pub",
        "-o",
        "json",
    ]))
    .unwrap();
    assert_eq!(v["verified"], true);
    assert!(v.get("reason").is_none());
    let out = env
        .kcred()
        .args(["decode-token", "-", "--key", "sa.key"])
        .write_stdin(format!("Bearer {token}\n"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("verified"));

    // Unparsable: exit 3, no panic, the input not echoed; no token: exit 2.
    for bad in ["not-a-token", "a.b.c", "eyJhbGciOiJub25lIn0.e30"] {
        let err = env.fails(3, &["decode-token", bad]);
        assert!(err.contains("the token argument"), "{err}");
    }
    env.fails(2, &["decode-token"]);
    env.fails(2, &["decode-token", token, "--token-file", "tok"]);
    // A key file without usable keys.
    std::fs::write(env.path("junk.pem"), "hello").unwrap();
    let err = env.fails(3, &["decode-token", token, "--key", "junk.pem"]);
    assert!(err.contains("junk.pem"), "{err}");
}

/// Key files are read as kube-apiserver's `--service-account-key-file`: a certificate's key
/// counts, `RSA PUBLIC KEY` blocks (made here by openssl) are skipped, and a file with no
/// usable key is an error naming it.
#[test]
fn verification_key_files_read_like_the_api_server() {
    let env = Env::new();
    env.ca("ca", "rsa2048");
    let token = env.ok(&["token", "issue", "web", "--key", "ca.key"]);
    let token = token.trim();
    env.ok(&["decode-token", token, "--key", "ca.crt"]);
    run_peer(peer("openssl").current_dir(env.dir.path()).args([
        "rsa",
        "-in",
        "ca.key",
        "-RSAPublicKey_out",
        "-out",
        "pkcs1.pub",
    ]));
    let pkcs1 = std::fs::read_to_string(env.path("pkcs1.pub")).unwrap();
    assert!(pkcs1.contains("BEGIN RSA PUBLIC KEY"));
    let err = env.fails(3, &["decode-token", token, "--key", "pkcs1.pub"]);
    assert!(
        err.contains("pkcs1.pub")
            && err.contains("does not contain any valid RSA or ECDSA public keys"),
        "{err}"
    );
    let crt = std::fs::read_to_string(env.path("ca.crt")).unwrap();
    std::fs::write(env.path("mixed.pem"), format!("{pkcs1}{crt}")).unwrap();
    let v: Value =
        serde_json::from_str(&env.ok(&["decode-token", token, "--key", "mixed.pem", "-o", "json"]))
            .unwrap();
    assert_eq!(v["verified"], true);
    // And sa jwks publishes the certificate's key.
    let jwks: Value = serde_json::from_str(&env.ok(&["sa", "jwks", "--key", "mixed.pem"])).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], v["header"]["kid"]);
}
