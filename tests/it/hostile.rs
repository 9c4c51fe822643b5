//! Hostile input at the command line, for every command that reads a file: each gets a short
//! error, a non-zero exit that is neither a panic nor a signal, in bounded time, and no output
//! file. Plus the file-system faults: read-only and full directories, and secrets that must not
//! leak into messages.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{Env, snapshot};

/// The hostile inputs, by name.
fn inputs(env: &Env) -> Vec<(&'static str, Vec<u8>)> {
    let cert = fs::read(env.path("ca.crt")).unwrap();
    let cert_text = String::from_utf8(cert.clone()).unwrap();
    let mut random = vec![0u8; 4096];
    aws_lc_rs::rand::fill(&mut random).unwrap();
    let huge_b64 = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        "QUFB".repeat(2 << 20)
    );
    // 100,000 nested SEQUENCEs with indefinite lengths, then definite ones.
    let mut nested = Vec::new();
    for _ in 0..100_000 {
        nested.extend_from_slice(&[0x30, 0x80]);
    }
    let mut deep_definite = vec![0x30, 0x84, 0x00, 0x0f, 0xff, 0xff];
    deep_definite.extend(std::iter::repeat_n(0x30u8, 4096));
    let alias_bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    let big_header = format!(
        "{}.eyJzdWIiOiJ4In0.c2ln",
        "eyJhbGciOiJSUzI1NiIsImtpZCI6I".to_string() + &"QUFB".repeat(1 << 20) + "In0"
    );
    vec![
        ("empty", vec![]),
        ("random", random),
        ("truncated-pem", cert[..cert.len() / 2].to_vec()),
        ("wrong-label", cert_text.replace("CERTIFICATE", "X509 CRL").into_bytes()),
        ("bad-base64", cert_text.replace("MII", "M*I").into_bytes()),
        ("huge-base64-line", huge_b64.into_bytes()),
        ("indefinite-der", nested),
        ("deep-der", deep_definite),
        ("two-part-jwt", b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0".to_vec()),
        ("bad-json-jwt", b"eyJhbGciOi.eyJzdWIi.sig".to_vec()),
        ("huge-jwt-header", big_header.into_bytes()),
        ("alias-bomb", alias_bomb.as_bytes().to_vec()),
        (
            "wrong-types-kubeconfig",
            b"apiVersion: v1\nkind: Config\nclusters: {a: 1}\nusers: 7\ncontexts: [[1]]\ncurrent-context: [x]\n".to_vec(),
        ),
        ("nul-bytes", vec![0u8; 1000]),
        ("over-limit", vec![b'A'; 9 << 20]),
    ]
}

