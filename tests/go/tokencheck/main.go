// tokencheck authenticates a ServiceAccount JWT the way kube-apiserver does, on the library the
// API server itself parses and verifies tokens with: go-jose v2.
//
// What is real code and what is re-stated:
//   - REAL (go-jose v2.6.0, Debian's golang-gopkg-square-go-jose.v2-dev, built from its source
//     through the replace in go.mod): jwt.ParseSigned (jose.ParseSigned: whitespace stripping,
//     compact parsing, header sanitising: kid/alg/jwk/x5c/crit), JSONWebToken.Claims (signature
//     verification, computeAuthData over the re-encoded header and payload, b64, crit, the
//     RSA/PSS/ECDSA verifiers, go-jose's JSON fork decoding the claims: duplicate keys,
//     Audience and NumericDate unmarshalling), jwt.Claims.Validate (exp/nbf/iat with the 60 s
//     DefaultLeeway), and the jwt builder that re-serialises the claims for apiServerPayload.
//   - REAL (Go standard library): encoding/json for the issuer pre-check, crypto/x509 for key
//     parsing and the key ID, encoding/pem.
//   - RE-STATED from Kubernetes (cited at each function; kept as close to the source as the lack
//     of live objects allows): pkg/serviceaccount/jwt.go (AuthenticateToken, hasCorrectIssuer,
//     StaticPublicKeysGetter, keyIDFromPublicKey), pkg/serviceaccount/claims.go
//     (validator.Validate), pkg/serviceaccount/legacy.go (legacyValidator.Validate),
//     k8s.io/apiserver/pkg/authentication/serviceaccount/util.go (SplitUsername,
//     ServiceAccountInfo.UserInfo, CredentialIDForJTI), k8s.io/client-go/util/keyutil/key.go
//     (ParsePublicKeysPEM), k8s.io/apiserver/pkg/authentication/token/union (union.New), and
//     pkg/kubeapiserver/authenticator/config.go (legacy authenticator first, then the bound one).
//
// Live objects. The bound validator (claims.go) and the legacy one with --service-account-lookup
// (legacy.go) look the ServiceAccount, Secret, Pod and Node up and compare UIDs. This program has
// no cluster: it answers as if every referenced object exists with the UIDs the token names,
// EXCEPT where no live object can ever match (an empty or invalid name, an invalid namespace, an
// empty UID: the API server stores no such object), which it refuses as the API server always
// would. Those refusals are marked "no live object can match" in the error.
//
// go-jose v2.6.0 (Debian, gopkg.in/square/go-jose.v2) vs v2.6.3 (kube-apiserver's vendor tree,
// gopkg.in/go-jose/go-jose.v2, read in kubernetes/kubernetes vendor/gopkg.in/go-jose/go-jose.v2):
//   - import path and error prefix "square/go-jose" -> "go-jose/go-jose" everywhere; error
//     texts differ by that prefix only (no test compares go-jose error texts).
//   - encoding.go inflate: the fork limits decompressed output (250 kB or 10x the input;
//     CHANGELOG "v2.6.3: Limit decompression output size"). JWE only: a JWS/JWT is never
//     decompressed, so no token case is affected.
//   - crypter.go: the fork's Decrypt/DecryptMulti handle the decompression error. JWE only.
//   - symmetric.go: same length after the rename (the PBES2 p2c limit is v3.0.1; not in v2).
//   - jws.go: identical after the rename (read in full): ParseSigned, stripWhitespace use,
//     parseSignedCompact (strings.Split, RawURLEncoding), computeAuthData, sanitized (embedded
//     jwk must be public) are the same.
//   - asymmetric.go, signing.go, shared.go, jwk.go, opaque.go, json/encode.go, jwt/jwt.go,
//     jwt/claims.go, jwt/builder.go, jwt/errors.go: same length as Debian's after the rename
//     (compared by size; jws.go and encoding.go compared in full).
//   - json/stream.go: 4 characters shorter in the fork, not located; the stream Decoder is used
//     by the builder's normalize (re-serialisation), not by the Unmarshal path that decodes
//     headers and claims. json/decode.go of the fork is not in the searchable index; no
//     v2.6.1-v2.6.3 CHANGELOG entry touches JSON.
//     None of these differences changes a verdict for any case in tests/it/token_adversarial.rs.
//
// The Go toolchain is the peers' (not the API server's); go.mod's `go` line sets the GODEBUG
// defaults of a Go >= 1.24 build (rsa1024min=1: RSA keys under 1024 bits fail to verify).
//
// Usage: tokencheck -key PUBKEYS.pem [-issuer URL,...] [-audience A,...] [-time UNIX] < token
// Prints one JSON object; exit status 0 whenever the inputs could be read. A key file the API
// server would refuse to start with (keyutil finds no key) is reported as "keyError".
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode"

	jose "gopkg.in/square/go-jose.v2"
	"gopkg.in/square/go-jose.v2/jwt"
)

