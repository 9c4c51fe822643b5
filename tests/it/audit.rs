//! `kcred check`, `renew` and `bootstrap` never say "fine" about a directory that is not:
//! every file the layout names and every kubeconfig found is a row, a broken one is a problem
//! that names the file, `renew` refuses before writing anything, an expired certificate no
//! longer fits a plan, and the hard-way layout matches Kubernetes The Hard Way's `ca.conf`.
//! Real peers decide where they can: kubectl reads the kubeconfigs, openssl verifies the
//! certificates, Python's cryptography makes the expired ones, `stat` reads the modes as
//! kube-bench does.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::{
    Env, KUBECTL_VIEW_JSON, assert_says, bootstrap_args, go_tokencheck, go_x509check, peer, python,
    run_peer, snapshot,
};

/// YAML's billion laughs: nine levels of nine aliases.
const ALIAS_BOMB: &str = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";

/// The broken contents a file can have, by name.
fn broken() -> Vec<(&'static str, Vec<u8>)> {
    let mut random = vec![0u8; 2048];
    aws_lc_rs::rand::fill(&mut random).unwrap();
    vec![
        ("empty", vec![]),
        ("random", random),
        ("alias-bomb", ALIAS_BOMB.as_bytes().to_vec()),
        ("a list", b"- 1\n- 2\n".to_vec()),
    ]
}

fn kubeadm(env: &Env, dir: &str) {
    env.bootstrap(dir, &["cp-1", "w-1"], &["--key-type", "ecdsa-p256"]);
}

/// `kcred check -o json`: exit code and report.
fn check(env: &Env, dir: &str) -> (i32, Value) {
    let out = env
        .kcred()
        .args(["check", "--dir", dir, "-o", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{stderr}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), report)
}

/// Every row (leaves and CAs) named `name`.
fn rows<'a>(report: &'a Value, name: &str) -> Vec<&'a Value> {
    ["certificates", "certificateAuthorities"]
        .iter()
        .flat_map(|t| report[t].as_array().unwrap())
        .filter(|r| r["name"] == name)
        .collect()
}

