# Builds the client-certificate corpus for tests/it/authn_x509.rs with Python
# `cryptography` (and a few cases with the openssl CLI): every case is a CA bundle, a
# presented chain (leaf first) and a verification time. Go's crypto/x509
# (tests/go/x509check) and kcred's library then judge each case, and must agree.
#
# usage: python3 x509_corpus.py OUT_DIR    -> writes OUT_DIR/manifest.json + PEM files
import datetime as dt
import json
import os
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OUT = sys.argv[1]
NOW = dt.datetime(2026, 6, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)
cases = []
_serial = [1000]


def serial():
    _serial[0] += 1
    return _serial[0] * 7919


def rsa_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


KEYS = {
    "rsa": rsa_key(),
    "rsa2": rsa_key(),
    "ec": ec.generate_private_key(ec.SECP256R1()),
    "p384": ec.generate_private_key(ec.SECP384R1()),
    "ed": ed25519.Ed25519PrivateKey.generate(),
}


def name(cn=None, orgs=(), cn_type=None, o_type=None, extra_cn=None):
    attrs = []
    for o in orgs:
        attrs.append(
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, o, _type=o_type)
            if o_type
            else x509.NameAttribute(NameOID.ORGANIZATION_NAME, o)
        )
    if cn is not None:
        attrs.append(
            x509.NameAttribute(NameOID.COMMON_NAME, cn, _type=cn_type)
            if cn_type
            else x509.NameAttribute(NameOID.COMMON_NAME, cn)
        )
    if extra_cn is not None:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, extra_cn))
    return x509.Name(attrs)


def default_hash(key):
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


class Cert:
    def __init__(self, cert, key):
        self.cert = cert
        self.key = key

    @property
    def name(self):
        return self.cert.subject

    def pem(self):
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()


def make(
    subject,
    key,
    issuer=None,
    ca=False,
    path_len=None,
    bc=True,
    eku=None,
    ku=None,
    nb=None,
    na=None,
    extra=(),
    hash_alg="default",
    skid=True,
    akid=True,
    rsa_padding=None,
):
    """A certificate for `key`'s public half, signed by `issuer` (a Cert) or self-signed."""
    sign_key = issuer.key if issuer else key
    issuer_name = issuer.name if issuer else subject
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial())
        .not_valid_before(nb or NOW - 30 * DAY)
        .not_valid_after(na or NOW + 365 * DAY)
    )
    if bc:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
    if ku is not None:
        b = b.add_extension(ku, critical=True)
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    if skid:
        b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if akid and issuer is not None:
        b = b.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    for ext, crit in extra:
        b = b.add_extension(ext, critical=crit)
    h = default_hash(sign_key) if hash_alg == "default" else hash_alg
    if rsa_padding is not None:
        cert = b.sign(sign_key, h, rsa_padding=rsa_padding)
    else:
        cert = b.sign(sign_key, h)
    return Cert(cert, key)


def ca(cn, key, **kw):
    kw.setdefault("ku", CA_KU)
    return make(name(cn), key, ca=True, **kw)


CA_KU = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
    key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
)
LEAF_KU = x509.KeyUsage(
    digital_signature=True, content_commitment=False, key_encipherment=True, data_encipherment=False,
    key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
)
CLIENT = [ExtendedKeyUsageOID.CLIENT_AUTH]
SERVER = [ExtendedKeyUsageOID.SERVER_AUTH]


def leaf(issuer, cn="alice", orgs=("dev", "ops"), key=None, eku=CLIENT, **kw):
    kw.setdefault("ku", LEAF_KU)
    return make(name(cn, orgs), key or KEYS["ec"], issuer=issuer, eku=eku, **kw)


def add(case, bundle, chain, note, time=NOW):
    """Record a case: `bundle` and `chain` are lists of Cert (or PEM strings)."""
    def pems(items):
        return "".join(i if isinstance(i, str) else i.pem() for i in items)

    ca_path = os.path.join(OUT, f"{case}.ca.pem")
    chain_path = os.path.join(OUT, f"{case}.chain.pem")
    with open(ca_path, "w") as f:
        f.write(pems(bundle))
    with open(chain_path, "w") as f:
        f.write(pems(chain))
    assert case not in [c["name"] for c in cases], case
    cases.append({"name": case, "ca": ca_path, "chain": chain_path,
                  "time": time.strftime("%Y-%m-%dT%H:%M:%SZ"), "note": note})


# --- minimal DER surgery, for what the builder refuses to make (v1 certificates) ------

