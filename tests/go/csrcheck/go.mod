module kcred.test/csrcheck

// The GODEBUG defaults kube-apiserver is built with (kubernetes go.mod: `go 1.25.0`,
// `godebug default=go1.25`).
go 1.25

godebug default=go1.25

// The x509 authenticator's UID parsing, shared with the other Go peers (tests/go/k8sx509).
require kcred.test/k8sx509 v0.0.0

replace kcred.test/k8sx509 => ../k8sx509
