//! `kcred rotate-ca --ca sa` on a `kcred bootstrap` tree, checked by peers that are not kcred:
//! PyJWT (Python `cryptography`) and tests/go/tokencheck (go-jose v2 and kube-apiserver's
//! `pkg/serviceaccount/jwt.go` rules) verify tokens against `pki/sa.pub` as
//! `--service-account-key-file` (every PEM key of the file, `keyutil.ParsePublicKeysPEM`);
//! openssl derives the public halves of the key files; the trust matrix with a real etcd and
//! Go TLS (`crate::trust::assert_peers_accept`) checks that nothing else broke.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::{Env, RandomKill, copy_tree, go_tokencheck, mode, peer, run_peer, snapshot};
use crate::trust::{assert_peers_accept, pyjwt_verifies};

fn bootstrap(env: &Env, dir: &str) -> PathBuf {
    env.ok(&["bootstrap", "--dir", dir, "--node", "cp-1", "--node", "w-1"]);
    env.path(dir)
}

/// `kcred rotate-ca --dir DIR --ca sa <phase> <extra>`, expected to succeed; stdout.
fn rotate(env: &Env, dir: &Path, phase: &str, extra: &[&str]) -> String {
    let d = dir.display().to_string();
    let mut args = vec!["rotate-ca", "--dir", &d, "--ca", "sa", phase];
    args.extend_from_slice(extra);
    env.ok(&args)
}

/// The same, expected to exit `code`; stderr.
fn rotate_fails(env: &Env, code: i32, dir: &Path, phase: &str, extra: &[&str]) -> String {
    let d = dir.display().to_string();
    let mut args = vec!["rotate-ca", "--dir", &d, "--ca", "sa", phase];
    args.extend_from_slice(extra);
    env.fails(code, &args)
}

/// A ServiceAccount token signed with `key` (relative to the scratch dir).
fn mint(env: &Env, key: &str) -> String {
    env.ok(&["token", "issue", "builder", "-n", "ci", "--key", key])
        .trim()
        .to_string()
}

/// Whether Go (go-jose v2 + the API server's token rules) authenticates `token` with the
/// public keys of `DIR/pki/sa.pub`.
fn go_accepts(dir: &Path, token: &str) -> bool {
    let v = go_tokencheck(dir, "pki/sa.pub", token, &[]);
    assert!(v["keyError"].is_null(), "{v}");
    v["authenticated"] == true
}

/// The PEM public key of a private key file, as openssl derives it.
fn openssl_pub(key: &Path) -> String {
    run_peer(peer("openssl").args(["pkey", "-pubout", "-in"]).arg(key))
}

/// The PEM blocks of `sa.pub`, in order.
fn pub_blocks(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.split_inclusive("-----END PUBLIC KEY-----\n")
        .map(str::to_string)
        .filter(|b| b.contains("BEGIN PUBLIC KEY"))
        .collect()
}

fn status_json(env: &Env, dir: &Path) -> serde_json::Value {
    serde_json::from_str(&rotate(env, dir, "--status", &["-o", "json"])).unwrap()
}

