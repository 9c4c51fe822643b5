use super::*;

fn sample() -> Kubeconfig {
    let mut kc = Kubeconfig::new();
    kc.set_cluster(
        "kubernetes",
        Cluster::new("https://127.0.0.1:6443").with_ca_data(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
        ),
    );
    kc.set_user(
        "admin",
        User::client_cert_data(b"CERT".to_vec(), b"KEY".to_vec()),
    );
    kc.set_context("admin@kubernetes", Context::new("kubernetes", "admin"));
    kc.current_context = "admin@kubernetes".into();
    kc
}

#[test]
fn writes_kubectls_layout() {
    let y = sample().to_yaml().unwrap();
    let want = "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkFBQUEKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
    server: https://127.0.0.1:6443
  name: kubernetes
contexts:
- context:
    cluster: kubernetes
    user: admin
  name: admin@kubernetes
current-context: admin@kubernetes
kind: Config
preferences: {}
users:
- name: admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
";
    assert_eq!(y, want);
}

#[test]
fn empty_config_looks_like_kubectls() {
    let y = Kubeconfig::new().to_yaml().unwrap();
    assert_eq!(
        y,
        "apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n"
    );
}

#[test]
fn yaml11_lookalikes_are_quoted_and_read_back() {
    let tricky = [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "NO",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "1.0",
        "0123",
        "1e3",
        "0x1F",
        "12:30",
        "2024-01-01",
        ".inf",
        "-",
        "",
        "a: b",
        "#x",
        "@x",
        "0",
    ];
    for name in tricky {
        let mut kc = Kubeconfig::new();
        kc.set_cluster(name, Cluster::new("https://h"));
        kc.set_user(name, User::token("t"));
        kc.set_context(name, Context::new(name, name).with_namespace(name));
        kc.current_context = name.into();
        let y = kc.to_yaml().unwrap();
        let back = Kubeconfig::from_yaml("t", &y).unwrap();
        assert_eq!(back.clusters[0].name, name, "{y}");
        assert_eq!(back.contexts[0].context.namespace, name, "{y}");
        assert_eq!(back.current_context, name, "{y}");
        if !name.is_empty() && !["-", "a: b", "#x", "@x"].contains(&name) {
            // Every one of these would be a non-string to a YAML 1.1 reader.
            assert!(
                !y.contains(&format!("name: {name}\n")),
                "{name:?} unquoted:\n{y}"
            );
        }
    }
}

/// A kubeconfig with what kcred does not model: unknown fields at every level, extensions,
/// an exec plugin, an auth-provider, preferences.
const RICH: &str = r#"
apiVersion: v1
kind: Config
x-top: {keep: me}
preferences:
  colors: true
  extensions:
  - name: p
    extension: {z: 1, a: [3, 2]}
clusters:
- name: prod
  x-entry: 7
  cluster:
    server: https://prod:6443
    proxy-url: socks5://p:1080
    extensions:
    - name: b-ext
      extension: {data: 1}
    - name: a-ext
      extension: {data: 2}
users:
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: kubelogin
      args: [get-token, --x]
      env: [{name: B, value: "2"}, {name: A, value: "1"}]
      interactiveMode: IfAvailable
- name: old
  user:
    auth-provider: {name: oidc, config: {idp-issuer-url: "https://i"}}
contexts:
- name: prod
  context: {cluster: prod, user: sso, namespace: web, x-ctx: true}
current-context: prod
"#;

/// [`RICH`] read, and the value it writes, checked to read back to the same value.
fn rich_round_trip() -> (Kubeconfig, serde_json::Value) {
    let kc = Kubeconfig::from_yaml("t", RICH).unwrap();
    let again = Kubeconfig::from_yaml("t", &kc.to_yaml().unwrap()).unwrap();
    let v = kc.to_value().unwrap();
    assert_eq!(again.to_value().unwrap(), v);
    (kc, v)
}

fn assert_at(v: &serde_json::Value, cases: &[(&str, serde_json::Value)]) {
    for (ptr, want) in cases {
        assert_eq!(v.pointer(ptr), Some(want), "{ptr}");
    }
}

#[test]
fn unknown_fields_survive_at_every_level() {
    let (_, v) = rich_round_trip();
    assert_at(
        &v,
        &[
            ("/x-top/keep", serde_json::json!("me")),
            ("/clusters/0/x-entry", serde_json::json!(7)),
            (
                "/clusters/0/cluster/proxy-url",
                serde_json::json!("socks5://p:1080"),
            ),
            ("/contexts/0/context/x-ctx", serde_json::json!(true)),
        ],
    );
}

