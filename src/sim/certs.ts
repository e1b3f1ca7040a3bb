/**
 * Certificates shaped like the ones an FMC issues (PROTOCOL.md §1.4–1.5): an internal CA, a
 * server certificate and per-client certificates, plus the client `.pkcs12` in the FMC's legacy
 * encryption (RC2-40 certificate bag, 3DES key bag, SHA-1 MAC) or a modern PBES2/AES one.
 *
 * RSA keys come from Node's crypto (native, fast); node-forge builds and signs the certificates
 * and the PKCS#12 structures. Nothing here touches the disk.
 */
import { createPrivateKey, randomBytes, randomUUID, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { pki, asn1 } = forge;

export interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  /** The same private key for Node's native RSA (signing in JS is slow). */
  native: KeyObject;
}

/** A certificate with its key, in forge form and PEM. */
export interface IssuedCertificate {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  nativeKey: KeyObject;
  certPem: string;
  keyPem: string;
  /** Serial number as lowercase hex, as it appears in a CRL. */
  serial: string;
}

export interface CertificateAuthority extends IssuedCertificate {
  /** The FMC's UUID, carried as the CA's CN. */
  uuid: string;
}

export type Pkcs12Encryption = 'legacy' | 'modern';

/**
 * Spare key pairs, generated in the background once keys are in demand, so the next simulator in
 * the same process starts at once. In memory only, and each key is handed out once.
 */
const spareKeys: Array<Promise<KeyPair>> = [];
const SPARE_KEYS = 3;

export function newKeyPair(): Promise<KeyPair> {
  const key = spareKeys.shift() ?? generateRsaKeyPair();
  // Refill after this key is ready, so the spares never compete with the keys awaited now.
  void key.then(
    () => {
      while (spareKeys.length < SPARE_KEYS) {
        const spare = generateRsaKeyPair();
        spare.catch(() => undefined); // a failed spare is simply not used
        spareKeys.push(spare);
      }
    },
    () => undefined,
  );
  return key;
}

