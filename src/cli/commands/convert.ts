// Placeholder until its issue lands; replaced by the real command.
export const summary = '(not built yet)';
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('estreamer convert: not built yet\n');
  return 1;
}
