//! `kcred completions SHELL` and `kcred man`: generated from the clap definitions.
//!
//! `kcred man` is one self-contained page, kcred(1): every command's synopsis and options
//! (rendered by clap_mangen) plus the sections a man page reader looks for (EXIT STATUS,
//! ENVIRONMENT, FILES, EXAMPLES). It names no other kcred page, because printed to stdout
//! there is none. `kcred man --out DIR` also writes clap_mangen's per-command pages
//! (kcred-cert.1, kcred-cert-issue.1, ...); each names only pages written with it.

use std::path::PathBuf;

use clap::CommandFactory;
use kcred::fsio::{self, Output};

use super::Cli;
use crate::exit_codes::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = super::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "kcred", &mut script);
    let script = String::from_utf8(script)?;
    super::emit(if args.shell == clap_complete::Shell::Bash {
        bash_values(&script)
    } else {
        script
    })?;
    Ok(ExitStatus::Success)
}

/// Options whose values bash asks `kcred __complete WHAT` for (they depend on files).
const DYNAMIC: [(&str, &str); 2] = [("--context", "context"), ("--profile", "profile")];

/// clap_complete's bash script, with value flags completing values only: a flag with named
/// values (`--layout`, `-o`, `--usage`, `--key-type`) turns off bash's file-name fallback
/// (the script is registered `-o default`), and `--context`/`--profile` take their words
/// from `kcred __complete`. clap_complete writes each option's case as `--flag)` followed by
/// one `COMPREPLY=(...)` line.
fn bash_values(script: &str) -> String {
    const NO_FILES: &str = "compopt +o default +o bashdefault 2>/dev/null || true";
    let mut out = String::with_capacity(script.len() + 4096);
    let mut flag: Option<String> = None;
    // After a replaced line: clap_complete's `compopt -o nospace` block for free text, which
    // would glue the next word to a completed name.
    let mut skip_nospace = false;
    let mut lines = script.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if std::mem::take(&mut skip_nospace)
            && trimmed.starts_with("if [[ \"${BASH_VERSINFO[0]}\" -ge 4 ]]")
            && lines
                .peek()
                .is_some_and(|l| l.trim() == "compopt -o nospace")
        {
            lines.next();
            lines.next();
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        match flag.take() {
            Some(f) if trimmed.starts_with("COMPREPLY=(") => {
                if let Some((_, what)) = DYNAMIC.iter().find(|(name, _)| *name == f) {
                    out.push_str(&format!("{indent}{NO_FILES}\n"));
                    out.push_str(&format!(
                        "{indent}COMPREPLY=($(compgen -W \"$(\"${{COMP_WORDS[0]}}\" __complete {what} -- \"${{COMP_WORDS[@]:1:COMP_CWORD-1}}\" 2>/dev/null)\" -- \"${{cur}}\"))\n"
                    ));
                    skip_nospace = true;
                    continue;
                }
                if trimmed.starts_with("COMPREPLY=($(compgen -W ") {
                    out.push_str(&format!("{indent}{NO_FILES}\n"));
                }
            }
            _ => {}
        }
        if trimmed.starts_with('-') && trimmed.ends_with(')') && !trimmed.contains(' ') {
            flag = Some(trimmed.trim_end_matches(')').to_string());
        }
        // The hidden helper is not a word to offer (clap_complete lists hidden commands).
        if trimmed.starts_with("opts=\"") {
            out.push_str(&line.replace(" __complete ", " "));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// What `kcred __complete` lists.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Candidates {
    /// Context names of the kubeconfig the words name (`--kubeconfig`; for `kcred
    /// kubeconfig`, `--out`), else of `KUBECONFIG` or `~/.kube/config`, as kubectl loads it.
    Context,
    /// Profile names: the embedded ones and those of `--profiles` or `KCRED_PROFILES`.
    Profile,
}

#[derive(Debug, clap::Args)]
pub struct CompleteArgs {
    what: Candidates,
    /// The command line's words so far, after `kcred`.
    #[arg(last = true, allow_hyphen_values = true)]
    words: Vec<String>,
}

/// The value of `--flag X` or `--flag=X` in shell words, `~/` expanded as the shell would
/// when the command runs.
fn flag_value(words: &[String], flag: &str) -> Option<PathBuf> {
    let eq = format!("{flag}=");
    let value = words.iter().enumerate().find_map(|(i, w)| {
        if w == flag {
            words.get(i + 1).cloned()
        } else {
            w.strip_prefix(&eq).map(str::to_string)
        }
    })?;
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => Some(PathBuf::from(home).join(rest)),
        _ => Some(PathBuf::from(value)),
    }
}

/// `kcred __complete`: one candidate a line; nothing (and exit 0) when the files cannot be
/// read, as a completion must never print an error into the command line.
pub fn complete(a: CompleteArgs) -> anyhow::Result<ExitStatus> {
    use kcred::kubeconfig::Kubeconfig;
    let names: Vec<String> = match a.what {
        Candidates::Context => {
            let file = flag_value(&a.words, "--kubeconfig").or_else(|| {
                (a.words.first().map(String::as_str) == Some("kubeconfig"))
                    .then(|| flag_value(&a.words, "--out"))
                    .flatten()
            });
            let kc = match file {
                Some(path) => Kubeconfig::load(&path),
                None => Kubeconfig::load_env(),
            };
            kc.map(|kc| kc.contexts.into_iter().map(|c| c.name).collect())
                .unwrap_or_default()
        }
        Candidates::Profile => {
            let extra = flag_value(&a.words, "--profiles")
                .or_else(|| std::env::var_os("KCRED_PROFILES").map(PathBuf::from));
            kcred::identity::profiles(extra.as_deref())
                .or_else(|_| kcred::identity::profiles(None))
                .map(|all| all.into_keys().collect())
                .unwrap_or_default()
        }
    };
    let mut text = String::new();
    for n in names {
        text.push_str(&n);
        text.push('\n');
    }
    super::emit(text)?;
    Ok(ExitStatus::Success)
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write kcred.1 and a kcred-COMMAND.1 page for every command into DIR (created 0700)
    /// instead of printing kcred.1.
    #[arg(long, value_name = "DIR", value_parser = super::args::parse_out_dir)]
    out: Option<PathBuf>,
    /// Replace pages already in DIR.
    #[arg(long, requires = "out")]
    force: bool,
}

/// The command tree as clap builds it: bin names (`kcred cert issue`) and display names
/// (`kcred-cert-issue`, the page names) set, and no `help` pseudo-command.
fn built() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Every runnable command below `cmd`, depth first in definition order.
fn leaves(cmd: &clap::Command, out: &mut Vec<clap::Command>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.has_subcommands() {
            leaves(sub, out);
        } else {
            out.push(sub.clone());
        }
    }
}

