//! `kcred can-i` end to end: the bootstrap policy against the Kubernetes docs' "Default roles
//! and role bindings" (https://kubernetes.io/docs/reference/access-authn-authz/rbac/), kubectl's
//! output shapes (`cmd/auth/cani.go`), bad manifests, real kubectl reading the same
//! manifests, and identities from kcred-minted credentials answering as `--as` does.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{EXCESSIVE_ALIASING, Env, argv, assert_says, peer};

/// Run `kcred can-i ARGS`; (exit code, stdout, stderr).
fn can_i(env: &Env, args: &[&str]) -> (i32, String, String) {
    let mut a = vec!["can-i"];
    a.extend_from_slice(args);
    let out = env.kcred().args(&a).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    )
}

/// The first line kubectl would print, and the exit code.
fn answer(env: &Env, args: &[&str]) -> (i32, String) {
    let (code, out, _) = can_i(env, args);
    (code, out.lines().next().unwrap_or("").to_string())
}

fn yes(env: &Env, args: &[&str]) {
    let (code, line) = answer(env, args);
    assert_eq!((code, line.as_str()), (0, "yes"), "can-i {args:?}");
}

fn no(env: &Env, args: &[&str]) {
    let (code, line) = answer(env, args);
    assert_eq!(code, 1, "can-i {args:?}: {line}");
    assert!(
        line == "no" || line.starts_with("no - "),
        "can-i {args:?}: {line}"
    );
}

/// `yes` or `no` for a case of a table.
fn expect(env: &Env, allowed: bool, args: &[&str]) {
    if allowed {
        yes(env, args)
    } else {
        no(env, args)
    }
}

#[test]
fn bootstrap_policy_gives_what_the_docs_default_roles_table_says() {
    let env = Env::new();
    let cases: &[(bool, &str)] = &[
        // system:basic-user (Group system:authenticated): its own reviews.
        (
            true,
            "create selfsubjectreviews.authentication.k8s.io --as alice",
        ),
        (
            true,
            "create selfsubjectaccessreviews.authorization.k8s.io --as alice",
        ),
        (
            true,
            "create selfsubjectrulesreviews.authorization.k8s.io --as alice",
        ),
        (
            false,
            "create selfsubjectreviews.authentication.k8s.io --as system:anonymous",
        ),
        // system:discovery (Group system:authenticated only, since 1.14).
        (true, "get /version --as alice"),
        (true, "get /api --as alice"),
        (true, "get /apis/apps/v1 --as alice"),
        (false, "get /api --as system:anonymous"),
        // system:public-info-viewer (authenticated and unauthenticated).
        (true, "get /version --as system:anonymous"),
        (true, "get /healthz --as system:anonymous"),
        (false, "post /healthz --as system:anonymous"),
        // cluster-admin (Group system:masters), and the privileged-group authorizer before it.
        (true, "delete nodes --as x --as-group system:masters"),
        (
            true,
            "escalate clusterroles --as x --as-group system:masters --no-bootstrap-policy",
        ),
        // system:kube-scheduler and system:volume-scheduler (User system:kube-scheduler).
        (true, "get pods -A --as system:kube-scheduler"),
        (
            true,
            "create pods --subresource binding --as system:kube-scheduler",
        ),
        (
            true,
            "update leases.coordination.k8s.io/kube-scheduler -n kube-system --as system:kube-scheduler",
        ),
        (true, "patch persistentvolumes --as system:kube-scheduler"),
        (false, "delete nodes --as system:kube-scheduler"),
        // kube-system Role extension-apiserver-authentication-reader, by its RoleBinding.
        (
            true,
            "get configmaps/extension-apiserver-authentication -n kube-system --as system:kube-scheduler",
        ),
        (
            false,
            "get configmaps/other -n kube-system --as system:kube-scheduler",
        ),
        // system:kube-controller-manager.
        (true, "list secrets -A --as system:kube-controller-manager"),
        (
            true,
            "create tokenreviews.authentication.k8s.io --as system:kube-controller-manager",
        ),
        (
            false,
            "delete deployments.apps --as system:kube-controller-manager",
        ),
        // system:node-proxier (User system:kube-proxy).
        (
            true,
            "list endpointslices.discovery.k8s.io -A --as system:kube-proxy",
        ),
        (true, "watch services -A --as system:kube-proxy"),
        (false, "delete pods --as system:kube-proxy"),
        // Controller roles, bound to the controllers' ServiceAccounts in kube-system.
        (
            true,
            "update deployments.apps -n x --as system:serviceaccount:kube-system:deployment-controller",
        ),
        (
            false,
            "update deployments.apps -n x --as system:serviceaccount:default:deployment-controller",
        ),
        // The shipped cluster-role-bindings.yaml predates the system:monitoring binding (see
        // templates/rbac/README.md): current API servers would say yes here.
        (false, "get /metrics --as m --as-group system:monitoring"),
        // --no-bootstrap-policy leaves it all out.
        (false, "get /version --as alice --no-bootstrap-policy"),
    ];
    for (allowed, line) in cases {
        expect(&env, *allowed, &argv(line));
    }
}

