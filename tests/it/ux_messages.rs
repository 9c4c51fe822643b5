//! Error messages: one style (`kcred: error: …`, clap's refusals too), OS errors in words,
//! hints that name the flag out of a mistake, and a library that names no flags. Where a
//! hint names another tool (openssl), the test runs what the hint says.

use crate::common::{Env, INTERNALS, assert_says, assert_success, peer, python, run_peer};

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

// ---------------------------------------------------------------- words, never internals
// The black-box sweep's reproducers: each message is kcred's one line, names the file or flag
// at fault, says the problem in words, and shows none of the parsers' or libraries' own
// names for it.

/// `err` is one `kcred: error:` line that holds every one of `says` and no library internals.
fn in_words_saying(err: &str, says: &[&str]) {
    assert!(err.starts_with("kcred: error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert_says(err, says);
    for word in INTERNALS {
        assert!(!err.contains(word), "shows {word:?}: {err}");
    }
}

/// The kcred binary, for runs under a shell's limits.
fn kcred_bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("kcred")
}

#[test]
fn a_broken_der_certificate_is_described_not_dumped() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let openssl = |args: &[&str]| env.openssl(args);
    openssl(&["x509", "-in", "ca.crt", "-outform", "DER", "-out", "ca.der"]);
    let der = std::fs::read(env.path("ca.der")).unwrap();
    std::fs::write(env.path("trunc.der"), &der[..100]).unwrap();
    // A private key in DER (SEC1), where a certificate belongs.
    openssl(&["ec", "-in", "ca.key", "-outform", "DER", "-out", "key.der"]);
    let truncated = ["trunc.der", "truncated certificate"];
    let a_key = ["key.der", "not a certificate", "private key"];
    for says in [&truncated[..], &a_key[..]] {
        let f = says[0];
        in_words_saying(&env.fails(3, &["cert", "inspect", f]), says);
        // The CA flags, and the CSR signing path, read it through the same parser.
        in_words_saying(
            &env.fails(
                3,
                &[
                    "cert",
                    "issue",
                    "--ca-cert",
                    f,
                    "--ca-key",
                    "ca.key",
                    "--cn",
                    "x",
                    "--out",
                    "o",
                ],
            ),
            says,
        );
    }
    // A certificate where a CSR belongs.
    let err = env.fails(
        3,
        &[
            "cert", "sign", "--ca", "ca", "--csr", "ca.der", "--out", "o.crt",
        ],
    );
    in_words_saying(
        &err,
        &["ca.der", "not a certificate request", "a certificate"],
    );
}

#[test]
fn key_refusals_say_why_in_words() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let openssl = |args: &[&str]| env.openssl(args);
    env.openssl_rsa(1024, "rsa1024.key");
    env.openssl_rsa(2048, "rsa.key");
    // OpenSSL's traditional encryption: the usual label, a `Proc-Type: 4,ENCRYPTED` header.
    let pass = ["-passout", "pass:pw"];
    openssl(
        &[
            &["ec", "-in", "ca.key", "-aes256", "-out", "enc_ec.key"][..],
            &pass,
        ]
        .concat(),
    );
    openssl(
        &[
            &[
                "rsa",
                "-in",
                "rsa.key",
                "-aes256",
                "-traditional",
                "-out",
                "enc_rsa.key",
            ][..],
            &pass,
        ]
        .concat(),
    );
    assert!(
        std::fs::read_to_string(env.path("enc_ec.key"))
            .unwrap()
            .contains("Proc-Type: 4,ENCRYPTED")
    );
    // An EC key whose body is not a key.
    std::fs::write(
        env.path("garbage_ec.key"),
        "-----BEGIN EC PRIVATE KEY-----\nVPpMu0kMIR+0A4buuIGUTsDhwA1J4+iN74l/5DrtDrpm\n-----END EC PRIVATE KEY-----\n",
    )
    .unwrap();
    let issue = |key: &str| {
        env.fails(
            3,
            &[
                "cert", "issue", "--ca", "ca", "--key", key, "--cn", "x", "--out", "o",
            ],
        )
    };
    in_words_saying(
        &issue("rsa1024.key"),
        &[
            "rsa1024.key",
            "RSA-1024",
            "RSA keys under 2048 bits are not accepted for signing by kcred",
        ],
    );
    in_words_saying(
        &issue("garbage_ec.key"),
        &["garbage_ec.key", "invalid SEC1 EC key"],
    );
    for key in ["enc_ec.key", "enc_rsa.key"] {
        let err = issue(key);
        in_words_saying(&err, &[key, "encrypted"]);
        // The command the message gives decrypts it (given the passphrase), and kcred reads
        // the result.
        let cmd = err.split('`').nth(1).expect("a command in backquotes");
        let words: Vec<&str> = cmd.split_whitespace().collect();
        assert_eq!(words[..2], ["openssl", "pkey"], "{cmd}");
        openssl(&[&words[1..], &["-passin", "pass:pw"][..]].concat());
        let plain = words.last().unwrap();
        env.issue("ca", &format!("from-{key}"), &["--cn", "x", "--key", plain]);
    }
    // The same reader behind the CA key.
    let err = env.fails(
        3,
        &[
            "cert",
            "issue",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "enc_ec.key",
            "--cn",
            "x",
            "--out",
            "o",
        ],
    );
    in_words_saying(&err, &["enc_ec.key", "encrypted"]);
}

