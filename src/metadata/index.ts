/** id → name maps fed by metadata records. Plain Node, no `vscode`. */
export { MetadataCache } from './cache';
