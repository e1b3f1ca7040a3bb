/**
 * Every record and block layout, written once as data from the tables in RECORDS.md (§1.8, §3).
 * Notation: see parseFields in layout.ts. Field names are eNcore's camelCase keys as RECORDS.md
 * gives them. Both decodeRecord and encodeRecord are derived from these tables.
 */
import { parseFields, resolveRefs, type BlockLayout, type FieldLayout } from './layout';

function block(series: 1 | 2, type: number, name: string, spec: string): BlockLayout {
  return { series, type, name, fields: parseFields(spec, type) };
}

// ---------------------------------------------------------------------------------------------
// Discovery event header (RECORDS.md §1.8): 40 bytes, + 16 when hasIpv6 is set.

export const DISCOVERY_HEADER: BlockLayout = {
  series: 0,
  type: -1,
  name: 'Discovery Event Header',
  fields: parseFields(`
    deviceId u32
    legacyIpAddress ip4
    macAddress mac
    hasIpv6 u8
    reserved u8
    eventSecond u32
    eventMicrosecond u32
    eventType u32
    eventSubtype u32
    fileNumber u32
    filePosition u32
    ipv6Address ip6 ?hasIpv6
  `),
};

// ---------------------------------------------------------------------------------------------
// Series-1 blocks

/** Connection statistics, every version (RECORDS.md §3.4), in block-174 order with version tags. */
const CONNECTION = `
  deviceId u32
  ingressZone uuid
  egressZone uuid
  ingressInterface uuid
  egressInterface uuid
  initiatorIpAddress ip6
  responderIpAddress ip6
  originalClientIpAddress ip6 163+
  policyRevision uuid
  ruleId u32
  tunnelRuleId u32 163+
  ruleAction u16
  ruleReason u32
  initiatorPort u16
  responderPort u16
  tcpFlag u16
  protocol u8
  netflowSource uuid
  instanceId u16
  connectionCounter u16
  firstPacketTimestamp u32
  lastPacketTimestamp u32
  initiatorTransmittedPackets u64
  responderTransmittedPackets u64
  initiatorTransmittedBytes u64
  responderTransmittedBytes u64
  initiatorPacketsDropped u64 163+
  responderPacketsDropped u64 163+
  initiatorBytesDropped u64 163+
  responderBytesDropped u64 163+
  qosAppliedInterface uuid 163+
  qosRuleId u32 163+
  userId u32
  applicationId u32
  urlCategory u32
  urlReputation u32
  clientApplicationId u32
  webApplicationId u32
  clientUrl string
  netbios string
  clientApplicationVersion string
  monitorRule1 u32
  monitorRule2 u32
  monitorRule3 u32
  monitorRule4 u32
  monitorRule5 u32
  monitorRule6 u32
  monitorRule7 u32
  monitorRule8 u32
  securityIntelligenceSourceDestination u8
  securityIntelligenceLayer u8
  fileEventCount u16
  intrusionEventCount u16
  initiatorCountry u16
  responderCountry u16
  originalClientCountry u16 163+
  iocNumber u16
  sourceAutonomousSystem u32
  destinationAutonomousSystem u32
  snmpIn u16
  snmpOut u16
  sourceTos u8
  destinationTos u8
  sourceMask u8
  destinationMask u8
  securityContext hex16
  vlanId u16
  referencedHost string
  userAgent string
  httpReferrer string
  sslCertificateFingerprint hex20
  sslPolicyId hex16
  sslRuleId u32
  sslCipherSuite u16
  sslVersion u8
  sslServerCertificateStatus u32
  sslActualAction u16
  sslExpectedAction u16
  sslFlowStatus u16
  sslFlowError u32
  sslFlowMessages u32
  sslFlowFlags u64
  sslServerName string
  sslUrlCategory u32
  sslSessionId hex32
  sslSessionIdLength u8
  sslTicketId hex20
  sslTicketIdLength u8
  networkAnalysisPolicyRevision uuid
  endpointProfileId u32
  securityGroupId u32
  sourceSecurityGroupTag u16 170+
  sourceSecurityGroupTagType u8 171+
  destinationSecurityGroupTag u16 170+
  destinationSecurityGroupTagType u8 171+
  locationIpv6 ip6
  httpResponse u32
  dnsQuery string
  dnsRecordType u16
  dnsResponseType u16
  dnsTtl u32
  sinkholeUuid uuid
  securityIntelligenceList1 u32
  securityIntelligenceList2 u32
  securityIntelligenceList3 u32 =168
  threatIntelligenceCategory u32 169+
  eveProcess string =174
  eveProcessConfidencePercentage u8 =174
  eveThreatConfidencePercentage u8 =174
  eveThreatConfidenceIndex u8 =174
  clientAppDectectorId u8 =174
  natInitiatorPort u16 =174
  natResponderPort u16 =174
  natInitiatorIp ip6 =174
  natResponderIp ip6 =174
  ingressVRFName string 171+
  egressVRFName string 171+
  sourceIpDynamicAttributes string 173+
  destIpDynamicAttributes string 173+
`;

