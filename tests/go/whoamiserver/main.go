// whoamiserver is a stand-in kube-apiserver for kubectl's `auth whoami`: an HTTPS server
// (Go's crypto/tls, as the API server uses) that authenticates each request the way
// kube-apiserver does and answers SelfSubjectReview with the identity it found.
//
// It re-states, in Go and on Go's own crypto/x509, crypto/tls, encoding/csv and net/http,
// the chain kube-apiserver builds (pkg/kubeapiserver/authenticator/config.go, New): it is
// not the API server, but what the client sends (kubectl, client-go) is real.
//
//   - union.New over [x509, bearer token] (request/union/union.go): the first success
//     wins; errors are collected and the next authenticator runs;
//   - x509 (request/x509/x509.go): when -client-ca is given, crypto/x509 Verify with
//     KeyUsages = [ClientAuth] and the rest of the presented chain as intermediates;
//     CommonNameUserConversion: empty CN is no opinion; username = CN, groups = every O,
//     uid from parseUIDFromCert (OID 1.3.6.1.4.1.57683.2, AllowParsingUserUIDFromCertAuth
//     on), extra credential-id = X509SHA256=<hex of leaf DER>;
//   - bearer token (request/bearertoken/bearertoken.go): strings.TrimSpace of the
//     Authorization header, strings.SplitN(auth, " ", 3), "bearer" in any case, an empty
//     token is no token; looked up in -token-auth-file read as tokenfile.NewCSV reads it;
//     a token nobody takes is the error "invalid bearer token";
//   - group.NewAuthenticatedGroupAdder (group/authenticated_group_adder.go);
//   - union.NewFailOnError(…, anonymous) when -anonymous-auth (default true): an error
//     is a 401, no credential is system:anonymous in system:unauthenticated.
//
// It answers the discovery requests kubectl may make (/api, /apis, /apis/authentication.k8s.io/v1)
// and POST /apis/authentication.k8s.io/v1/selfsubjectreviews. It binds 127.0.0.1 on a free
// port, prints "https://127.0.0.1:PORT" on stdout, and exits by itself after -timeout.
//
// Usage: whoamiserver -cert server.crt -key server.key [-client-ca ca.crt] [-token-auth-file F]
//
//	[-anonymous-auth=true] [-timeout 60s]
package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"kcred.test/k8sx509"
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

// loadTokens is tokenfile.NewCSV: encoding/csv defaults with FieldsPerRecord = -1; fewer
// than 3 fields is an error; an empty token is skipped; later records replace earlier ones;
// groups are strings.Split(record[3], ",").
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
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) < 3 {
			return nil, fmt.Errorf("token file '%s' must have at least 3 columns (token, user name, user uid), found %d", path, len(rec))
		}
		if rec[0] == "" {
			continue
		}
		u := tokenUser{user: rec[1], uid: rec[2]}
		if len(rec) >= 4 {
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
	anonymous := flag.Bool("anonymous-auth", true, "--anonymous-auth")
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

	x509Auth := func(r *http.Request) (*userInfo, bool, error) {
		if *caPath == "" || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return nil, false, nil
		}
		leaf := r.TLS.PeerCertificates[0]
		inter := x509.NewCertPool()
		for _, c := range r.TLS.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}); err != nil {
			return nil, false, err
		}
		if leaf.Subject.CommonName == "" {
			return nil, false, nil
		}
		uid, err := k8sx509.ParseUIDFromCert(leaf)
		if err != nil {
			return nil, false, err
		}
		sum := sha256.Sum256(leaf.Raw)
		return &userInfo{
			Username: leaf.Subject.CommonName,
			UID:      uid,
			Groups:   append([]string{}, leaf.Subject.Organization...),
			Extra: map[string][]string{
				"authentication.kubernetes.io/credential-id": {"X509SHA256=" + hex.EncodeToString(sum[:])},
			},
		}, true, nil
	}
	bearerAuth := func(r *http.Request) (*userInfo, bool, error) {
		if *tokenPath == "" {
			return nil, false, nil
		}
		auth := strings.TrimSpace(r.Header.Get("Authorization"))
		if auth == "" {
			return nil, false, nil
		}
		parts := strings.SplitN(auth, " ", 3)
		if len(parts) < 2 || strings.ToLower(parts[0]) != "bearer" {
			return nil, false, nil
		}
		token := parts[1]
		if len(token) == 0 {
			return nil, false, nil
		}
		if u, ok := tokens[token]; ok {
			return &userInfo{Username: u.user, UID: u.uid, Groups: append([]string{}, u.groups...)}, true, nil
		}
		return nil, false, errors.New("invalid bearer token")
	}

	authenticate := func(r *http.Request) (*userInfo, string) {
		var errs []string
		for _, a := range []func(*http.Request) (*userInfo, bool, error){x509Auth, bearerAuth} {
			u, ok, err := a(r)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			if ok {
				// AuthenticatedGroupAdder.
				if u.Username == "system:anonymous" {
					return u, ""
				}
				for _, g := range u.Groups {
					if g == "system:authenticated" || g == "system:unauthenticated" {
						return u, ""
					}
				}
				u.Groups = append(u.Groups, "system:authenticated")
				return u, ""
			}
		}
		if len(errs) > 0 {
			return nil, strings.Join(errs, "; ")
		}
		if *anonymous {
			return &userInfo{Username: "system:anonymous", Groups: []string{"system:unauthenticated"}}, ""
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
