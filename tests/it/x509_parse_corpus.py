# Builds the certificate-parsing corpus for tests/it/authn_x509.rs: a chain root ->
# intermediate -> leaf written DER by hand (Python `cryptography` only makes keys and
# signatures), and one case per malformation per position (leaf, inter, root). Each
# malformation is one that Go's x509.ParseCertificate (crypto/x509/parser.go) refuses or
# accepts unlike a lax parser: EC points, RSA and Ed25519 key encodings, duplicate
# extensions and policies, SAN and name-constraint values, serials, times, name attribute
# values. Go's crypto/x509 (tests/go/x509check) and kcred then judge each case.
#
# Names: `ok-*` Go accepts, `reject-*` Go refuses, `cannot-evaluate-*` kcred says it cannot
# judge, `known-divergence-*` a documented difference (see the test).
#
# usage: python3 x509_parse_corpus.py OUT_DIR   -> writes OUT_DIR/manifest.json + PEM files
import base64
import datetime as dt
import hashlib
import json
import math
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

OUT = sys.argv[1]
NOW = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)

# --- a small DER builder ----------------------------------------------------------------


def der(tag, body):
    """One element: tag, minimal definite length, contents."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + body


def seq(*parts):
    return der(0x30, b"".join(parts))


def oid(dotted):
    arcs = [int(x) for x in dotted.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        enc = [a & 0x7F]
        while a := a >> 7:
            enc.append(0x80 | (a & 0x7F))
        body += bytes(reversed(enc))
    return der(0x06, body)


def integer(v):
    """A minimal two's-complement INTEGER."""
    n = v.bit_length() // 8 + 1
    return der(0x02, (v % (1 << (8 * n))).to_bytes(n, "big"))


def bits(b):
    return der(0x03, b"\x00" + b)


NULL = b"\x05\x00"
TRUE = der(0x01, b"\xff")
CN, O = "2.5.4.3", "2.5.4.10"


def name(*attrs):
    """An RDNSequence, one attribute per RDN: (type OID, value tag, value bytes)."""
    return seq(*(der(0x31, seq(oid(t), der(tag, v))) for t, tag, v in attrs))


def utc(d):
    return der(0x17, d.strftime("%y%m%d%H%M%SZ").encode())


def ext(oid_s, value, critical=False):
    return seq(oid(oid_s), TRUE if critical else b"", der(0x04, value))


SKID, AKID, KU, BC, EKU, SAN, NC, POLICIES, INHIBIT_ANY = (
    "2.5.29.14", "2.5.29.35", "2.5.29.15", "2.5.29.19", "2.5.29.37", "2.5.29.17", "2.5.29.30", "2.5.29.32", "2.5.29.54")

# --- keys and signatures ----------------------------------------------------------------


def rsa_with_exponent(e):
    """An RSA-2048 key with public exponent `e` (the library only generates small ones)."""
    while True:
        n = rsa.generate_private_key(65537, 2048).private_numbers()
        p, q = n.p, n.q
        if math.gcd(e, (p - 1) * (q - 1)) == 1:
            d = pow(e, -1, (p - 1) * (q - 1))
            return rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                         rsa.rsa_crt_iqmp(p, q), rsa.RSAPublicNumbers(e, p * q)).private_key()


K = {
    "root": ec.generate_private_key(ec.SECP256R1()),
    "inter": rsa.generate_private_key(65537, 2048),
    "leaf": ec.generate_private_key(ec.SECP256R1()),
    "p256": ec.generate_private_key(ec.SECP256R1()),
    "rsa": rsa.generate_private_key(65537, 2048),
    "rsa1024": rsa.generate_private_key(65537, 1024),
    "rsa-big-e": rsa_with_exponent((1 << 32) + 15),
    "p224": ec.generate_private_key(ec.SECP224R1()),
    "ed": ed25519.Ed25519PrivateKey.generate(),
}

