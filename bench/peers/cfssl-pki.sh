#!/usr/bin/env bash
# The cfssl peer for bench/run (workloads 1 and 2), as Kelsey Hightower's original
# "Kubernetes The Hard Way" did it: `cfssl gencert -initca | cfssljson -bare`, then one
# `cfssl gencert -profile=kubernetes | cfssljson -bare` per identity. With SERVER, also a
# kubeconfig per identity through four `kubectl config` calls.
#   cfssl-pki.sh rsa|ec N OUT [SERVER]
set -euo pipefail
alg=$1 n=$2 out=$3 server=${4:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/kubectl-config.sh"
mkdir -p "$out" && cd "$out"
umask 077
case $alg in
  rsa) key='{"algo":"rsa","size":2048}' ;;
  ec) key='{"algo":"ecdsa","size":256}' ;;
  *) echo "alg must be rsa or ec" >&2; exit 2 ;;
esac
cat > ca-config.json <<'JSON'
{"signing": {"default": {"expiry": "8760h"},
 "profiles": {"kubernetes": {"usages": ["signing", "key encipherment", "client auth"],
                             "expiry": "8760h"}}}}
JSON
echo "{\"CN\":\"kubernetes\",\"key\":$key,\"ca\":{\"expiry\":\"87600h\"}}" > ca-csr.json
cfssl gencert -initca ca-csr.json 2>/dev/null | cfssljson -bare ca
issue() { # FILE CN O
  echo "{\"CN\":\"$2\",\"key\":$key,\"names\":[{\"O\":\"$3\"}]}" > "$1-csr.json"
  cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config=ca-config.json -profile=kubernetes \
    "$1-csr.json" 2>/dev/null | cfssljson -bare "$1"
  if [ -n "$server" ]; then
    kubeconfig_with_kubectl "$1.conf" "$server" ca.pem "$2" "$1.pem" "$1-key.pem"
  fi
}
issue admin admin system:masters
for i in $(seq 1 "$n"); do
  issue "n$i" "system:node:n$i" system:nodes
done
