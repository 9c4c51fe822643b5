"""The adversarial ServiceAccount token corpus of tests/it/token_adversarial.rs.

Usage: python3 token_adversarial.py DIR  (the peers' python3: cryptography)
Writes the key files into DIR and prints a JSON list of cases:
  {"name", "token", "key", "issuer", "audience", "expect", "why", "say"}
expect is "accept:<username>", "reject" (a 401), or "keyfile" (kube-apiserver refuses to start:
keyutil.ParsePublicKeysPEM finds no key in --service-account-key-file). say, when set, is a word
kcred's reason must use (an unsupported algorithm is reported as unsupported, not as an invalid
signature).

Every token whose signature is meant to verify is really signed here (cryptography), over the
exact bytes kube-apiserver's go-jose v2 hashes (jws.go computeAuthData: the re-encoded header
and payload, or the raw payload with b64:false). `why` names the upstream source that decides:
  jwt.go      = kubernetes pkg/serviceaccount/jwt.go (AuthenticateToken, hasCorrectIssuer)
  claims.go   = kubernetes pkg/serviceaccount/claims.go (validator.Validate)
  legacy.go   = kubernetes pkg/serviceaccount/legacy.go (legacyValidator.Validate)
  util.go     = k8s.io/apiserver/pkg/authentication/serviceaccount/util.go (SplitUsername)
  keyutil     = k8s.io/client-go/util/keyutil/key.go (ParsePublicKeysPEM)
  go-jose     = gopkg.in/square/go-jose.v2 v2.6.0 (= the API server's v2.6.3 fork for all of
                these: see tests/go/tokencheck/main.go); file and function named in each case.
"""

import base64
import datetime
import hashlib
import json
import platform
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

D = sys.argv[1]
NOW = int(time.time())
ISS = "https://kubernetes.default.svc.cluster.local"
USER = "system:serviceaccount:team-a:bot"
# Go's float64 -> int64 conversion past the int64 range is the CPU's: math.MinInt64 on amd64
# (CVTTSD2SQ), saturation on arm64 (FCVTZS). go-jose's NumericDate inherits it.
ARM64 = platform.machine() in ("aarch64", "arm64")


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def pem_pub(k):
    return k.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def kid(k):
    der = k.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return b64(hashlib.sha256(der).digest())


def write(name, data):
    with open(f"{D}/{name}", "wb") as f:
        f.write(data)
    return name


rsa_key = rsa.generate_private_key(65537, 2048)
rsa_other = rsa.generate_private_key(65537, 2048)
rsa1024 = rsa.generate_private_key(65537, 1024)
p256 = ec.generate_private_key(ec.SECP256R1())
p384 = ec.generate_private_key(ec.SECP384R1())
p521 = ec.generate_private_key(ec.SECP521R1())

SA_PUB = write("sa.pub", pem_pub(rsa_key))
for name, k in [("rsa1024", rsa1024), ("p256", p256), ("p384", p384), ("p521", p521)]:
    write(f"{name}.pub", pem_pub(k))

HASH = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}


def raw_sign(key, alg, data, pss_salt=None):
    """The JWS signature of `data` for `alg`, made with `key` as the algorithm says (the
    key's curve is not checked against alg: go-jose asymmetric.go ecEncrypterVerifier
    .verifyPayload takes the r||s size from alg)."""
    h = HASH[alg[2:]]
    if alg.startswith("RS"):
        return key.sign(data, padding.PKCS1v15(), h)
    if alg.startswith("PS"):
        salt = h.digest_size if pss_salt is None else pss_salt
        return key.sign(data, padding.PSS(padding.MGF1(h), salt), h)
    if alg.startswith("ES"):
        size = {"ES256": 32, "ES384": 48, "ES512": 66}[alg]
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(h)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise ValueError(alg)


def claims(**over):
    c = {
        "aud": [ISS],
        "exp": NOW + 3600,
        "iat": NOW,
        "iss": ISS,
        "jti": "j-1",
        "kubernetes.io": {"namespace": "team-a", "serviceaccount": {"name": "bot", "uid": "u-1"}},
        "nbf": NOW,
        "sub": USER,
    }
    for k, v in over.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def token(
    payload,
    key=rsa_key,
    alg="RS256",
    header=None,
    sign_input=None,
    pss_salt=None,
    with_kid=True,
):
    """A compact JWS. payload/header: dict (serialised compactly) or bytes (used as they are).
    sign_input(h64, p64, header_bytes, payload_bytes) -> bytes overrides what is signed."""
    if header is None:
        header = {"alg": alg, "kid": kid(key)} if with_kid else {"alg": alg}
    hb = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    pb = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    h64, p64 = b64(hb), b64(pb)
    data = sign_input(h64, p64, hb, pb) if sign_input else f"{h64}.{p64}".encode()
    return f"{h64}.{p64}.{b64(raw_sign(key, alg, data, pss_salt))}"


cases = []


