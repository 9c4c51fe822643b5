//! The command line: clap definitions, one file per command group. Domain values (key
//! types, durations, SANs, usages) are parsed here, at the boundary, into library types.

mod args;
mod audit;
mod bootstrap;
mod ca;
mod can_i;
mod cert;
mod csr;
mod docs;
mod examples;
mod hints;
mod kubeconfig;
mod rotate;
mod sa;
#[cfg(feature = "serve")]
mod serve;
mod token;
mod values;
mod whoami;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::exit_codes::ExitStatus;

/// Mint and check Kubernetes credentials offline.
#[derive(Debug, Parser)]
// `version` on kcred only: `kcred ca create -V` is not a thing (no propagate_version).
#[command(name = "kcred", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Deferred (`Command::defer`): clap builds a subcommand's arguments only when that
// subcommand runs (or help, completions and man pages need them), not the whole tree at
// every start; most of kcred's start-up user time went into building it.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
enum Command {
    /// Certificate authorities.
    #[command(subcommand)]
    Ca(ca::CaCommand),
    /// Client, server and peer certificates.
    #[command(subcommand)]
    Cert(Box<cert::CertCommand>),
    /// The whole PKI of a scratch cluster from a plan, idempotently.
    Bootstrap(Box<bootstrap::BootstrapArgs>),
    /// Audit a PKI directory: expiry, key/certificate match, chains, usages, kubeconfig CAs.
    Check(audit::CheckArgs),
    /// Re-sign expiring leaves with their existing keys and update the kubeconfigs that embed them.
    Renew(audit::RenewArgs),
    /// Rotate a cluster CA in phases: --begin, --resign, --finish; --status.
    RotateCa(Box<rotate::RotateArgs>),
    /// Write or merge a kubeconfig (cert or token user; embedded data by default).
    Kubeconfig(Box<kubeconfig::KubeconfigArgs>),
    /// Certificate signing requests (PKCS#10, and Kubernetes CertificateSigningRequest objects).
    #[command(subcommand)]
    Csr(csr::CsrCommand),
    /// ServiceAccount signing keys: keygen, JWKS and discovery documents.
    #[command(subcommand)]
    Sa(sa::SaCommand),
    /// ServiceAccount tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Show a JWT's header and claims and its Kubernetes reading; verify it as the API
    /// server does when --key or --jwks is given.
    DecodeToken(Box<token::DecodeArgs>),
    /// What the API server would make of a credential: the identity, or why it answers 401.
    Whoami(Box<whoami::WhoamiArgs>),
    /// What an identity may do, offline: kubectl auth can-i as kube-apiserver's authorizers
    /// (privileged group, Node, RBAC) decide it over RBAC manifests and the bootstrap policy.
    // Command-level attributes live on the variant, not on the Args struct: a deferred
    // struct's own `after_long_help` would replace the examples attached at parse time.
    #[command(after_long_help = can_i::AFTER_HELP)]
    CanI(Box<can_i::CanIArgs>),
    /// The API server's authentication and authorization endpoints over TLS, for kubectl,
    /// webhooks and OIDC discovery, with no cluster.
    #[cfg(feature = "serve")]
    #[command(after_long_help = serve::AFTER_HELP)]
    Serve(Box<serve::ServeArgs>),
    /// Print a shell completion script.
    #[command(visible_alias = "completion")]
    Completions(docs::CompletionsArgs),
    /// Completion candidates that depend on files, for the bash script (hidden).
    #[command(name = "__complete", hide = true)]
    Complete(docs::CompleteArgs),
    /// Print the man page (roff), or write it and one page per command with --out DIR.
    Man(docs::ManArgs),
}

/// Write to stdout. A closed pipe (`kcred … | head`) comes back as an error that `main`
/// treats as success, where `print!` would panic.
pub(crate) fn emit(text: impl AsRef<str>) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_ref().as_bytes())?;
    out.flush()
}

/// The command tree as `kcred` parses it: the clap definitions, each command's help ending
/// with its examples (examples.rs).
pub fn command() -> clap::Command {
    examples::attach(Cli::command(), "")
}

pub use hints::error_line;

/// Parse the process's arguments (usage errors exit 2 as `kcred: error: …`, `--help` 0).
pub fn parse() -> Cli {
    // Examples only show in help, and attaching them builds every deferred subcommand (60% of
    // `kcred --version`'s instructions under callgrind). Parse without them; only a parse that
    // ends in help or a usage error (whose output may be help) is redone with them.
    let matches = match Cli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => e.exit(),
        Err(_) => command()
            .try_get_matches()
            .unwrap_or_else(|e| hints::usage_error(e)),
    };
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| hints::usage_error(e))
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Ca(c) => ca::run(c),
        Command::Cert(c) => cert::run(*c),
        Command::Bootstrap(a) => bootstrap::run(*a),
        Command::Check(a) => audit::check(a),
        Command::Renew(a) => audit::renew(a),
        Command::RotateCa(a) => rotate::run(*a),
        Command::Kubeconfig(a) => kubeconfig::run(*a),
        Command::Csr(c) => csr::run(c),
        Command::Sa(c) => sa::run(c),
        Command::Token(c) => token::run(c),
        Command::DecodeToken(a) => token::decode(*a),
        Command::Whoami(a) => whoami::run(*a),
        Command::CanI(a) => can_i::run(*a),
        #[cfg(feature = "serve")]
        Command::Serve(a) => serve::run(*a),
        Command::Completions(a) => docs::completions(a),
        Command::Complete(a) => docs::complete(a),
        Command::Man(a) => docs::man(a),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn flag_definitions_are_consistent() {
        super::command().debug_assert();
    }

    /// The subcommands are deferred: what the variant's doc comment says must still be the
    /// command's help line once clap has built it (a doc comment on a flattened `Args`
    /// struct would otherwise replace it when the subcommand is built).
    #[test]
    fn deferred_subcommands_keep_their_help_line() {
        use clap::CommandFactory;
        fn abouts(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
                out.push((name.clone(), about));
                abouts(sub, &name, out);
            }
        }
        let (mut eager, mut built) = (Vec::new(), Vec::new());
        let unbuilt = super::Cli::command();
        abouts(&unbuilt, "kcred", &mut eager);
        let mut cmd = super::Cli::command();
        cmd.build();
        abouts(&cmd, "kcred", &mut built);
        // Building adds the `help` pseudo-commands; every command defined before is unchanged.
        built.retain(|(name, _)| eager.iter().any(|(n, _)| n == name));
        assert_eq!(eager, built);
        assert!(
            eager
                .iter()
                .all(|(n, a)| !a.is_empty() || n.ends_with(" help"))
        );
    }
}
