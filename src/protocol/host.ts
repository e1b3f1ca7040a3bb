/**
 * Host Request (message type 5), PROTOCOL.md §7.5. Two body forms are known from public clients:
 * the SDK's 16 bytes (u32 data type, u32 flags, IPv4 start, IPv4 end) and eNcore's 40 bytes
 * (the same with 16-byte addresses, data type 7 "multiple hosts 5.0+"). The modern layout is
 * unconfirmed, so both are read and written; the decoder tells them apart by length.
 */
import { view } from './bytes';
import { ProtocolError } from './errors';
import { encodeMessage, MessageType } from './messages';
import { formatIp4, formatIp6, writeIp4, writeIp6 } from './values';

export interface HostRequest {
  dataType: number;
  /** eNcore asks for notes and banners: 1 | 2. */
  flags: number;
  startAddress: string;
  endAddress: string;
}

/** eNcore's data type for "multiple hosts, 5.0+". */
export const HOST_REQUEST_MULTIPLE_HOSTS = 7;

export function encodeHostRequest(request: HostRequest, addressWidth: 4 | 16 = 16): Uint8Array {
  const body = new Uint8Array(8 + 2 * addressWidth);
  const v = view(body);
  v.setUint32(0, request.dataType >>> 0);
  v.setUint32(4, request.flags >>> 0);
  const write = addressWidth === 4 ? writeIp4 : writeIp6;
  for (const [at, text] of [[8, request.startAddress], [8 + addressWidth, request.endAddress]] as const) {
    if (!write(text, body, at)) throw new ProtocolError(`Host Request: ${JSON.stringify(text)} is not ${addressWidth === 4 ? 'an IPv4 address' : 'an IP address'}.`);
  }
  return encodeMessage(MessageType.HostRequest, body);
}

export function decodeHostRequest(body: Uint8Array): HostRequest {
  if (body.length !== 16 && body.length !== 40) {
    throw new ProtocolError(`Host Request body is ${body.length} bytes; expected 16 (IPv4 range) or 40 (16-byte addresses).`);
  }
  const v = view(body);
  const wide = body.length === 40;
  return {
    dataType: v.getUint32(0),
    flags: v.getUint32(4),
    startAddress: wide ? formatIp6(body, 8) : formatIp4(body, 8),
    endAddress: wide ? formatIp6(body, 24) : formatIp4(body, 12),
  };
}
