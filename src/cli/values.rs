//! Value parsers that also name their values: `--help` lists them and shell completion
//! offers them (clap_complete reads `possible_values()`), while parsing stays the library
//! type's `FromStr`, so what is accepted and the refusal's wording do not change (kubeadm's
//! `text` for `-o table` is still accepted, and stays out of completion as an alias).
//!
//! Values that depend on files (`--context` from a kubeconfig, `--profile` names from
//! `--profiles`) come from `kcred __complete` at completion time (see docs.rs).

use std::ffi::OsStr;
use std::str::FromStr;

use clap::builder::{PossibleValue, TypedValueParser};

/// A `FromStr` parser with named values.
#[derive(Clone)]
pub struct Named<T> {
    parse: fn(&str) -> Result<T, String>,
    values: Vec<PossibleValue>,
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Named<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        self.parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values.iter().cloned()))
    }
}

fn named<T>(values: impl IntoIterator<Item = PossibleValue>) -> Named<T>
where
    T: FromStr<Err = String>,
{
    Named {
        parse: T::from_str,
        values: values.into_iter().collect(),
    }
}

/// Named values for a plain string option: any value parses.
fn any_string(values: impl IntoIterator<Item = PossibleValue>) -> Named<String> {
    Named {
        parse: |s| Ok(s.to_string()),
        values: values.into_iter().collect(),
    }
}

/// `--key-type`: the names `KeyType` parses.
pub fn key_type() -> Named<kcred::keys::KeyType> {
    named(
        kcred::keys::KeyType::ALL
            .iter()
            .map(|(_, name)| PossibleValue::new(*name)),
    )
}

/// `--key-format`.
pub fn key_format() -> Named<kcred::keys::KeyFormat> {
    named(["pkcs1", "sec1", "pkcs8"].map(PossibleValue::new))
}

/// `--usage`.
pub fn usage() -> Named<kcred::pki::Usage> {
    named(["client", "server", "peer"].map(PossibleValue::new))
}

/// `-o/--output`: table (kubeadm's `text` and kubectl's `wide` as aliases), json, yaml.
pub fn output() -> Named<kcred::output::Format> {
    named([
        PossibleValue::new("table").aliases(["text", "wide"]),
        PossibleValue::new("json"),
        PossibleValue::new("yaml"),
    ])
}

/// `--layout` and `--print-plan`: the embedded plans' names. The value stays a string, so an
/// unknown layout is refused where it is today, with the same words.
pub fn layout() -> Named<String> {
    any_string(
        kcred::plan::EMBEDDED
            .iter()
            .map(|(name, _)| PossibleValue::new(*name)),
    )
}

/// `--profile`: the embedded profiles' names for help and static completion (bash also
/// asks `kcred __complete profile` for those of `--profiles`); any name parses, because
/// `--profiles` may add more.
pub fn profile() -> Named<String> {
    let names = kcred::identity::profiles(None)
        .map(|all| all.into_keys().collect::<Vec<_>>())
        .unwrap_or_default();
    // clap names values with `&'static str`; the command is built once per run.
    any_string(
        names
            .into_iter()
            .map(|n| PossibleValue::new(&*String::leak(n))),
    )
}

/// `--san`: one name or address per flag, as kubeadm's `--apiserver-cert-extra-sans` is
/// not; `--san a,b` is refused with the repeated form to use instead.
pub fn san(text: &str) -> Result<kcred::pki::San, String> {
    text.parse().map_err(|problem: String| {
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        if parts.len() > 1 && parts.iter().all(|p| p.parse::<kcred::pki::San>().is_ok()) {
            let repeated: Vec<String> = parts.iter().map(|p| format!("--san {p}")).collect();
            format!(
                "{problem}; repeat --san for each name: {}",
                repeated.join(" ")
            )
        } else {
            problem
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every named value parses, so completion never offers a refused word.
    #[test]
    fn named_values_parse() {
        fn all_parse<T: Clone + Send + Sync + 'static>(p: Named<T>) {
            let cmd = clap::Command::new("t");
            for v in p.possible_values().unwrap() {
                for name in v.get_name_and_aliases() {
                    assert!(p.parse_ref(&cmd, None, OsStr::new(name)).is_ok(), "{name}");
                }
            }
        }
        all_parse(key_type());
        all_parse(key_format());
        all_parse(usage());
        all_parse(output());
        all_parse(layout());
        all_parse(profile());
        assert!(profile().possible_values().unwrap().count() >= 3);
    }

    #[test]
    fn san_list_gets_the_repeat_hint() {
        let e = san("a.example.com,10.0.0.1").unwrap_err();
        assert!(
            e.ends_with("; repeat --san for each name: --san a.example.com --san 10.0.0.1"),
            "{e}"
        );
        assert!(!san("a b").unwrap_err().contains("repeat"));
        assert!(san("10.0.0.1").is_ok());
    }
}
