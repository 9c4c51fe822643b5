//! Name constraints and certificate policies: a port of `crypto/x509/constraints.go`
//! (`checkChainConstraints`, `dnsHasSuffix`, `parseURIs`) and of `verify.go`'s
//! `policiesValid` and `parseRFC2821Mailbox` (with parser.go's `domainNameValid`).

use std::collections::BTreeSet;

use super::cert::{Cert, NameConstraints};
use super::goerror::{GoError, go_quote};

/// `checkChainConstraints` (constraints.go): the name constraints of each CA apply to the
/// SANs of every certificate below it.
pub(super) fn check_chain_constraints(chain: &[&Cert]) -> Result<(), GoError> {
    for (i, c) in chain.iter().enumerate() {
        if c.san_value.is_none() {
            continue;
        }
        let mut constraints = chain[i + 1..]
            .iter()
            .filter_map(|a| a.name_constraints.as_ref())
            .peekable();
        if constraints.peek().is_none() {
            continue;
        }
        let fail = GoError::NotAuthorizedForName;
        let uris = c
            .uris
            .iter()
            .map(|u| uri_domain(u).map(|d| (u.as_str(), d)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        let emails = c
            .emails
            .iter()
            .map(|e| {
                parse_mailbox(e)
                    .map(|(l, d)| (l, d.to_ascii_lowercase()))
                    .ok_or_else(|| format!("cannot parse rfc822Name {}", go_quote(e)))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        for nc in constraints {
            check_names(nc, c, &uris, &emails).map_err(fail)?;
        }
    }
    Ok(())
}

/// `isValid`'s name-constraint pass (crypto/x509 verify.go): each SAN checked against this
/// CA's permitted and excluded subtrees by `checkNameConstraints`, one step per case of
/// Go's `switch tag` (`nameTypeIP`, `nameTypeDNS`, `nameTypeURI`, `nameTypeEmail`).
fn check_names(
    nc: &NameConstraints,
    c: &Cert,
    uris: &[(&str, String)],
    emails: &[(String, String)],
) -> Result<(), String> {
    check_ips(nc, &c.ip_addresses)?;
    check_dns_names(nc, &c.dns_names)?;
    check_uris(nc, uris)?;
    check_emails(nc, emails)
}

/// `nameTypeIP`: `matchIPConstraint`, the permitted list read per address family.
fn check_ips(nc: &NameConstraints, ips: &[Vec<u8>]) -> Result<(), String> {
    for ip in ips {
        let shown = show_ip(ip);
        let matches = |(net, mask): &(Vec<u8>, Vec<u8>)| {
            net.len() == ip.len()
                && ip
                    .iter()
                    .zip(net.iter().zip(mask))
                    .all(|(a, (n, m))| a & m == n & m)
        };
        let permitted: Vec<_> = nc.permitted_ip.iter().collect();
        if !permitted.is_empty() {
            let same_family: Vec<_> = permitted
                .iter()
                .filter(|(n, _)| n.len() == ip.len())
                .collect();
            if !same_family.iter().any(|p| matches(p)) {
                return Err(format!(
                    "IP address {} is not permitted by any constraint",
                    go_quote(&shown)
                ));
            }
        }
        if let Some((net, mask)) = nc.excluded_ip.iter().find(|p| matches(p)) {
            return Err(format!(
                "IP address {} is excluded by constraint {}",
                go_quote(&shown),
                go_quote(&show_ipnet(net, mask))
            ));
        }
    }
    Ok(())
}

/// `nameTypeDNS`: `domainToReverseLabels` validity, then `matchDomainConstraint` (with the
/// wildcard rule for excluded names).
fn check_dns_names(nc: &NameConstraints, dns_names: &[String]) -> Result<(), String> {
    for d in dns_names {
        if !domain_name_valid(d, false) {
            return Err(format!("x509: cannot parse dnsName {}", go_quote(d)));
        }
        if !nc.permitted_dns.is_empty()
            && !nc
                .permitted_dns
                .iter()
                .any(|p| p.is_empty() || dns_has_suffix(p, d))
        {
            return Err(format!(
                "DNS name {} is not permitted by any constraint",
                go_quote(d)
            ));
        }
        if !nc.excluded_dns.is_empty() {
            let hit = nc
                .excluded_dns
                .iter()
                .find(|x| x.is_empty() || dns_has_suffix(x, d))
                .cloned()
                .or_else(|| {
                    // A wildcard SAN is excluded when its parent is an excluded name's parent.
                    let lower = d.to_ascii_lowercase();
                    let trimmed = lower.starts_with('*').then(|| trim_first_label(&lower))?;
                    nc.excluded_dns
                        .iter()
                        .find(|x| {
                            let t = trim_first_label(&x.to_ascii_lowercase());
                            !t.is_empty() && t == trimmed
                        })
                        .map(|x| x.to_ascii_lowercase())
                });
            if let Some(x) = hit {
                return Err(format!(
                    "DNS name {} is excluded by constraint {}",
                    go_quote(d),
                    go_quote(&x)
                ));
            }
        }
    }
    Ok(())
}

/// `nameTypeURI`: the host of each URI SAN, matched by `matchURIConstraint`.
fn check_uris(nc: &NameConstraints, uris: &[(&str, String)]) -> Result<(), String> {
    for (uri, domain) in uris {
        if !domain_name_valid(domain, false) {
            return Err(format!(
                "x509: internal error: URI SAN {} failed to parse",
                go_quote(uri)
            ));
        }
        let matches = |x: &String| x.is_empty() || dns_has_suffix(x, domain);
        if !nc.permitted_uri.is_empty() && !nc.permitted_uri.iter().any(matches) {
            return Err(format!(
                "URI {} is not permitted by any constraint",
                go_quote(uri)
            ));
        }
        if let Some(x) = nc.excluded_uri.iter().find(|x| matches(x)) {
            return Err(format!(
                "URI {} is excluded by constraint {}",
                go_quote(uri),
                go_quote(x)
            ));
        }
    }
    Ok(())
}

/// `nameTypeEmail`: each mailbox matched by `matchEmailConstraint`.
fn check_emails(nc: &NameConstraints, emails: &[(String, String)]) -> Result<(), String> {
    for (local, domain) in emails {
        let shown = format!("{local}@{domain}");
        if !domain_name_valid(domain, false) {
            return Err(format!(
                "x509: cannot parse rfc822Name {}",
                go_quote(&shown)
            ));
        }
        // emailConstraints.query: a constraint with '@' is one exact mailbox (domain
        // compared case-insensitively); otherwise a domain, matched like a DNS name.
        let hit = |list: &[String]| -> Option<String> {
            list.iter().find_map(|x| {
                if x.contains('@') {
                    let (l, d) = parse_mailbox(x)?;
                    (l == *local && d.to_ascii_lowercase() == *domain)
                        .then(|| format!("{l}@{}", d.to_ascii_lowercase()))
                } else {
                    (x.is_empty() || dns_has_suffix(x, domain)).then(|| x.clone())
                }
            })
        };
        if !nc.permitted_email.is_empty() && hit(&nc.permitted_email).is_none() {
            return Err(format!(
                "email address {} is not permitted by any constraint",
                go_quote(&shown)
            ));
        }
        if let Some(x) = hit(&nc.excluded_email) {
            return Err(format!(
                "email address {} is excluded by constraint {}",
                go_quote(&shown),
                go_quote(&x)
            ));
        }
    }
    Ok(())
}

/// `domainNameValid` (parser.go): no trailing dot, printable ASCII, no empty label.
pub(super) fn domain_name_valid(s: &str, constraint: bool) -> bool {
    if s.is_empty() {
        return true;
    }
    if s.ends_with('.') {
        return false;
    }
    let s = if constraint {
        s.strip_prefix('.').unwrap_or(s)
    } else {
        s
    };
    s.bytes().all(|b| (33..=126).contains(&b)) && s.split('.').all(|l| !l.is_empty())
}

/// `parseRFC2821Mailbox` (verify.go): the local part (quoted-string or dot-atom) and the
/// domain, or `None`.
pub(super) fn parse_mailbox(input: &str) -> Option<(String, String)> {
    let b = input.as_bytes();
    let mut local = Vec::new();
    let mut i = 0;
    if b.first() == Some(&b'"') {
        i = 1;
        loop {
            let c = *b.get(i)?;
            i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let n = *b.get(i)?;
                    if matches!(n, 1..=9 | 11 | 12 | 14..=127) {
                        local.push(n);
                        i += 1;
                    } else {
                        return None;
                    }
                }
                1..=8 | 11 | 12 | 14..=31 | 32 | 33 | 35..=91 | 93..=127 => local.push(c),
                _ => return None,
            }
        }
    } else {
        while i < b.len() {
            let mut c = b[i];
            if c == b'\\' {
                i += 1;
                c = *b.get(i)?;
            } else if !(c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&c)) {
                break;
            }
            local.push(c);
            i += 1;
        }
        if local.is_empty()
            || local[0] == b'.'
            || local[local.len() - 1] == b'.'
            || local.windows(2).any(|w| w == b"..")
        {
            return None;
        }
    }
    if b.get(i) != Some(&b'@') {
        return None;
    }
    let domain = &input[i + 1..];
    if !domain_name_valid(domain, false) || domain.contains('@') {
        return None;
    }
    Some((
        String::from_utf8_lossy(&local).into_owned(),
        domain.to_string(),
    ))
}

/// The lowercased host of a URI SAN, as constraints.go's `parseURIs` takes it from Go's
/// `url.URL.Host`; an error for URIs that cannot be matched against constraints.
fn uri_domain(uri: &str) -> Result<String, String> {
    let after_scheme = uri.split_once(':').map_or("", |(_, rest)| rest);
    let host = after_scheme
        .strip_prefix("//")
        .map(|rest| {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let authority = &rest[..end];
            authority.rsplit_once('@').map_or(authority, |(_, h)| h)
        })
        .unwrap_or("");
    let mut host = host.to_ascii_lowercase();
    if host.is_empty() {
        return Err(format!(
            "URI with empty host ({}) cannot be matched against constraints",
            go_quote(uri)
        ));
    }
    if host.contains(':') && !host.ends_with(']') {
        // net.SplitHostPort: drop the port.
        if let Some((h, _)) = host.rsplit_once(':') {
            host = h.trim_start_matches('[').trim_end_matches(']').to_string();
        }
    }
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if bracketed || host.parse::<std::net::IpAddr>().is_ok() {
        return Err(format!(
            "URI with IP ({}) cannot be matched against constraints",
            go_quote(uri)
        ));
    }
    Ok(host)
}

const ANY_POLICY: &str = "2.5.29.32.0";

/// `policiesValid` (verify.go, RFC 5280 §6.1 as updated by RFC 9618) with Verify's
/// options as the API server passes them: any policy acceptable, nothing required or
/// inhibited by the caller. The policy graph is kept as the set of valid policies at the
/// current depth, which is exact without policy mappings; a chain whose intermediates map
/// policies is refused as not evaluated.
pub(super) fn policies_valid(chain: &[&Cert]) -> Result<bool, GoError> {
    if chain.len() == 1 {
        return Ok(true);
    }
    let n = chain.len() as i64 - 1;
    let (mut explicit, mut inhibit_any) = (n + 1, n + 1);
    let mut valid: Option<BTreeSet<String>> = Some([ANY_POLICY.to_string()].into());
    for i in (0..chain.len() - 1).rev() {
        let cert = chain[i];
        let self_signed = cert.raw_issuer == cert.raw_subject;
        if cert.policies.is_empty() {
            valid = None;
        }
        if explicit == 0 && valid.is_none() {
            return Ok(false);
        }
        if let Some(above) = &valid {
            let mut next: BTreeSet<String> = cert
                .policies
                .iter()
                .filter(|p| *p != ANY_POLICY && (above.contains(*p) || above.contains(ANY_POLICY)))
                .cloned()
                .collect();
            if cert.policies.iter().any(|p| p == ANY_POLICY)
                && (inhibit_any > 0 || (i > 0 && self_signed))
            {
                next.extend(above.iter().cloned());
            }
            if i != 0 && cert.policy_mappings {
                return Err(GoError::Unsupported(
                    "certificate policy mappings in the chain".into(),
                ));
            }
            valid = Some(next);
        }
        if i != 0 {
            if !self_signed {
                explicit = (explicit - 1).max(0);
                inhibit_any = (inhibit_any - 1).max(0);
            }
            if let Some(r) = cert.require_explicit_policy
                && r < explicit
            {
                explicit = r;
            }
            if let Some(s) = cert.inhibit_any_policy
                && s < inhibit_any
            {
                inhibit_any = s;
            }
        }
    }
    explicit = (explicit - 1).max(0);
    if chain[0].require_explicit_policy == Some(0) {
        explicit = 0;
    }
    let any_valid = valid.is_some_and(|v| !v.is_empty());
    Ok(explicit != 0 || any_valid)
}

fn trim_first_label(s: &str) -> String {
    s.find('.').map(|i| s[i..].to_string()).unwrap_or_default()
}

/// `dnsHasSuffix(constraint, name)`: the constraint is a label suffix of the name, ASCII
/// case-insensitively; a leading dot matches subdomains only.
fn dns_has_suffix(constraint: &str, name: &str) -> bool {
    let (a, b) = (constraint.as_bytes(), name.as_bytes());
    if a.len() > b.len() {
        return false;
    }
    let tail = &b[b.len() - a.len()..];
    if !a.eq_ignore_ascii_case(tail) {
        return false;
    }
    !(a.first() != Some(&b'.') && b.len() > a.len() && b[b.len() - a.len() - 1] != b'.')
}

fn show_ip(ip: &[u8]) -> String {
    match ip.len() {
        4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(ip);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex::encode(ip),
    }
}

fn show_ipnet(net: &[u8], mask: &[u8]) -> String {
    let ones: u32 = mask.iter().map(|m| m.count_ones()).sum();
    format!("{}/{ones}", show_ip(net))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_suffix_follows_go() {
        assert!(dns_has_suffix("example.com", "a.example.com"));
        assert!(dns_has_suffix("example.com", "example.com"));
        assert!(!dns_has_suffix("example.com", "testexample.com"));
        assert!(dns_has_suffix(".example.com", "a.example.com"));
        assert!(!dns_has_suffix(".example.com", "example.com"));
        assert!(dns_has_suffix("EXAMPLE.com", "a.example.COM"));
    }
}