fn problems(report: &Value, name: &str) -> String {
    rows(report, name)
        .iter()
        .map(|r| r["problems"].to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `kcred check` table output (exit code, stdout).
fn check_table(env: &Env, dir: &str) -> (i32, String) {
    let out = env.kcred().args(["check", "--dir", dir]).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn check_makes_a_broken_admin_conf_a_problem_row() {
    let env = Env::new();
    kubeadm(&env, "k");
    let (code, _) = check(&env, "k");
    assert_eq!(code, 0);
    let good = fs::read(env.path("k/admin.conf")).unwrap();
    for (what, bytes) in broken() {
        fs::write(env.path("k/admin.conf"), &bytes).unwrap();
        let (code, report) = check(&env, "k");
        assert_eq!(code, 1, "{what}: {report}");
        let p = problems(&report, "admin.conf");
        assert!(p.contains("admin.conf"), "{what}: {report}");
        let (code, table) = check_table(&env, "k");
        assert_eq!(code, 1, "{what}");
        assert!(
            table
                .lines()
                .any(|l| l.starts_with("admin.conf") && l.contains("admin.conf:")),
            "{what}: {table}"
        );
        // kubectl agrees the file holds no usable user.
        let view = peer("kubectl")
            .args(KUBECTL_VIEW_JSON)
            .arg(env.path("k/admin.conf"))
            .output()
            .unwrap();
        let users = serde_json::from_slice::<Value>(&view.stdout)
            .map(|v| v["users"].clone())
            .unwrap_or(Value::Null);
        assert!(
            !view.status.success() || users.is_null() || users == json!([]),
            "{what}: kubectl read a user from it: {users}"
        );
    }
    // Missing: a row, as kubeadm's `!MISSING! admin.conf`.
    fs::remove_file(env.path("k/admin.conf")).unwrap();
    let (code, report) = check(&env, "k");
    assert_eq!(code, 1);
    let row = rows(&report, "admin.conf");
    assert_eq!(row.len(), 1, "{report}");
    assert_eq!(row[0]["missing"], true);
    assert_eq!(row[0]["expirationDate"], Value::Null);
    assert!(problems(&report, "admin.conf").contains("admin.conf is missing"));
    let (_, table) = check_table(&env, "k");
    assert!(table.contains("!MISSING! admin.conf"), "{table}");
    fs::write(env.path("k/admin.conf"), good).unwrap();
    fs::set_permissions(env.path("k/admin.conf"), fs::Permissions::from_mode(0o600)).unwrap();
    // A missing CA certificate and a missing sa.pub are rows too.
    fs::remove_file(env.path("k/pki/front-proxy-ca.crt")).unwrap();
    fs::remove_file(env.path("k/pki/sa.pub")).unwrap();
    let (code, report) = check(&env, "k");
    assert_eq!(code, 1);
    let ca = report["certificateAuthorities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "front-proxy-ca")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(ca["missing"], true);
    assert!(
        problems(&report, "sa").contains("pki/sa.pub is missing"),
        "{report}"
    );
}

/// A kubeadm node's kubelet.conf names its certificate and key by path (one file,
/// `kubelet-client-current.pem`); relative paths are relative to the kubeconfig's directory.
fn kubelet_conf_with_files(env: &Env) {
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "k/pki/ca",
        "--node",
        "w-2",
        "--out",
        "kc",
        "--key-type",
        "ecdsa-p256",
    ]);
    // Outside the directory, as /var/lib/kubelet/pki is outside /etc/kubernetes.
    fs::create_dir_all(env.path("kubelet/pki")).unwrap();
    let mut pem = fs::read(env.path("kc.crt")).unwrap();
    pem.extend(fs::read(env.path("kc.key")).unwrap());
    let current = env.path("kubelet/pki/kubelet-client-current.pem");
    fs::write(&current, pem).unwrap();
    fs::set_permissions(&current, fs::Permissions::from_mode(0o600)).unwrap();
    let conf = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: pki/ca.crt\n    server: https://cp-1:6443\n  name: default-cluster\ncontexts:\n- context:\n    cluster: default-cluster\n    namespace: default\n    user: default-auth\n  name: default-context\ncurrent-context: default-context\nusers:\n- name: default-auth\n  user:\n    client-certificate: ../kubelet/pki/kubelet-client-current.pem\n    client-key: ../kubelet/pki/kubelet-client-current.pem\n";
    fs::write(env.path("k/kubelet.conf"), conf).unwrap();
    fs::set_permissions(
        env.path("k/kubelet.conf"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
}

#[test]
fn check_reads_a_kubelet_conf_through_the_files_it_names() {
    let env = Env::new();
    kubeadm(&env, "k");
    kubelet_conf_with_files(&env);
    // kubectl resolves the paths against the kubeconfig's directory and reads them.
    let flat = run_peer(
        peer("kubectl")
            .args([
                "config",
                "view",
                "--raw",
                "--flatten",
                "-o",
                "json",
                "--kubeconfig",
            ])
            .arg(env.path("k/kubelet.conf")),
    );
    let flat: Value = serde_json::from_str(&flat).unwrap();
    assert!(flat["users"][0]["user"]["client-certificate-data"].is_string());
    let (code, report) = check(&env, "k");
    assert_eq!(code, 0, "{report}");
    let row = rows(&report, "kubelet.conf");
    assert_eq!(row.len(), 1, "{report}");
    assert_eq!(row[0]["problems"], json!([]));
    assert_eq!(row[0]["caName"], "ca");
    assert!(row[0]["expirationDate"].is_string());

    // The file it names is gone: kubectl cannot flatten it, and check says which file.
    fs::remove_file(env.path("kubelet/pki/kubelet-client-current.pem")).unwrap();
    let out = peer("kubectl")
        .args(["config", "view", "--raw", "--flatten", "--kubeconfig"])
        .arg(env.path("k/kubelet.conf"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let (code, report) = check(&env, "k");
    assert_eq!(code, 1, "{report}");
    let p = problems(&report, "kubelet.conf");
    assert!(
        p.contains("references client-certificate")
            && p.contains("kubelet-client-current.pem, which is missing"),
        "{report}"
    );
    // And renew refuses before writing anything.
    let before = snapshot(&env.path("k"));
    let err = env.fails(3, &["renew", "--dir", "k", "--all"]);
    assert_says(&err, &["kubelet.conf", "nothing was renewed"]);
    assert_eq!(snapshot(&env.path("k")), before);
}

#[test]
fn renew_of_a_kubelet_conf_rewrites_the_file_it_names_and_all_leaves_it_to_the_kubelet() {
    let env = Env::new();
    kubeadm(&env, "k");
    kubelet_conf_with_files(&env);
    let current = env.path("kubelet/pki/kubelet-client-current.pem");
    let before = fs::read(&current).unwrap();
    // --all leaves it to the kubelet, and says so.
    let out = env
        .kcred()
        .args(["renew", "--dir", "k", "--all"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_says(
        &stderr,
        &["kubelet.conf not renewed", "the kubelet rotates"],
    );
    assert_eq!(fs::read(&current).unwrap(), before);
    // Named, it is renewed in place: the key block is kept, the certificate verifies.
    let out = env.ok(&["renew", "--dir", "k", "kubelet.conf", "--validity", "90d"]);
    assert!(out.contains("kubelet.conf renewed"), "{out}");
    let after = fs::read_to_string(&current).unwrap();
    assert_ne!(after.as_bytes(), before.as_slice());
    let key_block = |t: &str| t[t.find("-----BEGIN EC PRIVATE KEY").unwrap()..].to_string();
    assert_eq!(
        key_block(&after),
        key_block(&String::from_utf8(before).unwrap())
    );
    let mode = fs::metadata(&current).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let out = run_peer(peer("openssl").current_dir(env.path("")).args([
        "verify",
        "-CAfile",
        "k/pki/ca.crt",
        "-purpose",
        "sslclient",
        "kubelet/pki/kubelet-client-current.pem",
    ]));
    assert!(out.contains(": OK"), "{out}");
    let (code, report) = check(&env, "k");
    assert_eq!(code, 0, "{report}");
}

#[test]
fn check_flags_keys_and_kubeconfigs_readable_by_others() {
    let env = Env::new();
    kubeadm(&env, "k");
    for f in ["k/pki/apiserver.key", "k/admin.conf", "k/pki/sa.key"] {
        fs::set_permissions(env.path(f), fs::Permissions::from_mode(0o644)).unwrap();
        // kube-bench reads the mode with stat -c %a and wants 600 or stricter.
        let mode = run_peer(peer("stat").args(["-c", "%a"]).arg(env.path(f)));
        assert_eq!(mode.trim(), "644");
    }
    let (code, report) = check(&env, "k");
    assert_eq!(code, 1, "{report}");
    for (name, file) in [
        ("apiserver", "pki/apiserver.key"),
        ("admin.conf", "admin.conf"),
        ("sa", "pki/sa.key"),
    ] {
        let p = problems(&report, name);
        assert!(
            p.contains(&format!("{file} has mode 0644")),
            "{name}: {report}"
        );
    }
    // Certificates may be 0644 (kube-bench: 644 or stricter for the PKI certificates).
    assert_eq!(problems(&report, "front-proxy-client"), "[]");
    for f in ["k/pki/apiserver.key", "k/admin.conf", "k/pki/sa.key"] {
        fs::set_permissions(env.path(f), fs::Permissions::from_mode(0o400)).unwrap();
    }
    let (code, report) = check(&env, "k");
    assert_eq!(code, 0, "0400 is stricter than 0600: {report}");
}

#[test]
fn renew_refuses_an_unreadable_input_and_writes_nothing() {
    let env = Env::new();
    kubeadm(&env, "k");
    for (what, bytes) in broken() {
        fs::write(env.path("k/admin.conf"), &bytes).unwrap();
        let before = snapshot(&env.path("k"));
        for args in [
            vec!["renew", "--dir", "k", "--all"],
            vec!["renew", "--dir", "k", "apiserver"],
        ] {
            let err = env.fails(3, &args);
            assert_eq!(err.lines().count(), 1, "{what}: {err}");
            assert!(
                err.contains("admin.conf") && err.contains("nothing was renewed"),
                "{what}: {err}"
            );
            assert_eq!(snapshot(&env.path("k")), before, "{what}: {args:?} wrote");
        }
    }
    // A file the layout names that is missing stops --all too.
    fs::remove_file(env.path("k/admin.conf")).unwrap();
    let before = snapshot(&env.path("k"));
    let err = env.fails(3, &["renew", "--dir", "k", "--all"]);
    assert!(err.contains("admin.conf: is missing"), "{err}");
    assert_eq!(snapshot(&env.path("k")), before);
}

#[test]
fn bootstrap_refuses_an_unreadable_file_and_writes_nothing() {
    let env = Env::new();
    kubeadm(&env, "k");
    fs::remove_file(env.path("k/pki/front-proxy-client.crt")).unwrap();
    for (what, bytes) in broken() {
        for f in ["k/admin.conf", "k/pki/apiserver.key", "k/pki/sa.pub"] {
            let good = fs::read(env.path(f)).unwrap();
            fs::write(env.path(f), &bytes).unwrap();
            let before = snapshot(&env.path("k"));
            let err = env.fails(3, &bootstrap_args("k", &["cp-1", "w-1"], &["--force"]));
            assert_eq!(err.lines().count(), 1, "{what} {f}: {err}");
            assert!(err.contains(f), "{what} {f}: {err}");
            assert_eq!(snapshot(&env.path("k")), before, "{what} {f}: wrote");
            fs::write(env.path(f), good).unwrap();
        }
    }
}

/// Replace `cert` (relative to `dir`) with a copy of itself valid from `from` to `to` (Unix
/// seconds), same key, signed by `ca` (its own key for a CA), with Python's cryptography.
fn redate(dir: &Path, cert: &str, ca: &str, from: i64, to: i64) {
    python(
        r#"
import sys, datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
d, cert, ca, start, end = sys.argv[1:6]
old = x509.load_pem_x509_certificate(open(f"{d}/{cert}.crt", "rb").read())
ca_cert = x509.load_pem_x509_certificate(open(f"{d}/{ca}.crt", "rb").read())
ca_key = serialization.load_pem_private_key(open(f"{d}/{ca}.key", "rb").read(), None)
b = (x509.CertificateBuilder()
     .subject_name(old.subject)
     .issuer_name(ca_cert.subject)
     .public_key(old.public_key())
     .serial_number(x509.random_serial_number())
     .not_valid_before(datetime.datetime.fromtimestamp(int(start), datetime.timezone.utc))
     .not_valid_after(datetime.datetime.fromtimestamp(int(end), datetime.timezone.utc)))
for ext in old.extensions:
    b = b.add_extension(ext.value, ext.critical)
new = b.sign(ca_key, hashes.SHA256())
open(f"{d}/{cert}.crt", "wb").write(new.public_bytes(serialization.Encoding.PEM))
"#,
        &[
            &dir.display().to_string(),
            cert,
            ca,
            &from.to_string(),
            &to.to_string(),
        ],
    );
}

#[test]
fn bootstrap_reports_expired_and_not_yet_valid_certificates_and_reissues_them_under_force() {
    let env = Env::new();
    let args = bootstrap_args("k", &[], &["--key-type", "ecdsa-p256", "-o", "json"]);
    env.ok(&args);
    let dir = env.path("k");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = 86_400;
    redate(&dir, "pki/apiserver", "pki/ca", now - 400 * day, now - day);
    redate(
        &dir,
        "pki/front-proxy-client",
        "pki/front-proxy-ca",
        now + day,
        now + 300 * day,
    );
    redate(
        &dir,
        "pki/etcd/ca",
        "pki/etcd/ca",
        now - 4000 * day,
        now - day,
    );
    // openssl agrees: expired, not yet valid.
    for (cert, ca, want) in [
        ("pki/apiserver.crt", "pki/ca.crt", "certificate has expired"),
        (
            "pki/front-proxy-client.crt",
            "pki/front-proxy-ca.crt",
            "certificate is not yet valid",
        ),
    ] {
        let out = peer("openssl")
            .current_dir(&dir)
            .args(["verify", "-CAfile", ca, cert])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains(want), "{text}");
    }
    let before = snapshot(&dir);
    let out = env.kcred().args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |r: &Value, f: &str| -> Value {
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["file"] == f)
            .unwrap()
            .clone()
    };
    assert_eq!(row(&report, "pki/apiserver.crt")["action"], "mismatch");
    assert!(
        row(&report, "pki/apiserver.crt")["note"]
            .as_str()
            .unwrap()
            .contains("expired at"),
        "{report}"
    );
    assert_eq!(
        row(&report, "pki/front-proxy-client.crt")["action"],
        "mismatch"
    );
    assert!(
        row(&report, "pki/front-proxy-client.crt")["note"]
            .as_str()
            .unwrap()
            .contains("not valid before")
    );
    assert_eq!(row(&report, "pki/etcd/ca.crt")["action"], "mismatch");
    assert_eq!(snapshot(&dir), before, "nothing is written without --force");

    let mut forced = args.to_vec();
    forced.push("--force");
    let report: Value = serde_json::from_str(&env.ok(&forced)).unwrap();
    for f in [
        "pki/apiserver.crt",
        "pki/front-proxy-client.crt",
        "pki/etcd/ca.crt",
    ] {
        assert_eq!(row(&report, f)["action"], "reissued", "{f}: {report}");
    }
    let after = snapshot(&dir);
    for (file, bytes) in &before {
        if file.ends_with(".key") {
            assert_eq!(&after[file], bytes, "{file}: keys are kept");
        }
    }
    // The re-made etcd CA has the same key and name: the etcd leaves still verify against it.
    for (cert, ca, purpose) in [
        ("pki/apiserver.crt", "pki/ca.crt", "sslserver"),
        (
            "pki/front-proxy-client.crt",
            "pki/front-proxy-ca.crt",
            "sslclient",
        ),
        ("pki/etcd/server.crt", "pki/etcd/ca.crt", "sslserver"),
        (
            "pki/apiserver-etcd-client.crt",
            "pki/etcd/ca.crt",
            "sslclient",
        ),
    ] {
        run_peer(
            peer("openssl")
                .current_dir(&dir)
                .args(["verify", "-CAfile", ca, "-purpose", purpose, cert]),
        );
    }
    env.ok(&["check", "--dir", "k"]);
}

/// Kubernetes The Hard Way's ca.conf (kelseyhightower/kubernetes-the-hard-way), entry by
/// entry: file, CN, O, extended key usage, SANs.
#[test]
fn hard_way_matches_kthw_ca_conf_entry_by_entry() {
    let env = Env::new();
    env.ok(&[
        "bootstrap",
        "--dir",
        "hw",
        "--layout",
        "hard-way",
        "--control-plane",
        "server",
        "--node",
        "node-0",
        "--node",
        "node-1",
        "--key-type",
        "ecdsa-p256",
    ]);
    let dir = env.path("hw");
    let both = "TLS Web Client Authentication, TLS Web Server Authentication";
    let client = "TLS Web Client Authentication";
    let kthw: &[(&str, &str, &str, &str, &[&str])] = &[
        ("admin", "admin", "system:masters", client, &[]),
        ("service-accounts", "service-accounts", "", client, &[]),
        (
            "node-0",
            "system:node:node-0",
            "system:nodes",
            both,
            &["DNS:node-0", "IP Address:127.0.0.1"],
        ),
        (
            "node-1",
            "system:node:node-1",
            "system:nodes",
            both,
            &["DNS:node-1", "IP Address:127.0.0.1"],
        ),
        (
            "kube-proxy",
            "system:kube-proxy",
            "system:node-proxier",
            both,
            &["DNS:kube-proxy", "IP Address:127.0.0.1"],
        ),
        (
            "kube-controller-manager",
            "system:kube-controller-manager",
            "system:kube-controller-manager",
            both,
            &["DNS:kube-controller-manager", "IP Address:127.0.0.1"],
        ),
        (
            "kube-scheduler",
            "system:kube-scheduler",
            "system:system:kube-scheduler",
            both,
            &["DNS:kube-scheduler", "IP Address:127.0.0.1"],
        ),
        (
            "kube-api-server",
            "kubernetes",
            "",
            both,
            &[
                "IP Address:127.0.0.1",
                "IP Address:10.32.0.1",
                "DNS:kubernetes",
                "DNS:kubernetes.default",
                "DNS:kubernetes.default.svc",
                "DNS:kubernetes.default.svc.cluster",
                "DNS:kubernetes.svc.cluster.local",
                "DNS:server.kubernetes.local",
                "DNS:api-server.kubernetes.local",
            ],
        ),
    ];
    for (file, cn, o, eku, sans) in kthw {
        let crt = format!("{file}.crt");
        let subject = run_peer(peer("openssl").current_dir(&dir).args([
            "x509", "-in", &crt, "-noout", "-subject", "-nameopt", "RFC2253",
        ]));
        let mut have: Vec<&str> = subject
            .trim()
            .trim_start_matches("subject=")
            .split(',')
            .collect();
        have.sort();
        let cn = format!("CN={cn}");
        let o = format!("O={o}");
        let mut want = vec![cn.as_str()];
        if o != "O=" {
            want.push(&o);
        }
        want.sort();
        assert_eq!(have, want, "{file}");
        let ext = |name: &str| {
            run_peer(
                peer("openssl")
                    .current_dir(&dir)
                    .args(["x509", "-in", &crt, "-noout", "-ext", name]),
            )
        };
        let have_eku = ext("extendedKeyUsage");
        let mut have_eku: Vec<&str> = have_eku
            .lines()
            .nth(1)
            .unwrap_or("")
            .trim()
            .split(", ")
            .collect();
        have_eku.sort();
        let mut want_eku: Vec<&str> = eku.split(", ").collect();
        want_eku.sort();
        assert_eq!(have_eku, want_eku, "{file}");
        let have_sans: Vec<String> = ext("subjectAltName")
            .lines()
            .nth(1)
            .unwrap_or("")
            .split(", ")
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_string())
            .collect();
        let mut have_sorted = have_sans.clone();
        have_sorted.sort();
        let mut want_sorted: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
        want_sorted.sort();
        assert_eq!(have_sorted, want_sorted, "{file}");
        for purpose in ["sslclient"]
            .into_iter()
            .chain((*eku == both).then_some("sslserver"))
        {
            run_peer(
                peer("openssl")
                    .current_dir(&dir)
                    .args(["verify", "-CAfile", "ca.crt", "-purpose", purpose, &crt]),
            );
        }
    }
    let ca = run_peer(peer("openssl").current_dir(&dir).args([
        "x509", "-in", "ca.crt", "-noout", "-subject", "-nameopt", "RFC2253",
    ]));
    assert_eq!(ca.trim(), "subject=CN=CA");
    // The API server certificate is also its kubelet client certificate: an API server
    // (kcred whoami, Go's crypto/x509) accepts it as a client.
    let out = env.ok(&[
        "whoami",
        "--client-certificate",
        "hw/kube-api-server.crt",
        "--client-ca-file",
        "hw/ca.crt",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["userInfo"]["username"], "kubernetes", "{v}");
    let got = go_x509check(&dir.join("ca.crt"), &dir.join("kube-api-server.crt"));
    assert_eq!(got["authenticated"], true, "{got}");
    // The kubeconfigs reach the control plane as KTHW's do (docs/05).
    let view = run_peer(
        peer("kubectl")
            .args(["config", "view", "-o", "json", "--kubeconfig"])
            .arg(dir.join("node-0.kubeconfig")),
    );
    let view: Value = serde_json::from_str(&view).unwrap();
    assert_eq!(
        view["clusters"][0]["cluster"]["server"],
        "https://server.kubernetes.local:6443"
    );
    // Worker nodes only: no certificate for the control-plane host as a node.
    assert!(!dir.join("server.crt").exists());
    env.ok(&["check", "--dir", "hw"]);
}

/// A CA restricted to serverAuth and to names under `example.com` (Python's cryptography
/// writes it), with three leaves and their keys: `jane` (clientAuth), `web` (serverAuth for
/// `api.other.org`) and `ok` (serverAuth for `api.example.com`).
fn restricted_ca_dir(dir: &Path) {
    python(
        r#"
import sys, datetime
from cryptography import x509
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID as EKU
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
d = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
def name(cn, o=None):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o)] if o else []
    return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def save(stem, cert, key):
    open(f"{d}/{stem}.crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(f"{d}/{stem}.key", "wb").write(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
ca_key = ec.generate_private_key(ec.SECP256R1())
ca = (x509.CertificateBuilder().subject_name(name("restricted-ca")).issuer_name(name("restricted-ca"))
      .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
      .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=365))
      .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
      .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
      .add_extension(x509.ExtendedKeyUsage([EKU.SERVER_AUTH]), critical=False)
      .add_extension(x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None), critical=True)
      .sign(ca_key, hashes.SHA256()))
save("ca", ca, ca_key)
for stem, cn, o, eku, dns in [("jane", "jane", "dev", EKU.CLIENT_AUTH, None),
                              ("web", "web", None, EKU.SERVER_AUTH, "api.other.org"),
                              ("ok", "ok", None, EKU.SERVER_AUTH, "api.example.com")]:
    key = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateBuilder().subject_name(name(cn, o)).issuer_name(ca.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=90))
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
         .add_extension(x509.ExtendedKeyUsage([eku]), critical=False))
    if dns:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False)
    save(stem, b.sign(ca_key, hashes.SHA256()), key)
"#,
        &[&dir.display().to_string()],
    );
    for f in ["ca.key", "jane.key", "web.key", "ok.key"] {
        fs::set_permissions(dir.join(f), fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// `kcred check` verifies each leaf's chain as Go's `Certificate.Verify` does
/// (crypto/x509/verify.go: `checkChainForKeyUsage`, `checkChainConstraints`), not just its
/// signature: a leaf signed by its CA whose chain Go refuses is a problem, in Go's words.
#[test]
fn check_refuses_a_leaf_whose_chain_go_would_refuse() {
    let env = Env::new();
    let dir = env.path("restricted");
    fs::create_dir_all(&dir).unwrap();
    restricted_ca_dir(&dir);
    let (code, report) = check(&env, &dir.display().to_string());
    assert_eq!(code, 1, "{report:#}");

    // A client certificate under a CA restricted to serverAuth: kube-apiserver's x509
    // authenticator (tests/go/x509check, Go's own Verify) refuses it with the same reason.
    let go = go_x509check(&dir.join("ca.crt"), &dir.join("jane.crt"));
    assert_eq!(go["authenticated"], false, "{go}");
    let go_reason = go["error"].as_str().unwrap();
    assert!(
        go_reason.ends_with("x509: certificate specifies an incompatible key usage"),
        "{go_reason}"
    );
    assert_eq!(
        rows(&report, "jane")[0]["problems"],
        json!(["chain does not verify: x509: certificate specifies an incompatible key usage"]),
        "{report:#}"
    );
    // A server certificate for a name outside the CA's name constraints (the wording of
    // verify.go's CANotAuthorizedForThisName and constraints.go).
    assert_eq!(
        rows(&report, "web")[0]["problems"],
        json!([
            "chain does not verify: x509: a root or intermediate certificate is not authorized to sign for this name: DNS name \"api.other.org\" is not permitted by any constraint"
        ]),
        "{report:#}"
    );
    // Within the constraints and the CA's usage: nothing to say, and the CA is its CA.
    let ok = rows(&report, "ok")[0];
    assert_eq!(ok["problems"], json!([]), "{report:#}");
    assert_eq!(ok["caName"], "ca");
    // openssl agrees: the signatures verify (any purpose), and the name constraint refuses
    // `web` there too.
    let openssl_verify = |leaf: &str| {
        peer("openssl")
            .args(["verify", "-no_check_time", "-purpose", "any", "-CAfile"])
            .arg(dir.join("ca.crt"))
            .arg(dir.join(format!("{leaf}.crt")))
            .output()
            .unwrap()
    };
    for leaf in ["jane", "ok"] {
        assert!(openssl_verify(leaf).status.success(), "{leaf}");
    }
    let web = openssl_verify("web");
    assert!(!web.status.success());
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&web.stdout),
        String::from_utf8_lossy(&web.stderr)
    );
    assert!(said.contains("permitted subtree violation"), "{said}");
}

