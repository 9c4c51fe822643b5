#!/usr/bin/env bash
# Signing through a PKCS#11 token (SoftHSM2) against the same with a key file, on this machine.
#
#   bench/pkcs11.sh [N] [NODES]   N certificates per CA (default 200), a bootstrap of NODES
#                                 nodes (default 100); uses target/release/kcred if built,
#                                 else target/debug/kcred
#
# For each of RSA-2048 and P-256: a CA in a key file and a CA on a fresh SoftHSM2 token
# (scratch SOFTHSM2_CONF), N `cert issue --ca` runs against each, certificates per second;
# then a kubeadm bootstrap of NODES nodes with the three CAs in files, and with them on the
# token. Each kcred run is a new process, so the token numbers include loading the module and
# logging in once per certificate: what a script calling kcred pays. Needs softhsm2
# (scripts/install-peers installs it). Scratch files live in bench/.work/pkcs11 (git-ignored).
# No thresholds: the numbers are for people to read.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-200} nodes=${2:-100}
kcred=$root/target/release/kcred
[ -x "$kcred" ] || kcred=$root/target/debug/kcred
module=/usr/lib/softhsm/libsofthsm2.so
[ -f "$module" ] || { echo "bench/pkcs11.sh: $module missing (scripts/install-peers)" >&2; exit 1; }
work=$root/bench/.work/pkcs11
rm -rf "$work" && mkdir -p "$work/tokens" && cd "$work"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$work" > softhsm2.conf
export SOFTHSM2_CONF=$work/softhsm2.conf KCRED_PKCS11_MODULE=$module KCRED_PKCS11_PIN=1234
softhsm2-util --init-token --free --label bench --pin 1234 --so-pin 5678 >/dev/null

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%8.1f/s", n / (b - a) }'; }
issue_n() { # CA-PREFIX: N client certificates
  local t0 t1 i
  t0=$(now)
  for i in $(seq "$n"); do
    "$kcred" cert issue --ca "$1" --out "leaf" --cn "u$i" --key-type ecdsa-p256 --force 2>leaf.err \
      || { printf 'FAILED (%s)' "$(tail -1 leaf.err)"; return; }
  done
  t1=$(now)
  rate "$n" "$t0" "$t1"
}

echo "kcred $("$kcred" --version | awk '{print $2}') ($kcred), $n certificates per CA"
printf '%-12s %12s %12s\n' "CA key" "key file" "SoftHSM2"
for kt in rsa2048 ecdsa-p256; do
  "$kcred" ca create --out "file-$kt" --key-type "$kt" 2>/dev/null
  "$kcred" ca create --out "hsm-$kt" --key-type "$kt" --key "pkcs11:token=bench;object=ca-$kt" 2>/dev/null
  printf '%-12s %12s %12s\n' "$kt" "$(issue_n "file-$kt")" "$(issue_n "hsm-$kt")"
done

boot() { # DIR [--key pkcs11]: seconds for a kubeadm bootstrap of $nodes nodes
  local dir=$1 t0 t1 c args=()
  mkdir -p "$dir/pki/etcd"
  for c in ca front-proxy-ca etcd/ca; do
    if [ "${2:-}" = token ]; then
      "$kcred" ca create --out "$dir/pki/$c" --key-type ecdsa-p256 \
        --key "pkcs11:token=bench;object=boot-${c//\//-}" 2>/dev/null
    else
      "$kcred" ca create --out "$dir/pki/$c" --key-type ecdsa-p256 2>/dev/null
    fi
  done
  for i in $(seq "$nodes"); do args+=(--node "n$i"); done
  t0=$(now)
  # A failed run would time nothing: say so in the figure's place.
  "$kcred" bootstrap --dir "$dir" --key-type ecdsa-p256 "${args[@]}" >/dev/null 2>"$dir.err" \
    || { printf 'FAILED (%s)' "$(tail -1 "$dir.err")"; return; }
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2fs", b - a }'
}
echo "bootstrap, kubeadm layout, $nodes nodes, P-256: CAs in files $(boot boot-file), on SoftHSM2 $(boot boot-hsm token)"