def case(name, tok, expect, why, key=SA_PUB, issuer=(ISS,), audience=(ISS,), say=None):
    cases.append(
        {
            "name": name,
            "token": tok,
            "key": key,
            "issuer": list(issuer),
            "audience": list(audience),
            "expect": expect,
            "why": why,
            "say": say,
        }
    )


ACCEPT = "accept:" + USER

# ---- baseline ----------------------------------------------------------------------------
case("baseline", token(claims()), ACCEPT, "an ordinary bound token (claims.go Validate)")

# ---- claims as go-jose decodes them -------------------------------------------------------
good = json.dumps(claims(), separators=(",", ":"))
case(
    "payload_duplicate_sub",
    token(good[:-1].encode() + b',"sub":"system:serviceaccount:kube-system:admin"}'),
    "reject",
    "go-jose json/decode.go object(): a duplicate key is an error, so tok.Claims fails (jwt.go)",
)
case(
    "payload_duplicate_kubernetes_io",
    token(
        good[:-1].encode()
        + b',"kubernetes.io":{"namespace":"kube-system","serviceaccount":{"name":"admin","uid":"u-0"}}}'
    ),
    "reject",
    "go-jose json/decode.go object(): duplicate key 'kubernetes.io'",
)
case(
    "payload_duplicate_key_escaped",
    token(good[:-1].encode() + b',"\\u0073ub":"' + USER.encode() + b'"}'),
    "reject",
    "go-jose json/decode.go object(): keys are compared after unquote, so \\u0073ub duplicates sub",
)
case(
    "header_duplicate_kid",
    token(claims(), header=('{"alg":"RS256","kid":"%s","kid":"%s"}' % (kid(rsa_key), kid(rsa_key))).encode()),
    "reject",
    "go-jose jws.go sanitized(): the protected header is decoded by the json fork, duplicate key: ParseSigned fails (jwt.go returns false)",
)
for name, aud in [("null", None), ("number", 42), ("object", {"a": ISS}), ("array_with_number", [ISS, 1]), ("bool", True)]:
    payload = good.replace('"aud":["%s"]' % ISS, '"aud":' + json.dumps(aud)).encode()
    case(
        f"aud_{name}",
        token(payload),
        "reject",
        "go-jose jwt/claims.go Audience.UnmarshalJSON: only a string or an array of strings; else ErrUnmarshalAudience",
    )
case("aud_single_string", token(claims(aud=ISS)), ACCEPT, "go-jose jwt/claims.go Audience.UnmarshalJSON: a string is one audience")
case("aud_empty_array", token(claims(aud=[])), ACCEPT, "jwt.go AuthenticateToken: no audience means the API audiences")
case("jti_number", token(claims(jti=5)), "reject", "go-jose json fork: a number into Claims.ID (string) is an UnmarshalTypeError")
case("sub_number", token(claims(sub=5)), "reject", "go-jose json fork: a number into Claims.Subject (string)")
case("sub_array", token(claims(sub=[USER])), "reject", "go-jose json fork: an array into Claims.Subject (string)")
case("iss_number", token(claims(iss=5)), "reject", "jwt.go hasCorrectIssuer: encoding/json fails on a number for iss: not this authenticator's token")
case("jti_null", token(good.replace('"jti":"j-1"', '"jti":null').encode()), ACCEPT, "json null leaves a string field empty (no credential-id)")
case("exp_fractional", token(claims(exp=NOW + 3600.75, nbf=NOW - 0.5, iat=NOW + 0.25)), ACCEPT, "go-jose jwt/claims.go NumericDate.UnmarshalJSON: ParseFloat then int64 (truncation)")
case("exp_string", token(claims(exp=str(NOW + 3600))), "reject", "go-jose NumericDate.UnmarshalJSON: ParseFloat of a quoted string fails: ErrUnmarshalNumericDate")
case("exp_1e400", token(good.replace('"exp":%d' % (NOW + 3600), '"exp":1e400').encode()), "reject", "go-jose NumericDate.UnmarshalJSON: ParseFloat range error: ErrUnmarshalNumericDate")
case(
    "exp_1e300",
    token(good.replace('"exp":%d' % (NOW + 3600), '"exp":1e300').encode()),
    ACCEPT if ARM64 else "reject",
    "go-jose NumericDate.UnmarshalJSON: int64(1e300) is math.MinInt64 on amd64, so the token expired long ago (ErrExpired, claims.go); MaxInt64 on arm64",
)
case(
    "exp_just_past_int64",
    token(good.replace('"exp":%d' % (NOW + 3600), '"exp":9.3e18').encode()),
    ACCEPT if ARM64 else "reject",
    "go-jose NumericDate: int64(9.3e18) overflows to math.MinInt64 on amd64: expired (arm64 saturates: not expired)",
)
case("exp_9e18", token(good.replace('"exp":%d' % (NOW + 3600), '"exp":9e18').encode()), ACCEPT, "go-jose NumericDate: 9e18 fits int64: far future, not expired")
case(
    "nbf_1e300",
    token(good.replace('"nbf":%d' % NOW, '"nbf":1e300').encode()),
    "reject" if ARM64 else ACCEPT,
    "go-jose NumericDate: int64(1e300) is math.MinInt64: not-before lies in the past (jwt/validation.go ValidateWithLeeway)",
)
case("iat_minus_1e300", token(good.replace('"iat":%d' % NOW, '"iat":-1e300').encode()), ACCEPT, "go-jose NumericDate: issued long ago")
case("exp_past", token(claims(exp=NOW - 120)), "reject", "go-jose ValidateWithLeeway: expired beyond the 60 s leeway (claims.go: has expired)")
case("iat_future", token(claims(iat=NOW + 600)), "reject", "go-jose ValidateWithLeeway: ErrIssuedInTheFuture (claims.go)")
case(
    "utf8_invalid_in_jti",
    token(good.replace('"jti":"j-1"', '"jti":"j-\xff1"').encode("latin-1")),
    ACCEPT,
    "go-jose json/decode.go unquoteBytes: invalid UTF-8 becomes U+FFFD; the jti is only the credential-id",
)
case(
    "utf8_invalid_in_sa_name",
    token(good.replace('"name":"bot"', '"name":"bot\xff"').encode("latin-1")),
    "reject",
    "go-jose decodes the name as bot\\uFFFD; no ServiceAccount can have that name (claims.go GetServiceAccount)",
)
deep_ok = 9990
deep_bad = 10001
case(
    "payload_nested_9990",
    token(good[:-1].encode() + b',"x":' + b"[" * deep_ok + b"]" * deep_ok + b"}"),
    ACCEPT,
    "encoding/json (hasCorrectIssuer) allows 10000 levels; go-jose's json fork has no limit",
)
case(
    "payload_nested_10001",
    token(good[:-1].encode() + b',"x":' + b"[" * deep_bad + b"]" * deep_bad + b"}"),
    "reject",
    "encoding/json scanner: exceeded max depth (10000) in hasCorrectIssuer (jwt.go): not this authenticator's token",
)
case(
    "header_nested_20000",
    token(claims(), header=('{"alg":"RS256","kid":"%s","x":' % kid(rsa_key)).encode() + b"[" * 20000 + b"]" * 20000 + b"}"),
    ACCEPT,
    "go-jose json fork (no depth limit) decodes the header's extra member; the pre-check never reads the header",
)