/// The verdict `--status` gives each token, by the name it shows.
fn verdicts(env: &Env, dir: &Path) -> BTreeMap<String, String> {
    status_json(env, dir)["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["presented"].as_str().unwrap().to_string(),
                t["verifiedBy"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The whole rotation on a kubeadm tree: a token of the old key verifies (PyJWT and Go)
/// before, after --begin and after --resign, and not after --finish; a token of the new key
/// verifies from --resign on; the trust matrix, a real etcd and Go TLS stay clean throughout.
#[test]
fn sa_rotation_keeps_old_tokens_during_the_overlap_and_drops_them_at_finish() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let pki = dir.join("pki");
    let sa_pub = pki.join("sa.pub");
    let old_key = std::fs::read(pki.join("sa.key")).unwrap();
    let old_pub = openssl_pub(&pki.join("sa.key"));
    let t0 = mint(&env, "k/pki/sa.key");

    eprintln!("before:\n{}", assert_peers_accept(&env, &dir, &[&t0]));
    assert!(go_accepts(&dir, &t0));

    // --begin: a new key beside the old one; sa.pub = old + new (old first); signer unchanged.
    let out = rotate(&env, &dir, "--begin", &[]);
    assert!(out.contains("restart every kube-apiserver"), "{out}");
    assert_eq!(std::fs::read(pki.join("sa.key")).unwrap(), old_key);
    assert_eq!(mode(&pki.join("sa.new.key")), 0o600);
    let new_pub = openssl_pub(&pki.join("sa.new.key"));
    assert_ne!(new_pub, old_pub);
    assert_eq!(pub_blocks(&sa_pub), [old_pub.clone(), new_pub.clone()]);
    let early = mint(&env, "k/pki/sa.new.key");
    eprintln!(
        "after --begin:\n{}",
        assert_peers_accept(&env, &dir, &[&t0, &early])
    );
    assert!(go_accepts(&dir, &t0) && go_accepts(&dir, &early));

    // --resign: sa.key is the new key, the old one kept as sa.old.key; sa.pub unchanged.
    let new_key = std::fs::read(pki.join("sa.new.key")).unwrap();
    rotate(&env, &dir, "--resign", &[]);
    assert_eq!(std::fs::read(pki.join("sa.key")).unwrap(), new_key);
    assert_eq!(std::fs::read(pki.join("sa.old.key")).unwrap(), old_key);
    assert_eq!(mode(&pki.join("sa.key")), 0o600);
    assert_eq!(mode(&pki.join("sa.old.key")), 0o600);
    assert!(!pki.join("sa.new.key").exists());
    assert_eq!(pub_blocks(&sa_pub), [old_pub.clone(), new_pub.clone()]);
    let t1 = mint(&env, "k/pki/sa.key");
    eprintln!(
        "after --resign:\n{}",
        assert_peers_accept(&env, &dir, &[&t0, &t1])
    );
    assert!(go_accepts(&dir, &t0) && go_accepts(&dir, &t1));

    // --finish: sa.pub = the new key alone; the old key gone; old tokens stop verifying.
    rotate(&env, &dir, "--finish", &[]);
    assert_eq!(pub_blocks(&sa_pub), [new_pub]);
    assert!(!pki.join("sa.old.key").exists());
    assert!(
        !pyjwt_verifies(&sa_pub, &t0),
        "PyJWT still takes the old key"
    );
    assert!(!go_accepts(&dir, &t0), "Go still takes the old key");
    assert!(pyjwt_verifies(&sa_pub, &t1) && go_accepts(&dir, &t1));
    eprintln!(
        "after --finish:\n{}",
        assert_peers_accept(&env, &dir, &[&t1])
    );
    assert_eq!(status_json(&env, &dir)["phase"], "stable");
}

/// `--status` says which key verifies each token file and kubeconfig token user in DIR, as
/// PyJWT says with each key alone; `--finish` refuses, naming the count and the files, while
/// any verifies only with the old key, and proceeds with `--force`.
#[test]
fn status_names_the_key_of_each_token_and_finish_refuses_until_forced() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let t0 = mint(&env, "k/pki/sa.key");
    std::fs::write(dir.join("old.token"), format!("{t0}\n")).unwrap();
    std::fs::write(dir.join("static.token"), "abcdef.0123456789abcdef\n").unwrap();
    env.ok(&[
        "kubeconfig",
        "--server",
        "https://cp-1:6443",
        "--certificate-authority",
        "k/pki/ca.crt",
        "--token",
        &t0,
        "--user",
        "ci",
        "--out",
        "k/ci.kubeconfig",
    ]);
    let v = verdicts(&env, &dir);
    assert_eq!(
        v.get("old.token").map(String::as_str),
        Some("current"),
        "{v:?}"
    );
    assert!(
        !v.contains_key("static.token"),
        "a non-JWT token is listed: {v:?}"
    );

    rotate(&env, &dir, "--begin", &[]);
    rotate(&env, &dir, "--resign", &[]);
    let t1 = mint(&env, "k/pki/sa.key");
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    std::fs::write(dir.join("ci/new.jwt"), &t1).unwrap();

    // The peer's answer with each key of sa.pub alone.
    let blocks = pub_blocks(&dir.join("pki/sa.pub"));
    let (old_only, new_only) = (env.path("old.pub"), env.path("new.pub"));
    std::fs::write(&old_only, &blocks[0]).unwrap();
    std::fs::write(&new_only, &blocks[1]).unwrap();
    assert!(pyjwt_verifies(&old_only, &t0) && !pyjwt_verifies(&new_only, &t0));
    assert!(pyjwt_verifies(&new_only, &t1) && !pyjwt_verifies(&old_only, &t1));

    let v = verdicts(&env, &dir);
    let want: BTreeMap<String, String> = [
        ("ci.kubeconfig (user ci)", "old"),
        ("ci/new.jwt", "new"),
        ("old.token", "old"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(v, want);
    assert_eq!(status_json(&env, &dir)["wouldBreak"], 2);
    let table = rotate(&env, &dir, "--status", &[]);
    assert!(table.contains("would break at --finish: 2"), "{table}");

    let before = snapshot(&dir);
    let err = rotate_fails(&env, 3, &dir, "--finish", &[]);
    assert!(err.contains("2 token(s)"), "{err}");
    assert!(
        err.contains("old.token") && err.contains("ci.kubeconfig"),
        "{err}"
    );
    assert!(!err.contains("new.jwt"), "{err}");
    assert_eq!(before, snapshot(&dir), "a refused --finish wrote");
    // --dry-run refuses the same way.
    rotate_fails(&env, 3, &dir, "--finish", &["--dry-run"]);

    rotate(&env, &dir, "--finish", &["--force"]);
    assert!(!pyjwt_verifies(&dir.join("pki/sa.pub"), &t0));
    let v = verdicts(&env, &dir);
    assert_eq!(v["old.token"], "none");
    assert_eq!(v["ci/new.jwt"], "current");
    assert_eq!(status_json(&env, &dir)["wouldBreak"], 0);
}

/// Each phase refused out of order names the phase that comes next (exit 3); each phase run
/// twice changes no byte the second time.
#[test]
fn phases_out_of_order_are_refused_and_reruns_change_nothing() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let err = rotate_fails(&env, 3, &dir, "--resign", &[]);
    assert!(
        err.contains("out of order") && err.contains("--begin"),
        "{err}"
    );
    // Nothing to finish: no change, exit 0 (the phase of a finished rotation).
    let snap = snapshot(&dir);
    rotate(&env, &dir, "--finish", &[]);
    assert_eq!(snap, snapshot(&dir));

    rotate(&env, &dir, "--begin", &[]);
    let snap = snapshot(&dir);
    rotate(&env, &dir, "--begin", &[]);
    assert_eq!(snap, snapshot(&dir), "second --begin");
    let err = rotate_fails(&env, 3, &dir, "--finish", &[]);
    assert!(err.contains("--resign"), "{err}");
    assert_eq!(snap, snapshot(&dir));

    rotate(&env, &dir, "--resign", &[]);
    let snap = snapshot(&dir);
    rotate(&env, &dir, "--resign", &[]);
    assert_eq!(snap, snapshot(&dir), "second --resign");
    let err = rotate_fails(&env, 3, &dir, "--begin", &[]);
    assert!(err.contains("--finish"), "{err}");
    assert_eq!(snap, snapshot(&dir));

    rotate(&env, &dir, "--finish", &["--keep-old"]);
    assert_eq!(mode(&dir.join("pki/sa.retired.key")), 0o600);
    let snap = snapshot(&dir);
    rotate(&env, &dir, "--finish", &["--keep-old"]);
    assert_eq!(snap, snapshot(&dir), "second --finish");
    let err = rotate_fails(&env, 3, &dir, "--resign", &[]);
    assert!(err.contains("--begin"), "{err}");

    // A second rotation does not overwrite the key the first one kept.
    let kept = std::fs::read(dir.join("pki/sa.retired.key")).unwrap();
    rotate(&env, &dir, "--begin", &[]);
    rotate(&env, &dir, "--resign", &[]);
    let snap = snapshot(&dir);
    let err = rotate_fails(&env, 3, &dir, "--finish", &["--keep-old"]);
    assert!(err.contains("pki/sa.retired.key"), "{err}");
    assert_eq!(snap, snapshot(&dir));
    rotate(&env, &dir, "--finish", &[]);
    assert_eq!(std::fs::read(dir.join("pki/sa.retired.key")).unwrap(), kept);

    // sa with an x509 CA in one run: every one is checked before anything is written, so
    // the cluster CA (begun, ready to resign) is not re-signed while the key (stable) refuses.
    let d = dir.display().to_string();
    env.ok(&["rotate-ca", "--dir", &d, "--ca", "ca", "--begin"]);
    let snap = snapshot(&dir);
    let err = env.fails(
        3,
        &[
            "rotate-ca",
            "--dir",
            &d,
            "--ca",
            "sa",
            "--ca",
            "ca",
            "--resign",
        ],
    );
    assert!(err.contains("--ca sa --resign: out of order"), "{err}");
    assert_eq!(snap, snapshot(&dir));
}

/// Files no phase leaves (sa.pub without sa.key's public key) are refused in one line
/// naming the file, and nothing is written.
#[test]
fn files_no_phase_leaves_are_refused_naming_the_file() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    env.ok(&["sa", "keygen", "--out", "other"]);
    std::fs::copy(env.path("other.pub"), dir.join("pki/sa.pub")).unwrap();
    let snap = snapshot(&dir);
    for phase in ["--status", "--begin", "--resign", "--finish"] {
        let err = rotate_fails(&env, 3, &dir, phase, &[]);
        assert!(
            err.contains("pki/sa.pub") && err.lines().count() == 1,
            "{err}"
        );
    }
    assert_eq!(snap, snapshot(&dir));
}

/// The new key defaults to the current sa.key's type (here ECDSA P-256, SEC1 as kubeadm
/// writes EC keys); `--key-type` overrides; Ed25519 (which kube-apiserver cannot sign
/// tokens with) is refused before anything is written. Tokens of the new ES256 key verify
/// in Go after --resign.
#[test]
fn new_key_type_follows_the_current_key_unless_asked() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    env.ok(&[
        "sa",
        "keygen",
        "--out",
        "k/pki/sa",
        "--key-type",
        "ecdsa-p256",
        "--force",
    ]);
    let snap = snapshot(&dir);
    rotate_fails(&env, 2, &dir, "--begin", &["--key-type", "ed25519"]);
    assert_eq!(snap, snapshot(&dir));
    rotate(&env, &dir, "--begin", &[]);
    let text = std::fs::read_to_string(dir.join("pki/sa.new.key")).unwrap();
    assert!(text.starts_with("-----BEGIN EC PRIVATE KEY-----"), "{text}");
    let out = run_peer(
        peer("openssl")
            .args(["pkey", "-noout", "-text", "-in"])
            .arg(dir.join("pki/sa.new.key")),
    );
    assert!(out.contains("prime256v1"), "{out}");
    rotate(&env, &dir, "--resign", &[]);
    let t = mint(&env, "k/pki/sa.key");
    assert!(t.starts_with("eyJhbGciOiJFUzI1NiIs"), "{t}");
    assert!(go_accepts(&dir, &t) && pyjwt_verifies(&dir.join("pki/sa.pub"), &t));

    let other = bootstrap(&env, "r");
    rotate(&env, &other, "--begin", &["--key-type", "rsa3072"]);
    let out = run_peer(
        peer("openssl")
            .args(["pkey", "-noout", "-text", "-in"])
            .arg(other.join("pki/sa.new.key")),
    );
    assert!(out.contains("3072 bit"), "{out}");
}