def der_elems(content):
    out, i = [], 0
    while i < len(content):
        tag, l = content[i], content[i + 1]
        hdr = 2
        if l & 0x80:
            n = l & 0x7F
            l = int.from_bytes(content[i + 2:i + 2 + n], "big")
            hdr = 2 + n
        out.append((tag, content[i:i + hdr + l]))
        i += hdr + l
    return out


def der(tag, body):
    n = len(body)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + body


def content_of(tlv):
    l = tlv[1]
    hdr = 2 + (l & 0x7F if l & 0x80 else 0)
    return tlv[hdr:]


def sign_raw(key, tbs, h=hashes.SHA256()):
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(tbs, padding.PKCS1v15(), h)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(tbs, ec.ECDSA(h))
    return key.sign(tbs)


def as_v1(c, signer_key):
    """Re-sign `c` without its version field and extensions: an X.509 v1 certificate."""
    return resign(c, signer_key, v1=True)


SHA1_WITH_RSA = bytes.fromhex("300d06092a864886f70d0101050500")


def resign(c, signer_key, v1=False, h=hashes.SHA256(), sig_alg=None, serial_der=None):
    """Re-sign `c`'s TBS (optionally as v1, with another signature algorithm or serial)."""
    tbs = c.cert.tbs_certificate_bytes
    elems = [e for t, e in der_elems(content_of(tbs)) if not (v1 and t in (0xA0, 0xA3))]
    if serial_der is not None:
        elems[0 if v1 else 1] = serial_der
    i = 1 if v1 else 2
    if sig_alg is not None:
        elems[i] = sig_alg
    new_tbs = der(0x30, b"".join(elems))
    sig_alg = elems[i]
    sig = sign_raw(signer_key, new_tbs, h)
    raw = der(0x30, new_tbs + sig_alg + der(0x03, b"\x00" + sig))
    return Cert(RawCert(raw), c.key)


class RawCert:
    """DER the cryptography parser may refuse (a negative serial): kept as bytes."""

    def __init__(self, raw):
        self.raw = raw

    def public_bytes(self, _encoding):
        import base64
        b64 = base64.encodebytes(self.raw).decode().replace("\n", "")
        lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
        return ("-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n").encode()

    @property
    def subject(self):
        return x509.load_der_x509_certificate(self.raw).subject


# --- the corpus ------------------------------------------------------------------------

ca_rsa = ca("kubernetes", KEYS["rsa"])
ca_ec = ca("kubernetes-ec", KEYS["ec"])
ca_ed = ca("kubernetes-ed", KEYS["ed"])
ca_p384 = ca("kubernetes-p384", KEYS["p384"], hash_alg=hashes.SHA384())

# Key algorithms.
add("ok-rsa-ca-ec-leaf", [ca_rsa], [leaf(ca_rsa)], "RSA CA, ECDSA leaf, two O")
add("ok-ec-ca-rsa-leaf", [ca_ec], [leaf(ca_ec, key=rsa_key())], "ECDSA CA, RSA leaf")
add("ok-ed25519", [ca_ed], [leaf(ca_ed, key=ed25519.Ed25519PrivateKey.generate())], "Ed25519 CA and leaf")
add("ok-p384-sha384", [ca_p384], [leaf(ca_p384, hash_alg=hashes.SHA384())], "P-384 CA signing with SHA-384")
add("ok-p384-sha512", [ca_p384], [leaf(ca_p384, hash_alg=hashes.SHA512())], "P-384 CA signing with SHA-512")
add("ok-rsa-sha512", [ca_rsa], [leaf(ca_rsa, hash_alg=hashes.SHA512())], "RSA CA signing with SHA-512")
add("ok-rsa-pss", [ca_rsa], [leaf(ca_rsa, rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH))],
    "RSA-PSS SHA-256 signature")
add("reject-sha1-signature", [ca_rsa], [resign(leaf(ca_rsa), ca_rsa.key, h=hashes.SHA1(), sig_alg=SHA1_WITH_RSA)], "SHA-1 signature: insecure for Go")
ca_1024 = ca("rsa1024-ca", rsa_key(1024))
add("ok-rsa1024-ca", [ca_1024], [leaf(ca_1024)], "RSA-1024 CA (webpki refuses, Go accepts)")

