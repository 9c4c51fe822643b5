//! PEM over the `pem` crate: reading with errors that name the file, and [`encode`], the one
//! writer every PEM file kcred writes goes through (LF line endings, as Go's `pem.Encode`;
//! the callers pass the labels kubeadm writes, DESIGN.md §7).

use crate::error::{Error, Result};

/// Every PEM block in `text`; an error naming `source` if there are none or one is broken.
pub fn parse_all(source: &str, text: &[u8]) -> Result<Vec<pem::Pem>> {
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(source, "the file is empty"));
    }
    if !contains(text, b"-----BEGIN ") {
        return Err(Error::input(
            source,
            "no PEM data found (expected -----BEGIN …-----)",
        ));
    }
    let blocks = pem::parse_many(text).map_err(|e| Error::input(source, describe(&e)))?;
    if blocks.is_empty() {
        return Err(Error::input(
            source,
            "no complete PEM block found (truncated?)",
        ));
    }
    // kube-apiserver and kubectl read PEM with Go's pem.Decode, which skips a block whose
    // BEGIN is not at the start of a line, whose END line carries anything else, or whose
    // base64 it cannot decode (two files joined without a newline lose both blocks). The pem
    // crate reads such blocks, so kcred would judge what the API server never sees.
    let go = go_decode_all(text);
    let same = go.len() == blocks.len()
        && go
            .iter()
            .zip(&blocks)
            .all(|(g, b)| g.label == b.tag().as_bytes() && g.bytes == b.contents());
    if !same {
        return Err(Error::input(
            source,
            format!(
                "Go's pem.Decode, which kube-apiserver and kubectl read PEM with, reads {} of its {} PEM blocks (it skips a block whose BEGIN line does not start a line, whose END line carries anything else, or whose base64 it cannot decode); fix the file",
                go.len(),
                blocks.len()
            ),
        ));
    }
    Ok(blocks)
}

/// Go's `base64.StdEncoding` (not `Strict()`): padding required, unused bits ignored. Go's
/// decoder also skips CR and LF; callers remove those first.
pub(crate) const GO_STD_BASE64: base64::engine::GeneralPurpose =
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical),
    );

/// A block as Go's `pem.Decode` returns it (encoding/pem/pem.go, Go 1.25).
struct GoBlock {
    label: Vec<u8>,
    bytes: Vec<u8>,
    headers: bool,
}

/// Every block Go's `pem.Decode` finds in `data`, in order.
fn go_decode_all(mut data: &[u8]) -> Vec<GoBlock> {
    let mut out = Vec::new();
    while let Some((block, rest)) = go_decode(data) {
        out.push(block);
        data = rest;
    }
    out
}

