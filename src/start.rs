//! The process entry on Linux with glibc: what std's runtime does around `fn main`, minus the
//! one step that costs more than most of kcred's commands do.
//!
//! Before `main`, std's `lang_start` (library/std/src/rt.rs `lang_start_internal`, and `init` in
//! library/std/src/sys/pal/unix/mod.rs) does three things on Linux:
//! 1. reopens a closed standard descriptor on /dev/null, so that a file opened later (a key)
//!    can never become fd 1 and receive what the program prints;
//! 2. ignores SIGPIPE, so that a closed pipe is an `EPIPE` error (main.rs: success, silently);
//! 3. installs its stack-overflow handler (sys/pal/unix/stack_overflow.rs): for the main thread
//!    it asks glibc's `pthread_getattr_np` for the stack, which reads and `sscanf`-parses
//!    /proc/self/maps, then maps an alternate signal stack and installs SIGSEGV and SIGBUS
//!    handlers that print "thread 'main' has overflowed its stack".
//!
//! After `main` it turns a panic into exit code 101 and flushes stdout. The arguments do not
//! come from there: on glibc std reads them from `.init_array` (library/std/src/sys/args).
//!
//! kcred does 1, 2 and the after-`main` part here, as std does, and leaves out 3, which was
//! 16 system calls and about 90 µs of a `kcred decode-token` run of 1.2 ms (bench/RESULTS.md,
//! "Start-up"). What that gives up: a stack overflow would end the process with SIGSEGV and no
//! message instead of std's message and SIGABRT (a crash either way; kcred's readers bound
//! their nesting, so none is expected), and a panic message names the thread `<unnamed>`.

use std::ffi::{c_char, c_int};

/// The C entry point glibc's `__libc_start_main` calls.
#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    reopen_closed_standard_descriptors();
    // SAFETY: SIG_IGN installs no handler; this runs first, while the process has one thread.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
    let code =
        std::panic::catch_unwind(crate::run).map_or(101, |status| c_int::from(status.code()));
    // Flushes stdout (std's runtime cleanup) and exits as returning from `main` would.
    std::process::exit(code)
}

/// std's `sanitize_standard_fds` for Linux: one `poll` finds closed descriptors (POLLNVAL);
/// each is reopened on /dev/null. If that is impossible the process aborts, as std does: every
/// later write to stdout could land in whatever file took the descriptor.
fn reopen_closed_standard_descriptors() {
    let errno = || std::io::Error::last_os_error().raw_os_error();
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // Out of descriptors or memory, poll fails: std then asks fcntl about each descriptor.
    let polled = loop {
        // SAFETY: `fds` is a valid array of three pollfd; a zero timeout does not block.
        match unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } {
            -1 if errno() == Some(libc::EINTR) => continue,
            r => break r != -1,
        }
    };
    for pfd in fds {
        let closed = if polled {
            pfd.revents & libc::POLLNVAL != 0
        } else {
            // SAFETY: F_GETFD on any integer is harmless.
            let flags = unsafe { libc::fcntl(pfd.fd, libc::F_GETFD) };
            flags == -1 && errno() == Some(libc::EBADF)
        };
        // open returns the lowest free descriptor, which is this one: the ones below it are
        // open or were reopened by an earlier turn of this loop.
        // SAFETY: a constant NUL-terminated path.
        if closed && unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) } == -1 {
            std::process::abort();
        }
    }
}
