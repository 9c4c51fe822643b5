//! Go's `encoding/csv` reader (`src/encoding/csv/reader.go`, `Reader.readRecord` and
//! `readLine`), ported byte for byte, because two things kube-apiserver reads go through
//! it with its default settings (`Comma = ','`, no `Comment`, `LazyQuotes = false`,
//! `TrimLeadingSpace = false`):
//!
//! - the static token file, `tokenfile.NewCSV` (`FieldsPerRecord = -1`), where a parse
//!   error stops the API server from starting;
//! - every pflag `StringSlice` flag such as `--api-audiences`: pflag's `readAsCSV`
//!   (`string_slice.go`) reads the value with one `csv.Reader.Read`.
//!
//! A general CSV crate is not used because it answers differently on exactly the inputs
//! that matter here: Go refuses a bare `"` in an unquoted field and any character after a
//! closing quote, keeps a UTF-8 BOM as data, keeps leading spaces, has no comment lines,
//! and skips blank lines. Fields are bytes, as Go's strings are: invalid UTF-8 is kept.

use std::fmt;

/// `csv.ParseError`: line numbers and the column (a 1-based byte index) are Go's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Line where the record starts.
    pub start_line: usize,
    /// Line where the error occurred.
    pub line: usize,
    /// Column (1-based byte index) where the error occurred.
    pub column: usize,
    /// What went wrong.
    pub kind: ParseErrorKind,
}

/// `csv.ErrBareQuote`, `csv.ErrQuote`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// `bare " in non-quoted-field`
    BareQuote,
    /// `extraneous or missing " in quoted-field`
    Quote,
}

impl fmt::Display for ParseError {
    // `(*ParseError).Error` (ErrFieldCount never arises with the settings used here).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ParseErrorKind::BareQuote => "bare \" in non-quoted-field",
            ParseErrorKind::Quote => "extraneous or missing \" in quoted-field",
        };
        if self.start_line != self.line {
            write!(
                f,
                "record on line {}; parse error on line {}, column {}: {what}",
                self.start_line, self.line, self.column
            )
        } else {
            write!(
                f,
                "parse error on line {}, column {}: {what}",
                self.line, self.column
            )
        }
    }
}

impl std::error::Error for ParseError {}

/// A `csv.NewReader` over `input` with Go's default settings.
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    num_line: usize,
}

impl<'a> Reader<'a> {
    /// Read `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Reader {
            input,
            pos: 0,
            num_line: 0,
        }
    }

    /// `readLine`: the next line with its `\n` (`\r\n` normalised to `\n`; a `\r` just
    /// before EOF dropped); `None` at EOF.
    fn read_line(&mut self) -> Option<Vec<u8>> {
        if self.pos >= self.input.len() {
            return None;
        }
        let rest = &self.input[self.pos..];
        let (mut line, at_eof) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (rest[..=i].to_vec(), false),
            None => (rest.to_vec(), true),
        };
        self.pos += line.len();
        if at_eof && line.last() == Some(&b'\r') {
            line.pop();
        }
        self.num_line += 1;
        let n = line.len();
        if n >= 2 && line[n - 2] == b'\r' && line[n - 1] == b'\n' {
            line[n - 2] = b'\n';
            line.pop();
        }
        Some(line)
    }

    /// `Reader.Read`: the next record, `Ok(None)` at EOF (Go's `io.EOF`).
    ///
    /// One function because it is a line-for-line port of Go's `readRecord`
    /// (`encoding/csv/reader.go`), one loop labelled `parseField` whose column and line
    /// bookkeeping is shared by the quoted and unquoted branches; split, it could no longer
    /// be read against the Go source.
    #[allow(clippy::type_complexity)]
    pub fn read(&mut self) -> Result<Option<Vec<Vec<u8>>>, ParseError> {
        // Skip empty lines (there is no comment character).
        let mut line = loop {
            match self.read_line() {
                None => return Ok(None),
                Some(l) if l.len() == length_nl(&l) => continue,
                Some(l) => break l,
            }
        };
        let rec_line = self.num_line;
        let mut fields: Vec<Vec<u8>> = Vec::new();
        let mut col = 1usize; // pos.col
        let mut pos_line = self.num_line;
        'field: loop {
            if line.first() != Some(&b'"') {
                // Non-quoted field.
                let i = line.iter().position(|&b| b == b',');
                let field = match i {
                    Some(i) => &line[..i],
                    None => &line[..line.len() - length_nl(&line)],
                };
                if let Some(j) = field.iter().position(|&b| b == b'"') {
                    return Err(ParseError {
                        start_line: rec_line,
                        line: self.num_line,
                        column: col + j,
                        kind: ParseErrorKind::BareQuote,
                    });
                }
                fields.push(field.to_vec());
                match i {
                    Some(i) => {
                        line.drain(..=i);
                        col += i + 1;
                        continue 'field;
                    }
                    None => break 'field,
                }
            }
            // Quoted field.
            let mut buf = Vec::new();
            line.remove(0);
            col += 1;
            loop {
                if let Some(i) = line.iter().position(|&b| b == b'"') {
                    buf.extend_from_slice(&line[..i]);
                    line.drain(..=i);
                    col += i + 1;
                    match line.first() {
                        Some(b'"') => {
                            buf.push(b'"');
                            line.remove(0);
                            col += 1;
                        }
                        Some(b',') => {
                            line.remove(0);
                            col += 1;
                            fields.push(buf);
                            continue 'field;
                        }
                        _ if length_nl(&line) == line.len() => {
                            fields.push(buf);
                            break 'field;
                        }
                        _ => {
                            return Err(ParseError {
                                start_line: rec_line,
                                line: self.num_line,
                                column: col - 1,
                                kind: ParseErrorKind::Quote,
                            });
                        }
                    }
                } else if !line.is_empty() {
                    // End of line inside the quotes: the field goes on.
                    // (Go stops here on a read error other than EOF; a byte slice has none.)
                    buf.extend_from_slice(&line);
                    col += line.len();
                    match self.read_line() {
                        Some(l) => {
                            if !l.is_empty() {
                                pos_line += 1;
                                col = 1;
                            }
                            line = l;
                        }
                        // Go clears io.EOF here, so the next round reports the missing quote.
                        None => line = Vec::new(),
                    }
                } else {
                    // Abrupt end of file.
                    return Err(ParseError {
                        start_line: rec_line,
                        line: pos_line,
                        column: col,
                        kind: ParseErrorKind::Quote,
                    });
                }
            }
        }
        Ok(Some(fields))
    }
}

