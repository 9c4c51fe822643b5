//! The one line a failed run ends with: `kcred: error: PROBLEM`, in one style whatever
//! failed (clap's usage errors included), OS errors in words (`no such file`, never
//! `(os error 2)`), and the hint that names the flag out of it. The library's errors name
//! files and values only (src/error.rs); the flags are the command line's business, here.

use std::path::Path;

/// The message for `err`: its chain joined with `: ` as anyhow's `{:#}` does, with OS
/// errors in words and a hint appended where one helps.
pub fn error_line(err: &anyhow::Error) -> String {
    let parts: Vec<String> = err
        .chain()
        .map(|cause| match cause.downcast_ref::<std::io::Error>() {
            Some(io) => kcred::io_words(io),
            None => cause.to_string(),
        })
        .collect();
    let mut line = parts.join(": ");
    if let Some(hint) = err.chain().find_map(|c| c.downcast_ref().and_then(hint)) {
        line.push_str("; ");
        line.push_str(&hint);
    }
    line
}

/// What to do about a library error, naming kcred's flags.
fn hint(err: &kcred::Error) -> Option<String> {
    match err {
        kcred::Error::Exists { .. } => Some("pass --force to replace it".into()),
        kcred::Error::Symlink { path } => {
            let link = Path::new(path);
            let target = std::fs::read_link(link).ok()?;
            // A relative target is relative to the link's directory.
            let target = match link.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
            Some(format!(
                "it points to {}: name that path to write there",
                target.display()
            ))
        }
        _ => None,
    }
}

/// clap's refusal of a command line (exit 2) in kcred's style; `--help`, `--version` and
/// clap's own help-on-missing-subcommand go out as clap prints them.
pub fn usage_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind as K;
    if matches!(
        e.kind(),
        K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit()
    }
    let text = e.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    // The value the user typed is in the text: no control characters reach the terminal.
    let lines: Vec<String> = text.lines().map(kcred::output::sanitize).collect();
    eprintln!("kcred: error: {}", lines.join("\n"));
    // ExitStatus::Usage, as clap's own `exit()` would.
    std::process::exit(2)
}
