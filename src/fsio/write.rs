//! Writing outputs, safely: atomically (a temporary file in the same directory, fsync,
//! rename), with the final mode set before the first byte, never through a symbolic link,
//! and never over an existing file unless asked. A set of outputs is checked as a whole
//! before any of it is written, so a refused command changes nothing at all (DESIGN.md §5).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Mode for private keys and files that embed them (kubeconfigs).
pub const SECRET: u32 = 0o600;
/// Mode for certificates and public keys.
pub const PUBLIC: u32 = 0o644;
/// Mode for directories kcred creates.
pub const DIR: u32 = 0o700;

/// One file to be written.
pub struct Output {
    /// Where it goes.
    pub path: PathBuf,
    /// Its bytes (zeroized on drop: it may be a key).
    pub contents: Zeroizing<Vec<u8>>,
    /// Its mode, applied whatever the umask.
    pub mode: u32,
}

impl Output {
    /// A private key or anything holding one: mode 0600.
    pub fn secret(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        Output {
            path: path.into(),
            contents: Zeroizing::new(contents.into()),
            mode: SECRET,
        }
    }

    /// A certificate or public key: mode 0644.
    pub fn public(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        Output {
            path: path.into(),
            contents: Zeroizing::new(contents.into()),
            mode: PUBLIC,
        }
    }
}

/// Check that every output may be written: none is a symlink or a directory, and none
/// exists unless `force`. Nothing is touched.
pub fn check_writable(paths: &[&Path], force: bool) -> Result<()> {
    for path in paths {
        if exists_as_file(path)? && !force {
            return Err(Error::Exists {
                path: path.display().to_string(),
            });
        }
    }
    Ok(())
}

/// Which of `paths` exist, for `--skip-existing`. A symbolic link or a directory is refused
/// as [`check_writable`] refuses it.
pub fn existing(paths: &[&Path]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if exists_as_file(path)? {
            out.push(path.to_path_buf());
        }
    }
    Ok(out)
}

/// Whether `path` is an existing file kcred may replace; a symbolic link, a directory or
/// another non-regular file there is an error (kcred never writes through a link, nor over
/// a directory or a device).
fn exists_as_file(path: &Path) -> Result<bool> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::Symlink {
            path: path.display().to_string(),
        }),
        Ok(m) if m.is_dir() => Err(Error::input(path, "is a directory; give a file path")),
        // A device, FIFO or socket: the rename would put a regular file in its place
        // (`--out /dev/null --force` would delete the device), so not even --force does.
        Ok(m) if !m.is_file() => Err(Error::input(
            path,
            "is not a regular file (a device, FIFO or socket); kcred replaces only regular files, even with --force",
        )),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Write every output, after checking them all first (see [`check_writable`]).
pub fn write_all(outputs: &[Output], force: bool) -> Result<()> {
    let paths: Vec<&Path> = outputs.iter().map(|o| o.path.as_path()).collect();
    check_writable(&paths, force)?;
    for o in outputs {
        write_atomic(&o.path, &o.contents, o.mode, force)?;
    }
    Ok(())
}

/// Create `dir` and its missing parents with mode 0700.
pub fn create_dirs(dir: &Path) -> Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR)
        .create(dir)
        .map_err(|e| Error::io(dir, e))
}

/// Remove temporary files a killed writer left next to `path` (`.NAME.XXXXXX.tmp`, the
/// pattern [`write_atomic`] uses). Nothing else is touched.
pub fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let ours = n.starts_with(&prefix) && n.ends_with(".tmp") && n.len() == prefix.len() + 6 + 4;
        if ours && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Write one file atomically with `mode`. Without `replace`, an existing file is never
/// replaced, even one that appeared after [`check_writable`] (the final step is a
/// no-clobber link).
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32, replace: bool) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_dirs(&dir)?;
    // A symbolic link, a directory or a device in the way is an error here too.
    exists_as_file(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // tempfile creates the file 0600 with O_EXCL; the final mode is set before any byte is
    // written, so a key is never readable by others, whatever the umask.
    // Errors name the destination, never the temporary file (a name the user never chose
    // and that is gone once the write fails). Writing goes through the `File` itself:
    // `NamedTempFile`'s own `Write` adds "at path <temporary file>" to every error.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .rand_bytes(6)
        .tempfile_in(&dir)
        .map_err(|e| {
            let words = crate::error::io_words(&e);
            Error::input(
                path,
                format!("cannot create a file in {}: {words}", dir.display()),
            )
        })?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| Error::io(path, e))?;
    tmp.as_file_mut()
        .write_all(contents)
        .map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    if replace {
        tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Exists {
                    path: path.display().to_string(),
                }
            } else {
                Error::io(path, e.error)
            }
        })?;
    }
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_even_with_force() {
        let e = check_writable(&[Path::new("/dev/null")], true).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn refuses_existing_and_symlink_and_writes_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/dir/a.key");
        write_atomic(&p, b"k", SECRET, false).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(
            write_all(&[Output::secret(&p, b"x".to_vec())], false),
            Err(Error::Exists { .. })
        ));
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        assert!(matches!(
            write_all(&[Output::secret(&link, b"x".to_vec())], true),
            Err(Error::Symlink { .. })
        ));
        assert_eq!(fs::read(&p).unwrap(), b"k");
        let leftovers: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");
    }
}
