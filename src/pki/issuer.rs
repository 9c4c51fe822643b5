//! Signing: a [`CertSpec`] plus a subject public key, signed by an [`Issuer`] (a CA's
//! certificate and key) or self-signed for a new CA.
//!
//! Certificates are assembled with the `x509-cert` builder and signed through aws-lc-rs.
//! The extensions follow kubeadm's `pkiutil.NewSignedCert` / `NewSelfSignedCACert`
//! (`cmd/kubeadm/app/util/pkiutil/pki_helpers.go`): CA: BasicConstraints CA:TRUE and
//! KeyUsage keyCertSign|cRLSign|digitalSignature, both critical, SubjectKeyIdentifier.
//! Leaf: KeyUsage digitalSignature, critical; EKU from the usage; BasicConstraints CA:FALSE;
//! AuthorityKeyIdentifier; SANs. One choice differs from kubeadm: `NewSignedCert` sets
//! keyEncipherment on every leaf, kcred only when the *subject* key is RSA, because
//! keyEncipherment means RSA key transport and RFC 8813 (section 3) says an EC key must not
//! carry it. A certificate for a CertificateSigningRequest object is the Kubernetes signer's
//! instead: key usages and lifetime as [`super::signer_policy`] says.

use std::path::Path;

use der::asn1::{BitString, Ia5String, OctetString};
use der::{Decode, Encode};
use jiff::{SignedDuration, Timestamp};
use spki::{
    AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey,
    SignatureBitStringEncoding, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef,
};
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::{Certificate, TbsCertificate};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use super::named::{self, Named};
use super::signer_policy::Granted;
use super::spec::{BACKDATE, CertSpec, San};
use crate::error::{Error, Result};
use crate::keys::PrivateKey;

const OID_CLIENT_AUTH: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap(super::oid::EKU_CLIENT_AUTH);
const OID_SERVER_AUTH: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap(super::oid::EKU_SERVER_AUTH);

/// A signed certificate, with what was adjusted on the way.
#[derive(Debug)]
pub struct Issued {
    /// The certificate, DER.
    pub der: Vec<u8>,
    /// Things the user should know (e.g. validity clamped to the CA's).
    pub warnings: Vec<String>,
}

impl Issued {
    /// The certificate as PEM.
    pub fn pem(&self) -> String {
        crate::pem::encode("CERTIFICATE", &self.der)
    }
}

/// A CA able to sign: its certificate and its private key, checked to belong together.
pub struct Issuer {
    cert: Certificate,
    cert_der: Vec<u8>,
    /// The CA's subject Name as written: the issuer of what it signs.
    subject_der: Vec<u8>,
    key: PrivateKey,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Issuer({})",
            super::name::display_name(self.cert.tbs_certificate().subject())
        )
    }
}

