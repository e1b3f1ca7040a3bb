/** FMC simulator (issue #4): public API. No `vscode` import anywhere below this folder. */
export { Simulator, writeSimulatorFiles } from './simulator';
export type { SimulatorOptions, SimulatorCredentials, SimulatorCertificates } from './simulator';
export { parseFault, FAULT_HELP, FaultSyntaxError } from './faults';
export type { Fault, FaultKind, ConnectionSelector } from './faults';
export type { GroundTruth, CompromisedHost, ChainStep, Decoy, TruthTime } from './truth';
export { SCENARIO_NAMES, DEFAULT_START_TIME } from './scenarios';
export type { ScenarioName, ScenarioOptions } from './scenarios';
export { ADVERTISED_SERVICES, SimErrorCode } from './session';
export { MemoryStore } from './store';
export { eventRecord, metadataRecord } from './scenarios/records';
export type { RecordStore, SimRecord } from './store';
export { createCertificateAuthority, issueCertificate, createPkcs12, createCrl } from './certs';
