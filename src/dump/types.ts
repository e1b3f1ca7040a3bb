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
  /**
   * True when writes are stored in the order they were called and a failed write fails every
   * later one. The client may then hand on the next batches (and acknowledge them) while earlier
   * ones are still being made durable, within a bounded window; the bookmark still moves only
   * over what write() reported stored. Without it, each write is awaited before the ack.
   */
  readonly ordered?: boolean;
}
