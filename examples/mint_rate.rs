//! How many bound ServiceAccount tokens one process mints per second, per key type.
//! Run: `cargo run --release --example mint_rate [SECONDS]` (default 2 s per key type).

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use kcred::keys::{KeyType, PrivateKey};
use kcred::token::claims::ObjectRef;
use kcred::token::mint::{Binding, BoundRequest, TokenSigner, uuid_v4};

fn main() -> Result<(), kcred::Error> {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    for kt in [
        KeyType::Rsa2048,
        KeyType::Rsa4096,
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
    ] {
        let key = PrivateKey::generate(kt)?;
        let signer = TokenSigner::new(&key)?;
        let req = BoundRequest {
            namespace: "apps".into(),
            name: "web".into(),
            uid: uuid_v4()?,
            issuer: kcred::token::DEFAULT_ISSUER.into(),
            audiences: vec![],
            lifetime: SignedDuration::from_hours(1),
            binding: Some(Binding::Pod(ObjectRef::new("web-0", uuid_v4()?))),
            node: Some(ObjectRef::new("node-a", uuid_v4()?)),
        };
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_secs(secs) {
            let token = signer.sign(&req.claims(Timestamp::now(), uuid_v4()?))?;
            std::hint::black_box(token);
            n += 1;
        }
        let rate = n as f64 / start.elapsed().as_secs_f64();
        // For scale: bare signatures with the already-parsed key (jsonwebtoken re-reads the
        // key on every encode).
        let start = Instant::now();
        let mut m = 0u64;
        while start.elapsed() < Duration::from_secs(secs) {
            std::hint::black_box(key.sign(b"header.payload")?);
            m += 1;
        }
        let raw = m as f64 / start.elapsed().as_secs_f64();
        println!("{kt:<11} {rate:>9.0} tokens/s ({n} tokens); bare signatures {raw:>9.0}/s");
    }
    Ok(())
}
