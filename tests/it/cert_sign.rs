//! `kcred cert sign` for a CertificateSigningRequest object issues the certificate
//! kube-controller-manager's signer issues: key usages from `spec.usages` alone and the
//! signer's lifetime, as Go's crypto/x509 reads them back (tests/go/certusage). `--out -`
//! prints the certificate, and `-` is refused where kcred would write a private key.

use std::fs;
use std::process::Command;

use base64::Engine as _;
use serde_json::Value;

use crate::common::{Env, assert_says, go_tool, peer, run_peer};

/// Go's `x509.KeyUsage` bits (golang/go `src/crypto/x509/x509.go`).
const DIGITAL_SIGNATURE: i64 = 1;
const KEY_ENCIPHERMENT: i64 = 4;
/// Go's `x509.ExtKeyUsage` values.
const SERVER_AUTH: i64 = 1;
const CLIENT_AUTH: i64 = 2;
/// id-ce-keyUsage.
const KEY_USAGE_OID: &str = "2.5.29.15";

/// What Go's crypto/x509 reads from `cert` (tests/go/certusage).
fn go_certusage(env: &Env, cert: &str) -> Value {
    let out = run_peer(Command::new(go_tool("certusage")).arg(env.path(cert)));
    serde_json::from_str(&out).expect("certusage JSON")
}

fn openssl(env: &Env, args: &[&str]) -> String {
    run_peer(peer("openssl").current_dir(env.dir.path()).args(args))
}

/// One key of each type for the requests (`openssl genpkey`): rsa.key, p256.key, ed25519.key.
fn keys(env: &Env) {
    for (name, args) in [
        (
            "rsa",
            &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"][..],
        ),
        (
            "p256",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..],
        ),
        ("ed25519", &["-algorithm", "ED25519"][..]),
    ] {
        let out = format!("{name}.key");
        let mut a = vec!["genpkey", "-out", &out];
        a.extend_from_slice(args);
        openssl(env, &a);
    }
}

/// `openssl req` for `key` and `subj` (and a DNS SAN when `san`), wrapped in a
/// CertificateSigningRequest for `signer` with `usages` (and `expirationSeconds`): NAME.yaml.
fn object(
    env: &Env,
    name: &str,
    (key, subj, san): (&str, &str, bool),
    signer: &str,
    usages: &str,
    expiration: Option<i64>,
) -> String {
    let csr = format!("{name}.csr");
    let key = format!("{key}.key");
    let mut args = vec!["req", "-new", "-key", &key, "-subj", subj, "-out", &csr];
    if san {
        args.extend_from_slice(&["-addext", "subjectAltName=DNS:w1.example"]);
    }
    openssl(env, &args);
    let request =
        base64::engine::general_purpose::STANDARD.encode(fs::read(env.path(&csr)).unwrap());
    let expiration = expiration
        .map(|s| format!("  expirationSeconds: {s}\n"))
        .unwrap_or_default();
    let yaml = format!("{name}.yaml");
    fs::write(
        env.path(&yaml),
        format!(
            "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: {name}\nspec:\n  request: {request}\n  signerName: {signer}\n{expiration}  usages: {usages}\n"
        ),
    )
    .unwrap();
    yaml
}

const JANE: (&str, &str) = ("/O=dev/CN=jane", "kubernetes.io/kube-apiserver-client");
const NODE: &str = "/O=system:nodes/CN=system:node:w1";
const ETCD: &str = "/CN=etcd-0";
const KUBELET_CLIENT: &str = "kubernetes.io/kube-apiserver-client-kubelet";
const KUBELET_SERVING: &str = "kubernetes.io/kubelet-serving";
/// A signer outside kubernetes.io, which kcred signs for as the built-in signers do.
const CUSTOM: &str = "example.com/etcd";

/// A request (key, subject, SAN), its signer and usages, and what Go reads from the
/// certificate issued for it: KeyUsage bits and ExtKeyUsage values.
type UsageCase<'a> = ((&'a str, &'a str, bool), &'a str, &'a str, i64, &'a [i64]);

