//! Error messages: one style (`kcred: error: …`, clap's refusals too), OS errors in words,
//! hints that name the flag out of a mistake, and a library that names no flags. Where a
//! hint names another tool (openssl), the test runs what the hint says.

use crate::common::{Env, assert_says, assert_success, peer, python, run_peer};

/// Run kcred, expect `code`, return stderr after checking its style: every message starts
/// `kcred: error: `, and no OS error shows its `(os error N)` tail.
fn refused(env: &Env, code: i32, args: &[&str]) -> String {
    in_words(env.fails(code, args), args)
}

/// `err`, checked to be kcred's one error line in words (no raw "os error").
fn in_words(err: String, args: &[&str]) -> String {
    assert!(err.starts_with("kcred: error: "), "{args:?}: {err}");
    assert!(!err.contains("os error"), "{args:?}: {err}");
    err
}

/// [`refused`] for `kcred cert issue --ca <ca> --out <out> <extra>` (paths relative to the
/// scratch dir).
fn issue_refused(env: &Env, code: i32, ca: &str, out: &str, extra: &[&str]) -> String {
    in_words(env.issue_fails(code, ca, out, extra), extra)
}

#[test]
fn os_errors_are_words_on_one_line() {
    let env = Env::new();
    let missing = env.p("nothere.crt");
    let err = refused(&env, 3, &["cert", "inspect", &missing]);
    assert_eq!(err, format!("kcred: error: {missing}: no such file\n"));
    std::fs::create_dir(env.path("adir")).unwrap();
    let err = refused(&env, 3, &["cert", "inspect", &env.p("adir")]);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("adir: is a directory"), "{err}");
    refused(
        &env,
        3,
        &["token", "issue", "x", "--key", &env.p("nothere.key")],
    );
}

#[test]
fn clap_refusals_speak_in_the_same_style_and_exit_2() {
    let env = Env::new();
    let err = refused(&env, 2, &["cert", "issue", "--bogus"]);
    assert!(err.contains("unexpected argument '--bogus'"), "{err}");
    refused(&env, 2, &["bogus"]);
    // --help and --version still print to stdout and exit 0.
    assert!(env.ok(&["--version"]).starts_with("kcred "));
    assert!(env.ok(&["ca", "--help"]).contains("Usage: kcred ca"));
}

#[test]
fn a_san_list_is_refused_with_the_repeated_form() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let server = [
        "--cn",
        "api",
        "--usage",
        "server",
        "--key-type",
        "ecdsa-p256",
    ];
    let err = issue_refused(
        &env,
        2,
        "ca",
        "api",
        &[&server[..], &["--san", "api.example.com,10.0.0.1"]].concat(),
    );
    assert!(
        err.contains("repeat --san for each name: --san api.example.com --san 10.0.0.1"),
        "{err}"
    );
    // The form the hint gives works, and openssl sees both names.
    env.issue(
        "ca",
        "api",
        &[
            &server[..],
            &["--san", "api.example.com", "--san", "10.0.0.1"],
        ]
        .concat(),
    );
    let text = run_peer(
        peer("openssl")
            .args(["x509", "-noout", "-ext", "subjectAltName", "-in"])
            .arg(env.path("api.crt")),
    );
    assert_says(&text, &["DNS:api.example.com", "IP Address:10.0.0.1"]);
    let err = refused(
        &env,
        2,
        &[
            "csr",
            "create",
            "--out",
            &env.p("c"),
            "--cn",
            "c",
            "--san",
            "a.example,b.example",
        ],
    );
    assert!(err.contains("--san a.example --san b.example"), "{err}");
}