# Extended key usage on the leaf.
add("ok-no-eku", [ca_rsa], [leaf(ca_rsa, eku=None)], "leaf without EKU")
add("reject-eku-server-only", [ca_rsa], [leaf(ca_rsa, eku=SERVER)], "leaf serverAuth only")
add("ok-eku-server-and-client", [ca_rsa], [leaf(ca_rsa, eku=SERVER + CLIENT)], "leaf serverAuth+clientAuth")
add("ok-eku-any", [ca_rsa], [leaf(ca_rsa, eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])], "leaf anyExtendedKeyUsage")
add("reject-eku-codesigning-unknown", [ca_rsa], [leaf(ca_rsa, eku=[ExtendedKeyUsageOID.CODE_SIGNING, x509.ObjectIdentifier("1.2.3.4.5")])],
    "leaf codeSigning + unknown OID")
add("reject-eku-unknown-only", [ca_rsa], [leaf(ca_rsa, eku=[x509.ObjectIdentifier("1.2.3.4.5")])], "leaf only an unknown EKU")

# Extended key usage on the CAs (Go nests them: a CA's list restricts).
root_server = ca("root-server-only", KEYS["rsa2"], eku=SERVER)
add("reject-root-serverauth-only", [root_server], [leaf(root_server)], "root restricted to serverAuth (webpki accepts)")
root_client = ca("root-client", KEYS["rsa2"], eku=CLIENT)
add("ok-root-clientauth", [root_client], [leaf(root_client)], "root restricted to clientAuth")
root_any = ca("root-any", KEYS["rsa2"], eku=[ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE])
add("ok-root-eku-any", [root_any], [leaf(root_any, eku=None)], "root anyEKU, leaf without EKU")
inter_server = make(name("inter-server-only"), rsa_key(), issuer=ca_rsa, ca=True, ku=CA_KU, eku=SERVER)
add("reject-intermediate-serverauth", [ca_rsa], [leaf(inter_server), inter_server], "intermediate restricted to serverAuth")

# Validity (Go checks every certificate in the chain).
add("reject-leaf-expired", [ca_rsa], [leaf(ca_rsa, nb=NOW - 400 * DAY, na=NOW - DAY)], "leaf expired yesterday")
add("reject-leaf-not-yet-valid", [ca_rsa], [leaf(ca_rsa, nb=NOW + DAY, na=NOW + 30 * DAY)], "leaf valid from tomorrow")
ca_expired = ca("expired-ca", KEYS["rsa2"], nb=NOW - 3650 * DAY, na=NOW - DAY)
add("reject-root-expired", [ca_expired], [leaf(ca_expired)], "expired root (webpki accepts)")
ca_future = ca("future-ca", KEYS["rsa2"], nb=NOW + DAY, na=NOW + 3650 * DAY)
add("reject-root-not-yet-valid", [ca_future], [leaf(ca_future)], "root valid from tomorrow")
add("reject-leaf-expired-and-unknown-ca", [ca_ec], [leaf(ca_rsa, na=NOW - DAY, nb=NOW - 9 * DAY)], "leaf expired and wrong CA: expiry is reported")

# Intermediates.
inter = make(name("intermediate"), KEYS["p384"], issuer=ca_rsa, ca=True, ku=CA_KU)
inter_leaf = leaf(inter)
add("ok-intermediate-presented", [ca_rsa], [inter_leaf, inter], "root in bundle, intermediate presented")
add("reject-intermediate-missing", [ca_rsa], [inter_leaf], "intermediate neither presented nor in bundle")
add("ok-intermediate-in-bundle", [ca_rsa, inter], [inter_leaf], "intermediate in the bundle")
add("ok-only-intermediate-in-bundle", [inter], [inter_leaf], "bundle holds only the intermediate")
add("reject-root-missing", [ca_ec], [inter_leaf, inter], "intermediate presented, its root not trusted")
add("ok-chain-includes-root", [ca_rsa], [inter_leaf, inter, ca_rsa], "presented chain ends with the root")
add("ok-chain-out-of-order", [ca_rsa], [inter_leaf, ca_rsa, inter], "presented chain out of order")
inter_expired = make(name("intermediate-expired"), KEYS["p384"], issuer=ca_rsa, ca=True, ku=CA_KU,
                     nb=NOW - 90 * DAY, na=NOW - DAY)
