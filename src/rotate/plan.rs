//! A phase's changes, prepared before the first is made. Preparing reads and checks every
//! file the phase reads (a kubeconfig it rewrites, a key it moves) and renders every file it
//! writes, so that a file it cannot read stops it with nothing changed; only then are the
//! changes made, in the crash-safe order each phase documents.

use std::path::{Path, PathBuf};

use super::Change;
use crate::error::{Error, Result};
use crate::fsio;

/// The changes of one phase of one CA, in order.
pub struct Prepared {
    steps: Vec<Step>,
    /// Files beside which a killed run's temporaries are removed before the first change.
    temps: Vec<PathBuf>,
}

enum Step {
    Write(fsio::Output),
    Remove(PathBuf),
}

impl Prepared {
    /// No change yet; `temps` are the files whose stale temporaries go first.
    pub(super) fn new(temps: Vec<PathBuf>) -> Prepared {
        Prepared {
            steps: Vec::new(),
            temps,
        }
    }

    /// Write `out` (atomically, replacing what is there).
    pub(super) fn write(&mut self, out: fsio::Output) {
        self.steps.push(Step::Write(out));
    }

    /// Remove `path`.
    pub(super) fn remove(&mut self, path: &Path) {
        self.steps.push(Step::Remove(path.to_path_buf()));
    }

    /// The changes, in order (what `--dry-run` lists).
    pub fn changes(&self) -> Vec<Change> {
        self.steps
            .iter()
            .map(|s| match s {
                Step::Write(o) => Change::write(&o.path),
                Step::Remove(p) => Change::remove(p),
            })
            .collect()
    }

    /// Whether any change is to one of `paths`.
    pub fn touches(&self, paths: &[Change]) -> bool {
        self.changes()
            .iter()
            .any(|c| paths.iter().any(|p| p.path == c.path))
    }

    /// Make the changes, in order, after checking that every file written may be replaced
    /// (no symbolic link, directory or device in the way); returns them.
    pub fn apply(self) -> Result<Vec<Change>> {
        let changes = self.changes();
        let writes: Vec<&Path> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Write(o) => Some(o.path.as_path()),
                Step::Remove(_) => None,
            })
            .collect();
        fsio::check_writable(&writes, true)?;
        for p in &self.temps {
            fsio::remove_stale_temps(p);
        }
        for s in &self.steps {
            match s {
                Step::Write(o) => fsio::write_atomic(&o.path, &o.contents, o.mode, true)?,
                Step::Remove(p) => std::fs::remove_file(p).map_err(|e| Error::io(p, e))?,
            }
        }
        Ok(changes)
    }
}
