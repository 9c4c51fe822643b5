//! The static token file (`--token-auth-file`), read as kube-apiserver reads it
//! (`k8s.io/apiserver/pkg/authentication/token/tokenfile/tokenfile.go`, `NewCSV`):
//! Go's `encoding/csv` with its defaults and `FieldsPerRecord = -1` (kcred's port,
//! [`super::gocsv`]): no comment lines, no trimming, a UTF-8 BOM is part of the first
//! token, a bare `"` is a parse error; blank lines are skipped. Each record is
//! `token,user,uid[,"group1,group2"]`; fewer than 3 columns is an error; an empty token is
//! skipped with a warning; a duplicate token replaces the earlier record; groups are the
//! 4th column split on `,` (`strings.Split`, so an empty 4th column is one empty group).
//! Any error makes `NewCSV` fail, and kube-apiserver does not start.

use std::collections::HashMap;
use std::path::Path;

use super::gocsv;
use crate::Identity;
use crate::error::{Error, Result};

/// What the API server says when `NewCSV` fails: it exits.
const REFUSES_TO_START: &str =
    "kube-apiserver would not start with this --token-auth-file (tokenfile.NewCSV fails)";

/// The tokens of one file.
#[derive(Clone, Debug, Default)]
pub struct TokenFile {
    /// Token bytes (Go strings are bytes: invalid UTF-8 is kept) to the identity.
    tokens: HashMap<Vec<u8>, Identity>,
    /// Things the API server would log while reading the file (empty or duplicate tokens).
    pub warnings: Vec<String>,
}

impl TokenFile {
    /// Read `path`.
    pub fn load(path: &Path) -> Result<TokenFile> {
        let bytes = crate::fsio::read::read(path)?;
        TokenFile::parse(&crate::fsio::read::display(path), &bytes)
    }

    /// Parse CSV bytes; `source` names it in errors.
    pub fn parse(source: &str, bytes: &[u8]) -> Result<TokenFile> {
        let mut reader = gocsv::Reader::new(bytes);
        let mut out = TokenFile::default();
        // recordNum counts records that passed the column check, as NewCSV does.
        let mut n = 0;
        loop {
            let record = match reader.read() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => return Err(Error::input(source, format!("{e}: {REFUSES_TO_START}"))),
            };
            if record.len() < 3 {
                return Err(Error::input(
                    source,
                    format!(
                        "must have at least 3 columns (token, user name, user uid), found {}: {REFUSES_TO_START}",
                        record.len()
                    ),
                ));
            }
            n += 1;
            if record[0].is_empty() {
                out.warnings
                    .push(format!("{source}: empty token in record {n}"));
                continue;
            }
            // Go strings hold bytes; what the API server reports (JSON) has U+FFFD instead.
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            let mut id = Identity::new(text(&record[1]), Vec::<String>::new());
            id.uid = text(&record[2]);
            if let Some(groups) = record.get(3) {
                id.groups = groups.split(|&b| b == b',').map(text).collect();
            }
            if out.tokens.insert(record[0].clone(), id).is_some() {
                out.warnings
                    .push(format!("{source}: duplicate token in record {n}"));
            }
        }
        Ok(out)
    }

    /// The identity `token` stands for, if the file lists it.
    pub fn authenticate(&self, token: &str) -> Option<&Identity> {
        self.tokens.get(token.as_bytes())
    }

    /// How many tokens the file holds.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the file holds no token.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_as_the_api_server_reads_them() {
        let f = TokenFile::parse(
            "t.csv",
            b"abc,alice,1,\"dev,ops\"\n,empty,2\nxyz,bob,3\nabc,alice2,4,\"a\"\"b\"\n",
        )
        .unwrap();
        assert_eq!(f.authenticate("abc").unwrap().user, "alice2");
        assert_eq!(f.authenticate("abc").unwrap().groups, ["a\"b"]);
        assert_eq!(f.authenticate("xyz").unwrap().groups, Vec::<String>::new());
        assert_eq!(f.warnings.len(), 2);
        let err = TokenFile::parse("t.csv", b"tok,user\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.csv") && err.contains("at least 3 columns"),
            "{err}"
        );
    }

    /// encoding/csv with NewCSV's settings: the BOM stays in the first token, `#` is data,
    /// spaces are kept, an empty 4th column is one empty group, a bare quote is fatal.
    #[test]
    fn go_csv_details() {
        let f = TokenFile::parse("t.csv", b"\xef\xbb\xbftok,u,1\n#c,u2,2\n s , u3 ,3,\n").unwrap();
        assert!(f.authenticate("tok").is_none());
        assert_eq!(f.authenticate("\u{feff}tok").unwrap().user, "u");
        assert_eq!(f.authenticate("#c").unwrap().user, "u2");
        let id = f.authenticate(" s ").unwrap();
        assert_eq!(
            (id.user.as_str(), id.groups.as_slice()),
            (" u3 ", &[String::new()][..])
        );
        let err = TokenFile::parse("t.csv", b"a\"b,u,1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("parse error on line 1, column 2: bare \" in non-quoted-field")
                && err.contains("would not start"),
            "{err}"
        );
    }
}
