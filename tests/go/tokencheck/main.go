// tokencheck authenticates a ServiceAccount JWT the way kube-apiserver does
// (kubernetes pkg/serviceaccount/jwt.go AuthenticateToken, claims.go and legacy.go
// Validate), with the Go standard library only:
//   - the issuer must be one of -issuer (bound) or kubernetes/serviceaccount (legacy);
//   - keys are chosen by the header's kid (kid = base64url SHA-256 of the PKIX DER), or all
//     keys without a kid; RS256 (PKCS#1 v1.5) or ES256/ES384 (r||s) must verify;
//   - empty aud means the API audiences; the token's audiences must meet -audience
//     (default: the first issuer);
//   - nbf, exp, iat with 60 s leeway (go-jose DefaultLeeway);
//   - bound tokens need kubernetes.io namespace and serviceaccount name/uid; legacy tokens
//     need sub, namespace, secret.name, service-account.name/uid and a matching sub.
//
// It also re-serialises the claims as go-jose does for the API server (each claims struct
// marshalled, merged into one map, marshalled again: keys sorted at every level), so a test
// can compare a minted payload byte for byte with what the API server would emit.
//
// Usage: tokencheck -key PUBKEYS.pem [-issuer URL,...] [-audience A,...] [-time UNIX] < token
// Prints one JSON object; exit status 0 whenever the inputs could be read.
package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
	"time"
)

const legacyIssuer = "kubernetes/serviceaccount"
const leeway = 60

type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*a = l
	return nil
}

// go-jose jwt.Claims.
type publicClaims struct {
	Issuer    string   `json:"iss,omitempty"`
	Subject   string   `json:"sub,omitempty"`
	Audience  audience `json:"aud,omitempty"`
	Expiry    *int64   `json:"exp,omitempty"`
	NotBefore *int64   `json:"nbf,omitempty"`
	IssuedAt  *int64   `json:"iat,omitempty"`
	ID        string   `json:"jti,omitempty"`
}

// claims.go.
type ref struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

type kubernetes struct {
	Namespace string `json:"namespace,omitempty"`
	Svcacct   ref    `json:"serviceaccount,omitempty"`
	Pod       *ref   `json:"pod,omitempty"`
	Secret    *ref   `json:"secret,omitempty"`
	Node      *ref   `json:"node,omitempty"`
	WarnAfter *int64 `json:"warnafter,omitempty"`
}

type privateClaims struct {
	Kubernetes kubernetes `json:"kubernetes.io,omitempty"`
}

// legacy.go.
type legacyPrivateClaims struct {
	ServiceAccountName string `json:"kubernetes.io/serviceaccount/service-account.name"`
	ServiceAccountUID  string `json:"kubernetes.io/serviceaccount/service-account.uid"`
	SecretName         string `json:"kubernetes.io/serviceaccount/secret.name"`
	Namespace          string `json:"kubernetes.io/serviceaccount/namespace"`
}

type result struct {
	Authenticated bool                `json:"authenticated"`
	NotMine       bool                `json:"notMine,omitempty"`
	Kind          string              `json:"kind,omitempty"`
	User          string              `json:"user,omitempty"`
	UID           string              `json:"uid,omitempty"`
	Groups        []string            `json:"groups,omitempty"`
	Extra         map[string][]string `json:"extra,omitempty"`
	Error         string              `json:"error,omitempty"`
	Header        string              `json:"header,omitempty"`
	Payload       string              `json:"payload,omitempty"`
	APIServerJSON string              `json:"apiServerPayload,omitempty"`
	ExpectHeader  string              `json:"apiServerHeader,omitempty"`
}

type key struct {
	kid string
	pub crypto.PublicKey
}

func loadKeys(path string) ([]key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []key
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "PUBLIC KEY" {
			continue
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		// keyIDFromPublicKey: base64url(sha256(PKIX DER)).
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(der)
		keys = append(keys, key{kid: base64.RawURLEncoding.EncodeToString(sum[:]), pub: pub})
	}
	if len(keys) == 0 {
		return nil, errors.New("no PUBLIC KEY blocks")
	}
	return keys, nil
}

func verify(alg string, pub crypto.PublicKey, signed, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg != "RS256" {
			return fmt.Errorf("algorithm %s does not fit an RSA key", alg)
		}
		h := sha256.Sum256(signed)
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig)
	case *ecdsa.PublicKey:
		var digest []byte
		var size int
		switch {
		case alg == "ES256" && k.Curve == elliptic.P256():
			h := sha256.Sum256(signed)
			digest, size = h[:], 32
		case alg == "ES384" && k.Curve == elliptic.P384():
			h := sha512.Sum384(signed)
			digest, size = h[:], 48
		default:
			return fmt.Errorf("algorithm %s does not fit the %s key", alg, k.Curve.Params().Name)
		}
		if len(sig) != 2*size {
			return errors.New("bad ECDSA signature length")
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, digest, r, s) {
			return errors.New("crypto/ecdsa: verification error")
		}
		return nil
	}
	return errors.New("unsupported key")
}

// What go-jose's builder does: marshal each claims value, merge into one map, marshal it.
func reserialize(parts ...interface{}) (string, error) {
	merged := map[string]interface{}{}
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			return "", err
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&merged); err != nil {
			return "", err
		}
	}
	out, err := json.Marshal(merged)
	return string(out), err
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		for _, y := range b {
			if x == y {
				out = append(out, x)
				break
			}
		}
	}
	return out
}