/** Connection block types, newest first (the first is what encodeRecord writes by default). */
export const CONNECTION_BLOCKS = [174, 173, 171, 170, 169, 168, 163, 160] as const;

const SERIES1: BlockLayout[] = [
  block(1, 1, 'Sub-Server', `
    name string
    vendor string
    version string
  `),
  block(1, 4, 'Protocol', `
    protocol u16
  `),
  block(1, 95, 'MAC Address', `
    ttl u8
    address mac
    primary u8
    lastSeen u32
  `),
  block(1, 103, 'Server', `
    port u16
    hits u32
    lastUsed u32
    serverInformation list:117
    confidence u32
    webApplication list:123
  `),
  block(1, 117, 'Server Information', `
    applicationId u32
    vendor string
    version string
    lastUsed u32
    sourceType u32
    sourceId u32
    subServers list:1
  `),
  block(1, 122, 'Client Application', `
    hits u32
    lastUsed u32
    id u32
    applicationProto u32
    version string
    webApplication list:123
  `),
  block(1, 123, 'Web Application', `
    applicationId u32
  `),
  block(1, 130, 'Operating System Fingerprint', `
    uuid uuid
    type u32
    sourceType u32
    sourceId u32
    lastSeen u32
    ttlDifference u8
    mobileDevice list:any
  `),
  block(1, 136, 'Connection Chunk', `
    initiatorIpAddress ip4
    responderIpAddress ip4
    startTime u32
    applicationProto u32
    responderPort u16
    protocol u8
    connectionType u8
    netflowDetectorIpAddress ip4
    packetsSent u64
    packetsReceived u64
    bytesSent u64
    bytesReceived u64
    connections u32
  `),
  block(1, 139, 'Host Profile', `
    ipAddress ip6
    hops u8
    primarySecondary u8
    serverFingerprints list:130
    clientFingerprints list:130
    smbFingerprints list:130
    dhcpFingerprints list:130
    mobileDeviceFingerprints list:130
    ipv6ServerFingerprints list:130
    ipv6ClientFingerprints list:130
    ipv6DhcpFingerprints list:130
    userAgentFingerprints list:130
    tcpServer list:103
    udpServer list:103
    networkProtocol list:4
    transportProtocol list:4
    hostMacAddress list:95
    hostLastSeen u32
    hostType u32
    mobile u8
    jailbroken u8
    vlanPresence u8
    vlanId u16
    vlanType u8
    vlanPriority u8
    clientApplications list:any
    netbios string
  `),
  block(1, 150, 'IOC State', `
    iocId u32
    disabled u8
    firstSeen u32
    firstEventId u32
    firstDeviceId u32
    firstInstanceId u16
    firstConnectionTime u32
    firstConnectionCounter u16
    lastSeen u32
    lastEventId u32
    lastDeviceId u32
    lastInstanceId u16
    lastConnectionTime u32
    lastConnectionCounter u16
  `),
  block(1, 153, 'Intrusion Impact Alert', `
    eventId u32
    deviceId u32
    eventSecond u32
    impact u32
    sourceIpAddress ip6
    destinationIpAddress ip6
    description string
  `),
  block(1, 155, 'User Information 6.0', `
    userId u32
    username string
    realmId u32
    protocol u32
    firstName string
    lastName string
    email string
    department string
    phone string
    endpointProfileID u32
    securityGroupId u32
    locationIpv6Address ip6
  `),
  block(1, 156, 'Correlation Event', `
    deviceId u32
    correlationEventSecond u32
    eventId u32
    policyId u32
    ruleId u32
    priority u32
    eventDescription string
    eventType u8
    eventDeviceId u32
    signatureId u32
    signatureGeneratorId u32
    triggerEventSecond u32
    triggerEventMicrosecond u32
    deviceEventId u32
    eventDefinedMask u32
    eventImpactFlags u8
    ipProtocol u8
    networkProtocol u16
    sourceIp ip4
    sourceHostType u8
    sourceVlanId u16
    sourceOperatingSystemFingerprintUuid uuid
    sourceCriticality u16
    sourceUserId u32
    sourcePort u16
    sourceServerId u32
    destinationIp ip4
    destinationHostType u8
    destinationVlanId u16
    destinationOperatingSystemFingerprintUuid uuid
    destinationCriticality u16
    destinationUserId u32
    destinationPort u16
    destinationServerId u32
    impact u8
    blocked u8
    intrusionPolicy uuid
    ruleAction u32
    netbios string
    urlCategory u32
    urlReputation u32
    url string
    clientId u32
    clientVersion string
    accessControlPolicyRevision uuid
    accessControlRuleId u32
    ingressIntefaceUuid uuid
    egressIntefaceUuid uuid
    ingressZoneUuid uuid
    egressZoneUuid uuid
    sourceIpv6Address ip6
    destinationIpv6Address ip6
    sourceCountry u16
    destinationCountry u16
    securityIntelligenceUuid uuid
    securityContext hex16
    sslPolicyId hex16
    sslRuleId u32
    sslActualAction u32
    sslFlowStatus u32
    sslCertificateFingerprint hex20
  `),
  block(1, 167, 'User Login Information', `
    timestamp u32
    ipv4Address ip4
    username string
    domain string
    userId u32
    realmId u32
    endpointProfileId u32
    securityGroupId u32
    protocol u32
    port u16
    rangeStart u16
    startPort u16
    endPort u16
    email string
    ipv6Address ip6
    locationIpv6Address ip6
    loginType u8
    authType u8
    reportedBy string
    description string
    vpnSession list:any
  `),
  ...CONNECTION_BLOCKS.map((t) => block(1, t, `Connection Statistics (block ${t})`, CONNECTION)),
];