RSA_OID = {"sha256": "1.2.840.113549.1.1.11", "sha384": "1.2.840.113549.1.1.12"}
HASH = {"sha256": hashes.SHA256, "sha384": hashes.SHA384}


def sig_alg(key, how):
    """The AlgorithmIdentifier for `key` signing: `how` is a hash name, or "pss"."""
    if isinstance(key, rsa.RSAPrivateKey):
        if how == "pss":  # RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32, as Go requires
            h = seq(oid("2.16.840.1.101.3.4.2.1"), NULL)
            params = seq(der(0xA0, h), der(0xA1, seq(oid("1.2.840.113549.1.1.8"), h)), der(0xA2, integer(32)))
            return seq(oid("1.2.840.113549.1.1.10"), params)
        return seq(oid(RSA_OID[how]), NULL)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return seq(oid("1.2.840.10045.4.3.2"))  # ecdsa-with-SHA256 (any curve here)
    return seq(oid("1.3.101.112"))


def sign(key, how, data):
    if isinstance(key, rsa.RSAPrivateKey):
        if how == "pss":
            return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
        return key.sign(data, padding.PKCS1v15(), HASH[how]())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    return key.sign(data)


def spki(key):
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# SubjectPublicKeyInfo malformations (all of a key the Go parser refuses).
EC_P256 = seq(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7"))


def ec_compressed(key):
    return seq(EC_P256, bits(key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)))


def ec_off_curve(key):
    point = bytearray(key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    point[-1] ^= 1
    return seq(EC_P256, bits(bytes(point)))


def rsa_spki(key, null_params=True, negative=False):
    pub = key.public_key().public_numbers()
    modulus = der(0x02, pub.n.to_bytes(256, "big")) if negative else integer(pub.n)  # top bit set: negative
    return seq(seq(oid("1.2.840.113549.1.1.1"), NULL if null_params else b""), bits(seq(modulus, integer(pub.e))))


def ed_spki(key, params=False, size=32):
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)[:size]
    return seq(seq(oid("1.3.101.112"), NULL if params else b""), bits(raw))


ML_DSA_44 = seq(seq(oid("2.16.840.1.101.3.4.3.17")), bits(os.urandom(1312)))  # any 1312 bytes are a key

# --- the chain --------------------------------------------------------------------------

NAMES = {
    "root": name((CN, 0x0C, b"parse-root")),
    "inter": name((CN, 0x0C, b"parse-inter")),
    "leaf": name((O, 0x0C, b"grp"), (CN, 0x0C, b"alice")),
}
KU_LEAF = der(0x03, b"\x05\xa0")  # digitalSignature, keyEncipherment (5 unused bits)
KU_CA = der(0x03, b"\x01\x86")  # digitalSignature, keyCertSign, cRLSign (1 unused bit)


def cert(role, m, issuer):
    """One certificate for `role` with mutation `m` (a dict), signed by `issuer`
    ((name, key, spki) of the parent; None: self-signed). Returns (der, name, key, spki)."""
    key = m.get("key", K[role])
    pub = m.get("spki") or spki(key)
    subject = m.get("subject", NAMES[role])
    issuer_name, signer, issuer_spki = issuer or (subject, key, pub)
    exts = [ext(BC, seq() if role == "leaf" else seq(TRUE), True),
            ext(KU, KU_LEAF if role == "leaf" else KU_CA, True)]
    if role == "leaf":
        exts.append(ext(EKU, seq(oid("1.3.6.1.5.5.7.3.2"))))  # clientAuth
    exts.append(ext(SKID, der(0x04, hashlib.sha1(pub).digest())))
    if issuer:
        exts.append(ext(AKID, seq(der(0x80, hashlib.sha1(issuer_spki).digest()))))
    exts += m.get("exts", [])
    how = m.get("sig", "sha256")
    alg = sig_alg(signer, how)
    tbs = seq(
        der(0xA0, integer(2)),
        m.get("serial", integer(int.from_bytes(os.urandom(8), "big") | 1)),
        alg,
        m.get("issuer", issuer_name),
        m.get("validity", seq(utc(NOW - 10 * DAY), utc(NOW + 100 * DAY))),
        subject,
        pub,
        der(0xA3, seq(*exts)),
        m.get("tail", b""),
    )
    return seq(tbs, alg, bits(sign(signer, how, tbs))), subject, key, pub