// legacy.go LegacyIssuer.
const legacyIssuer = "kubernetes/serviceaccount"

// claims.go privateClaims, kubernetes, ref: decoded by go-jose's JSON fork in tok.Claims.
type privateClaims struct {
	Kubernetes kubernetes `json:"kubernetes.io,omitempty"`
}

type kubernetes struct {
	Namespace string           `json:"namespace,omitempty"`
	Svcacct   ref              `json:"serviceaccount,omitempty"`
	Pod       *ref             `json:"pod,omitempty"`
	Secret    *ref             `json:"secret,omitempty"`
	Node      *ref             `json:"node,omitempty"`
	WarnAfter *jwt.NumericDate `json:"warnafter,omitempty"`
}

type ref struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

// legacy.go legacyPrivateClaims.
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
	KeyError      string              `json:"keyError,omitempty"`
	Header        string              `json:"header,omitempty"`
	Payload       string              `json:"payload,omitempty"`
	APIServerJSON string              `json:"apiServerPayload,omitempty"`
	ExpectHeader  string              `json:"apiServerHeader,omitempty"`
}

// ---- k8s.io/client-go/util/keyutil/key.go (re-stated) ----

// parsePublicKeysPEM is keyutil.ParsePublicKeysPEM: every PEM block, whatever its type, is
// tried as an RSA private key (PKCS#1, then PKCS#8), an RSA public key (PKIX, then a
// certificate), an EC private key (SEC1 only: a PKCS#8 EC key is skipped), an EC public key
// (PKIX, then a certificate); other blocks are skipped; no key at all is an error, which makes
// kube-apiserver refuse to start (pkg/kubeapiserver/options/authentication.go wraps it).
func parsePublicKeysPEM(keyData []byte) ([]interface{}, error) {
	var block *pem.Block
	keys := []interface{}{}
	for {
		block, keyData = pem.Decode(keyData)
		if block == nil {
			break
		}
		if privateKey, err := parseRSAPrivateKey(block.Bytes); err == nil {
			keys = append(keys, &privateKey.PublicKey)
			continue
		}
		if publicKey, err := parsePublicKeyAs[*rsa.PublicKey](block.Bytes, "RSA"); err == nil {
			keys = append(keys, publicKey)
			continue
		}
		if privateKey, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
			keys = append(keys, &privateKey.PublicKey)
			continue
		}
		if publicKey, err := parsePublicKeyAs[*ecdsa.PublicKey](block.Bytes, "ECDSA"); err == nil {
			keys = append(keys, publicKey)
			continue
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("data does not contain any valid RSA or ECDSA public keys")
	}
	return keys, nil
}

// keyutil parseRSAPublicKey / parseECPublicKey: PKIX, else a certificate's key.
func parsePKIXOrCert(data []byte) (interface{}, error) {
	parsedKey, err := x509.ParsePKIXPublicKey(data)
	if err != nil {
		cert, cerr := x509.ParseCertificate(data)
		if cerr != nil {
			return nil, err
		}
		parsedKey = cert.PublicKey
	}
	return parsedKey, nil
}

// parsePublicKeyAs is keyutil's parseRSAPublicKey (K = *rsa.PublicKey, what = "RSA") and
// parseECPublicKey (K = *ecdsa.PublicKey, what = "ECDSA"): one body, the two differ only in
// the key type they accept.
func parsePublicKeyAs[K any](data []byte, what string) (K, error) {
	var none K
	k, err := parsePKIXOrCert(data)
	if err != nil {
		return none, err
	}
	pub, ok := k.(K)
	if !ok {
		return none, fmt.Errorf("data doesn't contain valid %s Public Key", what)
	}
	return pub, nil
}

// keyutil parseRSAPrivateKey: PKCS#1, then PKCS#8 (an RSA one only).
func parseRSAPrivateKey(data []byte) (*rsa.PrivateKey, error) {
	var parsedKey interface{}
	var err error
	if parsedKey, err = x509.ParsePKCS1PrivateKey(data); err != nil {
		if parsedKey, err = x509.ParsePKCS8PrivateKey(data); err != nil {
			return nil, err
		}
	}
	priv, ok := parsedKey.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("data doesn't contain valid RSA Private Key")
	}
	return priv, nil
}

