//! Durations as users write them: Go style (`8760h`, `90m`, `1h30m`, `10s`) as kubeadm and
//! kubectl accept them, plus `d` (24 h), `w` (7 d) and `y` (365 d, kubeadm's certificate
//! year: `constants.CertificateValidityPeriod`). Parsed once at the command-line boundary.

use jiff::SignedDuration;

/// Parse a duration such as `8760h`, `1h30m`, `365d` or `1y`.
pub fn parse(text: &str) -> Result<SignedDuration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let mut total: i64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!(
                "invalid duration {text:?} (examples: 8760h, 90m, 30d, 1y)"
            ));
        }
        let (num, tail) = rest.split_at(digits);
        let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, tail) = tail.split_at(unit_len);
        let seconds_per: i64 = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            "y" => 365 * 86_400,
            "" => return Err(format!("duration {text:?} needs a unit (s, m, h, d, w, y)")),
            other => return Err(format!("unknown unit {other:?} in duration {text:?}")),
        };
        let n: i64 = num
            .parse()
            .map_err(|_| format!("duration {text:?} is too large"))?;
        total = n
            .checked_mul(seconds_per)
            .and_then(|v| total.checked_add(v))
            .filter(|v| *v <= 1000 * 365 * 86_400)
            .ok_or_else(|| format!("duration {text:?} is too large"))?;
        rest = tail;
    }
    if total == 0 {
        return Err(format!("duration {text:?} must be positive"));
    }
    Ok(SignedDuration::from_secs(total))
}

/// apimachinery's `ShortHumanDuration` (`k8s.io/apimachinery/pkg/util/duration`), as
/// `kubeadm certs check-expiration` prints RESIDUAL TIME: `Ns`, `Nm`, `Nh`, `Nd`, `Ny`, and
/// `<invalid>` for a negative span.
pub fn short_human(d: SignedDuration) -> String {
    let secs = d.as_secs();
    if secs < -1 {
        return "<invalid>".into();
    }
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m", secs / 60)
    } else if secs < 86_400 {
        format!("{}h", secs / 3600)
    } else if secs < 365 * 86_400 {
        format!("{}d", secs / 86_400)
    } else {
        format!("{}y", secs / (365 * 86_400))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_style_and_friendly_units() {
        let h = |n| SignedDuration::from_hours(n);
        assert_eq!(parse("8760h").unwrap(), h(8760));
        assert_eq!(parse("1y").unwrap(), h(8760));
        assert_eq!(parse("30d").unwrap(), h(720));
        assert_eq!(parse("1h30m").unwrap(), SignedDuration::from_mins(90));
        assert_eq!(parse("10s").unwrap(), SignedDuration::from_secs(10));
        for bad in ["", "10", "h", "1x", "-1h", "0h", "99999999999999y", "1.5h"] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn short_human_matches_apimachinery() {
        let s = SignedDuration::from_secs;
        assert_eq!(short_human(s(59)), "59s");
        assert_eq!(short_human(s(3599)), "59m");
        assert_eq!(short_human(s(86_399)), "23h");
        assert_eq!(short_human(s(364 * 86_400)), "364d");
        assert_eq!(short_human(s(10 * 365 * 86_400)), "10y");
        assert_eq!(short_human(s(-100)), "<invalid>");
    }
}