async function generateRsaKeyPair(): Promise<KeyPair> {
  // forge's pure-JS RSA keygen takes seconds; Node's native one a fraction of that.
  const pem = await new Promise<string>((resolve, reject) =>
    generateKeyPair(
      'rsa',
      { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
      (err, _pub, priv) => (err ? reject(err) : resolve(priv)),
    ),
  );
  const privateKey = pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
  return { privateKey, publicKey: pki.setRsaPublicKey(privateKey.n, privateKey.e), native: createPrivateKey(pem) };
}

/** sha256WithRSAEncryption over DER bytes, by Node's native RSA. */
function rsaSha256(der: string, key: KeyObject): string {
  return sign('sha256', Buffer.from(der, 'binary'), key).toString('binary');
}

/** Signs a forge certificate with Node's crypto (same result as cert.sign, much faster). */
function signCertificate(cert: forge.pki.Certificate, key: KeyObject): void {
  const sha256WithRsa = pki.oids.sha256WithRSAEncryption;
  cert.siginfo.algorithmOid = sha256WithRsa;
  (cert as unknown as { signatureOid: string }).signatureOid = sha256WithRsa;
  (cert as unknown as { md: forge.md.MessageDigest }).md = forge.md.sha256.create();
  const getTbs = (pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;
  const tbs = getTbs(cert);
  (cert as unknown as { tbsCertificate: forge.asn1.Asn1 }).tbsCertificate = tbs;
  cert.signature = rsaSha256(asn1.toDer(tbs).getBytes(), key);
}

const FMC_ORG = [
  { name: 'organizationalUnitName', value: 'Intrusion Management System' },
  { name: 'organizationName', value: 'Cisco Systems, Inc' },
];

function newSerial(): string {
  // Positive, non-zero 64-bit serial (a leading 0x01..0x7f byte keeps DER from needing padding).
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

interface Validity {
  notBefore: Date;
  notAfter: Date;
}

function tenYearsFromNow(): Validity {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  return { notBefore, notAfter };
}

/** Already expired: valid for one day, ending a day ago. */
export function expiredValidity(): Validity {
  const notAfter = new Date(Date.now() - 86_400_000);
  return { notBefore: new Date(notAfter.getTime() - 86_400_000), notAfter };
}

function finish(cert: forge.pki.Certificate, keys: KeyPair, serial: string): IssuedCertificate {
  return { cert, key: keys.privateKey, nativeKey: keys.native, certPem: pki.certificateToPem(cert), keyPem: pki.privateKeyToPem(keys.privateKey), serial };
}

export async function createCertificateAuthority(uuid: string = randomUUID(), keyPair?: Promise<KeyPair>): Promise<CertificateAuthority> {
  const keys = await (keyPair ?? newKeyPair());
  const cert = pki.createCertificate();
  const serial = newSerial();
  cert.serialNumber = serial;
  cert.publicKey = keys.publicKey;
  const v = tenYearsFromNow();
  cert.validity.notBefore = v.notBefore;
  cert.validity.notAfter = v.notAfter;
  const subject = [{ name: 'title', value: 'InternalCA' }, { name: 'commonName', value: uuid }, ...FMC_ORG];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, keys.native);
  return { ...finish(cert, keys, serial), uuid };
}

export interface IssueOptions {
  /** The host name or IP the certificate names (CN and SAN DNS, as the FMC writes it). */
  host: string;
  role: 'client' | 'server';
  validity?: Validity;
  /** A key pair generated ahead (keys can be generated in parallel with the CA's). */
  keyPair?: Promise<KeyPair>;
}

export async function issueCertificate(ca: CertificateAuthority, opts: IssueOptions): Promise<IssuedCertificate> {
  const keys = await (opts.keyPair ?? newKeyPair());
  const cert = pki.createCertificate();
  const serial = newSerial();
  cert.serialNumber = serial;
  cert.publicKey = keys.publicKey;
  const v = opts.validity ?? tenYearsFromNow();
  cert.validity.notBefore = v.notBefore;
  cert.validity.notAfter = v.notAfter;
  cert.setSubject([
    { name: 'commonName', value: opts.host },
    ...FMC_ORG,
    { name: 'title', value: 'estreamer' },
    // generationQualifier (2.5.4.44) has no forge short name.
    { type: '2.5.4.44', value: opts.role },
  ]);
  cert.setIssuer(ca.cert.subject.attributes);
  const isIp = /^[\d.]+$|:/.test(opts.host);
  const altNames: Array<{ type: number; value?: string; ip?: string }> = [{ type: 2, value: opts.host }];
  // The FMC carries the client IP as a DNS name only; the server also gets an IP SAN so a client
  // that does verify the server by address can.
  if (opts.role === 'server' && isIp) altNames.push({ type: 7, ip: opts.host });
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    opts.role === 'client' ? { name: 'extKeyUsage', clientAuth: true } : { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  signCertificate(cert, ca.nativeKey);
  return finish(cert, keys, serial);
}

/**
 * A CRL (X.509 v2) listing the given serials, signed by the CA. forge cannot write CRLs, so the
 * ASN.1 is assembled here from RFC 5280 §5.1.
 */
export function createCrl(ca: CertificateAuthority, revokedSerials: readonly string[]): string {
  const now = new Date(Date.now() - 60_000);
  const next = new Date(now.getTime() + 30 * 86_400_000);
  const sigAlg = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(pki.oids.sha256WithRSAEncryption).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
  const time = (d: Date) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(d));
  const tbsParts: forge.asn1.Asn1[] = [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(1).getBytes()),
    sigAlg,
    pki.distinguishedNameToAsn1(ca.cert.subject),
    time(now),
    time(next),
  ];
  if (revokedSerials.length > 0) {
    tbsParts.push(
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.SEQUENCE,
        true,
        revokedSerials.map((serial) =>
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
            asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(serial)),
            time(now),
          ]),
        ),
      ),
    );
  }
  const tbs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, tbsParts);
  const signature = rsaSha256(asn1.toDer(tbs).getBytes(), ca.nativeKey);
  const crl = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    sigAlg,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, String.fromCharCode(0) + signature),
  ]);
  return forge.pem.encode({ type: 'X509 CRL', body: asn1.toDer(crl).getBytes() });
}

// ---------------------------------------------------------------------------------------------
// PKCS#12

const PKCS12_ITERATIONS = 2048;

/** The part of forge's PKCS#12 key derivation its typings leave out. */
interface ForgePbe {
  generatePkcs12Key(password: string, salt: forge.util.ByteStringBuffer, id: number, iter: number, n: number, md?: forge.md.MessageDigest): string;
}
const pbe = (pki as unknown as { pbe: ForgePbe }).pbe;

function oid(name: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(pki.oids[name] ?? name).getBytes());
}

function octets(bytes: string): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
}

function seq(parts: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, parts);
}

function integer(n: number): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());
}

function explicit0(inner: forge.asn1.Asn1): forge.asn1.Asn1 {
  return asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [inner]);
}

