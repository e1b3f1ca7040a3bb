import type { EStreamerRecord } from '../protocol/types';

/** Where a record lives: a dump file (absolute path) and its 1-based line number. */
export interface RecordAddress {
  file: string;
  line: number;
}

/**
 * A durable consumer of records. `write` resolves only after the batch is flushed and
 * fsync'd, so the caller may then move the bookmark and acknowledge the bundle.
 */
export interface RecordSink {
  write(records: readonly EStreamerRecord[]): Promise<RecordAddress[]>;
  close(): Promise<void>;
}