#[test]
fn every_file_reading_command_refuses_hostile_input_cleanly() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ok(&["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"]);
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        "ca",
        "--out",
        "leaf",
        "--cn",
        "x",
        "--key-type",
        "ecdsa-p256",
    ]);
    let good_token = env.ok(&["token", "issue", "x", "--key", "sa.key"]);
    let good_token = good_token.trim();
    // Each command reads F; OUT is where it would write.
    let commands: Vec<Vec<&str>> = vec![
        vec!["cert", "inspect", "F"],
        vec![
            "cert",
            "issue",
            "--ca-cert",
            "F",
            "--ca-key",
            "ca.key",
            "--out",
            "OUT",
            "--cn",
            "x",
        ],
        vec![
            "cert",
            "issue",
            "--ca-cert",
            "ca.crt",
            "--ca-key",
            "F",
            "--out",
            "OUT",
            "--cn",
            "x",
        ],
        vec![
            "cert", "issue", "--ca", "ca", "--key", "F", "--out", "OUT", "--cn", "x",
        ],
        vec![
            "cert",
            "issue",
            "--ca",
            "ca",
            "--profile",
            "p",
            "--profiles",
            "F",
            "--out",
            "OUT",
        ],
        vec![
            "cert", "sign", "--ca", "ca", "--csr", "F", "--out", "OUT.crt",
        ],
        vec!["csr", "create", "--out", "OUT", "--cn", "x", "--key", "F"],
        vec![
            "kubeconfig",
            "--server",
            "https://x:6443",
            "--certificate-authority",
            "F",
            "--token",
            "t",
            "--out",
            "OUT",
        ],
        vec![
            "kubeconfig",
            "--server",
            "https://x:6443",
            "--client-certificate",
            "F",
            "--client-key",
            "leaf.key",
            "--out",
            "OUT",
        ],
        vec![
            "kubeconfig",
            "--server",
            "https://x:6443",
            "--client-certificate",
            "leaf.crt",
            "--client-key",
            "F",
            "--out",
            "OUT",
        ],
        vec!["sa", "jwks", "--key", "F", "--out-dir", "OUT"],
        vec!["token", "issue", "x", "--key", "F"],
        vec!["decode-token", "--token-file", "F"],
        vec!["decode-token", good_token, "--key", "F"],
        vec!["decode-token", good_token, "--jwks", "F"],
        vec!["whoami", "--kubeconfig", "F"],
        vec![
            "whoami",
            "--client-certificate",
            "F",
            "--client-ca-file",
            "ca.crt",
        ],
        vec![
            "whoami",
            "--client-certificate",
            "leaf.crt",
            "--client-ca-file",
            "F",
        ],
        vec![
            "whoami",
            "--token-file",
            "F",
            "--service-account-key-file",
            "sa.pub",
        ],
        vec!["whoami", "--token", "x", "--service-account-key-file", "F"],
        vec!["whoami", "--token", "x", "--token-auth-file", "F"],
        vec!["bootstrap", "--dir", "OUT", "--plan", "F"],
    ];
    for (name, bytes) in inputs(&env) {
        let f = format!("in-{name}");
        fs::write(env.path(&f), &bytes).unwrap();
        for cmd in &commands {
            let out_name = format!("out-{name}");
            let args: Vec<String> = cmd
                .iter()
                .map(|a| a.replace("OUT", &out_name))
                .map(|a| if a == "F" { f.clone() } else { a })
                .collect();
            let started = Instant::now();
            let out = env
                .kcred()
                .args(&args)
                .timeout(Duration::from_secs(20))
                .output()
                .unwrap();
            let took = started.elapsed();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let what = format!(
                "{name}: kcred {}",
                args.join(" ").chars().take(120).collect::<String>()
            );
            // Some inputs are fine for some readers (an empty token CSV is a valid file);
            // what matters is that nothing crashes, hangs, or leaves a partial output.
            if let Some(code) = out.status.code() {
                if code != 0 {
                    assert!(code == 1 || code == 2 || code == 3, "{what}: exit {code}");
                    assert!(
                        stderr.lines().count() <= 6,
                        "{what}: error too long:\n{stderr}"
                    );
                    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
                    assert!(
                        stderr.len() < 2000,
                        "{what}: error of {} bytes",
                        stderr.len()
                    );
                }
            } else {
                panic!("{what}: killed by a signal or timed out after {took:?}: {stderr}");
            }
            assert!(took < Duration::from_secs(15), "{what}: took {took:?}");
            if !out.status.success() {
                for suffix in ["", ".crt", ".key", ".csr", ".yaml"] {
                    let p = env.path(&format!("{out_name}{suffix}"));
                    assert!(!p.exists(), "{what}: left {}", p.display());
                }
            }
            let _ = fs::remove_dir_all(env.path(&out_name));
            let _ = fs::remove_file(env.path(&out_name));
        }
    }
}

#[test]
fn inputs_over_the_size_limit_are_refused_before_parsing() {
    let env = Env::new();
    fs::write(env.path("big.pem"), vec![b'A'; 9 << 20]).unwrap();
    let err = env.fails(3, &["cert", "inspect", "big.pem"]);
    assert!(
        err.contains("big.pem") && err.contains("input limit"),
        "{err}"
    );
}

