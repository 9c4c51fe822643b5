//! The EXAMPLES every `--help` ends with, in one table: `--help`, the man pages and the
//! tests read the same rows, so an example that stops working fails a test
//! (`tests/it/ux_help.rs` runs each one in a scratch directory; the unit test below parses
//! each `kcred …` with clap).
//!
//! The examples are run from a directory holding a few ready files, named as a user would
//! have them: `ca.crt`/`ca.key` (a cluster CA), `k8s/` (`kcred bootstrap --dir k8s --node
//! cp-1`), `sa.key`/`sa.pub`, `jane.crt`/`jane.key` and `jane.kubeconfig` (user jane, group
//! dev), `bob.key`/`bob.csr`, `token.jwt`. Each command's examples run in order, in a fresh
//! copy of that directory; none needs the network.

/// One example: what it does (a `#` comment line) and the shell command line.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    pub what: &'static str,
    pub run: &'static str,
}

const fn ex(what: &'static str, run: &'static str) -> Example {
    Example { what, run }
}

/// Examples by command path (`""` is `kcred` itself), in the order `kcred --help` lists the
/// commands.
pub const EXAMPLES: &[(&str, &[Example])] = &[
    (
        "",
        &[
            ex(
                "A kubeadm-layout PKI for control-plane node cp-1, then an audit of it",
                "kcred bootstrap --dir cluster --node cp-1 && kcred check --dir cluster",
            ),
            ex(
                "A kubeconfig for user jane in group dev, with a new client certificate",
                "kcred kubeconfig --server https://cp-1:6443 --ca cluster/pki/ca --cn jane --group dev --out jane-dev.kubeconfig",
            ),
            ex(
                "Who the API server would say that kubeconfig's user is",
                "kcred whoami --kubeconfig jane-dev.kubeconfig --pki-dir cluster/pki",
            ),
        ],
    ),
    (
        "ca",
        &[
            ex(
                "A cluster CA as kubeadm makes it (CN kubernetes, RSA-2048, 10 years)",
                "kcred ca create --out cluster-ca",
            ),
            ex(
                "An ECDSA CA for etcd",
                "kcred ca create --out etcd-ca --cn etcd-ca --key-type ecdsa-p256",
            ),
        ],
    ),
    (
        "ca create",
        &[
            ex(
                "A cluster CA as kubeadm makes it (CN kubernetes, RSA-2048, 10 years)",
                "kcred ca create --out cluster-ca",
            ),
            ex(
                "An ECDSA P-256 CA for etcd, valid 5 years",
                "kcred ca create --out etcd-ca --cn etcd-ca --key-type ecdsa-p256 --validity 5y",
            ),
            ex(
                "In a Makefile: keep the CA if it is already there",
                "kcred ca create --out cluster-ca --skip-existing",
            ),
        ],
    ),
    (
        "cert",
        &[
            ex(
                "A client certificate for user alice in group dev",
                "kcred cert issue --ca ca --out alice --cn alice --group dev",
            ),
            ex("Show a certificate", "kcred cert inspect jane.crt"),
            ex(
                "Sign a CSR someone sent",
                "kcred cert sign --ca ca --csr bob.csr --out bob.crt",
            ),
        ],
    ),
    (
        "cert issue",
        &[
            ex(
                "A client certificate for user alice in groups dev and ops",
                "kcred cert issue --ca ca --out alice --cn alice --group dev --group ops",
            ),
            ex(
                "kubeadm's admin identity (kubeadm:cluster-admins) from the embedded profiles",
                "kcred cert issue --ca ca --out admin --profile kubernetes-admin",
            ),
            ex(
                "A serving certificate: repeat --san for each name or IP",
                "kcred cert issue --ca ca --out api --usage server --san api.example.com --san 10.96.0.1 --cn kube-apiserver",
            ),
            ex(
                "The profiles --profile knows, to start a file of your own for --profiles",
                "kcred cert issue --list-profiles > profiles.yaml",
            ),
        ],
    ),
    (
        "cert inspect",
        &[
            ex(
                "A certificate, as openssl x509 -text would name it",
                "kcred cert inspect jane.crt",
            ),
            ex(
                "The certificates a kubeconfig embeds (cluster CA and client)",
                "kcred cert inspect jane.kubeconfig",
            ),
            ex(
                "As JSON, for jq",
                "kcred cert inspect k8s/pki/apiserver.crt -o json",
            ),
        ],
    ),
    (
        "cert sign",
        &[
            ex(
                "Sign a PKCS#10 request as a client certificate",
                "kcred cert sign --ca ca --csr bob.csr --out bob.crt",
            ),
            ex(
                "Sign a request read from stdin, valid 30 days",
                "kcred cert sign --ca ca --csr - --out bob-30d.crt --validity 30d < bob.csr",
            ),
            ex(
                "Sign to stdout (`--out -`), into a pipe",
                "kcred cert sign --ca ca --csr bob.csr --out - | openssl x509 -noout -subject -enddate",
            ),
        ],
    ),
    (
        "bootstrap",
        &[
            ex(
                "A kubeadm-layout PKI (pki/, *.conf) for control-plane node cp-1",
                "kcred bootstrap --dir cluster --node cp-1",
            ),
            ex(
                "What Kubernetes The Hard Way's layout would write, writing nothing",
                "kcred bootstrap --dir kthw --layout hard-way --node node-0 --node node-1 --control-plane server --dry-run",
            ),
            ex(
                "Start a plan of your own from the embedded one",
                "kcred bootstrap --print-plan kubeadm > my-plan.yaml && kcred bootstrap --dir mine --plan my-plan.yaml --key-type ecdsa-p256",
            ),
        ],
    ),
    (
        "check",
        &[
            ex(
                "Audit a kubeadm PKI (kubeadm's --cert-dir works too)",
                "kcred check --dir k8s",
            ),
            ex(
                "As JSON for scripts, warning about anything that expires within 90 days",
                "kcred check --dir k8s --expiring-within 90d -o json",
            ),
        ],
    ),
    (
        "renew",
        &[
            ex(
                "What would be renewed, writing nothing",
                "kcred renew --dir k8s --all --dry-run",
            ),
            ex(
                "Renew the API server's certificate with its existing key",
                "kcred renew --dir k8s apiserver",
            ),
            ex(
                "Renew whatever expires within 400 days",
                "kcred renew --dir k8s --expiring-within 400d",
            ),
        ],
    ),
    (
        "rotate-ca",
        &[
            ex(
                "Begin rotating the cluster CA: new CA beside the old, trust both",
                "kcred rotate-ca --dir k8s --ca ca --begin",
            ),
            ex(
                "After the restarts: re-sign every leaf with the new CA (same keys)",
                "kcred rotate-ca --dir k8s --ca ca --resign",
            ),
            ex(
                "After the restarts: drop the old CA everywhere, keep its key aside",
                "kcred rotate-ca --dir k8s --ca ca --finish --keep-old",
            ),
            ex(
                "Which phase each CA is in, who signed each leaf, the trust matrix",
                "kcred rotate-ca --dir k8s --status",
            ),
        ],
    ),
    (
        "kubeconfig",
        &[
            ex(
                "A kubeconfig for user alice with a new client certificate from the CA",
                "kcred kubeconfig --server https://cp-1:6443 --ca ca --cn alice --group dev --out alice.kubeconfig",
            ),
            ex(
                "A kubeconfig for an existing certificate and key",
                "kcred kubeconfig --server https://cp-1:6443 --certificate-authority ca.crt --client-certificate jane.crt --client-key jane.key --out jane2.kubeconfig",
            ),
            ex(
                "Add a token user to that kubeconfig, keeping what is there",
                "kcred kubeconfig --server https://cp-1:6443 --certificate-authority ca.crt --token-file token.jwt --user builder --out jane2.kubeconfig --merge",
            ),
        ],
    ),
    (
        "csr",
        &[
            ex(
                "A key and a CSR for user carol",
                "kcred csr create --out carol --cn carol",
            ),
            ex(
                "The same as a Kubernetes CertificateSigningRequest for kubectl apply -f",
                "kcred csr create --out carol-k8s --cn carol --k8s-name carol",
            ),
        ],
    ),
    (
        "csr create",
        &[
            ex(
                "A key and a PKCS#10 request for user carol in group dev",
                "kcred csr create --out carol --cn carol --group dev",
            ),
            ex(
                "Also a CertificateSigningRequest object (carol-k8s.yaml) for kubectl apply -f",
                "kcred csr create --out carol-k8s --cn carol --k8s-name carol --expiration 24h",
            ),
            ex(
                "A kubelet serving certificate request",
                "kcred csr create --out kubelet-serving --node cp-1 --usage server --san 10.0.0.11",
            ),
        ],
    ),
    (
        "sa",
        &[
            ex(
                "The ServiceAccount signing key pair",
                "kcred sa keygen --out sa-new",
            ),
            ex("Its JWKS", "kcred sa jwks --key sa.pub"),
        ],
    ),
    (
        "sa keygen",
        &[
            ex(
                "sa-new.key and sa-new.pub, as kubeadm writes sa.key and sa.pub",
                "kcred sa keygen --out sa-new",
            ),
            ex(
                "An ECDSA key pair",
                "kcred sa keygen --out sa-ec --key-type ecdsa-p256",
            ),
        ],
    ),
    (
        "sa jwks",
        &[
            ex(
                "The JWKS the API server serves",
                "kcred sa jwks --key sa.pub",
            ),
            ex(
                "The discovery documents for an external issuer, ready to publish",
                "kcred sa jwks --key sa.pub --issuer https://oidc.example.com --out-dir oidc",
            ),
        ],
    ),
    (
        "token",
        &[
            ex(
                "A one-hour token for ServiceAccount ci/builder",
                "kcred token issue builder -n ci --key sa.key",
            ),
            ex(
                "The TokenRequest kubectl create token -o json prints",
                "kcred token issue builder -n ci --key sa.key --audience vault --duration 10m -o json",
            ),
        ],
    ),
    (
        "token issue",
        &[
            ex(
                "A one-hour token for ServiceAccount ci/builder, saved to a file",
                "kcred token issue builder -n ci --key sa.key > builder.jwt",
            ),
            ex(
                "For audience vault, ten minutes, as the TokenRequest kubectl prints",
                "kcred token issue builder -n ci --key sa.key --audience vault --duration 10m -o json",
            ),
            ex(
                "Bound to a pod, with its header and claims shown",
                "kcred token issue builder -n ci --key sa.key --bound-object-kind Pod --bound-object-name web-0 --bound-object-uid 1f3c2d4e-0000-4000-8000-000000000001 -o decoded",
            ),
        ],
    ),
    (
        "decode-token",
        &[
            ex(
                "A token's header, claims and Kubernetes reading",
                "kcred decode-token --token-file token.jwt",
            ),
            ex(
                "Verified as kube-apiserver would, with its --service-account-key-file",
                "kcred decode-token --token-file token.jwt --key sa.pub",
            ),
            ex(
                "A token from a pipe, as JSON",
                "kcred token issue builder -n ci --key sa.key | kcred decode-token - -o json",
            ),
        ],
    ),
    (
        "whoami",
        &[
            ex(
                "The identity in a kubeadm admin.conf, trusted as its cluster's API server would",
                "kcred whoami --kubeconfig k8s/admin.conf --pki-dir k8s/pki",
            ),
            ex(
                "A client certificate checked against a --client-ca-file",
                "kcred whoami --client-certificate jane.crt --client-ca-file ca.crt",
            ),
            ex(
                "A ServiceAccount token, as JSON",
                "kcred whoami --token-file token.jwt --service-account-key-file sa.pub -o json",
            ),
        ],
    ),
    (
        "can-i",
        &[
            ex(
                "May super-admin.conf's user (system:masters) delete nodes?",
                "kcred can-i delete nodes --kubeconfig k8s/super-admin.conf --pki-dir k8s/pki",
            ),
            ex(
                "May jane (impersonated) create a SelfSubjectReview?",
                "kcred can-i create selfsubjectreviews.authentication.k8s.io --as jane",
            ),
            ex("Everything jane may do", "kcred can-i --list --as jane"),
        ],
    ),
    (
        "serve",
        &[
            ex(
                "Serve k8s/ on loopback for 5 s (SIGTERM drains, exit 0)",
                "timeout --preserve-status 5 kcred serve --dir k8s --listen 127.0.0.1:0",
            ),
            ex(
                "The same, writing kube-apiserver webhook configs",
                "timeout --preserve-status 5 kcred serve --dir k8s --listen 127.0.0.1:0 --webhook-config-out webhooks",
            ),
        ],
    ),
    (
        "completions",
        &[
            ex(
                "Completion in the running bash (add it to ~/.bashrc to keep it)",
                "source <(kcred completions bash)",
            ),
            ex("A zsh completion file", "kcred completions zsh > _kcred"),
        ],
    ),
    (
        "man",
        &[
            ex(
                "The page kcred(1), to read with man -l",
                "kcred man > kcred.1",
            ),
            ex(
                "kcred(1) and a page per command, for a MANPATH directory",
                "kcred man --out man1",
            ),
        ],
    ),
];

