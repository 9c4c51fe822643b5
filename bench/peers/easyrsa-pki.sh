#!/usr/bin/env bash
# The easy-rsa peer for bench/run (workload 1): `init-pki`, `build-ca nopass`, then one
# `build-client-full NAME nopass` per identity, in batch mode and org DN mode so that O can
# be set (easy-rsa names the CN after the entity, so the entity is the Kubernetes username).
# Org mode also writes easy-rsa's default C/ST/L/OU/email attributes into every subject.
#   easyrsa-pki.sh rsa|ec N OUT
set -euo pipefail
alg=$1 n=$2 out=$3
easyrsa=${EASYRSA_BIN:-$(command -v easyrsa || echo /usr/share/easy-rsa/easyrsa)}
export EASYRSA_BATCH=1 EASYRSA_PKI="$out/pki" EASYRSA_DN=org EASYRSA_KEY_SIZE=2048
case $alg in
  rsa) export EASYRSA_ALGO=rsa ;;
  ec) export EASYRSA_ALGO=ec EASYRSA_CURVE=prime256v1 ;;
  *) echo "alg must be rsa or ec" >&2; exit 2 ;;
esac
mkdir -p "$out"
"$easyrsa" init-pki >/dev/null 2>&1
EASYRSA_REQ_CN=kubernetes EASYRSA_REQ_ORG=kubernetes "$easyrsa" build-ca nopass >/dev/null 2>&1
EASYRSA_REQ_ORG=system:masters "$easyrsa" build-client-full admin nopass >/dev/null 2>&1
for i in $(seq 1 "$n"); do
  EASYRSA_REQ_ORG=system:nodes "$easyrsa" build-client-full "system:node:n$i" nopass >/dev/null 2>&1
done