// ---- pkg/serviceaccount/jwt.go (re-stated) ----

type publicKey struct {
	KeyID     string
	PublicKey interface{}
}

// staticPublicKeysGetter is jwt.go StaticPublicKeysGetter: all keys for an empty kid, else the
// keys whose keyIDFromPublicKey is the kid.
type staticPublicKeysGetter struct {
	allPublicKeys  []publicKey
	publicKeysByID map[string][]publicKey
}

func newStaticPublicKeysGetter(keys []interface{}) (*staticPublicKeysGetter, error) {
	s := &staticPublicKeysGetter{publicKeysByID: map[string][]publicKey{}}
	for _, key := range keys {
		if priv, ok := key.(interface{ Public() crypto.PublicKey }); ok {
			key = priv.Public()
		}
		keyID, err := keyIDFromPublicKey(key)
		if err != nil {
			return nil, err
		}
		pk := publicKey{PublicKey: key, KeyID: keyID}
		s.publicKeysByID[keyID] = append(s.publicKeysByID[keyID], pk)
		s.allPublicKeys = append(s.allPublicKeys, pk)
	}
	return s, nil
}

func (s *staticPublicKeysGetter) GetPublicKeys(keyID string) []publicKey {
	if len(keyID) == 0 {
		return s.allPublicKeys
	}
	return s.publicKeysByID[keyID]
}

// jwt.go keyIDFromPublicKey: base64url(SHA-256(PKIX DER)).
func keyIDFromPublicKey(publicKey interface{}) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(publicKey)
	if err != nil {
		return "", fmt.Errorf("failed to serialize public key to DER format: %v", err)
	}
	h := crypto.SHA256.New()
	h.Write(der)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)), nil
}

// saInfo is apiserver's ServiceAccountInfo.
type saInfo struct {
	Namespace, Name, UID string
	PodName, PodUID      string
	NodeName, NodeUID    string
	CredentialID         string
}

type jwtTokenAuthenticator struct {
	issuers      map[string]bool
	keysGetter   *staticPublicKeysGetter
	implicitAuds []string
	legacy       bool
	now          time.Time
	// What the caller reports besides the verdict.
	kid, alg, reserialized string
}

// hasCorrectIssuer is jwt.go hasCorrectIssuer, byte for byte in behaviour: encoding/json (not
// go-jose's fork) reads "iss" case-insensitively with the last matching key winning.
func (j *jwtTokenAuthenticator) hasCorrectIssuer(tokenData string) bool {
	if strings.HasPrefix(strings.TrimSpace(tokenData), "{") {
		return false
	}
	parts := strings.Split(tokenData, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	claims := struct {
		// WARNING: this JWT is not verified. Do not trust these claims.
		Issuer string `json:"iss"`
	}{}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return false
	}
	return j.issuers[claims.Issuer]
}

// errNotMine carries why an authenticator returned (nil, false, nil), for the report only.
type errNotMine struct{ why string }

func (e errNotMine) Error() string { return e.why }

// authenticateToken is jwt.go AuthenticateToken with the validator of its kind. A nil info with
// an errNotMine error is the API server's (nil, false, nil).
func (j *jwtTokenAuthenticator) authenticateToken(tokenData string) (*saInfo, error) {
	if !j.hasCorrectIssuer(tokenData) {
		return nil, errNotMine{"issuer pre-check (encoding/json) does not name one of this authenticator's issuers"}
	}
	tok, err := jwt.ParseSigned(tokenData)
	if err != nil {
		return nil, errNotMine{"jwt.ParseSigned: " + err.Error()}
	}
	public := &jwt.Claims{}
	var private interface{}
	if j.legacy {
		private = new(legacyPrivateClaims)
	} else {
		private = new(privateClaims)
	}
	// Pick the key that has the same key ID as `tok`, if one exists.
	var kid string
	for _, header := range tok.Headers {
		if header.KeyID != "" {
			kid = header.KeyID
			break
		}
	}
	keys := j.keysGetter.GetPublicKeys(kid)
	if len(keys) == 0 {
		return nil, fmt.Errorf("invalid signature, no keys found")
	}
	var errlist []error
	found := false
	for _, key := range keys {
		if err := tok.Claims(key.PublicKey, public, private); err != nil {
			errlist = append(errlist, err)
			continue
		}
		found = true
		j.kid = key.KeyID
		break
	}
	if !found {
		return nil, aggregate(errlist)
	}
	if len(tok.Headers) > 0 {
		j.alg = tok.Headers[0].Algorithm
	}
	// What the API server's generator (jwt.go GenerateToken) would emit for these claims.
	j.reserialized = reserialize(private, public)

	// sanity check issuer since we parsed it out before signature validation
	if !j.issuers[public.Issuer] {
		return nil, fmt.Errorf("token issuer %q is invalid", public.Issuer)
	}
	tokenAudiences := []string(public.Audience)
	if len(tokenAudiences) == 0 {
		// only apiserver audiences are allowed for legacy tokens
		tokenAudiences = j.implicitAuds
	}
	requestedAudiences := j.implicitAuds
	if len(intersect(tokenAudiences, requestedAudiences)) == 0 && len(j.implicitAuds) != 0 {
		return nil, fmt.Errorf("token audiences %q is invalid for the target audiences %q", tokenAudiences, requestedAudiences)
	}
	if j.legacy {
		return validateLegacy(public, private.(*legacyPrivateClaims))
	}
	return validateBound(public, private.(*privateClaims), j.now)
}

