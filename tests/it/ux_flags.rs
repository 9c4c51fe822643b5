//! Flags a user will guess: a PREFIX given with its extension, kubectl's kubeconfig flags and
//! defaults, DER wherever PEM is read (and refused where kube-apiserver refuses it), and one
//! `-o` vocabulary with `cert inspect -o json` always a list. Each case runs the binary;
//! the outputs are read back by the peers that would read them (openssl, kubectl).

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{Env, KUBECTL_VIEW_JSON, assert_says, assert_success, peer, run_peer};

/// stderr of a successful kcred run.
fn ok_stderr(env: &Env, args: &[&str]) -> String {
    let out = env.kcred().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "kcred {args:?}: {stderr}");
    stderr
}

fn openssl(dir: &Path, args: &[&str]) -> String {
    run_peer(peer("openssl").current_dir(dir).args(args))
}

/// kubectl's reading of a kubeconfig file.
fn kubectl_view(dir: &Path, file: &str) -> Value {
    let out = run_peer(
        peer("kubectl")
            .current_dir(dir)
            .env_remove("KUBECONFIG")
            .env("HOME", dir)
            .args(KUBECTL_VIEW_JSON)
            .arg(file),
    );
    serde_json::from_str(&out).expect("kubectl JSON")
}

// ---- 1. a PREFIX given with its extension ----

#[test]
fn cert_issue_out_with_crt_extension_is_the_prefix() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let err = ok_stderr(
        &env,
        &[
            "cert", "issue", "--ca", "ca", "--cn", "jane", "--out", "jane.crt",
        ],
    );
    assert!(
        err.contains("note: jane.crt is taken as the PREFIX jane"),
        "{err}"
    );
    assert!(env.path("jane.crt").is_file() && env.path("jane.key").is_file());
    assert!(!env.path("jane.crt.crt").exists() && !env.path("jane.crt.key").exists());
    // The files are a pair openssl accepts.
    let out = openssl(env.dir.path(), &["verify", "-CAfile", "ca.crt", "jane.crt"]);
    assert!(out.contains("jane.crt: OK"), "{out}");
}

#[test]
fn every_prefix_flag_drops_a_known_extension() {
    let env = Env::new();
    // ca create --out ca.pem, sa keygen --out sa.pub, csr create --out r.csr, cert issue
    // --ca ca.crt, kubeconfig --ca ca.key: each is the bare prefix.
    ok_stderr(
        &env,
        &[
            "ca",
            "create",
            "--out",
            "ca.pem",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    assert!(env.path("ca.crt").is_file() && env.path("ca.key").is_file());
    assert!(!env.path("ca.pem.crt").exists());
    ok_stderr(&env, &["sa", "keygen", "--out", "sa.pub"]);
    assert!(env.path("sa.key").is_file() && env.path("sa.pub").is_file());
    ok_stderr(&env, &["csr", "create", "--out", "r.csr", "--cn", "r"]);
    assert!(env.path("r.csr").is_file() && env.path("r.key").is_file());
    assert!(!env.path("r.csr.csr").exists());
    ok_stderr(
        &env,
        &["cert", "issue", "--ca", "ca.crt", "--cn", "a", "--out", "a"],
    );
    let err = ok_stderr(
        &env,
        &[
            "kubeconfig",
            "--server",
            "https://10.0.0.1:6443",
            "--ca",
            "ca.key",
            "--cn",
            "k",
            "--out",
            "k.conf",
        ],
    );
    assert!(err.contains("ca.key is taken as the PREFIX ca"), "{err}");
    let view = kubectl_view(env.dir.path(), "k.conf");
    assert_eq!(view["users"][0]["name"], "k");
}

#[test]
fn a_prefix_keeps_dots_that_are_not_a_known_extension() {
    let env = Env::new();
    let err = ok_stderr(
        &env,
        &["ca", "create", "--out", "ca.v2", "--key-type", "ecdsa-p256"],
    );
    assert!(!err.contains("note:"), "{err}");
    assert!(env.path("ca.v2.crt").is_file() && env.path("ca.v2.key").is_file());
}

#[test]
fn ca_file_with_ca_key_says_to_use_ca_cert() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let err = env.fails(
        2,
        &[
            "cert", "issue", "--ca", "ca.pem", "--ca-key", "ca.key", "--cn", "x", "--out", "x",
        ],
    );
    assert!(
        err.contains("use --ca-cert ca.pem --ca-key ca.key"),
        "{err}"
    );
    assert!(!env.path("x.crt").exists() && !env.path("x.key").exists());
    // The spelling it suggests works (with the real file name).
    env.ok(&[
        "cert",
        "issue",
        "--ca-cert",
        "ca.crt",
        "--ca-key",
        "ca.key",
        "--cn",
        "x",
        "--out",
        "x",
    ]);
}

// ---- 2. kubectl's kubeconfig flags and defaults ----

const SERVER: &str = "https://10.0.0.1:6443";

#[test]
fn kubeconfig_without_out_prints_to_stdout() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let before = crate::common::snapshot(env.dir.path());
    let yaml = env.ok(&[
        "kubeconfig",
        "--server",
        SERVER,
        "--ca",
        "ca",
        "--cn",
        "jane",
    ]);
    // Nothing written (not even ~/.kube/config: HOME is the scratch dir).
    assert_eq!(crate::common::snapshot(env.dir.path()), before);
    fs::write(env.path("printed"), &yaml).unwrap();
    let view = kubectl_view(env.dir.path(), "printed");
    assert_eq!(view["current-context"], "jane@kubernetes");
    // `--out -` is the same stdout.
    let to_stdout = [
        "kubeconfig",
        "--server",
        SERVER,
        "--ca",
        "ca",
        "--token",
        "abc.def",
    ];
    let dash = env.ok(&[&to_stdout[..], &["--out", "-"]].concat());
    let none = env.ok(&to_stdout);
    assert_eq!(dash, none);
}

