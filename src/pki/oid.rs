//! The object identifiers kcred reads and writes, in one place, dotted as x509-parser's
//! `to_id_string` prints them (RFC 5280, RFC 3279/4055/5480/8410, and the Kubernetes user UID
//! attribute). Every module that names an OID takes it from here.

/// rsaEncryption (RFC 8017).
pub const RSA: &str = "1.2.840.113549.1.1.1";
/// id-ecPublicKey (RFC 5480).
pub const EC: &str = "1.2.840.10045.2.1";
/// id-Ed25519 (RFC 8410); also the Ed25519 signature algorithm.
pub const ED25519: &str = "1.3.101.112";
/// id-Ed448 (RFC 8410).
pub const ED448: &str = "1.3.101.113";
/// secp256r1 / P-256.
pub const P256: &str = "1.2.840.10045.3.1.7";
/// secp384r1 / P-384.
pub const P384: &str = "1.3.132.0.34";
/// secp521r1 / P-521.
pub const P521: &str = "1.3.132.0.35";

/// sha1WithRSAEncryption.
pub const SHA1_RSA: &str = "1.2.840.113549.1.1.5";
/// sha-1WithRSAEncryption, the old OIW form Go still maps to SHA1-RSA.
pub const SHA1_RSA_OIW: &str = "1.3.14.3.2.29";
/// md5WithRSAEncryption.
pub const MD5_RSA: &str = "1.2.840.113549.1.1.4";
/// md2WithRSAEncryption.
pub const MD2_RSA: &str = "1.2.840.113549.1.1.2";
/// sha256WithRSAEncryption.
pub const SHA256_RSA: &str = "1.2.840.113549.1.1.11";
/// sha384WithRSAEncryption.
pub const SHA384_RSA: &str = "1.2.840.113549.1.1.12";
/// sha512WithRSAEncryption.
pub const SHA512_RSA: &str = "1.2.840.113549.1.1.13";
/// RSASSA-PSS (RFC 4055); the hash is in its parameters.
pub const RSA_PSS: &str = "1.2.840.113549.1.1.10";
/// ecdsa-with-SHA1.
pub const ECDSA_SHA1: &str = "1.2.840.10045.4.1";
/// ecdsa-with-SHA256.
pub const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
/// ecdsa-with-SHA384.
pub const ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
/// ecdsa-with-SHA512.
pub const ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";

/// id-sha256.
pub const SHA256: &str = "2.16.840.1.101.3.4.2.1";
/// id-sha384.
pub const SHA384: &str = "2.16.840.1.101.3.4.2.2";
/// id-sha512.
pub const SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// id-at-commonName.
pub const CN: &str = "2.5.4.3";
/// id-at-organizationName.
pub const O: &str = "2.5.4.10";
/// The Kubernetes user UID subject attribute (`asn1util.X509UID()`, read by
/// `k8s.io/apiserver/pkg/authentication/request/x509/x509.go` `parseUIDFromCert`).
pub const USER_UID: &str = "1.3.6.1.4.1.57683.2";
/// id-pe-authorityInfoAccess.
pub const AIA: &str = "1.3.6.1.5.5.7.1.1";

/// anyExtendedKeyUsage (RFC 5280 §4.2.1.12).
pub const EKU_ANY: &str = "2.5.29.37.0";
/// id-kp-serverAuth.
pub const EKU_SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
/// id-kp-clientAuth.
pub const EKU_CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
/// id-kp-codeSigning.
pub const EKU_CODE_SIGNING: &str = "1.3.6.1.5.5.7.3.3";
/// id-kp-emailProtection.
pub const EKU_EMAIL_PROTECTION: &str = "1.3.6.1.5.5.7.3.4";
/// id-kp-ipsecEndSystem (RFC 2459).
pub const EKU_IPSEC_END_SYSTEM: &str = "1.3.6.1.5.5.7.3.5";
/// id-kp-ipsecTunnel (RFC 2459).
pub const EKU_IPSEC_TUNNEL: &str = "1.3.6.1.5.5.7.3.6";
/// id-kp-ipsecUser (RFC 2459).
pub const EKU_IPSEC_USER: &str = "1.3.6.1.5.5.7.3.7";
/// id-kp-timeStamping.
pub const EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";
/// id-kp-OCSPSigning.
pub const EKU_OCSP_SIGNING: &str = "1.3.6.1.5.5.7.3.9";
/// Microsoft Server Gated Crypto (Go's `ExtKeyUsageMicrosoftServerGatedCrypto`).
pub const EKU_MICROSOFT_SGC: &str = "1.3.6.1.4.1.311.10.3.3";
/// Netscape Server Gated Crypto (Go's `ExtKeyUsageNetscapeServerGatedCrypto`).
pub const EKU_NETSCAPE_SGC: &str = "2.16.840.1.113730.4.1";
/// subjectAltName (RFC 5280 section 4.2.1.6).
pub const SAN: &str = "2.5.29.17";