def pem(d):
    b64 = base64.b64encode(d).decode()
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n-----END CERTIFICATE-----\n"


cases = []


def add(case, muts, note):
    """Record a case: `muts` maps a role to its mutation; the bundle holds the root, the
    presented chain is leaf then intermediate."""
    root = cert("root", muts.get("root", {}), None)
    inter = cert("inter", muts.get("inter", {}), root[1:])
    leaf = cert("leaf", muts.get("leaf", {}), inter[1:])
    assert case not in [c["name"] for c in cases], case
    ca_path, chain_path = os.path.join(OUT, f"{case}.ca.pem"), os.path.join(OUT, f"{case}.chain.pem")
    with open(ca_path, "w") as f:
        f.write(pem(root[0]))
    with open(chain_path, "w") as f:
        f.write(pem(leaf[0]) + pem(inter[0]))
    cases.append({"name": case, "ca": ca_path, "chain": chain_path,
                  "time": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "note": note})


ALL = ("leaf", "inter", "root")
CAS = ("inter", "root")


def each(prefix, roles, note, mutation):
    """One case per role; `mutation(role)` is that role's mutation."""
    for role in roles:
        add(f"{prefix}-{role}", {role: mutation(role)}, f"{note} ({role})")


# A key of the right type for each role (the baseline: root P-256, inter RSA, leaf P-256).
EC_KEY = {"leaf": K["leaf"], "inter": K["p256"], "root": K["root"]}
RSA_KEY = {"leaf": K["rsa"], "inter": K["inter"], "root": K["rsa"]}


def key_mut(keys, make):
    return lambda r: {"key": keys[r], "spki": make(keys[r])}


def with_ext(*e):
    return lambda r: {"exts": list(e)}


add("ok-baseline", {}, "root P-256 -> intermediate RSA -> leaf P-256, well formed")

# Public keys.
each("reject-ec-point-compressed", ALL, "P-256 key as a compressed point", key_mut(EC_KEY, ec_compressed))
each("reject-ec-point-off-curve", ALL, "P-256 point not on the curve", key_mut(EC_KEY, ec_off_curve))
each("reject-rsa-spki-no-null-params", ALL, "RSA key without NULL parameters", key_mut(RSA_KEY, lambda k: rsa_spki(k, null_params=False)))
each("reject-rsa-spki-negative-modulus", ALL, "RSA modulus encoded negative", key_mut(RSA_KEY, lambda k: rsa_spki(k, negative=True)))
each("reject-ed25519-spki-null-params", ALL, "Ed25519 key with NULL parameters", lambda r: {"key": K["ed"], "spki": ed_spki(K["ed"], params=True)})
each("reject-ed25519-spki-31-bytes", ALL, "Ed25519 key of 31 bytes", lambda r: {"key": K["ed"], "spki": ed_spki(K["ed"], size=31)})
each("reject-rsa-exponent-2-32-plus-15", CAS, "CA RSA key with exponent 2^32+15 (crypto/rsa refuses it)", lambda r: {"key": K["rsa-big-e"]})
each("cannot-evaluate-p224-key", ALL, "P-224 key (Go accepts)", lambda r: {"key": K["p224"]})
# Go 1.25 does not know ML-DSA: the key is left unparsed (PublicKey nil), which the x509
# authenticator never looks at (crypto/tls refuses such a leaf: tests/it/whoami.rs).
add("ok-mldsa-key-leaf", {"leaf": {"spki": ML_DSA_44}}, "ML-DSA-44 leaf key (Go 1.25 leaves it unparsed)")
add("reject-mldsa-key-root", {"root": {"spki": ML_DSA_44}}, "ML-DSA-44 root key: Go skips a root it cannot use (unknown authority)")
add("cannot-evaluate-rsa1024-ca-sha384-leaf", {"inter": {"key": K["rsa1024"]}, "leaf": {"sig": "sha384"}},
    "RSA-1024 intermediate signing with SHA-384")
