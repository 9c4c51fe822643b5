module kcred.test/tlspair

// The GODEBUG defaults of kube-apiserver 1.35 (kubernetes go.mod: `go 1.25.0`,
// `godebug default=go1.25`), as tests/go/tlsclientauth.
go 1.25

godebug default=go1.25