add("reject-intermediate-expired", [ca_rsa], [leaf(inter_expired), inter_expired], "expired intermediate")
inter_not_ca = make(name("intermediate-not-ca"), KEYS["p384"], issuer=ca_rsa, ca=False, ku=CA_KU)
add("reject-intermediate-not-ca", [ca_rsa], [leaf(inter_not_ca), inter_not_ca], "intermediate with CA:FALSE")
inter_no_bc = make(name("intermediate-no-bc"), KEYS["p384"], issuer=ca_rsa, bc=False, ku=CA_KU)
add("reject-intermediate-without-basic-constraints", [ca_rsa], [leaf(inter_no_bc), inter_no_bc], "v3 intermediate without BasicConstraints")
inter_v1 = as_v1(make(name("intermediate-v1"), KEYS["p384"], issuer=ca_rsa, ca=True), ca_rsa.key)
add("reject-intermediate-v1", [ca_rsa], [leaf(inter_v1, akid=False), inter_v1], "v1 intermediate (no BasicConstraints)")

# Path length.
root_pl0 = ca("root-pathlen0", KEYS["rsa2"], path_len=0)
inter_pl0 = make(name("under-pathlen0"), KEYS["p384"], issuer=root_pl0, ca=True, ku=CA_KU)
add("reject-root-pathlen0-with-intermediate", [root_pl0], [leaf(inter_pl0), inter_pl0], "root pathLen 0 above an intermediate")
add("ok-root-pathlen0-direct", [root_pl0], [leaf(root_pl0)], "root pathLen 0 signing the leaf")
root_pl1 = ca("root-pathlen1", KEYS["rsa2"], path_len=1)
i1 = make(name("pl1-inter-1"), KEYS["p384"], issuer=root_pl1, ca=True, ku=CA_KU)
i2 = make(name("pl1-inter-2"), KEYS["ec"], issuer=i1, ca=True, ku=CA_KU)
add("reject-root-pathlen1-two-intermediates", [root_pl1], [leaf(i2, key=rsa_key()), i2, i1], "root pathLen 1 above two intermediates")
add("ok-root-pathlen1-one-intermediate", [root_pl1], [leaf(i1), i1], "root pathLen 1 above one intermediate")

# Which CA.
other_same_name = ca("kubernetes", rsa_key())
add("reject-wrong-ca-same-name", [other_same_name], [leaf(ca_rsa)], "a different CA with the same name")
add("reject-wrong-ca", [ca_ec], [leaf(ca_rsa)], "a different CA")
ca_b = ca("ca-b", KEYS["rsa2"])
add("ok-several-cas", [ca_ec, ca_b, ca_ed], [leaf(ca_b)], "bundle of three CAs, the second signed")
add("ok-same-name-second-ca", [other_same_name, ca_rsa], [leaf(ca_rsa)], "two CAs named alike, the second signed")
ca_ku_nosign = ca("ca-ku-no-certsign", KEYS["rsa2"], ku=LEAF_KU)
add("reject-ca-keyusage-without-certsign", [ca_ku_nosign], [leaf(ca_ku_nosign)], "CA whose KeyUsage lacks keyCertSign")
ca_no_ku = ca("ca-no-keyusage", KEYS["rsa2"], ku=None)
add("ok-ca-without-keyusage", [ca_no_ku], [leaf(ca_no_ku)], "CA without KeyUsage")
ca_v1 = as_v1(ca("ca-v1", KEYS["rsa2"]), KEYS["rsa2"])
add("ok-root-v1", [ca_v1], [leaf(ca_v1, akid=False)], "v1 root (no extensions)")
self_signed = make(name("self-signed", ["system:masters"]), KEYS["ec"], eku=CLIENT, ku=LEAF_KU)
add("ok-leaf-in-bundle", [ca_rsa, self_signed], [self_signed], "self-signed leaf that is itself in the bundle")
add("reject-self-signed-not-in-bundle", [ca_rsa], [self_signed], "self-signed leaf, not trusted")

# Leaf shapes.
add("ok-v1-leaf", [ca_rsa], [as_v1(leaf(ca_rsa), ca_rsa.key)], "v1 leaf (webpki refuses)")
add("ok-ca-true-leaf", [ca_rsa], [leaf(ca_rsa, ca=True, ku=CA_KU)], "leaf with CA:TRUE (webpki refuses)")
unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
add("reject-unknown-critical-extension", [ca_rsa], [leaf(ca_rsa, extra=[(unknown, True)])], "leaf with an unknown critical extension")
add("ok-unknown-noncritical-extension", [ca_rsa], [leaf(ca_rsa, extra=[(unknown, False)])], "leaf with an unknown non-critical extension")
ca_crit = ca("ca-unknown-critical", KEYS["rsa2"], extra=[(unknown, True)])
add("reject-root-unknown-critical-extension", [ca_crit], [leaf(ca_crit)], "root with an unknown critical extension")

