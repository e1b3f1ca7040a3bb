/** Compromise analysis: host index, indicators, verdicts, per-host timelines (no `vscode`). */
export { Analyzer, DEFAULT_BEFORE_MS, judge, type TimelineOptions } from './analyzer';
export { analyzeDumps, type AnalyzeDumpsOptions } from './dumps';
export { observe, Strength, type Indicator, type Names, type Observation } from './observe';
export { iocClassOf, type IocClass } from './classes';
export { reportJson, renderText, type AnalysisJson, type HostReport, type TextOptions } from './report';