/// The files a phase run changed: written (new or different bytes) or removed.
fn changed(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.extend(before.keys().filter(|k| !after.contains_key(*k)).cloned());
    out
}

/// `--dry-run` of each phase changes no byte and lists exactly the files the real run then
/// writes or removes.
#[test]
fn dry_run_of_each_phase_lists_exactly_the_files_it_changes() {
    let env = Env::new();
    let dir = bootstrap(&env, "k");
    let prefix = format!("{}/", dir.display());
    for (phase, extra) in [
        ("--begin", &[][..]),
        ("--resign", &[][..]),
        ("--finish", &["--keep-old"][..]),
    ] {
        let before = snapshot(&dir);
        let mut args = extra.to_vec();
        args.push("--dry-run");
        let out = rotate(&env, &dir, phase, &args);
        // The same list for scripts.
        args.extend(["-o", "json"]);
        let json: serde_json::Value =
            serde_json::from_str(&rotate(&env, &dir, phase, &args)).unwrap();
        assert_eq!(json["dryRun"], true);
        let listed_json: BTreeSet<String> = json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let p = c["path"].as_str().unwrap();
                p.strip_prefix(&prefix).unwrap().to_string()
            })
            .collect();
        assert_eq!(before, snapshot(&dir), "{phase} --dry-run wrote");
        let listed: BTreeSet<String> = out
            .lines()
            .filter_map(|l| {
                l.strip_prefix("would write ")
                    .or_else(|| l.strip_prefix("would remove "))
            })
            .map(|p| p.strip_prefix(&prefix).unwrap().to_string())
            .collect();
        assert!(!listed.is_empty(), "{phase}: {out}");
        assert_eq!(listed, listed_json, "{phase}");
        rotate(&env, &dir, phase, extra);
        assert_eq!(listed, changed(&before, &snapshot(&dir)), "{phase}");
    }
}