# Names.
from cryptography.x509.name import _ASN1Type  # noqa: E402

add("ok-bmpstring-names", [ca_rsa], [make(name("bmp-user", ["bmp-group"], cn_type=_ASN1Type.BMPString, o_type=_ASN1Type.BMPString),
                                           KEYS["ec"], issuer=ca_rsa, eku=CLIENT)], "CN and O as BMPString")
add("ok-t61string-org", [ca_rsa], [make(name("t61-user", ["caf\u00e9"], o_type=_ASN1Type.T61String), KEYS["ec"], issuer=ca_rsa, eku=CLIENT)],
    "O as T61String with a Latin-1 letter")
add("ok-utf8-names", [ca_rsa], [leaf(ca_rsa, cn="Jos\u00e9 \u00c5ngstr\u00f6m", orgs=["dev, ops", "\u00e9quipe-\u03b1", "system:masters"])],
    "UTF-8 CN, O with a comma, three O")
add("ok-node-identity", [ca_rsa], [leaf(ca_rsa, cn="system:node:worker-1", orgs=["system:nodes"])], "kubelet identity")
add("empty-cn", [ca_rsa], [leaf(ca_rsa, cn=None, orgs=["only-org"])], "no CN: verifies, not authenticated")
add("ok-two-cn", [ca_rsa], [make(name("first", ["g"], extra_cn="second"), KEYS["ec"], issuer=ca_rsa, eku=CLIENT)],
    "two CN attributes: Go takes the last")
add("ok-no-org", [ca_rsa], [leaf(ca_rsa, cn="lonely", orgs=[])], "no O: no groups")

# Name constraints (apply to SANs below the constrained CA).
nc_dns = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")], excluded_subtrees=None)
ca_nc = ca("ca-nc-dns", KEYS["rsa2"], extra=[(nc_dns, True)])
san = lambda *names: (x509.SubjectAlternativeName(list(names)), False)  # noqa: E731
add("ok-name-constraints-permitted", [ca_nc], [leaf(ca_nc, extra=[san(x509.DNSName("a.example.com"))])], "SAN inside permitted DNS")
add("reject-name-constraints-not-permitted", [ca_nc], [leaf(ca_nc, extra=[san(x509.DNSName("evil.org"))])], "SAN outside permitted DNS")
add("ok-name-constraints-no-san", [ca_nc], [leaf(ca_nc)], "constrained CA, leaf without SAN")
import ipaddress  # noqa: E402

nc_ip = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))])
ca_nc_ip = ca("ca-nc-ip", KEYS["rsa2"], extra=[(nc_ip, True)])
add("reject-name-constraints-excluded-ip", [ca_nc_ip], [leaf(ca_nc_ip, extra=[san(x509.IPAddress(ipaddress.ip_address("10.1.2.3")))])], "IP SAN in an excluded range")
add("ok-name-constraints-other-ip", [ca_nc_ip], [leaf(ca_nc_ip, extra=[san(x509.IPAddress(ipaddress.ip_address("192.168.1.1")))])], "IP SAN outside the excluded range")
nc_dir = x509.NameConstraints(permitted_subtrees=[x509.DirectoryName(name("x", ["y"]))], excluded_subtrees=None)
ca_nc_dir = ca("ca-nc-dirname", KEYS["rsa2"], extra=[(nc_dir, True)])
add("reject-name-constraints-directoryname-critical", [ca_nc_dir], [leaf(ca_nc_dir)], "critical directoryName constraint: unhandled for Go")

nc_email = x509.NameConstraints(permitted_subtrees=[x509.RFC822Name("example.com")], excluded_subtrees=None)
ca_nc_email = ca("ca-nc-email", KEYS["rsa2"], extra=[(nc_email, True)])
add("ok-name-constraints-email-permitted", [ca_nc_email], [leaf(ca_nc_email, extra=[san(x509.RFC822Name("Jane.Doe@Example.COM"))])],
    "email SAN inside a permitted email domain")
add("reject-name-constraints-email-not-permitted", [ca_nc_email], [leaf(ca_nc_email, extra=[san(x509.RFC822Name("jane@evil.org"))])],
    "email SAN outside the permitted email domain")
