//! `kcred bootstrap`, `check` and `renew`: every file checked by real peers (openssl verifies
//! each certificate against its CA with the right purpose, kubectl reads each kubeconfig, Go's
//! crypto/x509 authenticates each kubeconfig's client certificate as the identity the plan
//! names), idempotence, convergence after SIGKILL, and the audit's verdicts.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{
    Env, KUBECTL_VIEW_JSON, assert_openssl_verifies, assert_says, bootstrap_args, field_pairs,
    go_x509check, identity_written, odd_identity_tree, peer, run_peer, snapshot,
};

fn bootstrap_json(env: &Env, args: &[&str]) -> Value {
    let mut a = vec!["bootstrap", "-o", "json"];
    a.extend_from_slice(args);
    serde_json::from_str(&env.ok(&a)).unwrap()
}

/// `kcred bootstrap -o json --dir <dir> --node <node>... <extra>`, the report.
fn bootstrap_nodes_json(env: &Env, dir: &str, nodes: &[&str], extra: &[&str]) -> Value {
    // bootstrap_json adds the subcommand itself.
    bootstrap_json(env, &bootstrap_args(dir, nodes, extra)[1..])
}

fn actions(report: &Value) -> BTreeMap<String, String> {
    field_pairs(&report["files"], "file", "action")
        .into_iter()
        .collect()
}

fn openssl_verify(dir: &Path, ca: &str, cert: &str, purpose: &str) {
    assert_openssl_verifies(
        peer("openssl")
            .current_dir(dir)
            .args(["verify", "-CAfile", ca, "-purpose", purpose, cert]),
        &format!("{cert} ({purpose}) against {ca}"),
    );
}

/// openssl's text of `pki/apiserver.crt`'s subjectAltName under `dir`.
fn apiserver_sans(dir: &Path) -> String {
    run_peer(peer("openssl").current_dir(dir).args([
        "x509",
        "-in",
        "pki/apiserver.crt",
        "-noout",
        "-ext",
        "subjectAltName",
    ]))
}

/// kubectl's reading of a kubeconfig; writes the embedded client certificate and the CA to
/// files for the other peers.
fn kubectl_view(dir: &Path, kubeconfig: &str) -> Value {
    let out = run_peer(
        peer("kubectl")
            .args(KUBECTL_VIEW_JSON)
            .arg(dir.join(kubeconfig)),
    );
    serde_json::from_str(&out).unwrap()
}

fn b64(v: &Value) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

