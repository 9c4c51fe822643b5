//! Makefiles and scripts: minting commands re-run with `--skip-existing` keep what still fits
//! (exit 0) and report what does not (exit 1, nothing written); `bootstrap`, `check` and
//! `renew` say one summary line, stay quiet with `-q`, and keep their order and names stable.
//! Kept and renewed credentials are judged by real peers (openssl, kubectl).

use std::path::Path;

use crate::common::{Env, assert_success, bootstrap_args, peer, run_peer, snapshot};

/// stderr of a run that exits 0.
fn ok_err(env: &Env, args: &[&str]) -> String {
    let out = env.kcred().args(args).output().expect("run kcred");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "kcred {args:?}: {stderr}");
    stderr
}

/// openssl verifies `cert` against `ca` (with the purpose, if any).
fn openssl_verifies(dir: &Path, ca: &str, cert: &str, purpose: &str) {
    let out = run_peer(
        peer("openssl")
            .current_dir(dir)
            .args(["verify", "-purpose", purpose, "-CAfile", ca, cert]),
    );
    assert!(out.contains(": OK"), "{out}");
}

#[test]
fn ca_create_skip_existing_keeps_a_fitting_ca_and_reports_a_misfit() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let before = snapshot(env.dir.path());
    let keep = [
        "ca",
        "create",
        "--out",
        "ca",
        "--key-type",
        "ecdsa-p256",
        "--skip-existing",
    ];
    let err = ok_err(&env, &keep);
    assert!(err.starts_with("kept CA \"kubernetes\""), "{err}");
    assert_eq!(snapshot(env.dir.path()), before, "nothing rewritten");
    // openssl reads the kept CA as a self-signed CA.
    openssl_verifies(env.dir.path(), "ca.crt", "ca.crt", "any");

    // Another CN, another key type: reported naming the file, exit 1, nothing written.
    let err = env.fails(
        1,
        &[
            "ca",
            "create",
            "--out",
            "ca",
            "--cn",
            "etcd-ca",
            "--key-type",
            "ecdsa-p256",
            "--skip-existing",
        ],
    );
    assert!(
        err.contains("ca.crt: exists but does not fit: subject is CN=\"kubernetes\""),
        "{err}"
    );
    let err = env.fails(1, &["ca", "create", "--out", "ca", "--skip-existing"]);
    assert!(
        err.contains("ca.key: exists but does not fit: the key is ecdsa-p256, not rsa2048"),
        "{err}"
    );
    // Half a CA does not fit.
    std::fs::remove_file(env.path("ca.key")).unwrap();
    let err = env.fails(1, &keep);
    assert!(
        err.contains("ca.key: exists but does not fit: missing"),
        "{err}"
    );
    assert!(!env.path("ca.key").exists());
}

#[test]
fn output_exists_names_both_ways_out_and_exits_3() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let err = env.fails(3, &["ca", "create", "--out", "ca"]);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(
            "ca.crt already exists; pass --force to replace it, or --skip-existing to keep it"
        ),
        "{err}"
    );
    env.ok(&["sa", "keygen", "--out", "sa"]);
    let err = env.fails(3, &["sa", "keygen", "--out", "sa"]);
    assert!(err.contains("or --skip-existing to keep it"), "{err}");
    // --force and --skip-existing say opposite things.
    env.fails(
        2,
        &["ca", "create", "--out", "ca", "--force", "--skip-existing"],
    );
}

