//! Build-time form of the embedded bootstrap RBAC policy (`templates/rbac/*.yaml`).
//!
//! kube-apiserver keeps its bootstrap policy in memory as Go values
//! (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`); kcred used to parse the
//! YAML golden files on every `can-i`, which cost more than the user's own manifests for
//! small inputs. Here the YAML is parsed once, with the same parser kcred uses at run time
//! (serde-saphyr into `serde_json::Value`), and written as JSON to `OUT_DIR`; run time reads
//! it with serde_json, several times faster. `authz::bootstrap`'s unit test checks that the
//! JSON is the same data as a run-time parse of the YAML.

use std::path::PathBuf;

const FILES: [&str; 6] = [
    "cluster-roles",
    "cluster-role-bindings",
    "controller-roles",
    "controller-role-bindings",
    "namespace-roles",
    "namespace-role-bindings",
];

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in FILES {
        let path = format!("templates/rbac/{name}.yaml");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let docs: Vec<serde_json::Value> =
            serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let json = serde_json::to_string(&docs).expect("a Value serializes");
        std::fs::write(out.join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("writing {name}.json: {e}"));
    }
    println!("cargo:rerun-if-changed=build.rs");
}
