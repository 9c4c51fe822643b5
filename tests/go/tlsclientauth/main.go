// tlsclientauth runs a real crypto/tls handshake in which a client presents a certificate
// chain to a server configured as kube-apiserver's secure port is when it has a client CA
// (k8s.io/apiserver/pkg/server/secure_serving.go: ClientAuth = tls.RequestClientCert; the
// chain is checked later by the x509 authenticator, not by the handshake). It prints what
// the *server* saw:
//
//	{"handshake":true,"peerCertificates":N}  or  {"handshake":false,"error":"<server's error>"}
//
// The client runs in a child process with GODEBUG=rsa1024min=0 and sends the chain's raw
// DER without parsing it, so the client (which could be openssl, curl or an older Go)
// never refuses first: the answer is the server's alone, under the GODEBUG defaults of
// this module's go.mod.
//
// Usage: tlsclientauth -chain CHAIN.pem -key KEY.pem
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"time"
)

func die(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

func readChain(path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		die(err)
	}
	var ders [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			ders = append(ders, b.Bytes)
		}
	}
	if len(ders) == 0 {
		die(errors.New(path + ": no certificates"))
	}
	return ders
}

func readKey(path string) crypto.PrivateKey {
	data, err := os.ReadFile(path)
	if err != nil {
		die(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		die(errors.New(path + ": no PEM"))
	}
	if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
		return k
	}
	if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
		return k
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		die(err)
	}
	return k
}

// serverCert makes a throwaway serving certificate.
func serverCert() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		die(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		die(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func client(addr, chainPath, keyPath string) {
	cert := tls.Certificate{Certificate: readChain(chainPath), PrivateKey: readKey(keyPath)}
	conn, err := tls.Dial("tcp", addr, &tls.Config{
		InsecureSkipVerify: true,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return &cert, nil
		},
	})
	if err == nil {
		// Read until the server has finished (TLS 1.3 sends its verdict after the
		// client's Finished) or closes the connection.
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = conn.Read(make([]byte, 1))
		conn.Close()
	}
}

func main() {
	chain := flag.String("chain", "", "client certificate chain, PEM, leaf first")
	key := flag.String("key", "", "the leaf's private key, PEM")
	connect := flag.String("connect", "", "internal: run as the client against this address")
	flag.Parse()
	if *connect != "" {
		client(*connect, *chain, *key)
		return
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{serverCert()},
		ClientAuth:   tls.RequestClientCert,
	})
	if err != nil {
		die(err)
	}
	self, err := os.Executable()
	if err != nil {
		die(err)
	}
	cmd := exec.Command(self, "-connect", ln.Addr().String(), "-chain", *chain, "-key", *key)
	cmd.Env = append(os.Environ(), "GODEBUG=rsa1024min=0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		die(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		die(err)
	}
	tc := conn.(*tls.Conn)
	_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
	out := map[string]any{}
	if err := tc.Handshake(); err != nil {
		out["handshake"] = false
		out["error"] = err.Error()
	} else {
		out["handshake"] = true
		out["peerCertificates"] = len(tc.ConnectionState().PeerCertificates)
		_, _ = tc.Write([]byte{0})
	}
	tc.Close()
	_ = cmd.Wait()
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out)
}