function bagAttributes(localKeyId: string, friendlyName?: string): forge.asn1.Asn1 {
  const attrs = [seq([oid('localKeyId'), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [octets(localKeyId)])])];
  if (friendlyName) {
    attrs.push(
      seq([
        oid('friendlyName'),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
          asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, friendlyName),
        ]),
      ]),
    );
  }
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, attrs);
}

function certBag(cert: forge.pki.Certificate, attrs?: forge.asn1.Asn1): forge.asn1.Asn1 {
  const parts = [
    oid('certBag'),
    explicit0(seq([oid('x509Certificate'), explicit0(octets(asn1.toDer(pki.certificateToAsn1(cert)).getBytes()))])),
  ];
  if (attrs) parts.push(attrs);
  return seq(parts);
}

/** ContentInfo(data) wrapping SafeContents in clear (the key inside is already shrouded). */
function dataContentInfo(safeContents: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid('data'), explicit0(octets(asn1.toDer(safeContents).getBytes()))]);
}

/** ContentInfo(encryptedData) with pbeWithSHAAnd40BitRC2-CBC, as OpenSSL 1.x and the FMC write it. */
function rc2EncryptedContentInfo(safeContents: forge.asn1.Asn1, password: string): forge.asn1.Asn1 {
  const salt = forge.random.getBytesSync(8);
  const key = pbe.generatePkcs12Key(password, forge.util.createBuffer(salt), 1, PKCS12_ITERATIONS, 5, forge.md.sha1.create());
  const iv = pbe.generatePkcs12Key(password, forge.util.createBuffer(salt), 2, PKCS12_ITERATIONS, 8, forge.md.sha1.create());
  const cipher = forge.rc2.createEncryptionCipher(key, 40);
  cipher.start(iv);
  cipher.update(asn1.toDer(safeContents));
  if (!cipher.finish()) throw new Error('RC2 encryption failed');
  const encrypted = seq([
    integer(0),
    seq([
      oid('data'),
      seq([oid('pbewithSHAAnd40BitRC2-CBC'), seq([octets(salt), integer(PKCS12_ITERATIONS)])]),
      // encryptedContent [0] IMPLICIT OCTET STRING
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, cipher.output.getBytes()),
    ]),
  ]);
  return seq([oid('encryptedData'), explicit0(encrypted)]);
}

function withMac(authSafe: forge.asn1.Asn1, password: string): forge.asn1.Asn1 {
  const authSafeDer = asn1.toDer(authSafe).getBytes();
  const macSalt = forge.random.getBytesSync(8);
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(macSalt), 3, PKCS12_ITERATIONS, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey);
  hmac.update(authSafeDer);
  const macData = seq([
    seq([seq([oid('sha1'), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]), octets(hmac.digest().getBytes())]),
    octets(macSalt),
    integer(PKCS12_ITERATIONS),
  ]);
  return seq([integer(3), seq([oid('data'), explicit0(octets(authSafeDer))]), macData]);
}

/**
 * The client's `.pkcs12`: its key, its certificate and the CA certificate.
 * `legacy` reproduces the FMC's file (RC2-40 certificate bag, 3DES key bag, SHA-1 MAC, 2048
 * iterations), which OpenSSL 3 (and so Node's `tls`) refuses without the legacy provider;
 * `modern` uses PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key, which Node reads.
 */
export function createPkcs12(client: IssuedCertificate, ca: IssuedCertificate, password: string, encryption: Pkcs12Encryption = 'legacy'): Uint8Array {
  const localKeyId = forge.md.sha1.create().update(asn1.toDer(pki.certificateToAsn1(client.cert)).getBytes()).digest().getBytes();
  const keyInfo = pki.wrapRsaPrivateKey(pki.privateKeyToAsn1(client.key));
  const shrouded = pki.encryptPrivateKeyInfo(keyInfo, password, {
    algorithm: encryption === 'legacy' ? '3des' : 'aes256',
    count: PKCS12_ITERATIONS,
    saltSize: 8,
    prfAlgorithm: 'sha256',
  });
  const keyBag = seq([oid('pkcs8ShroudedKeyBag'), explicit0(shrouded), bagAttributes(localKeyId)]);
  const certs = seq([certBag(client.cert, bagAttributes(localKeyId)), certBag(ca.cert)]);
  const certInfo = encryption === 'legacy' ? rc2EncryptedContentInfo(certs, password) : dataContentInfo(certs);
  const authSafe = seq([certInfo, dataContentInfo(seq([keyBag]))]);
  const der = asn1.toDer(withMac(authSafe, password)).getBytes();
  return new Uint8Array(Buffer.from(der, 'binary'));
}

/** A password like the ones users type into the FMC (random, printable). */
export function newPassword(): string {
  return randomBytes(12).toString('base64url');
}
