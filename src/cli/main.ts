/**
 * `estreamer` — the headless face of the same core the extension uses.
 * Each subcommand lives in its own module under ./commands and exports `run(argv)`.
 */
import { UsageError } from './args';

type CommandModule = { run(argv: string[]): Promise<number>; summary: string };

const commands: Record<string, () => Promise<CommandModule>> = {
  demo: () => import('./commands/demo'),
  sim: () => import('./commands/sim'),
  connect: () => import('./commands/connect'),
  dump: () => import('./commands/dump'),
  convert: () => import('./commands/convert'),
  analyze: () => import('./commands/analyze'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['usage: estreamer <command> [options]', '', 'commands:'];
    for (const [n, load] of Object.entries(commands)) lines.push(`  ${n.padEnd(9)} ${(await load()).summary}`);
    process.stdout.write(lines.join('\n') + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`estreamer: unknown command '${name}'. Run 'estreamer --help' for the list.\n`);
    return 2;
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`estreamer: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`estreamer: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
