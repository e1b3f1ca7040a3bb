/** Scenario registry: each builds a record store (and, for generated ones, its ground truth). */
import type { RecordStore } from '../store';
import type { GroundTruth } from '../truth';

export type ScenarioName = 'compromise' | 'flood' | 'real';
export const SCENARIO_NAMES: readonly ScenarioName[] = ['compromise', 'flood', 'real'];

export interface ScenarioOptions {
  /** PRNG seed (generated scenarios). Default 1. */
  seed?: number;
  /** compromise: hosts with background traffic. Default 20. */
  hosts?: number;
  /** compromise: how many of them get compromised. Default 2. */
  compromised?: number;
  /** flood: number of events. Default 100 000. */
  floodEvents?: number;
  /** Archive second of the oldest generated event. Default 2026-12-01T08:00:00Z (fixed, so a seed always gives the same bytes). */
  startTime?: number;
  /** real: folder holding fmc-session-2020-12-03.hex (default: ../shared/estreamer/fixtures beside the project). */
  fixturesDir?: string;
}

export interface Scenario {
  store: RecordStore;
  truth?: GroundTruth;
  /** Connection id of the first connection (then +1 per connection). */
  connectionIdBase?: number;
  /** Bundle size limit the scenario needs (the real one keeps the FMC's bundle boundaries). */
  maxBundleBytes?: number;
}

export const DEFAULT_START_TIME = Date.UTC(2026, 11, 1, 8, 0, 0) / 1000;

export async function loadScenario(name: ScenarioName, opts: ScenarioOptions): Promise<Scenario> {
  switch (name) {
    case 'real':
      return (await import('./real')).realScenario(opts);
    case 'compromise':
      return (await import('./compromise')).compromiseScenario(opts);
    case 'flood':
      return (await import('./flood')).floodScenario(opts);
    default:
      throw new Error(`Unknown scenario '${String(name)}'; use one of ${SCENARIO_NAMES.join(', ')}.`);
  }
}
