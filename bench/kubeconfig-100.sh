#!/usr/bin/env bash
# Time N (default 100) client-certificate kubeconfigs minted by kcred in one call each
# (`kcred kubeconfig --ca PREFIX --cn …`) against the usual way: openssl (key, CSR, sign)
# plus four `kubectl config` calls (set-cluster, set-credentials, set-context, use-context),
# for ECDSA P-256 and RSA-2048 keys. Every kubeconfig of both ways is then read back with
# `kubectl config view` to check it names the same user.
#
# Usage: bench/kubeconfig-100.sh [N]      (KCRED=path/to/kcred to pick the binary;
#        the peers in .peers/bin, installed by scripts/install-peers, go first on PATH)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-100}
kcred=${KCRED:-}
if [ -z "$kcred" ]; then
  if [ -x "$root/target/release/kcred" ]; then kcred=$root/target/release/kcred
  else (cd "$root" && cargo build -q) && kcred=$root/target/debug/kcred; fi
fi
if [ -x "$root/.peers/bin/kubectl" ]; then peers=$root/.peers/bin
else peers=$("$root/scripts/install-peers" --print-path); fi
export PATH="$peers:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
server=https://10.0.0.1:6443

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

run_kcred() { # key-type dir
  mkdir -p "$2"
  for i in $(seq 1 "$n"); do
    "$kcred" kubeconfig --server "$server" --ca "ca-$1" --cn "user-$i" --group dev \
      --key-type "$1" --out "$2/$i.conf" 2>/dev/null
  done
}

run_openssl_kubectl() { # key-type dir
  mkdir -p "$2"
  for i in $(seq 1 "$n"); do
    case $1 in
      ecdsa-p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2/$i.key" 2>/dev/null ;;
      rsa2048) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2/$i.key" 2>/dev/null ;;
    esac
    openssl req -new -key "$2/$i.key" -subj "/O=dev/CN=user-$i" -out "$2/$i.csr"
    openssl x509 -req -in "$2/$i.csr" -CA "ca-$1.crt" -CAkey "ca-$1.key" -CAcreateserial \
      -days 365 -extfile ext.cnf -out "$2/$i.crt" 2>/dev/null
    k="$2/$i.conf"
    kubectl config set-cluster kubernetes --server "$server" \
      --certificate-authority "ca-$1.crt" --embed-certs --kubeconfig "$k" >/dev/null
    kubectl config set-credentials "user-$i" --client-certificate "$2/$i.crt" \
      --client-key "$2/$i.key" --embed-certs --kubeconfig "$k" >/dev/null
    kubectl config set-context "user-$i@kubernetes" --cluster kubernetes --user "user-$i" \
      --kubeconfig "$k" >/dev/null
    kubectl config use-context "user-$i@kubernetes" --kubeconfig "$k" >/dev/null
  done
}

check() { # dir
  for i in 1 "$n"; do
    got=$(kubectl config view --raw --kubeconfig "$1/$i.conf" -o jsonpath='{.contexts[0].context.user}')
    [ "$got" = "user-$i" ] || { echo "bad kubeconfig $1/$i.conf: user $got" >&2; exit 1; }
  done
}

printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > ext.cnf
echo "kcred: $kcred ($("$kcred" --version)); $(openssl version | cut -d' ' -f1-2); kubectl $(kubectl version --client | head -1 | awk '{print $3}')"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %-22s %10s %12s\n' "key" "method" "total s" "per config"
for kt in ecdsa-p256 rsa2048; do
  "$kcred" ca create --out "ca-$kt" --key-type "$kt" 2>/dev/null
  t0=$(now); run_kcred "$kt" "kcred-$kt"; t1=$(now)
  run_openssl_kubectl "$kt" "ossl-$kt"; t2=$(now)
  check "kcred-$kt"; check "ossl-$kt"
  a=$(elapsed "$t0" "$t1"); b=$(elapsed "$t1" "$t2")
  printf '%-12s %-22s %10.2f %9.1f ms\n' "$kt" "kcred kubeconfig" "$a" "$(echo "$a * 1000 / $n" | bc -l)"
  printf '%-12s %-22s %10.2f %9.1f ms\n' "$kt" "openssl + 4x kubectl" "$b" "$(echo "$b * 1000 / $n" | bc -l)"
done
