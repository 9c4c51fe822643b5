//! Everyday use a binary user meets first: the embedded templates printed to start from,
//! a man page that renders cleanly, `cert inspect` on kubeconfigs and bundles, and `-o`
//! spoken the kubeadm/kubectl way. Real peers judge what they can: groff renders the page,
//! openssl reads the certificates, PyJWT decodes the token.

use crate::common::{Env, peer};

#[test]
fn print_plan_round_trips_through_bootstrap_plan_dry_run() {
    let env = Env::new();
    for layout in ["kubeadm", "hard-way"] {
        let text = env.ok(&["bootstrap", "--print-plan", layout]);
        // Byte for byte the template the layout uses.
        let template = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("templates/plans/{layout}.yaml")),
        )
        .unwrap();
        assert_eq!(text, template, "{layout}");
        let file = format!("{layout}.yaml");
        std::fs::write(env.path(&file), &text).unwrap();
        let from_file = env.ok(&[
            "bootstrap",
            "--plan",
            &env.p(&file),
            "--dir",
            &env.p("pki"),
            "--dry-run",
        ]);
        let from_layout = env.ok(&[
            "bootstrap",
            "--layout",
            layout,
            "--dir",
            &env.p("pki"),
            "--dry-run",
        ]);
        assert_eq!(from_file, from_layout, "{layout}");
        assert!(
            from_file.contains("dry run, nothing written"),
            "{from_file}"
        );
        assert!(!env.path("pki").exists(), "a dry run wrote files");
    }
    let err = env.fails(2, &["bootstrap", "--print-plan", "kind"]);
    assert!(err.contains("expected kubeadm or hard-way"), "{err}");
    env.fails(2, &["bootstrap", "--print-plan", "kubeadm", "--dir", "x"]);
    // --dir is still required for a real run.
    env.kcred().arg("bootstrap").assert().code(2);
}

#[test]
fn list_profiles_prints_the_template_and_it_is_accepted_by_profiles() {
    let env = Env::new();
    let text = env.ok(&["cert", "issue", "--list-profiles"]);
    assert!(text.contains("kubernetes-admin:"), "{text}");
    std::fs::write(env.path("mine.yaml"), &text).unwrap();
    env.ca("ca", "ecdsa-p256");
    env.ok(&[
        "cert",
        "issue",
        "--ca",
        &env.p("ca"),
        "--out",
        &env.p("admin"),
        "--profile",
        "kubernetes-admin",
        "--profiles",
        &env.p("mine.yaml"),
        "--key-type",
        "ecdsa-p256",
    ]);
    let inspected = env.ok(&["cert", "inspect", &env.p("admin.crt"), "-o", "json"]);
    assert!(inspected.contains("kubeadm:cluster-admins"), "{inspected}");
    // Without --list-profiles, --out and --ca are still required.
    env.kcred()
        .args(["cert", "issue", "--cn", "jane"])
        .assert()
        .code(2);
    env.fails(2, &["cert", "issue", "--list-profiles", "--out", "x"]);
}

/// groff renders `page` with every warning on (`-ww`); stderr must be empty.
fn groff_clean(page: &std::path::Path) {
    let out = peer("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(page)
        .output()
        .expect("run groff");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.is_empty(),
        "groff on {}: {stderr}",
        page.display()
    );
}

/// `kcred-x-y(1)` references in a page (roff spells the dashes `\-`).
fn page_refs(page: &str) -> Vec<String> {
    let plain = page
        .replace("\\-", "-")
        .replace("\\fB", "")
        .replace("\\fR", "");
    let mut refs = Vec::new();
    for (i, _) in plain.match_indices("kcred-") {
        let rest = &plain[i..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with("(1)") {
            refs.push(rest[..end].to_string());
        }
    }
    refs
}

/// Environment variables kcred's sources read: clap's `env = "X"` and `std::env::var*("X")`.
fn env_vars_in_sources() -> std::collections::BTreeSet<String> {
    let mut vars = std::collections::BTreeSet::new();
    let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for pat in ["env = \"", "env::var_os(\"", "env::var(\""] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    let name = &rest[..rest.find('"').unwrap()];
                    if name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                        vars.insert(name.to_string());
                    }
                }
            }
        }
    }
    vars
}

