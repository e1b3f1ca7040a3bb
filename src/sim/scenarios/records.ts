/** Helpers shared by the generated scenarios: records encoded through the codec, and counting. */
import { encodeRecord } from '../../protocol';
import type { Fields } from '../../protocol/types';
import type { RecordStore, SimRecord } from '../store';

/** An event record stored with its archive second, encoded lazily through the codec's layouts. */
export function eventRecord(recordType: number, archiveTimestamp: number, fields: Fields, refs: readonly string[], blockType?: number): SimRecord {
  return {
    recordType,
    archiveTimestamp,
    refs,
    encode: (archive) => encodeRecord({ recordType, blockType, archiveTimestamp: archive ? archiveTimestamp : undefined, fields }),
  };
}

/** A metadata record: never an archive timestamp (RECORDS.md §1.4). Encoded once, it never changes. */
export function metadataRecord(recordType: number, fields: Fields): SimRecord {
  let bytes: Uint8Array | undefined;
  return { recordType, encode: () => (bytes ??= encodeRecord({ recordType, fields })) };
}

/**
 * Records per type a client gets asking for everything from the oldest data: each event, plus
 * each metadata record the first time an event refers to it (what SimSession sends).
 */
export function countFullStream(store: RecordStore): Record<string, number> {
  const counts: Record<string, number> = {};
  const seen = new Set<string>();
  const add = (type: number) => (counts[String(type)] = (counts[String(type)] ?? 0) + 1);
  const it = store.recordsFrom(0);
  for (let r = it.next(); !r.done; r = it.next()) {
    for (const key of r.value.refs ?? []) {
      if (seen.has(key)) continue;
      seen.add(key);
      const meta = store.metadata(key);
      if (meta) add(meta.recordType);
    }
    add(r.value.recordType);
  }
  return counts;
}
