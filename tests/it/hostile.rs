//! Hostile input at the command line, for every command that reads a file: each is refused
//! with a non-zero exit that is neither a panic nor a signal, one line on stderr naming the
//! file (or, for `check` and `bootstrap`, whose answer is a report, a report naming it), in
//! bounded time, and nothing written: the directory is the same, byte for byte, before and
//! after. Then the directory commands over a PKI with one corrupt file, `kubeconfig --merge`
//! into a file that is not a kubeconfig, and the file-system faults: read-only and full
//! directories, and secrets that must not leak into messages.
//!
//! Each test runs every case and then reports every fault at once, so one run shows the
//! whole picture.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::{Env, INTERNALS, argv, assert_says, bootstrap_args, snapshot};

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
    let big_header = format!(
        "{}.eyJzdWIiOiJ4In0.c2ln",
        "eyJhbGciOiJSUzI1NiIsImtpZCI6I".to_string() + &"QUFB".repeat(1 << 20) + "In0"
    );
    // What a certificate or key reader meets in the wild: a cut DER certificate, a key too
    // small to sign with, an encrypted key (OpenSSL's traditional PEM encryption).
    let der = pem::parse(&cert).unwrap().into_contents();
    let openssl = |args: &[&str]| env.openssl(args);
    env.openssl_rsa(1024, "hostile-rsa1024.key");
    openssl(&[
        "ec",
        "-in",
        "ca.key",
        "-aes256",
        "-passout",
        "pass:pw",
        "-out",
        "hostile-enc.key",
    ]);
    let take = |f: &str| {
        let bytes = fs::read(env.path(f)).unwrap();
        fs::remove_file(env.path(f)).unwrap();
        bytes
    };
    vec![
        ("empty", vec![]),
        ("random", random),
        ("truncated-der", der[..100].to_vec()),
        ("rsa-1024", take("hostile-rsa1024.key")),
        ("encrypted-key", take("hostile-enc.key")),
        ("truncated-pem", cert[..cert.len() / 2].to_vec()),
        ("wrong-label", cert_text.replace("CERTIFICATE", "X509 CRL").into_bytes()),
        ("bad-base64", cert_text.replace("MII", "M*I").into_bytes()),
        ("huge-base64-line", huge_b64.into_bytes()),
        ("indefinite-der", nested),
        ("deep-der", deep_definite),
        ("two-part-jwt", b"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0".to_vec()),
        ("bad-json-jwt", b"eyJhbGciOi.eyJzdWIi.sig".to_vec()),
        ("huge-jwt-header", big_header.into_bytes()),
        ("alias-bomb", ALIAS_BOMB.as_bytes().to_vec()),
        (
            "wrong-types-kubeconfig",
            b"apiVersion: v1\nkind: Config\nclusters: {a: 1}\nusers: 7\ncontexts: [[1]]\ncurrent-context: [x]\n".to_vec(),
        ),
        // YAML that parses but is not what any reader wants.
        ("pod", b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n".to_vec()),
        ("yaml-list", b"- a\n- b\n".to_vec()),
        ("yaml-scalar", b"hello\n".to_vec()),
        ("nul-bytes", vec![0u8; 1000]),
        ("over-limit", vec![b'A'; 9 << 20]),
    ]
}

/// A billion laughs: nine levels of nine aliases, 9^9 nodes once expanded.
const ALIAS_BOMB: &str = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";

/// The few inputs that are not hostile to one reader, with the upstream reason. For these
/// the command may accept the file (or refuse something else), but must still not crash,
/// hang, or write anything it then leaves half-done.
fn valid_for(cmd: &[&str], input: &str) -> Option<&'static str> {
    let reads = |flag: &str| cmd.windows(2).any(|w| w == [flag, "F"]);
    let one_line_of_text = matches!(
        input,
        "two-part-jwt" | "bad-json-jwt" | "huge-jwt-header" | "yaml-scalar"
    );
    if reads("--token-file") && one_line_of_text && matches!(cmd[0], "kubeconfig" | "whoami") {
        // client-go's fileTokenSource (transport/token_source.go) sends the file's content,
        // strings.TrimSpace'd, as the bearer token; any such token is the API server's to
        // refuse, which is whoami's 401.
        return Some("one line of text is a bearer token");
    }
    if reads("--token-auth-file") && input == "empty" {
        // tokenfile.NewCSV (k8s.io/apiserver/pkg/authentication/token/tokenfile) reads zero
        // records and starts; the token is then simply unknown.
        return Some("an empty token file holds no tokens");
    }
    let reads_public_keys = reads("--service-account-key-file")
        || (matches!(cmd[0], "sa" | "decode-token") && reads("--key"));
    if reads_public_keys && input == "wrong-label" {
        // keyutil.ParsePublicKeysPEM (k8s.io/client-go/util/keyutil/key.go) reads every PEM
        // block by content, whatever its label: a certificate under "X509 CRL" is its public
        // key, and kube-apiserver starts with it.
        return Some("the API server reads key blocks by content, not by label");
    }
    if reads_public_keys && input == "rsa-1024" {
        // keyutil.ParsePublicKeysPEM takes an RSA key of any size, and kube-apiserver verifies
        // tokens with it: the 2048-bit floor is kcred's for signing only.
        return Some("the API server verifies tokens with an RSA key of any size");
    }
    if reads("--profiles") && input == "empty" {
        return Some("an empty YAML document is an empty set of profiles");
    }
    None
}

