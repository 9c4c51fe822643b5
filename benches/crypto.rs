//! Criterion micro-benchmarks of what every kcred credential costs: key generation (RSA-2048,
//! ECDSA P-256: the floor of every PKI workload in `bench/run`) and signing one identity
//! certificate with `Issuer::sign` (RSA-2048 and P-256 CAs). Token mint and verify join
//! here once a token library API exists (issue 5).
//!
//! `cargo bench --bench crypto` (add `-- --quick` for a fast look).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use kcred::Identity;
use kcred::keys::{KeyType, PrivateKey};
use kcred::pki::{CertSpec, Issuer, Usage, self_signed};

fn keygen(c: &mut Criterion) {
    let mut g = c.benchmark_group("keygen");
    // An RSA key takes tens of milliseconds, with a wide spread (prime search).
    g.sample_size(20);
    for kt in [KeyType::Rsa2048, KeyType::EcdsaP256] {
        g.bench_function(kt.name(), |b| {
            b.iter(|| PrivateKey::generate(black_box(kt)).map(black_box))
        });
    }
    g.finish();
}

fn issuer(kt: KeyType) -> Result<Issuer, kcred::Error> {
    let key = PrivateKey::generate(kt)?;
    let ca = self_signed(&CertSpec::ca("kubernetes"), &key)?;
    Issuer::new(Path::new("ca.crt"), ca.der, key, Path::new("ca.key"))
}

fn sign(c: &mut Criterion) {
    let mut g = c.benchmark_group("issuer_sign");
    let spec = CertSpec::leaf(&Identity::node("worker-1"), Usage::Client);
    for kt in [KeyType::Rsa2048, KeyType::EcdsaP256] {
        // Setup with fixed inputs, not user input: a failure here is a bug worth a panic.
        let ca = issuer(kt).expect("a CA to sign with");
        let subject = PrivateKey::generate(kt)
            .and_then(|k| k.public_key_der())
            .expect("a subject key");
        g.bench_function(kt.name(), |b| {
            b.iter(|| {
                ca.sign(black_box(&spec), black_box(&subject))
                    .map(black_box)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, keygen, sign);
criterion_main!(benches);