/// The signer's KeyUsage and ExtKeyUsage come from `spec.usages` alone, whatever the key
/// (kubernetes `pkg/controller/certificates/authority/policies.go`: `keyUsagesFromStrings`
/// maps `digital signature` → KeyUsageDigitalSignature, `key encipherment` →
/// KeyUsageKeyEncipherment, `client auth` / `server auth` → ExtKeyUsageClientAuth /
/// ServerAuth, the extended ones sorted by Go's numbering; `apply` sets BasicConstraints
/// CA:false), and Go's x509.CreateCertificate writes no KeyUsage extension for a zero one.
/// Each case failed before: kcred set digitalSignature always and keyEncipherment for RSA
/// keys. A bare PKCS#10 request keeps kcred's own profile.
#[test]
fn objects_get_the_signers_key_usages_as_go_reads_them() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    keys(&env);
    let ds_ke = DIGITAL_SIGNATURE | KEY_ENCIPHERMENT;
    let cases: [UsageCase; 8] = [
        (
            ("p256", JANE.0, false),
            JANE.1,
            "[key encipherment, client auth]",
            KEY_ENCIPHERMENT,
            &[CLIENT_AUTH],
        ),
        (
            ("rsa", JANE.0, false),
            JANE.1,
            "[digital signature, client auth]",
            DIGITAL_SIGNATURE,
            &[CLIENT_AUTH],
        ),
        (
            ("rsa", JANE.0, false),
            JANE.1,
            "[client auth]",
            0,
            &[CLIENT_AUTH],
        ),
        (
            ("p256", NODE, false),
            KUBELET_CLIENT,
            "[digital signature, key encipherment, client auth]",
            ds_ke,
            &[CLIENT_AUTH],
        ),
        (
            ("rsa", NODE, true),
            KUBELET_SERVING,
            "[digital signature, server auth]",
            DIGITAL_SIGNATURE,
            &[SERVER_AUTH],
        ),
        (
            ("p256", NODE, true),
            KUBELET_SERVING,
            "[key encipherment, digital signature, server auth]",
            ds_ke,
            &[SERVER_AUTH],
        ),
        (
            ("ed25519", ETCD, true),
            CUSTOM,
            "[client auth, server auth]",
            0,
            &[SERVER_AUTH, CLIENT_AUTH],
        ),
        (
            ("rsa", ETCD, true),
            CUSTOM,
            "[server auth, key encipherment]",
            KEY_ENCIPHERMENT,
            &[SERVER_AUTH],
        ),
    ];
    for (i, (request, signer, usages, ku, eku)) in cases.into_iter().enumerate() {
        let name = format!("c{i}");
        let yaml = object(&env, &name, request, signer, usages, None);
        let crt = format!("{name}.crt");
        env.sign("ca", &yaml, &crt, &[]);
        let go = go_certusage(&env, &crt);
        let what = format!("{} {signer} {usages}: {go}", request.0);
        assert_eq!(go["key_usage"], ku, "{what}");
        assert_eq!(go["ext_key_usage"], serde_json::json!(eku), "{what}");
        assert_eq!(go["basic_constraints_valid"], true, "{what}");
        assert_eq!(go["is_ca"], false, "{what}");
        let key_usage_ext: Vec<&Value> = go["extensions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["id"] == KEY_USAGE_OID)
            .collect();
        match ku {
            0 => assert!(key_usage_ext.is_empty(), "{what}"),
            _ => assert_eq!(
                key_usage_ext,
                [&serde_json::json!({"id": KEY_USAGE_OID, "critical": true})],
                "{what}"
            ),
        }
    }
    // A bare request has no signer: kcred's leaf profile (digitalSignature, keyEncipherment
    // for an RSA key, the EKU of --usage), as before.
    env.sign("ca", "c1.csr", "bare.crt", &[]);
    let go = go_certusage(&env, "bare.crt");
    assert_eq!(go["key_usage"], ds_ke, "{go}");
    assert_eq!(
        go["ext_key_usage"],
        serde_json::json!([CLIENT_AUTH]),
        "{go}"
    );
}

/// The signer's lifetime (policies.go `PermissiveSigningPolicy.apply`, with signer.go's
/// `Backdate: 5m, Short: 8h`): NotBefore = now − 5m; NotAfter = now + TTL − 5m for a TTL of
/// 8h or more, now + TTL under it. So Go reads NotAfter − NotBefore = TTL (a day, from
/// --validity) and TTL + 5m (an hour, from expirationSeconds). kcred gave TTL + 5m to both.
#[test]
fn objects_get_the_signers_lifetime() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    keys(&env);
    for (name, expiration, span) in [("day", None, 86_400), ("hour", Some(3600), 3600 + 300)] {
        let yaml = object(
            &env,
            name,
            ("p256", JANE.0, false),
            JANE.1,
            "[client auth]",
            expiration,
        );
        let crt = format!("{name}.crt");
        env.sign("ca", &yaml, &crt, &["--validity", "24h"]);
        let go = go_certusage(&env, &crt);
        let got = go["not_after"].as_i64().unwrap() - go["not_before"].as_i64().unwrap();
        assert_eq!(got, span, "{name}: {go}");
    }
}

