//! The library's error type. Every variant that comes from outside input keeps the
//! offending file next to the problem, so the binary can print one line that names both
//! (ripgrep's `ParseSizeError { original, kind }` habit).

use std::path::Path;

/// Errors from kcred's library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad content in a file or argument: `path` names where it came from.
    #[error("{path}: {problem}")]
    Input {
        /// The file (or `<stdin>`, or the flag) the input came from.
        path: String,
        /// What is wrong with it, in a few words.
        problem: String,
    },
    /// Reading or writing a file failed. (The OS error is part of the message, not a
    /// `source`, so that `{:#}` does not print it twice.)
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// An output exists and `--force` was not given.
    #[error("{path} already exists; pass --force to replace it")]
    Exists {
        /// The existing file.
        path: String,
    },
    /// An output path is a symbolic link, which kcred never follows.
    #[error("{path} is a symbolic link; kcred does not write through links")]
    Symlink {
        /// The link.
        path: String,
    },
    /// The request cannot be carried out as asked (conflicting or missing options).
    #[error("{0}")]
    Usage(String),
    /// A cryptographic operation failed.
    #[error("{0}")]
    Crypto(String),
}

/// Result with kcred's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Input`] for `path`.
    pub fn input(path: impl AsRef<Path>, problem: impl Into<String>) -> Self {
        Error::Input {
            path: path.as_ref().display().to_string(),
            problem: problem.into(),
        }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            error: source,
        }
    }
}
