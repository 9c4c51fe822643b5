//! kcred's certificates and keys checked by real peers: openssl, Go's crypto/x509 (the
//! verifier kube-apiserver uses, via tests/go/x509check) and Python `cryptography`; and
//! keys made by those peers used by kcred.

use std::fs;

use serde_json::json;

use crate::common::{
    Env, assert_go_identity, assert_says, go_x509check, identity_cases, peer, python, run_peer,
};

const KEY_TYPES: [&str; 7] = [
    "rsa2048",
    "rsa3072",
    "ecdsa-p256",
    "ecdsa-p384",
    "ecdsa-p521",
    "ed25519",
    "rsa4096",
];

fn openssl_verify(env: &Env, ca: &str, cert: &str, purpose: &str) -> (bool, String) {
    let out = peer("openssl")
        .current_dir(env.dir.path())
        .args(["verify", "-CAfile", ca, "-purpose", purpose, cert])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn openssl_pubkey_of_cert(env: &Env, cert: &str) -> String {
    run_peer(
        peer("openssl")
            .current_dir(env.dir.path())
            .args(["x509", "-in", cert, "-noout", "-pubkey"]),
    )
}

fn openssl_pubkey_of_key(env: &Env, key: &str) -> String {
    run_peer(
        peer("openssl")
            .current_dir(env.dir.path())
            .args(["pkey", "-in", key, "-pubout"]),
    )
}

/// Admin, node and multi-group identities (a group with a comma, one with non-ASCII
/// letters) come out of Go's crypto/x509 exactly as asked, for every CA and leaf key type.
#[test]
fn go_crypto_x509_authenticates_every_identity_for_every_key_type() {
    let env = Env::new();
    for ca_type in ["rsa2048", "ecdsa-p256", "ecdsa-p384", "ed25519"] {
        let ca = format!("ca-{ca_type}");
        env.ca(&ca, ca_type);
        for leaf_type in ["rsa2048", "ecdsa-p256", "ed25519"] {
            let cases = identity_cases(&["system:authenticated-extra"]);
            for (name, flags, want) in cases {
                let out = format!("{ca}-{leaf_type}-{name}");
                let mut args = vec![
                    "cert",
                    "issue",
                    "--ca",
                    &ca,
                    "--out",
                    &out,
                    "--key-type",
                    leaf_type,
                ];
                args.extend(flags);
                env.ok(&args);
                let crt = env.path(&format!("{out}.crt"));
                let got = assert_go_identity(&env.path(&format!("{ca}.crt")), &crt, &want, &out);
                // kcred's own reading names the same credential-id as Go.
                let mine: serde_json::Value = serde_json::from_str(&env.ok(&[
                    "cert",
                    "inspect",
                    &out.clone().replace(&out, &format!("{out}.crt")),
                    "-o",
                    "json",
                ]))
                .unwrap();
                // `cert inspect -o json` is always a list, one entry per certificate.
                assert_eq!(mine[0]["kubernetes"]["extra"], got["extra"], "{out}");
                let (ok, text) = openssl_verify(
                    &env,
                    &format!("{ca}.crt"),
                    &format!("{out}.crt"),
                    "sslclient",
                );
                assert!(ok, "openssl verify {out}: {text}");
            }
        }
    }
}

#[test]
fn server_and_peer_certificates_verify_for_their_purpose_only() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue(
        "ca",
        "srv",
        &[
            "--cn",
            "kube-apiserver",
            "--usage",
            "server",
            "--san",
            "kubernetes.default.svc",
            "--san",
            "10.96.0.1",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    env.issue(
        "ca",
        "peer",
        &[
            "--node",
            "etcd-0",
            "--usage",
            "peer",
            "--san",
            "127.0.0.1",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    assert!(openssl_verify(&env, "ca.crt", "srv.crt", "sslserver").0);
    assert!(
        !openssl_verify(&env, "ca.crt", "srv.crt", "sslclient").0,
        "a server cert must not pass as a client"
    );
    assert!(openssl_verify(&env, "ca.crt", "peer.crt", "sslserver").0);
    assert!(openssl_verify(&env, "ca.crt", "peer.crt", "sslclient").0);
    let text = run_peer(peer("openssl").current_dir(env.dir.path()).args([
        "x509",
        "-in",
        "srv.crt",
        "-noout",
        "-ext",
        "subjectAltName",
    ]));
    assert_says(
        &text,
        &["DNS:kubernetes.default.svc", "IP Address:10.96.0.1"],
    );
    // Go refuses the server-only certificate for client auth, as kube-apiserver would.
    let got = go_x509check(&env.path("ca.crt"), &env.path("srv.crt"));
    assert_eq!(got["authenticated"], false);
    assert!(
        got["error"].as_str().unwrap().contains("key usage"),
        "{got}"
    );
}

#[test]
fn openssl_reads_every_key_kcred_writes() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    for kt in KEY_TYPES {
        let mut formats = vec!["pkcs8"];
        formats.push(match kt {
            t if t.starts_with("rsa") => "pkcs1",
            t if t.starts_with("ecdsa") => "sec1",
            _ => "pkcs8",
        });
        formats.dedup();
        for f in formats {
            let out = format!("{kt}-{f}");
            env.ok(&[
                "cert",
                "issue",
                "--ca",
                "ca",
                "--out",
                &out,
                "--cn",
                &out,
                "--key-type",
                kt,
                "--key-format",
                f,
            ]);
            let key = format!("{out}.key");
            let label = fs::read_to_string(env.path(&key))
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .to_string();
            let want_label = match f {
                "pkcs1" => "-----BEGIN RSA PRIVATE KEY-----",
                "sec1" => "-----BEGIN EC PRIVATE KEY-----",
                _ => "-----BEGIN PRIVATE KEY-----",
            };
            assert_eq!(label, want_label, "{out}");
            assert_eq!(
                openssl_pubkey_of_key(&env, &key),
                openssl_pubkey_of_cert(&env, &format!("{out}.crt")),
                "{out}"
            );
        }
    }
}

#[test]
fn kcred_certifies_keys_made_by_openssl_and_python() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let o = |args: &[&str]| run_peer(peer("openssl").current_dir(env.dir.path()).args(args));
    o(&["genrsa", "-traditional", "-out", "ossl-pkcs1.key", "2048"]);
    o(&[
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:3072",
        "-out",
        "ossl-rsa-pkcs8.key",
    ]);
    o(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "ossl-sec1.key",
    ]);
    o(&[
        "ecparam",
        "-name",
        "secp384r1",
        "-genkey",
        "-noout",
        "-out",
        "ossl-sec1-384.key",
    ]);
    o(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        "ossl-ec-pkcs8.key",
    ]);
    o(&[
        "genpkey",
        "-algorithm",
        "ED25519",
        "-out",
        "ossl-ed25519.key",
    ]);
    python(
        r#"
import sys, os
from cryptography.hazmat.primitives.asymmetric import rsa, ec, ed25519
from cryptography.hazmat.primitives import serialization as s
d = sys.argv[1]
def w(name, key, fmt):
    open(os.path.join(d, name), "wb").write(key.private_bytes(s.Encoding.PEM, fmt, s.NoEncryption()))
w("py-rsa-pkcs1.key", rsa.generate_private_key(65537, 2048), s.PrivateFormat.TraditionalOpenSSL)
w("py-rsa-pkcs8.key", rsa.generate_private_key(65537, 4096), s.PrivateFormat.PKCS8)
w("py-ec-sec1.key", ec.generate_private_key(ec.SECP384R1()), s.PrivateFormat.TraditionalOpenSSL)
w("py-ec-sec1-521.key", ec.generate_private_key(ec.SECP521R1()), s.PrivateFormat.TraditionalOpenSSL)
w("py-ec-pkcs8.key", ec.generate_private_key(ec.SECP256R1()), s.PrivateFormat.PKCS8)
w("py-ed25519.key", ed25519.Ed25519PrivateKey.generate(), s.PrivateFormat.PKCS8)
"#,
        &[&env.p("")],
    );
    for key in [
        "ossl-pkcs1",
        "ossl-rsa-pkcs8",
        "ossl-sec1",
        "ossl-sec1-384",
        "ossl-ec-pkcs8",
        "ossl-ed25519",
        "py-rsa-pkcs1",
        "py-rsa-pkcs8",
        "py-ec-sec1",
        "py-ec-sec1-521",
        "py-ec-pkcs8",
        "py-ed25519",
    ] {
        let keyfile = format!("{key}.key");
        let out = format!("{key}-cert");
        env.ok(&[
            "cert", "issue", "--ca", "ca", "--out", &out, "--cn", key, "--key", &keyfile,
        ]);
        assert_eq!(
            openssl_pubkey_of_key(&env, &keyfile),
            openssl_pubkey_of_cert(&env, &format!("{out}.crt")),
            "{key}"
        );
        let got = go_x509check(&env.path("ca.crt"), &env.path(&format!("{out}.crt")));
        assert_eq!(got["user"], key);
    }
}

