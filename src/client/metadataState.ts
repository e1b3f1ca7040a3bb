/**
 * The FMC's metadata records as this client has seen and stored them, persisted per FMC in
 * `metadata.json`. The records themselves are kept (not a cache's tables) so a restart can feed
 * them to whatever MetadataCache the caller handed in, through its public add(), and a newer
 * decoder learns more from the same bytes.
 */
import * as path from 'node:path';
import type { MetadataCache } from '../metadata';
import { decodeRecord } from '../protocol';
import type { EStreamerRecord } from '../protocol/types';
import { readJsonFile, writeFileAtomic } from './atomicFile';
import { recordKey } from './bookmark';

interface MetadataStateJson {
  version: 1;
  fmc: string;
  /** Every distinct metadata record received (base64 of its exact bytes). */
  records: string[];
  /** recordKey() of those already stored in the dumps of the current stream. */
  storedKeys: string[];
}

export class MetadataState {
  /** recordKey → base64 bytes of each distinct metadata record. */
  private readonly known = new Map<string, string>();
  /** Keys of metadata records already stored (the FMC re-sends them on every connection). */
  private stored = new Set<string>();
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  readonly file: string | undefined;

  constructor(
    private readonly fmc: string,
    private readonly cache: MetadataCache,
    dir: string | undefined,
    private readonly warn: (message: string) => void,
  ) {
    this.file = dir ? path.join(dir, 'metadata.json') : undefined;
  }

  /**
   * Refills the cache from the saved records. `resumed`: the stream continues the saved one, so
   * the records it stored are not stored again.
   */
  async load(resumed: boolean): Promise<void> {
    if (!this.file) return;
    let saved: Partial<MetadataStateJson> | undefined;
    try {
      saved = (await readJsonFile(this.file)) as Partial<MetadataStateJson> | undefined;
      if (saved === undefined) return;
      if (saved.version !== 1 || saved.fmc !== this.fmc || !Array.isArray(saved.records)) throw new Error('not a metadata state file of this FMC');
      for (const text of saved.records) {
        const record = decodeRecord(Buffer.from(String(text), 'base64'));
        this.cache.add(record);
        this.known.set(recordKey(record), String(text));
      }
      if (resumed && Array.isArray(saved.storedKeys)) this.stored = new Set(saved.storedKeys.map(String));
    } catch (e) {
      this.warn(`metadata cache ${this.file} unusable (${(e as Error).message}); names will be learnt again`);
    }
  }

  /** Feeds a metadata record to the cache; returns its key, or undefined when it is already stored. */
  receive(record: EStreamerRecord): string | undefined {
    this.cache.add(record);
    const key = recordKey(record);
    if (this.stored.has(key)) return undefined;
    if (!this.known.has(key)) this.known.set(key, Buffer.from(record.raw).toString('base64'));
    return key;
  }

  /** The sink stored these metadata records. */
  markStored(keys: readonly string[]): void {
    if (keys.length === 0) return;
    for (const key of keys) this.stored.add(key);
    this.dirty = true;
  }

  /** Saves (atomically) if anything changed; one write at a time. */
  save(): Promise<void> {
    const file = this.file;
    if (!file || !this.dirty) return this.saving;
    this.dirty = false;
    const state: MetadataStateJson = { version: 1, fmc: this.fmc, records: [...this.known.values()], storedKeys: [...this.stored] };
    const json = JSON.stringify(state);
    this.saving = this.saving.then(() => writeFileAtomic(file, json)).catch((e: Error) => this.warn(`could not save the metadata cache: ${e.message}`));
    return this.saving;
  }
}