const TEAM: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewers, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: viewers}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: editors, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: ed}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: admins, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: [{kind: ServiceAccount, name: boss}]
"#;

#[test]
fn aggregated_view_edit_admin_grant_only_in_their_namespace() {
    let env = Env::new();
    fs::write(env.path("team.yaml"), TEAM).unwrap();
    fn with<'a>(a: &[&'a str]) -> Vec<&'a str> {
        [a, &["--rbac", "team.yaml"][..]].concat()
    }
    let cases: &[(bool, &str)] = &[
        (true, "get pods -n dev --as v --as-group viewers"),
        (false, "get pods -n prod --as v --as-group viewers"),
        // The docs: view does not allow viewing Secrets; edit does, and cannot touch RBAC.
        (false, "get secrets -n dev --as v --as-group viewers"),
        (false, "create deploy -n dev --as v --as-group viewers"),
        (true, "create deploy -n dev --as ed"),
        (true, "get secrets -n dev --as ed"),
        (false, "create rolebindings -n dev --as ed"),
    ];
    for (allowed, line) in cases {
        expect(&env, *allowed, &with(&argv(line)));
    }
    let boss = "system:serviceaccount:dev:boss";
    yes(
        &env,
        &with(&["create", "rolebindings", "-n", "dev", "--as", boss]),
    );
    no(
        &env,
        &with(&["create", "rolebindings", "-n", "prod", "--as", boss]),
    );
    // The reason, in the API server's words.
    let (code, out, _) = can_i(&env, &with(&["get", "po", "-n", "dev", "--as", boss]));
    assert_eq!(code, 0);
    assert!(
        out.contains(r#"RBAC: allowed by RoleBinding "admins/dev" of ClusterRole "admin" to ServiceAccount "boss/dev""#),
        "{out}"
    );
}

