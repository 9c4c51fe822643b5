//! Name constraints and certificate policies as Go 1.25's `crypto/x509` checks them (the Go
//! kube-apiserver 1.35 is built with): `isValid`'s name-constraint pass with
//! `checkNameConstraints` and the `match*Constraint` functions, `parseRFC2821Mailbox`,
//! `domainToReverseLabels` and `policiesValid` (verify.go), and parser.go's
//! `domainNameValid`. Go 1.26 moved the name constraints to a whole-chain pass
//! (constraints.go) with other words and other mailbox rules; that is not what a 1.35 API
//! server runs.

use std::collections::BTreeSet;

use super::cert::{Cert, NameConstraints};
use super::goerror::{GoError, go_quote};

/// `VerifyOptions.MaxConstraintComparisions`' default, per `isValid` call.
const MAX_CONSTRAINT_COMPARISONS: usize = 250_000;

/// `isValid`'s name-constraint pass for the CA `ca` (which has a NameConstraints extension),
/// a candidate parent of `below` (the chain built so far, leaf first): every SAN of every
/// certificate below it with a SAN extension, in the order `forEachSAN` meets them, against
/// the CA's subtrees of that name's type, excluded first.
pub(super) fn check_name_constraints(nc: &NameConstraints, below: &[&Cert]) -> Result<(), GoError> {
    let mut count = 0;
    for c in below {
        let Some(value) = &c.san_value else {
            continue;
        };
        for (tag, data) in super::goparse::for_each_san(value) {
            let name = String::from_utf8_lossy(&data).into_owned();
            match tag {
                1 => {
                    let Some(mailbox) = parse_mailbox(&name) else {
                        // fmt's %q of the zero rfc2821Mailbox Go is left with.
                        return Err(GoError::Plain(
                            "x509: cannot parse rfc822Name {\"\" \"\"}".into(),
                        ));
                    };
                    check_one(
                        &mut count,
                        "email address",
                        &name,
                        (&nc.permitted_email, &nc.excluded_email),
                        String::clone,
                        |x, excluded| match_email(&mailbox, x, excluded),
                    )?;
                }
                2 => {
                    if !domain_name_valid(&name, false) {
                        return Err(GoError::Plain(format!(
                            "x509: cannot parse dnsName {}",
                            go_quote(&name)
                        )));
                    }
                    check_one(
                        &mut count,
                        "DNS name",
                        &name,
                        (&nc.permitted_dns, &nc.excluded_dns),
                        String::clone,
                        |x, excluded| match_domain(&name, x, excluded),
                    )?;
                }
                6 => {
                    let Ok(uri) = crate::gourl::parse(&name) else {
                        return Err(GoError::Plain(format!(
                            "x509: internal error: URI SAN {} failed to parse",
                            go_quote(&name)
                        )));
                    };
                    check_one(
                        &mut count,
                        "URI",
                        &name,
                        (&nc.permitted_uri, &nc.excluded_uri),
                        String::clone,
                        |x, excluded| match_uri(&uri, &name, x, excluded),
                    )?;
                }
                7 => {
                    if data.len() != 4 && data.len() != 16 {
                        return Err(GoError::Plain(format!(
                            "x509: internal error: IP SAN {} failed to parse",
                            hex::encode(&data)
                        )));
                    }
                    check_one(
                        &mut count,
                        "IP address",
                        &show_ip(&data),
                        (&nc.permitted_ip, &nc.excluded_ip),
                        |(n, m)| show_ipnet(n, m),
                        |(n, m), _| {
                            // `matchIPConstraint`: same length, equal under the mask.
                            Ok(n.len() == data.len()
                                && data
                                    .iter()
                                    .zip(n.iter().zip(m))
                                    .all(|(a, (n, m))| a & m == n & m))
                        },
                    )?;
                }
                // Other SAN types are ignored.
                _ => {}
            }
        }
    }
    Ok(())
}

