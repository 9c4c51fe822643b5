//! `kcred ca create`, `cert issue`, `cert inspect` at the command line: defaults, safety
//! (no clobber, modes, symlinks, atomic refusal) and bad input.

use std::fs;

use crate::common::{Env, assert_says, assert_success, mode};

/// The one certificate of `file`, from `cert inspect -o json` (always a list).
fn inspect_json(env: &Env, file: &str) -> serde_json::Value {
    let list: serde_json::Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", &env.p(file), "-o", "json"])).unwrap();
    let items = list.as_array().expect("cert inspect -o json is a list");
    assert_eq!(items.len(), 1, "{list}");
    items[0].clone()
}

#[test]
fn ca_create_uses_kubeadm_defaults() {
    let env = Env::new();
    env.ok(&["ca", "create", "--out", &env.p("pki/ca")]);
    let j = inspect_json(&env, "pki/ca.crt");
    assert_eq!(j["subject"], "CN=kubernetes");
    assert_eq!(j["isCa"], true);
    assert_eq!(j["publicKey"], "RSA 2048");
    assert_eq!(
        j["keyUsage"],
        serde_json::json!(["Digital Signature", "Certificate Sign", "CRL Sign"])
    );
    assert_eq!(j["timeLeft"], "9y");
    let nb: jiff::Timestamp = j["notBefore"].as_str().unwrap().parse().unwrap();
    let backdate = jiff::Timestamp::now().duration_since(nb).as_secs();
    assert!(
        (295..=330).contains(&backdate),
        "NotBefore backdated {backdate}s"
    );
    assert!(
        fs::read_to_string(env.path("pki/ca.key"))
            .unwrap()
            .starts_with("-----BEGIN RSA PRIVATE KEY-----")
    );
    assert_eq!(mode(&env.path("pki/ca.key")), 0o600);
    assert_eq!(mode(&env.path("pki/ca.crt")), 0o644);
    assert_eq!(mode(&env.path("pki")), 0o700);
}

