//! `kcred rotate-ca --begin` on a `kcred bootstrap` directory, checked with openssl.

use std::process::Command;

use crate::common;

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
    use std::os::unix::process::ExitStatusExt as _;
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let out = kcred(&["bootstrap", "--dir", base.to_str().unwrap()]);
    assert!(out.status.success());
    let bin = env!("CARGO_BIN_EXE_kcred");
    let copy = |to: &std::path::Path| {
        assert!(
            Command::new("cp")
                .arg("-a")
                .arg(&base)
                .arg(to)
                .status()
                .unwrap()
                .success()
        );
    };
    let measure = tmp.path().join("measure");
    copy(&measure);
    let started = std::time::Instant::now();
    assert!(
        kcred(&["rotate-ca", "--dir", measure.to_str().unwrap(), "--begin"])
            .status
            .success()
    );
    let run_ms = started.elapsed().as_millis().max(10) as u64;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = seed | 1;
    let mut window_ms = run_ms.max(1);
    let (mut landed, mut rounds) = (0, 0);
    while landed < 3 && rounds < 12 {
        let round = rounds;
        rounds += 1;
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let d = tmp.path().join(format!("k{round}"));
        copy(&d);
        let ds = d.to_str().unwrap();
        let mut child = Command::new(bin)
            .args(["rotate-ca", "--dir", ds, "--begin"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(rng % window_ms));
        let _ = child.kill();
        if child.wait().unwrap().signal() == Some(9) {
            landed += 1;
        } else {
            window_ms = (window_ms / 2).max(1);
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
        let leftovers: Vec<_> = snap
            .keys()
            .filter(|f| f.contains("/.") || f.starts_with('.'))
            .collect();
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