// authenticator.Audiences.Intersect.
func intersect(a, tauds []string) []string {
	selected := []string{}
	for _, t := range tauds {
		for _, x := range a {
			if x == t {
				selected = append(selected, t)
				break
			}
		}
	}
	return selected
}

// utilerrors.NewAggregate(...).Error().
func aggregate(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New("[" + strings.Join(msgs, ", ") + "]")
}

// ---- pkg/serviceaccount/claims.go validator.Validate (re-stated) ----

func validateBound(public *jwt.Claims, private *privateClaims, nowTime time.Time) (*saInfo, error) {
	// REAL: go-jose's Claims.Validate (ValidateWithLeeway, DefaultLeeway).
	err := public.Validate(jwt.Expected{Time: nowTime})
	switch err {
	case nil:
	case jwt.ErrExpired:
		return nil, errors.New("service account token has expired")
	case jwt.ErrNotValidYet:
		return nil, errors.New("service account token is not valid yet")
	case jwt.ErrIssuedInTheFuture:
		return nil, errors.New("service account token is issued in the future")
	case jwt.ErrInvalidAudience, jwt.ErrInvalidID, jwt.ErrInvalidIssuer, jwt.ErrInvalidSubject:
		return nil, fmt.Errorf("service account token claims could not be validated: %w", err)
	default:
		return nil, errors.New("service account token claims could not be validated due to unexpected validation error")
	}
	k := private.Kubernetes
	saref, podref, noderef, secref := k.Svcacct, k.Pod, k.Node, k.Secret
	// v.getter.GetServiceAccount(namespace, saref.Name), then the UID compare.
	if err := liveObject("service account", k.Namespace, saref.Name, saref.UID, isDNS1123Subdomain); err != nil {
		return nil, err
	}
	if secref != nil {
		if err := liveObject("secret", k.Namespace, secref.Name, secref.UID, isDNS1123Subdomain); err != nil {
			return nil, err
		}
	}
	var podName, podUID string
	if podref != nil {
		if err := liveObject("pod", k.Namespace, podref.Name, podref.UID, isDNS1123Subdomain); err != nil {
			return nil, err
		}
		podName, podUID = podref.Name, podref.UID
	}
	var nodeName, nodeUID string
	if noderef != nil {
		if podref != nil {
			// ServiceAccountTokenPodNodeInfo (on by default): the node claims are taken as they are.
			nodeName, nodeUID = noderef.Name, noderef.UID
		} else {
			// A Node-bound token: v.getter.GetNode(noderef.Name), then the UID compare.
			if err := liveObject("node", "", noderef.Name, noderef.UID, isDNS1123Subdomain); err != nil {
				return nil, err
			}
			nodeName, nodeUID = noderef.Name, noderef.UID
		}
	}
	// ServiceAccountTokenJTI (on by default): the credential ID is the jti.
	return &saInfo{
		Namespace:    k.Namespace,
		Name:         saref.Name,
		UID:          saref.UID,
		PodName:      podName,
		PodUID:       podUID,
		NodeName:     nodeName,
		NodeUID:      nodeUID,
		CredentialID: credentialIDForJTI(public.ID),
	}, nil
}