#[test]
fn cert_issue_skip_existing_keeps_what_openssl_verifies_and_refuses_a_changed_request() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    // The server certificate's request, signed by `ca` or another CA.
    let web = [
        "--usage",
        "server",
        "--san",
        "web.local",
        "--key-type",
        "ecdsa-p256",
    ];
    let issue = |extra: &[&str]| {
        let mut args = vec!["cert", "issue", "--ca", "ca", "--out", "web"];
        args.extend(web);
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = issue(extra);
        env.kcred().args(&a).output().unwrap()
    };
    assert!(run(&[]).status.success());
    let before = snapshot(env.dir.path());
    let out = run(&["--skip-existing"]);
    assert_success(&out);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("kept server certificate for \"web.local\"")
    );
    assert_eq!(snapshot(env.dir.path()), before);
    openssl_verifies(env.dir.path(), "ca.crt", "web.crt", "sslserver");

    // Another SAN: reported, exit 1, nothing written.
    let out = run(&["--san", "other.local", "--skip-existing"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("web.crt: exists but does not fit: SANs are [web.local], the command line says [other.local, web.local]"), "{err}");
    assert_eq!(snapshot(env.dir.path()), before);

    // Signed by another CA: does not fit.
    env.ca("ca2", "ecdsa-p256");
    let err = env.issue_fails(1, "ca2", "web", &[&web[..], &["--skip-existing"]].concat());
    assert!(err.contains("not signed by its CA"), "{err}");

    // Another identity with a client certificate.
    env.issue("ca", "jane", &["--cn", "jane", "--group", "dev"]);
    let err = env.issue_fails(
        1,
        "ca",
        "jane",
        &["--cn", "jane", "--group", "ops", "--skip-existing"],
    );
    assert!(
        err.contains("O=[\"dev\"], the command line says CN=\"jane\" O=[\"ops\"]"),
        "{err}"
    );
    env.issue(
        "ca",
        "jane",
        &["--cn", "jane", "--group", "dev", "--skip-existing"],
    );
    openssl_verifies(env.dir.path(), "ca.crt", "jane.crt", "sslclient");
}

#[test]
fn cert_issue_skip_existing_refuses_an_expired_certificate() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    // An expired certificate for the same identity, made by Python cryptography with the CA.
    crate::common::python(
        r#"
import datetime, sys, os
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
os.chdir(sys.argv[1])
ca = x509.load_pem_x509_certificate(open("ca.crt","rb").read())
ca_key = serialization.load_pem_private_key(open("ca.key","rb").read(), None)
key = ec.generate_private_key(ec.SECP256R1())
cert = (x509.CertificateBuilder()
    .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jane")]))
    .issuer_name(ca.subject).public_key(key.public_key()).serial_number(7)
    .not_valid_before(datetime.datetime(2020,1,1)).not_valid_after(datetime.datetime(2021,1,1))
    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
    .sign(ca_key, hashes.SHA256()))
open("old.crt","wb").write(cert.public_bytes(serialization.Encoding.PEM))
open("old.key","wb").write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
"#,
        &[&env.p(".")],
    );
    let err = env.issue_fails(
        1,
        "ca",
        "old",
        &[
            "--cn",
            "jane",
            "--key-type",
            "ecdsa-p256",
            "--skip-existing",
        ],
    );
    assert!(
        err.contains("old.crt: exists but does not fit: expired at 2021-01-01"),
        "{err}"
    );
}

#[test]
fn sa_keygen_skip_existing_keeps_a_pair_and_refuses_a_mismatched_one() {
    let env = Env::new();
    let keygen = ["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"];
    env.ok(&keygen);
    let keep = [&keygen[..], &["--skip-existing"]].concat();
    let err = ok_err(&env, &keep);
    assert!(
        err.starts_with("kept ServiceAccount key pair (ecdsa-p256"),
        "{err}"
    );
    // openssl derives the same public key from the kept private key.
    let derived = run_peer(
        peer("openssl")
            .current_dir(env.dir.path())
            .args(["pkey", "-in", "sa.key", "-pubout"]),
    );
    assert_eq!(
        derived,
        std::fs::read_to_string(env.path("sa.pub")).unwrap()
    );
    // sa.pub from another key: not a pair.
    env.ok(&["sa", "keygen", "--out", "other", "--key-type", "ecdsa-p256"]);
    std::fs::copy(env.path("other.pub"), env.path("sa.pub")).unwrap();
    let before = snapshot(env.dir.path());
    let err = env.fails(1, &keep);
    assert!(
        err.contains("sa.pub: exists but does not fit: not the public half of"),
        "{err}"
    );
    assert_eq!(snapshot(env.dir.path()), before);
}

