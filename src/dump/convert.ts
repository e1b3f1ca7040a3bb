/** Write already-decoded records (e.g. from a capture) as a dump. */
import type { EStreamerRecord } from '../protocol/types';
import { recordTime } from './format';
import type { RecordAddress } from './types';
import { DumpWriter, type DumpWriterOptions } from './writer';

/**
 * Like a live stream, but a capture has no receive times: a record without a time of its own
 * (metadata) gets the time of the next timed record — the FMC sends metadata just before the
 * first event that needs it — or, at the end, of the previous one.
 */
export async function convertRecords(
  records: readonly EStreamerRecord[],
  options: Omit<DumpWriterOptions, 'untimedMs'>,
): Promise<{ files: readonly string[]; addresses: RecordAddress[] }> {
  const times: Array<number | undefined> = records.map((r) => {
    const t = recordTime(r);
    return t ? t.sec * 1000 + t.usec / 1000 : undefined;
  });
  let next: number | undefined;
  for (let i = times.length - 1; i >= 0; i--) {
    if (times[i] === undefined) times[i] = next;
    else next = times[i];
  }
  let prev: number | undefined;
  for (let i = 0; i < times.length; i++) {
    if (times[i] === undefined) times[i] = prev;
    else prev = times[i];
  }
  let untimed = Date.now();
  const writer = new DumpWriter({ ...options, untimedMs: () => untimed });
  const addresses: RecordAddress[] = [];
  try {
    // One write per run of records sharing a fallback time: few fsyncs, exact times.
    for (let i = 0; i < records.length; ) {
      let j = i + 1;
      while (j < records.length && times[j] === times[i]) j++;
      untimed = times[i] ?? Date.now();
      addresses.push(...(await writer.write(records.slice(i, j))));
      i = j;
    }
  } finally {
    await writer.close();
  }
  return { files: writer.files, addresses };
}