#[test]
fn serve_names_a_key_that_does_not_fit_in_words() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue(
        "ca",
        "web",
        &[
            "--cn",
            "web",
            "--usage",
            "server",
            "--san",
            "web",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    env.issue(
        "ca",
        "other",
        &["--cn", "other", "--key-type", "ecdsa-p256"],
    );
    env.openssl(&[
        "ec", "-in", "web.key", "-aes256", "-passout", "pass:pw", "-out", "enc.key",
    ]);
    let serve = |key: &str| {
        env.fails(
            3,
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--tls-cert-file",
                "web.crt",
                "--tls-private-key-file",
                key,
            ],
        )
    };
    // Go's crypto/tls words for the same refusal (tls.X509KeyPair).
    in_words_saying(
        &serve("other.key"),
        &[
            "other.key",
            "web.crt",
            "tls: private key does not match public key",
        ],
    );
    in_words_saying(&serve("enc.key"), &["enc.key", "encrypted", "openssl pkey"]);
}

#[test]
fn json_errors_read_as_sentences_naming_the_file() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ok(&["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"]);
    let token = env.ok(&["token", "issue", "x", "--key", "sa.key"]);
    let token = token.trim();
    std::fs::write(env.path("empty.json"), "").unwrap();
    std::fs::write(env.path("nokeys.json"), "{\"kty\": \"EC\"}\n").unwrap();
    let jwks = |f: &str| env.fails(3, &["decode-token", token, "--jwks", f]);
    in_words_saying(
        &jwks("empty.json"),
        &["empty.json", "not a JWKS document: the file is empty"],
    );
    in_words_saying(
        &jwks("nokeys.json"),
        &["nokeys.json", "missing field \"keys\""],
    );
    // A CertificateSigningRequest object as JSON: signed as it is, refused with text after it.
    env.csr("c", &["--cn", "c"]);
    use base64::Engine as _;
    let request =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(env.path("c.csr")).unwrap());
    let object = serde_json::json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": "c"},
        "spec": {
            "request": request,
            "signerName": "kubernetes.io/kube-apiserver-client",
            "usages": ["client auth"],
        },
    });
    std::fs::write(env.path("c.json"), object.to_string()).unwrap();
    env.sign("ca", "c.json", "o.crt", &[]);
    std::fs::write(env.path("c2.json"), format!("{object} trailing")).unwrap();
    let err = env.fails(
        3,
        &[
            "cert", "sign", "--ca", "ca", "--csr", "c2.json", "--out", "o2.crt",
        ],
    );
    in_words_saying(
        &err,
        &["c2.json", "text after the end of the JSON document"],
    );
}

#[test]
fn a_failed_write_names_the_destination_and_claims_nothing() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    // A file-size limit of one 512-byte block: the write fails with EFBIG (SIGXFSZ ignored).
    let limited = |args: &[&str]| {
        let out = std::process::Command::new("sh")
            .current_dir(env.dir.path())
            .arg("-c")
            .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"")
            .arg(kcred_bin())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let kc = [
        "kubeconfig",
        "--server",
        "https://a:6443",
        "--ca",
        "ca",
        "--cn",
        "z",
        "--key-type",
        "ecdsa-p256",
        "--out",
        "z.kc",
    ];
    let err = limited(&kc);
    // No "issued client certificate" line: nothing was issued to anyone.
    in_words_saying(&err, &["z.kc", "file too large"]);
    // The same command within limits says what it issued, once the file is there.
    let out = env.kcred().args(kc).output().unwrap();
    assert_success(&out);
    let said = String::from_utf8_lossy(&out.stderr);
    assert_says(
        &said,
        &[
            "issued client certificate for \"z\"",
            "wrote kubeconfig z.kc",
        ],
    );
    let merge = [
        "kubeconfig",
        "--server",
        "https://b:6443",
        "--certificate-authority",
        "ca.crt",
        "--token",
        "t",
        "--cluster",
        "c2",
        "--merge",
        "--out",
        "z.kc",
    ];
    in_words_saying(&limited(&merge), &["z.kc", "file too large"]);
}

