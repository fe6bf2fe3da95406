#!/usr/bin/env -S npx tsx
/**
 * The local data stack: `npm run stack -- up | down | status | logs <store> [-f] | reset [store...]`.
 * Every store runs on 127.0.0.1 with its data under .data/, without Docker.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { contextFor, dataDir, elapsed, logFile } from './context.js';
import { down, StackError, status, upAll, type StoreReport } from './lifecycle.js';
import { storeNamed, stores } from './stores/index.js';
import type { StoreDef } from './store.js';

function printTable(reports: StoreReport[]): void {
  const rows = reports.map((r) => [r.store, r.url, r.state, r.pid ? String(r.pid) : '', r.detail ?? '']);
  const header = ['store', 'url', 'state', 'pid', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(['', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
}

function selected(names: string[]): StoreDef[] {
  return names.length === 0 ? stores : names.map(storeNamed);
}

async function cmdUp(names: string[]): Promise<number> {
  // Opt-in stores (the Redis Cluster) start only when named: a plain `up` stays as fast as before.
  const targets = names.length === 0 ? stores.filter((store) => !store.optIn) : selected(names);
  const results = await upAll(targets, stores);
  const reports: StoreReport[] = [];
  const failures: string[] = [];
  results.forEach((result, i) => {
    const store = targets[i]!;
    if (result.status === 'fulfilled') {
      reports.push(result.value);
    } else {
      const message = result.reason instanceof Error ? result.reason.message : String(result.reason);
      failures.push(`✗ ${store.name}: ${message}`);
      reports.push({
        store: store.name,
        url: process.env[store.urlEnv] || store.defaultUrl,
        state: 'failed',
      });
    }
  });
  printTable(reports);
  if (failures.length > 0) {
    console.error(`\n${failures.join('\n\n')}`);
    return 1;
  }
  const unreachable = reports.filter((r) => r.state === 'unreachable');
  if (unreachable.length > 0) {
    console.error(
      `\nexternal stores not reachable: ${unreachable.map((r) => `${r.store} (${r.detail})`).join(', ')}`,
    );
    return 1;
  }
  console.log(`\nstack ready in ${elapsed().trim()}`);
  return 0;
}

async function cmdDown(names: string[]): Promise<number> {
  // Stop in reverse order, all at once: each store shuts down on its own signal.
  const reports = await Promise.all(
    selected(names)
      .reverse()
      .map((store) => down(store)),
  );
  printTable(reports.reverse());
  return 0;
}

async function cmdStatus(names: string[]): Promise<number> {
  printTable(await Promise.all(selected(names).map((store) => status(store))));
  return 0;
}

async function cmdLogs(args: string[]): Promise<number> {
  const follow = args.includes('-f') || args.includes('--follow');
  const [name] = args.filter((arg) => !arg.startsWith('-'));
  if (!name)
    throw new StackError(
      `usage: npm run stack -- logs <store> [-f]   (stores: ${stores.map((s) => s.name).join(', ')})`,
    );
  const file = logFile(storeNamed(name).name);
  if (!existsSync(file))
    throw new StackError(`no log for ${name} yet (${file}): run npm run stack -- up ${name}`);
  const tail = spawn('tail', ['-n', '200', ...(follow ? ['-F'] : []), file], { stdio: 'inherit' });
  return new Promise((resolve) => tail.on('exit', (code) => resolve(code ?? 0)));
}

async function cmdReset(names: string[]): Promise<number> {
  const targets = selected(names);
  await cmdDown(names);
  for (const store of targets) {
    rmSync(contextFor(store).storeDir, { recursive: true, force: true });
    console.log(`removed ${contextFor(store).storeDir}`);
  }
  console.log(`data reset; built tools are kept (they live outside ${dataDir})`);
  return 0;
}

const usage = `usage: npm run stack -- <command> [store...]
  up [store...]        install what is missing, start, wait until ready (idempotent);
                       without names: every store but the opt-in ones (redis-cluster)
  down [store...]      stop what up started (gracefully, then SIGKILL after 30s)
  status [store...]    state of every store, running or not
  logs <store> [-f]    last lines of a store's log (follow with -f)
  reset [store...]     stop and delete the data of the stores
stores: ${stores.map((s) => s.name).join(', ')}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'up':
      return cmdUp(args);
    case 'down':
      return cmdDown(args);
    case 'status':
      return cmdStatus(args);
    case 'logs':
      return cmdLogs(args);
    case 'reset':
      return cmdReset(args);
    default:
      console.log(usage);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof StackError ? error.message : error);
    process.exit(1);
  },
);