#[test]
fn preferences_and_extensions_survive_extensions_sorted_by_name() {
    let (_, v) = rich_round_trip();
    assert_at(
        &v,
        &[
            ("/preferences/colors", serde_json::json!(true)),
            (
                "/preferences/extensions/0/extension/a",
                serde_json::json!([3, 2]),
            ),
        ],
    );
    assert_eq!(
        v["clusters"][0]["cluster"]["extensions"][0]["name"],
        "a-ext"
    );
}

#[test]
fn exec_and_auth_provider_survive_and_are_recognised() {
    let (kc, v) = rich_round_trip();
    // Users sorted by name, lists inside an exec config kept in order.
    assert_at(
        &v,
        &[
            (
                "/users/1/user/exec/interactiveMode",
                serde_json::json!("IfAvailable"),
            ),
            (
                "/users/0/user/auth-provider/config/idp-issuer-url",
                serde_json::json!("https://i"),
            ),
        ],
    );
    assert_eq!(v["users"][1]["user"]["exec"]["env"][0]["name"], "B");
    assert_eq!(v["users"][0]["name"], "old");
    assert!(matches!(
        kc.user("sso").unwrap().credential().unwrap(),
        UserCredential::Exec { command } if command == "kubelogin"
    ));
    assert!(matches!(
        kc.user("old").unwrap().credential().unwrap(),
        UserCredential::AuthProvider { name } if name == "oidc"
    ));
}

/// kubectl refuses these files ("json: cannot unmarshal number into Go struct field
/// NamedContext.contexts.name of type string", checked with kubectl 1.35): clientcmd turns
/// the YAML into JSON without the target types, so `1.5`, `yes` and `42` stay a number or
/// a bool.
#[test]
fn unquoted_scalars_in_string_fields_are_refused() {
    for (text, want) in [
        (
            "contexts:\n- name: 1.5\n  context: {cluster: c, user: u}\n",
            "number into Go struct field NamedContext.contexts.name of type string",
        ),
        (
            "contexts:\n- name: c\n  context: {cluster: yes, user: u}\n",
            "bool into Go struct field Context.contexts.context.cluster of type string",
        ),
        (
            "users:\n- name: u\n  user: {token: 123}\n",
            "number into Go struct field AuthInfo.users.user.token of type string",
        ),
        (
            "current-context: 42\n",
            "number into Go struct field Config.current-context of type string",
        ),
    ] {
        let e = Kubeconfig::from_yaml("t", text).unwrap_err().to_string();
        assert_eq!(e, format!("t: json: cannot unmarshal {want}"), "{text}");
    }
    let kc = Kubeconfig::from_yaml(
        "t",
        "contexts:\n- name: \"1.5\"\n  context: {namespace: ~}\n",
    )
    .unwrap();
    assert_eq!(kc.contexts[0].name, "1.5");
    assert_eq!(kc.contexts[0].context.namespace, "");
}

/// `[]byte` fields decode as Go's `base64.StdEncoding`: line breaks skipped, nothing else.
#[test]
fn embedded_data_is_base64_as_go_reads_it() {
    let read = |v: &str| {
        Kubeconfig::from_yaml(
            "t",
            &format!("users:\n- name: u\n  user: {{client-key-data: {v}}}\n"),
        )
        .map(|kc| kc.users[0].user.client_key_data.clone())
    };
    assert_eq!(read("\"YWJj\"").unwrap(), Some(b"abc".to_vec()));
    assert_eq!(read("\"YW\\nJj\\r\\n\"").unwrap(), Some(b"abc".to_vec()));
    assert_eq!(read("\"YWI=\"").unwrap(), Some(b"ab".to_vec()));
    for bad in ["\"YWI\"", "\"YW Jj\"", "\"YWJj=\"", "\"YW\\tJj\""] {
        assert!(read(bad).is_err(), "{bad}");
    }
}

