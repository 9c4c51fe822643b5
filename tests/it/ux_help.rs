//! Everyday use a binary user meets first: the embedded templates printed to start from,
//! a man page that renders cleanly, `cert inspect` on kubeconfigs and bundles, and `-o`
//! spoken the kubeadm/kubectl way. Real peers judge what they can: groff renders the page,
//! openssl reads the certificates, PyJWT decodes the token.

use crate::common::Env;

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