/// SIGKILL at random points of each phase leaves a state the phase converges from: the
/// re-run succeeds, leaves no temporary file, ends where an uninterrupted run ends (same
/// bytes for --resign and --finish, whose results are determined; for --begin, a fresh new
/// key with sa.pub = old + its public key), and a further run changes no byte. (The kill loop
/// of tests/it/rotate.rs.)
#[test]
fn each_phase_killed_at_random_points_converges() {
    let env = Env::new();
    let stable = bootstrap(&env, "stable");
    let begun = env.path("begun");
    copy_tree(&stable, &begun);
    rotate(&env, &begun, "--begin", &[]);
    let resigned = env.path("resigned");
    copy_tree(&begun, &resigned);
    rotate(&env, &resigned, "--resign", &[]);
    let mut kill = RandomKill::new(1);
    let seed = kill.seed;
    for (phase, base) in [
        ("--begin", &stable),
        ("--resign", &begun),
        ("--finish", &resigned),
    ] {
        // Where an uninterrupted run ends.
        let whole = env.path(&format!("whole{phase}"));
        copy_tree(base, &whole);
        let started = std::time::Instant::now();
        rotate(&env, &whole, phase, &[]);
        kill.window(started.elapsed().as_millis() as u64);
        let expected = snapshot(&whole);
        let old_pub = openssl_pub(&base.join("pki/sa.key"));
        let (mut landed, mut rounds) = (0, 0);
        while landed < 3 && rounds < 12 {
            let round = rounds;
            rounds += 1;
            let d = env.path(&format!("k{phase}{round}"));
            copy_tree(base, &d);
            let ds = d.display().to_string();
            if kill.kill_during(&["rotate-ca", "--dir", &ds, "--ca", "sa", phase]) {
                landed += 1;
            }
            let ctx = format!("seed {seed} {phase} round {round}");
            let out = env
                .kcred()
                .args(["rotate-ca", "--dir", &ds, "--ca", "sa", phase])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{ctx}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let snap = snapshot(&d);
            let leftovers: Vec<_> = snap.keys().filter(|f| f.contains("/.")).collect();
            assert!(leftovers.is_empty(), "{ctx}: temporary files {leftovers:?}");
            if phase == "--begin" {
                let new_pub = openssl_pub(&d.join("pki/sa.new.key"));
                assert_eq!(
                    pub_blocks(&d.join("pki/sa.pub")),
                    [old_pub.clone(), new_pub]
                );
                assert_eq!(
                    snap.keys().collect::<Vec<_>>(),
                    expected.keys().collect::<Vec<_>>(),
                    "{ctx}"
                );
            } else {
                assert_eq!(snap, expected, "{ctx}");
            }
            rotate(&env, &d, phase, &[]);
            assert_eq!(snap, snapshot(&d), "{ctx}: a further run changed bytes");
        }
        eprintln!("{phase}: {landed} of {rounds} kills landed before the run ended");
    }
}