#[test]
fn no_message_carries_key_material_or_a_whole_token() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ok(&["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"]);
    let key = fs::read_to_string(env.path("ca.key")).unwrap();
    let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    // A key where a certificate belongs, a certificate where a key belongs, a key as a token.
    let token = env.ok(&["token", "issue", "x", "--key", "sa.key"]);
    let token = token.trim();
    let tampered = format!("{}x", token);
    for args in [
        vec!["cert", "inspect", "ca.key"],
        vec![
            "whoami",
            "--client-certificate",
            "ca.key",
            "--client-ca-file",
            "ca.crt",
        ],
        vec!["decode-token", &body, "--key", "sa.pub"],
        vec!["decode-token", &tampered, "--key", "sa.pub"],
        vec![
            "whoami",
            "--token",
            &tampered,
            "--service-account-key-file",
            "sa.pub",
            "--anonymous-auth=false",
        ],
    ] {
        let out = env.kcred().args(&args).output().unwrap();
        let all = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        for chunk in body
            .as_bytes()
            .chunks(24)
            .map(|c| String::from_utf8_lossy(c).into_owned())
        {
            assert!(
                !all.contains(&chunk),
                "{args:?} printed key material: {all}"
            );
        }
        let sig = token.rsplit('.').next().unwrap();
        assert!(
            !all.contains(sig),
            "{:?} printed the token's signature: {all}",
            &args[..1]
        );
    }
}

#[test]
fn a_read_only_directory_gives_a_clear_error_and_no_partial_file() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let ro = env.path("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o500)).unwrap();
    // Root ignores directory permissions: make the directory immutable for root too, through a
    // read-only bind mount if we are root, else rely on the mode.
    let root = is_root();
    if root {
        let status = std::process::Command::new("mount")
            .args(["--bind", "-o", "ro"])
            .arg(&ro)
            .arg(&ro)
            .status()
            .unwrap();
        assert!(status.success(), "mount --bind -o ro failed");
        // A bind mount needs a remount to become read-only on older kernels.
        let _ = std::process::Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(&ro)
            .status();
    }
    let out = env
        .kcred()
        .args([
            "cert",
            "issue",
            "--ca",
            "ca",
            "--out",
            "ro/x",
            "--cn",
            "x",
            "--key-type",
            "ecdsa-p256",
        ])
        .output()
        .unwrap();
    if root {
        let _ = std::process::Command::new("umount").arg(&ro).status();
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("ro") && (stderr.contains("Read-only") || stderr.contains("ermission")),
        "{stderr}"
    );
    assert_eq!(
        fs::read_dir(&ro).unwrap().count(),
        0,
        "nothing, not even a temporary file, is left"
    );
}

#[test]
fn a_full_file_system_gives_a_clear_error_and_no_partial_file() {
    let env = Env::new();
    let full = env.path("full");
    fs::create_dir(&full).unwrap();
    assert!(
        is_root(),
        "this test mounts a 64 KiB tmpfs and must run as root (as CI does)"
    );
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&full)
        .status()
        .unwrap();
    assert!(status.success(), "mount tmpfs failed");
    let out = env
        .kcred()
        .args([
            "bootstrap",
            "--dir",
            "full/k",
            "--key-type",
            "ecdsa-p256",
            "--node",
            "a",
            "--node",
            "b",
            "--node",
            "c",
        ])
        .output()
        .unwrap();
    let listing = snapshot(&full);
    let _ = std::process::Command::new("umount").arg(&full).status();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("No space left on device") && stderr.contains("full/k"),
        "{stderr}"
    );
    for (file, bytes) in listing {
        let name = Path::new(&file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(!name.starts_with('.'), "temporary file left: {file}");
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("-----END") || text.contains("current-context"),
            "torn file {file}"
        );
    }
}

/// Whether the tests run as root (CI does): mounting needs it.
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