#[test]
fn identity_presets_and_groups_in_order() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue("ca", "admin", &["--admin", "--key-type", "ecdsa-p256"]);
    let j = inspect_json(&env, "admin.crt");
    assert_eq!(j["kubernetes"]["user"], "admin");
    assert_eq!(
        j["kubernetes"]["groups"],
        serde_json::json!(["system:masters"])
    );
    let fp = j["sha256Fingerprint"]
        .as_str()
        .unwrap()
        .replace(':', "")
        .to_lowercase();
    assert_eq!(
        j["kubernetes"]["extra"]["authentication.kubernetes.io/credential-id"][0],
        format!("X509SHA256={fp}")
    );

    env.issue(
        "ca",
        "n1",
        &[
            "--node",
            "worker-1",
            "--usage",
            "peer",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    let j = inspect_json(&env, "n1.crt");
    assert_eq!(j["kubernetes"]["user"], "system:node:worker-1");
    assert_eq!(
        j["kubernetes"]["groups"],
        serde_json::json!(["system:nodes"])
    );
    assert_eq!(j["subjectAltNames"], serde_json::json!(["DNS:worker-1"]));
    assert_eq!(
        j["extendedKeyUsage"],
        serde_json::json!([
            "TLS Web Server Authentication",
            "TLS Web Client Authentication"
        ])
    );

    env.issue(
        "ca",
        "jane",
        &[
            "--cn",
            "jane",
            "--group",
            "zeta",
            "--group",
            "a, b",
            "--group",
            "équipe",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    let j = inspect_json(&env, "jane.crt");
    assert_eq!(
        j["kubernetes"]["groups"],
        serde_json::json!(["zeta", "a, b", "équipe"])
    );

    env.issue(
        "ca",
        "kp",
        &["--profile", "kube-proxy", "--key-type", "ecdsa-p256"],
    );
    let j = inspect_json(&env, "kp.crt");
    assert_eq!(j["kubernetes"]["user"], "system:kube-proxy");
    assert_eq!(
        j["kubernetes"]["groups"],
        serde_json::json!(["system:node-proxier"])
    );
}

#[test]
fn profiles_can_be_overridden_from_a_file() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    fs::write(
        env.path("p.yaml"),
        "ci-bot:\n  cn: ci-bot\n  groups: [ci, \"deployers\"]\n",
    )
    .unwrap();
    env.issue(
        "ca",
        "bot",
        &[
            "--profile",
            "ci-bot",
            "--profiles",
            "p.yaml",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    let j = inspect_json(&env, "bot.crt");
    assert_eq!(
        j["kubernetes"]["groups"],
        serde_json::json!(["ci", "deployers"])
    );
    let err = env.issue_fails(2, "ca", "x", &["--profile", "nope"]);
    assert_says(&err, &["unknown profile \"nope\"", "kube-proxy"]);
}

#[test]
fn leaf_validity_is_clamped_to_the_ca() {
    let env = Env::new();
    env.ca_with("ca", "ecdsa-p256", &["--validity", "30d"]);
    let out = env
        .kcred()
        .args([
            "cert",
            "issue",
            "--ca",
            "ca",
            "--out",
            "a",
            "--cn",
            "a",
            "--key-type",
            "ecdsa-p256",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot outlive its CA"));
    let ca = inspect_json(&env, "ca.crt");
    let leaf = inspect_json(&env, "a.crt");
    assert_eq!(ca["notAfter"], leaf["notAfter"]);
}

#[test]
fn server_usage_needs_a_san() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let err = env.issue_fails(
        2,
        "ca",
        "s",
        &["--cn", "kube-apiserver", "--usage", "server"],
    );
    assert!(err.contains("--san"), "{err}");
    assert!(!env.path("s.key").exists() && !env.path("s.crt").exists());
    env.issue(
        "ca",
        "s",
        &[
            "--usage",
            "server",
            "--san",
            "10.96.0.1",
            "--san",
            "kubernetes.default",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    let j = inspect_json(&env, "s.crt");
    assert_eq!(
        j["subjectAltNames"],
        serde_json::json!(["IP:10.96.0.1", "DNS:kubernetes.default"])
    );
}

#[test]
fn existing_outputs_are_never_touched_without_force() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let before = fs::read(env.path("ca.key")).unwrap();
    let err = env.fails(3, &["ca", "create", "--out", "ca"]);
    assert_says(&err, &["ca.crt already exists", "--force"]);
    assert_eq!(fs::read(env.path("ca.key")).unwrap(), before);

    // Only the key exists: the certificate must not be written either.
    fs::write(env.path("leaf.key"), "keep me").unwrap();
    env.issue_fails(3, "ca", "leaf", &["--cn", "x"]);
    assert_eq!(fs::read_to_string(env.path("leaf.key")).unwrap(), "keep me");
    assert!(!env.path("leaf.crt").exists());

    env.ca_with("ca", "ecdsa-p256", &["--force"]);
    assert_ne!(fs::read(env.path("ca.key")).unwrap(), before);
}

#[test]
fn keys_are_0600_under_umask_000() {
    let env = Env::new();
    let out = std::process::Command::new("sh")
        .current_dir(env.dir.path())
        .arg("-c")
        .arg(format!(
            "umask 000 && {} ca create --out new/dir/ca --key-type ecdsa-p256",
            assert_cmd::cargo::cargo_bin("kcred").display()
        ))
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(mode(&env.path("new/dir/ca.key")), 0o600);
    assert_eq!(mode(&env.path("new/dir/ca.crt")), 0o644);
    assert_eq!(mode(&env.path("new/dir")), 0o700);
}

#[test]
fn symlinks_at_outputs_are_refused_even_with_force() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    fs::write(env.path("victim"), "precious").unwrap();
    std::os::unix::fs::symlink(env.path("victim"), env.path("evil.key")).unwrap();
    let err = env.issue_fails(3, "ca", "evil", &["--cn", "x", "--force"]);
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(fs::read_to_string(env.path("victim")).unwrap(), "precious");
    assert!(!env.path("evil.crt").exists());
}

#[test]
fn a_ca_key_that_does_not_match_is_refused() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ca("other", "ecdsa-p256");
    let err = env.fails(
        3,
        &[
            "cert",
            "issue",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "other.key",
            "--out",
            "x",
            "--cn",
            "x",
        ],
    );
    assert_says(&err, &["other.key", "does not belong"]);
    assert!(!env.path("x.key").exists());
    // A leaf is not a CA.
    env.issue("ca", "leaf", &["--cn", "leaf", "--key-type", "ecdsa-p256"]);
    let err = env.issue_fails(3, "leaf", "y", &["--cn", "y"]);
    assert_says(&err, &["leaf.crt", "not a CA"]);
}

#[test]
fn existing_key_is_certified_and_not_rewritten() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue(
        "ca",
        "a",
        &[
            "--cn",
            "a",
            "--key-type",
            "ecdsa-p384",
            "--key-format",
            "pkcs8",
        ],
    );
    let key = fs::read(env.path("a.key")).unwrap();
    assert!(String::from_utf8_lossy(&key).starts_with("-----BEGIN PRIVATE KEY-----"));
    env.issue("ca", "b", &["--cn", "b", "--key", "a.key"]);
    assert!(!env.path("b.key").exists());
    let a = inspect_json(&env, "a.crt");
    let b = inspect_json(&env, "b.crt");
    assert_eq!(a["publicKey"], "ECDSA P-384");
    assert_eq!(b["publicKey"], "ECDSA P-384");
}

#[test]
fn bad_inputs_get_one_line_errors_naming_the_file() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let cert = fs::read_to_string(env.path("ca.crt")).unwrap();
    let key = fs::read_to_string(env.path("ca.key")).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty", String::new(), "empty"),
        ("truncated", cert[..cert.len() / 2].to_string(), "PEM"),
        (
            "wronglabel",
            cert.replace("CERTIFICATE", "PUBLIC KEY"),
            "found PEM PUBLIC KEY",
        ),
        ("garbage", cert.replace("MII", "M!!"), "base64"),
        ("keyascert", key.clone(), "found PEM EC PRIVATE KEY"),
        (
            "random",
            "\u{1}\u{2}binary junk".into(),
            "neither PEM nor DER",
        ),
        (
            "bad-der",
            "0\u{3}\u{1}\u{1}\u{1}".into(),
            "invalid certificate",
        ),
    ];
    for (name, content, expect) in &cases {
        fs::write(env.path(name), content).unwrap();
        let err = env.fails(3, &["cert", "inspect", name]);
        assert!(err.contains(name) && err.contains(expect), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
    }
    // A certificate where the CA key belongs, and garbage keys.
    let err = env.fails(
        3,
        &[
            "cert",
            "issue",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "ca.crt",
            "--out",
            "x",
            "--cn",
            "x",
        ],
    );
    assert_says(&err, &["ca.crt", "no private key"]);
    fs::write(env.path("bad.key"), key.replace("MH", "M?")).unwrap();
    let err = env.fails(
        3,
        &[
            "cert",
            "issue",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "bad.key",
            "--out",
            "x",
            "--cn",
            "x",
        ],
    );
    assert!(err.contains("bad.key"), "{err}");
    assert!(
        !err.contains(&key[40..80]),
        "key material in the error: {err}"
    );
    let err = env.fails(3, &["cert", "inspect", "missing.crt"]);
    assert!(
        err.contains("missing.crt: no such file") && !err.contains("os error"),
        "{err}"
    );
    assert!(!env.path("x.crt").exists() && !env.path("x.key").exists());
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.fails(2, &["cert", "issue", "--out", "x", "--cn", "x"]);
    env.fails(2, &["ca", "create", "--out", "x", "--key-type", "rsa1024"]);
    env.fails(2, &["ca", "create", "--out", "x", "--validity", "forever"]);
    env.ca("ca", "ecdsa-p256");
    env.issue_fails(2, "ca", "x", &[]);
    env.issue_fails(2, "ca", "x", &["--admin", "--node", "n"]);
    env.issue_fails(2, "ca", "x", &["--node", "Bad_Name"]);
    env.issue_fails(
        2,
        "ca",
        "x",
        &[
            "--cn",
            "x",
            "--key-type",
            "ecdsa-p256",
            "--key-format",
            "pkcs1",
        ],
    );
}

#[test]
fn inspect_reads_der_bundles_and_stdin() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue("ca", "a", &["--cn", "a", "--key-type", "ecdsa-p256"]);
    let bundle = fs::read_to_string(env.path("a.crt")).unwrap()
        + &fs::read_to_string(env.path("ca.crt")).unwrap();
    fs::write(env.path("bundle.pem"), bundle).unwrap();
    let j: serde_json::Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "bundle.pem", "-o", "json"])).unwrap();
    assert_eq!(j.as_array().unwrap().len(), 2);
    let pem_text = fs::read_to_string(env.path("a.crt")).unwrap();
    let der = pem::parse(pem_text).unwrap().into_contents();
    fs::write(env.path("a.der"), der).unwrap();
    let table = env.ok(&["cert", "inspect", "a.der"]);
    assert_says(&table, &["Username", "a"]);
    let out = env
        .kcred()
        .args(["cert", "inspect", "-", "-o", "yaml"])
        .write_stdin(fs::read(env.path("a.crt")).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("user: a"));
}

