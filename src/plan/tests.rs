//! The embedded plans, the row checks and expansion, against kubeadm's certificate list.

use super::*;

fn params(nodes: &[&str]) -> Params {
    Params {
        nodes: nodes.iter().map(|s| s.to_string()).collect(),
        control_plane: nodes[0].to_string(),
        endpoint_host: nodes[0].to_string(),
        endpoint_port: 6443,
        advertise_address: None,
        extra_sans: vec![],
        service_ip: first_service_ip("10.96.0.0/12").unwrap(),
        dns_domain: "cluster.local".into(),
        cluster: "kubernetes".into(),
    }
}

#[test]
fn embedded_plans_parse_and_list_cas_before_leaves() {
    for (layout, _) in EMBEDDED {
        let plan = Plan::embedded(layout).unwrap();
        assert_eq!(plan.layout, layout);
    }
}

#[test]
fn kubeadm_plan_matches_certlist() {
    let creds = Plan::embedded("kubeadm")
        .unwrap()
        .expand(&params(&["cp-1", "w-1"]))
        .unwrap();
    let names: Vec<_> = creds.iter().map(|c| c.name.as_str()).collect();
    for want in [
        "ca",
        "apiserver",
        "apiserver-kubelet-client",
        "front-proxy-ca",
        "front-proxy-client",
        "etcd-ca",
        "etcd-server",
        "etcd-peer",
        "etcd-healthcheck-client",
        "apiserver-etcd-client",
        "sa",
        "admin.conf",
        "super-admin.conf",
        "controller-manager.conf",
        "scheduler.conf",
        "kubelet.conf/cp-1",
        "kubelet.conf/w-1",
    ] {
        assert!(names.contains(&want), "missing {want}");
    }
    let apiserver = creds.iter().find(|c| c.name == "apiserver").unwrap();
    let sans: Vec<String> = apiserver
        .spec()
        .unwrap()
        .sans
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        sans,
        [
            "cp-1",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
            "10.96.0.1"
        ]
    );
    let etcd = creds.iter().find(|c| c.name == "etcd-server").unwrap();
    assert_eq!(etcd.spec().unwrap().subject.common_name, "cp-1");
    let kubelet = creds.iter().find(|c| c.name == "kubelet.conf/w-1").unwrap();
    assert_eq!(kubelet.kubeconfig(), Some("nodes/w-1/kubelet.conf"));
    let Makes::Cert(leaf) = &kubelet.makes else {
        panic!("kubelet.conf is not a leaf")
    };
    assert_eq!(leaf.spec.subject.organizations, ["system:nodes"]);
    assert_eq!(leaf.server, "https://cp-1:6443");
}

#[test]
fn bad_plans_are_refused_with_the_reason() {
    let cases = [
        (
            "layout: x\ncredentials:\n  - {name: a, ca: ca, file: a, cn: a}\n",
            "not a CA listed before",
        ),
        (
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c}\n  - {name: ca, kind: ca, file: b, cn: c}\n",
            "twice",
        ),
        (
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ../ca, cn: c}\n",
            "inside the output directory",
        ),
        (
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c, bogus: 1}\n",
            "invalid plan",
        ),
        // Rows whose fields do not fit their kind.
        (
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c}\n  - {name: b, kind: ca, ca: ca, file: b, cn: b}\n",
            "CA \"b\" needs a file and takes no ca or kubeconfig",
        ),
        (
            "layout: x\ncredentials:\n  - {name: k, kind: keypair, kubeconfig: k.conf}\n",
            "keypair \"k\" needs a file and nothing else",
        ),
        (
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c}\n  - {name: a, ca: ca, cn: a}\n",
            "entry \"a\" writes neither a file nor a kubeconfig",
        ),
        (
            "layout: x\ncredentials:\n  - {name: a, file: a, cn: a}\n",
            "entry \"a\" names no signing ca",
        ),
        (
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca}\n",
            "CA \"ca\" needs a cn",
        ),
        // Nothing to make, and a group that would be dropped or written empty.
        ("layout: x\ncredentials: []\n", "credentials is empty"),
        (
            "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c}\n  - {name: u, ca: ca, file: u, cn: u, groups: [a, \"\", b]}\n",
            "entry \"u\" has an empty group",
        ),
    ];
    for (text, want) in cases {
        let err = Plan::parse("p.yaml", text).unwrap_err().to_string();
        assert!(err.contains("p.yaml") && err.contains(want), "{err}");
    }
}

#[test]
fn rows_are_typed_by_kind_and_ignored_fields_still_accepted() {
    // `kind` defaults to cert; a CA's usage/server and a key pair's subject were always
    // accepted (and ignored), so plans written that way still load.
    let plan = Plan::parse(
        "p.yaml",
        "layout: x\ncredentials:\n  - {name: ca, kind: ca, file: ca, cn: c, usage: server, server: s}\n  - {name: k, kind: keypair, file: k, cn: x, usage: peer, sans: [a]}\n  - {name: a, ca: ca, kubeconfig: a.conf, cn: a, for_each: node}\n",
    )
    .unwrap();
    let kinds: Vec<_> = plan.credentials.iter().map(Entry::kind).collect();
    assert_eq!(kinds, [Kind::Ca, Kind::Keypair, Kind::Cert]);
    let Entry::Cert(leaf) = &plan.credentials[2] else {
        panic!("not a cert")
    };
    assert!(leaf.per_node);
    assert_eq!(leaf.ca, "ca");
    assert_eq!(leaf.output.file(), None);
    assert_eq!(leaf.output.kubeconfig(), Some("a.conf"));
    let creds = plan.expand(&params(&["n1", "n2"])).unwrap();
    assert_eq!(creds.len(), 4);
    assert_eq!(creds[0].spec().unwrap().usage, None);
    assert_eq!(creds[1].spec(), None);
    assert_eq!(creds[3].kubeconfig(), Some("a.conf"));
}

#[test]
fn service_ip_is_network_plus_one() {
    assert_eq!(
        first_service_ip("10.96.0.0/12").unwrap().to_string(),
        "10.96.0.1"
    );
    assert_eq!(
        first_service_ip("10.100.5.7/16").unwrap().to_string(),
        "10.100.0.1"
    );
    assert_eq!(
        first_service_ip("fd00::/108,10.0.0.0/16")
            .unwrap()
            .to_string(),
        "fd00::1"
    );
    assert!(first_service_ip("10.0.0.0").is_err());
}
