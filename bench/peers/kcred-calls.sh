#!/usr/bin/env bash
# kcred one call per credential (bench/run workloads 1 and 2): `kcred ca create`, then
# `kcred cert issue --admin` and `--node nX` (workload 1), or with SERVER one
# `kcred kubeconfig` per identity (workload 2, where that command exists).
#   kcred-calls.sh rsa|ec N OUT [SERVER]      ($KCRED is the binary; default: kcred)
set -euo pipefail
alg=$1 n=$2 out=$3 server=${4:-}
kcred=${KCRED:-kcred}
case $alg in
  rsa) kt=rsa2048 ;;
  ec) kt=ecdsa-p256 ;;
  *) echo "alg must be rsa or ec" >&2; exit 2 ;;
esac
mkdir -p "$out"
"$kcred" ca create --out "$out/ca" --key-type "$kt" >/dev/null
if [ -z "$server" ]; then
  "$kcred" cert issue --ca "$out/ca" --out "$out/admin" --admin --key-type "$kt" >/dev/null
  for i in $(seq 1 "$n"); do
    "$kcred" cert issue --ca "$out/ca" --out "$out/n$i" --node "n$i" --key-type "$kt" >/dev/null
  done
else
  # The contract of `kcred kubeconfig` (issue 4): --server URL --out FILE --ca PREFIX
  # and an identity (--admin, --node NAME).
  "$kcred" kubeconfig --server "$server" --out "$out/admin.conf" --ca "$out/ca" --admin \
    --key-type "$kt" >/dev/null
  for i in $(seq 1 "$n"); do
    "$kcred" kubeconfig --server "$server" --out "$out/n$i.conf" --ca "$out/ca" --node "n$i" \
      --key-type "$kt" >/dev/null
  done
fi
