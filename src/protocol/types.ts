/**
 * The decoded-record contract shared by every layer (client, dump, analysis, extension).
 * The codec in this folder produces these; nothing here imports `vscode`.
 */

/** A decoded field value. Nested blocks become objects, lists become arrays. */
export type FieldValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | FieldValue[]
  | { [name: string]: FieldValue };

export type Fields = { [name: string]: FieldValue };

/** Short family names, as written in the dump after the record type number. */
export type RecordFamily =
  | 'packet'
  | 'impact'
  | 'intrusion'
  | 'extra-data'
  | 'correlation'
  | 'connection'
  | 'file'
  | 'file-malware'
  | 'malware'
  | 'ioc'
  | 'discovery'
  | 'user'
  | 'metadata'
  | 'unknown';

export type RecordStatus = 'ok' | 'unknown' | 'malformed';

export interface EStreamerRecord {
  /** Record type: the low 16 bits of the record type word. */
  recordType: number;
  /** The whole record type word as sent (bit 31 and the Netmap domain bits kept). */
  typeWord: number;
  /** Netmap domain id (bits 30..16 of the type word); 0 when absent. */
  domainId: number;
  /** eStreamer server (archive) timestamp in UNIX seconds, present only with the 16-byte header. */
  archiveTimestamp?: number;
  /** Human name of the record type, e.g. "Connection Statistics". */
  name: string;
  family: RecordFamily;
  /** Type of the top-level data block when the record has one (e.g. 160 for a connection record). */
  blockType?: number;
  /** Decoded fields keyed by eNcore-compatible camelCase names (RECORDS.md). */
  fields: Fields;
  /** The exact bytes of the record: record header plus record data (a view, not a copy). */
  raw: Uint8Array;
  status: RecordStatus;
  /** Why the record is unknown or malformed. */
  reason?: string;
  /** Byte offset into `raw` where decoding stopped, for malformed records. */
  errorOffset?: number;
}