# ---- the issuer pre-check (encoding/json) -------------------------------------------------
case(
    "iss_then_upper_ISS_evil",
    token(good[:-1].encode() + b',"ISS":"https://evil.example"}'),
    "reject",
    "jwt.go hasCorrectIssuer: encoding/json matches ISS to iss case-insensitively, last wins: evil is not an issuer",
)
case(
    "upper_ISS_evil_then_iss",
    token(b'{"ISS":"https://evil.example",' + good[1:].encode()),
    ACCEPT,
    "encoding/json: iss (last) wins in the pre-check; go-jose matches keys exactly and ignores ISS",
)
case(
    "iss_duplicate_evil_then_good",
    token(b'{"iss":"https://evil.example",' + good[1:].encode()),
    "reject",
    "pre-check passes (last iss wins) but go-jose json/decode.go rejects the duplicate key",
)

# ---- JWS headers --------------------------------------------------------------------------
def hdr(**extra):
    h = {"alg": "RS256", "kid": kid(rsa_key)}
    h.update(extra)
    return h


case("crit_unknown", token(claims(), header=hdr(crit=["exp"], exp=NOW)), "reject", "go-jose signing.go DetachedVerify: a crit name not in supportedCritical (only b64): ErrCryptoFailure")
case("crit_not_array", token(claims(), header=hdr(crit="b64")), "reject", "go-jose shared.go getCritical: crit must be a string array")
raw_payload_input = lambda h64, p64, hb, pb: h64.encode() + b"." + pb
case(
    "b64_false_crit_signed_raw",
    token(claims(), header=hdr(b64=False, crit=["b64"]), sign_input=raw_payload_input),
    ACCEPT,
    "go-jose jws.go computeAuthData: b64 false signs header64 + '.' + the raw payload (the compact part is still base64url-decoded)",
)
case(
    "b64_false_crit_signed_base64",
    token(claims(), header=hdr(b64=False, crit=["b64"])),
    "reject",
    "go-jose computeAuthData: with b64 false the signature over the base64url payload does not verify",
)
case(
    "b64_false_without_crit_signed_raw",
    token(claims(), header=hdr(b64=False), sign_input=raw_payload_input),
    ACCEPT,
    "go-jose jws.go computeAuthData reads b64 whether or not crit names it",
)
case("b64_not_bool_signed_base64", token(claims(), header=hdr(b64="false")), ACCEPT, "go-jose computeAuthData: getB64 fails on a string, needsBase64 stays true")
case("x5c_not_base64", token(claims(), header=hdr(x5c=["not base64!"])), "reject", "go-jose shared.go rawHeader.sanitized: x5c parseCertificateChain fails: ParseSigned fails")
case("x5c_not_a_certificate", token(claims(), header=hdr(x5c=["AAAA"])), "reject", "go-jose shared.go parseCertificateChain: x509.ParseCertificate fails")
case("x5c_not_array", token(claims(), header=hdr(x5c="AAAA")), "reject", "go-jose shared.go sanitized: x5c must be a string array")
ecn = p256.private_numbers()
private_jwk = {
    "kty": "EC",
    "crv": "P-256",
    "x": b64(ecn.public_numbers.x.to_bytes(32, "big")),
    "y": b64(ecn.public_numbers.y.to_bytes(32, "big")),
    "d": b64(ecn.private_value.to_bytes(32, "big")),
}
case("jwk_private_in_header", token(claims(), header=hdr(jwk=private_jwk)), "reject", "go-jose jws.go sanitized: an embedded jwk must be a valid public key")
public_jwk = {k: v for k, v in private_jwk.items() if k != "d"}
case("jwk_public_in_header", token(claims(), header=hdr(jwk=public_jwk)), ACCEPT, "go-jose allows a public embedded jwk; jwt.go verifies with its own keys chosen by kid")
case("jwk_garbage_in_header", token(claims(), header=hdr(jwk={"kty": "EC"})), "reject", "go-jose jwk.go UnmarshalJSON fails: ParseSigned fails")
case("kid_number", token(claims(), header=hdr(kid=5)), "reject", "go-jose shared.go sanitized: kid must be a string")
case("alg_lowercase", token(claims(), header=hdr(alg="rs256")), "reject", "go-jose asymmetric.go rsaEncrypterVerifier.verifyPayload: unsupported algorithm", say="unsupported")
case("no_kid_tries_all_keys", token(claims(), with_kid=False), ACCEPT, "jwt.go StaticPublicKeysGetter: an empty kid means every key")
case("unknown_kid", token(claims(), header=hdr(kid="nope")), "reject", "jwt.go: invalid signature, no keys found")

