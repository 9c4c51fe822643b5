//! Replays every saved fuzz input (`fuzz/corpus/<target>/*`, including the inputs that once
//! crashed a target) through the same entry points the fuzz targets use, on stable, so a fixed
//! crash stays fixed. The long fuzz runs themselves are `scripts/fuzz`, not CI.
//!
//! A target without a corpus would replay nothing and pass, so every target in
//! `fuzz/fuzz_targets/` must be listed here and have inputs committed to git. A hang is a bug
//! as much as a crash (`scripts/fuzz` runs libFuzzer with `-timeout=10`): each input runs on a
//! worker thread under a time budget, and one that overruns it fails the test by name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// A fuzz entry point.
type Target = fn(&[u8]);

/// Every fuzz target, by its file name in `fuzz/fuzz_targets/`, and what it runs.
const TARGETS: &[(&str, Target)] = &[
    ("private_key", kcred::fuzzing::private_key),
    ("certificate", kcred::fuzzing::certificate),
    ("plan", kcred::fuzzing::plan),
    ("duration", kcred::fuzzing::duration),
    ("signing_request", kcred::fuzzing::signing_request),
    ("kubeconfig", kcred::fuzzing::kubeconfig),
    ("client_chain", kcred::fuzzing::client_chain),
    ("token", kcred::fuzzing::token),
    ("verification_keys", kcred::fuzzing::verification_keys),
    ("token_file", kcred::fuzzing::token_file),
    ("manifest", kcred::fuzzing::manifest),
];

/// One input's time budget. No saved input takes more than a fraction of a second in a
/// debug build; this bound is far above that, even on a loaded machine, so only a hang or a
/// runaway loop reaches it. It is not a performance check.
const BUDGET: Duration = Duration::from_secs(10);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The targets `cargo fuzz` knows: `fuzz/fuzz_targets/*.rs`.
fn fuzz_targets() -> BTreeSet<String> {
    std::fs::read_dir(root().join("fuzz/fuzz_targets"))
        .expect("fuzz/fuzz_targets")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The files under `fuzz/corpus/<target>` that git tracks.
fn committed(target: &str) -> Vec<PathBuf> {
    let out = std::process::Command::new("git")
        .current_dir(root())
        .args(["ls-files", "-z", "--"])
        .arg(format!("fuzz/corpus/{target}"))
        .output()
        .expect("run git ls-files (the corpus check needs a git checkout)");
    assert!(
        out.status.success(),
        "git ls-files fuzz/corpus/{target} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| root().join(String::from_utf8_lossy(p).as_ref()))
        .collect()
}

#[test]
fn every_fuzz_target_is_replayed_and_has_a_committed_corpus() {
    let listed: BTreeSet<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    let targets = fuzz_targets();
    assert!(!targets.is_empty(), "no fuzz targets in fuzz/fuzz_targets");
    let unlisted: Vec<_> = targets.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "fuzz targets not replayed by tests/it/fuzz_replay.rs (add them to TARGETS): {unlisted:?}"
    );
    let stale: Vec<_> = listed.difference(&targets).collect();
    assert!(
        stale.is_empty(),
        "TARGETS names fuzz targets that do not exist in fuzz/fuzz_targets: {stale:?}"
    );
    let empty: Vec<_> = targets.iter().filter(|t| committed(t).is_empty()).collect();
    assert!(
        empty.is_empty(),
        "fuzz targets without a committed corpus (seed fuzz/corpus/<target>/ and `git add` it; \
         scripts/fuzz fills it): {empty:?}"
    );
}

/// Replay every input of one target, each under `BUDGET`; return how many ran and the ones
/// that panicked. An input that overruns its budget fails the test at once: its thread cannot
/// be stopped, and the process exits with the test run.
fn replay(target: &'static str, run: Target) -> (usize, Vec<String>) {
    let dir = root().join("fuzz/corpus").join(target);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    inputs.sort();
    let (tx, rx) = mpsc::channel();
    let work = inputs.clone();
    std::thread::Builder::new()
        .name(format!("fuzz-replay-{target}"))
        .spawn(move || {
            for path in work {
                let data = std::fs::read(&path).unwrap();
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&data)))
                    .map_err(|p| {
                        p.downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_else(|| "a panic".into())
                    });
                if tx.send(result).is_err() {
                    return;
                }
            }
        })
        .unwrap();
    let mut crashed = Vec::new();
    for path in &inputs {
        match rx.recv_timeout(BUDGET) {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => crashed.push(format!("{}: panicked: {msg}", path.display())),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "fuzz target {target}: {} still running after {BUDGET:?}: a hang (replay it \
                 with `cargo +nightly fuzz run {target} {}`)",
                path.display(),
                path.display()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!(
                    "fuzz target {target}: the replay thread died at {}",
                    path.display()
                )
            }
        }
    }
    (inputs.len(), crashed)
}

#[test]
fn saved_fuzz_inputs_do_not_crash_or_hang() {
    let mut crashed = Vec::new();
    for (name, run) in TARGETS {
        let (n, bad) = replay(name, *run);
        assert!(n > 0, "fuzz/corpus/{name} is empty: nothing was replayed");
        crashed.extend(bad);
    }
    assert!(
        crashed.is_empty(),
        "saved fuzz inputs crash kcred:\n{}",
        crashed.join("\n")
    );
}
