/**
 * The FMC's `.pkcs12` client file, read in memory with node-forge.
 *
 * Node's own `pfx` option cannot open the FMC's files under OpenSSL 3 (RC2-40 cert bags need the
 * legacy provider), so node-forge decrypts the bags and we hand PEM strings to `tls.connect`.
 * The decrypted key lives only in the returned object; nothing here touches the disk.
 */
import * as crypto from 'node:crypto';
import forge from 'node-forge';

export interface ClientCredentials {
  /** The client's private key (PEM). Keep in memory only. */
  keyPem: string;
  /** The client certificate followed by any intermediate certificates (PEM). */
  certPem: string;
  /** Certificates in the file other than the client's own: the FMC's internal CA (PEM each). */
  caPems: string[];
  /** Subject of the client certificate, e.g. "CN=10.0.0.5, OU=…", for messages. */
  clientSubject: string;
  /** Host the FMC issued this certificate for (CN), if it names one. */
  clientHost?: string;
  notAfter: Date;
}

export type CredentialsErrorCode = 'not-pkcs12' | 'wrong-password' | 'no-key' | 'no-certificate' | 'unsupported';

/** A PKCS#12 file that cannot be used, with a message that says what to do. */
export class CredentialsError extends Error {
  constructor(
    readonly code: CredentialsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CredentialsError';
  }
}

const CREATE_CLIENT_HINT = 'download it again from the FMC: System > Integration > eStreamer > Create Client';

export function loadPkcs12(bytes: Uint8Array, password: string): ClientCredentials {
  const p12 = parsePkcs12(bytes, password);
  const keys = collectKeys(p12);
  const certs = collectCertificates(p12);

  if (keys.length === 0) {
    throw new CredentialsError(
      'no-key',
      `The PKCS#12 file holds no private key (only ${certs.length} certificate(s)); ${CREATE_CLIENT_HINT}.`,
    );
  }
  if (certs.length === 0) {
    throw new CredentialsError('no-certificate', `The PKCS#12 file holds no certificate; ${CREATE_CLIENT_HINT}.`);
  }

  // The client certificate is the one whose public key matches a private key in the file.
  let keyPem: string | undefined;
  let client: crypto.X509Certificate | undefined;
  for (const candidateKey of keys) {
    const privateKey = crypto.createPrivateKey(candidateKey);
    client = certs.find((c) => c.checkPrivateKey(privateKey));
    if (client) {
      keyPem = candidateKey;
      break;
    }
  }
  if (!client || !keyPem) {
    throw new CredentialsError(
      'no-certificate',
      `The PKCS#12 file holds a private key but no certificate for it; ${CREATE_CLIENT_HINT}.`,
    );
  }

  const others = certs.filter((c) => c !== client);
  // Intermediates (issued, not self-signed) travel with the client certificate; every other
  // certificate is a trust anchor for checking the FMC's server certificate.
  const intermediates = others.filter((c) => !isSelfSigned(c) && client!.checkIssued(c));
  const certPem = [client, ...intermediates].map((c) => c.toString()).join('');
  const caPems = others.map((c) => c.toString());
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(client.subject)?.[1];
  return {
    keyPem,
    certPem,
    caPems,
    clientSubject: client.subject.replace(/\n/g, ', '),
    clientHost: cn,
    notAfter: new Date(client.validTo),
  };
}

function parsePkcs12(bytes: Uint8Array, password: string): forge.pkcs12.Pkcs12Pfx {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  if (head.includes('-----BEGIN')) {
    throw new CredentialsError(
      'not-pkcs12',
      'This is a PEM text file, not a PKCS#12 file. Use the .pkcs12 file the FMC gave you ' +
        '(or build one: openssl pkcs12 -export -inkey client.key -in client.crt -certfile ca.crt -out client.pkcs12).',
    );
  }
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')), false);
  } catch {
    throw notPkcs12();
  }
  try {
    return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/password|MAC could not be verified|decrypt/i.test(message)) {
      throw new CredentialsError(
        'wrong-password',
        'Wrong password for the PKCS#12 file: use the password typed when the client was created on the FMC ' +
          '(or create a new client there).',
      );
    }
    if (/PFX|SafeBag|SafeContents|authSafe|ContentInfo|ASN\.1|Too few bytes/i.test(message)) {
      // A bad password on a file without a MAC decrypts to garbage and fails as ASN.1.
      if (/SafeContents|SafeBag|Too few bytes|ASN\.1/i.test(message) && isEncryptedPfx(asn1)) {
        throw new CredentialsError(
          'wrong-password',
          'The PKCS#12 file could not be decrypted: the password is probably wrong. ' +
            'Use the password typed when the client was created on the FMC.',
        );
      }
      throw notPkcs12();
    }
    throw new CredentialsError('unsupported', `The PKCS#12 file uses something this client cannot read (${message}); ${CREATE_CLIENT_HINT}.`);
  }
}

function notPkcs12(): CredentialsError {
  return new CredentialsError(
    'not-pkcs12',
    `The file is not a PKCS#12 (.pkcs12) file; pass the file the FMC gave you when the eStreamer client was created, or ${CREATE_CLIENT_HINT}.`,
  );
}

/** Whether the PFX validated as PKCS#12 far enough to know its contents are encrypted. */
function isEncryptedPfx(asn1: forge.asn1.Asn1): boolean {
  return Array.isArray(asn1.value) && asn1.value.length >= 2;
}

function collectKeys(p12: forge.pkcs12.Pkcs12Pfx): string[] {
  const out: string[] = [];
  for (const bagType of [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]) {
    for (const bag of p12.getBags({ bagType })[bagType] ?? []) {
      if (bag.key) {
        out.push(forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))));
      } else if (bag.asn1) {
        // Non-RSA keys (EC, Ed25519): forge hands back the PrivateKeyInfo; Node reads it as PKCS#8.
        out.push(forge.pki.privateKeyInfoToPem(bag.asn1));
      }
    }
  }
  return out;
}

function collectCertificates(p12: forge.pkcs12.Pkcs12Pfx): crypto.X509Certificate[] {
  const bagType = forge.pki.oids.certBag;
  const out: crypto.X509Certificate[] = [];
  for (const bag of p12.getBags({ bagType })[bagType] ?? []) {
    const der = bag.cert
      ? forge.asn1.toDer(forge.pki.certificateToAsn1(bag.cert)).getBytes()
      : bag.asn1
        ? forge.asn1.toDer(bag.asn1).getBytes()
        : undefined;
    if (der !== undefined) out.push(new crypto.X509Certificate(Buffer.from(der, 'binary')));
  }
  return out;
}

function isSelfSigned(cert: crypto.X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.checkIssued(cert);
}