// liveObject stands for a lister Get plus the UID comparison of claims.go / legacy.go: the
// object is assumed to exist with the token's UID unless no stored object could be it. An
// object's name passed validation when it was created, its namespace is a DNS-1123 label, and
// its UID is never empty (so `podref.UID != string(pod.UID)` for an empty claim).
func liveObject(kind, namespace, name, uid string, validName func(string) bool) error {
	where := name
	if kind != "node" {
		if !isDNS1123Label(namespace) {
			return fmt.Errorf("no live object can match: %s namespace %q is not a valid namespace name", kind, namespace)
		}
		where = namespace + "/" + name
	}
	if !validName(name) {
		return fmt.Errorf("no live object can match: %s name %q is not a valid name", kind, where)
	}
	if uid == "" {
		return fmt.Errorf("no live object can match: %s %s has no UID in the token", kind, where)
	}
	return nil
}

// apiserver serviceaccount.CredentialIDForJTI.
func credentialIDForJTI(jti string) string {
	if len(jti) == 0 {
		return ""
	}
	return "JTI=" + jti
}

// ---- pkg/serviceaccount/legacy.go legacyValidator.Validate (re-stated) ----

func validateLegacy(public *jwt.Claims, private *legacyPrivateClaims) (*saInfo, error) {
	if len(public.Subject) == 0 {
		return nil, errors.New("sub claim is missing")
	}
	namespace := private.Namespace
	if len(namespace) == 0 {
		return nil, errors.New("namespace claim is missing")
	}
	secretName := private.SecretName
	if len(secretName) == 0 {
		return nil, errors.New("secretName claim is missing")
	}
	serviceAccountName := private.ServiceAccountName
	if len(serviceAccountName) == 0 {
		return nil, errors.New("serviceAccountName claim is missing")
	}
	serviceAccountUID := private.ServiceAccountUID
	if len(serviceAccountUID) == 0 {
		return nil, errors.New("serviceAccountUID claim is missing")
	}
	subjectNamespace, subjectName, err := splitUsername(public.Subject)
	if err != nil || subjectNamespace != namespace || subjectName != serviceAccountName {
		return nil, errors.New("sub claim is invalid")
	}
	// --service-account-lookup (default true): v.getter.GetSecret(namespace, secretName) must
	// find the secret holding this very token; the ServiceAccount's UID must match.
	if err := liveObject("secret", namespace, secretName, "-", isDNS1123Subdomain); err != nil {
		return nil, err
	}
	return &saInfo{Namespace: namespace, Name: serviceAccountName, UID: serviceAccountUID}, nil
}

// apiserver serviceaccount.SplitUsername: "system:serviceaccount:" + a namespace that passes
// ValidateNamespaceName (DNS-1123 label) + ":" + a name that passes ValidateServiceAccountName
// (DNS-1123 subdomain).
func splitUsername(username string) (string, string, error) {
	const prefix = "system:serviceaccount:"
	invalid := errors.New("Username must be in the form system:serviceaccount:namespace:name")
	if !strings.HasPrefix(username, prefix) {
		return "", "", invalid
	}
	parts := strings.Split(strings.TrimPrefix(username, prefix), ":")
	if len(parts) != 2 {
		return "", "", invalid
	}
	if !isDNS1123Label(parts[0]) || !isDNS1123Subdomain(parts[1]) {
		return "", "", invalid
	}
	return parts[0], parts[1], nil
}

// k8s.io/apimachinery/pkg/util/validation IsDNS1123Label / IsDNS1123Subdomain.
var (
	dns1123Label     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dns1123Subdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

func isDNS1123Label(s string) bool { return len(s) <= 63 && dns1123Label.MatchString(s) }

func isDNS1123Subdomain(s string) bool { return len(s) <= 253 && dns1123Subdomain.MatchString(s) }

// ---- k8s.io/apiserver/pkg/authentication/serviceaccount/util.go UserInfo (re-stated) ----

func (r *result) fill(sa *saInfo) {
	r.User = "system:serviceaccount:" + sa.Namespace + ":" + sa.Name
	r.UID = sa.UID
	r.Groups = []string{"system:serviceaccounts", "system:serviceaccounts:" + sa.Namespace}
	r.Extra = map[string][]string{}
	if sa.PodName != "" && sa.PodUID != "" {
		r.Extra["authentication.kubernetes.io/pod-name"] = []string{sa.PodName}
		r.Extra["authentication.kubernetes.io/pod-uid"] = []string{sa.PodUID}
	}
	if sa.CredentialID != "" {
		r.Extra["authentication.kubernetes.io/credential-id"] = []string{sa.CredentialID}
	}
	if sa.NodeName != "" {
		r.Extra["authentication.kubernetes.io/node-name"] = []string{sa.NodeName}
		if sa.NodeUID != "" {
			r.Extra["authentication.kubernetes.io/node-uid"] = []string{sa.NodeUID}
		}
	}
}

// reserialize is REAL go-jose: jwt.go GenerateToken's builder chain (private claims, public
// claims, then the issuer), signed with a throwaway HMAC key only to obtain the payload bytes.
func reserialize(private interface{}, public *jwt.Claims) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: make([]byte, 32)}, nil)
	if err != nil {
		return ""
	}
	s, err := jwt.Signed(signer).Claims(private).Claims(public).Claims(&jwt.Claims{Issuer: public.Issuer}).CompactSerialize()
	if err != nil {
		return ""
	}
	parts := strings.Split(s, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	return string(b)
}

