//! Pools and chain building: a port of `crypto/x509/verify.go` (`Verify`, `buildChains`,
//! `isValid`, `alreadyInChain`, `checkChainForKeyUsage`) and `cert_pool.go`
//! (`findPotentialParents`).

use std::collections::HashMap;

use jiff::Timestamp;

use super::cert::Cert;
use super::constraints::{check_chain_constraints, policies_valid};
use super::goerror::{GoError, rfc3339};
use crate::pki::Eku;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CertType {
    Intermediate,
    Root,
}

/// `CertPool`: certificates by subject, in the order added, without duplicates.
#[derive(Default)]
pub(super) struct Pool {
    certs: Vec<Cert>,
    by_name: HashMap<Vec<u8>, Vec<usize>>,
}

impl Pool {
    pub(super) fn add(&mut self, c: Cert) {
        if self.contains(&c) {
            return;
        }
        self.by_name
            .entry(c.raw_subject.clone())
            .or_default()
            .push(self.certs.len());
        self.certs.push(c);
    }

    fn contains(&self, c: &Cert) -> bool {
        self.certs.iter().any(|x| x.raw == c.raw)
    }

    /// `findPotentialParents`: same subject as `c`'s issuer; AKID/SKID matches first.
    fn potential_parents(&self, c: &Cert) -> Vec<&Cert> {
        let mut matching = vec![];
        let mut one = vec![];
        let mut mismatch = vec![];
        for &i in self.by_name.get(&c.raw_issuer).into_iter().flatten() {
            let cand = &self.certs[i];
            if cand.skid == c.akid {
                matching.push(cand);
            } else if cand.skid.is_empty() != c.akid.is_empty() {
                one.push(cand);
            } else {
                mismatch.push(cand);
            }
        }
        matching.extend(one);
        matching.extend(mismatch);
        matching
    }
}

pub(super) struct Verifier<'a> {
    pub(super) roots: &'a Pool,
    pub(super) intermediates: &'a Pool,
    pub(super) now: Timestamp,
    /// `VerifyOptions.KeyUsages`, one usage; [`Eku::Any`] checks none (verify.go:
    /// "The presence of anyExtendedKeyUsage overrides any other key usage").
    pub(super) usage: &'a Eku,
}

const MAX_SIGNATURE_CHECKS: usize = 100;

impl<'a> Verifier<'a> {
    /// `Certificate.Verify` with KeyUsages = [`self.usage`]; on success, the time window
    /// (latest NotBefore, earliest NotAfter) of the first valid chain: at any time inside it
    /// that chain is still built and valid, so the answer is still yes.
    pub(super) fn verify(&self, leaf: &'a Cert) -> Result<(Timestamp, Timestamp), GoError> {
        leaf.is_valid_leaf(self.now)?;
        let candidates = if self.roots.contains(leaf) {
            vec![vec![leaf]]
        } else {
            let mut checks = 0;
            self.build_chains(&[leaf], &mut checks)?
        };
        let mut incompatible_usage = 0;
        let mut constraints_err = None;
        let mut unsupported = None;
        let mut valid = 0;
        let mut invalid_policies = 0;
        let mut window = None;
        for chain in &candidates {
            match policies_valid(chain) {
                Ok(true) => {}
                Ok(false) => {
                    invalid_policies += 1;
                    continue;
                }
                Err(e) => {
                    unsupported.get_or_insert(e);
                    continue;
                }
            }
            if *self.usage != Eku::Any && !chain_allows(chain, self.usage) {
                incompatible_usage += 1;
                continue;
            }
            if let Err(e) = check_chain_constraints(chain) {
                if let GoError::Unsupported(_) = e {
                    unsupported.get_or_insert(e);
                } else {
                    constraints_err.get_or_insert(e);
                }
                continue;
            }
            if contains_distrusted_spki(chain) {
                continue;
            }
            valid += 1;
            window.get_or_insert_with(|| chain_window(chain));
        }
        if let Some(w) = window.filter(|_| valid > 0) {
            return Ok(w);
        }
        if let Some(e) = unsupported {
            return Err(e);
        }
        if let Some(e) = constraints_err {
            return Err(e);
        }
        let mut details = vec![];
        if incompatible_usage > 0 {
            if invalid_policies == 0 {
                return Err(GoError::IncompatibleUsage);
            }
            details.push(format!(
                "{incompatible_usage} candidate chains with incompatible key usage"
            ));
        }
        if invalid_policies > 0 {
            details.push(format!(
                "{invalid_policies} candidate chains with invalid policies"
            ));
        }
        Err(GoError::NoValidChains(details.join(", ")))
    }

