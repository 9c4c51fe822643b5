module kcred.test/reviewdecode

go 1.24

require sigs.k8s.io/json v0.0.0

// Debian's golang-k8s-sigs-json-dev (scripts/install-peers): the code compiled is Debian's.
replace sigs.k8s.io/json => /usr/share/gocode/src/sigs.k8s.io/json
