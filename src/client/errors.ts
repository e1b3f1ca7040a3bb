/**
 * Why a connection ended, in words a user can act on. `kind` decides what the client does next:
 * 'auth' and 'config' stop (retrying cannot help), everything else reconnects with backoff.
 */
export type ClientErrorKind =
  | 'auth' // the FMC refused our certificate with a TLS alert
  | 'rejected' // closed during the handshake or right after it without a word: likely auth or host check
  | 'server-untrusted' // the FMC's certificate does not chain to the CA in the PKCS#12
  | 'config' // bad options, unreadable credentials or state
  | 'network' // refused, unreachable, reset, timed out
  | 'closed' // the FMC closed the connection
  | 'stall' // no data and no keep-alive for too long
  | 'protocol' // bytes that cannot be eStreamer
  | 'server-error' // an eStreamer Error message from the FMC
  | 'sink'; // the consumer failed to store records

export class ClientError extends Error {
  constructor(
    readonly kind: ClientErrorKind,
    message: string,
    override readonly cause?: unknown,
    /** For 'server-error': the code from the FMC's Error message. */
    readonly serverCode?: number,
  ) {
    super(message);
    this.name = 'ClientError';
  }

  /** Whether reconnecting might help ('rejected' is retried a few times, then treated as auth). */
  get retryable(): boolean {
    return !(this.kind === 'auth' || this.kind === 'config' || this.kind === 'server-untrusted' || this.kind === 'sink');
  }
}

/**
 * The FMC hung up during the TLS handshake or right after it, without an alert or a byte. It does
 * that when it refuses the client certificate (deleted/revoked client, another FMC's certificate)
 * and when the connection does not come from the host the certificate names (G53 p18/p22).
 */
export function refusedWithoutReason(endpoint: string, when: 'during' | 'right after', clientHost: string | undefined, cause?: unknown): ClientError {
  return new ClientError(
    'rejected',
    `${endpoint} closed the connection ${when} the TLS handshake without saying why. The FMC does this when it refuses the client ` +
      `certificate (client deleted or revoked, or a certificate from another FMC) and when the connection does not come from the host ` +
      `named in the certificate${clientHost ? ` (${clientHost})` : ''}: connect from that address (behind NAT: the NAT address), ` +
      `or ${CREATE_CLIENT_ADVICE}.`,
    cause,
  );
}

export const CREATE_CLIENT_ADVICE = "create a client for this host's IP in System > Integration > eStreamer on the FMC and use its .pkcs12";

/** Turns a socket/TLS error into a ClientError with a sentence that says what to do. */
export function describeConnectionError(error: unknown, endpoint: string): ClientError {
  if (error instanceof ClientError) return error;
  const e = error as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  const text = e?.message ?? String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return new ClientError('network', `${endpoint} refused the connection: is eStreamer enabled on the FMC and the port (usually 8302) right?`, error);
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return new ClientError('network', `No answer from ${endpoint} in time: check the address, routing and firewalls.`, error);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ClientError('network', `${endpoint} is unreachable from here: check the address and routing.`, error);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ClientError('network', `The FMC host name in ${endpoint} does not resolve: check the host.`, error);
    case 'ECONNRESET':
    case 'EPIPE':
      return new ClientError('closed', `${endpoint} reset the connection.`, error);
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED':
      return new ClientError('auth', `The FMC says this client certificate is revoked (deleted on the FMC): ${CREATE_CLIENT_ADVICE}.`, error);
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
    case 'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED':
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
    case 'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED':
    case 'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR':
      return new ClientError('auth', `The FMC refused this client certificate (${alertName(code)}): ${CREATE_CLIENT_ADVICE}.`, error);
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
    case 'CERT_UNTRUSTED':
      return new ClientError(
        'server-untrusted',
        `The server at ${endpoint} is not signed by the FMC CA in the PKCS#12 file (${code}): check you reach the right FMC; ` +
          'if its CA is not in your file, turn server verification off (verifyServer: false / --no-verify-server).',
        error,
      );
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return new ClientError('server-untrusted', `The FMC's server certificate is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'}: check the clocks of this machine and the FMC.`, error);
  }
  if (code.startsWith('ERR_SSL_') && /ALERT/.test(code)) {
    return new ClientError('auth', `The FMC ended the TLS handshake (${alertName(code)}): ${CREATE_CLIENT_ADVICE}.`, error);
  }
  if (code.startsWith('ERR_SSL_') || /SSL|TLS/.test(text)) {
    return new ClientError('network', `TLS with ${endpoint} failed: ${text}`, error);
  }
  return new ClientError('network', `Connection to ${endpoint} failed: ${text}`, error);
}

function alertName(code: string): string {
  return code.replace(/^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_/, '').toLowerCase().replace(/_/g, ' ');
}
