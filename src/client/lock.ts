import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClientError } from './errors';

/** Folders locked by clients of this process (a second client on the same FMC state would corrupt it). */
const heldHere = new Set<string>();

/**
 * One client per FMC state folder, across processes: a `lock` file holding the owner's pid.
 * A lock left by a process that no longer runs is taken over.
 */
export class StateDirLock {
  private constructor(private readonly file: string) {}

  static async acquire(dir: string, fmc: string): Promise<StateDirLock> {
    await fs.promises.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'lock');
    if (heldHere.has(file)) throw busy(fmc, dir, process.pid);
    for (let tries = 0; tries < 2; tries++) {
      try {
        fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
        heldHere.add(file);
        return new StateDirLock(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = Number(fs.readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) throw busy(fmc, dir, owner);
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
    throw busy(fmc, dir, undefined);
  }

  release(): void {
    heldHere.delete(this.file);
    fs.rmSync(this.file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function busy(fmc: string, dir: string, pid: number | undefined): ClientError {
  return new ClientError(
    'config',
    `Another eStreamer client${pid ? ` (process ${pid})` : ''} is already streaming from ${fmc} with the state folder ${dir}: ` +
      'stop it first, or give this one its own state folder.',
  );
}
