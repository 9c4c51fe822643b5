# Sourced by the peer scripts: one kubeconfig the way people script it with kubectl,
# four `kubectl config` calls per identity, certificates embedded.
#   kubeconfig_with_kubectl FILE SERVER CA_CRT USER CRT KEY
kubeconfig_with_kubectl() {
  local file=$1 server=$2 ca=$3 user=$4 crt=$5 key=$6
  kubectl config --kubeconfig="$file" set-cluster kubernetes --server="$server" \
    --certificate-authority="$ca" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$file" set-credentials "$user" \
    --client-certificate="$crt" --client-key="$key" --embed-certs=true >/dev/null
  kubectl config --kubeconfig="$file" set-context "$user@kubernetes" \
    --cluster=kubernetes --user="$user" >/dev/null
  kubectl config --kubeconfig="$file" use-context "$user@kubernetes" >/dev/null
}
