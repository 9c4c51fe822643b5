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
mod kubeconfig;
mod sa;
mod token;
mod whoami;

use clap::{Parser, Subcommand};

use crate::exit_codes::ExitStatus;

/// Mint and check Kubernetes credentials offline.
#[derive(Debug, Parser)]
#[command(name = "kcred", version, about, long_about = None, propagate_version = true)]
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
    CanI(Box<can_i::CanIArgs>),
    /// Print a shell completion script.
    Completions(docs::CompletionsArgs),
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

/// Run a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Ca(c) => ca::run(c),
        Command::Cert(c) => cert::run(*c),
        Command::Bootstrap(a) => bootstrap::run(*a),
        Command::Check(a) => audit::check(a),
        Command::Renew(a) => audit::renew(a),
        Command::Kubeconfig(a) => kubeconfig::run(*a),
        Command::Csr(c) => csr::run(c),
        Command::Sa(c) => sa::run(c),
        Command::Token(c) => token::run(c),
        Command::DecodeToken(a) => token::decode(*a),
        Command::Whoami(a) => whoami::run(*a),
        Command::CanI(a) => can_i::run(*a),
        Command::Completions(a) => docs::completions(a),
        Command::Man(a) => docs::man(a),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn flag_definitions_are_consistent() {
        super::Cli::command().debug_assert();
    }

    /// The subcommands are deferred: what the variant's doc comment says must still be the
    /// command's help line once clap has built it (a doc comment on a flattened `Args`
    /// struct would otherwise replace it when the subcommand is built).
    #[test]
    fn deferred_subcommands_keep_their_help_line() {
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
