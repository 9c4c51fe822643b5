module kcred.test/certusage

// The GODEBUG defaults kube-apiserver is built with (kubernetes go.mod: `go 1.25.0`,
// `godebug default=go1.25`).
go 1.25

godebug default=go1.25
