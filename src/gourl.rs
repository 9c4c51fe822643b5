//! Go's `net/url.Parse`, as far as kcred needs it to decide what Go decides: the scheme
//! rules of `getScheme`, the authority with its user info, the host characters and the port
//! `parseHost` refuses, in Go's words. Used for kubeconfig server and proxy URLs
//! (client-go) and for URI SANs under name constraints (crypto/x509).

/// The parts of a parsed URL kcred reads.
pub(crate) struct Url {
    /// The scheme, lowercased as `url.Parse` keeps it; empty for none.
    pub(crate) scheme: String,
    /// Whether the authority carries user info (`user[:password]@`).
    pub(crate) userinfo: bool,
    /// `URL.Host`: the host and any port, as written.
    pub(crate) host: String,
    /// The path, as written.
    pub(crate) path: String,
}

impl Url {
    /// The URL as `URL.String()` shows it, for the URLs read here (no query or fragment).
    pub(crate) fn shown(&self, raw: &str) -> String {
        match raw.split_once(':') {
            Some((_, rest)) if !self.scheme.is_empty() => format!("{}:{rest}", self.scheme),
            _ => raw.to_string(),
        }
    }
}

/// `url.Parse` as far as kcred needs it, with Go's error words.
pub(crate) fn parse(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(format!(
            "parse {}: net/url: invalid control character in URL",
            crate::authn::x509::go_quote(raw)
        ));
    }
    let bad = |why: String| {
        Err(format!(
            "parse {}: {why}",
            crate::authn::x509::go_quote(raw)
        ))
    };
    // getScheme
    let mut scheme = "";
    let mut rest = raw;
    for (i, c) in raw.char_indices() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if c.is_ascii_digit() || "+-.".contains(c) {
            if i == 0 {
                break;
            }
            continue;
        }
        if c == ':' {
            if i == 0 {
                return bad("missing protocol scheme".into());
            }
            scheme = &raw[..i];
            rest = &raw[i + 1..];
        }
        break;
    }
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    let mut url = Url {
        scheme: scheme.to_ascii_lowercase(),
        userinfo: false,
        host: String::new(),
        path: String::new(),
    };
    if !scheme.is_empty() && !rest.starts_with('/') {
        return Ok(url); // opaque: no host
    }
    if scheme.is_empty() && rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
        return bad("first path segment in URL cannot contain colon".into());
    }
    let Some(after) = rest.strip_prefix("//") else {
        url.path = rest.to_string();
        return Ok(url);
    };
    let end = after.find('/').unwrap_or(after.len());
    let (authority, path) = after.split_at(end);
    url.path = path.to_string();
    let host = match authority.rsplit_once('@') {
        Some((_, h)) => {
            url.userinfo = true;
            h
        }
        None => authority,
    };
    let (name, port) = if host.starts_with('[') {
        match host.find(']') {
            Some(i) => (&host[..=i], &host[i + 1..]),
            None => return bad("missing ']' in host".into()),
        }
    } else {
        match host.rfind(':') {
            Some(i) => (&host[..i], &host[i..]),
            None => (host, ""),
        }
    };
    let port_ok =
        port.is_empty() || (port.starts_with(':') && port[1..].bytes().all(|b| b.is_ascii_digit()));
    if !port_ok {
        return bad(format!(
            "invalid port {} after host",
            crate::authn::x509::go_quote(port)
        ));
    }
    // parseHost -> unescape(host, encodeHost): what shouldEscape escapes in a host.
    if !name.starts_with('[') {
        let allowed = |b: u8| {
            b >= 0x80 || b.is_ascii_alphanumeric() || b"-_.~!$&'()*+,;=:[]<>\"%".contains(&b)
        };
        if let Some(b) = name.bytes().find(|&b| !allowed(b)) {
            return bad(format!(
                "invalid character {} in host name",
                crate::authn::x509::go_quote(&(b as char).to_string())
            ));
        }
    }
    url.host = host.to_string();
    Ok(url)
}