/// The examples of the command at `path` (`"cert issue"`; `""` for `kcred`).
pub fn for_path(path: &str) -> &'static [Example] {
    EXAMPLES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, e)| *e)
        .unwrap_or(&[])
}

/// An example's command line as shell lines of at most 78 columns (with the help's
/// 2-column indent), broken between words with ` \` continuations, so that an 80-column
/// terminal shows it unwrapped and a paste runs it. A flag stays with its value.
pub fn shell_lines(run: &str) -> Vec<String> {
    const WIDTH: usize = 76;
    let mut units: Vec<String> = Vec::new();
    for word in run.split(' ') {
        match units.last_mut() {
            Some(last)
                if last.starts_with("--")
                    && !last.contains(' ')
                    && !word.starts_with('-')
                    && !["|", ">", "<", "&&"].contains(&word) =>
            {
                last.push(' ');
                last.push_str(word);
            }
            _ => units.push(word.to_string()),
        }
    }
    let mut lines = vec![String::new()];
    for word in &units {
        let line = lines.last_mut().expect("one line");
        if !line.trim().is_empty() && line.len() + 1 + word.len() + 2 > WIDTH {
            line.push_str(" \\");
            lines.push(format!("    {word}"));
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// The examples as `--help` ends with them.
fn help_text(examples: &[Example]) -> String {
    let mut text = String::from("Examples:\n");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&format!("  # {}\n", e.what));
        for line in shell_lines(e.run) {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text.truncate(text.trim_end().len());
    text
}

/// `cmd` (at `path`) and its subcommands, each with its examples after the help: the short
/// help (`-h`) ends with them, and so does the long help after any text of its own.
pub fn attach(mut cmd: clap::Command, path: &str) -> clap::Command {
    let examples = for_path(path);
    if !examples.is_empty() {
        let text = help_text(examples);
        let long = match cmd.get_after_long_help() {
            Some(own) => format!("{own}\n\n{text}"),
            None => text.clone(),
        };
        cmd = cmd.after_help(text).after_long_help(long);
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |s| attach(s, &sub_path));
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `kcred …` invocations in an example's shell line, as words (examples use no quotes;
    /// `|`, `>`, `<`, `&&`, `<(…)` separate them).
    fn invocations(run: &str) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut cur: Option<Vec<String>> = None;
        for word in run.split_whitespace() {
            let word = word.trim_start_matches("<(").trim_end_matches(')');
            if ["|", ">", "<", "&&"].contains(&word) {
                out.extend(cur.take());
                continue;
            }
            match &mut cur {
                Some(words) => words.push(word.to_string()),
                None if word == "kcred" => cur = Some(vec![word.to_string()]),
                None => {}
            }
        }
        out.extend(cur);
        out
    }

    /// Every command path in the tree, depth first, without clap's `help`.
    fn paths(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_string());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let p = if path.is_empty() {
                sub.get_name().to_string()
            } else {
                format!("{path} {}", sub.get_name())
            };
            paths(sub, &p, out);
        }
    }

    #[test]
    fn every_command_has_two_to_four_examples_that_parse() {
        let cmd = crate::cli::command();
        let mut all = Vec::new();
        paths(&cmd, "", &mut all);
        for p in &all {
            let n = for_path(p).len();
            assert!((2..=4).contains(&n), "`kcred {p}` has {n} examples");
        }
        for (p, examples) in EXAMPLES {
            assert!(
                all.iter().any(|a| a == p),
                "examples for unknown command {p:?}"
            );
            for e in *examples {
                let runs = invocations(e.run);
                assert!(!runs.is_empty(), "{p}: no kcred in {:?}", e.run);
                // The example of a command runs that command.
                let want: Vec<&str> = std::iter::once("kcred").chain(p.split(' ')).collect();
                assert!(
                    p.is_empty()
                        || runs
                            .iter()
                            .any(|r| r.iter().take(want.len()).eq(want.iter())),
                    "{p}: {:?} does not run it",
                    e.run
                );
                for words in runs {
                    if let Err(err) = cmd.clone().try_get_matches_from(&words) {
                        panic!("{p}: {:?} does not parse: {err}", e.run);
                    }
                }
            }
        }
    }
}