t = token(claims())
h, p, s = t.split(".")
case("newline_in_header_part", h[:10] + "\n" + h[10:] + "." + p + "." + s, ACCEPT, "go-jose jws.go ParseSigned strips whitespace (encoding.go stripWhitespace); the pre-check only decodes the payload part")
case("newline_in_payload_part", h + "." + p[:10] + "\r\n" + p[10:] + "." + s, ACCEPT, "encoding/base64 skips \\r and \\n (pre-check passes); go-jose strips whitespace")
case("space_in_payload_part", h + "." + p[:10] + " " + p[10:] + "." + s, "reject", "jwt.go hasCorrectIssuer: base64 of a payload with a space fails: not this authenticator's token")
case("tab_in_signature_part", h + "." + p + "." + s[:10] + "\t" + s[10:], ACCEPT, "go-jose strips the tab before decoding the signature")
case("nbsp_in_header_part", h[:10] + "\u00a0" + h[10:] + "." + p + "." + s, ACCEPT, "go-jose stripWhitespace uses unicode.IsSpace (U+00A0 is a space)")
case("json_serialization", json.dumps({"payload": p, "protected": h, "signature": s}), "reject", "jwt.go hasCorrectIssuer: a token starting with { is refused")
case("padded_payload", h + "." + p + "=" * (-len(p) % 4 or 4) + "." + s, "reject", "RawURLEncoding refuses padding (pre-check and jws.go parseSignedCompact)")
case("two_parts", h + "." + p, "reject", "jwt.go hasCorrectIssuer: three parts")


