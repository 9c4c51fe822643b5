//! RSA-2048 key generation (e = 65537) through aws-lc-rs and through the `openssl` crate,
//! interleaved key by key in one process so that a busy machine slows both alike.
//!
//! ```console
//! $ cargo run --release -- [COUNT]            # system OpenSSL (libssl-dev)
//! $ cargo run --release --features vendored -- [COUNT]
//! $ cargo run --release -- COUNT aws-lc-rs|openssl   # one backend only, for a profiler
//! keygen_ms backend=aws-lc-rs lib="AWS-LC …" mean=… median=… n=…
//! keygen_ms backend=openssl lib="OpenSSL 3.0.19 …" mean=… median=… n=…
//! ```
//!
//! Both are the libraries' ordinary key generation: aws-lc-rs's `rsa::KeyPair::generate`
//! (EVP_PKEY_keygen → AWS-LC's RSA_generate_key_ex, what kcred calls) and rust-openssl's
//! `Rsa::generate` (RSA_generate_key_ex with e = 65537, what Python `cryptography` calls).

use std::time::Instant;

use aws_lc_rs::rsa::{KeyPair, KeySize};
use openssl::rsa::Rsa;

fn summary(name: &str, lib: &str, ms: &mut [f64]) {
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let mean = ms.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 {
        ms[n / 2]
    } else {
        (ms[n / 2 - 1] + ms[n / 2]) / 2.0
    };
    println!(
        "keygen_ms backend={name} lib=\"{lib}\" mean={mean:.3} median={median:.3} min={:.3} max={:.3} n={n}",
        ms[0],
        ms[n - 1]
    );
}

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("COUNT must be a number"))
        .unwrap_or(60)
        .max(1);
    let only = std::env::args().nth(2);
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    let (mut awslc, mut ossl) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for i in 0..count {
        // Alternate which goes first, so neither always runs on a warmer cache.
        for j in 0..2 {
            let start = Instant::now();
            let awslc_turn = (i + j) % 2 == 0;
            if !run(if awslc_turn { "aws-lc-rs" } else { "openssl" }) {
                continue;
            }
            if awslc_turn {
                std::hint::black_box(
                    KeyPair::generate(KeySize::Rsa2048).expect("aws-lc-rs keygen"),
                );
                awslc.push(start.elapsed().as_secs_f64() * 1e3);
            } else {
                std::hint::black_box(Rsa::generate(2048).expect("openssl keygen"));
                ossl.push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
    let ossl_lib = openssl::version::version();
    if run("aws-lc-rs") {
        summary("aws-lc-rs", "AWS-LC (aws-lc-rs 1.19.0)", &mut awslc);
    }
    if run("openssl") {
        summary("openssl", ossl_lib, &mut ossl);
    }
}