impl Issuer {
    /// Load `cert_path` and `key_path` and check that the certificate is a CA allowed to sign
    /// certificates and that the key is its key.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Issuer> {
        let cert_bytes = crate::fsio::read(cert_path)?;
        let cert_der = super::read_certificates(cert_path, &cert_bytes)?
            .into_iter()
            .next()
            .ok_or_else(|| Error::input(cert_path, "no certificate found"))?;
        let key_bytes = crate::fsio::read(key_path)?;
        let (key, _) = PrivateKey::from_file_bytes(&key_path.display().to_string(), &key_bytes)?;
        Issuer::new(cert_path, cert_der, key, key_path)
    }

    /// An issuer from a parsed certificate and key; the same checks as [`Issuer::load`].
    pub fn new(
        cert_path: &Path,
        cert_der: Vec<u8>,
        key: PrivateKey,
        key_path: &Path,
    ) -> Result<Issuer> {
        let info = super::certificate::Certificate::from_der(&cert_der)
            .map_err(|p| Error::input(cert_path, p))?;
        let subject_der = named::subject_of(&cert_der).map_err(|p| Error::input(cert_path, p))?;
        let cert = Certificate::from_der(&cert_der).map_err(|_| {
            Error::input(cert_path, super::der_shape::certificate_problem(&cert_der))
        })?;
        if !info.is_ca {
            return Err(Error::input(
                cert_path,
                "is not a CA certificate (BasicConstraints CA:TRUE missing); it cannot sign",
            ));
        }
        if info.key_usage.is_some_and(|ku| !ku.cert_sign()) {
            return Err(Error::input(
                cert_path,
                "CA certificate lacks the keyCertSign key usage; it cannot sign certificates",
            ));
        }
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| Error::input(cert_path, format!("invalid public key: {e}")))?;
        if !key.matches_public_key(&spki)? {
            return Err(Error::input(
                key_path,
                format!(
                    "this key does not belong to the CA certificate {}",
                    cert_path.display()
                ),
            ));
        }
        Ok(Issuer {
            cert,
            cert_der,
            subject_der,
            key,
        })
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA's private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// When the CA certificate expires.
    pub fn not_after(&self) -> Timestamp {
        to_timestamp(self.cert.tbs_certificate().validity().not_after)
    }

    /// Sign `spec` for the holder of `subject_spki` (DER SubjectPublicKeyInfo). A leaf never
    /// outlives its CA: its NotAfter is clamped to the CA's, with a warning.
    pub fn sign(&self, spec: &CertSpec, subject_spki: &[u8]) -> Result<Issued> {
        self.sign_as(spec, spec.subject.to_name()?, subject_spki, None)
    }

    /// Sign again, for the holder of `subject_spki`, the identity the certificate `old`
    /// (read from `source`) carries: its subject Name and its subjectAltName extension byte
    /// for byte, as Go's `x509.CreateCertificate` does with `template.RawSubject` set and the
    /// extension in `ExtraExtensions` (golang/go src/crypto/x509/x509.go, `subjectBytes`,
    /// `buildCertExtensions`). `spec` gives the usage and the validity; its subject and SANs
    /// are not used.
    pub fn reissue(
        &self,
        spec: &CertSpec,
        source: &Path,
        old: &[u8],
        subject_spki: &[u8],
    ) -> Result<Issued> {
        self.sign_named(
            spec,
            Named::of_certificate(source, old)?,
            subject_spki,
            None,
        )
    }

    /// Sign `spec` for `key`, or for a new key of `key_type` when there is none, and encode
    /// that key as `format`: what `cert issue` and a minted kubeconfig user write (the key
    /// and the certificate).
    pub fn mint(
        &self,
        spec: &CertSpec,
        key: Option<PrivateKey>,
        key_type: crate::keys::KeyType,
        format: crate::keys::KeyFormat,
    ) -> Result<(zeroize::Zeroizing<String>, Issued)> {
        let key = match key {
            Some(k) => k,
            None => PrivateKey::generate(key_type)?,
        };
        let issued = self.sign(spec, &key.public_key_der()?)?;
        Ok((key.to_pem(format)?, issued))
    }

    /// [`Issuer::sign`] with the subject given as an exact X.509 Name (a CSR's, copied
    /// attribute for attribute); `spec.subject` should hold its CN and O. With `granted`, the
    /// certificate is the one kube-controller-manager's signer issues for a
    /// CertificateSigningRequest object (see [`super::signer_policy`]): those key usages, and
    /// the signer's lifetime for `spec.validity`.
    pub(crate) fn sign_as(
        &self,
        spec: &CertSpec,
        subject: Name,
        subject_spki: &[u8],
        granted: Option<&Granted>,
    ) -> Result<Issued> {
        self.sign_named(spec, Named::new(spec, &subject)?, subject_spki, granted)
    }

    fn sign_named(
        &self,
        spec: &CertSpec,
        named: Named,
        subject_spki: &[u8],
        granted: Option<&Granted>,
    ) -> Result<Issued> {
        let now = Timestamp::now();
        let mut warnings = Vec::new();
        let (not_before, mut not_after) = match granted {
            None => (backdated(now), add(now, spec.validity)?),
            Some(_) => super::signer_policy::lifetime(now, spec.validity).ok_or_else(|| {
                Error::Usage(format!("validity {:?} is out of range", spec.validity))
            })?,
        };
        let ca_end = self.not_after();
        if not_after > ca_end {
            warnings.push(format!(
                "validity shortened to the CA's expiry ({}): a certificate cannot outlive its CA",
                ca_end.strftime("%Y-%m-%dT%H:%M:%SZ")
            ));
            not_after = ca_end;
        }
        if ca_end <= now {
            return Err(Error::Refused(format!(
                "the CA expired at {}; renew the CA before signing with it",
                ca_end.strftime("%Y-%m-%dT%H:%M:%SZ")
            )));
        }
        let issuer_ski = self
            .cert
            .tbs_certificate()
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec());
        let issuer_spki = self
            .cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap_or_default();
        let issuer_ski = match issuer_ski {
            Some(s) => s,
            None => key_identifier(&issuer_spki)?,
        };
        let der = build(
            spec,
            granted,
            named,
            subject_spki,
            &self.subject_der,
            Some(issuer_ski),
            &self.key,
            (not_before, not_after),
        )?;
        Ok(Issued { der, warnings })
    }
}

