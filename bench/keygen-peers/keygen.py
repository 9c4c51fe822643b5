"""RSA-2048 key generation (e = 65537) through Python `cryptography`, as bench/keygen-peers
times aws-lc-rs and rust-openssl: COUNT keys, one line `keygen_ms backend=python …`."""
import sys
import time

from cryptography.hazmat.backends.openssl import backend
from cryptography.hazmat.primitives.asymmetric import rsa

count = int(sys.argv[1]) if len(sys.argv) > 1 else 60
ms = []
for _ in range(max(count, 1)):
    start = time.perf_counter()
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ms.append((time.perf_counter() - start) * 1e3)
ms.sort()
n = len(ms)
median = ms[n // 2] if n % 2 else (ms[n // 2 - 1] + ms[n // 2]) / 2
print(f'keygen_ms backend=python-cryptography lib="{backend.openssl_version_text()}" '
      f"mean={sum(ms) / n:.3f} median={median:.3f} min={ms[0]:.3f} max={ms[-1]:.3f} n={n}")