func check(token string, keys []key, issuers, auds []string, now int64) result {
	var res result
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return result{NotMine: true, Error: "not three parts"}
	}
	hdr, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	payload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return result{NotMine: true, Error: "bad base64"}
	}
	res.Header, res.Payload = string(hdr), string(payload)
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	var pub publicClaims
	if json.Unmarshal(hdr, &header) != nil || json.Unmarshal(payload, &pub) != nil {
		res.NotMine, res.Error = true, "not JSON"
		return res
	}
	legacy := false
	switch {
	case contains(issuers, pub.Issuer):
	case pub.Issuer == legacyIssuer:
		legacy = true
	default:
		res.NotMine, res.Error = true, fmt.Sprintf("issuer %q is not mine", pub.Issuer)
		return res
	}
	var candidates []key
	for _, k := range keys {
		if header.Kid == "" || k.kid == header.Kid {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		res.Error = "invalid signature, no keys found"
		return res
	}
	var verr error
	found := false
	for _, k := range candidates {
		if verr = verify(header.Alg, k.pub, []byte(parts[0]+"."+parts[1]), sig); verr == nil {
			found = true
			res.ExpectHeader = fmt.Sprintf(`{"alg":%q,"kid":%q}`, header.Alg, k.kid)
			break
		}
	}
	if !found {
		res.Error = verr.Error()
		return res
	}
	tokenAuds := []string(pub.Audience)
	if len(tokenAuds) == 0 {
		tokenAuds = auds
	}
	if len(intersect(tokenAuds, auds)) == 0 && len(auds) != 0 {
		res.Error = fmt.Sprintf("token audiences %q is invalid for the target audiences %q", tokenAuds, auds)
		return res
	}
	res.Extra = map[string][]string{}
	if legacy {
		var priv legacyPrivateClaims
		if err := json.Unmarshal(payload, &priv); err != nil {
			res.Error = err.Error()
			return res
		}
		res.APIServerJSON, _ = reserialize(priv, pub)
		switch {
		case pub.Subject == "":
			res.Error = "sub claim is missing"
		case priv.Namespace == "":
			res.Error = "namespace claim is missing"
		case priv.SecretName == "":
			res.Error = "secretName claim is missing"
		case priv.ServiceAccountName == "":
			res.Error = "serviceAccountName claim is missing"
		case priv.ServiceAccountUID == "":
			res.Error = "serviceAccountUID claim is missing"
		case pub.Subject != "system:serviceaccount:"+priv.Namespace+":"+priv.ServiceAccountName:
			res.Error = "sub claim is invalid"
		}
		if res.Error != "" {
			return res
		}
		res.Kind = "legacy"
		res.fill(priv.Namespace, priv.ServiceAccountName, priv.ServiceAccountUID)
		res.Authenticated = true
		return res
	}
	var priv privateClaims
	if err := json.Unmarshal(payload, &priv); err != nil {
		res.Error = err.Error()
		return res
	}
	res.APIServerJSON, _ = reserialize(priv, pub)
	// go-jose Claims.ValidateWithLeeway, in its order.
	switch {
	case pub.NotBefore != nil && now+leeway < *pub.NotBefore:
		res.Error = "service account token is not valid yet"
	case pub.Expiry != nil && now-leeway > *pub.Expiry:
		res.Error = "service account token has expired"
	case pub.IssuedAt != nil && now+leeway < *pub.IssuedAt:
		res.Error = "service account token is issued in the future"
	}
	if res.Error != "" {
		return res
	}
	k := priv.Kubernetes
	if k.Namespace == "" || k.Svcacct.Name == "" || k.Svcacct.UID == "" {
		res.Error = "kubernetes.io namespace or serviceaccount claims missing"
		return res
	}
	res.Kind = "bound"
	res.fill(k.Namespace, k.Svcacct.Name, k.Svcacct.UID)
	// ServiceAccountInfo.UserInfo.
	if k.Pod != nil && k.Pod.Name != "" && k.Pod.UID != "" {
		res.Extra["authentication.kubernetes.io/pod-name"] = []string{k.Pod.Name}
		res.Extra["authentication.kubernetes.io/pod-uid"] = []string{k.Pod.UID}
	}
	if pub.ID != "" {
		res.Extra["authentication.kubernetes.io/credential-id"] = []string{"JTI=" + pub.ID}
	}
	if k.Node != nil && k.Node.Name != "" {
		res.Extra["authentication.kubernetes.io/node-name"] = []string{k.Node.Name}
		if k.Node.UID != "" {
			res.Extra["authentication.kubernetes.io/node-uid"] = []string{k.Node.UID}
		}
	}
	res.Authenticated = true
	return res
}

func (r *result) fill(ns, name, uid string) {
	r.User = "system:serviceaccount:" + ns + ":" + name
	r.UID = uid
	r.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func split(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

func main() {
	keyPath := flag.String("key", "", "PEM file of PUBLIC KEY blocks")
	issuer := flag.String("issuer", "https://kubernetes.default.svc.cluster.local", "comma-separated issuers")
	audience := flag.String("audience", "", "comma-separated API audiences (default: first issuer)")
	at := flag.Int64("time", 0, "unix time to check at (default now)")
	flag.Parse()
	keys, err := loadKeys(*keyPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokencheck:", err)
		os.Exit(2)
	}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokencheck:", err)
		os.Exit(2)
	}
	issuers := split(*issuer)
	auds := split(*audience)
	if len(auds) == 0 && len(issuers) > 0 {
		auds = issuers[:1]
	}
	now := *at
	if now == 0 {
		now = time.Now().Unix()
	}
	out, _ := json.Marshal(check(strings.TrimSpace(string(raw)), keys, issuers, auds, now))
	fmt.Println(string(out))
}