/// Every state a kill between two writes can leave, built by hand (so that each is tested,
/// not only those a random kill happens to hit), with a stale temporary file beside: `--status`
/// names it, the other phases are refused naming it, and re-running the interrupted phase
/// ends with the bytes an uninterrupted run leaves.
#[test]
fn every_interrupted_state_is_named_and_converges() {
    let env = Env::new();
    let stable = bootstrap(&env, "stable");
    let copy = |from: &Path, name: &str| {
        let to = env.path(name);
        copy_tree(from, &to);
        to
    };
    let set = |d: &Path, name: &str, bytes: &[u8]| {
        let p = d.join("pki").join(name);
        std::fs::write(&p, bytes).unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    };
    let read = |d: &Path, name: &str| std::fs::read(d.join("pki").join(name)).unwrap();
    let stale = |d: &Path, name: &str| {
        std::fs::write(d.join("pki").join(format!(".{name}.AbC123.tmp")), b"torn").unwrap();
    };
    let begun = copy(&stable, "begun");
    rotate(&env, &begun, "--begin", &[]);
    let resigned = copy(&begun, "resigned");
    rotate(&env, &resigned, "--resign", &[]);
    let finished = copy(&resigned, "finished");
    rotate(&env, &finished, "--finish", &[]);

    // --begin killed after sa.new.key: the key is kept, sa.pub completed.
    let b1 = copy(&stable, "b1");
    set(&b1, "sa.new.key", &read(&begun, "sa.new.key"));
    stale(&b1, "sa.pub");
    // --resign killed after sa.old.key; and after sa.key too.
    let r1 = copy(&begun, "r1");
    set(&r1, "sa.old.key", &read(&begun, "sa.key"));
    stale(&r1, "sa.key");
    let r2 = copy(&r1, "r2");
    set(&r2, "sa.key", &read(&begun, "sa.new.key"));
    // --finish killed after sa.pub.
    let f1 = copy(&resigned, "f1");
    std::fs::copy(finished.join("pki/sa.pub"), f1.join("pki/sa.pub")).unwrap();
    stale(&f1, "sa.old.key");

    for (dir, phase, state, expected) in [
        (&b1, "--begin", "begin-interrupted", &begun),
        (&r1, "--resign", "resign-interrupted", &resigned),
        (&r2, "--resign", "resign-interrupted", &resigned),
        (&f1, "--finish", "finish-interrupted", &finished),
    ] {
        let ctx = format!("{} {phase}", dir.display());
        assert_eq!(status_json(&env, dir)["phase"], state, "{ctx}");
        let before = snapshot(dir);
        for other in ["--begin", "--resign", "--finish"] {
            if other != phase {
                let err = rotate_fails(&env, 3, dir, other, &[]);
                assert!(err.contains(phase), "{ctx}: {other}: {err}");
            }
        }
        assert_eq!(before, snapshot(dir), "{ctx}: a refused phase wrote");
        rotate(&env, dir, phase, &[]);
        assert_eq!(snapshot(dir), snapshot(expected), "{ctx}");
    }
}