#[test]
fn kubeadm_layout_is_verified_by_openssl_kubectl_and_go() {
    let env = Env::new();
    // The same bootstrap runs twice: the second run must keep every byte.
    let run = || {
        bootstrap_nodes_json(
            &env,
            "k",
            &["cp-1", "worker-1"],
            &[
                "--key-type",
                "ecdsa-p256",
                "--apiserver-advertise-address",
                "192.0.2.10",
                "--control-plane-endpoint",
                "api.lab:6443",
                "--apiserver-cert-extra-sans",
                "api.example.com,203.0.113.5",
            ],
        )
    };
    let report = run();
    assert!(
        actions(&report).values().all(|a| a == "created"),
        "{report}"
    );
    let dir = env.path("k");
    for (cert, ca, purpose) in [
        ("pki/apiserver.crt", "pki/ca.crt", "sslserver"),
        (
            "pki/apiserver-kubelet-client.crt",
            "pki/ca.crt",
            "sslclient",
        ),
        (
            "pki/front-proxy-client.crt",
            "pki/front-proxy-ca.crt",
            "sslclient",
        ),
        ("pki/etcd/server.crt", "pki/etcd/ca.crt", "sslserver"),
        ("pki/etcd/server.crt", "pki/etcd/ca.crt", "sslclient"),
        ("pki/etcd/peer.crt", "pki/etcd/ca.crt", "sslserver"),
        ("pki/etcd/peer.crt", "pki/etcd/ca.crt", "sslclient"),
        (
            "pki/etcd/healthcheck-client.crt",
            "pki/etcd/ca.crt",
            "sslclient",
        ),
        (
            "pki/apiserver-etcd-client.crt",
            "pki/etcd/ca.crt",
            "sslclient",
        ),
    ] {
        openssl_verify(&dir, ca, cert, purpose);
    }
    let sans = apiserver_sans(&dir);
    for want in [
        "DNS:cp-1",
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        "DNS:kubernetes.default.svc.cluster.local",
        "IP Address:10.96.0.1",
        "IP Address:192.0.2.10",
        "DNS:api.lab",
        "DNS:api.example.com",
        "IP Address:203.0.113.5",
    ] {
        assert!(sans.contains(want), "apiserver SANs lack {want}: {sans}");
    }
    for (kubeconfig, user, groups) in [
        (
            "admin.conf",
            "kubernetes-admin",
            json!(["kubeadm:cluster-admins"]),
        ),
        (
            "super-admin.conf",
            "kubernetes-super-admin",
            json!(["system:masters"]),
        ),
        (
            "controller-manager.conf",
            "system:kube-controller-manager",
            json!([]),
        ),
        ("scheduler.conf", "system:kube-scheduler", json!([])),
        (
            "nodes/cp-1/kubelet.conf",
            "system:node:cp-1",
            json!(["system:nodes"]),
        ),
        (
            "nodes/worker-1/kubelet.conf",
            "system:node:worker-1",
            json!(["system:nodes"]),
        ),
    ] {
        let mode = fs::metadata(dir.join(kubeconfig)).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
            0o600,
            "{kubeconfig}"
        );
        let view = kubectl_view(&dir, kubeconfig);
        assert_eq!(
            view["current-context"],
            format!("{user}@kubernetes"),
            "{kubeconfig}"
        );
        assert_eq!(
            view["clusters"][0]["cluster"]["server"], "https://api.lab:6443",
            "{kubeconfig}"
        );
        assert_eq!(
            b64(&view["clusters"][0]["cluster"]["certificate-authority-data"]),
            fs::read(dir.join("pki/ca.crt")).unwrap()
        );
        let cert_file = env.path(&format!("{}.crt", kubeconfig.replace('/', "_")));
        fs::write(
            &cert_file,
            b64(&view["users"][0]["user"]["client-certificate-data"]),
        )
        .unwrap();
        let got = go_x509check(&dir.join("pki/ca.crt"), &cert_file);
        assert_eq!(got["authenticated"], true, "{kubeconfig}: {got}");
        assert_eq!(got["user"], user, "{kubeconfig}");
        assert_eq!(got["groups"], groups, "{kubeconfig}");
    }
    // sa.key / sa.pub: PKCS#1-or-SEC1 private key, PKIX public key, a pair (openssl).
    let sa_pub = fs::read_to_string(dir.join("pki/sa.pub")).unwrap();
    assert!(sa_pub.starts_with("-----BEGIN PUBLIC KEY-----"));
    let derived =
        run_peer(
            peer("openssl")
                .current_dir(&dir)
                .args(["pkey", "-in", "pki/sa.key", "-pubout"]),
        );
    assert_eq!(derived, sa_pub);
    // A token minted with the bootstrapped sa.key verifies with sa.pub (PyJWT).
    let token = env.token("builder", "ci", "k/pki/sa.key", &[]);
    let sub = crate::common::python(
        r#"
import sys, jwt
claims = jwt.decode(sys.argv[2].strip(), open(sys.argv[1]).read(), algorithms=["ES256", "RS256"],
                    audience="https://kubernetes.default.svc.cluster.local")
print(claims["sub"])
"#,
        &[&env.p("k/pki/sa.pub"), &token],
    );
    assert_eq!(sub.trim(), "system:serviceaccount:ci:builder");

    // Re-running changes no byte.
    let before = snapshot(&dir);
    let again = run();
    assert!(actions(&again).values().all(|a| a == "kept"), "{again}");
    assert_eq!(snapshot(&dir), before);
    assert!(env.ok(&["check", "--dir", "k"]).contains("apiserver"));
}

