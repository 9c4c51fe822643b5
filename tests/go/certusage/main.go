// certusage says what Go's crypto/x509 reads from a certificate's usage and lifetime fields:
// the fields kube-controller-manager's CSR signer sets on the template it passes to
// x509.CreateCertificate (kubernetes pkg/controller/certificates/authority/policies.go,
// PermissiveSigningPolicy.apply), read back with x509.ParseCertificate as every Go peer of
// the certificate (kube-apiserver, kubelet, client-go) reads them.
//
// Usage: certusage FILE (PEM: the first CERTIFICATE block)
// Prints one JSON object; exit status 0 whenever FILE holds a certificate Go parses.
package main

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
)

type extension struct {
	ID       string `json:"id"`
	Critical bool   `json:"critical"`
}

type result struct {
	// x509.KeyUsage: DigitalSignature 1, ContentCommitment 2, KeyEncipherment 4, ...
	KeyUsage int `json:"key_usage"`
	// x509.ExtKeyUsage in the certificate's order: Any 0, ServerAuth 1, ClientAuth 2, ...
	ExtKeyUsage           []int       `json:"ext_key_usage"`
	BasicConstraintsValid bool        `json:"basic_constraints_valid"`
	IsCA                  bool        `json:"is_ca"`
	Extensions            []extension `json:"extensions"`
	NotBefore             int64       `json:"not_before"`
	NotAfter              int64       `json:"not_after"`
}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		fmt.Fprintln(os.Stderr, "no CERTIFICATE block")
		os.Exit(2)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := result{
		KeyUsage:              int(cert.KeyUsage),
		ExtKeyUsage:           []int{},
		BasicConstraintsValid: cert.BasicConstraintsValid,
		IsCA:                  cert.IsCA,
		Extensions:            []extension{},
		NotBefore:             cert.NotBefore.Unix(),
		NotAfter:              cert.NotAfter.Unix(),
	}
	for _, e := range cert.ExtKeyUsage {
		out.ExtKeyUsage = append(out.ExtKeyUsage, int(e))
	}
	for _, e := range cert.Extensions {
		out.Extensions = append(out.Extensions, extension{ID: e.Id.String(), Critical: e.Critical})
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
