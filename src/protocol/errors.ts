/**
 * A violation of the eStreamer wire format that the caller must handle (close the stream,
 * reject a request). Record-level problems never throw: they come back as `malformed` records.
 */
export class ProtocolError extends Error {
  /** Byte offset (into the buffer that was being read) where the problem was found, if known. */
  readonly offset?: number;

  constructor(message: string, offset?: number) {
    super(message);
    this.name = 'ProtocolError';
    this.offset = offset;
  }
}