#[test]
fn hard_way_layout_writes_certs_and_kubeconfigs() {
    let env = Env::new();
    let report = bootstrap_nodes_json(
        &env,
        "hw",
        &["node-0", "node-1"],
        &["--layout", "hard-way", "--key-type", "ecdsa-p256"],
    );
    let files = actions(&report);
    for f in [
        "ca.crt",
        "ca.key",
        "admin.crt",
        "admin.key",
        "admin.kubeconfig",
        "node-0.crt",
        "node-1.kubeconfig",
        "kube-proxy.kubeconfig",
        "kube-scheduler.kubeconfig",
        "kube-controller-manager.kubeconfig",
        "kube-api-server.crt",
        "service-accounts.crt",
        "service-accounts.key",
    ] {
        assert_eq!(
            files.get(f).map(String::as_str),
            Some("created"),
            "{f}: {report}"
        );
    }
    let dir = env.path("hw");
    openssl_verify(&dir, "ca.crt", "node-1.crt", "sslserver");
    openssl_verify(&dir, "ca.crt", "node-1.crt", "sslclient");
    openssl_verify(&dir, "ca.crt", "kube-api-server.crt", "sslserver");
    let view = kubectl_view(&dir, "node-1.kubeconfig");
    assert_eq!(
        b64(&view["users"][0]["user"]["client-certificate-data"]),
        fs::read(dir.join("node-1.crt")).unwrap()
    );
    let got = go_x509check(&dir.join("ca.crt"), &dir.join("kube-proxy.crt"));
    assert_eq!(got["user"], "system:kube-proxy");
    assert_eq!(got["groups"], json!(["system:node-proxier"]));
}

#[test]
fn deleted_files_come_back_without_touching_other_keys() {
    let env = Env::new();
    let args = ["--dir", "k", "--key-type", "ecdsa-p256"];
    bootstrap_json(&env, &args);
    let dir = env.path("k");
    let before = snapshot(&dir);
    fs::remove_file(dir.join("pki/apiserver.crt")).unwrap(); // key stays: re-issued for it
    fs::remove_file(dir.join("pki/front-proxy-client.key")).unwrap();
    fs::remove_file(dir.join("pki/front-proxy-client.crt")).unwrap();
    fs::remove_file(dir.join("pki/etcd/ca.crt")).unwrap(); // CA key stays: certificate restored
    fs::remove_file(dir.join("admin.conf")).unwrap();
    let report = bootstrap_json(&env, &args);
    let a = actions(&report);
    assert_eq!(a["pki/apiserver.crt"], "issued");
    assert_eq!(a["pki/front-proxy-client.key"], "created");
    assert_eq!(a["pki/etcd/ca.crt"], "restored");
    assert_eq!(a["admin.conf"], "created");
    let after = snapshot(&dir);
    for (file, bytes) in &before {
        if file.ends_with(".key") && file != "pki/front-proxy-client.key" {
            assert_eq!(&after[file], bytes, "{file} must not change");
        }
    }
    // The restored etcd CA has the same key, so the etcd leaves still verify against it.
    openssl_verify(&dir, "pki/etcd/ca.crt", "pki/etcd/server.crt", "sslserver");
    assert!(
        actions(&bootstrap_json(&env, &args))
            .values()
            .all(|a| a == "kept")
    );
    env.ok(&["check", "--dir", "k"]);
}

