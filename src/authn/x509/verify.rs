//! Pools and chain building: a port of `crypto/x509/verify.go` (`Verify`, `buildChains`,
//! `isValid`, `alreadyInChain`, `checkChainForKeyUsage`) and `cert_pool.go`
//! (`findPotentialParents`), as Go 1.25 has them: kube-apiserver 1.35 is built with Go 1.25
//! (v1.35.0 with 1.25.5, the Go the tests' peers run). Go 1.26 moved name constraints to a
//! pass over whole chains, added a list of distrusted keys and reworded the errors; a 1.35
//! API server has none of that.

use std::collections::HashMap;

use jiff::Timestamp;

use super::cert::Cert;
use super::constraints::{check_name_constraints, policies_valid};
use super::goerror::{GoError, rfc3339};
use crate::pki::Eku;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CertType {
    Leaf,
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
        leaf.is_valid(CertType::Leaf, &[], self.now)?;
        let candidates = if self.roots.contains(leaf) {
            vec![vec![leaf]]
        } else {
            let mut checks = 0;
            self.build_chains(&[leaf], &mut checks)?
        };
        // Chains whose policies kcred does not evaluate (policy mappings) are neither valid
        // nor invalid: if the answer depends on one of them, kcred says so.
        let mut unsupported = None;
        let mut chains = vec![];
        let mut invalid_policies = 0;
        for chain in &candidates {
            match policies_valid(chain) {
                Ok(true) => chains.push(chain),
                Ok(false) => invalid_policies += 1,
                Err(e) => {
                    unsupported.get_or_insert(e);
                }
            }
        }
        if chains.is_empty() {
            return Err(unsupported.unwrap_or_else(|| {
                GoError::NoValidChains("all candidate chains have invalid policies".into())
            }));
        }
        let mut incompatible_usage = 0;
        for chain in chains {
            // "If any key usage is acceptable, no need to check the chain for key usages."
            if *self.usage == Eku::Any || chain_allows(chain, self.usage) {
                return Ok(chain_window(chain));
            }
            incompatible_usage += 1;
        }
        if let Some(e) = unsupported {
            return Err(e);
        }
        if invalid_policies == 0 {
            return Err(GoError::IncompatibleUsage);
        }
        Err(GoError::NoValidChains(format!(
            "{incompatible_usage} chains with incompatible key usage, {invalid_policies} chains with invalid policies"
        )))
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
                // Go skips a candidate whose key it could not parse (PublicKey == nil)
                // before it counts the check.
                if cand.key_unknown() || already_in_chain(cand, current) {
                    continue;
                }
                *checks += 1;
                if *checks > MAX_SIGNATURE_CHECKS {
                    // Go 1.25 goes on through the candidates, each of which fails the same
                    // way: no chain can be added after this.
                    err = Some(GoError::SignatureLimit);
                    break 'pools;
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
                    CertType::Root | CertType::Leaf => chains.push(next),
                    CertType::Intermediate => match self.build_chains(&next, checks) {
                        Ok(found) => {
                            err = None;
                            chains.extend(found);
                        }
                        Err(e) => {
                            let limit = matches!(e, GoError::SignatureLimit);
                            err = Some(e);
                            if limit {
                                // Every later candidate would fail the same way.
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
        if kind != CertType::Leaf
            && let Some(nc) = &self.name_constraints
        {
            check_name_constraints(nc, chain)?;
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
