// whoamiserver is a stand-in kube-apiserver for kubectl's `auth whoami`: an HTTPS server
// (Go's crypto/tls, as the API server uses) that authenticates each request the way
// kube-apiserver does and answers SelfSubjectReview with the identity it found.
//
//   - client certificate: crypto/x509 Verify against -client-ca with KeyUsages = [ClientAuth]
//     (k8s.io/apiserver/pkg/authentication/request/x509/x509.go); username = CN (empty: not
//     authenticated), groups = every O, extra credential-id = X509SHA256=<hex of leaf DER>;
//   - bearer token: looked up in -token-auth-file, the CSV `token,user,uid,"g1,g2"`
//     (k8s.io/apiserver/pkg/authentication/token/tokenfile);
//   - every authenticated user also gets system:authenticated; anything else is the
//     API server's 401 Status.
//
// It answers the discovery requests kubectl may make (/api, /apis, /apis/authentication.k8s.io/v1)
// and POST /apis/authentication.k8s.io/v1/selfsubjectreviews. It binds 127.0.0.1 on a free
// port, prints "https://127.0.0.1:PORT" on stdout, and exits by itself after -timeout.
//
// Usage: whoamiserver -cert server.crt -key server.key [-client-ca ca.crt] [-token-auth-file F] [-timeout 60s]
package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

type userInfo struct {
	Username string              `json:"username"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

type tokenUser struct {
	user, uid string
	groups    []string
}

func loadTokens(path string) (map[string]tokenUser, error) {
	out := map[string]tokenUser{}
	if path == "" {
		return out, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		if len(rec) < 3 {
			return nil, fmt.Errorf("%s: a line needs token,user,uid", path)
		}
		u := tokenUser{user: rec[1], uid: rec[2]}
		if len(rec) >= 4 && rec[3] != "" {
			u.groups = strings.Split(rec[3], ",")
		}
		out[rec[0]] = u
	}
	return out, nil
}

func main() {
	certPath := flag.String("cert", "", "serving certificate")
	keyPath := flag.String("key", "", "serving key")
	caPath := flag.String("client-ca", "", "client CA bundle (--client-ca-file)")
	tokenPath := flag.String("token-auth-file", "", "static token CSV (--token-auth-file)")
	timeout := flag.Duration("timeout", 60*time.Second, "exit after this long")
	flag.Parse()

	serving, err := tls.LoadX509KeyPair(*certPath, *keyPath)
	if err != nil {
		log.Fatalf("serving cert: %v", err)
	}
	roots := x509.NewCertPool()
	if *caPath != "" {
		pemData, err := os.ReadFile(*caPath)
		if err != nil || !roots.AppendCertsFromPEM(pemData) {
			log.Fatalf("client CA %s: unreadable or no certificates (%v)", *caPath, err)
		}
	}
	tokens, err := loadTokens(*tokenPath)
	if err != nil {
		log.Fatalf("token file: %v", err)
	}

	authenticate := func(r *http.Request) (*userInfo, string) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			leaf := r.TLS.PeerCertificates[0]
			inter := x509.NewCertPool()
			for _, c := range r.TLS.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := leaf.Verify(x509.VerifyOptions{
				Roots:         roots,
				Intermediates: inter,
				KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			})
			if err != nil {
				return nil, "x509: " + err.Error()
			}
			if leaf.Subject.CommonName == "" {
				return nil, "x509: empty CN"
			}
			sum := sha256.Sum256(leaf.Raw)
			return &userInfo{
				Username: leaf.Subject.CommonName,
				Groups:   append(append([]string{}, leaf.Subject.Organization...), "system:authenticated"),
				Extra: map[string][]string{
					"authentication.kubernetes.io/credential-id": {"X509SHA256=" + hex.EncodeToString(sum[:])},
				},
			}, ""
		}
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			if u, ok := tokens[strings.TrimPrefix(h, "Bearer ")]; ok {
				return &userInfo{
					Username: u.user,
					UID:      u.uid,
					Groups:   append(append([]string{}, u.groups...), "system:authenticated"),
				}, ""
			}
			return nil, "token: unknown"
		}
		return nil, "no credential"
	}

	writeJSON := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		u, why := authenticate(r)
		log.Printf("%s %s -> user=%v (%s)", r.Method, r.URL.Path, u != nil, why)
		if u == nil {
			writeJSON(w, 401, map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
				"status": "Failure", "message": "Unauthorized", "reason": "Unauthorized", "code": 401})
			return
		}
		switch {
		case r.Method == "GET" && r.URL.Path == "/api":
			writeJSON(w, 200, map[string]any{"kind": "APIVersions", "versions": []string{"v1"},
				"serverAddressByClientCIDRs": []map[string]string{{"clientCIDR": "0.0.0.0/0", "serverAddress": r.Host}}})
		case r.Method == "GET" && r.URL.Path == "/apis":
			gv := map[string]string{"groupVersion": "authentication.k8s.io/v1", "version": "v1"}
			writeJSON(w, 200, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": []any{
				map[string]any{"name": "authentication.k8s.io", "versions": []any{gv}, "preferredVersion": gv}}})
		case r.Method == "GET" && r.URL.Path == "/apis/authentication.k8s.io/v1":
			writeJSON(w, 200, map[string]any{"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "authentication.k8s.io/v1",
				"resources": []any{map[string]any{"name": "selfsubjectreviews", "singularName": "selfsubjectreview",
					"namespaced": false, "kind": "SelfSubjectReview", "verbs": []string{"create"}}}})
		case r.Method == "POST" && r.URL.Path == "/apis/authentication.k8s.io/v1/selfsubjectreviews":
			writeJSON(w, 201, map[string]any{
				"kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
				"metadata": map[string]any{"creationTimestamp": time.Now().UTC().Format(time.RFC3339)},
				"status":   map[string]any{"userInfo": u},
			})
		default:
			writeJSON(w, 404, map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
				"status": "Failure", "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404})
		}
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	srv := &http.Server{
		Handler: mux,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{serving},
			// Ask for a certificate but let token users in: each request is authenticated above.
			ClientAuth: tls.RequestClientCert,
		},
		ErrorLog: log.New(os.Stderr, "", 0),
	}
	time.AfterFunc(*timeout, func() { os.Exit(0) })
	fmt.Printf("https://%s\n", ln.Addr().String())
	os.Stdout.Sync()
	log.Fatal(srv.ServeTLS(ln, "", ""))
}
