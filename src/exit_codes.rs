//! Exit codes (DESIGN.md §4): scripts branch on these, so they never change meaning.

use std::process::ExitCode;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done.
    Success,
    /// 1: the check failed (rejected credential, failed verification, audit problems).
    CheckFailed,
    /// 2: the command line asked for something impossible (clap uses 2 as well).
    Usage,
    /// 3: anything else: unreadable or invalid input, I/O failure, refusal to overwrite.
    Failure,
}

impl ExitStatus {
    /// The status for an error that ended the run.
    pub fn for_error(err: &anyhow::Error) -> Self {
        match err.downcast_ref::<kcred::Error>() {
            Some(kcred::Error::Usage(_)) => ExitStatus::Usage,
            _ => ExitStatus::Failure,
        }
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::CheckFailed => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Failure => 3,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}
