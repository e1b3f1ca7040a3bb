/**
 * `real`: replays the 69 records of the real FMC session captured by eNcore in Dec 2020 (38
 * connection records and 31 metadata records in 5 bundles), with the FMC's own bundle
 * boundaries and connection id. The capture is Cisco's data: it is read at run time from the
 * shared fixtures folder, never copied into the project.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MessageType, decodeBundle, decodeRecord, encodeRecord, hexToBytes } from '../../protocol';
import { MemoryStore, type SimRecord } from '../store';
import { truthTime, type GroundTruth } from '../truth';
import { countFullStream } from './records';
import type { Scenario, ScenarioOptions } from './index';

export const REAL_SESSION_FILE = 'fmc-session-2020-12-03.hex';
/** The connection id the FMC used for that session (0x5fc831ed, the UNIX second it started). */
export const REAL_CONNECTION_ID = 0x5fc831ed;

export function findFixturesDir(explicit?: string): string {
  const candidates = explicit
    ? [explicit]
    : [
        process.env.ESTREAMER_FIXTURES,
        // src/sim/scenarios → repo → ../shared; dist/ → repo → ../shared; or run from the repo root.
        path.resolve(__dirname, '../../../../shared/estreamer/fixtures'),
        path.resolve(__dirname, '../../shared/estreamer/fixtures'),
        path.resolve(process.cwd(), '../shared/estreamer/fixtures'),
      ];
  for (const dir of candidates) if (dir && existsSync(path.join(dir, REAL_SESSION_FILE))) return dir;
  throw new Error(
    `The 'real' scenario replays Cisco's captured session ${REAL_SESSION_FILE}, which was not found in ${candidates.filter(Boolean).join(', ')}. ` +
      'Pass its folder with --fixtures DIR (or set ESTREAMER_FIXTURES).',
  );
}

/** The server→client messages of the second (full) connection in the capture, as bytes. */
export function readRealSession(fixturesDir?: string): { fromServer: Uint8Array[]; fromClient: Uint8Array[] } {
  const text = readFileSync(path.join(findFixturesDir(fixturesDir), REAL_SESSION_FILE), 'utf8');
  const second = text.split(/^# --- connection 2.*$/m)[1];
  if (second === undefined) throw new Error(`${REAL_SESSION_FILE} has no '# --- connection 2' section: is it the right file?`);
  const fromServer: Uint8Array[] = [];
  const fromClient: Uint8Array[] = [];
  for (const line of second.split('\n')) {
    const m = /^(C->S|S->C) ([0-9a-f]+)\s*$/i.exec(line);
    if (m) (m[1] === 'S->C' ? fromServer : fromClient).push(hexToBytes(m[2]));
  }
  return { fromServer, fromClient };
}

export function realScenario(opts: ScenarioOptions): Scenario {
  const { fromServer } = readRealSession(opts.fixturesDir);
  const records: SimRecord[] = [];
  for (const message of fromServer) {
    const type = (message[2] << 8) | message[3];
    if (type !== MessageType.MessageBundle) continue;
    const bundle = decodeBundle(message.subarray(8));
    bundle.records.forEach((raw, i) => {
      const decoded = decodeRecord(raw);
      const hasArchive = decoded.archiveTimestamp !== undefined;
      const bytes = raw.slice();
      // Re-encode through the codec only when the client asked for the other header form.
      const reencode = (archive: boolean) =>
        encodeRecord({
          recordType: decoded.recordType,
          typeWord: decoded.typeWord,
          archiveTimestamp: archive ? decoded.archiveTimestamp : undefined,
          blockType: decoded.blockType,
          fields: decoded.fields,
        });
      records.push({
        recordType: decoded.recordType,
        archiveTimestamp: decoded.archiveTimestamp,
        metadataKey: hasArchive ? undefined : `real:${records.length}`,
        bundleEnd: i === bundle.records.length - 1,
        encode: (archive) => (archive === hasArchive || !hasArchive ? bytes : reencode(archive)),
      });
    });
  }
  const store = new MemoryStore(records);
  const times = records.flatMap((r) => (r.archiveTimestamp === undefined ? [] : [r.archiveTimestamp]));
  const truth: GroundTruth = {
    scenario: 'real',
    seed: 0,
    hosts: 0,
    start: truthTime(Math.min(...times)),
    end: truthTime(Math.max(...times)),
    // A lab FMC on an ordinary day: nothing was compromised.
    compromised: [],
    decoys: [],
    records_by_type: countFullStream(store),
  };
  return { store, truth, connectionIdBase: REAL_CONNECTION_ID, maxBundleBytes: Number.MAX_SAFE_INTEGER };
}
