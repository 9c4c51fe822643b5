//! The `kcred` binary: parse the command line, run it, map the outcome to an exit code.
//! The work lives in the `kcred` library; `cli/` only glues library calls to output.

// On Linux with glibc the process starts in start.rs rather than in std's runtime prologue,
// which reads /proc/self/maps at every start (see there for what it keeps and what it drops).
#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]

mod cli;
mod exit_codes;
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
mod start;

use exit_codes::ExitStatus;

#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() -> std::process::ExitCode {
    run().into()
}

/// The whole run: parse, execute, and say what went wrong on one line.
fn run() -> ExitStatus {
    let args = cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`kcred … | head`) is not an error worth reporting.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitStatus::Success;
            }
            let code = ExitStatus::for_error(&err);
            eprintln!(
                "kcred: error: {}",
                kcred::output::sanitize(&cli::error_line(&err))
            );
            code
        }
    }
}
