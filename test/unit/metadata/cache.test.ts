import * as assert from 'assert';
import { MetadataCache } from '../../../src/metadata';
import { MessageDecoder, MessageType, decodeBundle, decodeRecord, encodeRecord, type EStreamerRecord } from '../../../src/protocol';
import { encoreOutput, sessionMessages } from '../protocol/fixtures';

function sessionRecords(): EStreamerRecord[] {
  const out: EStreamerRecord[] = [];
  for (const line of sessionMessages()) {
    for (const m of new MessageDecoder().push(line.bytes)) if (m.type === MessageType.MessageBundle) out.push(...decodeBundle(m.body).records.map(decodeRecord));
  }
  return out;
}

/** eNcore Splunk key → our decoded field (values compared as text). */
const FIELD_KEYS: Record<string, string> = {
  src_ip: 'initiatorIpAddress', dest_ip: 'responderIpAddress', src_port: 'initiatorPort', dest_port: 'responderPort',
  src_bytes: 'initiatorTransmittedBytes', dest_bytes: 'responderTransmittedBytes', src_pkts: 'initiatorTransmittedPackets',
  dest_pkts: 'responderTransmittedPackets', first_pkt_sec: 'firstPacketTimestamp', last_pkt_sec: 'lastPacketTimestamp',
  instance_id: 'instanceId', connection_id: 'connectionCounter', url: 'clientUrl', dns_query: 'dnsQuery', referenced_host: 'referencedHost',
  dns_ttl: 'dnsTtl', dns_rec_id: 'dnsRecordType', dns_resp_id: 'dnsResponseType', http_response: 'httpResponse', user_agent: 'userAgent',
  tcp_flags: 'tcpFlag', vlan_id: 'vlanId', ssl_rule_id: 'sslRuleId', file_count: 'fileEventCount', ips_count: 'intrusionEventCount',
  num_ioc: 'iocNumber', security_context: 'securityContext', ssl_cert_fingerprint: 'sslCertificateFingerprint', ssl_session_id: 'sslSessionId',
  netflow_src: 'netflowSource', sinkhole_uuid: 'sinkholeUuid',
};

/** eNcore Splunk key → our names() key. */
const NAME_KEYS: Record<string, string> = {
  sensor: 'device', fw_policy: 'accessControlPolicy', fw_rule: 'accessControlRule', fw_rule_action: 'ruleAction',
  sec_zone_ingress: 'ingressZone', sec_zone_egress: 'egressZone', iface_ingress: 'ingressInterface', iface_egress: 'egressInterface',
  user: 'user', app_proto: 'application', client_app: 'clientApplication', web_app: 'webApplication', dest_ip_country: 'destinationCountry',
  src_ip_country: 'sourceCountry', url_reputation: 'urlReputation', ip_proto: 'protocol', ssl_cipher_suite: 'sslCipherSuite',
  ssl_version: 'sslVersion', ssl_server_cert_status: 'sslServerCertificateStatus', ssl_actual_action: 'sslActualAction',
  ssl_flow_status: 'sslFlowStatus', dns_record_name: 'dnsRecordType', dns_record_desc: 'dnsRecordTypeDescription',
};