nc_email_x = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.RFC822Name("mallory@example.com")])
ca_nc_email_x = ca("ca-nc-email-excluded", KEYS["rsa2"], extra=[(nc_email_x, True)])
add("reject-name-constraints-email-excluded-mailbox", [ca_nc_email_x], [leaf(ca_nc_email_x, extra=[san(x509.RFC822Name("mallory@EXAMPLE.com"))])],
    "email SAN equal to an excluded mailbox")
add("ok-name-constraints-email-other-mailbox", [ca_nc_email_x], [leaf(ca_nc_email_x, extra=[san(x509.RFC822Name("alice@example.com"))])],
    "email SAN next to an excluded mailbox")
nc_uri = x509.NameConstraints(permitted_subtrees=[x509.UniformResourceIdentifier(".example.com")], excluded_subtrees=None)
ca_nc_uri = ca("ca-nc-uri", KEYS["rsa2"], extra=[(nc_uri, True)])
add("ok-name-constraints-uri-permitted", [ca_nc_uri], [leaf(ca_nc_uri, extra=[san(x509.UniformResourceIdentifier("spiffe://cluster.example.com/ns/a/sa/b"))])],
    "URI SAN under a permitted URI domain")
add("reject-name-constraints-uri-not-permitted", [ca_nc_uri], [leaf(ca_nc_uri, extra=[san(x509.UniformResourceIdentifier("spiffe://example.com/ns/a"))])],
    "URI SAN equal to the domain a leading-dot constraint excludes")
add("reject-name-constraints-uri-ip-host", [ca_nc_uri], [leaf(ca_nc_uri, extra=[san(x509.UniformResourceIdentifier("https://10.0.0.1:8443/x"))])],
    "URI SAN with an IP host under URI constraints")
add("ok-email-san-without-constraints", [ca_rsa], [leaf(ca_rsa, extra=[san(x509.RFC822Name("jane@example.com"), x509.UniformResourceIdentifier("urn:x"))])],
    "email and URI SANs, no constraints")
# Go 1.25 (kube-apiserver 1.35's) checks the constraints while it builds the chain, SAN by
# SAN in the order the extension lists them, excluded subtrees first (verify.go isValid);
# Go 1.26 checks whole chains by name type, IP first, with other words.
nc_mixed = x509.NameConstraints(permitted_subtrees=[x509.DNSName("example.com")],
                                excluded_subtrees=[x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))])
ca_nc_mixed = ca("ca-nc-mixed", KEYS["rsa2"], extra=[(nc_mixed, True)])
add("reject-name-constraints-first-san-decides", [ca_nc_mixed],
    [leaf(ca_nc_mixed, extra=[san(x509.DNSName("evil.org"), x509.IPAddress(ipaddress.ip_address("10.1.2.3")))])],
    "a DNS SAN not permitted, then an excluded IP SAN")
add("reject-name-constraints-unparsable-email", [ca_nc],
    [leaf(ca_nc, extra=[san(x509.RFC822Name("no-at-sign"), x509.DNSName("a.example.com"))])],
    "an rfc822Name without @ under a CA with DNS constraints only")
nc_wild = x509.NameConstraints(permitted_subtrees=None, excluded_subtrees=[x509.DNSName("foo.example.com")])
ca_nc_wild = ca("ca-nc-wildcard", KEYS["rsa2"], extra=[(nc_wild, True)])
add("reject-name-constraints-wildcard-excluded", [ca_nc_wild], [leaf(ca_nc_wild, extra=[san(x509.DNSName("*.example.com"))])],
    "a wildcard SAN that covers an excluded name")
add("ok-name-constraints-uri-port-and-case", [ca_nc_uri],
    [leaf(ca_nc_uri, extra=[san(x509.UniformResourceIdentifier("https://API.Cluster.Example.com:8443/x"))])],
    "a URI SAN with a port and an upper-case host")
add("ok-name-constraints-mapped-ip-beside-v4-range", [ca_nc_ip],
    [leaf(ca_nc_ip, extra=[san(x509.IPAddress(ipaddress.ip_address("::ffff:10.1.2.3")))])],
    "an IPv4-mapped IPv6 SAN is 16 bytes: an IPv4 excluded range does not match it")

# Certificate policies (RFC 5280 6.1 as Go implements it).
from cryptography.x509.oid import CertificatePoliciesOID  # noqa: E402

def policies(*oids):
    return (x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(o) if isinstance(o, str) else o, None) for o in oids]), False)

