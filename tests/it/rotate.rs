//! `kcred rotate-ca --begin` on a `kcred bootstrap` directory, checked with openssl.

use std::process::Command;

use crate::common;
use crate::common::{RandomKill, copy_tree};

fn kcred(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kcred"))
        .args(args)
        .output()
        .unwrap()
}

fn openssl_verify(ca: &std::path::Path, leaf: &std::path::Path) -> bool {
    Command::new("openssl")
        .arg("verify")
        .arg("-CAfile")
        .arg(ca)
        .arg(leaf)
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn begin_bundles_old_and_new_idempotently() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("k8s");
    let ds = d.to_str().unwrap();
    let out = kcred(&["bootstrap", "--dir", ds]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before = common::snapshot(&d);

    // --dry-run writes nothing.
    let out = kcred(&[
        "rotate-ca",
        "--dir",
        ds,
        "--ca",
        "all",
        "--begin",
        "--dry-run",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(before, common::snapshot(&d));

    let out = kcred(&["rotate-ca", "--dir", ds, "--ca", "all", "--begin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (stem, leaf) in [
        ("pki/ca", "pki/apiserver.crt"),
        ("pki/front-proxy-ca", "pki/front-proxy-client.crt"),
        ("pki/etcd/ca", "pki/etcd/server.crt"),
    ] {
        let bundle = d.join(format!("{stem}.crt"));
        let text = std::fs::read_to_string(&bundle).unwrap();
        assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2, "{stem}");
        // Leaves (still signed by the old CA) verify against the bundle the server reads,
        // and not against the new CA alone.
        assert!(openssl_verify(&bundle, &d.join(leaf)), "{leaf}");
        assert!(!openssl_verify(
            &d.join(format!("{stem}.new.crt")),
            &d.join(leaf)
        ));
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(d.join(format!("{stem}.new.key")))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }
    // Every kubeconfig's embedded CA is the bundle; it still verifies apiserver.crt, and
    // kubectl reads the file.
    let bundle = std::fs::read(d.join("pki/ca.crt")).unwrap();
    for conf in [
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ] {
        let path = d.join(conf);
        let kc: serde_json::Value = kubectl_json(&path);
        let data = kc["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .unwrap()
            .to_string();
        let pem = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, data).unwrap();
        assert_eq!(pem, bundle, "{conf}");
        let ca_file = tmp.path().join(format!("{conf}.ca"));
        std::fs::write(&ca_file, &pem).unwrap();
        assert!(
            openssl_verify(&ca_file, &d.join("pki/apiserver.crt")),
            "{conf}"
        );
        let out = Command::new("kubectl")
            .args(["config", "view", "--raw", "--kubeconfig"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{conf}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A second --begin changes no byte.
    let after = common::snapshot(&d);
    let out = kcred(&["rotate-ca", "--dir", ds, "--ca", "all", "--begin"]);
    assert!(out.status.success());
    assert_eq!(after, common::snapshot(&d));
    let out = kcred(&["rotate-ca", "--dir", ds, "--status"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("begun"));
}

/// A kubeconfig as JSON, through kubectl (the peer that reads it).
fn kubectl_json(path: &std::path::Path) -> serde_json::Value {
    let out = Command::new("kubectl")
        .args(["config", "view", "--raw", "-o", "json", "--kubeconfig"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// SIGKILL at random points of `--begin` leaves only whole files; the re-run converges to
/// the begun state and a further run changes no byte. (The kill loop of tests/it/bootstrap.rs.)
#[test]
fn begin_killed_at_random_points_converges() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let out = kcred(&["bootstrap", "--dir", base.to_str().unwrap()]);
    assert!(out.status.success());
    let measure = tmp.path().join("measure");
    copy_tree(&base, &measure);
    let started = std::time::Instant::now();
    assert!(
        kcred(&["rotate-ca", "--dir", measure.to_str().unwrap(), "--begin"])
            .status
            .success()
    );
    let mut kill = RandomKill::new(started.elapsed().as_millis().max(10) as u64);
    let seed = kill.seed;
    let (mut landed, mut rounds) = (0, 0);
    while landed < 3 && rounds < 12 {
        let round = rounds;
        rounds += 1;
        let d = tmp.path().join(format!("k{round}"));
        copy_tree(&base, &d);
        let ds = d.to_str().unwrap();
        if kill.kill_during(&["rotate-ca", "--dir", ds, "--begin"]) {
            landed += 1;
        }
        let out = kcred(&["rotate-ca", "--dir", ds, "--begin"]);
        assert!(
            out.status.success(),
            "seed {seed} round {round}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for stem in ["pki/ca", "pki/front-proxy-ca", "pki/etcd/ca"] {
            let bundle = std::fs::read_to_string(d.join(format!("{stem}.crt"))).unwrap();
            let new = std::fs::read_to_string(d.join(format!("{stem}.new.crt"))).unwrap();
            assert_eq!(
                bundle.matches("BEGIN CERTIFICATE").count(),
                2,
                "seed {seed}"
            );
            assert!(bundle.ends_with(&new), "seed {seed} round {round}: {stem}");
        }
        assert!(openssl_verify(
            &d.join("pki/ca.crt"),
            &d.join("pki/apiserver.crt")
        ));
        let snap = common::snapshot(&d);
        let leftovers = temporary_files(&snap);
        assert!(
            leftovers.is_empty(),
            "seed {seed}: temporary files left: {leftovers:?}"
        );
        assert!(
            kcred(&["rotate-ca", "--dir", ds, "--begin"])
                .status
                .success()
        );
        assert_eq!(snap, common::snapshot(&d), "seed {seed} round {round}");
    }
}

/// `--dry-run` lists exactly the files the real run then changes.
#[test]
fn begin_dry_run_lists_exactly_the_changed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("k8s");
    let ds = d.to_str().unwrap();
    assert!(kcred(&["bootstrap", "--dir", ds]).status.success());
    let before = common::snapshot(&d);
    let out = kcred(&["rotate-ca", "--dir", ds, "--begin", "--dry-run"]);
    let listed: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("would write "))
        .map(|p| p.strip_prefix(&format!("{ds}/")).unwrap().to_string())
        .collect();
    assert!(
        kcred(&["rotate-ca", "--dir", ds, "--begin"])
            .status
            .success()
    );
    let after = common::snapshot(&d);
    let changed: std::collections::BTreeSet<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(listed, changed);
}

// ---------------------------------------------------------------------------------------
// The whole rotation, phase by phase, against the real peers of tests/it/trust.rs (a real
// two-member etcd with etcdctl, Go's crypto/tls for every kubeconfig, the trust matrix) and
// openssl for every leaf.

use std::path::{Path, PathBuf};

use crate::common::Env;
use crate::trust::{
    assert_peers_accept, broken, kubeconfig_files, kubeconfigs, pyjwt_verifies, trust_matrix,
};

/// The x509 CAs: `--ca` name, trust file stem, and the leaf files it signs in a
/// `kcred bootstrap` tree (kubeadm's `certlist.go`; kubeconfigs are added for `ca`).
const CAS: [(&str, &str, &[&str]); 3] = [
    (
        "ca",
        "pki/ca",
        &["pki/apiserver.crt", "pki/apiserver-kubelet-client.crt"],
    ),
    (
        "front-proxy-ca",
        "pki/front-proxy-ca",
        &["pki/front-proxy-client.crt"],
    ),
    (
        "etcd-ca",
        "pki/etcd/ca",
        &[
            "pki/etcd/server.crt",
            "pki/etcd/peer.crt",
            "pki/etcd/healthcheck-client.crt",
            "pki/apiserver-etcd-client.crt",
        ],
    ),
];

fn bootstrap_tree(env: &Env) -> PathBuf {
    env.ok(&["bootstrap", "--dir", "k", "--node", "cp-1", "--node", "w-1"]);
    env.path("k")
}

/// Every leaf certificate file of CA `name`, kubeconfigs' client certificates extracted
/// into `scratch` for openssl.
fn leaf_files(dir: &Path, name: &str, scratch: &Path) -> Vec<PathBuf> {
    let (_, _, leaves) = CAS.iter().find(|c| c.0 == name).unwrap();
    let mut v: Vec<PathBuf> = leaves.iter().map(|l| dir.join(l)).collect();
    if name == "ca" {
        for conf in kubeconfigs(dir) {
            v.push(kubeconfig_files(&conf, scratch).1);
        }
    }
    v
}

/// openssl verify of every leaf of `name` against `ca_file`: the leaves that fail.
fn failing_leaves(dir: &Path, name: &str, ca_file: &Path, scratch: &Path) -> Vec<PathBuf> {
    leaf_files(dir, name, scratch)
        .into_iter()
        .filter(|l| !openssl_verify(ca_file, l))
        .collect()
}

/// `rotate-ca --status -o json` of `dir`: the phase of each CA by name.
fn phases(env: &Env, dir: &Path) -> std::collections::BTreeMap<String, String> {
    let out = env
        .kcred()
        .args(["rotate-ca", "--status", "-o", "json", "--dir"])
        .arg(dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let mut phases: std::collections::BTreeMap<String, String> = v["cas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["ca"].as_str().unwrap().to_string(),
                c["phase"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // `--ca all` reports the ServiceAccount key too.
    if let Some(p) = v["serviceAccount"]["phase"].as_str() {
        phases.insert("sa".into(), p.to_string());
    }
    phases
}

/// What openssl says of a certificate's subject, SANs, usages and public key: what
/// `--resign` must keep.
fn openssl_facts(cert: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-pubkey", "-ext"])
        .arg("subjectAltName,extendedKeyUsage,keyUsage,basicConstraints")
        .arg("-in")
        .arg(cert)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", cert.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn validity_secs(cert: &Path) -> i64 {
    let der = kcred::pki::read_certificates(cert, &std::fs::read(cert).unwrap())
        .unwrap()
        .remove(0);
    let c = kcred::pki::Certificate::from_der(&der).unwrap();
    c.not_after.duration_since(c.not_before).as_secs()
}

/// Rotate `arg` (a `--ca` value; `all`: the three CAs and the ServiceAccount key) through every phase of `dir`,
/// checking the peers and openssl at each, and the idempotence of every phase. Returns the
/// `check --trust` table at each phase.
fn rotate_and_check(env: &Env, dir: &Path, arg: &str) -> Vec<(String, String)> {
    let names: Vec<&str> = if arg == "all" {
        CAS.iter().map(|c| c.0).collect()
    } else {
        vec![arg]
    };
    // `all` is the three CAs and the ServiceAccount key (`pki/sa.key`, `pki/sa.pub`).
    let with_sa = arg == "all";
    let ds = dir.to_str().unwrap();
    let scratch = env.path("scratch");
    let sa_pub = dir.join("pki/sa.pub");
    let mint = |key: &str| {
        let key = format!("{ds}/pki/{key}");
        env.ok(&["token", "issue", "builder", "-n", "ci", "--key", &key])
            .trim()
            .to_string()
    };
    // A token of the old key, and (from --begin) one of the new.
    let t0 = mint("sa.key");
    let mut t_new = String::new();
    let mut tables = Vec::new();
    tables.push(("before".into(), assert_peers_accept(env, dir, &[&t0])));
    // The old CA alone, to show at the end that nothing is signed by it any more.
    for n in &names {
        let stem = CAS.iter().find(|c| c.0 == *n).unwrap().1;
        std::fs::copy(
            dir.join(format!("{stem}.crt")),
            scratch_file(&scratch, &format!("{n}.old-ca.crt")),
        )
        .unwrap();
    }
    let facts_before: Vec<(PathBuf, String, i64)> = names
        .iter()
        .flat_map(|n| {
            CAS.iter().find(|c| c.0 == *n).unwrap().2.iter().map(|l| {
                let p = dir.join(l);
                (p.clone(), openssl_facts(&p), validity_secs(&p))
            })
        })
        .collect();
    let keys_before: Vec<(String, Vec<u8>)> = common::snapshot(dir)
        .into_iter()
        .filter(|(k, _)| is_leaf_key(k, with_sa))
        .collect();
    // Every kubeconfig's client key and subject, as openssl reads them.
    let kubeconfig_facts = |d: &Path| -> Vec<(Vec<u8>, String)> {
        kubeconfigs(d)
            .iter()
            .map(|conf| {
                let (_, cert, key, _) = kubeconfig_files(conf, &scratch.join("kc"));
                (std::fs::read(key).unwrap(), openssl_facts(&cert))
            })
            .collect()
    };
    let kc_before = kubeconfig_facts(dir);

    for (phase, flag, expect) in [
        ("begin", "--begin", "begun"),
        ("resign", "--resign", "resigned"),
        ("finish", "--finish", "stable"),
    ] {
        env.ok(&["rotate-ca", "--dir", ds, "--ca", arg, flag]);
        // A second run changes no byte.
        let snap = common::snapshot(dir);
        env.ok(&["rotate-ca", "--dir", ds, "--ca", arg, flag]);
        assert_eq!(snap, common::snapshot(dir), "second {flag} changed files");
        let got = phases(env, dir);
        for n in &names {
            assert_eq!(got[*n], expect, "{n} after {flag}");
        }
        // The tokens the API server must accept now (PyJWT in assert_peers_accept, and Go's
        // go-jose with the API server's rules), and after --finish the old key's refused.
        let tokens: Vec<&str> = if !with_sa {
            Vec::new()
        } else {
            assert_eq!(got["sa"], expect, "sa after {flag}");
            match phase {
                "begin" => {
                    t_new = mint("sa.new.key");
                    vec![&t0, &t_new]
                }
                "resign" => {
                    t_new = mint("sa.key");
                    vec![&t0, &t_new]
                }
                _ => {
                    assert!(
                        !pyjwt_verifies(&sa_pub, &t0),
                        "PyJWT still takes the old key"
                    );
                    assert!(!go_accepts(dir, &t0), "Go still takes the old key");
                    vec![&t_new]
                }
            }
        };
        for t in &tokens {
            assert!(go_accepts(dir, t), "Go refused a token after {flag}");
        }
        tables.push((phase.into(), assert_peers_accept(env, dir, &tokens)));
        // `kcred check`: every key matches its certificate (NAME.key is the CA's after
        // --finish), nothing unreadable, no loose mode.
        let out = env.ok(&["check", "--dir", ds, "-q"]);
        assert!(out.contains("0 problems"), "after {flag}: {out}");
        // Every leaf verifies against the trust file its server reads.
        for n in &names {
            let stem = CAS.iter().find(|c| c.0 == *n).unwrap().1;
            let trust = dir.join(format!("{stem}.crt"));
            assert_eq!(
                failing_leaves(dir, n, &trust, &scratch),
                Vec::<PathBuf>::new(),
                "{n} after {flag}: leaves openssl refuses against {}",
                trust.display()
            );
            let old = scratch_file(&scratch, &format!("{n}.old-ca.crt"));
            let leaves = leaf_files(dir, n, &scratch);
            match phase {
                "begin" => {
                    // Still the old CA's, not the new one's.
                    let new = dir.join(format!("{stem}.new.crt"));
                    assert_eq!(failing_leaves(dir, n, &new, &scratch), leaves, "{n}");
                }
                "resign" => {
                    let new = dir.join(format!("{stem}.new.crt"));
                    assert!(failing_leaves(dir, n, &new, &scratch).is_empty(), "{n}");
                    assert_eq!(failing_leaves(dir, n, &old, &scratch), leaves, "{n}");
                }
                _ => {
                    // The trust file is the new CA alone; nothing verifies against the old.
                    let text = std::fs::read_to_string(&trust).unwrap();
                    assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 1, "{n}");
                    assert_eq!(failing_leaves(dir, n, &old, &scratch), leaves, "{n}");
                    for gone in [".new.crt", ".new.key", ".old.crt", ".old.key"] {
                        assert!(!dir.join(format!("{stem}{gone}")).exists(), "{stem}{gone}");
                    }
                    // The signing key is the new CA's (openssl: same public key).
                    let key = dir.join(format!("{stem}.key"));
                    let out = Command::new("openssl")
                        .args(["x509", "-noout", "-in"])
                        .arg(&trust)
                        .arg("-pubkey")
                        .output()
                        .unwrap();
                    let pub_from_key = Command::new("openssl")
                        .args(["pkey", "-pubout", "-in"])
                        .arg(&key)
                        .output()
                        .unwrap();
                    assert_eq!(
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&pub_from_key.stdout),
                        "{stem}.key is not the CA's"
                    );
                }
            }
            if phase == "finish" && n == &"ca" {
                for conf in kubeconfigs(dir) {
                    let (ca, _, _, _) = kubeconfig_files(&conf, &scratch);
                    let text = std::fs::read_to_string(&ca).unwrap();
                    assert_eq!(
                        text.matches("BEGIN CERTIFICATE").count(),
                        1,
                        "{}",
                        conf.display()
                    );
                }
            }
        }
    }
    // Keys, subjects, SANs, usages and lifetimes of the leaves are what they were.
    let keys_after: Vec<(String, Vec<u8>)> = common::snapshot(dir)
        .into_iter()
        .filter(|(k, _)| is_leaf_key(k, with_sa))
        .collect();
    assert_eq!(keys_before, keys_after, "a leaf key changed");
    assert_eq!(
        kc_before,
        kubeconfig_facts(dir),
        "a kubeconfig's key or identity changed"
    );
    for (p, facts, secs) in facts_before {
        assert_eq!(openssl_facts(&p), facts, "{}", p.display());
        assert!(
            (validity_secs(&p) - secs).abs() <= 1,
            "{}: lifetime {} s, was {secs} s",
            p.display(),
            validity_secs(&p)
        );
    }
    tables
}

/// A leaf's key in a `snapshot` (what `--resign` must keep): not a CA's, and not the
/// ServiceAccount key when the rotation includes it.
fn is_leaf_key(path: &str, with_sa: bool) -> bool {
    path.ends_with(".key") && !path.contains("ca.") && !(with_sa && path.starts_with("pki/sa."))
}

/// Whether Go (go-jose v2 and kube-apiserver's `pkg/serviceaccount/jwt.go` rules)
/// authenticates `token` with the keys of `DIR/pki/sa.pub`.
fn go_accepts(dir: &Path, token: &str) -> bool {
    let v = common::go_tokencheck(dir, "pki/sa.pub", token, &[]);
    assert!(v["keyError"].is_null(), "{v}");
    v["authenticated"] == true
}

/// The files of a `snapshot` an atomic write leaves while it runs (`.NAME.tmp…`): none may
/// be left once a phase has converged.
fn temporary_files(snap: &std::collections::BTreeMap<String, Vec<u8>>) -> Vec<&String> {
    snap.keys()
        .filter(|f| f.contains("/.") || f.starts_with('.'))
        .collect()
}

fn scratch_file(scratch: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(scratch).unwrap();
    scratch.join(name)
}

#[test]
fn rotate_ca_every_phase_peers_accept() {
    let env = Env::new();
    let dir = bootstrap_tree(&env);
    // The trust matrix at each phase, for the record.
    for (phase, table) in rotate_and_check(&env, &dir, "ca") {
        eprintln!("--- check --trust, ca rotation, {phase}:\n{table}");
    }
}

#[test]
fn rotate_front_proxy_ca_every_phase_peers_accept() {
    let env = Env::new();
    let dir = bootstrap_tree(&env);
    rotate_and_check(&env, &dir, "front-proxy-ca");
}

#[test]
fn rotate_etcd_ca_every_phase_peers_accept() {
    let env = Env::new();
    let dir = bootstrap_tree(&env);
    rotate_and_check(&env, &dir, "etcd-ca");
}

#[test]
fn rotate_all_every_phase_peers_accept_and_a_broken_pair_is_reported() {
    let env = Env::new();
    let dir = bootstrap_tree(&env);
    // The trust matrix at each phase, for the record.
    for (phase, table) in rotate_and_check(&env, &dir, "all") {
        eprintln!("--- check --trust, all (three CAs and sa), {phase}:\n{table}");
    }
    // Break one pair on purpose: admin.conf trusts the old cluster CA alone again.
    let old = std::fs::read(env.path("scratch/ca.old-ca.crt")).unwrap();
    let conf = dir.join("admin.conf");
    let saved = std::fs::read(&conf).unwrap();
    let mut kc = kcred::kubeconfig::Kubeconfig::load(&conf).unwrap();
    kc.clusters[0].cluster.certificate_authority_data = Some(old.clone());
    std::fs::write(&conf, kc.to_yaml().unwrap()).unwrap();
    let (code, pairs) = trust_matrix(&env, &dir);
    assert_eq!(code, 1);
    let bad: Vec<String> = broken(&pairs)
        .iter()
        .map(|p| format!("{} {}", p["client"], p["check"]))
        .collect();
    assert_eq!(bad, ["\"admin.conf\" \"server-cert\""], "{pairs:#?}");
    let err = env.fails(1, &["rotate-ca", "--dir", "k", "--status"]);
    assert!(err.contains("1 broken"), "{err}");
    // And the old CA alone in etcd's trust file: every etcd pair breaks.
    std::fs::write(&conf, saved).unwrap();
    std::fs::write(
        dir.join("pki/etcd/ca.crt"),
        std::fs::read(env.path("scratch/etcd-ca.old-ca.crt")).unwrap(),
    )
    .unwrap();
    let (code, pairs) = trust_matrix(&env, &dir);
    assert_eq!(code, 1);
    assert!(
        broken(&pairs).iter().all(|p| p["trustedBy"]
            .as_str()
            .unwrap()
            .starts_with("pki/etcd/ca.crt")),
        "{pairs:#?}"
    );
    assert_eq!(broken(&pairs).len(), 6, "{pairs:#?}");
}

#[test]
fn phases_out_of_order_are_refused_naming_the_next() {
    let env = Env::new();
    bootstrap_tree(&env);
    let before = common::snapshot(&env.path("k"));
    let err = env.fails(3, &["rotate-ca", "--dir", "k", "--ca", "ca", "--resign"]);
    assert!(err.contains("ca is stable; next: --begin"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(before, common::snapshot(&env.path("k")));
    env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", "--begin"]);
    let err = env.fails(3, &["rotate-ca", "--dir", "k", "--ca", "ca", "--finish"]);
    assert!(
        err.contains("ca is begun: 8 of 8 leaves are still signed by the old CA")
            && err.contains("next: --resign"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // --ca all: one CA out of order stops the run before anything is written.
    let snap = common::snapshot(&env.path("k"));
    let err = env.fails(3, &["rotate-ca", "--dir", "k", "--ca", "all", "--resign"]);
    assert!(
        err.contains("front-proxy-ca is stable; next: --begin"),
        "{err}"
    );
    assert_eq!(snap, common::snapshot(&env.path("k")));
    env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", "--resign"]);
    let err = env.fails(3, &["rotate-ca", "--dir", "k", "--ca", "ca", "--begin"]);
    assert!(err.contains("ca is resigned; next: --finish"), "{err}");
}

/// `-o json` and `-o yaml` of every phase: the documented structs (YAML read back by
/// Python's yaml, the peer).
#[test]
fn every_phase_prints_json_and_yaml() {
    let env = Env::new();
    bootstrap_tree(&env);
    for flag in ["--begin", "--resign", "--finish"] {
        let dry = env.ok(&[
            "rotate-ca",
            "--dir",
            "k",
            "--ca",
            "ca",
            flag,
            "--dry-run",
            "-o",
            "yaml",
        ]);
        let v: serde_json::Value = serde_json::from_str(&common::python(
            "import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.argv[1])))",
            &[&dry],
        ))
        .unwrap();
        assert_eq!(v[0]["dryRun"], true, "{dry}");
        let out = env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", flag, "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["ca"], "ca");
        assert_eq!(v[0]["ran"], flag.trim_start_matches("--"));
        assert!(!v[0]["changes"].as_array().unwrap().is_empty(), "{out}");
        assert!(!v[0]["restart"].as_array().unwrap().is_empty(), "{out}");
        let signing = &v[0]["controllerManager"]["clusterSigningCertFile"];
        let want = match flag {
            "--begin" => "pki/ca.old.crt",
            "--resign" => "pki/ca.new.crt",
            _ => "pki/ca.crt",
        };
        assert_eq!(signing, want, "{out}");
        let st = env.ok(&["rotate-ca", "--dir", "k", "--status", "-o", "yaml"]);
        assert!(st.contains("trust:") && st.contains("signedBy:"), "{st}");
    }
}

/// `--dry-run` of resign and finish writes nothing and lists exactly the files the real run
/// then changes (written or removed).
#[test]
fn resign_and_finish_dry_run_list_exactly_the_changed_files() {
    let env = Env::new();
    let d = bootstrap_tree(&env);
    let ds = d.to_str().unwrap().to_string();
    env.ok(&["rotate-ca", "--dir", &ds, "--begin"]);
    for flag in ["--resign", "--finish"] {
        let before = common::snapshot(&d);
        let out = env.ok(&["rotate-ca", "--dir", &ds, flag, "--dry-run", "--keep-old"]);
        assert_eq!(before, common::snapshot(&d), "{flag} --dry-run wrote");
        let listed: std::collections::BTreeSet<String> = out
            .lines()
            .filter_map(|l| {
                l.strip_prefix("would write ")
                    .or_else(|| l.strip_prefix("would remove "))
            })
            .map(|p| p.strip_prefix(&format!("{ds}/")).unwrap().to_string())
            .collect();
        env.ok(&["rotate-ca", "--dir", &ds, flag, "--keep-old"]);
        let after = common::snapshot(&d);
        let changed: std::collections::BTreeSet<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .cloned()
            .collect();
        assert_eq!(listed, changed, "{flag}");
    }
    // --keep-old: the old keys kept 0600 under NAME.old.key.
    for stem in ["pki/ca", "pki/front-proxy-ca", "pki/etcd/ca"] {
        assert_eq!(common::mode(&d.join(format!("{stem}.old.key"))), 0o600);
    }
}

/// SIGKILL at random points of `--resign`, then of `--finish`: the re-run converges (the
/// phase reached, no temporaries, the matrix clean) and a further run changes no byte; the
/// real peers accept the last round's tree.
#[test]
fn resign_and_finish_killed_at_random_points_converge() {
    let env = Env::new();
    let base = bootstrap_tree(&env);
    env.ok(&["rotate-ca", "--dir", "k", "--begin"]);
    let begun = env.path("begun");
    copy_tree(&base, &begun);
    kill_loop(&env, &begun, "--resign", "resigned");
    env.ok(&["rotate-ca", "--dir", "k", "--resign"]);
    let resigned = env.path("resigned");
    copy_tree(&base, &resigned);
    let last = kill_loop(&env, &resigned, "--finish", "stable");
    assert_peers_accept(&env, &last, &[]);
}

/// The kill loop of `begin_killed_at_random_points_converges` for `flag` on copies of
/// `base`; returns the last copy.
fn kill_loop(env: &Env, base: &Path, flag: &str, expect: &str) -> PathBuf {
    let measure = base.with_extension("measure");
    copy_tree(base, &measure);
    let started = std::time::Instant::now();
    env.ok(&["rotate-ca", "--dir", measure.to_str().unwrap(), flag]);
    let mut kill = RandomKill::new(started.elapsed().as_millis().max(10) as u64);
    let seed = kill.seed;
    let (mut landed, mut rounds) = (0, 0);
    let mut last = measure.clone();
    while landed < 3 && rounds < 12 {
        let round = rounds;
        rounds += 1;
        let d = base.with_extension(format!("k{round}"));
        copy_tree(base, &d);
        let ds = d.to_str().unwrap();
        if kill.kill_during(&["rotate-ca", "--dir", ds, flag]) {
            landed += 1;
        }
        // Whatever the kill left, the detector names a phase (no error).
        let _ = phases(env, &d);
        env.ok(&["rotate-ca", "--dir", ds, flag]);
        for (ca, phase) in phases(env, &d) {
            assert_eq!(phase, expect, "seed {seed} round {round} {flag}: {ca}");
        }
        let (code, pairs) = trust_matrix(env, &d);
        assert_eq!(
            (code, broken(&pairs).len()),
            (0, 0),
            "seed {seed} round {round} {flag}: {pairs:#?}"
        );
        let snap = common::snapshot(&d);
        let leftovers = temporary_files(&snap);
        assert!(
            leftovers.is_empty(),
            "seed {seed} {flag}: temporary files left: {leftovers:?}"
        );
        env.ok(&["rotate-ca", "--dir", ds, flag]);
        assert_eq!(
            snap,
            common::snapshot(&d),
            "seed {seed} round {round} {flag}"
        );
        last = d;
    }
    eprintln!("{flag}: {landed} of {rounds} kills landed during the run (seed {seed})");
    last
}

/// A `--resign` that stopped half-way (one leaf still the old CA's, as a kill between two
/// leaf writes leaves it) is told apart from `begun` and `resigned`: `--status` says
/// `resigning` and which leaf, `--finish` is refused naming how many, and re-running
/// `--resign` rewrites exactly that leaf.
#[test]
fn a_half_done_resign_is_detected_and_converges() {
    let env = Env::new();
    let d = bootstrap_tree(&env);
    env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", "--begin"]);
    let old_leaf = std::fs::read(d.join("pki/apiserver-kubelet-client.crt")).unwrap();
    env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", "--resign"]);
    std::fs::write(d.join("pki/apiserver-kubelet-client.crt"), &old_leaf).unwrap();
    assert_eq!(phases(&env, &d)["ca"], "resigning");
    let out = env.ok(&[
        "rotate-ca",
        "--dir",
        "k",
        "--ca",
        "ca",
        "--status",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let old: Vec<&str> = v["cas"][0]["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["signedBy"] == "old")
        .map(|l| l["file"].as_str().unwrap())
        .collect();
    assert_eq!(old, ["pki/apiserver-kubelet-client.crt"]);
    assert_eq!(v["cas"][0]["next"], "--resign again (it was interrupted)");
    assert_eq!(v["broken"], 0, "both CAs are trusted during the overlap");
    let err = env.fails(3, &["rotate-ca", "--dir", "k", "--ca", "ca", "--finish"]);
    assert!(
        err.contains(
            "1 of 8 leaves are still signed by the old CA (pki/apiserver-kubelet-client.crt)"
        ),
        "{err}"
    );
    let before = common::snapshot(&d);
    let out = env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", "--resign"]);
    let after = common::snapshot(&d);
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert_eq!(changed, ["pki/apiserver-kubelet-client.crt"], "{out}");
    assert_eq!(phases(&env, &d)["ca"], "resigned");
    assert!(openssl_verify(
        &d.join("pki/ca.new.crt"),
        &d.join("pki/apiserver-kubelet-client.crt")
    ));
}

/// Regression (sweep: `--resign` dropped the user UID): a re-signed leaf carries the identity
/// it had, as written: the same subject Name and subjectAltName extension byte for byte, and
/// Go's x509 authenticator reads the same user, UID (1.3.6.1.4.1.57683.2, kube-apiserver
/// 1.33+) and groups from it, now through the new CA alone.
#[test]
fn resign_keeps_the_subject_and_sans_as_written() {
    let env = Env::new();
    let (cert, before) = common::odd_identity_tree(&env);
    let d = env.path("k");
    env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", "--begin"]);
    env.ok(&["rotate-ca", "--dir", "k", "--ca", "ca", "--resign"]);
    assert_eq!(phases(&env, &d)["ca"], "resigned");
    assert_eq!(
        common::identity_written(&d.join("pki/ca.new.crt"), &cert),
        before
    );
}

/// Regression (sweep: `--begin` wrote `ca.new.key`, `ca.new.crt` and `ca.old.crt` before it
/// read admin.conf): every phase reads and checks every file before it writes one. A
/// garbage admin.conf stops `--begin`, `--resign` and `--finish`, for one CA or all, with a
/// one-line error naming it, exit 3, and the tree byte-identical; so does a new key type
/// the ServiceAccount key cannot take, which `--ca all` used to find after the CAs' writes.
#[test]
fn a_phase_that_cannot_read_a_file_writes_nothing() {
    let env = Env::new();
    let d = bootstrap_tree(&env);
    let before = common::snapshot(&d);
    let err = env.fails(
        2,
        &[
            "rotate-ca",
            "--dir",
            "k",
            "--begin",
            "--key-type",
            "ed25519",
        ],
    );
    assert!(
        err.contains("ed25519 keys cannot sign ServiceAccount tokens"),
        "{err}"
    );
    assert_eq!(
        common::snapshot(&d),
        before,
        "--begin --key-type ed25519 wrote"
    );
    let admin = d.join("admin.conf");
    let good = std::fs::read(&admin).unwrap();
    for (previous, flag) in [
        (None, "--begin"),
        (Some("--begin"), "--resign"),
        (Some("--resign"), "--finish"),
    ] {
        if let Some(previous) = previous {
            env.ok(&["rotate-ca", "--dir", "k", previous]);
        }
        std::fs::write(&admin, b"\x00\xff not a kubeconfig").unwrap();
        for ca in ["ca", "all"] {
            let before = common::snapshot(&d);
            let mut args = vec!["rotate-ca", "--dir", "k", "--ca", ca, flag];
            if flag == "--finish" {
                // The old key kept: the first thing --finish writes.
                args.push("--keep-old");
            }
            let err = env.fails(3, &args);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(
                err.starts_with("kcred: error: k/admin.conf: not a kubeconfig"),
                "{err}"
            );
            assert_eq!(common::snapshot(&d), before, "{flag} --ca {ca} wrote");
        }
        std::fs::write(&admin, &good).unwrap();
    }
}
