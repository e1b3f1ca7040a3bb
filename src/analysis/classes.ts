/**
 * Snort classifications and AMP event types, normalised. The FMC sends a classification's short
 * name ("attempted-admin") and its description ("Attempted Administrator Privilege Gain") in
 * metadata 67, and different releases resolve to either; both must land on the same class.
 */

export type IocClass =
  | 'attempted-admin'
  | 'attempted-user'
  | 'successful-admin'
  | 'successful-user'
  | 'web-application-attack'
  | 'exploit-kit'
  | 'malware-backdoor'
  | 'malware-cnc';

/** Classes an impact 1/2 intrusion event turns into an IOC (FMC IOC rules, ANALYSIS.md §5.1). */
export const IMPACT_IOC_CLASSES: ReadonlySet<IocClass> = new Set([
  'attempted-admin',
  'attempted-user',
  'successful-admin',
  'successful-user',
  'web-application-attack',
]);

/** Classes that are an IOC on their own (the FMC's "Intrusion Event – exploit-kit" etc.). */
export const MALWARE_CLASSES: ReadonlySet<IocClass> = new Set(['exploit-kit', 'malware-backdoor', 'malware-cnc']);

/** Maps a classification name or description to its IOC class, or undefined if it is not one. */
export function iocClassOf(name: string | undefined): IocClass | undefined {
  if (!name) return undefined;
  const t = name.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  if (/\bunsuccessful\b/.test(t)) return undefined; // "unsuccessful-user" contains "successful"
  const admin = /\b(admin|administrator)\b/.test(t);
  const user = /\buser\b/.test(t);
  if (/\battempted\b/.test(t) && (admin || user) && !/\b(dos|denial|recon|information)\b/.test(t)) {
    return admin ? 'attempted-admin' : 'attempted-user';
  }
  if (/\bsuccessful\b/.test(t) && (admin || user) && !/\b(recon|information|dos|denial)\b/.test(t)) {
    return admin ? 'successful-admin' : 'successful-user';
  }
  if (/\bweb ?app(lication)? attack\b/.test(t)) return 'web-application-attack';
  if (/\bexploit ?kit\b/.test(t)) return 'exploit-kit';
  if (/\bbackdoor\b/.test(t)) return 'malware-backdoor';
  if (/\bmalware\b/.test(t) && /\b(cnc|c2|command and control)\b/.test(t)) return 'malware-cnc';
  return undefined;
}

/** What an AMP (record 125) event says about the endpoint. */
export type AmpVerdict = 'executed' | 'dropper' | 'botnet' | 'compromise' | 'detected' | 'contained' | 'other';

/** Built-in AMP event type ids (eNcore's table) for when metadata 128 has not arrived. */
const AMP_TYPE_NAMES: Record<number, string> = {
  1: 'Threat Detected in Network File Transfer',
  2: 'Threat Detected in Network File Transfer (Retrospective)',
  1090519054: 'Threat Detected',
  553648143: 'Threat Quarantined',
  553648168: 'Blocked Execution',
};

export function ampTypeName(id: number | undefined, resolved: string | undefined): string | undefined {
  return resolved ?? (id === undefined ? undefined : AMP_TYPE_NAMES[id]);
}

/** Subtype 2 is "Execute" in the FMC's subtype table (129). */
export function ampVerdictOf(typeName: string | undefined, subtypeName: string | undefined, subtypeId: number | undefined): AmpVerdict {
  const t = (typeName ?? '').toLowerCase();
  const executing = subtypeId === 2 || /execut/i.test(subtypeName ?? '');
  if (/quarantin|blocked execution|\bblocked\b|prevented|removed|cleaned/.test(t)) return 'contained';
  if (/dropper/.test(t)) return 'dropper';
  if (/botnet/.test(t)) return 'botnet';
  if (/compromise|launched shell/.test(t)) return 'compromise';
  if (/executed/.test(t)) return 'executed';
  if (/threat detected|malware detected|detected/.test(t)) return executing ? 'executed' : 'detected';
  return 'other';
}

/** File event actions that stopped the transfer (RECORDS.md §3.5). */
export function fileActionBlocked(action: number | undefined, actionName: string | undefined): boolean {
  if (actionName) return /block/i.test(actionName);
  return action === 2 || action === 4 || action === 8 || action === 9 || action === 10 || action === 11;
}

export const FILE_ACTION_NAMES: Record<number, string> = {
  0: 'N/A',
  1: 'Detect',
  2: 'Block',
  3: 'Malware Cloud Lookup',
  4: 'Malware Block',
  5: 'Malware Whitelist',
  6: 'Cloud Lookup Timeout',
  7: 'Custom Detection',
  8: 'Custom Detection Block',
  9: 'Archive Block (Depth Exceeded)',
  10: 'Archive Block (Encrypted)',
  11: 'Archive Block (Failed to Inspect)',
};

export const DISPOSITION_NAMES: Record<number, string> = {
  0: 'N/A',
  1: 'Clean',
  2: 'Unknown',
  3: 'Malware',
  4: 'Unavailable',
  5: 'Custom Detection',
};

/** Intrusion `blocked` values that mean the packet was dropped: 1 Yes, 3 Partially dropped. */
export function intrusionBlocked(blocked: number | undefined, blockedName: string | undefined): boolean {
  if (blockedName) return /^(yes|blocked|dropped|partially dropped|block)/i.test(blockedName.trim());
  return blocked === 1 || blocked === 3;
}

/**
 * Impact level 1–4 (0 = unknown). The `impact` byte when it is 1–4, else derived from the
 * impact flag bits the way the FMC colours it (ANALYSIS.md §5.1).
 */
export function impactLevel(impact: number | undefined, flags: number | undefined): number {
  if (impact !== undefined && impact >= 1 && impact <= 4) return impact;
  if (flags === undefined) return 0;
  if (flags & 0xd8) return 1;
  if ((flags & 0x06) === 0x06) return 2;
  if (flags & 0x02) return 3;
  if (flags & 0x01) return 4;
  return 0;
}

export const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6', 47: 'gre', 50: 'esp' };