#[test]
fn a_der_key_is_read_or_refused_with_the_openssl_command_that_converts_it() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    run_peer(peer("openssl").current_dir(env.dir.path()).args([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-outform",
        "DER",
        "-out",
        "k.der",
    ]));
    let ca = env.p("ca");
    let issue = |key: &str, out: &str| {
        env.kcred()
            .args([
                "cert", "issue", "--ca", &ca, "--out", out, "--cn", "jane", "--key", key,
            ])
            .output()
            .unwrap()
    };
    let out = issue("k.der", "jane");
    if out.status.success() {
        return; // DER keys are read: nothing to hint.
    }
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("kcred: error: k.der: a DER (binary) key"),
        "{err}"
    );
    // Run the command the hint gives, then use its output.
    let cmd = err.split('`').nth(1).expect("a command in backquotes");
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(words[..2], ["openssl", "pkey"], "{cmd}");
    run_peer(
        peer("openssl")
            .current_dir(env.dir.path())
            .args(&words[1..]),
    );
    let out = issue("k.der.pem", "jane");
    assert_success(&out);
}

#[test]
fn a_symlinked_output_names_its_target() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    std::fs::create_dir(env.path("real")).unwrap();
    std::os::unix::fs::symlink("real/jane.crt", env.path("jane.crt")).unwrap();
    let err = issue_refused(&env, 3, "ca", "jane", &["--cn", "jane"]);
    let target = env.path("real/jane.crt");
    assert!(
        err.contains(&format!("it points to {}", target.display())),
        "{err}"
    );
    assert!(!target.exists(), "written through the link");
}

#[test]
fn fractional_durations_name_the_whole_units_to_use() {
    let env = Env::new();
    let err = refused(
        &env,
        2,
        &["ca", "create", "--out", &env.p("ca"), "--validity", "1.5y"],
    );
    assert!(
        err.contains("fractional units are not accepted, use 18mo or 13140h"),
        "{err}"
    );
    // Both forms the hint gives are accepted and mean the same span.
    env.ca_with("a", "ecdsa-p256", &["--validity", "18mo"]);
    env.ca_with("b", "ecdsa-p256", &["--validity", "13140h"]);
    let span = |f: &str| {
        python(
            "import sys\nfrom cryptography import x509\nc = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())\nprint(int((c.not_valid_after_utc - c.not_valid_before_utc).total_seconds()))",
            &[&env.p(f)],
        )
    };
    assert_eq!(span("a.crt"), span("b.crt"));
}

#[test]
fn an_existing_output_names_force() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let token = ["--token", "t"];
    env.kubeconfig("https://cp-1:6443", "ca", "k", &token);
    let err = in_words(
        env.kubeconfig_fails(3, "https://cp-1:6443", "ca", "k", &token),
        &token,
    );
    assert!(err.contains("already exists; pass --force"), "{err}");
}

#[test]
fn an_expired_ca_is_refused_but_not_as_a_usage_error() {
    let env = Env::new();
    // A CA that expired yesterday, made by Python cryptography.
    python(
        r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old-ca")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
    .public_key(key.public_key()).serial_number(1)
    .not_valid_before(now - datetime.timedelta(days=30)).not_valid_after(now - datetime.timedelta(days=1))
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
        encipher_only=False, decipher_only=False), critical=True)
    .sign(key, hashes.SHA256()))
open(sys.argv[1] + ".crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(sys.argv[1] + ".key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
"#,
        &[&env.p("old")],
    );
    let err = issue_refused(&env, 3, "old", "jane", &["--cn", "jane"]);
    assert!(err.contains("the CA expired at"), "{err}");
}

/// The library's messages name no kcred flag: string literals in the modules that build
/// error messages hold no `--flag` (kube-apiserver's own flags, in authn/, are Kubernetes
/// facts and not listed here).
#[test]
fn library_messages_name_no_flags() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in [
        "error.rs",
        "pki/signing_request.rs",
        "token/mint.rs",
        "plan/mod.rs",
        "plan/model.rs",
        "plan/expand.rs",
        "plan/network.rs",
        "bootstrap/mod.rs",
        "duration.rs",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            // Inside a string literal: an odd number of quotes before the `--`.
            for (i, _) in line.match_indices("--") {
                let rest = &line[i + 2..];
                let quotes = line[..i].matches('"').count();
                if quotes % 2 == 1 && rest.starts_with(|c: char| c.is_ascii_lowercase()) {
                    panic!("src/{file}:{}: a flag in a library message: {line}", n + 1);
                }
            }
        }
    }
}
