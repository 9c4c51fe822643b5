//! The event reader against the generic reader (serde-saphyr → `serde_json::Value` →
//! checks): for any text, the typed reader either refuses it or reads exactly what the
//! generic reader reads. Cases written by hand, every YAML file of the repository, and
//! generated streams (a seeded generator: quoting styles, flow and block layout, comments,
//! unknown fields, `List` wrappers, empty documents, tricky scalars).

use std::path::Path;

use super::super::manifest::{Item, generic_read};
use super::super::typed::read;

/// `Some(true)`: the typed reader accepted `text` and read it as the generic reader does
/// (fails otherwise); `Some(false)`: it refused it.
fn agrees(text: &str) -> bool {
    match read(text) {
        None => false,
        Some(typed) => {
            match generic_read(text, "t.yaml") {
                Ok(generic) => assert_eq!(typed, generic, "readers differ on:\n{text}"),
                Err(e) => {
                    panic!("typed reader accepted what the generic reader refuses ({e}):\n{text}")
                }
            }
            true
        }
    }
}

fn same(text: &str) -> Vec<Item> {
    assert!(agrees(text), "typed reader refused:\n{text}");
    read(text).unwrap()
}

fn refused(text: &str) {
    assert!(read(text).is_none(), "typed reader accepted:\n{text}");
}

const HEAD: &str =
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n";

#[test]
fn plain_scalars_that_may_not_be_strings_are_refused_where_strings_belong() {
    for v in [
        "yes",
        "Yes",
        "YES",
        "no",
        "y",
        "N",
        "on",
        "Off",
        "true",
        "False",
        "null",
        "NuLL",
        "~",
        "0x1F",
        "0o17",
        "1e3",
        "1_000",
        "123",
        "-1",
        "+1",
        ".5",
        "1:30",
        "2024-01-01",
        "inf",
        "NaN",
        "infinity",
        "-",
        "-x",
        ".x",
    ] {
        refused(&format!("{HEAD}rules: [{{verbs: [{v}]}}]\n"));
        // Quoted, each is the string it spells, read the same both ways.
        for q in [format!("'{v}'"), format!("\"{v}\"")] {
            let items = same(&format!("{HEAD}rules: [{{verbs: [{q}]}}]\n"));
            let [Item::ClusterRole(r)] = &items[..] else {
                panic!("{items:?}")
            };
            assert_eq!(r.rules[0].verbs, [v]);
        }
    }
    for v in [
        "get",
        "system:masters",
        "a-b",
        "é",
        "日本",
        "x.y",
        "_x",
        "/api",
    ] {
        same(&format!("{HEAD}rules: [{{verbs: [{v}]}}]\n"));
    }
}

#[test]
fn values_value_cannot_hold_are_refused_in_skipped_fields() {
    for v in [".inf", "-.Inf", ".NaN", "1e999", "-1e400"] {
        let text = format!("{HEAD}extra: {v}\n");
        refused(&text);
        // Not needed only to be safe: the generic reader refuses these.
        assert!(generic_read(&text, "t.yaml").is_err(), "{text}");
    }
    // What `Value` holds is skipped: numbers of any size it can type, booleans, nulls.
    for v in [
        "1",
        "-1",
        "1.5",
        "1e3",
        "0x1F",
        "12345678901234567890123",
        "yes",
        "~",
        "2024-01-01",
    ] {
        same(&format!("{HEAD}extra: {v}\nmore: [{v}, {{a: {v}}}]\n"));
    }
}

#[test]
fn yaml_features_outside_plain_data_are_refused() {
    for text in [
        format!("{HEAD}rules: [&a {{verbs: [get]}}, *a]\n"),
        format!("{HEAD}rules: [!!map {{verbs: [get]}}]\n"),
        format!("{HEAD}x: !custom 1\n"),
        format!("{HEAD}x: !!str 1\n"),
        format!("{HEAD}x: {{<<: {{a: b}}}}\n"),
        format!("{HEAD}x: {{'<<': {{a: b}}}}\n"),
        format!("%YAML 1.2\n---\n{HEAD}"),
        format!("%TAG !k! tag:k8s.io,2024:\n---\n{HEAD}"),
        format!("{HEAD}x: {{? [a] : b}}\n"),
        format!("{HEAD}x: {{? {{a: b}} : c}}\n"),
        format!("{HEAD}x: {{~: b}}\n"),
        format!("{HEAD}x: {{1: b}}\n"),
        format!("{HEAD}x: {{true: b}}\n"),
        // A key twice, at any depth, also where nothing is read.
        format!("{HEAD}x: {{a: 1, a: 2}}\n"),
        format!("{HEAD}x: [{{b: 1, 'b': 2}}]\n"),
        format!("{HEAD}metadata: {{name: s}}\n"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, labels: {a: b, a: c}}\n".into(),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  k: v\n  k: w\n".into(),
    ] {
        refused(&text);
    }
}