describe('MetadataCache against the real session and eNcore output', () => {
  const records = sessionRecords();
  const lines = encoreOutput();

  it('pairs the 69 decoded records with eNcore’s 69 lines by record type', () => {
    assert.strictEqual(lines.length, 69);
    assert.deepStrictEqual(records.map((r) => String(r.recordType)), lines.map((l) => l.rec_type));
  });

  it('stores every metadata record and resolves each connection the way eNcore did', () => {
    const cache = new MetadataCache();
    let compared = 0;
    records.forEach((r, i) => {
      const line = lines[i];
      if (r.recordType !== 71) {
        assert.ok(cache.add(r), `record ${r.recordType} is metadata`);
        const f = r.fields;
        const name = line.name ?? line.description;
        assert.strictEqual(String(f.name ?? f.username ?? f.country), name, `record ${i} (${r.recordType}) name`);
        if (line.id !== undefined) assert.strictEqual(String(f.id ?? f.countryCode), line.id, `record ${i} (${r.recordType}) id`);
        if (line.uuid !== undefined) assert.strictEqual(f.uuid, line.uuid, `record ${i} (${r.recordType}) uuid`);
        compared++;
        return;
      }
      assert.strictEqual(cache.add(r), false);
      const names = cache.names(r);
      if (r.fields.dnsRecordType) names.dnsRecordTypeDescription = String(cache.lookup(320, r.fields.dnsRecordType as number)?.description);
      assert.strictEqual(String(r.archiveTimestamp), line.event_sec, 'event_sec is the archive timestamp when the event second is 0');
      for (const [key, field] of Object.entries(FIELD_KEYS)) {
        if (line[key] === undefined) continue;
        assert.strictEqual(String(r.fields[field]), line[key], `record ${i}: ${key} vs ${field}`);
        compared++;
      }
      for (const [key, name] of Object.entries(NAME_KEYS)) {
        if (line[key] === undefined) continue;
        // eNcore prints "unknown"/"Unknown" for ids it has no metadata for (country 0, web app 0); we leave the name out.
        if (names[name] === undefined) assert.match(line[key], /^unknown$/i, `record ${i}: ${key} resolved by eNcore only`);
        else assert.strictEqual(names[name], line[key], `record ${i}: ${key} vs names.${name}`);
        compared++;
      }
    });
    assert.ok(compared > 38 * 40, `compared ${compared} values`);
  });

  it('resolves the values the issue names: basic-ac, allow-all, inside/outside, the user, a country, DNS', () => {
    const cache = new MetadataCache();
    for (const r of records) cache.add(r);
    const first = cache.names(records.find((r) => r.recordType === 71)!);
    assert.strictEqual(first.accessControlPolicy, 'basic-ac');
    assert.strictEqual(first.accessControlRule, 'allow-all');
    assert.strictEqual(first.ingressZone, 'inside');
    assert.strictEqual(first.egressZone, 'outside');
    assert.strictEqual(first.user, 'No Authentication Required');
    assert.strictEqual(first.destinationCountry, 'united states');
    assert.strictEqual(first.device, '10.101.101.161');
    const dns = records.find((r) => r.recordType === 71 && r.fields.dnsRecordType === 1)!;
    assert.strictEqual(cache.names(dns).dnsRecordType, 'A');
    assert.strictEqual(cache.lookup(320, 1)?.description, 'a host address');
  });

  it('round-trips through toJSON / fromJSON (as persisted per FMC)', () => {
    const cache = new MetadataCache();
    for (const r of records) cache.add(r);
    const restored = MetadataCache.fromJSON(JSON.parse(JSON.stringify(cache)));
    assert.strictEqual(restored.size, cache.size);
    for (const r of records.filter((x) => x.recordType === 71)) assert.deepStrictEqual(restored.names(r), cache.names(r));
    assert.throws(() => MetadataCache.fromJSON({ version: 99, tables: {} }), /delete the cache file/);
    assert.throws(() => MetadataCache.fromJSON('nope'), TypeError);
  });

  it('ignores malformed and non-metadata records', () => {
    const cache = new MetadataCache();
    const bad = decodeRecord(new Uint8Array([0, 0, 0, 123, 0, 0, 0, 99, 1, 2]));
    assert.strictEqual(bad.status, 'malformed');
    assert.strictEqual(cache.add(bad), false);
    assert.strictEqual(cache.size, 0);
  });
});