/// `checkNameConstraints`: the comparisons are counted (excluded, then permitted), an
/// excluded match refuses, and with permitted subtrees one must match. A matcher's error
/// is the CA's CANotAuthorizedForThisName with that error's text.
fn check_one<T>(
    count: &mut usize,
    kind: &str,
    name: &str,
    (permitted, excluded): (&[T], &[T]),
    show: impl Fn(&T) -> String,
    mut matches: impl FnMut(&T, bool) -> Result<bool, String>,
) -> Result<(), GoError> {
    *count += excluded.len();
    if *count > MAX_CONSTRAINT_COMPARISONS {
        return Err(GoError::TooManyConstraints);
    }
    for x in excluded {
        if matches(x, true).map_err(GoError::NotAuthorizedForName)? {
            return Err(GoError::NotAuthorizedForName(format!(
                "{kind} {} is excluded by constraint {}",
                go_quote(name),
                go_quote(&show(x))
            )));
        }
    }
    *count += permitted.len();
    if *count > MAX_CONSTRAINT_COMPARISONS {
        return Err(GoError::TooManyConstraints);
    }
    let mut ok = true;
    for x in permitted {
        ok = matches(x, false).map_err(GoError::NotAuthorizedForName)?;
        if ok {
            break;
        }
    }
    if !ok {
        return Err(GoError::NotAuthorizedForName(format!(
            "{kind} {} is not permitted by any constraint",
            go_quote(name)
        )));
    }
    Ok(())
}

/// `matchEmailConstraint`: a constraint with '@' is one mailbox (local part exact, domain
/// case-insensitive); otherwise it constrains the domain as a DNS constraint does.
fn match_email(
    mailbox: &(String, String),
    constraint: &str,
    excluded: bool,
) -> Result<bool, String> {
    if constraint.contains('@') {
        let (local, domain) = parse_mailbox(constraint).ok_or_else(|| {
            format!(
                "x509: internal error: cannot parse constraint {}",
                go_quote(constraint)
            )
        })?;
        return Ok(mailbox.0 == local && mailbox.1.eq_ignore_ascii_case(&domain));
    }
    match_domain(&mailbox.1, constraint, excluded)
}

/// `matchURIConstraint`: the URI's host (port dropped), which must be a domain.
fn match_uri(
    uri: &crate::gourl::Url,
    raw: &str,
    constraint: &str,
    excluded: bool,
) -> Result<bool, String> {
    let shown = uri.shown(raw);
    let mut host = uri.host.clone();
    if host.is_empty() {
        return Err(format!(
            "URI with empty host ({}) cannot be matched against constraints",
            go_quote(&shown)
        ));
    }
    if host.contains(':') && !host.ends_with(']') {
        host = split_host_port(&host)?;
    }
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if bracketed || host.parse::<std::net::IpAddr>().is_ok() {
        return Err(format!(
            "URI with IP ({}) cannot be matched against constraints",
            go_quote(&shown)
        ));
    }
    match_domain(&host, constraint, excluded)
}

/// `matchDomainConstraint`: the constraint's labels are the name's last labels (ASCII
/// case-insensitively); a leading '.' asks for at least one more label; an empty
/// constraint matches everything. For an excluded constraint, a wildcard name's first label
/// and the constraint's first label are left out of the comparison.
fn match_domain(domain: &str, constraint: &str, excluded: bool) -> Result<bool, String> {
    if constraint.is_empty() {
        return Ok(true);
    }
    let mut domain_labels = reverse_labels(domain).ok_or_else(|| {
        format!(
            "x509: internal error: cannot parse domain {}",
            go_quote(domain)
        )
    })?;
    let wildcard = domain.starts_with('*');
    let (must_have_subdomains, constraint) = match constraint.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, constraint),
    };
    let mut constraint_labels = reverse_labels(constraint).ok_or_else(|| {
        format!(
            "x509: internal error: cannot parse domain {}",
            go_quote(constraint)
        )
    })?;
    if domain_labels.len() < constraint_labels.len()
        || (must_have_subdomains && domain_labels.len() == constraint_labels.len())
    {
        return Ok(false);
    }
    if excluded && wildcard && domain_labels.len() > 1 && !constraint_labels.is_empty() {
        domain_labels.pop();
        constraint_labels.pop();
    }
    Ok(constraint_labels
        .iter()
        .zip(&domain_labels)
        .all(|(c, d)| c.eq_ignore_ascii_case(d)))
}