#[test]
fn csr_create_skip_existing_keeps_a_matching_request() {
    let env = Env::new();
    let args = [
        "csr",
        "create",
        "--out",
        "jane",
        "--cn",
        "jane",
        "--group",
        "dev",
        "--k8s-name",
        "jane",
    ];
    env.ok(&args);
    let mut again = args.to_vec();
    again.push("--skip-existing");
    let err = ok_err(&env, &again);
    assert!(err.starts_with("kept client CSR for \"jane\""), "{err}");
    // openssl checks the kept request's signature.
    let out = peer("openssl")
        .current_dir(env.dir.path())
        .args(["req", "-in", "jane.csr", "-noout", "-verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stderr).contains("verify OK")
            || String::from_utf8_lossy(&out.stdout).contains("verify OK")
    );
    let err = env.fails(
        1,
        &[
            "csr",
            "create",
            "--out",
            "jane",
            "--cn",
            "john",
            "--group",
            "dev",
            "--k8s-name",
            "jane",
            "--skip-existing",
        ],
    );
    assert!(
        err.contains("jane.csr: exists but does not fit: subject is CN=\"jane\""),
        "{err}"
    );
    let err = env.fails(
        1,
        &[
            "csr",
            "create",
            "--out",
            "jane",
            "--cn",
            "jane",
            "--group",
            "dev",
            "--k8s-name",
            "other",
            "--skip-existing",
        ],
    );
    assert!(
        err.contains("jane.yaml: exists but does not fit: is named \"jane\", not \"other\""),
        "{err}"
    );
}

#[test]
fn kubeconfig_skip_existing_keeps_what_kubectl_reads_and_reports_a_new_server() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let base = [
        "kubeconfig",
        "--server",
        "https://10.0.0.1:6443",
        "--ca",
        "ca",
        "--cn",
        "jane",
        "--group",
        "dev",
        "--out",
        "jane.conf",
        "--key-type",
        "ecdsa-p256",
    ];
    env.ok(&base);
    let before = snapshot(env.dir.path());
    let mut again = base.to_vec();
    again.push("--skip-existing");
    let err = ok_err(&env, &again);
    assert!(err.starts_with("kept kubeconfig"), "{err}");
    assert_eq!(snapshot(env.dir.path()), before);
    // kubectl reads the kept file: the context and the server.
    let ctx = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .args(["config", "current-context", "--kubeconfig", "jane.conf"]),
    );
    assert_eq!(ctx.trim(), "jane@kubernetes");
    let server = run_peer(
        peer("kubectl")
            .current_dir(env.dir.path())
            .env_remove("KUBECONFIG")
            .args([
                "config",
                "view",
                "--kubeconfig",
                "jane.conf",
                "-o",
                "jsonpath={.clusters[0].cluster.server}",
            ]),
    );
    assert_eq!(server, "https://10.0.0.1:6443");

    let mut moved = again.clone();
    moved[2] = "https://10.0.0.2:6443";
    let err = env.fails(1, &moved);
    assert!(
        err.contains("jane.conf: exists but does not fit: its server is \"https://10.0.0.1:6443\""),
        "{err}"
    );
    let mut other = again.clone();
    other[8] = "ops";
    let err = env.fails(1, &other);
    assert!(err.contains("its client certificate: subject is"), "{err}");
    assert_eq!(snapshot(env.dir.path()), before);
    // Without the flag: the hint, exit 3.
    let err = env.fails(3, &base);
    assert!(err.contains("or --skip-existing to keep it"), "{err}");
}

/// Run kcred, return (exit code, stdout, stderr).
fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.kcred().args(args).output().expect("run kcred");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn bootstrap(env: &Env, dir: &str, layout: &str) {
    env.bootstrap(
        dir,
        &["worker-1", "worker-2"],
        &["--layout", layout, "--key-type", "ecdsa-p256"],
    );
}

