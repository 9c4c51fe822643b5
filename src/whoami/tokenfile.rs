//! The static token file (`--token-auth-file`), read as kube-apiserver reads it
//! (`k8s.io/apiserver/plugin/pkg/authenticator/token/tokenfile/tokenfile.go`, `NewCSV`):
//! CSV through Go's `encoding/csv` with a variable number of fields; each record is
//! `token,user,uid[,"group1,group2"]`; at least 3 columns; an empty token is skipped; a
//! duplicate token replaces the earlier record; groups are the 4th column split on `,`.
//! The `csv` crate parses the same RFC 4180 dialect (quotes, doubled quotes, CRLF).

use std::collections::HashMap;
use std::path::Path;

use crate::Identity;
use crate::error::{Error, Result};

/// The tokens of one file.
#[derive(Clone, Debug, Default)]
pub struct TokenFile {
    tokens: HashMap<String, Identity>,
    /// Things the API server would log while reading the file (empty or duplicate tokens).
    pub warnings: Vec<String>,
}

impl TokenFile {
    /// Read `path`.
    pub fn load(path: &Path) -> Result<TokenFile> {
        let bytes = crate::fsio::read(path)?;
        TokenFile::parse(&crate::fsio::display(path), &bytes)
    }

    /// Parse CSV text; `source` names it in errors.
    pub fn parse(source: &str, bytes: &[u8]) -> Result<TokenFile> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut out = TokenFile::default();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| Error::input(source, format!("invalid CSV: {e}")))?;
            let n = i + 1;
            if record.len() < 3 {
                return Err(Error::input(
                    source,
                    format!(
                        "must have at least 3 columns (token, user name, user uid), record {n} has {}",
                        record.len()
                    ),
                ));
            }
            let token = &record[0];
            if token.is_empty() {
                out.warnings
                    .push(format!("{source}: empty token in record {n}"));
                continue;
            }
            let mut id = Identity::new(record[1].to_string(), Vec::<String>::new());
            id.uid = record[2].to_string();
            if let Some(groups) = record.get(3) {
                id.groups = groups.split(',').map(str::to_string).collect();
            }
            if out.tokens.insert(token.to_string(), id).is_some() {
                out.warnings
                    .push(format!("{source}: duplicate token in record {n}"));
            }
        }
        Ok(out)
    }

    /// The identity `token` stands for, if the file lists it.
    pub fn authenticate(&self, token: &str) -> Option<&Identity> {
        self.tokens.get(token)
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
}
