// x509check authenticates a client certificate the way kube-apiserver's x509
// authenticator does (k8s.io/apiserver/pkg/authentication/request/x509/x509.go):
// crypto/x509 Verify with Roots = the client CA bundle, Intermediates = the rest of the
// presented chain, KeyUsages = [ClientAuth]; username = Subject.CommonName (empty: not
// authenticated), uid = parseUIDFromCert (the subject's 1.3.6.1.4.1.57683.2 attributes, as
// x509.go reads them with AllowParsingUserUIDFromCertAuth on; Go's pkix parsing decides what
// a value is), groups = Subject.Organization, extra credential-id = X509SHA256=<hex>.
//
// Usage: x509check -ca CA_BUNDLE -cert CHAIN [-time RFC3339]
// Prints one JSON object: {"authenticated":bool,"user":…,"groups":[…],"extra":{…},"error":…}
// Exit status is 0 whenever the inputs could be read.
package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"time"

	"kcred.test/k8sx509"
)

type result struct {
	Authenticated bool                `json:"authenticated"`
	User          string              `json:"user,omitempty"`
	UID           string              `json:"uid,omitempty"`
	Groups        []string            `json:"groups"`
	Extra         map[string][]string `json:"extra,omitempty"`
	Error         string              `json:"error,omitempty"`
}

func readCerts(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificates", path)
	}
	return certs, nil
}

func main() {
	caPath := flag.String("ca", "", "client CA bundle")
	certPath := flag.String("cert", "", "presented chain: leaf first")
	at := flag.String("time", "", "verification time, RFC 3339 (default now)")
	flag.Parse()

	out := result{Groups: []string{}}
	emit := func() {
		enc := json.NewEncoder(os.Stdout)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(out)
	}

	cas, err := readCerts(*caPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	chain, err := readCerts(*certPath)
	if err != nil {
		out.Error = err.Error()
		emit()
		return
	}
	opts := x509.VerifyOptions{
		Roots:         x509.NewCertPool(),
		Intermediates: x509.NewCertPool(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	for _, c := range cas {
		opts.Roots.AddCert(c)
	}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		opts.CurrentTime = t
	}
	leaf := chain[0]
	if _, err := leaf.Verify(opts); err != nil {
		out.Error = err.Error()
		emit()
		return
	}
	if leaf.Subject.CommonName == "" {
		out.Error = "empty CN: not authenticated"
		emit()
		return
	}
	uid, err := k8sx509.ParseUIDFromCert(leaf)
	if err != nil {
		out.Error = err.Error()
		emit()
		return
	}
	sum := sha256.Sum256(leaf.Raw)
	out.Authenticated = true
	out.UID = uid
	out.User = leaf.Subject.CommonName
	out.Groups = append(out.Groups, leaf.Subject.Organization...)
	out.Extra = map[string][]string{
		"authentication.kubernetes.io/credential-id": {"X509SHA256=" + hex.EncodeToString(sum[:])},
	}
	emit()
}
