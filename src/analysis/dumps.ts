/** The dump side of the analysis: the same Analyzer the live stream feeds, fed from .estreamer files. */
import { readDumps, type DumpIssue } from '../dump/reader';
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
  for await (const entry of readDumps(paths, { onIssue: options.onIssue })) {
    analyzer.add(entry.record, entry.names, { file: entry.file, line: entry.line });
  }
  return analyzer;
}