/// How a command answers a file it refuses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Says {
    /// One line on stderr that names the file.
    OneLine,
    /// A report on stdout that names the file (`check` in its PROBLEMS column or its
    /// unreadable lines, `bootstrap` in its NOTE column); at most one line on stderr.
    Report,
}

/// Whether `text` names `file`: as a whole path or path component, so that `super-admin.conf`
/// does not count as naming `admin.conf`.
fn names(text: &str, file: &str) -> bool {
    text.match_indices(file).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_' || c == '.'))
    })
}

/// Run kcred in `env` with a hang bound, and time it.
fn run(env: &Env, args: &[String]) -> (Output, Duration) {
    let started = Instant::now();
    let out = env
        .kcred()
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    (out, started.elapsed())
}

/// Every way this run falls short of a clean refusal of `file` (none: it was clean).
/// `codes` are the exit codes allowed; `before`/`after` are snapshots of the directory the
/// command could write to.
fn faults(
    out: &Output,
    took: Duration,
    file: &str,
    says: Says,
    codes: &[i32],
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first = |s: &str| s.chars().take(300).collect::<String>().replace('\n', " | ");
    let mut f = Vec::new();
    match out.status.code() {
        None => f.push(format!(
            "killed by a signal or timed out after {took:?}: {}",
            first(&stderr)
        )),
        Some(0) => f.push(format!(
            "exit 0: the hostile input was accepted; stdout: {}",
            first(&stdout)
        )),
        Some(c) if !codes.contains(&c) => f.push(format!("exit {c}, want one of {codes:?}")),
        Some(_) => {}
    }
    if stderr.contains("panicked") {
        f.push(format!("panicked: {}", first(&stderr)));
    }
    let lines = stderr.lines().filter(|l| !l.trim().is_empty()).count();
    match says {
        Says::OneLine => {
            if lines != 1 {
                f.push(format!(
                    "{lines} lines on stderr, want one: {}",
                    first(&stderr)
                ));
            }
            if !names(&stderr, file) {
                f.push(format!("stderr does not name {file}: {}", first(&stderr)));
            }
        }
        Says::Report => {
            if lines > 1 {
                f.push(format!(
                    "{lines} lines on stderr, want at most one: {}",
                    first(&stderr)
                ));
            }
            if !names(&stdout, file) && !names(&stderr, file) {
                f.push(format!(
                    "neither the report nor stderr names {file}: {}",
                    first(&stderr)
                ));
            }
        }
    }
    for word in INTERNALS {
        if stderr.contains(word) || (says == Says::Report && stdout.contains(word)) {
            f.push(format!("shows the library's {word:?}: {}", first(&stderr)));
        }
    }
    if stderr.len() >= 2000 {
        f.push(format!("an error of {} bytes", stderr.len()));
    }
    // Not a timing test: 15 s is a hang, not a slow run (the slowest case takes well under
    // a second in a debug build).
    if took >= Duration::from_secs(15) {
        f.push(format!("took {took:?}"));
    }
    let changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| format!("wrote {k}"))
        .chain(
            before
                .keys()
                .filter(|k| !after.contains_key(*k))
                .map(|k| format!("removed {k}")),
        )
        .collect();
    if !changed.is_empty() {
        f.push(changed.join(", "));
    }
    f
}

/// Put `dir` back as `before` had it, so one faulty run does not spoil the next.
fn restore(dir: &Path, before: &BTreeMap<String, Vec<u8>>) {
    for (file, _) in snapshot(dir) {
        if !before.contains_key(&file) {
            fs::remove_file(dir.join(&file)).unwrap();
        }
    }
    for (file, bytes) in before {
        if fs::read(dir.join(file)).ok().as_ref() != Some(bytes) {
            fs::write(dir.join(file), bytes).unwrap();
        }
    }
}

/// Fail with every fault found, one per line.
fn assert_no_faults(test: &str, faults: &[String]) {
    assert!(
        faults.is_empty(),
        "{test}: {} fault(s):\n{}",
        faults.len(),
        faults.join("\n")
    );
}

