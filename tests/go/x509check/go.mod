module kcred.test/x509check

// The GODEBUG defaults decide some answers (rsa1024min: RSA keys under 1024 bits;
// x509negativeserial): use the ones kube-apiserver is built with (kubernetes go.mod:
// `go 1.25.0`, `godebug default=go1.25`).
go 1.25

godebug default=go1.25