/// `--out -` writes the certificate PEM to stdout (openssl reads it), the report goes to
/// stderr, and no file named `-` appears.
#[test]
fn sign_out_dash_prints_the_certificate() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.csr(
        "j",
        &["--cn", "jane", "--group", "dev", "--k8s-name", "jane"],
    );
    for input in ["j.csr", "j.yaml"] {
        let out = env
            .kcred()
            .args([
                "cert",
                "sign",
                "--ca",
                &env.p("ca"),
                "--csr",
                input,
                "--out",
                "-",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{input}: {stderr}");
        assert_says(
            &stderr,
            &["signed client certificate for \"jane\"", "stdout"],
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.starts_with("-----BEGIN CERTIFICATE-----\n"),
            "{stdout}"
        );
        fs::write(env.path("printed.crt"), &stdout).unwrap();
        let subject = openssl(
            &env,
            &[
                "x509",
                "-in",
                "printed.crt",
                "-noout",
                "-subject",
                "-nameopt",
                "RFC2253",
            ],
        );
        assert_eq!(subject.trim(), "subject=CN=jane,O=dev", "{input}");
        assert!(
            !env.path("-").exists(),
            "{input}: a file named - was written"
        );
    }
}

/// Where a private key would be written (a PREFIX) or several files (a DIR), `-` is refused
/// as a usage error (exit 2) before anything is done, and no file or directory named `-`
/// (or `-.crt`, `-.key`, ...) appears.
#[test]
fn dash_is_refused_where_it_cannot_mean_stdout() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.csr("j", &["--cn", "jane"]);
    let ca = env.p("ca");
    let prefix_cases: [&[&str]; 6] = [
        &["ca", "create", "--out", "-"],
        &["cert", "issue", "--ca", &ca, "--cn", "jane", "--out", "-"],
        &[
            "cert", "issue", "--ca", &ca, "--cn", "jane", "--key", "j.key", "--out", "-",
        ],
        &["csr", "create", "--cn", "jane", "--out", "-"],
        &[
            "csr", "create", "--cn", "jane", "--key", "j.key", "--out", "-",
        ],
        &["sa", "keygen", "--out", "-"],
    ];
    for args in prefix_cases {
        let err = env.fails(2, args);
        assert_says(&err, &["'-'", "never prints a private key"]);
    }
    let dir_cases: [&[&str]; 4] = [
        &["bootstrap", "--dir", "-"],
        &["sa", "jwks", "--key", "j.key", "--out-dir", "-"],
        &["serve", "--dir", ".", "--webhook-config-out", "-"],
        &["man", "--out", "-"],
    ];
    for args in dir_cases {
        let err = env.fails(2, args);
        assert_says(&err, &["'-'", "is not a directory"]);
    }
    let names: Vec<String> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('-'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

/// A PREFIX that is a directory (`sub/`, `.`) names no file: kcred would write the hidden
/// `sub/.crt` and `sub/.key`. Refused, and nothing is written.
#[test]
fn a_directory_is_refused_as_a_prefix() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    fs::create_dir(env.path("sub")).unwrap();
    let ca = env.p("ca");
    for out in ["sub/", "sub//", ".", "sub/.."] {
        for args in [
            vec!["ca", "create", "--out", out],
            vec!["cert", "issue", "--ca", &ca, "--cn", "jane", "--out", out],
            vec!["csr", "create", "--cn", "jane", "--out", out],
            vec!["sa", "keygen", "--out", out],
        ] {
            let err = env.fails(2, &args);
            assert_says(&err, &["is a directory, not a PREFIX"]);
        }
    }
    assert_eq!(fs::read_dir(env.path("sub")).unwrap().count(), 0);
    let hidden = fs::read_dir(env.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".c")
        })
        .count();
    assert_eq!(hidden, 0);
}