#[test]
fn kubectl_reads_tls_server_name_and_insecure_skip_tls_verify() {
    let env = Env::new();
    env.ok(&[
        "kubeconfig",
        "--server",
        SERVER,
        "--token",
        "abc.def",
        "--tls-server-name",
        "kubernetes.default",
        "--insecure-skip-tls-verify",
        "--out",
        "kc",
    ]);
    let view = kubectl_view(env.dir.path(), "kc");
    let cluster = &view["clusters"][0]["cluster"];
    assert_eq!(cluster["tls-server-name"], "kubernetes.default", "{view:#}");
    assert_eq!(cluster["insecure-skip-tls-verify"], true, "{view:#}");
    assert!(cluster.get("certificate-authority-data").is_none());
    // `=false` is the default: no field.
    env.ok(&[
        "kubeconfig",
        "--server",
        SERVER,
        "--token",
        "abc.def",
        "--insecure-skip-tls-verify=false",
        "--out",
        "kc2",
    ]);
    let view = kubectl_view(env.dir.path(), "kc2");
    assert!(
        view["clusters"][0]["cluster"]
            .get("insecure-skip-tls-verify")
            .is_none()
    );
}

/// kubectl config set-cluster refuses a CA with insecure mode (create_cluster.go validate),
/// and client-go refuses such a kubeconfig (transport.go TLSConfigFor).
#[test]
fn insecure_skip_tls_verify_with_a_ca_is_refused() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    // kubectl's own answer to the pair.
    let out = peer("kubectl")
        .current_dir(env.dir.path())
        .env("HOME", env.dir.path())
        .env_remove("KUBECONFIG")
        .args([
            "config",
            "set-cluster",
            "c",
            "--server",
            SERVER,
            "--certificate-authority",
            "ca.crt",
            "--insecure-skip-tls-verify",
            "--kubeconfig",
            "by-kubectl",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let kubectl_err = String::from_utf8_lossy(&out.stderr);
    let words = "you cannot specify a certificate authority and insecure mode at the same time";
    assert!(kubectl_err.contains(words), "{kubectl_err}");
    for ca in [
        &["--certificate-authority", "ca.crt"][..],
        &["--ca", "ca"][..],
    ] {
        let mut args = vec![
            "kubeconfig",
            "--server",
            SERVER,
            "--token",
            "abc.def",
            "--insecure-skip-tls-verify",
            "--out",
            "kc",
        ];
        args.extend_from_slice(ca);
        let err = env.fails(2, &args);
        assert!(err.contains(words), "{err}");
        assert!(!env.path("kc").exists());
    }
}

#[test]
fn embed_certs_is_the_default_and_conflicts_with_no_embed() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue("ca", "jane", &["--cn", "jane"]);
    let base = [
        "kubeconfig",
        "--server",
        SERVER,
        "--ca",
        "ca",
        "--client-certificate",
        "jane.crt",
        "--client-key",
        "jane.key",
    ];
    let plain = env.ok(&base);
    for flag in ["--embed-certs", "--embed-certs=true"] {
        let mut args = base.to_vec();
        args.push(flag);
        assert_eq!(env.ok(&args), plain, "{flag}");
    }
    let mut args = base.to_vec();
    args.extend(["--embed-certs", "--no-embed"]);
    env.fails(2, &args);
    // `--embed-certs=false` names the files, as --no-embed does.
    let mut args = base.to_vec();
    args.extend(["--embed-certs=false", "--out", "kc"]);
    env.ok(&args);
    let view = kubectl_view(env.dir.path(), "kc");
    let user = &view["users"][0]["user"];
    assert!(
        user["client-certificate"]
            .as_str()
            .unwrap()
            .ends_with("jane.crt"),
        "{view:#}"
    );
    assert!(user.get("client-certificate-data").is_none());
}