fn length_nl(b: &[u8]) -> usize {
    usize::from(b.last() == Some(&b'\n'))
}

/// pflag's `readAsCSV` (`github.com/spf13/pflag/string_slice.go`): one record of the value;
/// the empty string is no values; input with no record (only newlines) is Go's `EOF` error.
pub fn read_as_csv(value: &str) -> Result<Vec<String>, String> {
    if value.is_empty() {
        return Ok(vec![]);
    }
    match Reader::new(value.as_bytes()).read() {
        Ok(Some(fields)) => Ok(fields
            .into_iter()
            .map(|f| String::from_utf8_lossy(&f).into_owned())
            .collect()),
        Ok(None) => Err("EOF".into()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &str) -> Result<Vec<Vec<String>>, String> {
        let mut r = Reader::new(input.as_bytes());
        let mut out = vec![];
        loop {
            match r.read() {
                Ok(Some(rec)) => out.push(
                    rec.into_iter()
                        .map(|f| String::from_utf8(f).unwrap())
                        .collect(),
                ),
                Ok(None) => return Ok(out),
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    // Cases from Go's reader_test.go (readTests), with Go's expected output.
    #[test]
    fn go_reader_test_cases() {
        assert_eq!(all("a,b,c\n").unwrap(), [["a", "b", "c"]]);
        assert_eq!(all("a,b,c\r\n").unwrap(), [["a", "b", "c"]]);
        assert_eq!(all("a,\"b\nc\"\n").unwrap(), [["a", "b\nc"]]);
        assert_eq!(all("\n\na,b\n\n").unwrap(), [["a", "b"]]);
        assert_eq!(all(" a, b\n").unwrap(), [[" a", " b"]]);
        assert_eq!(all("a,,\n").unwrap(), [["a", "", ""]]);
        assert_eq!(all("#x,y\n").unwrap(), [["#x", "y"]]);
        assert_eq!(all("\"a \"\"b\"\"\",c").unwrap(), [["a \"b\"", "c"]]);
        assert_eq!(all("a,b\r").unwrap(), [["a", "b"]]);
        // BareQuote: `a "word","b"` → column 3.
        assert_eq!(
            all("a \"word\",\"b\"").unwrap_err(),
            "parse error on line 1, column 3: bare \" in non-quoted-field"
        );
        // TrailingQuote / BadTrailingQuote / ExtraneousQuote.
        assert_eq!(
            all("\"a word\",b\"").unwrap_err(),
            "parse error on line 1, column 11: bare \" in non-quoted-field"
        );
        assert_eq!(
            all("\"a \"word\",\"b\"").unwrap_err(),
            "parse error on line 1, column 4: extraneous or missing \" in quoted-field"
        );
        // StartLine1: an unterminated quote running over lines.
        assert_eq!(
            all("a,\"b\nc\"d,e").unwrap_err(),
            "record on line 1; parse error on line 2, column 2: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            all("a,\"b").unwrap_err(),
            "parse error on line 1, column 5: extraneous or missing \" in quoted-field"
        );
        // A BOM is data.
        assert_eq!(all("\u{feff}t,u,1\n").unwrap(), [["\u{feff}t", "u", "1"]]);
    }

    #[test]
    fn pflag_string_slice() {
        assert_eq!(read_as_csv("a, b").unwrap(), ["a", " b"]);
        assert_eq!(read_as_csv("").unwrap(), Vec::<String>::new());
        assert_eq!(read_as_csv("\"a,b\",c").unwrap(), ["a,b", "c"]);
        assert_eq!(read_as_csv("a,b\nc").unwrap(), ["a", "b"]);
        assert_eq!(read_as_csv("\n").unwrap_err(), "EOF");
        assert!(read_as_csv("a, \"b\"").unwrap_err().contains("bare \""));
    }
}