#[test]
fn every_file_reading_command_refuses_hostile_input_cleanly() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    env.ok(&["sa", "keygen", "--out", "sa", "--key-type", "ecdsa-p256"]);
    env.issue("ca", "leaf", &["--cn", "x", "--key-type", "ecdsa-p256"]);
    let good_token = env.ok(&["token", "issue", "x", "--key", "sa.key"]);
    let good_token = good_token.trim();
    // Each command reads F; OUT is where it would write; TOKEN is a good token.
    let commands: Vec<Vec<&str>> = [
        "cert inspect F",
        "cert issue --ca-cert F --ca-key ca.key --out OUT --cn x",
        "cert issue --ca-cert ca.crt --ca-key F --out OUT --cn x",
        "cert issue --ca ca --key F --out OUT --cn x",
        "cert issue --ca ca --profile p --profiles F --out OUT",
        "cert sign --ca ca --csr F --out OUT.crt",
        "csr create --out OUT --cn x --key F",
        "kubeconfig --server https://x:6443 --certificate-authority F --token t --out OUT",
        "kubeconfig --server https://x:6443 --client-certificate F --client-key leaf.key --out OUT",
        "kubeconfig --server https://x:6443 --client-certificate leaf.crt --client-key F --out OUT",
        "sa jwks --key F --out-dir OUT",
        "token issue x --key F",
        "decode-token --token-file F",
        "decode-token TOKEN --key F",
        "decode-token TOKEN --jwks F",
        "whoami --kubeconfig F",
        "whoami --client-certificate F --client-ca-file ca.crt",
        "whoami --client-certificate leaf.crt --client-ca-file F",
        "whoami --token-file F --service-account-key-file sa.pub",
        "whoami --token x --service-account-key-file F",
        "whoami --token x --token-auth-file F",
        "kubeconfig --server https://x:6443 --token-file F --out OUT",
        "bootstrap --dir OUT --plan F",
    ]
    .iter()
    .map(|line| {
        argv(line)
            .into_iter()
            .map(|w| if w == "TOKEN" { good_token } else { w })
            .collect()
    })
    .collect();
    let dir = env.dir.path();
    let mut found = Vec::new();
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
            let what = format!(
                "{name}: kcred {}",
                args.join(" ").chars().take(120).collect::<String>()
            );
            let before = snapshot(dir);
            let (out, took) = run(&env, &args);
            let after = snapshot(dir);
            let fs = faults(&out, took, &f, Says::OneLine, &[1, 2, 3], &before, &after);
            let fs: Vec<String> = match valid_for(cmd, name) {
                // Not hostile here: only a crash, a hang or a write on failure is a fault.
                Some(why) => fs
                    .into_iter()
                    .filter(|x| {
                        x.starts_with("killed")
                            || x.starts_with("panicked")
                            || x.starts_with("took")
                            || (!out.status.success()
                                && (x.starts_with("wrote") || x.starts_with("removed")))
                    })
                    .map(|x| format!("{x} (a valid input here: {why})"))
                    .collect(),
                None => fs,
            };
            for fault in fs {
                found.push(format!("{what}: {fault}"));
            }
            restore(dir, &before);
            // A snapshot lists files; an output directory left empty is a write too (unless
            // the command accepted a valid input and wrote what it was asked to).
            let accepted = out.status.success() && valid_for(cmd, name).is_some();
            if env.path(&out_name).exists() {
                if !accepted {
                    found.push(format!("{what}: left {out_name}"));
                }
                let _ = fs::remove_dir_all(env.path(&out_name));
            }
        }
        fs::remove_file(env.path(&f)).unwrap();
    }
    assert_no_faults("hostile input", &found);
}

