#!/usr/bin/env bash
# The openssl CLI peer for bench/run (workloads 1 and 2): a CA, an admin client certificate
# and N node client certificates, as a Makefile or a lab guide scripts it with openssl: one
# `req -new -newkey` and one `x509 -req` per identity. With SERVER, also a kubeconfig per
# identity through four `kubectl config` calls.
#   openssl-pki.sh rsa|ec N OUT [SERVER]
set -euo pipefail
alg=$1 n=$2 out=$3 server=${4:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/kubectl-config.sh"
mkdir -p "$out" && cd "$out"
umask 077
case $alg in
  rsa) newkey=(-newkey rsa:2048) ;;
  ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
  *) echo "alg must be rsa or ec" >&2; exit 2 ;;
esac
cat > client.ext <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
authorityKeyIdentifier=keyid
EXT
openssl req -x509 "${newkey[@]}" -noenc -keyout ca.key -out ca.crt -days 3650 \
  -subj "/CN=kubernetes" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,digitalSignature,keyCertSign,cRLSign" 2>/dev/null
issue() { # FILE SUBJ CN
  openssl req -new "${newkey[@]}" -noenc -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
    -sha256 -extfile client.ext -out "$1.crt" 2>/dev/null
  if [ -n "$server" ]; then
    kubeconfig_with_kubectl "$1.conf" "$server" ca.crt "$3" "$1.crt" "$1.key"
  fi
}
issue admin "/O=system:masters/CN=admin" admin
for i in $(seq 1 "$n"); do
  issue "n$i" "/O=system:nodes/CN=system:node:n$i" "system:node:n$i"
done
