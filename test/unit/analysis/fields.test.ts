import * as assert from 'node:assert/strict';
import { iocClassOf } from '../../../src/analysis/classes';
import { isoMicro, normalizeIp } from '../../../src/analysis/fields';

describe('analysis: addresses, times and classifications', () => {
  it('gives every spelling of an address one host key, and no host for all-zero ones', () => {
    assert.equal(normalizeIp('::ffff:10.1.1.9'), '10.1.1.9');
    assert.equal(normalizeIp('2001:0DB8:0000:0000:0000:0000:0000:0005'), '2001:db8::5');
    assert.equal(normalizeIp(new Uint8Array([10, 0, 0, 1])), '10.0.0.1');
    assert.equal(normalizeIp(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 7])), '192.0.2.7');
    for (const zero of ['::', '0.0.0.0', '::ffff:0.0.0.0', new Uint8Array(16), new Uint8Array(4), 0, '']) {
      assert.equal(normalizeIp(zero), undefined, String(zero));
    }
  });

  it('writes times as ISO UTC with microseconds', () => {
    assert.equal(isoMicro(Date.UTC(2026, 11, 3, 10, 0, 1) + 0.25), '2026-12-03T10:00:01.000250Z');
    assert.equal(isoMicro(Date.UTC(2026, 11, 3, 10, 0, 1) + 123.456), '2026-12-03T10:00:01.123456Z');
    assert.equal(isoMicro(Date.UTC(2026, 11, 3, 10, 0, 1) + 999.9999), '2026-12-03T10:00:02.000000Z');
  });

  it('maps classification names and descriptions onto the IOC classes', () => {
    const cases: Array<[string, string | undefined]> = [
      ['attempted-admin', 'attempted-admin'],
      ['Attempted Administrator Privilege Gain', 'attempted-admin'],
      ['Attempted User Privilege Gain', 'attempted-user'],
      ['successful-user', 'successful-user'],
      ['Successful Administrator Privilege Gain', 'successful-admin'],
      ['Unsuccessful User Privilege Gain', undefined],
      ['Web Application Attack', 'web-application-attack'],
      ['exploit-kit', 'exploit-kit'],
      ['Exploit Kit Activity Detected', 'exploit-kit'],
      ['Malware Backdoor Detected', 'malware-backdoor'],
      ['Known malware command and control traffic', 'malware-cnc'],
      ['malware-cnc', 'malware-cnc'],
      ['attempted-recon', undefined],
      ['Attempted Information Leak', undefined],
      ['Attempted Denial of Service', undefined],
      ['policy-violation', undefined],
    ];
    for (const [name, expected] of cases) assert.equal(iocClassOf(name), expected, name);
  });
});