#[test]
fn names_from_the_command_line_are_escaped_once_and_groups_stay_apart() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let out = env
        .kcred()
        .args([
            "cert",
            "issue",
            "--ca",
            "ca",
            "--out",
            "x",
            "--key-type",
            "ecdsa-p256",
        ])
        .args([
            "--cn",
            "a\nb",
            "--group",
            "a\x1b[31mred",
            "--group",
            "dev ops",
            "--group",
            "qa",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !said.contains('\x1b'),
        "an escape sequence reached the terminal: {said:?}"
    );
    assert_says(&said, &[r#"for "a\u{a}b" ["a\u{1b}[31mred" "dev ops" qa]"#]);
    // Python's cryptography reads the groups the certificate holds: three, as listed.
    let orgs = python(
        "import sys\nfrom cryptography import x509\nfrom cryptography.x509.oid import NameOID\nc = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())\nprint(len(c.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)))",
        &[&env.p("x.crt")],
    );
    assert_eq!(orgs.trim(), "3");
    let out = env
        .kcred()
        .args([
            "ca",
            "create",
            "--out",
            "ca2",
            "--key-type",
            "ecdsa-p256",
            "--cn",
            "x\ny",
        ])
        .output()
        .unwrap();
    assert_success(&out);
    assert_says(
        &String::from_utf8_lossy(&out.stderr),
        &[r#"created CA "x\u{a}y""#],
    );
    // An enum's own spelling, not Rust's name for it.
    let err = env.fails(
        2,
        &[
            "cert",
            "issue",
            "--ca",
            "ca",
            "--out",
            "r",
            "--cn",
            "r",
            "--key-type",
            "rsa2048",
            "--key-format",
            "sec1",
        ],
    );
    assert_says(&err, &["--key-format sec1 cannot hold rsa2048 keys"]);
}

#[test]
fn inspecting_a_broken_kubeconfig_names_it_and_what_is_wrong() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let body = |ca: &str, user: &str| {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: https://a:6443\n    {ca}\nusers:\n- name: bob\n  user:\n    {user}\ncontexts:\n- name: c\n  context: {{cluster: k, user: bob}}\ncurrent-context: c\n"
        )
    };
    // Data that is not base64: kubectl refuses the file too (`kubectl config view`).
    std::fs::write(
        env.path("badb64.yaml"),
        body("certificate-authority-data: \"!!!!\"", "token: t"),
    )
    .unwrap();
    let err = env.fails(3, &["cert", "inspect", "badb64.yaml"]);
    in_words_saying(&err, &["badb64.yaml", "not valid base64"]);
    assert!(!err.contains("neither PEM nor DER"), "{err}");
    let out = peer("kubectl")
        .args(["config", "view", "--kubeconfig"])
        .arg(env.path("badb64.yaml"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "kubectl read it");
    std::fs::write(
        env.path("missing.yaml"),
        body(
            "certificate-authority: ca.crt",
            "client-certificate: /nonexistent/x.crt\n    client-key: /nonexistent/x.key",
        ),
    )
    .unwrap();
    let err = env.fails(3, &["cert", "inspect", "missing.yaml"]);
    in_words_saying(
        &err,
        &[
            "missing.yaml",
            "user \"bob\" client-certificate",
            "/nonexistent/x.crt: no such file",
        ],
    );
}

#[test]
fn bootstrap_names_the_flag_or_plan_a_bad_name_came_from() {
    let env = Env::new();
    let boot = |extra: &[&str]| {
        let mut args = vec![
            "bootstrap",
            "--dir",
            "d",
            "--key-type",
            "ecdsa-p256",
            "--dry-run",
            "-q",
        ];
        args.extend_from_slice(extra);
        env.fails(2, &args)
    };
    in_words_saying(
        &boot(&["--apiserver-cert-extra-sans", "bad name"]),
        &[
            "--apiserver-cert-extra-sans",
            "\"bad name\" is neither an IP address nor a valid DNS name",
        ],
    );
    in_words_saying(
        &boot(&["--control-plane-endpoint", "a:b:c"]),
        &["--control-plane-endpoint", "\"a:b:c\""],
    );
    in_words_saying(
        &boot(&["--service-dns-domain", "a..b"]),
        &["--service-dns-domain", "\"a..b\""],
    );
    // /99 is no prefix length for an IPv4 address (Go's net.ParseCIDR: "invalid CIDR
    // address"); not a network that is too small.
    let err = boot(&["--service-cidr", "10.96.0.0/99"]);
    in_words_saying(
        &err,
        &["--service-cidr", "10.96.0.0/99", "invalid prefix length"],
    );
    assert!(!err.contains("too small"), "{err}");
    // A SAN the plan file itself holds names the plan file.
    let plan = env.ok(&["bootstrap", "--print-plan", "kubeadm"]);
    let plan = plan.replacen("\"{extra_sans}\"", "bad name with spaces", 1);
    assert!(plan.contains("bad name with spaces"));
    std::fs::write(env.path("plan.yaml"), plan).unwrap();
    in_words_saying(
        &boot(&["--plan", "plan.yaml"]),
        &["plan.yaml", "\"bad name with spaces\""],
    );
}
