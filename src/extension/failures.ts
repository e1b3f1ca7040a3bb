/**
 * Turns whatever a connection attempt threw into a sentence that says what to do. Pure (no
 * `vscode`), so the mapping is the same in every window and easy to reason about.
 */

export type FailureKind =
  | 'wrong-password'
  | 'pkcs12-unreadable'
  | 'pkcs12-invalid'
  | 'certificate-refused'
  | 'server-unverified'
  | 'unreachable'
  | 'host-unknown'
  | 'closed-by-server'
  | 'timeout'
  | 'dump-unwritable'
  | 'unknown';

export interface ConnectionFailure {
  kind: FailureKind;
  /** One or two sentences for the notification: what went wrong and what to do. */
  message: string;
  /** The underlying error text, for the log. */
  detail: string;
}

export interface FailureTarget {
  host: string;
  port: number;
  pkcs12?: string;
  /** Root dump folder (dumps and the bookmark state live under it). */
  dumpFolder?: string;
}

/** Error codes collected from the error and its causes (Node's `code`, TLS alerts, our own). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    // The core client's ClientError says what kind of failure it was.
    const kind = (e as { kind?: unknown }).kind;
    if (typeof kind === 'string') codes.push(`kind:${kind}`);
    if (e instanceof AggregateError) for (const inner of e.errors) codes.push(...codesOf(inner));
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

function textOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && !error.message.includes(cause.message) ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

const REFUSED_ALERTS = /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_REVOKED|CERTIFICATE_UNKNOWN|ACCESS_DENIED|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE|HANDSHAKE_FAILURE)/;
const UNVERIFIED = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED|server-unverified)$/;

export function describeFailure(error: unknown, target: FailureTarget): ConnectionFailure {
  const codes = codesOf(error);
  const detail = textOf(error) + (codes.length ? ` [${codes.join(', ')}]` : '');
  const where = `${target.host}:${target.port}`;
  const has = (re: RegExp) => codes.some((c) => re.test(c));
  const says = (re: RegExp) => re.test(detail);

  if (has(/^wrong-password$/) || says(/wrong password|mac could not be verified|invalid password/i)) {
    return {
      kind: 'wrong-password',
      message: 'The password does not open the .pkcs12 file. Re-enter the password you chose when you created the client on the FMC.',
      detail,
    };
  }
  if (has(/^(ENOENT|EACCES|EISDIR|EPERM)$/) && target.pkcs12 && says(new RegExp(escapeRegExp(target.pkcs12)))) {
    return {
      kind: 'pkcs12-unreadable',
      message: `Cannot read the client file ${target.pkcs12}. Choose the .pkcs12 file again, or download it from the FMC: System > Integration > eStreamer.`,
      detail,
    };
  }
  if (has(/^(not-pkcs12|no-key|no-certificate|unsupported)$/)) {
    return {
      kind: 'pkcs12-invalid',
      message: `${textOf(error).replace(/\.?$/, '.')} Choose the .pkcs12 file the FMC produced for this client.`,
      detail,
    };
  }
  if (has(/^kind:sink$/) || (error instanceof Error && error.name === 'DumpWriteError') || (target.dumpFolder && detail.includes(target.dumpFolder))) {
    return {
      kind: 'dump-unwritable',
      message: `The dump could not be written: ${textOf(error).replace(/\.?$/, '.')} Check the setting estreamer.dumpFolder and the free disk space, then reconnect (it resumes from the bookmark).`,
      detail,
    };
  }
  if (has(UNVERIFIED) || has(/^kind:server-untrusted$/) || says(/not signed by the FMC CA|server certificate is (expired|not yet valid)/i)) {
    return {
      kind: 'server-unverified',
      message: `The server at ${where} did not present a certificate signed by the CA in your .pkcs12 file. Check that you are connecting to the FMC that issued the file; only if you trust the network, turn off the setting estreamer.connection.verifyServer.`,
      detail,
    };
  }
  if (has(REFUSED_ALERTS) || has(/^kind:(auth|rejected)$/) || says(/refused this client certificate|certificate is revoked|ended the TLS handshake|(during|right after) the TLS handshake|certificate (was )?(refused|rejected|revoked)/i)) {
    return {
      kind: 'certificate-refused',
      message: `The FMC at ${where} refused this client certificate. On the FMC, create a client for this host's IP in System > Integration > eStreamer (use the NAT address if there is one), download its .pkcs12 and connect again.`,
      detail,
    };
  }
  if (has(/^(ENOTFOUND|EAI_AGAIN)$/) || says(/does not resolve/i)) {
    return {
      kind: 'host-unknown',
      message: `The host name "${target.host}" could not be resolved. Check the spelling, or use the FMC's IP address.`,
      detail,
    };
  }
  if (has(/^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EADDRNOTAVAIL)$/) || says(/refused the connection|unreachable/i)) {
    return {
      kind: 'unreachable',
      message: `Cannot reach ${where}. Check that port ${target.port} is reachable from this machine and that the firewall allows it, and that eStreamer is enabled on the FMC.`,
      detail,
    };
  }
  if (has(/^(ETIMEDOUT|ESOCKETTIMEDOUT|kind:stall)$/) || says(/timed? ?out|no answer from/i)) {
    return {
      kind: 'timeout',
      message: `${where} did not answer in time. Check that port ${target.port} is reachable and that the firewall allows it.`,
      detail,
    };
  }
  if (has(/^(ECONNRESET|EPIPE|kind:closed)$/) || says(/closed the connection|socket hang up|unexpected eof/i)) {
    return {
      kind: 'closed-by-server',
      message: `The FMC at ${where} closed the connection. It does so when the connection does not come from the IP named in the client certificate: create a client for this host's IP (or its NAT address) in System > Integration > eStreamer.`,
      detail,
    };
  }
  return { kind: 'unknown', message: `Connecting to ${where} failed: ${textOf(error)}`, detail };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