#[test]
fn a_ca_certificate_without_its_key_is_an_error_that_says_what_to_do() {
    let env = Env::new();
    bootstrap_json(&env, &["--dir", "k", "--key-type", "ecdsa-p256"]);
    fs::remove_file(env.path("k/pki/front-proxy-ca.key")).unwrap();
    let out = env
        .kcred()
        .args(["bootstrap", "--dir", "k", "--key-type", "ecdsa-p256"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("exists without pki/front-proxy-ca.key: restore the key"),
        "{text}"
    );
}

#[test]
fn a_certificate_that_no_longer_fits_is_left_alone_unless_forced() {
    let env = Env::new();
    bootstrap_json(&env, &["--dir", "k", "--key-type", "ecdsa-p256"]);
    let key_before = fs::read(env.path("k/pki/apiserver.key")).unwrap();
    let crt_before = fs::read(env.path("k/pki/apiserver.crt")).unwrap();
    // A new extra SAN: the existing apiserver certificate no longer fits.
    let args = bootstrap_args(
        "k",
        &[],
        &[
            "--key-type",
            "ecdsa-p256",
            "--apiserver-cert-extra-sans",
            "new.example.com",
            "-o",
            "json",
        ],
    );
    let out = env.kcred().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(actions(&report)["pki/apiserver.crt"], "mismatch");
    assert_eq!(
        fs::read(env.path("k/pki/apiserver.crt")).unwrap(),
        crt_before
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    let report: Value = serde_json::from_str(&env.ok(&forced)).unwrap();
    assert_eq!(actions(&report)["pki/apiserver.crt"], "reissued");
    assert_eq!(
        fs::read(env.path("k/pki/apiserver.key")).unwrap(),
        key_before,
        "the key is kept"
    );
    let sans = apiserver_sans(&env.path("k"));
    assert!(sans.contains("DNS:new.example.com"), "{sans}");
}

#[test]
fn dry_run_writes_nothing() {
    let env = Env::new();
    let report = bootstrap_json(&env, &["--dir", "k", "--dry-run"]);
    assert_eq!(report["dryRun"], true);
    assert!(actions(&report).values().all(|a| a == "created"));
    assert!(!env.path("k").exists());
}

/// SIGKILL at random moments leaves only whole files; the next run converges. Each round
/// kills a run in a fresh directory at a random point of a full run's duration (measured
/// first, only to place the kills), and counts the kills that landed while the process was
/// still running (it died of SIGKILL rather than exiting): most must have.
#[test]
fn bootstrap_killed_at_random_points_converges() {
    use std::os::unix::process::ExitStatusExt as _;
    let env = Env::new();
    let args = |dir: &str| -> Vec<String> {
        bootstrap_args(dir, &["a", "b", "c"], &["--key-type", "rsa2048"])
            .into_iter()
            .map(String::from)
            .collect()
    };
    let bin = assert_cmd::cargo::cargo_bin("kcred");
    let started = std::time::Instant::now();
    let full = std::process::Command::new(&bin)
        .args(args("measure"))
        .current_dir(env.dir.path())
        .output()
        .unwrap();
    assert!(full.status.success());
    let run_ms = started.elapsed().as_millis().max(20) as u64;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = seed | 1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Kills must land while bootstrap runs: a run's length varies with the machine's load
    // and RSA's random key-generation time, so the window shrinks after each kill that came
    // too late, and rounds go on (bounded) until enough have landed. No timing is asserted.
    let (want, max_rounds) = (4, 16);
    let mut window_ms = (run_ms * 3 / 4).max(1);
    let mut landed = 0;
    let mut rounds = 0;
    while landed < want && rounds < max_rounds {
        let round = rounds;
        rounds += 1;
        let dir = format!("k{round}");
        // Somewhere in the window (at first the first three quarters of a full run).
        let delay = Duration::from_millis(next() % window_ms);
        let mut child = std::process::Command::new(&bin)
            .args(args(&dir))
            .current_dir(env.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.signal() == Some(9) {
            landed += 1;
        } else {
            window_ms = (window_ms / 2).max(1);
        }
        // Whatever exists is whole: every key, certificate and kubeconfig parses.
        if env.path(&dir).exists() {
            for (file, bytes) in snapshot(&env.path(&dir)) {
                let text = String::from_utf8_lossy(&bytes);
                let name = Path::new(&file)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if name.starts_with('.') {
                    continue; // a temporary file of the killed writer: never read, removed next run
                }
                assert!(
                    text.contains("-----END") || text.contains("current-context"),
                    "seed {seed} round {round}: torn file {file}"
                );
            }
        }
        // The next run converges, and the one after it keeps everything.
        let a = args(&dir);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = env.kcred().args(&a).output().unwrap();
        assert!(
            out.status.success(),
            "seed {seed} round {round}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut again = a.clone();
        again.extend(["-o", "json"]);
        let report: Value = serde_json::from_str(&env.ok(&again)).unwrap();
        assert!(
            actions(&report).values().all(|a| a == "kept"),
            "seed {seed} round {round}: {report}"
        );
        env.ok(&["check", "--dir", &dir]);
        let leftovers: Vec<_> = snapshot(&env.path(&dir))
            .into_keys()
            .filter(|f| f.contains("/.") || f.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }
    assert!(
        landed >= want,
        "seed {seed}: only {landed} of {rounds} kills landed while bootstrap ran ({run_ms} ms a run)"
    );
}

#[test]
fn check_names_expiring_mismatched_and_foreign_certificates() {
    let env = Env::new();
    bootstrap_json(&env, &["--dir", "k", "--key-type", "ecdsa-p256"]);
    env.ok(&["check", "--dir", "k"]);
    // Expiring: a front-proxy-client valid for 10 days, issued by the same CA with the same key.
    env.issue(
        "k/pki/front-proxy-ca",
        "k/pki/front-proxy-client",
        &[
            "--cn",
            "front-proxy-client",
            "--key",
            "k/pki/front-proxy-client.key",
            "--validity",
            "10d",
            "--force",
        ],
    );
    // Mismatched: apiserver-etcd-client's key replaced by another key.
    env.issue(
        "k/pki/etcd/ca",
        "other",
        &["--cn", "x", "--key-type", "ecdsa-p256"],
    );
    fs::copy(
        env.path("other.key"),
        env.path("k/pki/apiserver-etcd-client.key"),
    )
    .unwrap();
    // Foreign-signed: apiserver-kubelet-client signed by a CA outside the directory.
    env.ca("foreign", "ecdsa-p256");
    env.issue(
        "foreign",
        "k/pki/apiserver-kubelet-client",
        &[
            "--cn",
            "kube-apiserver-kubelet-client",
            "--key",
            "k/pki/apiserver-kubelet-client.key",
            "--force",
        ],
    );
    let out = env
        .kcred()
        .args(["check", "--dir", "k", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let problems = |name: &str| -> String {
        report["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["problems"]
            .to_string()
    };
    assert!(
        problems("front-proxy-client").contains("expires within"),
        "{report}"
    );
    assert!(
        problems("apiserver-etcd-client").contains("does not match"),
        "{report}"
    );
    assert!(
        problems("apiserver-kubelet-client").contains("not signed by any CA"),
        "{report}"
    );
    assert_eq!(problems("apiserver"), "[]");
    let table = String::from_utf8(
        env.kcred()
            .args(["check", "--dir", "k"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(table.contains("CERTIFICATE AUTHORITY   EXPIRES"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("front-proxy-client") && l.contains("expires within 30d")),
        "{table}"
    );
    // A window shorter than 10 days does not flag it.
    let out = env
        .kcred()
        .args([
            "check",
            "--dir",
            "k",
            "--expiring-within",
            "5d",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fp = report["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "front-proxy-client")
        .unwrap();
    assert_eq!(fp["problems"], json!([]));
}

#[test]
fn renew_keeps_keys_and_updates_kubeconfigs() {
    let env = Env::new();
    bootstrap_nodes_json(
        &env,
        "hw",
        &["n1"],
        &["--layout", "hard-way", "--key-type", "ecdsa-p256"],
    );
    let dir = env.path("hw");
    let before = snapshot(&dir);
    let out = env.ok(&["renew", "--dir", "hw", "--all", "--validity", "90d"]);
    assert_says(&out, &["admin renewed", "CAs are not renewed"]);
    let after = snapshot(&dir);
    for (file, bytes) in &before {
        if file.ends_with(".key") || file == "ca.crt" {
            assert_eq!(&after[file], bytes, "{file} must not change");
        } else if file.ends_with(".crt") || file.ends_with(".kubeconfig") {
            assert_ne!(&after[file], bytes, "{file} must be renewed");
        }
    }
    // The kubeconfig carries the renewed certificate, the file and kubeconfig agree, and
    // both still verify and authenticate.
    let view = kubectl_view(&dir, "admin.kubeconfig");
    assert_eq!(
        b64(&view["users"][0]["user"]["client-certificate-data"]),
        fs::read(dir.join("admin.crt")).unwrap()
    );
    openssl_verify(&dir, "ca.crt", "admin.crt", "sslclient");
    let got = go_x509check(&dir.join("ca.crt"), &dir.join("n1.crt"));
    assert_eq!(got["user"], "system:node:n1");
    let j: Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "hw/admin.crt", "-o", "json"])).unwrap();
    // `cert inspect -o json` is always a list, one entry per certificate.
    let j = &j[0];
    assert_eq!(j["timeLeft"], "89d");
    env.ok(&["check", "--dir", "hw"]);
    let err = env.fails(2, &["renew", "--dir", "hw", "ca"]);
    assert!(err.contains("does not renew CAs"), "{err}");
}

/// Regression (sweep: renew dropped the user UID): `renew` keeps the identity a certificate
/// carries as it is written. kube-apiserver 1.33+ reads the user's UID from the subject
/// attribute 1.3.6.1.4.1.57683.2 (k8s.io/apiserver/pkg/authentication/request/x509/x509.go,
/// `parseUIDFromCert`); kcred used to rebuild the subject from CN and O alone. The renewed
/// certificate has the same subject Name and subjectAltName extension byte for byte (string
/// types, a second CN, an RDN out of DER order, a critical SAN), and Go's x509 authenticator
/// reads the same user, UID and groups from it.
#[test]
fn renew_keeps_the_subject_and_sans_as_written() {
    let env = Env::new();
    let (cert, before) = odd_identity_tree(&env);
    let old = fs::read(&cert).unwrap();
    env.ok(&["renew", "--dir", "k", "apiserver-kubelet-client"]);
    assert_ne!(fs::read(&cert).unwrap(), old, "renewed");
    assert_eq!(identity_written(&env.path("k/pki/ca.crt"), &cert), before);
}

/// `renew` of named targets in the kubeadm layout: a certificate file, a kubeconfig and a
/// node's kubelet.conf. Only those change; each verifies with openssl against its CA, kubectl
/// reads the kubeconfigs, and Go's crypto/x509 still authenticates them as before.
#[test]
fn renew_named_targets_in_the_kubeadm_layout() {
    let env = Env::new();
    bootstrap_nodes_json(&env, "k", &["cp-1", "w-1"], &["--key-type", "ecdsa-p256"]);
    let dir = env.path("k");
    let before = snapshot(&dir);
    let out = env.ok(&[
        "renew",
        "--dir",
        "k",
        "apiserver",
        "admin.conf",
        "nodes/w-1/kubelet.conf",
        "--validity",
        "60d",
    ]);
    for name in ["apiserver", "admin.conf", "nodes/w-1/kubelet.conf"] {
        assert!(out.contains(&format!("{name} renewed")), "{out}");
    }
    let after = snapshot(&dir);
    let changed: Vec<&String> = before.keys().filter(|f| before[*f] != after[*f]).collect();
    assert_eq!(
        changed,
        ["admin.conf", "nodes/w-1/kubelet.conf", "pki/apiserver.crt"],
        "only the named ones change"
    );
    openssl_verify(&dir, "pki/ca.crt", "pki/apiserver.crt", "sslserver");
    let j: Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "k/pki/apiserver.crt", "-o", "json"]))
            .unwrap();
    let j = &j[0];
    assert_eq!(j["timeLeft"], "59d");
    for (kubeconfig, user, groups) in [
        (
            "admin.conf",
            "kubernetes-admin",
            json!(["kubeadm:cluster-admins"]),
        ),
        (
            "nodes/w-1/kubelet.conf",
            "system:node:w-1",
            json!(["system:nodes"]),
        ),
    ] {
        let view = kubectl_view(&dir, kubeconfig);
        let old_view: Value = {
            let tmp = env.path("old.conf");
            fs::write(&tmp, &before[kubeconfig]).unwrap();
            serde_json::from_str(&run_peer(peer("kubectl").args(KUBECTL_VIEW_JSON).arg(&tmp)))
                .unwrap()
        };
        // Same key, new certificate, same cluster.
        assert_eq!(
            view["users"][0]["user"]["client-key-data"],
            old_view["users"][0]["user"]["client-key-data"]
        );
        assert_ne!(
            view["users"][0]["user"]["client-certificate-data"],
            old_view["users"][0]["user"]["client-certificate-data"]
        );
        assert_eq!(view["clusters"], old_view["clusters"]);
        let cert = env.path("renewed.crt");
        fs::write(
            &cert,
            b64(&view["users"][0]["user"]["client-certificate-data"]),
        )
        .unwrap();
        run_peer(
            peer("openssl")
                .args(["verify", "-CAfile"])
                .arg(dir.join("pki/ca.crt"))
                .args(["-purpose", "sslclient"])
                .arg(&cert),
        );
        let got = go_x509check(&dir.join("pki/ca.crt"), &cert);
        assert_eq!(got["authenticated"], true, "{kubeconfig}: {got}");
        assert_eq!(got["user"], user);
        assert_eq!(got["groups"], groups);
        let mode = fs::metadata(dir.join(kubeconfig)).unwrap();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
            0o600
        );
    }
    env.ok(&["check", "--dir", "k"]);
    let err = env.fails(2, &["renew", "--dir", "k", "no-such-thing"]);
    assert!(err.contains("no certificate named"), "{err}");
}

/// `bootstrap --plan FILE`: a custom plan in the templates' format (its own CAs, a server
/// certificate with templated SANs, a kubeconfig per node, a key pair, its own service CIDR
/// and endpoint), checked by openssl and kubectl, idempotent, and clean for `check`.
#[test]
fn bootstrap_applies_a_custom_plan() {
    let env = Env::new();
    fs::write(
        env.path("plan.yaml"),
        r#"# A small lab: one CA for the API, one for the registry.
layout: lab
service_cidr: 172.20.0.0/16
endpoint: "api.{control_plane}.lab"
credentials:
  - {name: root, kind: ca, file: ca/root, cn: lab-root, validity: 5y}
  - {name: registry-ca, kind: ca, file: ca/registry, cn: registry-ca}
  - name: api
    ca: root
    file: api/serving
    cn: lab-apiserver
    usage: server
    sans: ["{endpoint_host}", "{service_ip}", "kubernetes.default.svc.{dns_domain}", "{extra_sans}"]
    validity: 90d
  - name: registry
    ca: registry-ca
    file: registry/tls
    cn: registry.lab
    usage: peer
    sans: [registry.lab, 127.0.0.1]
  - name: "ops"
    ca: root
    kubeconfig: ops.kubeconfig
    cn: ops
    groups: ["lab:operators", "system:authenticated-ops"]
  - name: "node/{node}"
    for_each: node
    ca: root
    kubeconfig: "nodes/{node}.kubeconfig"
    server: "https://{endpoint_host}:7443"
    cn: "system:node:{node}"
    groups: ["system:nodes"]
  - {name: tokens, kind: keypair, file: sa/tokens}
"#,
    )
    .unwrap();
    let args = [
        "--dir",
        "lab",
        "--plan",
        "plan.yaml",
        "--control-plane",
        "cp",
        "--node",
        "n1",
        "--node",
        "n2",
        "--apiserver-cert-extra-sans",
        "extra.lab",
        "--key-type",
        "ecdsa-p256",
    ];
    let report = bootstrap_json(&env, &args);
    assert_eq!(report["layout"], "lab");
    let files = actions(&report);
    for f in [
        "ca/root.crt",
        "ca/registry.key",
        "api/serving.crt",
        "registry/tls.key",
        "ops.kubeconfig",
        "nodes/n1.kubeconfig",
        "nodes/n2.kubeconfig",
        "sa/tokens.key",
        "sa/tokens.pub",
    ] {
        assert_eq!(
            files.get(f).map(String::as_str),
            Some("created"),
            "{f}: {report}"
        );
    }
    let dir = env.path("lab");
    openssl_verify(&dir, "ca/root.crt", "api/serving.crt", "sslserver");
    openssl_verify(&dir, "ca/registry.crt", "registry/tls.crt", "sslserver");
    openssl_verify(&dir, "ca/registry.crt", "registry/tls.crt", "sslclient");
    let sans = run_peer(peer("openssl").current_dir(&dir).args([
        "x509",
        "-in",
        "api/serving.crt",
        "-noout",
        "-ext",
        "subjectAltName",
    ]));
    for want in [
        "DNS:api.cp.lab",
        "IP Address:172.20.0.1",
        "DNS:kubernetes.default.svc.cluster.local",
        "DNS:extra.lab",
    ] {
        assert!(sans.contains(want), "{want}: {sans}");
    }
    let j: Value =
        serde_json::from_str(&env.ok(&["cert", "inspect", "lab/api/serving.crt", "-o", "json"]))
            .unwrap();
    let j = &j[0];
    assert_eq!(j["timeLeft"], "89d");
    let view = kubectl_view(&dir, "ops.kubeconfig");
    assert_eq!(
        view["clusters"][0]["cluster"]["server"],
        "https://api.cp.lab:6443"
    );
    let cert = env.path("ops.crt");
    fs::write(
        &cert,
        b64(&view["users"][0]["user"]["client-certificate-data"]),
    )
    .unwrap();
    let got = go_x509check(&dir.join("ca/root.crt"), &cert);
    assert_eq!(got["user"], "ops");
    assert_eq!(
        got["groups"],
        json!(["lab:operators", "system:authenticated-ops"])
    );
    let view = kubectl_view(&dir, "nodes/n2.kubeconfig");
    assert_eq!(
        view["clusters"][0]["cluster"]["server"],
        "https://api.cp.lab:7443"
    );
    assert_eq!(view["current-context"], "system:node:n2@kubernetes");
    let derived = run_peer(peer("openssl").current_dir(&dir).args([
        "pkey",
        "-in",
        "sa/tokens.key",
        "-pubout",
    ]));
    assert_eq!(
        derived,
        fs::read_to_string(dir.join("sa/tokens.pub")).unwrap()
    );
    // Idempotent, and an audit of the result finds nothing wrong.
    let before = snapshot(&dir);
    let again = bootstrap_json(&env, &args);
    assert!(actions(&again).values().all(|a| a == "kept"), "{again}");
    assert_eq!(snapshot(&dir), before);
    env.ok(&["check", "--dir", "lab"]);
    // A plan that is not one is refused, naming the file.
    fs::write(
        env.path("bad.yaml"),
        "layout: x
service_cidr: 10.0.0.0
credentials: []
",
    )
    .unwrap();
    let err = env.fails(3, &["bootstrap", "--dir", "b", "--plan", "bad.yaml"]);
    assert_says(&err, &["bad.yaml", "service CIDR"]);
    assert!(!env.path("b").exists());
}