#[test]
fn kubectl_output_quiet_json_and_near_misses() {
    let env = Env::new();
    fs::write(env.path("team.yaml"), TEAM).unwrap();
    // -q: nothing, the exit code answers.
    let (code, out, err) = can_i(&env, &["get", "pods", "-q", "--as", "alice"]);
    assert_eq!((code, out.as_str(), err.as_str()), (1, "", ""));
    let (code, out, _) = can_i(&env, &["get", "/version", "-q", "--as", "alice"]);
    assert_eq!((code, out.as_str()), (0, ""));
    // A denial names the bindings whose subjects matched.
    let (code, out, _) = can_i(
        &env,
        &[
            "delete",
            "pods",
            "-n",
            "dev",
            "--as",
            "v",
            "--as-group",
            "viewers",
            "--rbac",
            "team.yaml",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(out.lines().next(), Some("no"));
    assert!(
        out.contains(
            r#"near-miss    RoleBinding "viewers/dev" of ClusterRole "view" to Group "viewers""#
        ),
        "{out}"
    );
    // -o json: the SubjectAccessReview.
    let (code, out, _) = can_i(
        &env,
        &[
            "get",
            "deployments.apps/web",
            "-n",
            "prod",
            "--as",
            "bob",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "SubjectAccessReview");
    assert_eq!(v["apiVersion"], "authorization.k8s.io/v1");
    assert_eq!(
        v["spec"]["resourceAttributes"],
        serde_json::json!({"namespace": "prod", "verb": "get", "group": "apps", "resource": "deployments", "name": "web"})
    );
    assert_eq!(v["spec"]["user"], "bob");
    assert_eq!(
        v["spec"]["groups"],
        serde_json::json!(["system:authenticated"])
    );
    assert_eq!(v["status"], serde_json::json!({"allowed": false}));
    // A missing role: the API server's reason, and kubectl's "no - REASON".
    fs::write(
        env.path("ghost.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: g}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gone}\nsubjects: [{kind: User, name: bob}]\n",
    )
    .unwrap();
    let (code, line) = answer(
        &env,
        &["get", "pods", "--as", "bob", "--rbac", "ghost.yaml"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        line,
        r#"no - RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found"#
    );
    // The Node authorizer's graph is not guessed.
    let (code, line) = answer(
        &env,
        &[
            "get",
            "secrets/s",
            "--as",
            "system:node:n1",
            "--as-group",
            "system:nodes",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        line.starts_with("unknown - Node: ") && line.ends_with("not checked offline"),
        "{line}"
    );
    // Usage errors as kubectl's.
    let (code, _, err) = can_i(
        &env,
        &["get", "/healthz", "--subresource", "log", "--as", "a"],
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = can_i(&env, &["get", "--as", "a"]);
    assert_eq!(code, 2);
}

#[test]
fn list_prints_kubectls_table_and_the_rules_review() {
    let env = Env::new();
    let (code, out, _) = can_i(&env, &["--list", "--as", "system:anonymous"]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("Resources   Non-Resource URLs   Resource Names   Verbs")
    );
    assert!(out.contains("[/healthz]"), "{out}");
    let (code, out, _) = can_i(
        &env,
        &[
            "--list",
            "-n",
            "kube-system",
            "--as",
            "system:kube-scheduler",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["kind"], "SelfSubjectRulesReview");
    assert_eq!(v["spec"]["namespace"], "kube-system");
    assert_eq!(v["status"]["incomplete"], false);
    assert!(v["status"]["resourceRules"].as_array().unwrap().len() > 5);
    // A node: the Node authorizer cannot list its rules, so the list is incomplete.
    let (code, out, err) = can_i(
        &env,
        &[
            "--list",
            "--as",
            "system:node:n1",
            "--as-group",
            "system:nodes",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"]["incomplete"], true);
    assert_eq!(
        v["status"]["evaluationError"],
        "node authorizer does not support user rule resolution"
    );
    assert!(err.contains("the list may be incomplete"), "{err}");
}

#[test]
fn bad_manifests_one_line_naming_file_and_object_exit_3() {
    let env = Env::new();
    let cases = [
        (
            "malformed.yaml",
            "kind: Role\nmetadata: [\n",
            "malformed.yaml: not valid YAML or JSON",
        ),
        (
            "rules.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: a}\nrules: {verbs: [get]}\n",
            "rules.yaml: Role \"r\": ",
        ),
        (
            "noref.json",
            r#"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"b"},"subjects":[]}"#,
            "noref.json: ClusterRoleBinding \"b\": no roleRef",
        ),
        (
            "beta.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRole\nmetadata: {name: old}\nrules: []\n",
            "beta.yaml: ClusterRole \"old\": apiVersion",
        ),
    ];
    for (file, text, want) in cases {
        fs::write(env.path(file), text).unwrap();
        let err = env.fails(3, &["can-i", "get", "pods", "--as", "a", "--rbac", file]);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{file}: {err}");
    }
}

#[test]
fn directories_stdin_lists_and_other_kinds() {
    let env = Env::new();
    fs::create_dir_all(env.path("d/sub")).unwrap();
    fs::write(env.path("d/sub/team.yml"), TEAM).unwrap();
    fs::write(env.path("d/notes.txt"), "not a manifest").unwrap();
    fs::write(
        env.path("d/list.json"),
        r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}]}"#,
    )
    .unwrap();
    let (code, _, err) = can_i(
        &env,
        &["get", "pods", "-n", "dev", "--as", "ed", "--rbac", "d"],
    );
    assert_eq!(code, 0);
    assert!(err.contains("ConfigMap: 1"), "{err}");
    let out = env
        .kcred()
        .args([
            "can-i", "get", "pods", "-n", "dev", "--as", "ed", "--rbac", "-",
        ])
        .write_stdin(TEAM)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// A kubectl that reads manifests without a cluster: discovery answered from its disk
/// cache (`~/.kube/cache/discovery/localhost_8080`), since `kubectl create --dry-run=client`
/// still maps kinds through discovery. `--validate=false` because validation would fetch the
/// server's OpenAPI schema; decoding (types, YAML 1.1 scalars) still happens.
fn offline_kubectl(env: &Env) -> impl Fn(&Path) -> (bool, String) + '_ {
    offline_kubectl_output(env, "name")
}

/// [`offline_kubectl`] printing the objects in `output` (`name`, `json`).
fn offline_kubectl_output<'a>(
    env: &'a Env,
    output: &'static str,
) -> impl Fn(&Path) -> (bool, String) + 'a {
    let cache = env.path("kubehome/.kube/cache/discovery/localhost_8080");
    fs::create_dir_all(cache.join("v1")).unwrap();
    fs::create_dir_all(cache.join("rbac.authorization.k8s.io/v1")).unwrap();
    fs::write(
        cache.join("servergroups.json"),
        r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"","versions":[{"groupVersion":"v1","version":"v1"}],"preferredVersion":{"groupVersion":"v1","version":"v1"}},{"name":"rbac.authorization.k8s.io","versions":[{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}],"preferredVersion":{"groupVersion":"rbac.authorization.k8s.io/v1","version":"v1"}}]}"#,
    )
    .unwrap();
    fs::write(
        cache.join("v1/serverresources.json"),
        r#"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","get"]}]}"#,
    )
    .unwrap();
    let rbac = ["clusterrolebindings:ClusterRoleBinding:false", "clusterroles:ClusterRole:false", "rolebindings:RoleBinding:true", "roles:Role:true"]
        .iter()
        .map(|s| {
            let p: Vec<&str> = s.split(':').collect();
            format!(
                r#"{{"name":"{}","singularName":"","namespaced":{},"kind":"{}","verbs":["create","get"]}}"#,
                p[0], p[2], p[1]
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    fs::write(
        cache.join("rbac.authorization.k8s.io/v1/serverresources.json"),
        format!(r#"{{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"rbac.authorization.k8s.io/v1","resources":[{rbac}]}}"#),
    )
    .unwrap();
    let home = env.path("kubehome");
    move |file: &Path| {
        let out = peer("kubectl")
            .args([
                "create",
                "--dry-run=client",
                "--validate=false",
                "-o",
                output,
                "-f",
            ])
            .arg(file)
            .env("HOME", &home)
            .env("KUBECONFIG", "/dev/null")
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }
}

/// go-yaml v2's guard against alias bombs, which `kubectl create -f` meets for each document
/// (apimachinery `YAMLToJSONDecoder`, then sigs.k8s.io/yaml, one go-yaml `Unmarshal`;
/// `decode.go` fails once `aliasCount/decodeCount > allowedAliasRatio(decodeCount)`, a ratio
/// that falls past 400,000 decodes, where this file is): a ClusterRole whose rules share one
/// 999-resource list by alias is refused with 402 such rules and read with 401. kcred refuses
/// the first in go-yaml's words and answers for the second.
#[test]
fn manifest_aliases_are_refused_exactly_where_kubectl_refuses_them() {
    let env = Env::new();
    let kubectl = offline_kubectl(&env);
    let resources = (0..999).map(|i| format!("r{i}")).collect::<Vec<_>>();
    for (rules, kubectl_reads) in [(402, false), (401, true)] {
        let file = format!("aliases-{rules}.yaml");
        let text = format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: readers}}\nrules:\n- apiGroups: [\"\"]\n  resources: &r [{}]\n  verbs: [get]\n{}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: readers}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: readers}}\nsubjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}}]\n",
            resources.join(", "),
            "- {apiGroups: [\"\"], resources: *r, verbs: [list]}\n".repeat(rules)
        );
        fs::write(env.path(&file), text).unwrap();
        let (ok, out) = kubectl(&env.path(&file));
        let args = [
            "list",
            "r998",
            "--as",
            "jane",
            "--no-bootstrap-policy",
            "--rbac",
            &file,
        ];
        if kubectl_reads {
            assert!(ok, "kubectl refused {file}: {out}");
            yes(&env, &args);
        } else {
            assert!(!ok, "kubectl read {file}: {out}");
            assert_says(&out, &[EXCESSIVE_ALIASING]);
            let (code, _, err) = can_i(&env, &args);
            assert_eq!(code, 3, "kcred read {file}: {err}");
            assert_says(&err, &[&format!("{file}: {EXCESSIVE_ALIASING}")]);
        }
    }
}

#[test]
fn kubectl_reads_every_manifest_kcred_accepts() {
    let env = Env::new();
    let kubectl = offline_kubectl(&env);
    // Everything kcred accepts: the test manifests and the embedded bootstrap policy.
    fs::write(env.path("team.yaml"), TEAM).unwrap();
    let bootstrap = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/rbac");
    let mut accepted = vec![env.path("team.yaml")];
    for f in fs::read_dir(&bootstrap).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            accepted.push(p);
        }
    }
    for f in &accepted {
        let (code, _, err) = can_i(
            &env,
            &[
                "get",
                "pods",
                "--as",
                "a",
                "--no-bootstrap-policy",
                "--rbac",
                &f.display().to_string(),
            ],
        );
        assert!(
            code == 0 || code == 1,
            "kcred refused {}: {err}",
            f.display()
        );
        let (ok, out) = kubectl(f);
        assert!(
            ok,
            "kubectl refused {} which kcred accepts: {out}",
            f.display()
        );
    }
    // What kubectl's decoder refuses, kcred refuses too (exit 3): a YAML 1.1 boolean where a
    // string belongs, malformed YAML.
    let refused = [
        (
            "bool-name.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: y\nrules: []\n",
        ),
        (
            "malformed.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x\n",
        ),
    ];
    for (file, text) in refused {
        fs::write(env.path(file), text).unwrap();
        let (ok, out) = kubectl(&env.path(file));
        assert!(!ok, "kubectl accepted {file}: {out}");
        env.fails(3, &["can-i", "get", "pods", "--as", "a", "--rbac", file]);
    }
    // kubectl's client-side dry run keeps objects unstructured, so it passes rules of the
    // wrong type and a binding without roleRef; the API server's decoding and validation
    // would refuse them, and kcred refuses them too rather than guess.
    let stricter = [
        (
            "rules-type.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\nrules: foo\n",
        ),
        (
            "verbs-type.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\nrules: [{verbs: get}]\n",
        ),
        (
            "noref.yaml",
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nsubjects: []\n",
        ),
    ];
    for (file, text) in stricter {
        fs::write(env.path(file), text).unwrap();
        let (ok, out) = kubectl(&env.path(file));
        assert!(ok, "kubectl now refuses {file} (tighten this test): {out}");
        env.fails(3, &["can-i", "get", "pods", "--as", "a", "--rbac", file]);
    }
}

/// Valid YAML that kubectl reads and serde-saphyr's default budget refused: a run of more than
/// 32 comment lines where the parser looks ahead, and more than 1,024 documents in one file.
/// kcred reads both and answers from them.
#[test]
fn kcred_reads_what_kubectl_reads_past_the_yaml_parsers_default_budget() {
    let env = Env::new();
    let kubectl = offline_kubectl(&env);
    let comments = "# a long licence header or commented-out rules\n".repeat(40);
    let role = format!(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: r, namespace: default}}\nrules:\n{comments}- verbs: [get]\n  apiGroups: [\"\"]\n  resources: [pods]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: b, namespace: default}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}}\nsubjects: [{{kind: User, name: alice}}]\n"
    );
    fs::write(env.path("comments.yaml"), role).unwrap();
    let mut many: Vec<String> = (0..1_100)
        .map(|i| format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: r{i}}}\nrules: [{{verbs: [list], apiGroups: [''], resources: [secrets]}}]\n"))
        .collect();
    many.push("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r1099}\nsubjects: [{kind: User, name: bob}]\n".into());
    fs::write(env.path("many.yaml"), many.join("---\n")).unwrap();
    for (file, user, verb, resource) in [
        ("comments.yaml", "alice", "get", "pods"),
        ("many.yaml", "bob", "list", "secrets"),
    ] {
        let (ok, out) = kubectl(&env.path(file));
        assert!(ok, "kubectl refused {file}: {out}");
        yes(
            &env,
            &[
                verb,
                resource,
                "--as",
                user,
                "--no-bootstrap-policy",
                "--rbac",
                file,
            ],
        );
    }
}