/// An RSA-1024 ServiceAccount key (one kcred would not make, but Go 1.25's
/// `x509.ParsePKCS1PrivateKey` reads, so kube-controller-manager signs with it and
/// kube-apiserver verifies its tokens) is no problem for `check`: a token PyJWT signs with it
/// authenticates in Go (tests/go/tokencheck). An `sa.pub` that is not its half still is.
#[test]
fn check_reads_a_service_account_key_as_the_components_do() {
    let env = Env::new();
    kubeadm(&env, "k");
    let pki = env.path("k/pki");
    let token = python(
        r#"
import sys, time, jwt
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=1024)
open(sys.argv[1] + "/sa.key", "wb").write(k.private_bytes(s.Encoding.PEM, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption()))
open(sys.argv[1] + "/sa.pub", "wb").write(k.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
now = int(time.time())
print(jwt.encode({"iss": "https://kubernetes.default.svc.cluster.local", "sub": "system:serviceaccount:default:default",
    "aud": ["https://kubernetes.default.svc.cluster.local"], "iat": now, "nbf": now, "exp": now + 3600,
    "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "default", "uid": "0b3a6c8e-6c0e-4f0e-9a44-6a3d8d3d3c11"}}},
    k, algorithm="RS256"))
"#,
        &[pki.to_str().unwrap()],
    );
    fs::set_permissions(pki.join("sa.key"), fs::Permissions::from_mode(0o600)).unwrap();
    let v = go_tokencheck(&pki, "sa.pub", token.trim(), &[]);
    assert_eq!(v["authenticated"], true, "Go takes the RSA-1024 key: {v}");
    let (code, report) = check(&env, "k");
    assert_eq!(
        (code, problems(&report, "sa")),
        (0, "[]".to_string()),
        "{report}"
    );

    python(
        r#"
import sys
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=1024)
open(sys.argv[1] + "/sa.pub", "wb").write(k.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
"#,
        &[pki.to_str().unwrap()],
    );
    let (code, report) = check(&env, "k");
    assert_eq!(code, 1, "{report}");
    assert!(
        problems(&report, "sa").contains("pki/sa.pub is not the public half of pki/sa.key"),
        "{report}"
    );
}

/// A directory with nothing kcred recognises (empty, mistyped, the wrong one) is an error
/// naming it, not a clean report of 0 problems in 0 files.
#[test]
fn check_and_renew_refuse_a_directory_with_no_pki() {
    let env = Env::new();
    fs::create_dir_all(env.path("empty/sub")).unwrap();
    fs::write(env.path("empty/README.txt"), "not a PKI\n").unwrap();
    for args in [
        vec!["check", "--dir", "empty"],
        vec!["check", "--dir", "empty", "-o", "json"],
        vec!["renew", "--dir", "empty", "--all"],
    ] {
        let err = env.fails(3, &args);
        assert!(
            err.starts_with("kcred: error: empty: holds no certificate, key or kubeconfig"),
            "{args:?}: {err}"
        );
    }
}
