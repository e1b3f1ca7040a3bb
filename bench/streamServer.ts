/**
 * The simulator side of bench/stream.ts, in its own process so the client's figures (CPU, RSS)
 * are the client's alone. Prints one JSON line {port, dir} once listening; stops on SIGTERM.
 */
import { Simulator, writeSimulatorFiles } from '../src/sim/simulator';

async function main(): Promise<void> {
  const [events, dir, bundleBytes] = process.argv.slice(2);
  const sim = await Simulator.create({
    scenario: 'flood',
    floodEvents: Number(events),
    maxBundleBytes: Number(bundleBytes),
    keepAliveMs: 1000,
  });
  const { port } = await sim.start();
  await writeSimulatorFiles(sim, dir);
  process.stdout.write(JSON.stringify({ port, dir }) + '\n');
  process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
}

void main();
