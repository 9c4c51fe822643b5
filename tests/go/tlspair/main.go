// tlspair runs one real crypto/tls handshake on loopback between a server configured as
// kube-apiserver's secure port is with --client-ca-file and a client configured as client-go
// is from a kubeconfig, and prints what each side made of the other:
//
//	{"ok":true}  or  {"ok":false,"client":"<client's error>","server":"<server's error>"}
//
// The server requires and verifies a client certificate against -client-ca (every
// certificate of the file is a root, as x509.CertPool.AppendCertsFromPEM takes them;
// tls.RequireAndVerifyClientCert checks ExtKeyUsageClientAuth, as kube-apiserver's x509
// authenticator does, k8s.io/apiserver/pkg/authentication/request/x509/x509.go). The client
// trusts -ca and dials as -server-name (client-go: tls.Config.ServerName = the server URL's
// host, k8s.io/client-go/transport/transport.go), so Go's Verify and VerifyHostname decide.
//
// Usage: tlspair -server-cert C -server-key K -client-ca CA -ca CA -cert C -key K -server-name H
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func die(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

func pool(path string) *x509.CertPool {
	data, err := os.ReadFile(path)
	if err != nil {
		die(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(data) {
		die(fmt.Errorf("%s: no certificate", path))
	}
	return p
}

func main() {
	serverCert := flag.String("server-cert", "", "server certificate")
	serverKey := flag.String("server-key", "", "server key")
	clientCA := flag.String("client-ca", "", "server's client CA bundle")
	ca := flag.String("ca", "", "client's CA bundle")
	cert := flag.String("cert", "", "client certificate")
	key := flag.String("key", "", "client key")
	name := flag.String("server-name", "", "host the client dials")
	flag.Parse()

	sc, err := tls.LoadX509KeyPair(*serverCert, *serverKey)
	if err != nil {
		die(err)
	}
	cc, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		die(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		die(err)
	}
	serverErr := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(30 * time.Second))
		s := tls.Server(conn, &tls.Config{
			Certificates: []tls.Certificate{sc},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    pool(*clientCA),
			MinVersion:   tls.VersionTLS12,
		})
		err = s.Handshake()
		if err == nil {
			_, err = s.Write([]byte("ok"))
		}
		serverErr <- err
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		die(err)
	}
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	c := tls.Client(conn, &tls.Config{
		Certificates: []tls.Certificate{cc},
		RootCAs:      pool(*ca),
		ServerName:   *name,
		MinVersion:   tls.VersionTLS12,
	})
	clientErr := c.Handshake()
	if clientErr == nil {
		// With TLS 1.3 the server's verdict on the client certificate arrives after the
		// client's handshake: read, so that a refusal shows here too.
		buf := make([]byte, 2)
		_, clientErr = io.ReadFull(c, buf)
	}
	c.Close()
	var sErr error
	select {
	case sErr = <-serverErr:
	case <-time.After(30 * time.Second):
		sErr = errors.New("server: no answer")
	}
	out := map[string]any{"ok": clientErr == nil && sErr == nil}
	if clientErr != nil {
		out["client"] = clientErr.Error()
	}
	if sErr != nil {
		out["server"] = sErr.Error()
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