/// One clap_mangen section, without its `.SH` heading line unless `heading`.
fn section(
    heading: bool,
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    let text = String::from_utf8(buf)?;
    Ok(text
        .lines()
        // The heading, and the `Aq` string definition every render repeats (the title has it).
        .filter(|l| {
            (heading || !l.starts_with(".SH "))
                && !l.starts_with(".ie \\n(.g")
                && !l.starts_with(".el .ds Aq")
        })
        .map(|l| format!("{l}\n"))
        .collect())
}

/// Sections written by hand: facts from src/exit_codes.rs and the places kcred reads the
/// environment (KCRED_PROFILES on --profiles; KUBECONFIG and HOME as client-go's loader
/// reads them, src/kubeconfig/mod.rs; NO_COLOR).
const TRAILER: &str = r#".SH "EXIT STATUS"
.TP
.B 0
Done: the credential is fine, the check passed, the files were written or kept.
.TP
.B 1
A check failed: a rejected credential, a failed verification, audit problems, an existing
output that does not fit (\fB\-\-skip\-existing\fR).
.TP
.B 2
Usage: the command line asked for something impossible.
.TP
.B 3
Anything else: unreadable or invalid input, an I/O failure, a refusal to overwrite.
.SH ENVIRONMENT
.TP
.B KUBECONFIG
Colon\-separated kubeconfig files that \fBwhoami\fR and \fBcan\-i\fR merge as kubectl
does when \fB\-\-kubeconfig\fR is not given.
.TP
.B HOME
\fB~/.kube/config\fR is the kubeconfig when \fBKUBECONFIG\fR is unset or empty.
.TP
.B KCRED_PROFILES
A YAML file of identity profiles, as \fB\-\-profiles\fR.
.TP
.B NO_COLOR
When set, no colour and no progress line on stderr.
.SH FILES
.TP
.I ~/.kube/config
The default kubeconfig (see \fBKUBECONFIG\fR).
.TP
.IR PREFIX .crt ", " PREFIX .key
A certificate (mode 0644) and its private key (mode 0600), as \fBca create\fR and
\fBcert issue\fR write them. Files are written atomically and never replaced without
\fB\-\-force\fR.
.TP
.I templates/plans/kubeadm.yaml, templates/plans/hard\-way.yaml
The embedded bootstrap plans; \fBkcred bootstrap \-\-print\-plan\fR \fILAYOUT\fR prints one.
.TP
.I templates/profiles.yaml
The embedded identity profiles; \fBkcred cert issue \-\-list\-profiles\fR prints them.
"#;

