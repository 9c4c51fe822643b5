#!/usr/bin/env python3
"""The careful one-process Python peer for bench/run (workloads 1 and 2).

With Python `cryptography` in one process: a CA, an admin client certificate
(O=system:masters) and N node client certificates (CN=system:node:nX, O=system:nodes),
each with its own fresh key, written as PEM files (keys 0600); with --kubeconfig SERVER
also a kubeconfig per identity with embedded data. Kubeconfigs are written as JSON,
which is valid kubeconfig YAML (kubectl reads both). Sequential, as such a script is.

    pki.py --alg rsa|ec --nodes N --out DIR [--kubeconfig https://api:6443]
"""

import argparse
import base64
import datetime
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def new_key(alg):
    if alg == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def key_pem(key, alg):
    # As kubeadm writes them: PKCS#1 for RSA, SEC1 for EC.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def name(cn, orgs):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name([x509.RelativeDistinguishedName([a]) for a in attrs])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--alg", choices=["rsa", "ec"], required=True)
    ap.add_argument("--nodes", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kubeconfig", metavar="SERVER")
    a = ap.parse_args()
    os.makedirs(a.out, mode=0o700, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start = now - datetime.timedelta(minutes=5)

    ca_key = new_key(a.alg)
    ca_name = name("kubernetes", [])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    write(os.path.join(a.out, "ca.crt"), ca_pem, 0o644)
    write(os.path.join(a.out, "ca.key"), key_pem(ca_key, a.alg), 0o600)
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())

    identities = [("admin", "admin", ["system:masters"])]
    identities += [
        (f"n{i}", f"system:node:n{i}", ["system:nodes"]) for i in range(1, a.nodes + 1)
    ]
    for file, cn, orgs in identities:
        key = new_key(a.alg)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name(cn, orgs))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, a.alg == "rsa", False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(aki, critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        crt_pem = cert.public_bytes(serialization.Encoding.PEM)
        k_pem = key_pem(key, a.alg)
        write(os.path.join(a.out, file + ".crt"), crt_pem, 0o644)
        write(os.path.join(a.out, file + ".key"), k_pem, 0o600)
        if a.kubeconfig:
            b64 = lambda b: base64.b64encode(b).decode()
            ctx = f"{cn}@kubernetes"
            conf = {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "kubernetes",
                        "cluster": {
                            "server": a.kubeconfig,
                            "certificate-authority-data": b64(ca_pem),
                        },
                    }
                ],
                "users": [
                    {
                        "name": cn,
                        "user": {
                            "client-certificate-data": b64(crt_pem),
                            "client-key-data": b64(k_pem),
                        },
                    }
                ],
                "contexts": [{"name": ctx, "context": {"cluster": "kubernetes", "user": cn}}],
                "current-context": ctx,
                "preferences": {},
            }
            write(
                os.path.join(a.out, file + ".conf"),
                json.dumps(conf, indent=2).encode(),
                0o600,
            )


if __name__ == "__main__":
    main()
