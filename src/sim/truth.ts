/**
 * Ground truth a scenario writes as truth.json: which hosts it compromised and how, which hosts
 * only look suspicious, and how many records of each type a full request receives. Property
 * names are snake_case because the file is read by people and by other tools.
 */

export type ChainStepKind = 'recon' | 'exploit' | 'download' | 'execution' | 'callback' | 'ioc';

export interface TruthTime {
  /** ISO 8601, UTC. */
  time: string;
  /** UNIX seconds. */
  unix: number;
}

export interface ChainStep extends TruthTime {
  step: ChainStepKind;
  record_type: number;
  description: string;
}

export interface CompromisedHost {
  ip: string;
  /** The earliest record that is a compromise indicator (DESIGN.md "Compromise analysis"). */
  first_indicator: TruthTime & { record_type: number; description: string };
  chain: ChainStep[];
}

export type DecoyKind = 'blocked-attack' | 'low-impact' | 'malware-blocked';

export interface Decoy {
  ip: string;
  kind: DecoyKind;
  description: string;
  record_types: number[];
}

export interface GroundTruth {
  scenario: string;
  seed: number;
  hosts: number;
  /** Archive time of the oldest and newest event. */
  start: TruthTime;
  end: TruthTime;
  compromised: CompromisedHost[];
  decoys: Decoy[];
  /**
   * Records per record type (as a decimal string key) a client receives when it asks for
   * everything from the oldest data (timestamp 0, all event families and metadata), metadata
   * counted once per connection as the simulator sends it.
   */
  records_by_type: Record<string, number>;
}

export function truthTime(unix: number): TruthTime {
  return { time: new Date(unix * 1000).toISOString().replace('.000Z', 'Z'), unix };
}