/** Record 160's body: a series-1 Integer block (type 7) holding the IOC id. */
const IOC_ID_BLOCK = block(1, 7, 'Integer (IOC id)', `
  iocId u32
`);

// ---------------------------------------------------------------------------------------------
// Series-2 blocks

/** Intrusion event, blocks 41/45 (legacy, sizes from the guide examples) and 60/81/85 (RECORDS.md §3.1). */
const INTRUSION = `
  deviceId u32
  eventId u32
  eventSecond u32
  eventMicrosecond u32
  ruleId u32
  generatorId u32
  ruleRevision u32
  classificationId u32
  priorityId u32
  sourceIpAddress ip6
  destinationIpAddress ip6
  sourcePortOrIcmpType u16
  destinationPortOrIcmpType u16
  ipProtocolId u8
  impactFlags u8
  impact u8
  blocked u8
  blockedReasonId u8 81+
  mplsLabel u32
  vlanId u16
  pad u16
  policyUuid uuid
  userId u32
  webApplicationId u32
  clientApplicationId u32
  applicationId u32
  accessControlRuleId u32
  accessControlPolicyUuid uuid
  interfaceIngressUuid uuid
  interfaceEgressUuid uuid
  securityZoneIngressUuid uuid
  securityZoneEgressUuid uuid
  connectionTimestamp u32
  connectionInstanceId u16
  connectionCounter u16
  sourceCountry u16
  destinationCountry u16
  iocNumber u16
  securityContext hex16 45+
  sslCertificateFingerprint hex20 45+
  sslActualAction u16 45+
  sslFlowStatus u16 45+
  networkAnalysisPolicyUuid uuid 45+
  httpResponse u32 60+
  ingressVRFName string 81+
  egressVRFName string 81+
  snortVersion u8 81+
  originalSrcIP ip6 =85
  httpHostname string =85
  httpURI string =85
  smtpAttachments string =85
  smtpFrom string =85
  smtpHeaders string =85
  smptTo string =85
`;
export const INTRUSION_BLOCKS = [85, 81, 60, 45, 41] as const;

