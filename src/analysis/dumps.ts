/** The dump side of the analysis: the same Analyzer the live stream feeds, fed from .estreamer files. */
import { readDumpBatches, type DumpIssue } from '../dump/reader';
import { Analyzer } from './analyzer';

export interface AnalyzeDumpsOptions {
  /** Told about skipped lines and odd files; the analysis goes on. */
  onIssue?: (issue: DumpIssue) => void;
  /** Reuse an analyzer (e.g. one already fed by a live stream). */
  analyzer?: Analyzer;
}

/** Reads every record of the given dump files and folders (in time order across rotations). */
export async function analyzeDumps(paths: readonly string[], options: AnalyzeDumpsOptions = {}): Promise<Analyzer> {
  const analyzer = options.analyzer ?? new Analyzer();
  // Batches: one await per few dozen records, not per record (a million of them in a big case).
  for await (const batch of readDumpBatches(paths, { onIssue: options.onIssue })) {
    for (const entry of batch) analyzer.add(entry.record, entry.names, { file: entry.file, line: entry.line });
  }
  return analyzer;
}
