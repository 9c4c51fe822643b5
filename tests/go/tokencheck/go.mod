module kcred.test/tokencheck

// The `go` line sets the GODEBUG defaults: those of a Go >= 1.24 build, as kube-apiserver 1.35 is
// (rsa1024min=1).
go 1.24

require gopkg.in/square/go-jose.v2 v2.6.0

require golang.org/x/crypto v0.4.0 // indirect

// Debian's golang-gopkg-square-go-jose.v2-dev (scripts/install-peers): its source has no go.mod,
// so install-peers makes .peers/gomod/go-jose.v2, a go.mod plus symlinks to every file of
// /usr/share/gocode/src/gopkg.in/square/go-jose.v2. The code compiled is Debian's.
replace gopkg.in/square/go-jose.v2 => ../../../.peers/gomod/go-jose.v2

// go-jose imports golang.org/x/crypto (ed25519, pbkdf2): Debian's golang-golang-x-crypto-dev,
// installed with go-jose as its dependency.
replace golang.org/x/crypto => /usr/share/gocode/src/golang.org/x/crypto