/** File event / file malware event, blocks 56 and 79 (RECORDS.md §3.5). */
const FILE_EVENT = `
  deviceId u32
  connectionInstance u16
  connectionCounter u16
  connectionTimestamp u32
  fileEventTimestamp u32
  sourceIpAddress ip6
  destinationIpAddress ip6
  disposition u8
  speroDisposition u8
  fileStorageStatus u8
  fileAnalysisStatus u8
  localMalwareAnalysisStatus u8
  archiveFileStatus u8
  threatScore u8
  action u8
  shaHash hex32
  fileTypeId u32
  fileName string
  fileSize u64
  direction u8
  applicationId u32
  userId u32
  uri string
  signature string
  sourcePort u16
  destinationPort u16
  protocol u8
  accessControlPolicyUuid uuid
  sourceCountry u16
  destinationCountry u16
  webApplicationId u32
  clientApplicationId u32
  securityContext hex16
  sslCertificateFingerprint hex20
  sslActualAction u16
  sslFlowStatus u16
  archiveSha string
  archiveName string
  archiveDepth u8
  httpResponse u32
  ingressVRF string 79+
  egressVRF string 79+
`;
export const FILE_BLOCKS = [79, 56] as const;

/** Malware event, blocks 62 and 80 (RECORDS.md §3.6). */
const MALWARE_EVENT = `
  agentUuid uuid
  cloudUuid uuid
  malwareEventTimestamp u32
  eventTypeId u32
  eventSubtypeId u32
  detectorId u8
  detectionName string
  user string
  fileName string
  filePath string
  fileShaHash string
  fileSize u32
  fileType u32
  fileTimestamp u32
  parentFileName string
  parentShaHash string
  eventDescription string
  deviceId u32
  connectionInstance u16
  connectionCounter u16
  connectionEventTimestamp u32
  direction u8
  sourceIpAddress ip6
  destinationIpAddress ip6
  applicationId u32
  userId u32
  accessControlPolicyUuid uuid
  disposition u8
  retroDisposition u8
  uri string
  sourcePort u16
  destinationPort u16
  sourceCountry u16
  destinationCountry u16
  webApplicationId u32
  clientApplicationId u32
  action u8
  protocol u8
  threatScore u8
  iocNumber u16
  securityContext hex16
  sslCertificateFingerprint hex20
  sslActualAction u16
  sslFlowStatus u16
  archiveSha string
  archiveName string
  archiveDepth u8
  httpResponse u32
  ingressVRFName string 80+
  egressVRFName string 80+
`;
export const MALWARE_BLOCKS = [80, 62] as const;