#[test]
fn inspect_warns_about_node_without_group() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue(
        "ca",
        "n",
        &["--cn", "system:node:w1", "--key-type", "ecdsa-p256"],
    );
    let t = env.ok(&["cert", "inspect", "n.crt"]);
    assert!(t.contains("without group system:nodes"), "{t}");
}

#[test]
fn completions_and_man_page() {
    let env = Env::new();
    assert!(env.ok(&["completions", "bash"]).contains("kcred"));
    assert!(env.ok(&["man"]).contains(".TH kcred"));
}

/// `kcred … | head` closes the pipe early: kcred stops quietly, exit 0, no panic.
#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    use std::io::Read as _;
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let one = fs::read_to_string(env.path("ca.crt")).unwrap();
    fs::write(env.path("big.pem"), one.repeat(300)).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("kcred"))
        .current_dir(env.dir.path())
        .args(["cert", "inspect", "big.pem"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then dropped: closed
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

/// A standard descriptor closed at start is reopened on /dev/null before kcred opens any file,
/// as std's runtime does (library/std/src/sys/pal/unix/mod.rs, `sanitize_standard_fds`); kcred
/// starts the process itself on Linux (src/start.rs). Otherwise the first file kcred opened
/// would take the closed number, and what it prints would go into that file. `/dev/fd/N` shows
/// which: /dev/null when reopened (an empty file), nothing at all when left closed.
#[test]
fn closed_standard_descriptors_are_reopened_on_dev_null() {
    let env = Env::new();
    for (fd, redirect) in [(0, "<&-"), (1, ">&-"), (0, "<&- >&-")] {
        let script = format!(r#"exec "$0" cert inspect /dev/fd/{fd} {redirect}"#);
        let out = std::process::Command::new("sh")
            .current_dir(env.dir.path())
            .args(["-c", &script])
            .arg(assert_cmd::cargo::cargo_bin("kcred"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{redirect}: {stderr}");
        assert!(
            stderr.contains(&format!("/dev/fd/{fd}")) && stderr.contains("empty"),
            "{redirect}: {stderr}"
        );
    }
}

/// A certificate Go's crypto/x509 cannot parse (a secp256k1 or P-192 key: openssl makes
/// them) authenticates no one: `cert inspect` says so in Go's words (tests/go/x509check reads
/// the same error) instead of showing an identity nobody will read.
#[test]
fn inspect_says_when_go_cannot_parse_the_certificate() {
    use crate::common::{go_x509check, peer, run_peer};
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    for curve in ["secp256k1", "prime192v1"] {
        let key = env.p(&format!("{curve}.key"));
        let crt = format!("{curve}.crt");
        run_peer(
            peer("openssl").args(["ecparam", "-name", curve, "-genkey", "-noout", "-out", &key]),
        );
        run_peer(peer("openssl").args([
            "req",
            "-x509",
            "-new",
            "-subj",
            "/CN=jane/O=dev",
            "-days",
            "9",
            "-key",
            &key,
            "-out",
            &env.p(&crt),
        ]));
        let go = go_x509check(&env.path("ca.crt"), &env.path(&crt));
        let go_error = go["error"].as_str().unwrap_or_default().to_string();
        assert!(go["authenticated"] == false && !go_error.is_empty(), "{go}");
        let shown = inspect_json(&env, &crt);
        let ours = shown["goParseError"].as_str().unwrap_or_default();
        assert!(
            !ours.is_empty() && go_error.contains(ours),
            "Go: {go_error}\nkcred: {shown}"
        );
        let table = env.ok(&["cert", "inspect", &env.p(&crt)]);
        assert_says(
            &table,
            &["Kubernetes identity (x509 authenticator): none", ours],
        );
        assert!(!table.contains("Username"), "{table}");
    }
}