#[test]
fn bootstrap_json_summary_and_quiet_and_one_summary_line_when_failing() {
    let env = Env::new();
    let json = bootstrap_args("k", &[], &["--key-type", "ecdsa-p256", "-o", "json"]);
    let quiet = bootstrap_args("k", &[], &["--key-type", "ecdsa-p256", "-q"]);
    let (code, out, _) = run(&env, &json);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = v["files"].as_array().unwrap().len() as u64;
    assert_eq!(v["summary"]["created"], files);
    assert_eq!(v["summary"]["kept"], 0);
    assert_eq!(v["summary"]["changed"], true);
    assert_eq!(v["summary"]["problems"], 0);
    // Re-run: nothing changed, everything kept.
    let (code, out, _) = run(&env, &json);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["kept"], files);
    assert_eq!(v["summary"]["changed"], false);
    assert_eq!(v["summary"]["issued"], 0);
    // Quiet: only the summary when all is well.
    let (code, out, err) = run(&env, &quiet);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains(" kept,"), "{out}");
    assert!(err.is_empty(), "{err}");
    // A certificate that no longer fits: the quiet table shows it, stderr has one summary line.
    std::fs::copy(
        env.path("k/pki/front-proxy-client.crt"),
        env.path("k/pki/apiserver.crt"),
    )
    .unwrap();
    let (code, out, err) = run(&env, &quiet);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("pki/apiserver.crt") && l.contains("mismatch")),
        "{out}"
    );
    assert!(!out.contains("pki/ca.crt"), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("kcred: bootstrap: 1 problem in "), "{err}");
}

#[test]
fn check_summary_line_quiet_and_exact_window() {
    let env = Env::new();
    bootstrap(&env, "k", "kubeadm");
    // 400d is said as given, not rounded to 1y.
    let (code, out, err) = run(&env, &["check", "--dir", "k", "--expiring-within", "400d"]);
    assert_eq!(code, 1);
    assert!(out.contains("expires within 400d"), "{out}");
    assert!(!out.contains("expires within 1y"), "{out}");
    let leaves = out
        .lines()
        .filter(|l| l.contains("expires within 400d"))
        .count();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!("kcred: check: {leaves} problems in ")),
        "{err}"
    );
    assert!(err.trim_end().ends_with("files (k)"), "{err}");
    // Quiet and fine: one summary line; quiet and failing: only the problem rows.
    let (code, out, _) = run(&env, &["check", "--dir", "k", "-q"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!(
            "0 problems in {} files (k)",
            out.split(" in ").nth(1).unwrap().split(' ').next().unwrap()
        )
    );
    let (code, out, _) = run(
        &env,
        &["check", "--dir", "k", "-q", "--expiring-within", "400d"],
    );
    assert_eq!(code, 1);
    assert!(
        !out.contains("CERTIFICATE AUTHORITY   EXPIRES"),
        "no CA table: {out}"
    );
    assert!(
        out.lines()
            .skip(1)
            .all(|l| l.is_empty() || l.contains("expires within 400d")),
        "{out}"
    );
}

#[test]
fn check_and_renew_name_a_kubeadm_pki_dir_given_directly_as_kubeadm_does() {
    let env = Env::new();
    bootstrap(&env, "k", "kubeadm");
    let names = |args: &[&str]| -> Vec<String> {
        let (_, out, _) = run(&env, args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut n: Vec<String> = v["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .filter(|n| !n.ends_with(".conf") && !n.contains('/'))
            .collect();
        n.sort();
        n
    };
    let from_parent = names(&["check", "--dir", "k", "-o", "json"]);
    let from_pki = names(&["check", "--cert-dir", "k/pki", "-o", "json"]);
    assert!(
        from_pki.contains(&"etcd-server".to_string()),
        "{from_pki:?}"
    );
    assert_eq!(from_pki, from_parent);
    // renew takes the same names, with kubeadm's --cert-dir; openssl verifies the result.
    let old = std::fs::read(env.path("k/pki/etcd/server.crt")).unwrap();
    let out = env.ok(&["renew", "--cert-dir", "k/pki", "etcd-server"]);
    assert!(out.starts_with("etcd-server renewed"), "{out}");
    assert_ne!(
        std::fs::read(env.path("k/pki/etcd/server.crt")).unwrap(),
        old
    );
    openssl_verifies(&env.path("k/pki/etcd"), "ca.crt", "server.crt", "sslserver");
    // The role checks hold for the pki directory given directly: a client certificate in
    // apiserver.crt is caught.
    for ext in ["crt", "key"] {
        std::fs::copy(
            env.path(&format!("k/pki/front-proxy-client.{ext}")),
            env.path(&format!("k/pki/apiserver.{ext}")),
        )
        .unwrap();
    }
    let (code, out, _) = run(&env, &["check", "--cert-dir", "k/pki", "-q"]);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("apiserver ")
                && l.contains("wrong usage for its role: needs server")),
        "{out}"
    );
}

