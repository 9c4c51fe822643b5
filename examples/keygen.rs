//! One key generation with kcred's own backend (aws-lc-rs through `kcred::keys`), timed:
//! the floor of every PKI workload in `bench/run` (workload 3: keys × one RSA-2048 key
//! generation ÷ cores).
//!
//! ```console
//! $ cargo run --release --example keygen -- [COUNT] [KEY_TYPE]
//! rsa2048: 60 keys, mean 48.7 ms, median 45.1 ms, min 12.0 ms, max 160.2 ms
//! ```
//!
//! COUNT defaults to 60, KEY_TYPE to `rsa2048`. The last line is machine-readable for
//! `bench/report.py`: `keygen_ms mean=… median=… n=…`.

use std::time::Instant;

use kcred::keys::{KeyType, PrivateKey};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|_| format!("COUNT {n:?} is not a number"))?,
        None => 60,
    };
    if count == 0 {
        return Err("COUNT must be at least 1".into());
    }
    let key_type: KeyType = args.next().as_deref().unwrap_or("rsa2048").parse()?;

    let mut ms = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        let key = PrivateKey::generate(key_type)?;
        ms.push(start.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(key);
    }
    ms.sort_by(f64::total_cmp);
    let mean = ms.iter().sum::<f64>() / count as f64;
    let median = if count % 2 == 1 {
        ms[count / 2]
    } else {
        (ms[count / 2 - 1] + ms[count / 2]) / 2.0
    };
    println!(
        "{}: {count} keys, mean {mean:.1} ms, median {median:.1} ms, min {:.1} ms, max {:.1} ms",
        key_type.name(),
        ms[0],
        ms[count - 1]
    );
    println!("keygen_ms mean={mean:.3} median={median:.3} n={count}");
    Ok(())
}