def non_canonical(part):
    """The same bytes with non-zero trailing bits in the last base64url character (Go's
    RawURLEncoding is not Strict: it decodes them)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    rem = len(part) % 4
    assert rem in (2, 3), part
    i = alphabet.index(part[-1])
    return part[:-1] + alphabet[i + 1]


def sized_claims(mod):
    """Claims whose JSON length is 1 or 2 mod 3, so its base64url has trailing bits."""
    c = claims()
    pad = ""
    while len(json.dumps(c | {"p": pad}, separators=(",", ":"))) % 3 != mod:
        pad += "x"
    return c | {"p": pad}


for mod in (1, 2):
    c = sized_claims(mod)
    good_t = token(c)
    h, p, s = good_t.split(".")
    nc = non_canonical(p)
    case(
        f"noncanonical_payload_b64_mod{mod}_signed_canonical",
        f"{h}.{nc}.{s}",
        ACCEPT,
        "go-jose jws.go computeAuthData re-encodes the decoded payload, so the signature over the canonical form verifies",
    )
    sig = b64(raw_sign(rsa_key, "RS256", f"{h}.{nc}".encode()))
    case(
        f"noncanonical_payload_b64_mod{mod}_signed_as_sent",
        f"{h}.{nc}.{sig}",
        "reject",
        "go-jose computeAuthData: the bytes as sent are not what is verified",
    )
hd = hdr(p="x")
while len(json.dumps(hd, separators=(",", ":"))) % 3 == 0:
    hd["p"] += "x"
h, p, s = token(claims(), header=hd).split(".")
case("noncanonical_header_b64_signed_canonical", f"{non_canonical(h)}.{p}.{s}", ACCEPT, "go-jose computeAuthData writes original.Protected.base64(): the re-encoded header")

# ---- algorithms ---------------------------------------------------------------------------
VERIFY = "go-jose asymmetric.go ecEncrypterVerifier/rsaEncrypterVerifier.verifyPayload"
for name, k, alg, why in [
    ("es256_p256", p256, "ES256", VERIFY),
    ("es384_p384", p384, "ES384", VERIFY),
    ("es512_p521", p521, "ES512", VERIFY + ": ES512 is 2*66 bytes (kube-apiserver signs P-521 keys with ES512, jwt.go signerFromECDSAPrivateKey)"),
    ("rs384", rsa_key, "RS384", VERIFY),
    ("rs512", rsa_key, "RS512", VERIFY),
    ("rsa1024_rs256", rsa1024, "RS256", VERIFY + ": Go verifies RSA-1024 (the rsa1024min GODEBUG refuses only smaller keys)"),
    ("es384_on_p256_key", p256, "ES384", VERIFY + ": alg picks SHA-384 and 2*48 bytes, the curve is not checked, ecdsa.Verify truncates the hash"),
    ("es512_on_p256_key", p256, "ES512", VERIFY + ": alg picks SHA-512 and 2*66 bytes, the curve is not checked"),
]:
    keyfile = {p256: "p256.pub", p384: "p384.pub", p521: "p521.pub", rsa1024: "rsa1024.pub"}.get(k, SA_PUB)
    case(f"alg_{name}", token(claims(), key=k, alg=alg), ACCEPT, why, key=keyfile)
for name, salt in [("digest", None), ("zero", 0), ("max", 2048 // 8 - 32 - 2)]:
    case(f"alg_ps256_salt_{name}", token(claims(), alg="PS256", pss_salt=salt), ACCEPT, "go-jose asymmetric.go: rsa.VerifyPSS(..., nil) detects the salt length")
case("alg_ps512_salt_zero", token(claims(), alg="PS512", pss_salt=0), ACCEPT, "go-jose: rsa.VerifyPSS(..., nil) auto salt")
case("alg_rs256_on_ec_key", token(claims(), key=p256, alg="ES256", header={"alg": "RS256", "kid": kid(p256)}), "reject", "go-jose ecEncrypterVerifier: RS256 is unsupported for an EC key", key="p256.pub")
case("alg_es256_on_rsa_key", token(claims(), header=hdr(alg="ES256")), "reject", "go-jose rsaEncrypterVerifier: ES256 is unsupported for an RSA key")
case("alg_eddsa", token(claims(), header=hdr(alg="EdDSA")), "reject", "go-jose: EdDSA needs an ed25519 key; the RSA verifier refuses it")
case("alg_none", f"{b64(json.dumps({'alg': 'none', 'kid': kid(rsa_key)}).encode())}.{b64(json.dumps(claims()).encode())}.", "reject", "go-jose rsaEncrypterVerifier: none is unsupported", say="unsupported")
der_sig_t = token(claims(), key=p256, alg="ES256")
h, p, _ = der_sig_t.split(".")
case("alg_es256_der_signature", f"{h}.{p}.{b64(p256.sign(f'{h}.{p}'.encode(), ec.ECDSA(hashes.SHA256())))}", "reject", "go-jose ecEncrypterVerifier: the signature must be r||s of 2*32 bytes", key="p256.pub")

# ---- key files as keyutil.ParsePublicKeysPEM reads them ------------------------------------
pkcs1 = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
pkcs8_rsa = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
sec1 = p256.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
pkcs8_ec = p256.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
rsa_pkcs1_pub = rsa_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sa")])
cert = (
    x509.CertificateBuilder()
    .subject_name(name)
    .issuer_name(name)
    .public_key(rsa_key.public_key())
    .serial_number(1)
    .not_valid_before(datetime.datetime(2020, 1, 1))
    .not_valid_after(datetime.datetime(2030, 1, 1))
    .sign(rsa_key, hashes.SHA256())
    .public_bytes(serialization.Encoding.PEM)
)
ec_params = b"-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
der_pub = pem_pub(rsa_key).split(b"-----")[2]
ed_pub = pem_pub(ed25519.Ed25519PrivateKey.generate())
rsa_t = token(claims())
ec_t = token(claims(), key=p256, alg="ES256")


def der_len(n):
    return bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")


def der_tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(v):
    return der_tlv(0x02, v.to_bytes(v.bit_length() // 8 + 1, "big", signed=True))


def der_seq(*items):
    return der_tlv(0x30, b"".join(items))


def pem_block(label, der):
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = b"\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return b"-----BEGIN " + label + b"-----\n" + lines + b"\n-----END " + label + b"-----\n"


# RSAPrivateKey numbers (RFC 8017 A.1.2), changed one at a time: Go 1.24+ ParsePKCS1PrivateKey
# runs rsa.PrivateKey.Validate (fips140/rsa checkPrivateKey), so a key whose numbers disagree is
# skipped even though n and e are right. Go 1.25 (kube-apiserver 1.35's, and this peer's)
# does not check d itself once dP and dQ are right; Go 1.26 does.
rn = rsa_key.private_numbers()
RSA_NUMS = [0, rn.public_numbers.n, rn.public_numbers.e, rn.d, rn.p, rn.q, rn.dmp1, rn.dmq1, rn.iqmp]


def pkcs1_with(*, extra=b"", drop_crt=False, **change):
    names = ["version", "n", "e", "d", "p", "q", "dp", "dq", "qinv"]
    nums = [change.get(k, v) for k, v in zip(names, RSA_NUMS)]
    if drop_crt:
        nums = nums[:6]
    return der_seq(*(der_int(v) for v in nums), extra)


def pkcs8_of(pkcs1_der, trailing=b""):
    alg = der_seq(der_tlv(0x06, bytes.fromhex("2a864886f70d010101")), b"\x05\x00")
    return der_seq(der_int(0), alg, der_tlv(0x04, pkcs1_der)) + trailing


for name, der, expect, why in [
    ("pkcs1_rebuilt", pkcs1_with(), ACCEPT, "the DER helpers rebuild the key Go reads"),
    ("pkcs1_qinv_wrong", pkcs1_with(qinv=rn.iqmp + 1), "keyfile", "fips140/rsa checkPrivateKey: invalid CRT coefficient"),
    ("pkcs1_dp_wrong", pkcs1_with(dp=rn.dmp1 + 2), "keyfile", "fips140/rsa checkPrivateKey: invalid CRT exponent"),
    ("pkcs1_d_wrong_crt_right", pkcs1_with(d=rn.d + 2), ACCEPT, "Go 1.25 checkPrivateKey checks dP, dQ and qInv, not d"),
    ("pkcs1_p_q_swapped_crt_kept", pkcs1_with(p=rn.q, q=rn.p), "keyfile", "fips140/rsa checkPrivateKey: the CRT values no longer match the primes"),
    ("pkcs1_version_2", pkcs1_with(version=2), "keyfile", "crypto/x509 ParsePKCS1PrivateKey: unsupported private key version"),
    ("pkcs1_version_minus_1", pkcs1_with(version=-1), ACCEPT, "crypto/x509 ParsePKCS1PrivateKey refuses only a version above 1"),
    ("pkcs1_without_crt_values", pkcs1_with(drop_crt=True), ACCEPT, "pkcs1PrivateKey: Dp, Dq, Qinv are asn1 optional; rsa precompute derives them (NewPrivateKey)"),
    ("pkcs1_extra_element_at_the_end", pkcs1_with(extra=der_tlv(0x04, b"x")), ACCEPT, "encoding/asn1 allows elements after a struct's last field"),
    ("pkcs8_rsa_qinv_wrong", pkcs8_of(pkcs1_with(qinv=rn.iqmp + 1)), "keyfile", "crypto/x509 ParsePKCS8PrivateKey -> ParsePKCS1PrivateKey -> Validate"),
    ("pkcs8_rsa_bytes_after", pkcs8_of(pkcs1_with(), b"\x00\x00"), ACCEPT, "crypto/x509 ParsePKCS8PrivateKey ignores asn1.Unmarshal's rest"),
]:
    case(f"keyfile_{name}", rsa_t, expect, why, key=write(f"kf-{name}.pem", pem_block(b"RSA PRIVATE KEY", der)))

# SEC1 EC keys as crypto/x509 parseECPrivateKey reads them: asn1.Unmarshal's rest is ignored,
# the embedded public key is never read (the point comes from the scalar), short or
# zero-padded scalars are accepted, and only version 1 is.
d256 = p256.private_numbers().private_value
P256_OID = der_tlv(0x06, bytes.fromhex("2a8648ce3d030107"))


def sec1_der(*, version=1, scalar=None, pub=None, trailing=b""):
    scalar = d256.to_bytes(32, "big") if scalar is None else scalar
    point = (pub or p256).public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return der_seq(der_int(version), der_tlv(0x04, scalar), der_tlv(0xA0, P256_OID), der_tlv(0xA1, der_tlv(0x03, b"\x00" + point))) + trailing


other256 = ec.generate_private_key(ec.SECP256R1())
for name, der, expect, why in [
    ("sec1_rebuilt", sec1_der(), ACCEPT, "the DER helpers rebuild the key Go reads"),
    ("sec1_bytes_after", sec1_der(trailing=b"\x00"), ACCEPT, "crypto/x509 parseECPrivateKey ignores asn1.Unmarshal's rest"),
    ("sec1_other_public_key", sec1_der(pub=other256), ACCEPT, "crypto/x509 parseECPrivateKey derives the point from the scalar; the embedded one is not read"),
    ("sec1_scalar_zero_padded", sec1_der(scalar=b"\x00" + d256.to_bytes(32, "big")), ACCEPT, "crypto/x509 parseECPrivateKey strips leading zero bytes"),
    ("sec1_version_2", sec1_der(version=2), "keyfile", "crypto/x509 parseECPrivateKey: unknown EC private key version 2"),
]:
    case(f"keyfile_{name}", ec_t, expect, why, key=write(f"kf-{name}.pem", pem_block(b"EC PRIVATE KEY", der)))

# A PKIX RSA key without the NULL parameters: x509.ParsePKIXPublicKey -> parsePublicKey refuses
# it ("x509: RSA key missing NULL parameters"), so keyutil skips the block.
rsa_pub_der = der_seq(der_int(rn.public_numbers.n), der_int(rn.public_numbers.e))
for name, params in [("no_params", b""), ("empty_sequence_params", der_seq())]:
    spki = der_seq(der_seq(der_tlv(0x06, bytes.fromhex("2a864886f70d010101")) + params), der_tlv(0x03, b"\x00" + rsa_pub_der))
    case(f"keyfile_pkix_rsa_{name}", rsa_t, "keyfile", "crypto/x509 parsePublicKey: RSA key missing NULL parameters", key=write(f"kf-pkix-rsa-{name}.pem", pem_block(b"PUBLIC KEY", spki)))

for name, data, tok, expect, why in [
    ("pkcs1_rsa_private", pkcs1, rsa_t, ACCEPT, "keyutil parseRSAPrivateKey: PKCS#1"),
    ("pkcs8_rsa_private", pkcs8_rsa, rsa_t, ACCEPT, "keyutil parseRSAPrivateKey: PKCS#8 holding an RSA key"),
    ("certificate", cert, rsa_t, ACCEPT, "keyutil parseRSAPublicKey: x509.ParseCertificate's key"),
    ("certificate_negative_serial", pem_block(b"CERTIFICATE", x509.load_pem_x509_certificate(cert).public_bytes(serialization.Encoding.DER).replace(b"\xa0\x03\x02\x01\x02\x02\x01\x01", b"\xa0\x03\x02\x01\x02\x02\x01\xff", 1)), rsa_t, "keyfile", "keyutil parseRSAPublicKey: x509.ParseCertificate refuses a negative serial number (Go >= 1.23, x509negativeserial)"),
    ("pkix_in_a_block_named_FOO", b"-----BEGIN FOO-----" + der_pub + b"-----END FOO-----\n", rsa_t, ACCEPT, "keyutil ignores the PEM block type"),
    ("sec1_ec_private", sec1, ec_t, ACCEPT, "keyutil parseECPrivateKey: SEC1"),
    ("ec_parameters_then_sec1", ec_params + sec1, ec_t, ACCEPT, "keyutil skips the EC PARAMETERS block"),
    ("pkcs8_ec_private_only", pkcs8_ec, ec_t, "keyfile", "keyutil parseECPrivateKey is SEC1 only and parseRSAPrivateKey wants RSA: a PKCS#8 EC key is skipped, no key left"),
    ("pkcs8_ec_private_and_rsa_public", pkcs8_ec + pem_pub(rsa_other), ec_t, "reject", "keyutil skips the PKCS#8 EC key; the token's kid names no remaining key (jwt.go: no keys found)"),
    ("rsa_public_pkcs1_only", rsa_pkcs1_pub, rsa_t, "keyfile", "keyutil parseRSAPublicKey is PKIX or a certificate: an RSA PUBLIC KEY (PKCS#1) block is skipped"),
    ("ed25519_public_only", ed_pub, rsa_t, "keyfile", "keyutil: neither RSA nor ECDSA"),
    ("not_pem", b"just text\n", rsa_t, "keyfile", "keyutil: no PEM block"),
]:
    case(f"keyfile_{name}", tok, expect, why, key=write(f"kf-{name}.pem", data))

# ---- legacy tokens ------------------------------------------------------------------------
def legacy(ns="apps", name="old", sub=None, **over):
    c = {
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": ns,
        "kubernetes.io/serviceaccount/secret.name": "old-token-x7k2p",
        "kubernetes.io/serviceaccount/service-account.name": name,
        "kubernetes.io/serviceaccount/service-account.uid": "u-9",
        "sub": sub if sub is not None else f"system:serviceaccount:{ns}:{name}",
    }
    c.update(over)
    return token(c)


case("legacy_ok", legacy(), "accept:system:serviceaccount:apps:old", "legacy.go Validate")
case("legacy_expired_exp_is_not_checked", legacy(exp=NOW - 86400), "accept:system:serviceaccount:apps:old", "legacy.go Validate never calls Claims.Validate: exp is not checked")
case("legacy_upper_case_namespace", legacy(ns="Apps"), "reject", "util.go SplitUsername: ValidateNamespaceName (DNS-1123 label) refuses Apps: sub claim is invalid")
case("legacy_upper_case_name", legacy(name="Old"), "reject", "util.go SplitUsername: ValidateServiceAccountName refuses Old")
case("legacy_colon_in_name", legacy(name="a:b"), "reject", "util.go SplitUsername: three parts after the prefix")
case("legacy_sub_other_namespace", legacy(sub="system:serviceaccount:kube-system:old"), "reject", "legacy.go: sub must name the namespace claim")
case("legacy_audience_other", legacy(aud=["vault"]), "reject", "jwt.go AuthenticateToken: audiences must meet the API audiences")
case("legacy_secret_name_invalid", legacy(**{"kubernetes.io/serviceaccount/secret.name": "Bad_Name"}), "reject", "legacy.go lookup: GetSecret can never find an invalid name")
# `--service-account-issuer kubernetes/serviceaccount`: both authenticators serve the issuer.
BOTH = (ISS, "kubernetes/serviceaccount")
WHY_UNION = ("config.go Config.New: the legacy authenticator is in the token union before the bound one; "
             "token/union AuthenticateToken: the first success wins, errors are kept")
case("legacy_issuer_also_bound_issuer", legacy(), "accept:system:serviceaccount:apps:old", WHY_UNION, issuer=BOTH)
case("legacy_issuer_also_bound_issuer_mixed_claims",
     token(claims(iss="kubernetes/serviceaccount", **{
         "kubernetes.io/serviceaccount/namespace": "apps",
         "kubernetes.io/serviceaccount/secret.name": "old-token-x7k2p",
         "kubernetes.io/serviceaccount/service-account.name": "old",
         "kubernetes.io/serviceaccount/service-account.uid": "u-9",
         "sub": "system:serviceaccount:apps:old"})),
     "accept:system:serviceaccount:apps:old", WHY_UNION + ": legacy claims read first", issuer=BOTH)
case("legacy_issuer_also_bound_issuer_bound_claims", token(claims(iss="kubernetes/serviceaccount")), ACCEPT,
     WHY_UNION + ": legacy.go refuses a token without legacy claims, then claims.go accepts it", issuer=BOTH)

# ---- bound tokens that no live object can match (claims.go Validate lookups) ---------------
def bound(**k8s):
    base = {"namespace": "team-a", "serviceaccount": {"name": "bot", "uid": "u-1"}}
    base.update(k8s)
    return token(claims(**{"kubernetes.io": base}))


case("bound_pod_ok", bound(pod={"name": "web-0", "uid": "p-1"}), ACCEPT, "claims.go: a pod reference with name and UID")
case("bound_pod_without_uid", bound(pod={"name": "web-0"}), "reject", "claims.go: podref.UID != string(pod.UID) for every live pod (UIDs are never empty)")
case("bound_pod_without_name", bound(pod={"uid": "p-1"}), "reject", "claims.go: GetPod(namespace, \"\") finds nothing")
case("bound_secret_without_uid", bound(secret={"name": "s"}), "reject", "claims.go: secref.UID != string(secret.UID)")
case("bound_node_only_without_uid", bound(node={"name": "n-1"}), "reject", "claims.go: GetNode then noderef.UID != string(node.UID)")
case("bound_node_with_pod_without_node_uid", bound(pod={"name": "web-0", "uid": "p-1"}, node={"name": "n-1"}), ACCEPT, "claims.go: for pod-bound tokens the node claims are only extracted")
case("bound_invalid_namespace", token(claims(**{"kubernetes.io": {"namespace": "Team_A", "serviceaccount": {"name": "bot", "uid": "u-1"}}})), "reject", "claims.go: GetServiceAccount in a namespace that cannot exist")
case("bound_invalid_sa_name", token(claims(**{"kubernetes.io": {"namespace": "team-a", "serviceaccount": {"name": "Bot", "uid": "u-1"}}})), "reject", "claims.go: GetServiceAccount of a name that cannot exist")
case("bound_sa_without_uid", token(claims(**{"kubernetes.io": {"namespace": "team-a", "serviceaccount": {"name": "bot"}}})), "reject", "claims.go: string(serviceAccount.UID) != saref.UID")
case("bound_no_kubernetes_claim", token(claims(**{"kubernetes.io": None})), "reject", "claims.go: GetServiceAccount(\"\", \"\") finds nothing")

names = [c["name"] for c in cases]
assert len(names) == len(set(names)), "duplicate case names"
print(json.dumps(cases))
