// csrcheck says what Go's crypto/x509 and kube-apiserver make of a PKCS#10 request, and of
// a certificate that carries the request's subject bytes and key unchanged:
//
//   - request: x509.ParseCertificateRequest and CheckSignature, as kube-apiserver's CSR
//     validation runs them (pkg/apis/certificates/validation/validation.go validateCSR);
//     the request's CN and O as Go reads them (pkix.Name.FillFromRDNSequence);
//   - certificate: one made with x509.CreateCertificate from RawSubject = the request's
//     subject DER and the request's public key (by a throwaway Ed25519 issuer), then read
//     back with x509.ParseCertificate, which kube-apiserver's TLS server runs on every
//     client certificate, and the user UID as the x509 authenticator reads it
//     (k8s.io/apiserver/pkg/authentication/request/x509/x509.go parseUIDFromCert).
//
// Usage: csrcheck FILE (PEM: the first block; else DER)
// Prints one JSON object; exit status 0 whenever FILE could be read.
package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"time"

	"kcred.test/k8sx509"
)

type result struct {
	ParseError     string   `json:"parse_error,omitempty"`
	SignatureError string   `json:"signature_error,omitempty"`
	CN             string   `json:"cn"`
	O              []string `json:"o"`
	CertError      string   `json:"cert_error,omitempty"`
	CertCN         string   `json:"cert_cn"`
	CertO          []string `json:"cert_o"`
	UIDError       string   `json:"uid_error,omitempty"`
}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if block, _ := pem.Decode(data); block != nil {
		data = block.Bytes
	}
	out := result{O: []string{}, CertO: []string{}}
	defer func() {
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(out)
	}()
	req, err := x509.ParseCertificateRequest(data)
	if err != nil {
		out.ParseError = err.Error()
		return
	}
	if err := req.CheckSignature(); err != nil {
		out.SignatureError = err.Error()
	}
	out.CN = req.Subject.CommonName
	out.O = append(out.O, req.Subject.Organization...)
	_, issuerKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		RawSubject:   req.RawSubject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, req.PublicKey, issuerKey)
	if err != nil {
		out.CertError = "creating: " + err.Error()
		return
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		out.CertError = err.Error()
		return
	}
	out.CertCN = cert.Subject.CommonName
	out.CertO = append(out.CertO, cert.Subject.Organization...)
	if _, err := k8sx509.ParseUIDFromCert(cert); err != nil {
		out.UIDError = err.Error()
	}
}
