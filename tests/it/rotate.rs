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
    // A second --begin changes no byte.
    let after = common::snapshot(&d);
    let out = kcred(&["rotate-ca", "--dir", ds, "--ca", "all", "--begin"]);
    assert!(out.status.success());
    assert_eq!(after, common::snapshot(&d));
    let out = kcred(&["rotate-ca", "--dir", ds, "--status"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("begun"));
}