describe('MetadataCache for intrusion, file, malware, IOC and correlation events', () => {
  const meta = (recordType: number, fields: Record<string, unknown>) => decodeRecord(encodeRecord({ recordType, fields: fields as never }));
  const cache = new MetadataCache();
  const policy = '11111111-2222-3333-4444-555555555555';
  [
    meta(123, { id: 7, name: 'fw-7' }),
    meta(66, { generatorId: 1, ruleId: 2001219, ruleRevision: 3, renderedSignatureId: 2001219, message: 'ET SCAN Potential SSH Scan' }),
    meta(67, { id: 30, name: 'attempted-admin', description: 'Attempted Administrator Privilege Gain' }),
    meta(4, { id: 1, name: 'high' }),
    meta(118, { uuid: 'aaaaaaaa-0000-0000-0000-000000000001', name: 'Balanced IPS' }),
    meta(145, { uuid: policy, sensorId: 7, name: 'edge-ac' }),
    meta(119, { uuid: policy, id: 5, name: 'block-bad' }),
    meta(161, { id: 12, category: 'CnC Connected', eventType: 'Intrusion Event - malware-CnC' }),
    meta(510, { id: 9, name: 'PDF' }),
    meta(511, { shaHash: 'ab'.repeat(32), fileName: 'W32.Trojan', disposition: 3, userDefined: 0 }),
    meta(128, { id: 1090519054, name: 'Threat Detected' }),
    meta(129, { id: 2, name: 'Execute' }),
    meta(69, { id: 3, name: 'compromise policy' }),
    meta(70, { id: 4, name: 'ioc rule' }),
    meta(98, { id: 42, protocol: 0, username: 'alice' }),
    meta(520, { countryCode: 528, country: 'netherlands' }),
  ].forEach((r) => assert.ok(cache.add(r), `metadata ${r.recordType}: ${r.reason}`));

  it('resolves pair keys (device:policy, policy:rule, generator:rule) afresh as the parts change from event to event', () => {
    const other = '99999999-2222-3333-4444-555555555555';
    const local = new MetadataCache();
    [
      meta(123, { id: 7, name: 'fw-7' }),
      meta(145, { uuid: policy, sensorId: 7, name: 'edge-ac' }),
      meta(145, { uuid: other, sensorId: 8, name: 'core-ac' }),
      meta(119, { uuid: policy, id: 5, name: 'block-bad' }),
      meta(119, { uuid: policy, id: 6, name: 'allow-good' }),
      meta(119, { uuid: other, id: 5, name: 'core-5' }),
      meta(66, { generatorId: 1, ruleId: 100, ruleRevision: 1, renderedSignatureId: 100, message: 'one hundred' }),
      meta(66, { generatorId: 1, ruleId: 101, ruleRevision: 1, renderedSignatureId: 101, message: 'one hundred one' }),
    ].forEach((r) => assert.ok(local.add(r)));
    const event = (deviceId: number, uuid: string, rule: number, sid: number) =>
      decodeRecord(encodeRecord({ recordType: 400, archiveTimestamp: 1, fields: { deviceId, accessControlPolicyUuid: uuid, accessControlRuleId: rule, generatorId: 1, ruleId: sid, ruleRevision: 1 } }));
    const expect = [
      [event(7, policy, 5, 100), 'edge-ac', 'block-bad', 'one hundred'],
      [event(7, policy, 6, 100), 'edge-ac', 'allow-good', 'one hundred'],
      [event(7, policy, 6, 101), 'edge-ac', 'allow-good', 'one hundred one'],
      [event(8, other, 5, 101), 'core-ac', 'core-5', 'one hundred one'],
      [event(9, other, 5, 100), 'core-ac', 'core-5', 'one hundred'], // device 9 has no 145 entry: the "*:uuid" fallback
      [event(7, policy, 5, 102), 'edge-ac', 'block-bad', undefined],
    ] as const;
    for (let round = 0; round < 3; round++) {
      for (const [e, acPolicy, acRule, message] of expect) {
        const n = local.names(e);
        assert.deepStrictEqual([n.accessControlPolicy, n.accessControlRule, n.message], [acPolicy, acRule, message]);
      }
    }
  });

  it('a metadata record sent again changes nothing; a changed one, or one that moves a shared key back, replaces what is stored', () => {
    const local = new MetadataCache();
    const other = '99999999-2222-3333-4444-555555555555';
    const device = meta(123, { id: 7, name: 'fw-7' });
    assert.ok(local.add(device));
    const stored = local.lookup(123, 7);
    assert.ok(local.add(meta(123, { id: 7, name: 'fw-7' })));
    assert.strictEqual(local.lookup(123, 7), stored, 'the same values: the stored entry is kept');
    assert.ok(local.add(meta(123, { id: 7, name: 'fw-7b' })));
    assert.deepStrictEqual(local.lookup(123, 7), { id: 7, name: 'fw-7b' });
    local.add(meta(145, { uuid: other, sensorId: 7, name: 'edge-ac' }));
    local.add(meta(145, { uuid: other, sensorId: 8, name: 'core-ac' }));
    local.add(meta(145, { uuid: other, sensorId: 7, name: 'edge-ac' })); // "*:uuid" is core-ac's until this comes again
    const event = (deviceId: number) => decodeRecord(encodeRecord({ recordType: 400, archiveTimestamp: 1, fields: { deviceId, accessControlPolicyUuid: other } }));
    assert.strictEqual(local.names(event(9)).accessControlPolicy, 'edge-ac', 'fallback by uuid: the last one sent');
    assert.strictEqual(local.names(event(8)).accessControlPolicy, 'core-ac');
    assert.strictEqual(local.names(event(7)).device, 'fw-7b');
    const fresh = new MetadataCache();
    const edge = meta(145, { uuid: other, sensorId: 7, name: 'edge-ac' });
    for (const r of [device, meta(123, { id: 7, name: 'fw-7b' }), edge, meta(145, { uuid: other, sensorId: 8, name: 'core-ac' }), edge]) fresh.add(r);
    assert.deepStrictEqual(local.toJSON(), fresh.toJSON());
  });

  it('resolves an intrusion event (message, SID, classification, priority, policies, rule, user, IOC)', () => {
    const event = decodeRecord(encodeRecord({ recordType: 400, archiveTimestamp: 1, fields: {
      deviceId: 7, generatorId: 1, ruleId: 2001219, ruleRevision: 3, classificationId: 30, priorityId: 1, policyUuid: 'aaaaaaaa-0000-0000-0000-000000000001',
      accessControlPolicyUuid: policy, accessControlRuleId: 5, userId: 42, iocNumber: 12, ipProtocolId: 6, blocked: 1, destinationCountry: 528,
    } }));
    assert.deepStrictEqual(cache.names(event), {
      device: 'fw-7', message: 'ET SCAN Potential SSH Scan', classification: 'attempted-admin', classificationDescription: 'Attempted Administrator Privilege Gain',
      priority: 'high', intrusionPolicy: 'Balanced IPS', accessControlPolicy: 'edge-ac', accessControlRule: 'block-bad', user: 'alice',
      destinationCountry: 'netherlands', iocCategory: 'CnC Connected', iocEventType: 'Intrusion Event - malware-CnC', signature: '1:2001219:3',
      protocol: 'TCP', blocked: 'Yes',
    });
  });

  it('resolves file malware, malware, IOC set and correlation events', () => {
    const file = decodeRecord(encodeRecord({ recordType: 502, fields: { deviceId: 7, fileTypeId: 9, shaHash: 'ab'.repeat(32), disposition: 3, action: 4, direction: 1, protocol: 6 } }));
    assert.deepStrictEqual(cache.names(file), { device: 'fw-7', fileType: 'PDF', detection: 'W32.Trojan', protocol: 'TCP', disposition: 'Malware', fileAction: 'Malware Block', direction: 'Download' });
    const malware = decodeRecord(encodeRecord({ recordType: 125, fields: { deviceId: 7, eventTypeId: 1090519054, eventSubtypeId: 2, userId: 42 } }));
    assert.deepStrictEqual(cache.names(malware), { device: 'fw-7', malwareEventType: 'Threat Detected', malwareEventSubtype: 'Execute', user: 'alice' });
    const iocSet = decodeRecord(encodeRecord({ recordType: 160, archiveTimestamp: 5, fields: { discoveryHeader: { deviceId: 7 }, iocId: 12 } }));
    assert.deepStrictEqual(cache.names(iocSet), { device: 'fw-7', iocCategory: 'CnC Connected', iocEventType: 'Intrusion Event - malware-CnC' });
    const correlation = decodeRecord(encodeRecord({ recordType: 112, fields: { deviceId: 7, policyId: 3, ruleId: 4, priority: 1, signatureGeneratorId: 1, signatureId: 2001219, sourceUserId: 42 } }));
    assert.deepStrictEqual(cache.names(correlation), { device: 'fw-7', correlationPolicy: 'compromise policy', correlationRule: 'ioc rule', priority: 'high', message: 'ET SCAN Potential SSH Scan', sourceUser: 'alice', blocked: 'No' });
  });
});