/// roff text for a line of plain text: `-` as `\-` (a minus a reader can copy), `\` as `\e`,
/// and a leading `.` or `'` defused.
fn roff_text(line: &str) -> String {
    let text = line.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}

/// The examples of the command at `path` (examples.rs) as roff: each comment a paragraph,
/// each command line unfilled and indented.
fn examples_roff(path: &str) -> String {
    let mut out = String::new();
    for e in super::examples::for_path(path) {
        out.push_str(&format!(
            ".PP\n{}\n.PP\n.nf\n.RS\n{}\n.RE\n.fi\n",
            roff_text(e.what),
            super::examples::shell_lines(e.run)
                .iter()
                .map(|l| roff_text(l))
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    out
}

/// A command's path below kcred (`cert issue`) from its bin name (`kcred cert issue`).
fn path_of(cmd: &clap::Command) -> String {
    let bin = cmd.get_bin_name().unwrap_or(cmd.get_name());
    bin.strip_prefix("kcred").unwrap_or(bin).trim().to_string()
}

/// kcred.1: the top command's own sections, then every command, then the trailer.
fn main_page(cmd: &clap::Command, see_also: &[String]) -> anyhow::Result<String> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    let mut page = String::from_utf8(page)?;
    page.push_str(&section(true, |w| man.render_name_section(w))?);
    page.push_str(&section(true, |w| man.render_synopsis_section(w))?);
    page.push_str(&section(true, |w| man.render_description_section(w))?);
    page.push_str(&section(true, |w| man.render_options_section(w))?);
    page.push_str(".SH COMMANDS\n");
    let mut all = Vec::new();
    leaves(cmd, &mut all);
    for sub in all {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
        page.push_str(&format!(".SS \"{}\"\n", name.replace('-', "\\-")));
        let sub_man = clap_mangen::Man::new(sub.clone());
        page.push_str(&section(false, |w| sub_man.render_description_section(w))?);
        page.push_str(".PP\n");
        page.push_str(&section(false, |w| sub_man.render_synopsis_section(w))?);
        page.push_str(&section(false, |w| sub_man.render_options_section(w))?);
        let examples = examples_roff(&path_of(&sub));
        if !examples.is_empty() {
            page.push_str(".PP\n\\fBExamples:\\fR\n");
            page.push_str(&examples);
        }
    }
    page.push_str(TRAILER);
    page.push_str(".SH EXAMPLES\n");
    page.push_str(&examples_roff(""));
    if !see_also.is_empty() {
        page.push_str(".SH \"SEE ALSO\"\n");
        let refs: Vec<String> = see_also
            .iter()
            .map(|p| format!("\\fB{}\\fR(1)", p.replace('-', "\\-")))
            .collect();
        page.push_str(&refs.join(",\n"));
        page.push('\n');
    }
    Ok(page)
}

/// Non-ASCII text (`…`, `—` in help) as groff's `\[uXXXX]` escapes: groff reads its input
/// as Latin-1 unless preconv runs first, and `man -l` runs it but `groff -man` does not.
fn ascii(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out
}

pub fn man(a: ManArgs) -> anyhow::Result<ExitStatus> {
    let cmd = built();
    let Some(dir) = a.out else {
        super::emit(ascii(&main_page(&cmd, &[])?))?;
        return Ok(ExitStatus::Success);
    };
    // clap_mangen's page for each command below kcred; each SUBCOMMANDS section names
    // kcred-PARENT-CHILD(1), which is written here too.
    let mut pages: Vec<(String, Vec<u8>)> = Vec::new();
    fn collect(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let man = clap_mangen::Man::new(sub.clone());
            let mut buf = Vec::new();
            man.render(&mut buf)?;
            let examples = examples_roff(&path_of(sub));
            if !examples.is_empty() {
                buf.extend_from_slice(b".SH EXAMPLES\n");
                buf.extend_from_slice(examples.as_bytes());
            }
            pages.push((
                man.get_filename(),
                ascii(&String::from_utf8(buf)?).into_bytes(),
            ));
            collect(sub, pages)?;
        }
        Ok(())
    }
    collect(&cmd, &mut pages)?;
    let names: Vec<String> = pages
        .iter()
        .map(|(f, _)| f.trim_end_matches(".1").to_string())
        .collect();
    pages.insert(
        0,
        (
            "kcred.1".into(),
            ascii(&main_page(&cmd, &names)?).into_bytes(),
        ),
    );
    let outputs: Vec<Output> = pages
        .into_iter()
        .map(|(f, text)| Output::public(dir.join(f), text))
        .collect();
    fsio::write_all(&outputs, a.force)?;
    eprintln!("wrote {} man pages to {}", outputs.len(), dir.display());
    Ok(ExitStatus::Success)
}
