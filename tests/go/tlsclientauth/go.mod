module kcred.test/tlsclientauth

// The GODEBUG defaults decide the answer (rsa1024min): use the ones kube-apiserver 1.35 is
// built with (kubernetes go.mod: `go 1.25.0`, `godebug default=go1.25`).
go 1.25

godebug default=go1.25
