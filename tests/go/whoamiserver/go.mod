module kcred.test/whoamiserver

go 1.22

// The x509 authenticator's UID parsing, shared with the other Go peers (tests/go/k8sx509).
require kcred.test/k8sx509 v0.0.0

replace kcred.test/k8sx509 => ../k8sx509
