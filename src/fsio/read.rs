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
        let meta = f.metadata().ok();
        if meta.as_ref().is_some_and(|m| m.is_dir()) {
            return Err(Error::input(path, "is a directory, not a file"));
        }
        // The whole file and one byte more, up front: `read_to_end` then never grows the
        // buffer, which would free a copy of a private key without zeroing it (and `take`
        // hides the file's size from std, which would read it in 32-byte probes).
        if let Some(m) = meta.filter(|m| m.is_file()) {
            buf.reserve_exact(m.len().min(MAX_INPUT) as usize + 1);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A key is read into one allocation of its size: a buffer that grew would have freed
    /// the smaller copies of the key without zeroing them.
    #[test]
    fn a_file_is_read_into_one_allocation_of_its_size() {
        let d = tempfile::tempdir().unwrap();
        for len in [0usize, 1, 31, 451, 1679, 8192, 100_000] {
            let p = d.path().join(format!("k{len}"));
            fs::write(&p, vec![b'k'; len]).unwrap();
            let buf = read(&p).unwrap();
            assert_eq!(buf.len(), len);
            assert_eq!(buf.capacity(), len + 1, "{len} bytes");
        }
    }

    #[test]
    fn over_the_limit_and_directories_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big");
        fs::write(&p, vec![0u8; MAX_INPUT as usize + 1]).unwrap();
        assert!(read(&p).unwrap_err().to_string().contains("input limit"));
        assert!(
            read(d.path())
                .unwrap_err()
                .to_string()
                .contains("directory")
        );
    }
}