add("cannot-evaluate-rsa1024-ca-pss-sha256-leaf", {"inter": {"key": K["rsa1024"]}, "leaf": {"sig": "pss"}},
    "RSA-1024 intermediate signing with RSA-PSS")

# Extensions.
each("reject-dup-extension", ALL, "two SubjectKeyIdentifier extensions", with_ext(ext(SKID, der(0x04, b"\x01\x02"))))
each("reject-policy-dup-oid", ALL, "certificate policy 1.2.3 listed twice",
     with_ext(ext(POLICIES, seq(seq(oid("1.2.3")), seq(oid("1.2.3"))))))
each("ok-inhibit-any-negative", CAS, "inhibitAnyPolicy -1 (Go reads any INTEGER)", with_ext(ext(INHIBIT_ANY, der(0x02, b"\xff"), True)))


def san(tag, value):
    return with_ext(ext(SAN, seq(der(tag, value))))


each("reject-san-dns-non-ia5", ALL, "dNSName with a non-ASCII byte", san(0x82, "é.example.com".encode()))
each("reject-san-email-non-ia5", ALL, "rfc822Name with a non-ASCII byte", san(0x81, "é@example.com".encode()))
# Go 1.25 (kube-apiserver 1.35's) reads an IPv4-mapped IPv6 address in a SAN or an IP
# constraint; Go 1.26 refuses both.
MAPPED = bytes(10) + b"\xff\xff\x0a\x00\x00\x01"
each("ok-san-ip-v4-mapped-v6", ALL, "iPAddress ::ffff:10.0.0.1", san(0x87, MAPPED))
each("reject-san-uri-bad-host", ALL, "URI whose host a..b is not a domain", san(0x86, b"https://a..b/"))
each("cannot-evaluate-san-uri-bad-escape", ALL, "URI with %zz (only url.Parse can judge it)", san(0x86, b"http://x/%zz"))
each("ok-san-uri-plain", ("leaf", "inter"), "plain SPIFFE URI", san(0x86, b"spiffe://cluster.local/ns/default/sa/alice"))


def nc(*subtrees):
    """NameConstraints with these permitted GeneralNames (critical)."""
    return with_ext(ext(NC, seq(der(0xA0, b"".join(seq(g) for g in subtrees))) if subtrees else seq(), True))


each("reject-nc-empty", CAS, "empty NameConstraints", nc())
each("reject-nc-dns-trailing-dot", CAS, "dNSName constraint .example.com.", nc(der(0x82, b".example.com.")))
each("reject-nc-ip-noncontiguous-mask", CAS, "IP constraint mask ff00ff00", nc(der(0x87, b"\x0a\x00\x00\x00\xff\x00\xff\x00")))
each("ok-nc-ip-v4-mapped", CAS, "IP constraint ::ffff:10.0.0.0/104",
     nc(der(0x87, bytes(10) + b"\xff\xff\x0a\x00\x00\x00" + b"\xff" * 13 + bytes(3))))
each("reject-nc-uri-is-ip", CAS, "URI constraint 10.0.0.1", nc(der(0x86, b"10.0.0.1")))
# A mapped SAN address is 16 bytes: an IPv4 constraint (4 bytes) never matches it, and Go
# shows both in IPv4 form.
add("reject-nc-ipv4-vs-mapped-san", {"inter": {"exts": [ext(NC, seq(der(0xA0, seq(der(0x87, b"\x0a\x00\x00\x00\xff\x00\x00\x00")))), True)]},
                                     "leaf": {"exts": [ext(SAN, seq(der(0x87, MAPPED)))]}},
    "leaf SAN ::ffff:10.0.0.1 under an intermediate permitting 10.0.0.0/8")