/// Create a self-signed CA certificate for `key`.
pub fn self_signed(spec: &CertSpec, key: &PrivateKey) -> Result<Issued> {
    let now = Timestamp::now();
    let not_after = add(now, spec.validity)?;
    let spki = key.public_key_der()?;
    let named = Named::new(spec, &spec.subject.to_name()?)?;
    let issuer = named.subject.clone();
    let der = build(
        spec,
        None,
        named,
        &spki,
        &issuer,
        None,
        key,
        (backdated(now), not_after),
    )?;
    Ok(Issued {
        der,
        warnings: vec![],
    })
}

/// NotBefore for a certificate signed at `now`: [`BACKDATE`] earlier, for clock skew.
fn backdated(now: Timestamp) -> Timestamp {
    now.checked_sub(BACKDATE).unwrap_or(now)
}

fn add(t: Timestamp, d: SignedDuration) -> Result<Timestamp> {
    t.checked_add(d)
        .map_err(|_| Error::Usage(format!("validity {d:?} is out of range")))
}

fn to_timestamp(t: Time) -> Timestamp {
    let d = t.to_unix_duration();
    Timestamp::from_second(d.as_secs() as i64).unwrap_or(Timestamp::MAX)
}

fn x509_time(t: Timestamp) -> Result<Time> {
    let secs = u64::try_from(t.as_second())
        .map_err(|_| Error::Usage("certificate times before 1970 are not supported".into()))?;
    // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
    let st = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    // (The builder applies the UTCTime/GeneralizedTime rule itself.)
    Time::try_from(st).map_err(|e| Error::Usage(format!("time out of range: {e}")))
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. This is what Go's
/// crypto/x509 and openssl compute, so kcred's identifiers match theirs.
pub(crate) fn key_identifier(spki_der: &[u8]) -> Result<Vec<u8>> {
    let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
        .map_err(|e| Error::Crypto(format!("invalid public key: {e}")))?;
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        spki.subject_public_key.raw_bytes(),
    );
    Ok(digest.as_ref().to_vec())
}

fn random_serial() -> Result<SerialNumber> {
    // 20 random octets, top bit clear and first octet non-zero: positive, exactly 20 octets,
    // the RFC 5280 maximum.
    let mut bytes = [0u8; 20];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| Error::Crypto("no randomness".into()))?;
    bytes[0] &= 0x7f;
    if bytes[0] == 0 {
        bytes[0] = 1;
    }
    SerialNumber::new(&bytes).map_err(|e| Error::Crypto(format!("serial number: {e}")))
}