/// `getLine`: the line without its `\n` (or `\r\n`) and trailing spaces and tabs, the
/// rest, and how many bytes were consumed.
fn get_line(data: &[u8]) -> (&[u8], &[u8], usize) {
    let (line, consumed) = match data.iter().position(|&b| b == b'\n') {
        None => (data, data.len()),
        Some(i) if i > 0 && data[i - 1] == b'\r' => (&data[..i - 1], i + 1),
        Some(i) => (&data[..i], i + 1),
    };
    let end = line
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    (&line[..end], &data[consumed..], consumed)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `pem.Decode`, line for line (the index arithmetic is Go's, so are the skipped cases).
fn go_decode(data: &[u8]) -> Option<(GoBlock, &[u8])> {
    use base64::Engine as _;
    const END: &[u8] = b"\n-----END ";
    const BEGIN: &[u8] = b"-----BEGIN ";
    const DASHES: &[u8] = b"-----";
    let mut rest = data;
    let mut end_trailer_index: isize = 0;
    loop {
        if end_trailer_index < 0 || end_trailer_index as usize > rest.len() {
            return None;
        }
        rest = &rest[end_trailer_index as usize..];
        let end_index = find(rest, END)? as isize;
        end_trailer_index = end_index + END.len() as isize;
        let begin_index = rest[..end_index as usize]
            .windows(BEGIN.len())
            .rposition(|w| w == BEGIN);
        let Some(begin) = begin_index.filter(|&b| b == 0 || rest[b - 1] == b'\n') else {
            continue;
        };
        let skip = (begin + BEGIN.len()) as isize;
        rest = &rest[skip as usize..];
        let mut end_index = end_index - skip;
        end_trailer_index -= skip;
        let (type_line, next, consumed) = get_line(rest);
        rest = next;
        end_index -= consumed as isize;
        end_trailer_index -= consumed as isize;
        let Some(label) = type_line.strip_suffix(DASHES) else {
            continue;
        };
        let mut headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next, consumed) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            headers = true;
            rest = next;
            end_index -= consumed as isize;
            end_trailer_index -= consumed as isize;
        }
        if headers && end_index < 0 {
            continue;
        }
        let Some(end_trailer) = usize::try_from(end_trailer_index)
            .ok()
            .and_then(|i| rest.get(i..))
        else {
            continue;
        };
        let trailer_len = label.len() + DASHES.len();
        if end_trailer.len() < trailer_len {
            continue;
        }
        let (trailer, rest_of_end_line) = end_trailer.split_at(trailer_len);
        if !trailer.starts_with(label) || !trailer.ends_with(DASHES) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }
        let mut bytes = Vec::new();
        if end_index > 0 {
            let b64: Vec<u8> = rest[..end_index as usize]
                .iter()
                .copied()
                .filter(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                .collect();
            match GO_STD_BASE64.decode(&b64) {
                Ok(v) => bytes = v,
                Err(_) => continue,
            }
        }
        let after = usize::try_from(end_index + END.len() as isize - 1).ok()?;
        let (_, next, _) = get_line(rest.get(after..)?);
        return Some((
            GoBlock {
                label: label.to_vec(),
                bytes,
                headers,
            },
            next,
        ));
    }
}

/// The certificates Go's `CertPool.AppendCertsFromPEM` takes from `text` (crypto/x509
/// cert_pool.go): every block Go's `pem.Decode` finds that is a `CERTIFICATE` without
/// headers and that `x509.ParseCertificate` reads; the others are skipped silently.
pub fn go_cert_pool(text: &[u8]) -> Vec<Vec<u8>> {
    go_decode_all(text)
        .into_iter()
        .filter(|b| b.label == b"CERTIFICATE" && !b.headers)
        .filter(|b| crate::authn::x509::go_parse_certificate(&b.bytes).is_ok())
        .map(|b| b.bytes)
        .collect()
}

/// kubectl's error for a kubeconfig cluster's CA data (`certificate-authority-data`, or the
/// `certificate-authority` file) from which Go's `AppendCertsFromPEM` takes no certificate,
/// in client-go's words (`transport/transport.go`: `rootCertPool`, `createErrorParsingCAData`);
/// `None` when kubectl loads it.
pub fn client_go_ca_data_error(data: &[u8]) -> Option<String> {
    if !go_cert_pool(data).is_empty() {
        return None;
    }
    let mut rest = data;
    let why = loop {
        if rest.is_empty() {
            break "no valid certificate authority data seen".to_string();
        }
        let Some((block, next)) = go_decode(rest) else {
            break "unable to parse bytes as PEM block".to_string();
        };
        rest = next;
        if block.label != b"CERTIFICATE" || block.headers {
            continue;
        }
        if let Err(e) = crate::authn::x509::go_parse_certificate(&block.bytes) {
            break format!("failed to parse certificate: {e}");
        }
    };
    Some(format!("unable to load root certificates: {why}"))
}