/// Which file `kubectl config set-cluster` writes with this KUBECONFIG (and HOME = dir),
/// relative to `dir`, and which file `kcred kubeconfig --merge` writes: the same one.
fn merge_target_matches_kubectl(kubeconfig: Option<&str>, existing: &[&str]) {
    let both = [Env::new(), Env::new()];
    for env in &both {
        fs::create_dir_all(env.path(".kube")).unwrap();
        for f in existing {
            fs::write(
                env.path(f),
                "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: \"\"\npreferences: {}\n",
            )
            .unwrap();
        }
    }
    let abs = |env: &Env| {
        kubeconfig.map(|list| {
            list.split(':')
                .map(|p| {
                    if p.is_empty() {
                        String::new()
                    } else {
                        env.p(p)
                    }
                })
                .collect::<Vec<_>>()
                .join(":")
        })
    };
    let [by_kubectl, by_kcred] = &both;
    let mut k = peer("kubectl");
    k.current_dir(by_kubectl.dir.path())
        .env("HOME", by_kubectl.dir.path())
        .args(["config", "set-cluster", "new", "--server", SERVER]);
    match abs(by_kubectl) {
        Some(list) => k.env("KUBECONFIG", list),
        None => k.env_remove("KUBECONFIG"),
    };
    run_peer(&mut k);
    let mut c = by_kcred.kcred();
    c.args(["kubeconfig", "--server", SERVER, "--token", "abc.def"])
        .args(["--cluster", "new", "--merge"]);
    if let Some(list) = abs(by_kcred) {
        c.env("KUBECONFIG", list);
    }
    let out = c.output().unwrap();
    assert_success(&out);
    // The same file holds the new cluster in both directories.
    let holding = |env: &Env| -> Vec<String> {
        let mut found = Vec::new();
        for f in ["a", "b", ".kube/config"] {
            if fs::read_to_string(env.path(f)).is_ok_and(|t| t.contains(SERVER)) {
                found.push(f.to_string());
            }
        }
        found
    };
    let want = holding(by_kubectl);
    assert_eq!(want.len(), 1, "kubectl wrote {want:?}");
    assert_eq!(
        holding(by_kcred),
        want,
        "KUBECONFIG={kubeconfig:?}, existing {existing:?}"
    );
}

#[test]
fn merge_without_out_writes_home_kube_config_when_kubeconfig_is_unset() {
    merge_target_matches_kubectl(None, &[]);
    merge_target_matches_kubectl(None, &[".kube/config"]);
}

#[test]
fn merge_without_out_writes_the_first_existing_kubeconfig_file() {
    merge_target_matches_kubectl(Some("a:b"), &["b"]);
    merge_target_matches_kubectl(Some("a:b"), &["a", "b"]);
}

/// client-go `PathOptions.GetDefaultFilename` (config.go) picks the *last* file here, not
/// the first as `ClientConfigLoadingRules.GetDefaultFilename` (loader.go) would: kubectl
/// decides.
#[test]
fn merge_without_out_writes_the_last_kubeconfig_file_when_none_exists() {
    merge_target_matches_kubectl(Some("a:b"), &[]);
    merge_target_matches_kubectl(Some("a"), &[]);
    merge_target_matches_kubectl(Some("a:b:a"), &[]);
}