/// Copy a directory tree, modes included.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    fs::set_permissions(to, fs::metadata(from).unwrap().permissions()).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// `check`, `renew` and `bootstrap` over a kubeadm directory in which one file is corrupt:
/// the kubeconfigs kubeadm writes (`admin.conf`, a node's `kubelet.conf`), a certificate and
/// a private key. Each must name the file and refuse (`check`: a PROBLEM and exit 1, as
/// `kubeadm certs check-expiration` lists every certificate it is asked about), write
/// nothing, and never renew or keep around it as if it were fine.
#[test]
fn directory_commands_refuse_a_pki_with_a_corrupt_file() {
    let env = Env::new();
    let layout = [
        "--key-type",
        "ecdsa-p256",
        "--node",
        "cp-1",
        "--node",
        "w-1",
    ];
    let mut args = vec!["bootstrap", "--dir", "pristine"];
    args.extend(layout);
    env.ok(&args);
    let cert = fs::read(env.path("pristine/pki/ca.crt")).unwrap();
    let mut random = vec![0u8; 4096];
    aws_lc_rs::rand::fill(&mut random).unwrap();
    let corruptions: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("random", random),
        ("truncated-pem", cert[..cert.len() / 2].to_vec()),
        ("alias-bomb", ALIAS_BOMB.as_bytes().to_vec()),
    ];
    // The corrupted file, and its name as `check` and `renew` know it.
    let targets = [
        ("admin.conf", "admin.conf"),
        ("nodes/cp-1/kubelet.conf", "nodes/cp-1/kubelet.conf"),
        ("pki/apiserver.crt", "apiserver"),
        ("pki/apiserver.key", "apiserver"),
    ];
    let mut found = Vec::new();
    let mut case = 0;
    for (file, name) in targets {
        for (kind, bytes) in &corruptions {
            let commands: Vec<(Vec<&str>, Says, &[i32])> = vec![
                (vec!["check", "--dir", "D"], Says::Report, &[1]),
                (
                    vec!["renew", "--dir", "D", "--all"],
                    Says::OneLine,
                    &[1, 2, 3],
                ),
                (vec!["renew", "--dir", "D", name], Says::OneLine, &[1, 2, 3]),
                (
                    [&["bootstrap", "--dir", "D"][..], &layout[..]].concat(),
                    Says::Report,
                    &[1, 2, 3],
                ),
            ];
            for (cmd, says, codes) in commands {
                case += 1;
                let d = format!("case-{case}");
                copy_tree(&env.path("pristine"), &env.path(&d));
                fs::write(env.path(&d).join(file), bytes).unwrap();
                let args: Vec<String> = cmd
                    .iter()
                    .map(|a| if *a == "D" { d.clone() } else { a.to_string() })
                    .collect();
                let what = format!("{file} {kind}: kcred {}", cmd.join(" "));
                // A one-line error names the file by its path, as kcred's errors do
                // (`case-7/pki/apiserver.key: …`): "no certificate named admin.conf" names a
                // certificate, not the file that is broken. A report names it by its path in
                // the directory, as its rows do.
                let named = match says {
                    Says::OneLine => format!("{d}/{file}"),
                    Says::Report => file.to_string(),
                };
                let before = snapshot(&env.path(&d));
                let (out, took) = run(&env, &args);
                let after = snapshot(&env.path(&d));
                for fault in faults(&out, took, &named, says, codes, &before, &after) {
                    found.push(format!("{what}: {fault}"));
                }
                fs::remove_dir_all(env.path(&d)).unwrap();
            }
        }
    }
    assert_no_faults("corrupt PKI directory", &found);
}

/// `kubeconfig --merge` into a file that is not a kubeconfig is refused and leaves it alone.
/// An empty file is the one exception, and not hostile: client-go reads it as an empty
/// kubeconfig (`clientcmd.Load` in staging/src/k8s.io/client-go/tools/clientcmd/loader.go:
/// "if there's no data in a file, return the default object"), so kubectl merges into it.
#[test]
fn merging_into_a_file_that_is_not_a_kubeconfig_is_refused() {
    let env = Env::new();
    env.ca("ca", "ecdsa-p256");
    let dir = env.dir.path();
    let mut found = Vec::new();
    for (name, bytes) in inputs(&env) {
        if name == "empty" {
            continue;
        }
        let f = format!("merge-{name}");
        fs::write(env.path(&f), &bytes).unwrap();
        let args: Vec<String> = [
            "kubeconfig",
            "--server",
            "https://x:6443",
            "--token",
            "t",
            "--merge",
            "--out",
            &f,
        ]
        .map(String::from)
        .to_vec();
        let before = snapshot(dir);
        let (out, took) = run(&env, &args);
        let after = snapshot(dir);
        for fault in faults(&out, took, &f, Says::OneLine, &[1, 2, 3], &before, &after) {
            found.push(format!(
                "{name}: kcred kubeconfig --merge --out {f}: {fault}"
            ));
        }
        restore(dir, &before);
        fs::remove_file(env.path(&f)).unwrap();
    }
    assert_no_faults("merge into a non-kubeconfig", &found);
}

#[test]
fn inputs_over_the_size_limit_are_refused_before_parsing() {
    let env = Env::new();
    fs::write(env.path("big.pem"), vec![b'A'; 9 << 20]).unwrap();
    let err = env.fails(3, &["cert", "inspect", "big.pem"]);
    assert_says(&err, &["big.pem", "input limit"]);
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
        stderr.contains("ro")
            && (stderr.contains("read-only file system") || stderr.contains("permission denied"))
            && !stderr.contains("os error"),
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
        .args(bootstrap_args(
            "full/k",
            &["a", "b", "c"],
            &["--key-type", "ecdsa-p256"],
        ))
        .output()
        .unwrap();
    let listing = snapshot(&full);
    let _ = std::process::Command::new("umount").arg(&full).status();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("no space left on device")
            && stderr.contains("full/k")
            && !stderr.contains("os error"),
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