    /// `buildChains`, including its quirk: when the last candidate that got as far as
    /// `isValid` failed there, that error (not "unknown authority") is what Go returns.
    fn build_chains(
        &self,
        current: &[&'a Cert],
        checks: &mut usize,
    ) -> Result<Vec<Vec<&'a Cert>>, GoError> {
        let Some(&c) = current.last() else {
            return Ok(vec![]);
        };
        let mut chains = vec![];
        let mut err: Option<GoError> = None;
        let mut hint: Option<(GoError, &Cert)> = None;
        'pools: for (kind, pool) in [
            (CertType::Root, self.roots),
            (CertType::Intermediate, self.intermediates),
        ] {
            for cand in pool.potential_parents(c) {
                *checks += 1;
                if *checks > MAX_SIGNATURE_CHECKS {
                    err = Some(GoError::SignatureLimit);
                    break 'pools;
                }
                // Go skips a candidate whose key it could not parse (PublicKey == nil).
                if cand.key_unknown() || already_in_chain(cand, current) {
                    continue;
                }
                if let Err(e) = c.check_signature_from(cand) {
                    hint.get_or_insert((e, cand));
                    continue;
                }
                match cand.is_valid(kind, current, self.now) {
                    Err(e) => {
                        hint.get_or_insert((e.clone(), cand));
                        err = Some(e);
                        continue;
                    }
                    Ok(()) => err = None,
                }
                let mut next = current.to_vec();
                next.push(cand);
                match kind {
                    CertType::Root => chains.push(next),
                    CertType::Intermediate => match self.build_chains(&next, checks) {
                        Ok(found) => {
                            err = None;
                            chains.extend(found);
                        }
                        Err(e) => {
                            let limit = matches!(e, GoError::SignatureLimit);
                            err = Some(e);
                            if limit {
                                break 'pools;
                            }
                        }
                    },
                }
            }
        }
        if !chains.is_empty() {
            return Ok(chains);
        }
        Err(err.unwrap_or_else(|| {
            GoError::UnknownAuthority(hint.map(|(e, cert)| (e.to_string(), cert.hint_name())))
        }))
    }
}

/// The times at which every certificate of `chain` passes `isValid`'s time check.
fn chain_window(chain: &[&Cert]) -> (Timestamp, Timestamp) {
    let from = chain.iter().map(|c| c.not_before).max();
    let until = chain.iter().map(|c| c.not_after).min();
    (
        from.unwrap_or(Timestamp::MIN),
        until.unwrap_or(Timestamp::MAX),
    )
}

impl Cert {
    /// `Certificate.isValid` (verify.go).
    fn is_valid(&self, kind: CertType, chain: &[&Cert], now: Timestamp) -> Result<(), GoError> {
        if self.unhandled_critical {
            return Err(GoError::UnhandledCriticalExtension);
        }
        if let Some(child) = chain.last()
            && child.raw_issuer != self.raw_subject
        {
            return Err(GoError::NameMismatch);
        }
        if now < self.not_before {
            return Err(GoError::Expired(format!(
                "current time {} is before {}",
                rfc3339(now),
                rfc3339(self.not_before)
            )));
        } else if now > self.not_after {
            return Err(GoError::Expired(format!(
                "current time {} is after {}",
                rfc3339(now),
                rfc3339(self.not_after)
            )));
        }
        // KeyUsage is ignored here, as Go does (see the Gutmann quote in verify.go).
        if kind == CertType::Intermediate && (!self.bc_valid || !self.is_ca) {
            return Err(GoError::NotAuthorizedToSign);
        }
        if self.bc_valid && self.max_path_len >= 0 {
            let intermediates = chain.len() as i64 - 1;
            if intermediates > self.max_path_len {
                return Err(GoError::TooManyIntermediates);
            }
        }
        Ok(())
    }

    fn is_valid_leaf(&self, now: Timestamp) -> Result<(), GoError> {
        // A leaf is checked with an empty chain: neither the name nor the CA checks apply,
        // and a path length cannot be exceeded.
        self.is_valid(CertType::Root, &[], now)
    }
}

/// `distrustedSPKIHashes` (verify.go): keys Go refuses in any chain, whoever trusts them.
const DISTRUSTED_SPKI_SHA256: [&str; 8] = [
    "ebed6475c2c2d80fcb199f3fe8dd6e6b3ce60b77eb15d4e42c3dec0c6f5b5105",
    "49dd353dc2b919a3770645117d0e60c16115e7d1bc259eefe734b00ea434fe5f",
    "e0254c7fcdc265e2f0f8a428dabb75ab4ae039b4872d62f5ee57f0877d5a8a41",
    "5c0660a2b164910d8ff589c18e14552e9e0ec237dcefe2cb736d41a4811f81a0",
    "43bffa19d6ef651451f6841e019931e96f6f2eaeff28ab4b6f1ce4576de2717b",
    "63ecefee431d49523bc1136c4e72d0206a477086caf606cd5cf025686c109cf8",
    "ec4ffa1ad0ac88081314b7aaffef6a91f97cd57291bb5ba686c5415f5eb4f6b6",
    "92c063d67e8f14db71d288e11266ffdaf69cbf115f7bab14f3bc2f68d25e0e30",
];

fn contains_distrusted_spki(chain: &[&Cert]) -> bool {
    chain.iter().any(|c| {
        let h = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &c.raw_spki);
        DISTRUSTED_SPKI_SHA256.contains(&hex::encode(h.as_ref()).as_str())
    })
}

/// `alreadyInChain`: same subject, same key and same SAN extension as a cert in the chain.
fn already_in_chain(cand: &Cert, chain: &[&Cert]) -> bool {
    chain.iter().any(|c| {
        c.raw_subject == cand.raw_subject
            && c.raw_spki == cand.raw_spki
            && match (&cand.san_value, &c.san_value) {
                (None, None) => true,
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
    })
}

/// `checkChainForKeyUsage` with one requested usage: every certificate that lists extended
/// key usages must list that one or anyExtendedKeyUsage.
fn chain_allows(chain: &[&Cert], usage: &Eku) -> bool {
    chain
        .iter()
        .all(|c| c.ekus.is_empty() || c.ekus.iter().any(|e| e == usage || *e == Eku::Any))
}
