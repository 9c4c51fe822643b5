//! The library's error type. Every variant that comes from outside input keeps the
//! offending file next to the problem, so the binary can print one line that names both
//! (ripgrep's `ParseSizeError { original, kind }` habit).
//!
//! The library knows no command line: messages name files, values and Kubernetes fields,
//! never kcred's flags. The binary (`src/cli/`) adds the hints that name flags ("pass
//! --force"), keyed on the variant.

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
    /// Reading or writing a file failed. (The OS error is part of the message, in words
    /// without its `(os error N)` tail, not a `source`, so that `{:#}` does not print it
    /// twice.)
    #[error("{path}: {}", io_words(error))]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        error: std::io::Error,
    },
    /// An output exists and replacing it was not asked for.
    #[error("{path} already exists")]
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
    /// A well-formed request that a rule of the domain refuses (a CA that has expired):
    /// nothing is wrong with the command line, so it is not [`Error::Usage`].
    #[error("{0}")]
    Refused(String),
    /// Serializing an output (DER, PEM, JSON, YAML) failed.
    #[error("{0}")]
    Encoding(String),
    /// A cryptographic operation failed.
    #[error("{0}")]
    Crypto(String),
}

/// An OS error in words, as a one-line message wants it: `no such file` rather than
/// `No such file or directory (os error 2)`.
pub fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::NotFound => "no such file",
        K::PermissionDenied => "permission denied",
        K::AlreadyExists => "already exists",
        K::IsADirectory => "is a directory",
        K::NotADirectory => "a path component is not a directory",
        K::DirectoryNotEmpty => "directory not empty",
        K::ReadOnlyFilesystem => "read-only file system",
        K::StorageFull => "no space left on device",
        K::InvalidFilename => "file name too long",
        K::CrossesDevices => "cannot move across file systems",
        K::FileTooLarge => "file too large",
        K::QuotaExceeded => "disk quota exceeded",
        _ => "",
    };

    if !words.is_empty() {
        return words.to_string();
    }
    // Anything else: the OS's text without the `(os error N)` tail, and without what a
    // wrapper added after it (tempfile's `at path <temporary file>`), lower-cased first
    // letter, as the rest of a `path: problem` line.
    let text = e.to_string();
    let text = match text.find(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// A serde_json error as the rest of a `file: not a X: …` line, in sentences: `the file is
/// empty`, `the JSON ends early`, `text after the end of the JSON document`, `missing field
/// "keys"`; the line and column where it has one. `text` is what was parsed.
pub fn json_words(e: &serde_json::Error, text: &[u8]) -> String {
    use serde_json::error::Category;
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return "the file is empty".into();
    }
    let full = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&at).unwrap_or(&full);
    // serde quotes names in backquotes (missing field `keys`): JSON's quotes instead; and
    // `invalid type: integer `5`, expected a sequence` as a sentence.
    let what = match what
        .strip_prefix("invalid type: ")
        .map(|r| r.split_once(", expected "))
    {
        Some(Some((found, wanted))) => {
            format!("{} where {wanted} was expected", found.replace('`', ""))
        }
        _ => what.replace('`', "\""),
    };
    let what = match e.classify() {
        Category::Eof => "the JSON ends early".into(),
        Category::Syntax if what == "trailing characters" => {
            "text after the end of the JSON document".into()
        }
        Category::Syntax => format!("invalid JSON ({what})"),
        Category::Data | Category::Io => what,
    };
    if e.line() == 0 {
        return what;
    }
    format!("{what}, at line {}, column {}", e.line(), e.column())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_errors_in_words_without_the_os_error_tail() {
        let missing = std::fs::read("/nonexistent/kcred/x").unwrap_err();
        assert_eq!(
            Error::io("x.crt", missing).to_string(),
            "x.crt: no such file"
        );
        let dir = std::fs::read("/").unwrap_err();
        assert!(!Error::io("/", dir).to_string().contains("os error"));
        // Wrapped as tempfile wraps it: the temporary file's name is not part of the words.
        let wrapped = std::io::Error::other(format!(
            "{} at path \"/d/.x.kc.AbCdEf.tmp\"",
            std::io::Error::from_raw_os_error(libc_enotconn())
        ));
        assert!(
            !io_words(&wrapped).contains(".tmp"),
            "{}",
            io_words(&wrapped)
        );
        let raw = std::io::Error::from_raw_os_error(libc_enotconn());
        let text = io_words(&raw);
        assert!(
            !text.contains("os error") && text.starts_with(char::is_lowercase),
            "{text}"
        );
    }

    #[test]
    fn json_errors_read_as_sentences() {
        let words = |text: &str| {
            let e = serde_json::from_str::<std::collections::BTreeMap<String, Vec<u8>>>(text)
                .unwrap_err();
            json_words(&e, text.as_bytes())
        };
        assert_eq!(words(""), "the file is empty");
        assert_eq!(
            words("{\"a\": [1,"),
            "the JSON ends early, at line 1, column 9"
        );
        assert_eq!(
            words("{}\n}"),
            "text after the end of the JSON document, at line 2, column 1"
        );
        assert_eq!(
            words("{\"a\": 5}"),
            "integer 5 where a sequence was expected, at line 1, column 7"
        );
        assert_eq!(
            words("x"),
            "invalid JSON (expected value), at line 1, column 1"
        );
    }

    /// ENOTCONN on Linux: an error kind the table leaves to the OS's own words.
    fn libc_enotconn() -> i32 {
        107
    }
}
