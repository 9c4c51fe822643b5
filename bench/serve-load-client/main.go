// serve-load-client: C keep-alive TLS clients, each POSTing N reviews to kcred serve, as
// kube-apiserver's webhook clients do (JSON bodies, a client certificate). Prints one JSON
// object: requests/s, p50/p99 latency, errors. Standard library only.
//
// -distinct-key SA_KEY: every TokenReview carries its own token (the -token's header and
// claims with a fresh jti, signed RS256 with SA_KEY before the clock starts), so no two
// requests share a token and the server's 10 s token cache never answers: the cost of
// verifying each token.
package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "", "https://host:port")
	ca := flag.String("ca", "", "CA file")
	cert := flag.String("cert", "", "client certificate")
	key := flag.String("key", "", "client key")
	kind := flag.String("kind", "tokenreview", "tokenreview or sar")
	token := flag.String("token", "", "token for TokenReviews")
	conc := flag.Int("c", 16, "concurrent clients")
	n := flag.Int("n", 2000, "requests per client")
	distinctKey := flag.String("distinct-key", "", "RSA key to sign one distinct token per TokenReview")
	flag.Parse()

	pool := x509.NewCertPool()
	pem, err := os.ReadFile(*ca)
	if err != nil {
		panic(err)
	}
	pool.AppendCertsFromPEM(pem)
	pair, err := tls.LoadX509KeyPair(*cert, *key)
	if err != nil {
		panic(err)
	}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, ServerName: "kubernetes"},
		MaxIdleConnsPerHost: *conc,
	}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var path string
	var body []byte
	switch *kind {
	case "tokenreview":
		path = "/apis/authentication.k8s.io/v1/tokenreviews"
		body, _ = json.Marshal(map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": map[string]any{"token": *token}})
	default:
		path = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
		body, _ = json.Marshal(map[string]any{"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": map[string]any{
			"user": "system:serviceaccount:ci:builder", "groups": []string{"system:serviceaccounts", "system:authenticated"},
			"resourceAttributes": map[string]any{"verb": "get", "resource": "pods", "namespace": "ci"}}})
	}
	bodies := make([][][]byte, *conc)
	if *distinctKey != "" && *kind == "tokenreview" {
		tokens := distinctTokens(*token, *distinctKey, *conc**n)
		for c := range bodies {
			for i := 0; i < *n; i++ {
				b, _ := json.Marshal(map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": map[string]any{"token": tokens[c**n+i]}})
				bodies[c] = append(bodies[c], b)
			}
		}
	}
	lat := make([][]time.Duration, *conc)
	errs := make([]int, *conc)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < *conc; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < *n; i++ {
				t := time.Now()
				b := body
				if bodies[c] != nil {
					b = bodies[c][i]
				}
				resp, err := client.Post(*url+path, "application/json", bytes.NewReader(b))
				if err != nil {
					errs[c]++
					continue
				}
				answer, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				// A TokenReview must also say the token authenticated: a 201 with
				// "authenticated": false (a refused or mis-cached token) is an error too.
				if resp.StatusCode != 201 || (*kind == "tokenreview" && !bytes.Contains(answer, []byte(`"authenticated":true`))) {
					errs[c]++
				}
				lat[c] = append(lat[c], time.Since(t))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	total := 0
	for c := range lat {
		all = append(all, lat[c]...)
		total += errs[c]
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	q := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000
	}
	out, _ := json.Marshal(map[string]any{
		"kind": *kind, "clients": *conc, "requests": *conc * *n, "errors": total,
		"seconds": elapsed.Seconds(), "rps": float64(*conc**n) / elapsed.Seconds(),
		"p50_ms": q(0.50), "p99_ms": q(0.99),
	})
	fmt.Println(string(out))
}

// distinctTokens: n copies of token, each with jti "load-<i>", signed RS256 with the PEM key.
func distinctTokens(token, keyFile string, n int) []string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		panic("-token is not a JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		panic(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		panic(err)
	}
	pemBytes, err := os.ReadFile(keyFile)
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(pemBytes)
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		key = k.(*rsa.PrivateKey)
	} else {
		panic("-distinct-key: not an RSA private key")
	}
	out := make([]string, n)
	var wg sync.WaitGroup
	workers := 4
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				c := make(map[string]any, len(claims))
				for k, v := range claims {
					c[k] = v
				}
				c["jti"] = fmt.Sprintf("load-%d", i)
				payload, _ := json.Marshal(c)
				input := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload)
				sum := sha256.Sum256([]byte(input))
				sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
				if err != nil {
					panic(err)
				}
				out[i] = input + "." + base64.RawURLEncoding.EncodeToString(sig)
			}
		}(w)
	}
	wg.Wait()
	return out
}