#[test]
fn use_context_makes_the_merged_context_current() {
    let env = Env::new();
    env.ok(&[
        "kubeconfig",
        "--server",
        SERVER,
        "--token",
        "t.one",
        "--cluster",
        "one",
        "--out",
        "kc",
    ]);
    let current = |env: &Env| kubectl_view(env.dir.path(), "kc")["current-context"].clone();
    assert_eq!(current(&env), "token-user@one");
    env.ok(&[
        "kubeconfig",
        "--server",
        SERVER,
        "--token",
        "t.two",
        "--cluster",
        "two",
        "--user",
        "two",
        "--merge",
        "--out",
        "kc",
    ]);
    assert_eq!(
        current(&env),
        "token-user@one",
        "a merge keeps the current context"
    );
    env.ok(&[
        "kubeconfig",
        "--server",
        SERVER,
        "--token",
        "t.three",
        "--cluster",
        "three",
        "--user",
        "three",
        "--merge",
        "--use-context",
        "--out",
        "kc",
    ]);
    assert_eq!(current(&env), "three@three");
    // The other contexts are as they were.
    let view = kubectl_view(env.dir.path(), "kc");
    assert_eq!(view["contexts"].as_array().unwrap().len(), 3, "{view:#}");
}

#[test]
fn skip_existing_compares_the_new_cluster_fields() {
    let env = Env::new();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "kubeconfig",
            "--server",
            SERVER,
            "--token",
            "abc.def",
            "--out",
            "kc",
        ];
        a.extend_from_slice(extra);
        a
    };
    env.ok(&args(&["--tls-server-name", "api"]));
    env.ok(&args(&["--tls-server-name", "api", "--skip-existing"]));
    let err = env.fails(1, &args(&["--tls-server-name", "other", "--skip-existing"]));
    assert!(err.contains("tls-server-name"), "{err}");
    let err = env.fails(
        1,
        &args(&[
            "--tls-server-name",
            "api",
            "--insecure-skip-tls-verify",
            "--skip-existing",
        ]),
    );
    assert!(err.contains("insecure-skip-tls-verify"), "{err}");
}

// ---- 3. DER wherever PEM is read ----

/// What structure a DER private key has: PKCS#8 (version, AlgorithmIdentifier, ...),
/// PKCS#1 (version 0, modulus, ...) or SEC1 (version 1, octet string, ...), read from the
/// bytes openssl wrote, so a test cannot pass with the wrong kind of file.
fn der_key_kind(der: &[u8]) -> &'static str {
    // SEQUENCE header (short or long length), then INTEGER version (3 bytes).
    let body = if der[1] & 0x80 == 0 {
        2
    } else {
        2 + (der[1] & 0x7f) as usize
    };
    assert_eq!(der[body], 0x02, "no version INTEGER");
    match (der[body + 2], der[body + 3]) {
        (0, 0x30) => "pkcs8",
        (0, 0x02) => "pkcs1",
        (1, 0x04) => "sec1",
        other => panic!("unknown DER key structure {other:?}"),
    }
}

/// openssl-made DER keys: PKCS#1 RSA, PKCS#8 RSA, SEC1 P-256.
fn der_keys(env: &Env) -> [(&'static str, &'static str); 3] {
    let d = env.dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "r.pem",
        ],
    );
    openssl(
        d,
        &[
            "rsa",
            "-in",
            "r.pem",
            "-traditional",
            "-outform",
            "DER",
            "-out",
            "rsa1.der",
        ],
    );
    openssl(
        d,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "r.pem", "-outform", "DER", "-out", "rsa8.der",
        ],
    );
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-outform",
            "DER",
            "-out",
            "ec1.der",
        ],
    );
    let keys = [
        ("rsa1.der", "pkcs1"),
        ("rsa8.der", "pkcs8"),
        ("ec1.der", "sec1"),
    ];
    for (f, kind) in keys {
        assert_eq!(der_key_kind(&fs::read(env.path(f)).unwrap()), kind, "{f}");
    }
    keys
}