#[test]
fn man_page_renders_without_warnings_and_covers_every_command() {
    let env = Env::new();
    let page = env.ok(&["man"]);
    std::fs::write(env.path("kcred.1"), &page).unwrap();
    groff_clean(&env.path("kcred.1"));
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH COMMANDS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH EXAMPLES",
    ] {
        assert!(page.contains(section), "no {section}");
    }
    // Printed alone, the page names no other kcred page: there is none.
    assert_eq!(page_refs(&page), Vec::<String>::new());
    // Every command, with its options: the options `--help` lists are on the page.
    let plain = page.replace("\\-", "-");
    for cmd in [
        "ca create",
        "cert issue",
        "cert inspect",
        "cert sign",
        "bootstrap",
        "check",
        "renew",
        "kubeconfig",
        "csr create",
        "sa keygen",
        "sa jwks",
        "token issue",
        "decode-token",
        "whoami",
        "can-i",
        "completions",
        "man",
    ] {
        assert!(
            plain.contains(&format!(".SS \"kcred {cmd}\"")),
            "no section for kcred {cmd}"
        );
        let mut args: Vec<&str> = cmd.split(' ').collect();
        args.push("--help");
        let help = env.ok(&args);
        for word in help.split_whitespace() {
            let flag: String = word
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if flag.starts_with("--") && flag.len() > 2 {
                assert!(plain.contains(&flag), "kcred {cmd}: {flag} missing");
            }
        }
    }
    // EXIT STATUS lists exactly the codes src/exit_codes.rs maps to.
    let codes = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/exit_codes.rs"),
    )
    .unwrap();
    let exit =
        &page[page.find(".SH \"EXIT STATUS\"").unwrap()..page.find(".SH ENVIRONMENT").unwrap()];
    for line in codes
        .lines()
        .filter(|l| l.contains("ExitStatus::") && l.contains("=> "))
    {
        let n = line
            .rsplit("=> ")
            .next()
            .unwrap()
            .trim_end_matches(',')
            .trim();
        if n.parse::<u8>().is_err() {
            continue;
        }
        assert!(exit.contains(&format!(".B {n}\n")), "exit code {n} missing");
    }
    // ENVIRONMENT names every variable the sources read.
    let envs = &page[page.find(".SH ENVIRONMENT").unwrap()..page.find(".SH FILES").unwrap()];
    let vars = env_vars_in_sources();
    assert!(
        vars.contains("KUBECONFIG") && vars.contains("KCRED_PROFILES"),
        "{vars:?}"
    );
    for v in vars {
        assert!(
            envs.contains(&format!(".B {v}\n")),
            "{v} not in ENVIRONMENT"
        );
    }
}

#[test]
fn man_out_writes_a_page_per_command_and_every_reference_resolves() {
    let env = Env::new();
    let dir = env.path("man1");
    env.ok(&["man", "--out", &env.p("man1")]);
    let mut names = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        names.insert(e.unwrap().file_name().to_string_lossy().into_owned());
    }
    for want in [
        "kcred.1",
        "kcred-cert.1",
        "kcred-cert-issue.1",
        "kcred-bootstrap.1",
        "kcred-man.1",
    ] {
        assert!(names.contains(want), "{want} not written: {names:?}");
    }
    for name in &names {
        let path = dir.join(name);
        groff_clean(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        for r in page_refs(&text) {
            assert!(
                names.contains(&format!("{r}.1")),
                "{name} names {r}(1), not written"
            );
        }
    }
    let main = std::fs::read_to_string(dir.join("kcred.1")).unwrap();
    assert!(main.contains(".SH \"SEE ALSO\""), "no SEE ALSO");
    assert!(page_refs(&main).len() == names.len() - 1);
    // No overwrite without --force.
    env.fails(3, &["man", "--out", &env.p("man1")]);
    env.ok(&["man", "--out", &env.p("man1"), "--force"]);
}