#[test]
fn check_shows_a_file_column_where_one_name_has_two_files() {
    let env = Env::new();
    bootstrap(&env, "h", "hard-way");
    let out = env.ok(&["check", "--dir", "h"]);
    let header = out.lines().next().unwrap();
    assert!(
        header.starts_with("CERTIFICATE") && header.contains(" FILE "),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("admin ") && l.contains("admin.crt")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("admin ") && l.contains("admin.kubeconfig")),
        "{out}"
    );
    // A kubeadm directory has one file per name: its table is kubeadm's, without FILE.
    bootstrap(&env, "k", "kubeadm");
    let out = env.ok(&["check", "--dir", "k"]);
    assert!(!out.lines().next().unwrap().contains("FILE"), "{out}");
}

#[test]
fn renew_order_is_the_plans_on_every_run_and_advice_fits_the_layout() {
    let env = Env::new();
    bootstrap(&env, "h", "hard-way");
    let names = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.contains(" renewed (expires"))
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    let first = env.ok(&["renew", "--dir", "h", "--all"]);
    assert_eq!(
        names(&first),
        [
            "admin",
            "worker-1",
            "worker-2",
            "kube-proxy",
            "kube-scheduler",
            "kube-controller-manager",
            "kube-api-server",
            "service-accounts"
        ]
    );
    for _ in 0..3 {
        assert_eq!(
            names(&env.ok(&["renew", "--dir", "h", "all"])),
            names(&first)
        );
    }
    assert!(!first.contains("etcd"), "no etcd in the hard way: {first}");
    assert!(first.contains("kubelets"), "{first}");
    // openssl verifies a renewed client certificate.
    openssl_verifies(&env.path("h"), "ca.crt", "worker-2.crt", "sslclient");

    bootstrap(&env, "k", "kubeadm");
    let out = env.ok(&["renew", "--dir", "k", "--all"]);
    let n = names(&out);
    let pos = |x: &str| n.iter().position(|y| y == x).unwrap();
    // kubeadm's certlist.go order: etcd-server before etcd-peer.
    assert!(
        pos("apiserver") < pos("etcd-server") && pos("etcd-server") < pos("etcd-peer"),
        "{n:?}"
    );
    assert!(out.contains("and etcd"), "{out}");
}

#[test]
fn renew_dry_run_writes_nothing_and_expiring_within_selects() {
    let env = Env::new();
    bootstrap(&env, "k", "kubeadm");
    let before = snapshot(&env.path("k"));
    let out = env.ok(&["renew", "--dir", "k", "all", "--dry-run"]);
    assert!(out.contains("apiserver would be renewed"), "{out}");
    assert!(out.contains("dry run, nothing written"), "{out}");
    assert_eq!(snapshot(&env.path("k")), before);
    // Nothing expires within 30 days: nothing renewed, each said on stderr, nothing written.
    let (code, out, err) = run(&env, &["renew", "--dir", "k", "--expiring-within", "30d"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(" renewed ("), "{out}");
    assert!(err.contains("apiserver not renewed: expires"), "{err}");
    assert!(err.contains("not within 30d"), "{err}");
    assert_eq!(snapshot(&env.path("k")), before);
    // Everything expires within 400 days; -q says only the summary.
    let (code, out, _) = run(
        &env,
        &["renew", "--dir", "k", "--expiring-within", "400d", "-q"],
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("12 certificates renewed in k\n")
            || out.lines().next().unwrap().ends_with("renewed in k"),
        "{out}"
    );
    assert_ne!(snapshot(&env.path("k")), before);
    openssl_verifies(&env.path("k/pki"), "ca.crt", "apiserver.crt", "sslserver");
}
