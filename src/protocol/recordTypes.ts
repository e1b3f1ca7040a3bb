/** Record type numbers → names and families (RECORDS.md §2, PROTOCOL.md §6.4). */
import type { RecordFamily } from './types';

const NAMES: Record<number, string> = {
  1: 'Intrusion Event (legacy)',
  2: 'Packet',
  3: 'Classification (legacy)',
  4: 'Priority',
  5: 'Rule (legacy)',
  7: 'Intrusion Event v2 (legacy)',
  9: 'Intrusion Impact Alert',
  10: 'New Host',
  11: 'New TCP Server',
  12: 'New UDP Server',
  13: 'New Network Protocol',
  14: 'New Transport Protocol',
  15: 'New Client Application',
  16: 'TCP Server Information Update',
  17: 'UDP Server Information Update',
  18: 'OS Information Update',
  19: 'Host Timeout',
  20: 'Host IP Address Reused',
  21: 'Host Deleted: Host Limit Reached',
  22: 'Hops Change',
  23: 'TCP Port Closed',
  24: 'UDP Port Closed',
  25: 'TCP Port Timeout',
  26: 'UDP Port Timeout',
  27: 'MAC Information Change',
  28: 'Additional MAC Detected for Host',
  29: 'Host IP Address Changed',
  31: 'Host Identified as Router/Bridge',
  34: 'VLAN Tag Information Update',
  35: 'Client Application Timeout',
  42: 'NetBIOS Name Change',
  44: 'Host Dropped: Host Limit Reached',
  45: 'Banner Update',
  46: 'Add Host Attribute',
  47: 'Update Host Attribute',
  48: 'Delete Host Attribute',
  51: 'TCP Server Confidence Update',
  52: 'UDP Server Confidence Update',
  53: 'OS Confidence Update',
  54: 'OS Fingerprint',
  55: 'Client Application',
  57: 'Vulnerability',
  58: 'Criticality',
  59: 'Network Protocol',
  60: 'Attribute',
  61: 'Scan Type',
  62: 'System User',
  63: 'Server (Application Protocol)',
  66: 'Rule Message',
  67: 'Classification',
  69: 'Correlation Policy',
  70: 'Correlation Rule',
  71: 'Connection Statistics',
  72: 'Intrusion Event IPv6 (legacy)',
  73: 'Connection Chunk',
  90: 'Source Type',
  91: 'Source Application',
  92: 'User Dropped',
  93: 'User Removed',
  94: 'New User Identification',
  95: 'User Login',
  96: 'Source Detector',
  98: 'User',
  101: 'New OS',
  102: 'Identity Conflict',
  103: 'Identity Timeout',
  104: 'Intrusion Event 4.10 IPv4 (legacy)',
  105: 'Intrusion Event 4.10 IPv6 (legacy)',
  107: 'Client Application Update',
  109: 'Web Application',
  110: 'Intrusion Event Extra Data',
  111: 'Intrusion Event Extra Data Type',
  112: 'Correlation Event',
  115: 'Security Zone',
  116: 'Interface',
  117: 'Access Control Policy (legacy)',
  118: 'Intrusion Policy',
  119: 'Access Control Rule',
  120: 'Access Control Rule Action',
  121: 'URL Category',
  122: 'URL Reputation',
  123: 'Managed Device',
  124: 'Access Control Rule Reason',
  125: 'Malware Event',
  127: 'AMP Cloud Name',
  128: 'Malware Event Type',
  129: 'Malware Event Subtype',
  130: 'AMP Detector Type',
  131: 'AMP File Type',
  132: 'Security Context',
  140: 'Rule Documentation',
  145: 'Access Control Policy',
  146: 'Prefilter Policy',
  147: 'Tunnel/Prefilter Rule',
  160: 'Host IOC Set',
  161: 'IOC Name',
  170: 'VPN Login',
  171: 'VPN Logoff',
  207: 'Intrusion Event 5.0 IPv4 (legacy)',
  208: 'Intrusion Event 5.0 IPv6 (legacy)',
  260: 'ICMP Type',
  270: 'ICMP Code',
  280: 'Security Intelligence Category (Discovery)',
  281: 'Security Intelligence Source/Destination',
  282: 'Security Intelligence Category',
  300: 'Realm',
  301: 'Endpoint Profile',
  302: 'Security Group',
  320: 'DNS Record Type',
  321: 'DNS Response Type',
  322: 'Sinkhole',
  350: 'Netmap Domain',
  400: 'Intrusion Event',
  500: 'File Event',
  502: 'File Malware Event',
  510: 'File Type',
  511: 'File SHA',
  515: 'File Storage Status',
  516: 'File Sandbox Status',
  517: 'File SPERO Status',
  518: 'File Archive Status',
  519: 'File Static Analysis Status',
  520: 'Geolocation',
  530: 'File Policy',
  600: 'SSL Policy',
  601: 'SSL Rule',
  602: 'SSL Cipher Suite',
  604: 'SSL Version',
  605: 'SSL Server Certificate Status',
  606: 'SSL Actual Action',
  607: 'SSL Expected Action',
  608: 'SSL Flow Status',
  613: 'SSL URL Category',
  614: 'SSL Certificate Details',
  700: 'Network Analysis Policy',
};

/** Human name of a record type, e.g. "Connection Statistics"; "Record type N" when unknown. */
export function recordTypeName(recordType: number): string {
  return NAMES[recordType] ?? `Record type ${recordType}`;
}

const LEGACY_INTRUSION = new Set([1, 7, 72, 99, 100, 104, 105, 207, 208]);
const USER_EVENTS = new Set([92, 93, 94, 95, 102, 103, 170, 171]);

export function familyOf(recordType: number): RecordFamily {
  switch (recordType) {
    case 2:
      return 'packet';
    case 9:
      return 'impact';
    case 400:
      return 'intrusion';
    case 110:
      return 'extra-data';
    case 112:
      return 'correlation';
    case 71:
    case 73:
      return 'connection';
    case 500:
      return 'file';
    case 502:
      return 'file-malware';
    case 125:
      return 'malware';
    case 160:
      return 'ioc';
  }
  if (LEGACY_INTRUSION.has(recordType)) return 'intrusion';
  if (USER_EVENTS.has(recordType)) return 'user';
  if ((recordType >= 10 && recordType <= 53) || (recordType >= 74 && recordType <= 89) || recordType === 101 || recordType === 107) return 'discovery';
  if (recordType in NAMES) return 'metadata';
  return 'unknown';
}

/** True for records that carry ids → names (never have an archive timestamp). */
export function isMetadataRecord(recordType: number): boolean {
  return familyOf(recordType) === 'metadata';
}
