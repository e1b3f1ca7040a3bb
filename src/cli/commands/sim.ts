/**
 * `estreamer sim`: run the FMC simulator on loopback until stopped, after writing what a client
 * needs to connect (client.pkcs12, password.txt, ca.pem) and, for generated scenarios, truth.json.
 */
import path from 'node:path';
import { FAULT_HELP, FaultSyntaxError, SCENARIO_NAMES, Simulator, parseFault, writeSimulatorFiles, type Fault, type ScenarioName } from '../../sim';
import { opt, parseArgs, UsageError, type ParsedArgs } from '../args';

export const summary = 'run the built-in FMC simulator (mutual TLS, scenarios with ground truth, faults)';

const USAGE = `usage: estreamer sim --out DIR [--port 8302] [--scenario compromise|flood|real] [options]

  --out DIR             write client.pkcs12, password.txt (mode 0600), ca.pem and truth.json here
  --port P              TCP port on 127.0.0.1 (default 8302; 0 picks a free one)
  --scenario NAME       compromise (default): hosts, background traffic, compromised hosts, decoys
                        flood: --events N connection events as fast as the client takes them
                        real: the 69 records of a real FMC session (Dec 2020), as it sent them
  --seed S              PRNG seed; the same seed gives the same records (default 1)
  --hosts N             compromise: hosts on the network (default 20)
  --compromised K       compromise: how many of them get compromised (default 2)
  --events N            flood: number of events (default 100000)
  --start ISO|SECONDS   archive time of the oldest generated event (default 2026-12-01T08:00:00Z)
  --client-ip IP        address the client certificate names (default 127.0.0.1)
  --host-check          close connections whose address is not the certificate's, as the FMC does
  --keepalive S         seconds of idle before a Null keep-alive (default 10; 0 = never)
  --tls13               also offer TLS 1.3 (the FMC speaks TLS 1.2)
  --modern-pkcs12       write client.pkcs12 with PBES2/AES instead of the FMC's RC2-40/3DES
  --fixtures DIR        real: folder with fmc-session-2020-12-03.hex (default ../shared/estreamer/fixtures)
  --fault SPEC          inject a fault (repeatable), see below
  --verbose             log each connection and request

${FAULT_HELP}`;

function intOption(args: ParsedArgs, key: string, fallback: number, min = 0): number {
  const raw = opt(args, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${key} ${raw}: expected a whole number ≥ ${min}.`);
  return n;
}

function parseStart(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) throw new UsageError(`--start ${raw}: give UNIX seconds or an ISO time such as 2026-12-01T08:00:00Z.`);
  return Math.floor(ms / 1000);
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const args = parseArgs(argv, ['host-check', 'tls13', 'modern-pkcs12', 'verbose']);
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'. Run 'estreamer sim --help'.`);
  const out = opt(args, 'out');
  if (!out) throw new UsageError("--out DIR is required: it receives client.pkcs12, password.txt, ca.pem and truth.json. Run 'estreamer sim --help'.");
  const scenario = (opt(args, 'scenario') ?? 'compromise') as ScenarioName;
  if (!SCENARIO_NAMES.includes(scenario)) throw new UsageError(`--scenario ${scenario}: use one of ${SCENARIO_NAMES.join(', ')}.`);
  const port = intOption(args, 'port', 8302);
  if (port > 65535) throw new UsageError(`--port ${port}: a TCP port is 0–65535.`);
  let faults: Fault[];
  try {
    faults = (args.options.get('fault') ?? []).map(parseFault);
  } catch (err) {
    if (err instanceof FaultSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  const verbose = args.flags.has('verbose');

  const sim = await Simulator.create({
    scenario,
    port,
    seed: intOption(args, 'seed', 1),
    hosts: intOption(args, 'hosts', 20, 1),
    compromised: intOption(args, 'compromised', 2),
    floodEvents: intOption(args, 'events', 100_000),
    startTime: parseStart(opt(args, 'start')),
    clientIp: opt(args, 'client-ip'),
    hostCheck: args.flags.has('host-check'),
    keepAliveMs: intOption(args, 'keepalive', 10) * 1000,
    tls13: args.flags.has('tls13'),
    pkcs12Encryption: args.flags.has('modern-pkcs12') ? 'modern' : 'legacy',
    fixturesDir: opt(args, 'fixtures'),
    faults,
    log: verbose ? (line) => process.stderr.write(`[sim] ${line}\n`) : undefined,
  });
  const dir = path.resolve(out);
  await writeSimulatorFiles(sim, dir);
  try {
    await sim.start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use: pick another with --port (0 = any free port).`);
    throw err;
  }

  const lines = [
    `FMC simulator (${scenario}) listening on 127.0.0.1:${sim.port}`,
    `  client certificate: ${path.join(dir, 'client.pkcs12')} (password in ${path.join(dir, 'password.txt')})`,
    `  internal CA:        ${path.join(dir, 'ca.pem')}`,
  ];
  if (sim.truth) {
    lines.push(`  ground truth:       ${path.join(dir, 'truth.json')} (${sim.truth.compromised.length} compromised, ${sim.truth.decoys.length} decoys)`);
  }
  if (faults.length) lines.push(`  faults:             ${faults.map((f) => f.kind).join(', ')}`);
  lines.push(
    '',
    'connect with:',
    `  estreamer connect --host 127.0.0.1 --port ${sim.port} --pkcs12 ${path.join(dir, 'client.pkcs12')} --password-file ${path.join(dir, 'password.txt')} --out DUMPS`,
    '',
    'Ctrl+C stops it.',
  );
  process.stdout.write(lines.join('\n') + '\n');

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sim.stop();
  process.stdout.write('simulator stopped\n');
  return 0;
}
