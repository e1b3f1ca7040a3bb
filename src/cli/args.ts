/** Small argv parser: `--key value`, `--key=value`, `--flag`, positionals. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
  flags: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], booleanFlags: readonly string[] = []): ParsedArgs {
  const out: ParsedArgs = { positionals: [], options: new Map(), flags: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) {
        push(out, key, a.slice(eq + 1));
      } else if (booleanFlags.includes(key)) {
        out.flags.add(key);
      } else {
        const v = argv[i + 1];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`option --${key} needs a value`);
        push(out, key, v);
        i++;
      }
    } else {
      out.positionals.push(a);
    }
  }
  return out;
}

function push(out: ParsedArgs, key: string, value: string): void {
  const list = out.options.get(key) ?? [];
  list.push(value);
  out.options.set(key, list);
}

export function opt(args: ParsedArgs, key: string): string | undefined {
  const v = args.options.get(key);
  return v ? v[v.length - 1] : undefined;
}
