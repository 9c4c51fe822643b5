//! `kcred whoami`: what the API server would make of a credential, from its trust material.
//!
//! The flags are [`CredentialArgs`] (shared with `kcred can-i`); the chain is
//! `kcred::authn`; the report is `kcred::whoami`.

use clap::Args;
use jiff::Timestamp;
use kcred::authn::Outcome;
use kcred::{output, whoami};

use super::args::{CredentialArgs, OutputArg};
use crate::exit_codes::ExitStatus;

#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    credential: CredentialArgs,
    #[command(flatten)]
    output: OutputArg,
}

pub fn run(a: WhoamiArgs) -> anyhow::Result<ExitStatus> {
    let (presented, trust) = a.credential.load()?;
    let now = Timestamp::now();
    let (outcome, _) = kcred::authn::check(&presented, &trust, now)?;
    let ok = matches!(outcome, Outcome::Authenticated { .. });
    let rendered = output::structured(a.output.format, &whoami::object(&outcome, now))?;
    match rendered {
        Some(text) => super::emit(&text)?,
        None if ok => super::emit(whoami::text(&outcome, now))?,
        None => eprint!("{}", failure_text(&outcome, &presented, now)),
    }
    Ok(if ok {
        ExitStatus::Success
    } else {
        ExitStatus::CheckFailed
    })
}

/// The table-output text of a request that did not authenticate: a failed handshake is one
/// line that names the certificate.
pub fn failure_text(
    outcome: &Outcome,
    presented: &kcred::authn::Presented,
    now: Timestamp,
) -> String {
    let text = whoami::text(outcome, now);
    if matches!(outcome, Outcome::HandshakeFailed { .. }) {
        text.replacen(
            "error: ",
            &format!("error: {}: ", output::sanitize(&presented.chain_source)),
            1,
        )
    } else {
        text
    }
}