// The union of token authenticators (token/union, FailOnError false): the legacy one first,
// then the bound one (pkg/kubeapiserver/authenticator/config.go); the first to authenticate
// wins; errors are aggregated.
func check(token string, getter *staticPublicKeysGetter, issuers, auds []string, now time.Time) result {
	var res result
	// For the report only: the header and payload as go-jose would see them.
	if parts := strings.Split(stripWhitespace(token), "."); len(parts) == 3 {
		if h, err := base64.RawURLEncoding.DecodeString(parts[0]); err == nil {
			res.Header = string(h)
		}
		if p, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			res.Payload = string(p)
		}
	}
	set := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, x := range l {
			m[x] = true
		}
		return m
	}
	auths := []*jwtTokenAuthenticator{
		{issuers: set([]string{legacyIssuer}), keysGetter: getter, implicitAuds: auds, legacy: true, now: now},
		{issuers: set(issuers), keysGetter: getter, implicitAuds: auds, now: now},
	}
	var errlist []error
	var notMine []string
	for _, a := range auths {
		info, err := a.authenticateToken(token)
		if err != nil {
			var nm errNotMine
			if errors.As(err, &nm) {
				notMine = append(notMine, nm.why)
			} else {
				errlist = append(errlist, err)
			}
			if a.reserialized != "" {
				res.APIServerJSON = a.reserialized
			}
			continue
		}
		res.Authenticated = true
		res.Kind = "bound"
		if a.legacy {
			res.Kind = "legacy"
		}
		res.fill(info)
		res.APIServerJSON = a.reserialized
		res.ExpectHeader = fmt.Sprintf(`{"alg":%q,"kid":%q}`, a.alg, a.kid)
		return res
	}
	if len(errlist) == 0 {
		res.NotMine = true
		res.Error = strings.Join(notMine, "; ")
	} else {
		res.Error = aggregate(errlist).Error()
	}
	return res
}

// go-jose encoding.go stripWhitespace (for the report only; ParseSigned does its own).
func stripWhitespace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
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
	keyPath := flag.String("key", "", "PEM file, read as --service-account-key-file")
	issuer := flag.String("issuer", "https://kubernetes.default.svc.cluster.local", "comma-separated issuers")
	audience := flag.String("audience", "", "comma-separated API audiences (default: every issuer)")
	at := flag.Int64("time", 0, "unix time to check at (default now)")
	flag.Parse()
	data, err := os.ReadFile(*keyPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokencheck:", err)
		os.Exit(2)
	}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tokencheck:", err)
		os.Exit(2)
	}
	var out []byte
	// keyutil.PublicKeysFromFile, as pkg/kubeapiserver/options/authentication.go calls it.
	keys, err := parsePublicKeysPEM(data)
	if err != nil {
		out, _ = json.Marshal(result{KeyError: fmt.Sprintf("error reading public key file %s: %v", *keyPath, err)})
		fmt.Println(string(out))
		return
	}
	getter, err := newStaticPublicKeysGetter(keys)
	if err != nil {
		out, _ = json.Marshal(result{KeyError: err.Error()})
		fmt.Println(string(out))
		return
	}
	issuers := split(*issuer)
	auds := split(*audience)
	// pkg/kubeapiserver/options/authentication.go ToAuthenticationConfig: no
	// --api-audiences means every --service-account-issuer.
	if len(auds) == 0 && len(issuers) > 0 {
		auds = issuers
	}
	now := time.Now()
	if *at != 0 {
		now = time.Unix(*at, 0)
	}
	out, _ = json.Marshal(check(strings.TrimSpace(string(raw)), getter, issuers, auds, now))
	fmt.Println(string(out))
}