/// `domainToReverseLabels`: the labels, last first; `None` for an empty label or a byte
/// outside 33..=126. The empty string has no labels.
fn reverse_labels(domain: &str) -> Option<Vec<&str>> {
    if domain.is_empty() {
        return Some(vec![]);
    }
    let labels: Vec<&str> = domain.rsplit('.').collect();
    let bad = |l: &&str| l.is_empty() || l.bytes().any(|b| !(33..=126).contains(&b));
    if labels.iter().any(bad) {
        return None;
    }
    Some(labels)
}

/// `net.SplitHostPort`'s host, or its error in its words (`AddrError`).
fn split_host_port(hostport: &str) -> Result<String, String> {
    let err = |why: &str| Err(format!("address {hostport}: {why}"));
    let Some(i) = hostport.rfind(':') else {
        return err("missing port in address");
    };
    let (host, j, k) = if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return err("missing ']' in address");
        };
        if end + 1 == hostport.len() {
            return err("missing port in address");
        } else if end + 1 != i {
            return if hostport.as_bytes()[end + 1] == b':' {
                err("too many colons in address")
            } else {
                err("missing port in address")
            };
        }
        (&hostport[1..end], 1, end + 1)
    } else {
        let host = &hostport[..i];
        if host.contains(':') {
            return err("too many colons in address");
        }
        (host, 0, 0)
    };
    if hostport[j..].contains('[') {
        return err("unexpected '[' in address");
    }
    if hostport[k..].contains(']') {
        return err("unexpected ']' in address");
    }
    Ok(host.to_string())
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

/// `parseRFC2821Mailbox` (verify.go, Go 1.25): the local part (quoted-string or dot-atom)
/// and the domain, which `domainToReverseLabels` must accept; `None` otherwise.
pub(super) fn parse_mailbox(input: &str) -> Option<(String, String)> {
    let b = input.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut local = Vec::new();
    let mut i = 0;
    if b[0] == b'"' {
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
            let c = b[i];
            if c == b'\\' {
                // Go's fallthrough appends the escaped byte, whatever it is.
                i += 1;
                local.push(*b.get(i)?);
                i += 1;
                continue;
            }
            if !(c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&c)) {
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
    reverse_labels(domain)?;
    Some((
        String::from_utf8_lossy(&local).into_owned(),
        domain.to_string(),
    ))
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

/// Go's `net.IP.String()`: an IPv4 address, or an IPv4-mapped IPv6 one, in dotted form.
fn show_ip(ip: &[u8]) -> String {
    match ip.len() {
        4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
        16 if ip[..10].iter().all(|&b| b == 0) && ip[10..12] == [0xff, 0xff] => show_ip(&ip[12..]),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(ip);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => hex::encode(ip),
    }
}

/// Go's `net.IPNet.String()` (`networkNumberAndMask`): an IPv4-mapped network is shown as
/// IPv4 with the last four bytes of its mask.
fn show_ipnet(net: &[u8], mask: &[u8]) -> String {
    let mapped =
        net.len() == 16 && net[..10].iter().all(|&b| b == 0) && net[10..12] == [0xff, 0xff];
    let mask = if mapped { &mask[12..] } else { mask };
    let ones: u32 = mask.iter().map(|m| m.count_ones()).sum();
    format!("{}/{ones}", show_ip(net))
}
