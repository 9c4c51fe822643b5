// serve-load-client: C keep-alive TLS clients, each POSTing N reviews to kcred serve, as
// kube-apiserver's webhook clients do (JSON bodies, a client certificate). Prints one JSON
// object: requests/s, p50/p99 latency, errors. Standard library only.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
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
				resp, err := client.Post(*url+path, "application/json", bytes.NewReader(body))
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