pub(super) fn extension<T: Encode>(
    oid: der::asn1::ObjectIdentifier,
    critical: bool,
    value: &T,
) -> Result<Extension> {
    let bytes = value
        .to_der()
        .map_err(|e| Error::Encoding(format!("encoding extension {oid}: {e}")))?;
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(bytes).map_err(|e| Error::Crypto(e.to_string()))?,
    })
}

fn extensions(
    spec: &CertSpec,
    granted: Option<&Granted>,
    subject_spki: &[u8],
    issuer_ski: Option<Vec<u8>>,
    subject_is_rsa: bool,
    san: Option<Extension>,
) -> Result<Vec<Extension>> {
    use der::oid::AssociatedOid;
    let mut out = Vec::new();
    let ski = key_identifier(subject_spki)?;
    match spec.usage {
        None => {
            let bc = BasicConstraints {
                ca: true,
                path_len_constraint: None,
            };
            out.push(extension(BasicConstraints::OID, true, &bc)?);
            let ku =
                KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign | KeyUsages::DigitalSignature);
            out.push(extension(KeyUsage::OID, true, &ku)?);
        }
        Some(usage) => {
            let (ku, eku) = match granted {
                Some(g) => (g.key_usage, g.extended.clone()),
                None => leaf_usages(usage, subject_is_rsa),
            };
            // Go's x509.CreateCertificate writes neither extension when it is empty.
            if !ku.is_empty() {
                out.push(extension(KeyUsage::OID, true, &KeyUsage(ku))?);
            }
            if !eku.is_empty() {
                out.push(extension(
                    ExtendedKeyUsage::OID,
                    false,
                    &ExtendedKeyUsage(eku),
                )?);
            }
            let bc = BasicConstraints {
                ca: false,
                path_len_constraint: None,
            };
            out.push(extension(BasicConstraints::OID, true, &bc)?);
        }
    }
    out.push(extension(
        SubjectKeyIdentifier::OID,
        false,
        &SubjectKeyIdentifier(OctetString::new(ski).map_err(|e| Error::Crypto(e.to_string()))?),
    )?);
    if let Some(aki) = issuer_ski {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(aki).map_err(|e| Error::Crypto(e.to_string()))?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        out.push(extension(AuthorityKeyIdentifier::OID, false, &aki)?);
    }
    out.extend(san);
    Ok(out)
}

/// A leaf's key usages when no signer policy decides them (kubeadm's, see the module
/// comment): digitalSignature, keyEncipherment for an RSA subject key, and the EKU of `usage`.
fn leaf_usages(
    usage: super::Usage,
    subject_is_rsa: bool,
) -> (
    der::flagset::FlagSet<KeyUsages>,
    Vec<der::asn1::ObjectIdentifier>,
) {
    let mut ku = KeyUsages::DigitalSignature.into();
    // The subject's key, not the CA's: keyEncipherment is about what the certified key can
    // do (RFC 8813).
    if subject_is_rsa {
        ku |= KeyUsages::KeyEncipherment;
    }
    let mut eku = Vec::new();
    if usage.server() {
        eku.push(OID_SERVER_AUTH);
    }
    if usage.client() {
        eku.push(OID_CLIENT_AUTH);
    }
    (ku, eku)
}

/// SANs as X.509 GeneralNames (dNSName, iPAddress), in order.
pub(super) fn general_names(sans: &[San]) -> Result<Vec<GeneralName>> {
    let mut names = Vec::new();
    for san in sans {
        names.push(match san {
            San::Dns(d) => GeneralName::DnsName(
                Ia5String::new(d).map_err(|e| Error::Usage(format!("SAN {d:?}: {e}")))?,
            ),
            San::Ip(ip) => GeneralName::from(*ip),
            San::Email(e) => GeneralName::Rfc822Name(
                Ia5String::new(e).map_err(|err| Error::Usage(format!("SAN {e:?}: {err}")))?,
            ),
            San::Uri(u) => GeneralName::UniformResourceIdentifier(
                Ia5String::new(u).map_err(|err| Error::Usage(format!("SAN {u:?}: {err}")))?,
            ),
        });
    }
    Ok(names)
}