#[test]
fn bad_input_names_the_source_in_one_line() {
    for (text, want) in [
        ("clusters: [1, 2", "not valid YAML"),
        ("- a\n- b\n", "not a YAML mapping"),
        (
            "users: {a: 1}",
            "cannot unmarshal object into Go struct field Config.users of type []v1.NamedAuthInfo",
        ),
        (
            "users:\n- name: u\n  user: {client-key-data: '!!!'}\n",
            "not valid base64",
        ),
        (
            "users: s3cr3t-t0ken",
            "cannot unmarshal string into Go struct",
        ),
        // What client-go's `clientcmd.Load` refuses (checked against kubectl in tests/it).
        ("apiVersion: v1\nkind: Pod\n", "kind is \"Pod\""),
        ("apiVersion: v2\n", "apiVersion is \"v2\""),
        ("kind: 7\n", "not a string"),
        (
            "users:\n- name: u\n- name: u\n",
            "user name \"u\" appears twice",
        ),
    ] {
        let e = Kubeconfig::from_yaml("f.yaml", text)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f.yaml: ") && e.contains(want), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(!e.contains("s3cr3t"), "{e}");
    }
}

#[test]
fn merge_first_file_wins_and_paths_resolve_per_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("a")).unwrap();
    std::fs::create_dir(d.path().join("b")).unwrap();
    std::fs::write(d.path().join("a/tok"), "from-a\n").unwrap();
    std::fs::write(d.path().join("b/tok"), "from-b\n").unwrap();
    let a = d.path().join("a/config");
    let b = d.path().join("b/config");
    std::fs::write(
        &a,
        "users:\n- name: u\n  user: {tokenFile: tok}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\npreferences: {p: a}\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "users:\n- name: u\n  user: {token: nope}\n- name: v\n  user: {tokenFile: tok}\nclusters:\n- name: k\n  cluster: {server: https://b, certificate-authority: tok}\ncontexts:\n- name: c\n  context: {cluster: other, user: v}\ncurrent-context: c\npreferences: {p: b, q: b}\n",
    )
    .unwrap();
    let missing = d.path().join("nope");
    let kc = Kubeconfig::load_merged(&[missing, a.clone(), b.clone(), a.clone()]).unwrap();
    assert_eq!(kc.current_context, "c");
    assert_eq!(kc.users.len(), 2);
    let sel = kc.select(None).unwrap();
    assert_eq!(sel.cluster.server, "https://b");
    assert_eq!(sel.cluster.ca_pem.as_deref(), Some(&b"from-b\n"[..]));
    assert!(matches!(sel.credential, UserCredential::Token(ref t) if t == "from-a"));
    assert!(
        matches!(kc.user("v").unwrap().credential().unwrap(), UserCredential::Token(t) if t == "from-b")
    );
    assert_eq!(kc.preferences["p"], "a");
    assert_eq!(kc.preferences["q"], "b");
    assert!(matches!(kc.select(Some("zz")), Err(Error::Usage(_))));
}

#[test]
fn set_replaces_by_name_in_place() {
    let mut kc = sample();
    kc.set_cluster("zz", Cluster::new("https://z"));
    kc.set_cluster("kubernetes", Cluster::new("https://new"));
    assert_eq!(kc.clusters.len(), 2);
    assert_eq!(kc.clusters[0].cluster.server, "https://new");
    assert!(kc.clusters[0].cluster.certificate_authority_data.is_none());
}

#[test]
fn relative_paths() {
    assert_eq!(
        relative_to(Path::new("/a/b/c.crt"), Path::new("/a/d")),
        PathBuf::from("../b/c.crt")
    );
    assert_eq!(
        relative_to(Path::new("/a/./d/x"), Path::new("/a/d/")),
        PathBuf::from("x")
    );
    assert_eq!(
        resolve_path(Some(Path::new("/k/config")), "pki/ca.crt"),
        PathBuf::from("/k/pki/ca.crt")
    );
    assert_eq!(
        resolve_path(Some(Path::new("/k/config")), "/abs"),
        PathBuf::from("/abs")
    );
}

#[test]
fn go_yaml_key_order_matches_sorter_go() {
    let mut keys = vec![
        "b",
        "a10",
        "a2",
        "a-b",
        "ab",
        "A",
        "token",
        "tokenFile",
        "a02",
        "a1",
    ];
    keys.sort_by(|a, b| go_yaml_key_order(a, b));
    assert_eq!(
        keys,
        [
            "A",
            "a-b",
            "a1",
            "a2",
            "a02",
            "a10",
            "ab",
            "b",
            "token",
            "tokenFile"
        ]
    );
}