require0 = (x509.PolicyConstraints(require_explicit_policy=0, inhibit_policy_mapping=None), True)
inter_req = make(name("inter-require-explicit"), KEYS["p384"], issuer=ca_rsa, ca=True, ku=CA_KU, extra=[require0])
add("reject-policy-required-none-present", [ca_rsa], [leaf(inter_req), inter_req], "intermediate requires an explicit policy, none asserted")
inter_req_pol = make(name("inter-require-explicit-pol"), KEYS["p384"], issuer=ca_rsa, ca=True, ku=CA_KU, extra=[require0, policies("1.2.3.4")])
add("ok-policy-required-and-asserted", [ca_rsa], [leaf(inter_req_pol, extra=[policies("1.2.3.4")]), inter_req_pol], "required policy asserted down the chain")
add("reject-policy-required-mismatch", [ca_rsa], [leaf(inter_req_pol, extra=[policies("1.2.3.5")]), inter_req_pol], "leaf asserts another policy than its CA")
root_req = ca("root-require-explicit", KEYS["rsa2"], extra=[require0])
add("ok-policy-constraint-on-root-ignored", [root_req], [leaf(root_req)], "the trust anchor's policy constraints do not apply")
inhibit0 = (x509.InhibitAnyPolicy(0), True)
inter_inh = make(name("inter-inhibit-any"), KEYS["p384"], issuer=ca_rsa, ca=True, ku=CA_KU,
                 extra=[require0, inhibit0, policies(CertificatePoliciesOID.ANY_POLICY)])
add("ok-policy-inhibit-any-specific-leaf", [ca_rsa], [leaf(inter_inh, extra=[policies("1.2.3.4")]), inter_inh], "anyPolicy CA, inhibitAnyPolicy 0, specific leaf policy")
add("reject-policy-inhibit-any-any-leaf", [ca_rsa], [leaf(inter_inh, extra=[policies(CertificatePoliciesOID.ANY_POLICY)]), inter_inh],
    "inhibitAnyPolicy 0 and a leaf asserting only anyPolicy")

# Go's chain-building order and its error.
k_old = rsa_key()
dup_expired = ca("dup-ca", k_old, nb=NOW - 3650 * DAY, na=NOW - DAY)
dup_other = ca("dup-ca", rsa_key())
add("reject-expired-match-then-wrong-key", [dup_expired, dup_other], [leaf(dup_expired)],
    "expired CA holds the key, a same-named valid CA does not: Go reports the expiry")
dup_renewed = ca("dup-ca", k_old)
add("ok-renewed-ca-next-to-expired", [dup_expired, dup_renewed], [leaf(dup_expired)], "CA renewed with the same key, both in the bundle")
ca_p521 = ca("kubernetes-p521", ec.generate_private_key(ec.SECP521R1()), hash_alg=hashes.SHA512())
add("ok-p521-ca", [ca_p521], [leaf(ca_p521, hash_alg=hashes.SHA512())], "P-521 CA")
ca_4096 = ca("kubernetes-rsa4096", rsa_key(4096), hash_alg=hashes.SHA384())
add("ok-rsa4096-sha384", [ca_4096], [leaf(ca_4096, hash_alg=hashes.SHA384())], "RSA-4096 CA signing with SHA-384")
aki_crit = (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_rsa.key.public_key()), True)
add("reject-critical-authority-key-id", [ca_rsa], [leaf(ca_rsa, akid=False, extra=[aki_crit])], "AKID marked critical: Go refuses to parse it")

add("reject-negative-serial", [ca_rsa], [resign(leaf(ca_rsa), ca_rsa.key, serial_der=bytes.fromhex("0202ff01"))],
    "negative serial number: Go refuses to parse it")
quoted_a = ca('kub\u00e9 "ca"', KEYS["rsa2"])
quoted_b = ca('kub\u00e9 "ca"', rsa_key())
add("reject-wrong-ca-quoted-name", [quoted_b], [leaf(quoted_a)], "same-named CA with a quote and a non-ASCII letter in the hint")
add("reject-empty-subject", [ca_rsa], [make(x509.Name([]), KEYS["ec"], issuer=ca_rsa, eku=CLIENT,
                                            extra=[(x509.SubjectAlternativeName([x509.DNSName("anon.example.com")]), True)])],
    "empty subject (SAN critical): verifies, not authenticated")

bad_sct = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2"), b"\x04\x03\x00\x01\x02")
bad_ian = x509.UnrecognizedExtension(x509.ObjectIdentifier("2.5.29.18"), b"\x30\x03\x99\x01\x00")
add("ok-malformed-noncritical-extensions-go-ignores", [ca_rsa], [leaf(ca_rsa, extra=[(bad_sct, False), (bad_ian, False)])],
    "malformed SCT list and issuerAltName, non-critical: Go does not parse them")