/// kubeadm's own binding, which the bootstrap policy does not hold (README: can-i).
const KUBEADM_ADMINS: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: kubeadm:cluster-admins}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: kubeadm:cluster-admins}]\n";

#[test]
fn minted_credentials_answer_as_the_identity_whoami_reports() {
    let env = Env::new();
    env.ok(&["bootstrap", "--dir", "c", "--key-type", "ecdsa-p256"]);
    fs::write(env.path("kubeadm.yaml"), KUBEADM_ADMINS).unwrap();
    let trust = ["--pki-dir", "c/pki"];
    let check = |cred: &[&str], as_: &[&str], req: &[&str], extra: &[&str]| {
        let a = answer(&env, &[req, cred, &trust[..], extra].concat());
        let b = answer(&env, &[req, as_, extra].concat());
        assert_eq!(a, b, "{cred:?} vs {as_:?} for {req:?}");
        a
    };
    let admin = ["--kubeconfig", "c/admin.conf"];
    let admin_as = [
        "--as",
        "kubernetes-admin",
        "--as-group",
        "kubeadm:cluster-admins",
    ];
    assert_eq!(check(&admin, &admin_as, &["delete", "nodes"], &[]).0, 1);
    assert_eq!(
        check(
            &admin,
            &admin_as,
            &["delete", "nodes"],
            &["--rbac", "kubeadm.yaml"]
        )
        .0,
        0
    );
    let sup = ["--kubeconfig", "c/super-admin.conf"];
    let sup_as = [
        "--as",
        "kubernetes-super-admin",
        "--as-group",
        "system:masters",
    ];
    assert_eq!(
        check(
            &sup,
            &sup_as,
            &["delete", "nodes"],
            &["--no-bootstrap-policy"]
        )
        .0,
        0
    );
    let sched = ["--kubeconfig", "c/scheduler.conf"];
    let sched_as = ["--as", "system:kube-scheduler"];
    assert_eq!(
        check(
            &sched,
            &sched_as,
            &["create", "pods", "--subresource", "binding"],
            &[]
        )
        .0,
        0
    );
    let node = ["--kubeconfig", "c/nodes/node-1/kubelet.conf"];
    if env.path("c/nodes/node-1/kubelet.conf").exists() {
        let node_as = ["--as", "system:node:node-1", "--as-group", "system:nodes"];
        assert_eq!(check(&node, &node_as, &["get", "nodes/node-1"], &[]).0, 0);
        assert_eq!(check(&node, &node_as, &["get", "nodes/node-2"], &[]).0, 1);
    }
    // Bound and legacy ServiceAccount tokens.
    for legacy in [false, true] {
        let mut args = vec![
            "token",
            "issue",
            "--key",
            "c/pki/sa.key",
            "-n",
            "kube-system",
            "deployment-controller",
        ];
        if legacy {
            args.push("--legacy");
        }
        let token = env.ok(&args);
        fs::write(env.path("t"), token.trim()).unwrap();
        let sa_as = [
            "--as",
            "system:serviceaccount:kube-system:deployment-controller",
        ];
        assert_eq!(
            check(
                &["--token-file", "t"],
                &sa_as,
                &["update", "deployments.apps", "-n", "x"],
                &[]
            )
            .0,
            0,
            "legacy={legacy}"
        );
    }
    // A credential the API server refuses: whoami's 401, exit 1.
    let (code, _, err) = can_i(
        &env,
        &["get", "pods", "--token", "garbage", "--pki-dir", "c/pki"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("401") || err.contains("Unauthorized"), "{err}");
}

/// A stand-in API server for real kubectl: it answers `SelfSubjectAccessReview` and
/// `SelfSubjectRulesReview` POSTs with the review kcred computed (from files in `dir`), so
/// kubectl's own printing (`cani.go`: the yes/no line, the --list table) can be compared
/// with kcred's. It decides nothing itself.
const REVIEW_SERVER: &str = r#"
import http.server, os, sys, json
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        self.rfile.read(n)
        name = self.path.split('?')[0].rstrip('/').split('/')[-1]
        try:
            body = open(os.path.join(d, name + '.json'), 'rb').read()
            code = 201
        except OSError:
            body, code = b'{"kind":"Status","apiVersion":"v1","status":"Failure","code":404}', 404
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

struct ReviewServer {
    child: std::process::Child,
    port: String,
}

impl Drop for ReviewServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn review_server(dir: &Path) -> ReviewServer {
    use std::io::BufRead as _;
    let mut child = peer("python3")
        .arg("-c")
        .arg(REVIEW_SERVER)
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    ReviewServer {
        child,
        port: line.trim().to_string(),
    }
}

#[test]
fn real_kubectl_prints_kcreds_reviews_as_kcred_does() {
    let env = Env::new();
    fs::create_dir_all(env.path("srv")).unwrap();
    fs::write(
        env.path("ghost.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: g}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: gone}\nsubjects: [{kind: User, name: bob}]\n",
    )
    .unwrap();
    let server = review_server(&env.path("srv"));
    let kubectl = |args: &[&str]| {
        let out = peer("kubectl")
            .args(["auth", "can-i"])
            .args(args)
            .arg(format!("--server=http://127.0.0.1:{}", server.port))
            .env("KUBECONFIG", "/dev/null")
            .env("HOME", env.path("kubehome"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // One request each: kcred's review goes to the server, kubectl prints it.
    let checks: [&[&str]; 5] = [
        &["get", "/version", "--as", "alice"],
        &["get", "/metrics", "--as", "alice"],
        &["get", "/x", "--as", "bob", "--rbac", "ghost.yaml"],
        &[
            "get",
            "/x",
            "--as",
            "bob",
            "--rbac",
            "ghost.yaml",
            "--authorization-mode",
            "AlwaysDeny,RBAC",
        ],
        &["post", "/healthz", "--as", "system:anonymous"],
    ];
    for args in checks {
        let (code, json, _) = can_i(&env, &[args, &["-o", "json"][..]].concat());
        let mut v: Value = serde_json::from_str(&json).unwrap();
        v["kind"] = "SelfSubjectAccessReview".into();
        fs::write(env.path("srv/selfsubjectaccessreviews.json"), v.to_string()).unwrap();
        let (_, table, _) = can_i(&env, args);
        let kcred_line = table.split("AUTHORIZER").next().unwrap();
        let url = args[1];
        let (kcode, kout) = kubectl(&[args[0], url]);
        assert_eq!((kcode, kout.as_str()), (code, kcred_line), "{args:?}");
    }
    // --list: kcred's SelfSubjectRulesReview through kubectl's table printer.
    for who in [
        &["--as", "alice"][..],
        &["--as", "system:kube-scheduler", "-n", "kube-system"][..],
    ] {
        let (_, json, _) = can_i(&env, &[&["--list", "-o", "json"][..], who].concat());
        fs::write(env.path("srv/selfsubjectrulesreviews.json"), json).unwrap();
        let (_, table, _) = can_i(&env, &[&["--list"][..], who].concat());
        let (kcode, kout) = kubectl(&["--list"]);
        assert_eq!(kcode, 0);
        assert_eq!(kout, table, "{who:?}");
    }
}

/// `--as` on top of a credential is what `kubectl --as` sends: the impersonation filter
/// (`k8s.io/apiserver/pkg/endpoints/filters/impersonation.go`) first asks whether the
/// credential's identity may `impersonate` the user (or ServiceAccount), each group and the
/// UID, and answers 403 (`responsewriters.Forbidden`) at the first refusal.
#[test]
fn as_on_top_of_a_credential_needs_impersonate_permission() {
    let env = Env::new();
    env.ok(&["bootstrap", "--dir", "c", "--key-type", "ecdsa-p256"]);
    let sched = ["--kubeconfig", "c/scheduler.conf", "--pki-dir", "c/pki"];
    let ask = |extra: &[&str]| {
        can_i(
            &env,
            &[&["get", "pods", "-n", "dev"], &sched[..], extra].concat(),
        )
    };

    // The scheduler may not impersonate anyone: 403, kubectl's error line, exit 1.
    let (code, out, err) = ask(&["--as", "bob"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out, "");
    assert!(
        err.contains(r#"Error from server (Forbidden): users "bob" is forbidden: User "system:kube-scheduler" cannot impersonate resource "users" in API group "" at the cluster scope"#),
        "{err}"
    );
    let (code, out, _) = ask(&["--as", "bob", "-o", "json"]);
    assert_eq!(code, 1);
    let status: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["code"], 403);
    assert_eq!(status["reason"], "Forbidden");
    assert_eq!(status["details"]["kind"], "users");
    assert_eq!(status["details"]["name"], "bob");
    assert_eq!(ask(&["--as", "bob", "-q"]).1, "");

    // Allowed to impersonate bob (by name) but not the group asked for.
    fs::write(
        env.path("imp.yaml"),
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-bob}
rules:
- {apiGroups: [""], resources: [users], verbs: [impersonate], resourceNames: [bob]}
- {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: scheduler-impersonates-bob}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-bob}
subjects: [{kind: User, name: "system:kube-scheduler", apiGroup: rbac.authorization.k8s.io}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-views, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}]
"#,
    )
    .unwrap();
    let (code, out, err) = ask(&["--as", "bob", "--rbac", "imp.yaml"]);
    assert_eq!((code, out.lines().next()), (0, Some("yes")), "{err}");
    let (code, _, err) = ask(&["--as", "bob", "--as-group", "ops", "--rbac", "imp.yaml"]);
    assert_eq!(code, 1);
    assert!(
        err.contains(r#"groups "ops" is forbidden: User "system:kube-scheduler" cannot impersonate resource "groups""#),
        "{err}"
    );
    // A ServiceAccount is impersonated as one (resource serviceaccounts, its namespace) and
    // gets the ServiceAccount groups; `view` is not bound to it, so the answer is no.
    let (code, out, err) = ask(&["--as", "system:serviceaccount:dev:ci", "--rbac", "imp.yaml"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("no"), "{out}{err}");
    let (_, out, _) = ask(&[
        "--as",
        "system:serviceaccount:dev:ci",
        "--rbac",
        "imp.yaml",
        "-o",
        "json",
    ]);
    let review: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        review["spec"]["groups"],
        serde_json::json!([
            "system:serviceaccounts",
            "system:serviceaccounts:dev",
            "system:authenticated"
        ])
    );

    // system:masters may impersonate anyone (the privileged-group authorizer).
    let sup = ["--kubeconfig", "c/super-admin.conf", "--pki-dir", "c/pki"];
    let (code, out, _) = can_i(
        &env,
        &[&["get", "pods", "-n", "dev", "--as", "nobody"], &sup[..]].concat(),
    );
    assert_eq!((code, out.lines().next()), (1, Some("no")));
}

/// The documents kubectl makes of a file are the ones kcred reads (found by a differential
/// sweep of 1,472 manifests against kubectl 1.35): kubectl's reader cuts the file at `---`
/// lines and reads each chunk's first YAML document only (apimachinery `YAMLReader`), so
/// text after `...` or behind `\r`-only line ends is never created; any object with `items`
/// is a list (unstructured.go). Where kcred's YAML 1.2 parser would read a file otherwise
/// than go-yaml v2 (a `<<` merge key after other keys, U+2028 as a line break), kcred
/// refuses it with the reason instead of answering. For each file, real kubectl's objects
/// (`create --dry-run=client -o json`) are fed back to kcred as JSON, and kcred's answer on
/// the file must be the same as on them, or a refusal.
#[test]
fn kcred_reads_the_documents_kubectl_creates() {
    let env = Env::new();
    let kubectl = offline_kubectl_output(&env, "json");
    let role = |rule: &str| {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: x}}\nrules: [{rule}]\n"
        )
    };
    let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: x}\nsubjects: [{kind: User, apiGroup: rbac.authorization.k8s.io, name: eve}]\n";
    let get_pods = r#"{apiGroups: [""], resources: [pods], verbs: [get]}"#;
    // (name, file, the question, whether kcred refuses the file)
    let cases: Vec<(&str, String, &[&str], bool)> = vec![
        (
            "end-marker",
            format!("{}...\n{binding}", role(get_pods)),
            &["get", "pods"],
            false,
        ),
        (
            "cr-only",
            format!("{}---\n{binding}", role(get_pods)).replace('\n', "\r"),
            &["get", "pods"],
            false,
        ),
        (
            "items-on-a-binding",
            format!("{binding}items: []\n---\n{}", role(get_pods)),
            &["get", "pods"],
            false,
        ),
        (
            "items-in-a-configmap",
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm}}\nitems:\n- {}\n---\n{}",
                binding.trim_end().replace('\n', "\n  "),
                role(get_pods)
            ),
            &["get", "pods"],
            false,
        ),
        (
            "bare-items-of-a-typed-list",
            format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleList\nitems:\n- metadata: {{name: x}}\n  rules: [{get_pods}]\n---\n{binding}"
            ),
            &["get", "pods"],
            false,
        ),
        (
            "key-twice",
            format!(
                "{}---\n{binding}",
                role(r#"{apiGroups: [""], resources: [pods], verbs: [delete], verbs: [get]}"#)
            ),
            &["get", "pods"],
            false,
        ),
        (
            "nulls",
            format!(
                "{}---\n{}",
                role(r#"{apiGroups: [~], resources: [pods], verbs: [get], resourceNames: null}"#),
                binding.replace(
                    "metadata: {name: b}",
                    "metadata: {name: b, namespace: ~, labels: {a: ~}}"
                )
            ),
            &["get", "pods"],
            false,
        ),
        (
            "underscore-number",
            format!(
                "{}---\n{binding}",
                role(r#"{apiGroups: [""], resources: [pods], verbs: [get, 1_0]}"#)
            ),
            &["get", "pods"],
            true,
        ),
        (
            "plain",
            format!("{}---\n{binding}", role(get_pods)),
            &["get", "pods"],
            false,
        ),
        (
            "merge-first",
            format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: x}}\nbase: &b {get_pods}\nrules:\n- <<: *b\n  verbs: [delete]\n---\n{binding}"
            ),
            &["delete", "pods"],
            false,
        ),
        (
            "merge-after-a-key",
            format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: x}}\nbase: &b {get_pods}\nrules:\n- verbs: ['*']\n  <<: *b\n---\n{binding}"
            ),
            &["delete", "pods"],
            true,
        ),
        (
            "line-separator",
            format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: x}}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [get]\n  resourceNames: # n\u{2028}  - p1\n---\n{binding}"
            ),
            &["get", "pods/p2"],
            true,
        ),
    ];
    for (name, text, question, refused) in cases {
        let m = env.path(&format!("{name}.yaml"));
        fs::write(&m, &text).unwrap();
        let (ok, json) = kubectl(&m);
        assert!(ok, "{name}: kubectl: {json}");
        // kubectl prints one JSON object per created object; kcred reads them as a List.
        let items: Vec<Value> = serde_json::Deserializer::from_str(&json)
            .into_iter::<Value>()
            .map(Result::unwrap)
            .collect();
        let j = env.path(&format!("{name}.json"));
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
        fs::write(&j, list.to_string()).unwrap();
        let ask = |file: &Path| {
            let f = file.to_str().unwrap();
            let mut args = question.to_vec();
            args.extend([
                "-n",
                "ns1",
                "--as",
                "eve",
                "--no-bootstrap-policy",
                "--rbac",
                f,
            ]);
            can_i(&env, &args)
        };
        let (kubectl_code, kubectl_out, _) = ask(&j);
        let (code, out, err) = ask(&m);
        if refused {
            assert_eq!(code, 3, "{name}: {out}{err}");
            assert!(err.contains("kubectl"), "{name}: {err}");
        } else {
            assert_ne!(
                kubectl_code, 3,
                "{name}: kcred refuses kubectl's own objects"
            );
            assert_eq!(
                (code, out.lines().next()),
                (kubectl_code, kubectl_out.lines().next()),
                "{name}: kcred on the file vs on kubectl's objects: {err}"
            );
        }
    }
}