add("reject-nc-mapped-excludes-mapped-san", {"inter": {"exts": [ext(NC, seq(der(0xA1, seq(der(0x87, bytes(10) + b"\xff\xff\x0a\x00\x00\x00" + b"\xff" * 13 + bytes(3))))), True)]},
                                             "leaf": {"exts": [ext(SAN, seq(der(0x87, MAPPED)))]}},
    "leaf SAN ::ffff:10.0.0.1 under an intermediate excluding ::ffff:10.0.0.0/104")

# Serial numbers and times.
each("reject-serial-nonminimal", ALL, "serial 00 01", lambda r: {"serial": der(0x02, b"\x00\x01")})
each("reject-serial-empty", ALL, "serial of no octets", lambda r: {"serial": der(0x02, b"")})
NOT_AFTER = utc(NOW + 100 * DAY)
each("reject-time-utc-offset-zero", ALL, "notBefore UTCTime with +0000",
     lambda r: {"validity": seq(der(0x17, (NOW - 10 * DAY).strftime("%y%m%d%H%M%S+0000").encode()), NOT_AFTER)})
each("reject-time-gen-fraction", ALL, "notBefore GeneralizedTime with a fraction",
     lambda r: {"validity": seq(der(0x18, (NOW - 10 * DAY).strftime("%Y%m%d%H%M%S.5Z").encode()), NOT_AFTER)})
each("ok-time-gen-9999", ALL, "notAfter 9999-12-31T23:59:59Z",
     lambda r: {"validity": seq(utc(NOW - 10 * DAY), der(0x18, b"99991231235959Z"))})

# Name attribute values that are not strings: Go 1.25's parseName refuses every one
# ("unsupported string type"), well formed or not, in the subject and in the issuer (Go 1.26
# reads INTEGER, OID, time and other values).
BAD_VALUES = {"integer-9-bytes": (0x02, b"\x01" * 9), "bad-utctime": (0x17, b"not-a-time"),
              "integer": (0x02, b"\x07"), "oid": (0x06, b"\x2a\x03"), "octet-string": (0x04, b"grp")}
for what, (tag, value) in BAD_VALUES.items():
    add(f"reject-subject-O-{what}-leaf", {"leaf": {"subject": name((O, tag, value), (CN, 0x0C, b"alice"))}},
        f"leaf subject O as {what}")
    add(f"reject-issuer-{what}-leaf", {"leaf": {"issuer": name((CN, tag, value))}}, f"leaf issuer CN as {what}")
    each(f"reject-ca-subject-{what}", CAS, f"CA subject CN as {what}", lambda r: {"subject": name((CN, tag, value))})
# Two CNs in one RDN, written out of DER SET order: Go reads them in the order written and
# keeps the last (jane); a DER decoder that sorts the SET would put admin last.
add("ok-subject-multivalued-rdn-unsorted-leaf",
    {"leaf": {"subject": seq(der(0x31, seq(oid(CN), der(0x0C, b"admin")) + seq(oid(CN), der(0x0C, b"jane"))))}},
    "CN=admin + CN=jane in one RDN, admin first")
add("ok-subject-empty-rdn-set-leaf", {"leaf": {"subject": seq(der(0x31, b""), der(0x31, seq(oid(CN), der(0x0C, b"alice"))))}},
    "an empty RDN SET before the CN")

# An element after the extensions, inside the TBS: Go never checks that the TBS is read to
# its end; x509-parser does (see the test).
add("known-divergence-tbs-trailing-element", {"leaf": {"tail": der(0x04, b"zz")}}, "OCTET STRING after the leaf's extensions")

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(cases, f, indent=1)
print(len(cases))