const SERIES2: BlockLayout[] = [
  ...INTRUSION_BLOCKS.map((t) => block(2, t, `Intrusion Event (block ${t})`, INTRUSION)),
  ...FILE_BLOCKS.map((t) => block(2, t, `File Event (block ${t})`, FILE_EVENT)),
  ...MALWARE_BLOCKS.map((t) => block(2, t, `Malware Event (block ${t})`, MALWARE_EVENT)),
  block(2, 4, 'Intrusion Event Extra Data', `
    deviceId u32
    eventId u32
    eventSecond u32
    type u32
    blob blob
  `),
  block(2, 5, 'Extra Data Type', `
    type u32
    name string
    encoding string
  `),
  block(2, 14, 'UUID String', `
    uuid uuid
    name string
  `),
  block(2, 15, 'Access Control Rule', `
    uuid uuid
    id u32
    name string
  `),
  block(2, 19, 'ICMP Type', `
    type u16
    protocol u16
    description string
  `),
  block(2, 20, 'ICMP Code', `
    code u16
    type u16
    protocol u16
    description string
  `),
  block(2, 22, 'Security Intelligence Category', `
    id u32
    accessControlPolicyUuid uuid
    name string
  `),
  block(2, 27, 'Rule Documentation', `
    sid u32
    gid u32
    revision u32
    summary string
    impact string
    detail string
    affectedSystems string
    attackScenarios string
    easeOfAttack string
    falsePositives string
    falseNegatives string
    correctiveAction string
    contributors string
    references string
  `),
  block(2, 28, 'Geolocation', `
    countryCode u16
    country string
  `),
  block(2, 39, 'IOC Name', `
    id u32
    category string
    eventType string
  `),
  block(2, 40, 'File SHA', `
    shaHash hex32
    fileName string
    disposition u8
    userDefined u8
  `),
  block(2, 50, 'SSL Certificate Details', `
    fingerprintShaHash hex20
    publicKeyShaHash hex20
    serialNumber hex20
    serialNumberLength u32
    subjectCommonName string
    subjectOrganization string
    subjectOrganizationalUnit string
    subjectCountry string
    issuerCommonName string
    issuerOrganization string
    issuerOrganizationalUnit string
    issuerCountry string
    validStartDate u32
    validFinishDate u32
  `),
  block(2, 57, 'User', `
    id u32
    protocol u32
    username string
  `),
  block(2, 58, 'Endpoint Profile', `
    id u32
    profileName string
    fullName string
  `),
  block(2, 59, 'Access Control Rule Reason', `
    id u32
    description string
  `),
  block(2, 61, 'ID Name Description', `
    id u32
    name string
    description string
  `),
  block(2, 64, 'Access Control Policy', `
    uuid uuid
    sensorId u32
    name string
  `),
];

export const SERIES1_BLOCKS: ReadonlyMap<number, BlockLayout> = new Map(SERIES1.map((b) => [b.type, b]));
export const SERIES2_BLOCKS: ReadonlyMap<number, BlockLayout> = new Map(SERIES2.map((b) => [b.type, b]));
resolveRefs([...SERIES1, ...SERIES2, IOC_ID_BLOCK], SERIES1_BLOCKS);

// ---------------------------------------------------------------------------------------------
// Records (RECORDS.md §1.5, §2)

export interface RecordLayout {
  readonly recordType: number;
  /** Discovery-shaped records (§1.5 shape 4) start with the discovery event header. */
  readonly discoveryHeader: boolean;
  /** Fields that follow the record header (flat / id-length-name / scalar after the discovery header). */
  readonly fields?: readonly FieldLayout[];
  /** The possible top-level blocks, dispatched on the block type on the wire; the first is the encoder's default. */
  readonly blocks?: readonly BlockLayout[];
}

const RECORDS = new Map<number, RecordLayout>();

function flat(types: number[], spec: string, discoveryHeader = false): void {
  const fields = parseFields(spec);
  for (const t of types) RECORDS.set(t, { recordType: t, discoveryHeader, fields });
}

function blocks(types: number[], series: 1 | 2, blockTypes: readonly number[], discoveryHeader = false): void {
  const table = series === 1 ? SERIES1_BLOCKS : SERIES2_BLOCKS;
  const layouts = blockTypes.map((bt) => {
    const layout = table.get(bt);
    if (!layout) throw new Error(`records ${types}: no series-${series} layout for block ${bt}`);
    return layout;
  });
  for (const t of types) RECORDS.set(t, { recordType: t, discoveryHeader, blocks: layouts });
}

