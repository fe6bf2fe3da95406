import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
let queue: Promise<unknown> = Promise.resolve();
let updated = false;

/**
 * Installs Debian packages when `binary` is missing. apt holds a global lock, so installs are queued
 * one after another even though stores start in parallel.
 */
export function ensureDebianPackage(
  binary: string,
  packages: string[],
  log: (message: string) => void,
): Promise<void> {
  if (existsSync(binary)) return Promise.resolve();
  const job = queue.then(async () => {
    if (existsSync(binary)) return;
    if (!existsSync('/usr/bin/apt-get')) {
      throw new Error(
        `${binary} is missing and this is not a Debian/Ubuntu machine: install ${packages.join(' ')} yourself`,
      );
    }
    const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
    const aptGet = async (...args: string[]) => {
      const [cmd, ...rest] = [...sudo, 'apt-get', ...args];
      await run(cmd!, rest, {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        maxBuffer: 64 << 20,
      });
    };
    try {
      if (!updated) {
        log('apt-get update');
        await aptGet('update', '-qq');
        updated = true;
      }
      log(`apt-get install ${packages.join(' ')}`);
      await aptGet('install', '-y', '-qq', '--no-install-recommends', ...packages);
    } catch (error) {
      throw new Error(
        `could not install ${packages.join(' ')} (${(error as Error).message.split('\n')[0]}); ` +
          `run: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`,
      );
    }
    if (!existsSync(binary))
      throw new Error(`${packages.join(' ')} installed but ${binary} is still missing`);
  });
  queue = job.catch(() => undefined);
  return job;
}