#[test]
fn kcred_signs_with_a_ca_made_by_openssl() {
    let env = Env::new();
    run_peer(peer("openssl").current_dir(env.dir.path()).args([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ossl-ca.key",
        "-out",
        "ossl-ca.crt",
        "-subj",
        "/CN=openssl-ca",
        "-days",
        "30",
    ]));
    env.ok(&[
        "cert",
        "issue",
        "--ca-cert",
        "ossl-ca.crt",
        "--ca-key",
        "ossl-ca.key",
        "--out",
        "u",
        "--cn",
        "u",
        "--group",
        "g1",
        "--group",
        "g2",
    ]);
    let got = go_x509check(&env.path("ossl-ca.crt"), &env.path("u.crt"));
    assert_eq!(got["groups"], json!(["g1", "g2"]));
    // openssl's own CA lives 30 days: the one-year leaf is clamped to it.
    let ca: serde_json::Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "ossl-ca.crt", "-o", "json"])).unwrap();
    let leaf: serde_json::Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "u.crt", "-o", "json"])).unwrap();
    // `cert inspect -o json` is always a list, one entry per certificate.
    assert_eq!(ca[0]["notAfter"], leaf[0]["notAfter"]);
}

#[test]
fn python_cryptography_reads_the_certificate_fields() {
    let env = Env::new();
    env.ca("ca", "rsa2048");
    env.issue(
        "ca",
        "n",
        &[
            "--node",
            "w1",
            "--usage",
            "peer",
            "--san",
            "10.0.0.7",
            "--group",
            "extra, group",
        ],
    );
    let out = python(
        r#"
import sys, json
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtensionOID
ca = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
c = x509.load_pem_x509_certificate(open(sys.argv[2], "rb").read())
c.verify_directly_issued_by(ca)
ski = ca.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest
aki = c.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value.key_identifier
bc = c.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS)
san = c.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
print(json.dumps({
  "cn": [a.value for a in c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)],
  "o": [a.value for a in c.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)],
  "aki_matches": aki == ski,
  "ca": bc.value.ca, "bc_critical": bc.critical,
  "serial_bits": c.serial_number.bit_length(),
  "san": [str(v.value) for v in san],
}))
"#,
        &[&env.p("ca.crt"), &env.p("n.crt")],
    );
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["cn"], json!(["system:node:w1"]));
    assert_eq!(j["o"], json!(["system:nodes", "extra, group"]));
    assert_eq!(j["aki_matches"], true);
    assert_eq!(j["ca"], false);
    assert_eq!(j["bc_critical"], true);
    let bits = j["serial_bits"].as_u64().unwrap();
    assert!(
        (145..=159).contains(&bits),
        "serial of {bits} bits: random, positive, <= 20 octets"
    );
    assert_eq!(j["san"], json!(["w1", "10.0.0.7"]));
}