#[test]
fn layout_quoting_and_document_markers_read_the_same() {
    let items = same(concat!(
        "\u{feff}# a comment\n",
        "---\n",
        "...\n",
        "--- # empty\n",
        "---\n",
        "apiVersion: \"rbac.authorization.k8s.io/v1\" # trailing\n",
        "kind: 'Role'\n",
        "metadata:\n",
        "  # above\n",
        "  name: >-\n",
        "    folded\n",
        "    name\n",
        "  namespace: \"ns\\u00e9\"\n",
        "  annotations:\n",
        "    note: |\n",
        "      line one\n",
        "\n",
        "      line two\n",
        "rules:\n",
        "- verbs: [get, 'list', \"watch\"]\n",
        "  apiGroups:\n",
        "  - ''\n",
        "  resources:\n",
        "    - pods\n",
        "    - \"pods/log\"\n",
        "  resourceNames: [\"it's\", 'it''s', plain value with spaces]\n",
        "...\n",
        "---\n",
        "{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: b},\n",
        "  roleRef: {kind: Role, name: r}, subjects: [{kind: User, name: \"a: b\"}]}\n",
        "--- ~\n",
        "--- null\n",
        "---\n",
    ));
    assert_eq!(items.len(), 2);
    let Item::Role(r) = &items[0] else {
        panic!("{items:?}")
    };
    assert_eq!(r.metadata.name, "folded name");
    assert_eq!(r.metadata.namespace, "nsé");
    assert_eq!(
        r.rules[0].resource_names,
        ["it's", "it's", "plain value with spaces"]
    );
    same("");
    same("# only a comment\n");
    same("---\n");
}

#[test]
fn what_the_parser_refuses_is_refused() {
    for text in ["a: [", "a: b\n c: d\n", "- a\nb: c\n", "a: 'x\n"] {
        refused(text);
        assert!(generic_read(text, "t.yaml").is_err(), "{text}");
    }
}

/// What kubectl reads, both readers read, beyond serde-saphyr's default `Budget`: a run of
/// more than 32 comment lines where the parser looks ahead, more than 1,024 documents, more
/// than 250,000 nodes (`crate::yaml::read_options`).
#[test]
fn long_comment_runs_many_documents_and_many_nodes_are_read() {
    let comments = "# c\n".repeat(40);
    same(&format!("{comments}{HEAD}"));
    same(&format!("{HEAD}rules:\n{comments}- verbs: [get]\n"));
    same(&format!("{HEAD}rules:\n- verbs:\n{comments}  - get\n"));
    let docs: Vec<String> = (0..1_100)
        .map(|i| {
            format!(
                "{}rules: []\n",
                HEAD.replace("name: r", &format!("name: r{i}"))
            )
        })
        .collect();
    assert_eq!(same(&docs.join("---\n")).len(), 1_100);
    let verbs = vec!["get"; 260_000].join(", ");
    let big = format!("{HEAD}rules:\n- verbs: [{verbs}]\n  resources: [pods]\n");
    let [Item::ClusterRole(r)] = &same(&big)[..] else {
        panic!("one ClusterRole")
    };
    assert_eq!(r.rules[0].verbs.len(), 260_000);
}

/// Every YAML file of the repository (bootstrap policy, test data, plans, the `manifest` fuzz
/// corpus) is refused or read the same both ways.
#[test]
fn every_yaml_file_of_the_repository_reads_the_same() {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for d in [
        "tests",
        "src/authz/testdata",
        "templates",
        "fuzz/corpus/manifest",
    ] {
        walk(&root.join(d), &mut files);
    }
    assert!(files.len() >= 8, "{files:?}");
    let mut accepted = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        accepted += usize::from(agrees(&text));
    }
    // The six bootstrap policy files and two of the fuzz seeds at least are plain data.
    assert!(accepted >= 8, "{accepted} of {}", files.len());
}

mod generated;
