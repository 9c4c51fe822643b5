//! Replays every saved fuzz input (`fuzz/corpus/<target>/*`, including the inputs that once
//! crashed a target) through the same entry points the fuzz targets use, on stable, so a fixed
//! crash stays fixed. The long fuzz runs themselves are `scripts/fuzz`, not CI.

use std::path::Path;

/// A fuzz entry point.
type Target = fn(&[u8]);

fn replay(target: &str, run: Target) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let data = std::fs::read(e.path()).unwrap();
        run(&data);
        n += 1;
    }
    n
}

#[test]
fn saved_fuzz_inputs_do_not_crash() {
    let targets: &[(&str, Target)] = &[
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
    ];
    let mut total = 0;
    for (name, run) in targets {
        total += replay(name, *run);
    }
    // Seeds are committed for every target.
    assert!(
        total >= targets.len(),
        "no fuzz corpus found under fuzz/corpus"
    );
}