// Flat records (§3.9, §3.1)
flat([2], `
  deviceId u32
  eventId u32
  eventSecond u32
  packetSecond u32
  packetMicrosecond u32
  linkType u32
  packetLength u32
  packetData rest
`);
flat([4], `
  id u32
  name text16
`);
flat([54], `
  uuid uuid
  name text32
  vendor text32
  version text32
`);
flat([66], `
  generatorId u32
  ruleId u32
  ruleRevision u32
  renderedSignatureId u32
  messageLength len16:message
  ruleUuid uuid
  ruleRevisionUuid uuid
  message lentext
`);
flat([67], `
  id u32
  name text16
  description text16
  uuid uuid
  revisionUuid uuid
`);
flat([69], `
  id u32
  name text16
  description text16
  uuid uuid
  revisionUuid uuid
`);
flat([70], `
  id u32
  name text16
  description text16
  eventType text16
  ruleUuid uuid
  ruleRevisionUuid uuid
  whitelistUuid uuid
`);
// id / length / name (§1.5 shape 2)
flat([55, 58, 59, 60, 61, 63, 90, 91, 96, 109, 120, 121, 122, 123, 128, 129, 130, 131, 281, 300, 302, 350, 510, 515, 516, 517, 518, 519, 602, 604, 605, 606, 607, 608, 613], `
  id u32
  name text32
`);
// uuid + String without an outer block header (eNcore; unverified)
flat([132, 282, 600], `
  uuid uuid
  name string
`);
flat([601], `
  revision hex16
  id u32
  name string
`);

// One series-1 block (§1.5 shape 3)
blocks([9], 1, [153]);
blocks([112], 1, [156]);

// Discovery header + block / scalar / nothing (§1.5 shape 4, §2.1)
blocks([71], 1, CONNECTION_BLOCKS, true);
blocks([73], 1, [136], true);
blocks([10], 1, [139], true);
blocks([11, 12, 16, 17, 51, 52], 1, [103], true);
blocks([15, 35, 107], 1, [122], true);
blocks([101], 1, [130], true);
blocks([27, 28], 1, [95], true);
blocks([92, 93, 94], 1, [155], true);
blocks([95, 170, 171], 1, [167], true);
RECORDS.set(160, { recordType: 160, discoveryHeader: true, blocks: [IOC_ID_BLOCK, SERIES1_BLOCKS.get(150)!] });
flat([19, 20, 21, 44], ``, true);
flat([13], `networkProtocol u16`, true);
flat([14], `transportProtocol u8`, true);
flat([22], `hops u8`, true);
flat([23, 24, 25, 26], `port u16`, true);
flat([29], `ipAddress ip6`, true);
flat([31], `hostType u32`, true);

// One series-2 block (§1.5 shape 5)
blocks([400], 2, INTRUSION_BLOCKS);
blocks([500, 502], 2, FILE_BLOCKS);
blocks([125], 2, MALWARE_BLOCKS);
blocks([110], 2, [4]);
blocks([111], 2, [5]);
blocks([62, 98], 2, [57]);
blocks([115, 116, 117, 118, 127, 322, 530, 700], 2, [14]);
blocks([119], 2, [15]);
blocks([124], 2, [59]);
blocks([140], 2, [27]);
blocks([145, 146, 147], 2, [64]);
blocks([161], 2, [39]);
blocks([260], 2, [19]);
blocks([270], 2, [20]);
blocks([280], 2, [22]);
blocks([301], 2, [58]);
blocks([320, 321], 2, [61]);
blocks([511], 2, [40]);
blocks([520], 2, [28]);
blocks([614], 2, [50]);

export const RECORD_LAYOUTS: ReadonlyMap<number, RecordLayout> = RECORDS;
