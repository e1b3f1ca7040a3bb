/**
 * The server side of bench/stream.ts, in its own process so the client's figures (CPU, RSS) are
 * the client's alone. Prints one JSON line {port, events} once listening; stops on SIGTERM.
 *
 *   sim:    the FMC simulator itself, flood scenario (encodes every record as it sends it).
 *   replay: the simulator's flood records encoded once, then replayed over TLS with the same
 *           protocol (2051/2049, one bundle in flight until the Null ack) and archive times moved
 *           forward each round, so the client, not the record generator, sets the pace.
 */
import * as tls from 'node:tls';
import {
  ESTREAMER_SERVICE_ID,
  MessageDecoder,
  MessageType,
  decodeEventStreamRequest,
  encodeBundle,
  encodeStreamingInformation,
} from '../src/protocol';
import { Simulator, writeSimulatorFiles } from '../src/sim/simulator';

const TEMPLATE_EVENTS = 4000; // 4 archive seconds of flood records
const ROUND_SECONDS = 4;

async function main(): Promise<void> {
  const [mode, eventsText, dir, bundleBytesText] = process.argv.slice(2);
  const events = Number(eventsText);
  const bundleBytes = Number(bundleBytesText);
  const sim = await Simulator.create({ scenario: 'flood', floodEvents: mode === 'sim' ? events : TEMPLATE_EVENTS, maxBundleBytes: bundleBytes, keepAliveMs: 1000 });
  await writeSimulatorFiles(sim, dir);
  let stop: () => Promise<void>;
  let port: number;
  if (mode === 'sim') {
    port = (await sim.start()).port;
    stop = () => sim.stop();
  } else {
    const server = replayServer(sim, events, bundleBytes);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    stop = () => new Promise((r) => server.close(() => r()));
  }
  process.stdout.write(JSON.stringify({ port, events }) + '\n');
  process.on('SIGTERM', () => void stop().finally(() => process.exit(0)));
}

function replayServer(sim: Simulator, events: number, bundleBytes: number): tls.Server {
  // Metadata first (once per connection, like the simulator), then the template events.
  const metadata: Uint8Array[] = [];
  const template: Uint8Array[] = [];
  const seen = new Set<string>();
  const it = sim.store.recordsFrom(0);
  for (let r = it.next(); !r.done; r = it.next()) {
    for (const key of r.value.refs ?? []) {
      if (seen.has(key)) continue;
      seen.add(key);
      const m = sim.store.metadata(key);
      if (m) metadata.push(m.encode(false));
    }
    template.push(r.value.encode(true));
  }
  const { ca, server } = sim.certificates;
  return tls.createServer({ key: server.keyPem, cert: server.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }, (socket) => {
    socket.on('error', () => undefined);
    const decoder = new MessageDecoder();
    let streaming = false;
    let inFlight = false;
    let sent = 0;
    let sequence = 0;
    let metadataSent = false;
    const next = () => {
      if (sent >= events) return;
      const items: Uint8Array[] = [];
      let size = 8;
      if (!metadataSent) {
        metadataSent = true;
        for (const m of metadata) {
          items.push(m);
          size += 8 + m.length;
        }
      }
      while (sent < events && size < bundleBytes) {
        const round = Math.floor(sent / template.length);
        const record = template[sent % template.length].slice();
        const view = new DataView(record.buffer);
        view.setUint32(8, view.getUint32(8) + round * ROUND_SECONDS); // archive timestamp
        items.push(record);
        size += 8 + record.length;
        sent++;
      }
      inFlight = true;
      socket.write(encodeBundle(1, ++sequence, items));
    };
    socket.on('data', (chunk: Buffer) => {
      for (const m of decoder.push(chunk)) {
        if (m.type === MessageType.EventStreamRequest) {
          decodeEventStreamRequest(m.body);
          socket.write(encodeStreamingInformation([{ serviceId: ESTREAMER_SERVICE_ID, flags: 0, initialTimestamp: 0, events: [] }]));
        } else if (m.type === MessageType.StreamingRequest) {
          streaming = true;
          next();
        } else if (m.type === MessageType.Null && streaming && inFlight) {
          inFlight = false;
          next();
        }
      }
    });
  });
}

void main();