#[test]
fn client_certificate_files_resolve_against_their_kubeconfig() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("pki")).unwrap();
    std::fs::write(d.path().join("pki/u.crt"), "CERT").unwrap();
    std::fs::write(d.path().join("pki/u.key"), "KEY").unwrap();
    let path = d.path().join("config");
    std::fs::write(
        &path,
        "users:\n- name: u\n  user: {client-certificate: pki/u.crt, client-key: pki/u.key}\n- name: half\n  user: {client-certificate-data: Q0VSVA==}\n- name: none\n  user: {}\n",
    )
    .unwrap();
    let kc = Kubeconfig::load(&path).unwrap();
    match kc.user("u").unwrap().credential().unwrap() {
        UserCredential::ClientCert { cert_pem, key_pem } => {
            assert_eq!(cert_pem, b"CERT");
            assert_eq!(key_pem.as_slice(), b"KEY");
        }
        other => panic!("{other:?}"),
    }
    let e = kc
        .user("half")
        .unwrap()
        .credential()
        .unwrap_err()
        .to_string();
    assert!(e.contains("no client-key"), "{e}");
    assert!(matches!(
        kc.user("none").unwrap().credential().unwrap(),
        UserCredential::None
    ));
    // Debug output never shows key material or tokens.
    let dbg = format!("{:?}", UserCredential::Token("s3cr3t".into()));
    assert!(!dbg.contains("s3cr3t"), "{dbg}");
}

#[test]
fn kind_and_version_may_be_left_out_as_client_go_defaults_them() {
    for text in [
        "",
        "kind: Config\n",
        "apiVersion: v1\n",
        "apiVersion: ''\nkind: ''\n",
    ] {
        Kubeconfig::from_yaml("f", text).unwrap();
    }
}

/// `kc.rewired_by` for writing `user`'s cluster `kubernetes` and user `admin` as
/// `cluster`/`user` in the context `writing`.
fn rewire(kc: &Kubeconfig, cluster: &Cluster, user: &User, writing: &str) -> Vec<Rewired> {
    kc.rewired_by("kubernetes", cluster, "admin", user, writing)
        .unwrap()
}

/// [`sample`] with a second context `other` using the same cluster and user.
fn shared_sample() -> Kubeconfig {
    let mut kc = sample();
    kc.set_context("other", Context::new("kubernetes", "admin"));
    kc
}

/// Another server, and a token instead of the client certificate.
fn elsewhere() -> (Cluster, User) {
    (Cluster::new("https://elsewhere:6443"), User::token("t"))
}

#[test]
fn rewired_is_empty_for_identical_content() {
    let kc = shared_sample();
    let same_cluster = kc.cluster("kubernetes").unwrap().cluster.clone();
    let same_user = kc.user("admin").unwrap().user.clone();
    let r = rewire(&kc, &same_cluster, &same_user, "admin@kubernetes");
    assert!(r.is_empty(), "{r:?}");
}

/// Another server and token: both entries, naming the other context only, and the changed
/// fields without their values.
#[test]
fn rewired_lists_changed_entries_and_fields_for_the_other_contexts() {
    let (cluster, user) = elsewhere();
    let r = rewire(&shared_sample(), &cluster, &user, "admin@kubernetes");
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0].kind, "cluster");
    assert_eq!(r[0].contexts, ["other"]);
    assert_eq!(
        r[0].fields,
        ["cluster.certificate-authority-data", "cluster.server"]
    );
    assert_eq!(
        r[1].fields,
        [
            "user.client-certificate-data",
            "user.client-key-data",
            "user.token"
        ]
    );
    assert!(!r[1].to_string().contains("KEY"), "no values: {}", r[1]);
}

/// Writing `other`: admin@kubernetes still uses the entries.
#[test]
fn rewired_counts_every_context_but_the_one_written() {
    let (cluster, user) = elsewhere();
    let r = rewire(&shared_sample(), &cluster, &user, "other");
    assert_eq!(r.len(), 2, "admin@kubernetes still uses them: {r:?}");
}

/// When only the context being written uses them, replacing is its own business.
#[test]
fn rewired_is_empty_when_only_the_written_context_uses_the_entries() {
    let (cluster, user) = elsewhere();
    let r = rewire(&sample(), &cluster, &user, "admin@kubernetes");
    assert!(r.is_empty(), "{r:?}");
}

/// An unknown field next to the name would be dropped: that is a change too.
#[test]
fn rewired_counts_a_dropped_unknown_field_as_a_change() {
    let mut alone = sample();
    let same_cluster = alone.cluster("kubernetes").unwrap().cluster.clone();
    let same_user = alone.user("admin").unwrap().user.clone();
    alone.clusters[0]
        .rest
        .insert("x-note".into(), Value::from("keep"));
    alone.set_context("b", Context::new("kubernetes", "nobody"));
    let r = rewire(&alone, &same_cluster, &same_user, "admin@kubernetes");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].fields, ["x-note"]);
}