/// The builder profile: everything is decided before building. The Names are left empty
/// here and spliced in as written afterwards ([`named::with_names`]).
struct Fixed {
    extensions: Vec<Extension>,
}

impl BuilderProfile for Fixed {
    fn get_issuer(&self, _subject: &Name) -> Name {
        Name::default()
    }
    fn get_subject(&self) -> Name {
        Name::default()
    }
    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    spec: &CertSpec,
    granted: Option<&Granted>,
    named: Named,
    subject_spki: &[u8],
    issuer_name: &[u8],
    issuer_ski: Option<Vec<u8>>,
    signing_key: &PrivateKey,
    (not_before, not_after): (Timestamp, Timestamp),
) -> Result<Vec<u8>> {
    let validity = Validity::new(x509_time(not_before)?, x509_time(not_after)?);
    let spki = SubjectPublicKeyInfoOwned::from_der(subject_spki)
        .map_err(|e| Error::Crypto(format!("invalid public key: {e}")))?;
    let subject_is_rsa = spki.algorithm.oid == crate::keys::oid::RSA_ENCRYPTION;
    let profile = Fixed {
        extensions: extensions(
            spec,
            granted,
            subject_spki,
            issuer_ski,
            subject_is_rsa,
            named.san,
        )?,
    };
    let mut builder = CertificateBuilder::new(profile, random_serial()?, validity, spki)
        .map_err(|e| Error::Crypto(format!("building the certificate: {e}")))?;
    let signer = Signer::new(signing_key)?;
    let tbs = builder
        .finalize(&signer)
        .map_err(|e| Error::Crypto(format!("building the certificate: {e}")))?;
    let tbs = named::with_names(&tbs, issuer_name, &named.subject)?;
    // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
    // (RFC 5280 section 4.1), signed over the TBSCertificate as it is written.
    let encoding = |e: der::Error| Error::Encoding(format!("encoding the certificate: {e}"));
    let algorithm = signing_key
        .signature_algorithm()
        .to_der()
        .map_err(encoding)?;
    let signature = BitString::from_bytes(&signing_key.sign(&tbs)?)
        .and_then(|b| b.to_der())
        .map_err(encoding)?;
    der::asn1::Any::new(der::Tag::Sequence, [tbs, algorithm, signature].concat())
        .and_then(|a| a.to_der())
        .map_err(encoding)
}

/// Adapts a [`PrivateKey`] to the RustCrypto signer traits the x509-cert builders use.
pub(crate) struct Signer<'a> {
    key: &'a PrivateKey,
    public: SpkiDer,
}

impl<'a> Signer<'a> {
    pub(crate) fn new(key: &'a PrivateKey) -> Result<Self> {
        Ok(Signer {
            key,
            public: SpkiDer(key.public_key_der()?),
        })
    }
}

/// A public key already in DER SubjectPublicKeyInfo form.
#[derive(Clone)]
pub(crate) struct SpkiDer(Vec<u8>);

impl EncodePublicKey for SpkiDer {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::try_from(self.0.as_slice())?)
    }
}

impl signature::Keypair for Signer<'_> {
    type VerifyingKey = SpkiDer;
    fn verifying_key(&self) -> SpkiDer {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for Signer<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.key.signature_algorithm())
    }
}

/// A signature as the bytes that go into the BIT STRING.
pub(crate) struct RawSignature(Vec<u8>);

impl SignatureBitStringEncoding for RawSignature {
    fn to_bitstring(&self) -> der::Result<BitString> {
        BitString::from_bytes(&self.0)
    }
}

impl signature::Signer<RawSignature> for Signer<'_> {
    fn try_sign(&self, msg: &[u8]) -> Result<RawSignature, signature::Error> {
        self.key
            .sign(msg)
            .map(RawSignature)
            .map_err(|_| signature::Error::new())
    }
}