/// The PKIX public key of a key file (any form openssl reads) or certificate, as PEM.
fn public_of(dir: &Path, file: &str, cert: bool) -> String {
    if cert {
        openssl(dir, &["x509", "-in", file, "-noout", "-pubkey"])
    } else {
        let inform = if file.ends_with(".der") { "DER" } else { "PEM" };
        openssl(dir, &["pkey", "-inform", inform, "-in", file, "-pubout"])
    }
}

#[test]
fn cert_issue_and_csr_create_certify_a_der_key() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    for (key, kind) in der_keys(&env) {
        let out = format!("c-{kind}");
        env.issue("ca", &out, &["--cn", kind, "--key", key]);
        assert_eq!(
            public_of(env.dir.path(), &format!("{out}.crt"), true),
            public_of(env.dir.path(), key, false),
            "{key}"
        );
        let r = format!("r-{kind}");
        env.csr(&r, &["--cn", kind, "--key", key]);
        let req = openssl(
            env.dir.path(),
            &[
                "req",
                "-in",
                &format!("{r}.csr"),
                "-noout",
                "-verify",
                "-pubkey",
            ],
        );
        assert!(
            req.contains(&public_of(env.dir.path(), key, false)),
            "{req}"
        );
    }
}

#[test]
fn a_der_ca_key_signs() {
    let env = Env::new();
    let d = env.dir.path();
    env.ca("ca", "rsa2048");
    // The CA key as PKCS#8 DER and PKCS#1 DER, the certificate as DER.
    openssl(
        d,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "ca.key", "-outform", "DER", "-out", "ca8.der",
        ],
    );
    openssl(
        d,
        &[
            "rsa",
            "-in",
            "ca.key",
            "-traditional",
            "-outform",
            "DER",
            "-out",
            "ca1.der",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-in",
            "ca.crt",
            "-outform",
            "DER",
            "-out",
            "ca-cert.der",
        ],
    );
    for (key, kind) in [("ca8.der", "pkcs8"), ("ca1.der", "pkcs1")] {
        assert_eq!(der_key_kind(&fs::read(env.path(key)).unwrap()), kind);
        let out = format!("leaf-{kind}");
        env.ok(&[
            "cert",
            "issue",
            "--ca-cert",
            "ca-cert.der",
            "--ca-key",
            key,
            "--cn",
            kind,
            "--out",
            &out,
        ]);
        let v = openssl(d, &["verify", "-CAfile", "ca.crt", &format!("{out}.crt")]);
        assert!(v.contains(": OK"), "{v}");
    }
}

#[test]
fn a_der_file_that_is_no_private_key_is_refused_naming_it() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    openssl(
        env.dir.path(),
        &["x509", "-in", "ca.crt", "-outform", "DER", "-out", "ca.der"],
    );
    let err = env.fails(
        3,
        &[
            "cert", "issue", "--ca", "ca", "--cn", "x", "--key", "ca.der", "--out", "x",
        ],
    );
    assert_says(&err, &["ca.der", "neither PEM nor a DER private key"]);
    assert!(!env.path("x.crt").exists());
}

