//! Durations as users write them: Go style (`8760h`, `90m`, `1h30m`, `10s`) as kubeadm and
//! kubectl accept them, plus `d` (24 h), `w` (7 d), `y` (365 d, kubeadm's certificate
//! year: `constants.CertificateValidityPeriod`) and `mo` (a twelfth of that year, 730 h, so
//! that `18mo` is a year and a half). Parsed once at the command-line boundary.
//!
//! Unlike Go's `time.ParseDuration`, fractions (`1.5y`) are refused, with the whole units
//! that say the same (`18mo`, `13140h`): a certificate's lifetime is better written exactly.

use jiff::SignedDuration;

/// Units, longest name first where one is a prefix of another's text (`mo` before `m`).
const UNITS: [(&str, i64); 7] = [
    ("s", 1),
    ("m", 60),
    ("h", 3600),
    ("d", 86_400),
    ("w", 7 * 86_400),
    ("mo", 365 * 86_400 / 12),
    ("y", 365 * 86_400),
];

fn unit_seconds(unit: &str) -> Option<i64> {
    UNITS.iter().find(|(n, _)| *n == unit).map(|(_, s)| *s)
}

/// `1.5y` → "use 18mo or 13140h": the first two smaller units that hold `int.frac unit`
/// whole (`None` when none does).
fn whole_units(int: &str, frac: &str, unit: &str) -> Option<String> {
    let per = unit_seconds(unit)?;
    let scale = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    // The duration in seconds times `scale`, exactly.
    let value: i128 = format!("{int}{frac}").parse().ok()?;
    let scaled = value.checked_mul(i128::from(per))?;
    let mut smaller: Vec<(&str, i64)> = UNITS.iter().copied().filter(|(_, s)| *s < per).collect();
    smaller.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    let whole: Vec<String> = smaller
        .iter()
        .filter(|(n, _)| *n != "w" && !(*n == "mo" && unit != "y"))
        .filter_map(|(n, s)| {
            let d = scale * i128::from(*s);
            (scaled % d == 0).then(|| format!("{}{n}", scaled / d))
        })
        .take(2)
        .collect();
    (!whole.is_empty()).then(|| whole.join(" or "))
}

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
        if let Some(after_dot) = tail.strip_prefix('.') {
            let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            let (frac, after) = after_dot.split_at(frac_len);
            let unit: String = after
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            let mut msg = format!("duration {text:?}: fractional units are not accepted");
            if let Some(alt) = whole_units(num, frac, &unit) {
                msg.push_str(&format!(", use {alt}"));
            }
            return Err(msg);
        }
        let unit_len = tail.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, tail) = tail.split_at(unit_len);
        let seconds_per: i64 = match (unit, unit_seconds(unit)) {
            (_, Some(s)) => s,
            ("", _) => {
                return Err(format!(
                    "duration {text:?} needs a unit (s, m, h, d, w, mo, y)"
                ));
            }
            (other, None) => return Err(format!("unknown unit {other:?} in duration {text:?}")),
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
        assert_eq!(parse("18mo").unwrap(), h(13140));
        assert_eq!(parse("1y6mo").unwrap(), parse("18mo").unwrap());
        for bad in [
            "",
            "10",
            "h",
            "1x",
            "-1h",
            "0h",
            "99999999999999y",
            "1.5h",
            "1.y",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn fractions_are_refused_with_the_whole_units_that_say_the_same() {
        let err = |s| parse(s).unwrap_err();
        assert_eq!(
            err("1.5y"),
            "duration \"1.5y\": fractional units are not accepted, use 18mo or 13140h"
        );
        assert!(err("1.5h").ends_with("use 90m or 5400s"), "{}", err("1.5h"));
        assert!(err("2.5d").ends_with("use 60h or 3600m"), "{}", err("2.5d"));
        assert!(
            err("0.25y").ends_with("use 3mo or 2190h"),
            "{}",
            err("0.25y")
        );
        // Every alternative offered parses to the same duration.
        for s in ["1.5y", "2.25d", "1.5w", "0.5m"] {
            let e = err(s);
            let alts = e.rsplit("use ").next().unwrap();
            let want: Vec<_> = alts.split(" or ").map(|a| parse(a).unwrap()).collect();
            assert!(want.windows(2).all(|w| w[0] == w[1]), "{e}");
        }
        assert!(err("1.5x").ends_with("not accepted"), "{}", err("1.5x"));
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
