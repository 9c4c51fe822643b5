//! Files in and out, safely, in two halves: [`read`](mod@read) (inputs, size-capped before parsing)
//! and [`write`](mod@write) (atomic, mode-first, no-clobber outputs). Minting code uses both; checking
//! code (`authn`, `authz`, `audit`, `whoami`) imports only [`read`](mod@read).
//!
//! The names are also re-exported here, for the command line, which does both.

pub mod read;
pub mod write;

pub use read::{MAX_INPUT, display, read};
pub use write::{
    DIR, Output, PUBLIC, SECRET, check_writable, create_dirs, existing, remove_stale_temps,
    write_all, write_atomic,
};