/// What the Go loaders of a certificate file would trip on, in their words, for the PEM
/// `text` of a `.crt` file: a `CERTIFICATE` block with headers, which client-go's
/// `cert.ParseCertsPEM` (`--client-ca-file` and friends) and `AppendCertsFromPEM` skip
/// silently, and a block of another type, which etcd's `tlsutil.NewCertPool`
/// (`--trusted-ca-file`, and kube-apiserver's etcd client) parses as a certificate anyway and
/// fails on.
pub fn go_loader_trouble(text: &[u8]) -> Option<String> {
    let blocks = go_decode_all(text);
    if blocks
        .iter()
        .any(|b| b.label == b"CERTIFICATE" && b.headers)
    {
        return Some("a CERTIFICATE block carries PEM headers, which client-go's cert.ParseCertsPEM and Go's AppendCertsFromPEM skip: the components load the file without that certificate".into());
    }
    blocks
        .iter()
        .find(|b| b.label != b"CERTIFICATE")
        .map(|b| {
            format!(
                "holds a {:?} PEM block besides certificates: etcd's tlsutil.NewCertPool parses every block as a certificate and will not start with this file",
                String::from_utf8_lossy(&b.label)
            )
        })
}

/// Whether `text` looks like PEM rather than DER.
pub fn looks_like_pem(text: &[u8]) -> bool {
    contains(text, b"-----BEGIN ")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn describe(e: &pem::PemError) -> String {
    match e {
        pem::PemError::MismatchedTags(a, b) => {
            format!("broken PEM: BEGIN {a} does not match END {b}")
        }
        pem::PemError::MissingEndTag => "truncated PEM: missing the END line".into(),
        pem::PemError::MissingData => "empty PEM block".into(),
        pem::PemError::MissingBeginTag | pem::PemError::MalformedFraming => {
            "malformed PEM framing".into()
        }
        pem::PemError::InvalidData(_) => "bad base64 inside the PEM block".into(),
        pem::PemError::NotUtf8(_) => "PEM text is not UTF-8".into(),
        other => format!("malformed PEM ({other})"),
    }
}

/// Encode one block with LF line endings, as Go's `pem.Encode` writes.
pub fn encode(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";

    /// What Go's pem.Decode reads (encoding/pem/pem.go; cases checked against Go 1.25).
    #[test]
    fn blocks_as_go_reads_them() {
        let labels = |t: &str| {
            go_decode_all(t.as_bytes())
                .iter()
                .map(|b| {
                    (
                        String::from_utf8_lossy(&b.label).into_owned(),
                        b.bytes.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(labels(CERT), [("CERTIFICATE".to_string(), vec![0, 1, 2])]);
        assert_eq!(labels(&CERT.replace('\n', "\r\n")).len(), 1);
        assert_eq!(labels(&format!("junk\n{CERT}junk\n{CERT}")).len(), 2);
        assert_eq!(
            labels("-----BEGIN X-----\n-----END X-----\n"),
            [("X".to_string(), vec![])]
        );
        // Two files joined without a newline: neither block is read.
        let joined = format!("{}{CERT}", CERT.trim_end());
        assert_eq!(labels(&joined).len(), 0);
        for skipped in [
            format!("\u{feff}{CERT}"),
            format!(" {CERT}"),
            CERT.replace("CERTIFICATE-----\n", "CERTIFICATE----- x\n"),
            CERT.replace("AAEC\n", "AAEC"),
            CERT.replace("AAEC", "AA\u{c}EC"),
            CERT.replace("AAEC", "AAE"),
            CERT.replace("END CERTIFICATE", "END CERT"),
        ] {
            assert_eq!(labels(&skipped).len(), 0, "{skipped:?}");
        }
        assert_eq!(labels(&CERT.replace("AAEC", "AA EC\t")).len(), 1);
    }

    #[test]
    fn a_file_go_reads_differently_is_refused() {
        let joined = format!("{}{CERT}", CERT.trim_end());
        let e = parse_all("f.pem", joined.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("Go's pem.Decode"), "{e}");
        assert_eq!(parse_all("f.pem", CERT.as_bytes()).unwrap().len(), 1);
    }
}