#[test]
fn token_issue_signs_with_a_der_key_and_decode_token_verifies_with_a_der_public_key() {
    let env = Env::new();
    let d = env.dir.path();
    der_keys(&env);
    for key in ["rsa1.der", "ec1.der"] {
        let token = env.ok(&["token", "issue", "bot", "--key", key]);
        let pubkey = format!("{key}.pub.der");
        openssl(
            d,
            &[
                "pkey", "-inform", "DER", "-in", key, "-pubout", "-outform", "DER", "-out", &pubkey,
            ],
        );
        let out = env
            .kcred()
            .args(["decode-token", token.trim(), "--key", &pubkey, "-o", "json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(
            stderr.contains("is DER") && stderr.contains("kube-apiserver"),
            "not said: {stderr}"
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["verified"], true, "{report:#}");
        // sa jwks reads it too, and names the same key as from the PEM form.
        let pem_pub = format!("{key}.pub.pem");
        openssl(
            d,
            &[
                "pkey", "-inform", "DER", "-in", key, "-pubout", "-out", &pem_pub,
            ],
        );
        let from_der: Value =
            serde_json::from_str(&env.ok(&["sa", "jwks", "--key", &pubkey])).unwrap();
        let from_pem: Value =
            serde_json::from_str(&env.ok(&["sa", "jwks", "--key", &pem_pub])).unwrap();
        assert_eq!(from_der, from_pem);
    }
}

/// kube-apiserver reads --service-account-key-file with keyutil.ParsePublicKeysPEM and
/// --client-ca-file with cert.ParseCertsPEM: PEM only; it does not start with a DER file, so
/// whoami does not call a credential authenticated by one.
#[test]
fn whoami_refuses_der_trust_files_as_kube_apiserver_does() {
    let env = Env::new();
    let d = env.dir.path();
    env.ca("ca", "ecdsa-p256");
    env.issue("ca", "jane", &["--cn", "jane"]);
    env.ok(&["sa", "keygen", "--out", "sa"]);
    openssl(
        d,
        &["x509", "-in", "ca.crt", "-outform", "DER", "-out", "ca.der"],
    );
    openssl(
        d,
        &[
            "pkey", "-pubin", "-in", "sa.pub", "-outform", "DER", "-out", "sa.der",
        ],
    );
    // PEM: authenticated.
    env.ok(&[
        "whoami",
        "--client-certificate",
        "jane.crt",
        "--client-ca-file",
        "ca.crt",
    ]);
    let err = env.fails(
        3,
        &[
            "whoami",
            "--client-certificate",
            "jane.crt",
            "--client-ca-file",
            "ca.der",
        ],
    );
    assert_says(&err, &["ca.der", "PEM only"]);
    // A DER client certificate is what a client could present: read, with a warning that
    // kubectl would not load it.
    openssl(
        d,
        &[
            "x509", "-in", "jane.crt", "-outform", "DER", "-out", "jane.der",
        ],
    );
    let warned = ok_stderr(
        &env,
        &[
            "whoami",
            "--client-certificate",
            "jane.der",
            "--client-ca-file",
            "ca.crt",
        ],
    );
    assert!(warned.contains("jane.der is DER"), "{warned}");
    let token = env.ok(&["token", "issue", "bot", "--key", "sa.key"]);
    env.ok(&[
        "whoami",
        "--token",
        token.trim(),
        "--service-account-key-file",
        "sa.pub",
    ]);
    let err = env.fails(
        3,
        &[
            "whoami",
            "--token",
            token.trim(),
            "--service-account-key-file",
            "sa.der",
        ],
    );
    assert_says(&err, &["sa.der", "PEM only"]);
}

// ---- 4. -o: one vocabulary; cert inspect -o json always a list ----

#[test]
fn cert_inspect_json_and_yaml_are_always_a_list() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.issue("ca", "jane", &["--cn", "jane", "--group", "ops, on-call"]);
    let j: Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "jane.crt", "-o", "json"])).unwrap();
    let list = j.as_array().expect("a list for one certificate too");
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(c["subject"], "O=ops\\, on-call, CN=jane");
    assert_eq!(
        c["subjectAttributes"],
        serde_json::json!([
            {"type": "O", "oid": "2.5.4.10", "value": "ops, on-call"},
            {"type": "CN", "oid": "2.5.4.3", "value": "jane"},
        ])
    );
    // The DER form of the same certificate: the same list.
    openssl(
        env.dir.path(),
        &[
            "x509", "-in", "jane.crt", "-outform", "DER", "-out", "jane.der",
        ],
    );
    let der: Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "jane.der", "-o", "json"])).unwrap();
    assert_eq!(der[0]["sha256Fingerprint"], c["sha256Fingerprint"]);
    let yaml = env.ok(&["cert", "inspect", "jane.crt", "-o", "yaml"]);
    assert!(yaml.starts_with("- "), "{yaml}");
}