add("reject-malformed-critical-issuer-alt-name", [ca_rsa], [leaf(ca_rsa, extra=[(bad_ian, True)])],
    "malformed issuerAltName marked critical: unhandled for Go")

# Made with the openssl CLI.
def openssl(*args, cwd=OUT):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def read(p):
    with open(os.path.join(OUT, p)) as f:
        return f.read()


def write(p, text):
    with open(os.path.join(OUT, p), "w") as f:
        f.write(text)


openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "o-ca.key", "-out", "o-ca.crt",
        "-subj", "/CN=openssl-ca", "-days", "3650")
write("o-client.ext", "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n")
write("o-server.ext", "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:api.example.com\n")
write("o-inter.ext", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n")
for tag, subj, ext, signer in [
    ("o-client", "/O=system:masters/O=team a/CN=openssl-admin", "o-client.ext", "o-ca"),
    ("o-server", "/CN=kube-apiserver", "o-server.ext", "o-ca"),
]:
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{tag}.key",
            "-out", f"{tag}.csr", "-subj", subj)
    openssl("x509", "-req", "-in", f"{tag}.csr", "-CA", f"{signer}.crt", "-CAkey", f"{signer}.key",
            "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", f"{tag}.crt")
add("openssl-ok-client", [read("o-ca.crt")], [read("o-client.crt")], "openssl CA and clientAuth cert, two O",
    time=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
add("openssl-reject-server-cert", [read("o-ca.crt")], [read("o-server.crt")], "openssl serverAuth cert used as a client cert",
    time=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
# P-384 chain with an intermediate, and a v1 leaf (openssl x509 -req without extensions).
openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "o-root.key",
        "-out", "o-root.crt", "-subj", "/CN=openssl-root-p384", "-days", "3650")
openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes", "-keyout", "o-inter.key",
        "-out", "o-inter.csr", "-subj", "/CN=openssl-intermediate")
openssl("x509", "-req", "-in", "o-inter.csr", "-CA", "o-root.crt", "-CAkey", "o-root.key", "-CAcreateserial",
        "-days", "365", "-extfile", "o-inter.ext", "-out", "o-inter.crt")
openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "o-leaf.key", "-out", "o-leaf.csr",
        "-subj", "/CN=openssl-chained/O=chained")
openssl("x509", "-req", "-in", "o-leaf.csr", "-CA", "o-inter.crt", "-CAkey", "o-inter.key", "-CAcreateserial",
        "-days", "30", "-extfile", "o-client.ext", "-out", "o-leaf.crt")
openssl("x509", "-req", "-in", "o-leaf.csr", "-CA", "o-inter.crt", "-CAkey", "o-inter.key", "-CAcreateserial",
        "-days", "30", "-out", "o-leaf-plain.crt")
openssl("req", "-x509", "-newkey", "rsa:512", "-nodes", "-keyout", "o-rsa512.key", "-out", "o-rsa512.crt",
        "-subj", "/CN=rsa512-ca", "-days", "3650")
openssl("x509", "-req", "-in", "o-leaf.csr", "-CA", "o-rsa512.crt", "-CAkey", "o-rsa512.key", "-CAcreateserial",
        "-days", "30", "-extfile", "o-client.ext", "-out", "o-leaf-rsa512.crt")
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
add("openssl-reject-rsa512-ca", [read("o-rsa512.crt")], [read("o-leaf-rsa512.crt")], "RSA-512 CA: crypto/rsa refuses keys under 1024 bits", time=now)
add("openssl-ok-p384-intermediate", [read("o-root.crt")], [read("o-leaf.crt"), read("o-inter.crt")], "openssl P-384 root, intermediate pathlen 0", time=now)
add("openssl-reject-intermediate-missing", [read("o-root.crt")], [read("o-leaf.crt")], "openssl chain without its intermediate", time=now)
add("openssl-leaf-without-extfile", [read("o-root.crt")], [read("o-leaf-plain.crt"), read("o-inter.crt")], "openssl x509 -req without extensions", time=now)
add("openssl-reject-expired-at-time", [read("o-root.crt")], [read("o-leaf.crt"), read("o-inter.crt")], "openssl chain checked 60 days later",
    time=now + 60 * DAY)

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(cases, f, indent=1)
print(len(cases))
