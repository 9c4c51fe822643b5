//! Reading inputs: every file kcred reads (certificates, keys, kubeconfigs, tokens, plans)
//! comes through [`read`], size-capped before any parser sees it. Checking code (`authn`,
//! `authz`, `audit`, `whoami`) imports this module and never [`super::write`], so "checking
//! never writes" can be seen in its imports.

use std::fs;
use std::io::Read;
use std::path::Path;

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Largest input kcred reads (certificates bundles, kubeconfigs, tokens): 8 MiB.
pub const MAX_INPUT: u64 = 8 << 20;

/// Read a whole file (or stdin for `-`), refusing anything over [`MAX_INPUT`].
pub fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::new());
    if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io("<stdin>", e))?;
    } else {
        let f = fs::File::open(path).map_err(|e| Error::io(path, e))?;
        if f.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(Error::input(path, "is a directory, not a file"));
        }
        f.take(MAX_INPUT + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Error::io(path, e))?;
    }
    if buf.len() as u64 > MAX_INPUT {
        return Err(Error::input(
            display(path),
            format!("larger than the {} MiB input limit", MAX_INPUT >> 20),
        ));
    }
    Ok(buf)
}

/// How a path is shown in messages (`-` is stdin).
pub fn display(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}