#[test]
fn every_output_flag_takes_table_text_json_yaml_and_refuses_others() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ok(&["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"]);
    let token = env.ok(&["token", "issue", "bot", "--key", "sa.key"]);
    let token = token.trim().to_string();
    let commands: Vec<Vec<&str>> = vec![
        vec!["cert", "inspect", "ca.crt"],
        vec!["decode-token", &token],
        vec![
            "whoami",
            "--token",
            &token,
            "--service-account-key-file",
            "sa.pub",
        ],
        vec!["check", "--dir", "."],
    ];
    for cmd in &commands {
        for good in ["table", "text", "json", "yaml"] {
            let mut args = cmd.clone();
            args.extend(["-o", good]);
            let out = env.kcred().args(&args).output().unwrap();
            assert_ne!(
                out.status.code(),
                Some(2),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        for bad in ["xml", "JSON", "", "jsonpath"] {
            let mut args = cmd.clone();
            args.extend(["-o", bad]);
            let err = env.fails(2, &args);
            assert!(err.contains("table"), "{args:?}: {err}");
        }
    }
}

/// The default merge target gets the same protection as a named one: an entry other
/// contexts use is not replaced without --force.
#[test]
fn merge_into_the_default_file_never_rewires_other_contexts() {
    let env = Env::new();
    fs::create_dir_all(env.path(".kube")).unwrap();
    let home_config = env.p(".kube/config");
    env.ok(&[
        "kubeconfig",
        "--server",
        SERVER,
        "--token",
        "t.one",
        "--user",
        "one",
        "--out",
        &home_config,
    ]);
    let before = fs::read(env.path(".kube/config")).unwrap();
    // Same cluster name, another server: context one@kubernetes would connect elsewhere.
    let err = env.fails(
        3,
        &[
            "kubeconfig",
            "--server",
            "https://10.9.9.9:6443",
            "--token",
            "t.two",
            "--user",
            "two",
            "--merge",
            "--use-context",
        ],
    );
    assert!(err.contains("refusing to replace"), "{err}");
    assert_eq!(fs::read(env.path(".kube/config")).unwrap(), before);
    let view = kubectl_view(env.dir.path(), ".kube/config");
    assert_eq!(view["current-context"], "one@kubernetes");
}

/// A kubeconfig that names a DER client certificate, key or cluster CA cannot be loaded by
/// kubectl (client-go's tls.X509KeyPair and rootCertPool read PEM only): it never sends a
/// request, so whoami must not say what the API server would answer. Real kubectl's own
/// refusal is the reference.
#[test]
fn whoami_refuses_a_kubeconfig_kubectl_cannot_load() {
    let env = Env::new();
    let d = env.dir.path();
    env.ca("ca", "ecdsa-p256");
    env.issue("ca", "jane", &["--cn", "jane"]);
    for (input, output, kind) in [
        ("jane.crt", "jane.der", "x509"),
        ("jane.key", "jane-key.der", "pkey"),
        ("ca.crt", "ca.der", "x509"),
    ] {
        openssl(d, &[kind, "-in", input, "-outform", "DER", "-out", output]);
    }
    let cases = [
        ("jane.der", "jane.key", "ca.crt", "certificate input"),
        ("jane.crt", "jane-key.der", "ca.crt", "key input"),
        (
            "jane.crt",
            "jane.key",
            "ca.der",
            "unable to parse bytes as PEM block",
        ),
    ];
    for (i, (cert, key, ca, phrase)) in cases.into_iter().enumerate() {
        let kc = format!("k{i}.conf");
        let kubectl = |args: &[&str]| {
            let mut c = peer("kubectl");
            c.current_dir(d).arg("--kubeconfig").arg(&kc).args(args);
            c.output().unwrap()
        };
        for args in [
            vec![
                "config",
                "set-cluster",
                "c",
                "--server=https://127.0.0.1:1",
                &format!("--certificate-authority={ca}"),
                "--embed-certs",
            ],
            vec![
                "config",
                "set-credentials",
                "jane",
                &format!("--client-certificate={cert}"),
                &format!("--client-key={key}"),
                "--embed-certs",
            ],
            vec!["config", "set-context", "c", "--cluster=c", "--user=jane"],
            vec!["config", "use-context", "c"],
        ] {
            let out = kubectl(&args);
            assert!(out.status.success(), "{out:?}");
        }
        // Embedded, the data is parsed while kubectl builds its transport, before any
        // connection (a file is read again at each handshake, so the refusal would come at the
        // server's certificate request instead).
        let out = kubectl(&["get", "--raw", "/version"]);
        let kubectl_err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(kubectl_err.contains(phrase), "{kc}: kubectl: {kubectl_err}");
        let err = env.fails(
            3,
            &["whoami", "--kubeconfig", &kc, "--client-ca-file", "ca.crt"],
        );
        assert!(
            err.contains(phrase) && err.contains("not PEM"),
            "{kc}: {err}"
        );
    }
}
