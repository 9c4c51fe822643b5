//! The `kcred` binary: parse the command line, run it, map the outcome to an exit code.
//! The work lives in the `kcred` library; `cli/` only glues library calls to output.

mod cli;
mod exit_codes;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::parse();
    match cli::run(args) {
        Ok(code) => code.into(),
        Err(err) => {
            // A closed pipe (`kcred … | head`) is not an error worth reporting.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return exit_codes::ExitStatus::Success.into();
            }
            let code = exit_codes::ExitStatus::for_error(&err);
            eprintln!(
                "kcred: error: {}",
                kcred::output::sanitize(&cli::error_line(&err))
            );
            code.into()
        }
    }
}
