import * as assert from 'node:assert/strict';
import { formatHex, formatIp4, formatIp6, formatMac, formatUuid, writeIp6, writeMac, writeUuid } from '../../../src/protocol/values';

function ip6(text: string): Uint8Array {
  const out = new Uint8Array(17); // one byte of padding: read at offset 1
  assert.ok(writeIp6(text, out, 1), text);
  return out;
}

describe('address text', () => {
  it('writes IPv6 in RFC 5952 form: longest zero run as ::, the first on a tie, no lone :: for one zero word', () => {
    const cases: Array<[string, string]> = [
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['2001:db8::1', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['fe80::abcd:0:0:1', 'fe80::abcd:0:0:1'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['0:0:1::', '0:0:1::'],
      ['::ffff:10.1.2.3', '10.1.2.3'],
      ['::ffff:0:0', '0.0.0.0'],
      ['0:0:0:0:0:fffe:a01:203', '::fffe:a01:203'],
    ];
    for (const [input, expected] of cases) assert.equal(formatIp6(ip6(input), 1), expected, input);
  });

  it('formats every zero-word pattern so that it reads back to the same bytes', () => {
    for (let mask = 0; mask < 256; mask++) {
      const b = new Uint8Array(17);
      for (let i = 0; i < 8; i++) if (!((mask >> i) & 1)) b[2 + 2 * i] = 0x10 + i; // word i non-zero
      const text = formatIp6(b, 1);
      assert.deepEqual(ip6(text), b, `${mask.toString(2)} → ${text}`);
    }
  });

  it('writes uuids, MACs and hex as lowercase text of the bytes at the offset, and uuids and MACs read back', () => {
    let seed = 1;
    const bytes = Uint8Array.from({ length: 300 }, () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff);
    for (let at = 0; at + 40 <= bytes.length; at += 7) {
      const hex = (n: number, from = at): string => Buffer.from(bytes.subarray(from, from + n)).toString('hex');
      const uuid = formatUuid(bytes, at);
      assert.equal(uuid, `${hex(4)}-${hex(2, at + 4)}-${hex(2, at + 6)}-${hex(2, at + 8)}-${hex(6, at + 10)}`);
      const u = new Uint8Array(16);
      assert.ok(writeUuid(uuid, u, 0));
      assert.deepEqual(u, bytes.subarray(at, at + 16));
      const mac = formatMac(bytes, at);
      assert.equal(mac, hex(6).replace(/(..)(?!$)/g, '$1:'));
      const m = new Uint8Array(6);
      assert.ok(writeMac(mac, m, 0));
      assert.deepEqual(m, bytes.subarray(at, at + 6));
      for (const n of [0, 1, 3, 4, 16, 20, 32, 40]) assert.equal(formatHex(bytes, at, n), hex(n));
    }
  });

  it('writes IPv4 dotted', () => {
    assert.equal(formatIp4(Uint8Array.of(9, 0, 255, 10, 1), 1), '0.255.10.1');
  });
});
