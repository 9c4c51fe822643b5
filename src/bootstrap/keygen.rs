//! The key-generation pipeline of `bootstrap`: new keys are generated on all cores (rayon)
//! while the caller signs and writes, in plan order, each credential as soon as its key is
//! ready, so that the file writes (each fsynced) hide under the key generation instead of
//! following it. If the caller stops early (signing or writing failed), the keys not yet
//! started are not generated.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::keys::{KeyType, PrivateKey};

/// One key to generate: the caller's index for it (sorted, unique) and its type.
pub(super) type Job = (usize, KeyType);

/// The keys as they arrive, handed out by index.
pub(super) struct Keys<'a> {
    jobs: &'a [Job],
    rx: Receiver<(usize, Result<PrivateKey>)>,
    ready: HashMap<usize, PrivateKey>,
}

impl Keys<'_> {
    /// The new key for index `i`, waiting for it if needed; `None` if none was asked for.
    pub(super) fn take(&mut self, i: usize) -> Result<Option<PrivateKey>> {
        if self.jobs.binary_search_by_key(&i, |&(j, _)| j).is_err() {
            return Ok(None);
        }
        while !self.ready.contains_key(&i) {
            let (j, k) = self
                .rx
                .recv()
                .map_err(|_| Error::Crypto("key generation stopped".into()))?;
            self.ready.insert(j, k?);
        }
        Ok(self.ready.remove(&i))
    }
}

/// Sets the flag when dropped: the caller returned (done or failed), so the keys not yet
/// started are not worth generating.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Generate the keys of `jobs` in the background while `body` runs with them;
/// `progress(done, total)` is called as each key is made.
pub(super) fn with_keys<T>(
    jobs: &[Job],
    progress: &(dyn Fn(usize, usize) + Sync),
    body: impl FnOnce(&mut Keys<'_>) -> Result<T>,
) -> Result<T> {
    debug_assert!(jobs.windows(2).all(|w| w[0].0 < w[1].0));
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = channel::<(usize, Result<PrivateKey>)>();
    std::thread::scope(|scope| {
        let _stop_on_exit = StopOnDrop(&stop);
        let (done, stop) = (&done, &stop);
        scope.spawn(move || {
            jobs.par_iter().for_each_with(tx, |tx, &(i, kt)| {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let k = PrivateKey::generate(kt);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                // The receiver is gone only if the run already failed.
                let _ = tx.send((i, k));
            });
        });
        body(&mut Keys {
            jobs,
            rx,
            ready: HashMap::new(),
        })
    })
}
