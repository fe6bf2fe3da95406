/**
 * `npm run admin -w @aetherial/core -- --handle <handle> [--revoke]` makes an existing account an
 * admin (or a customer again); `-- --list` lists the admins. This is the only way to an admin role:
 * sign-up always makes a customer. The new role reaches the user's token at their next sign-in
 * (tokens are short-lived); core's own catalogue checks read the role at once.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Role } from './generated/prisma/enums.js';
import { SCOPES_BY_ROLE } from './roles.js';
import type { CoreDb } from './store.js';

export interface RoleChange {
  handle: string;
  before: Role;
  after: Role;
}

/** Sets the role of the account with this handle; throws when there is none. */
export async function setRole(db: CoreDb, handle: string, role: Role): Promise<RoleChange> {
  const normalised = handle.trim().toLowerCase();
  const user = await db.user.findUnique({ where: { handle: normalised }, select: { role: true } });
  if (!user) throw new Error(`no user with handle "${normalised}": sign up first, then grant the role`);
  await db.user.update({ where: { handle: normalised }, data: { role } });
  return { handle: normalised, before: user.role, after: role };
}

export const listAdmins = async (db: CoreDb): Promise<string[]> =>
  (
    await db.user.findMany({ where: { role: 'admin' }, select: { handle: true }, orderBy: { handle: 'asc' } })
  ).map((user) => user.handle);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { handle: { type: 'string' }, revoke: { type: 'boolean' }, list: { type: 'boolean' } },
  });
  if (!values.list && !values.handle) {
    console.error('usage: npm run admin -w @aetherial/core -- --handle <handle> [--revoke] | --list');
    process.exit(2);
  }
  const { loadCoreConfig } = await import('./config.js');
  const { migrate } = await import('./migrate.js');
  const { createDb } = await import('./store.js');
  const config = loadCoreConfig();
  await migrate({ databaseUrl: config.CORE_DATABASE_URL });
  const db = createDb({ databaseUrl: config.CORE_DATABASE_URL });
  try {
    if (values.list) {
      const admins = await listAdmins(db);
      console.log(admins.length === 0 ? 'no admins yet' : admins.join('\n'));
      return;
    }
    const change = await setRole(db, values.handle!, values.revoke ? 'customer' : 'admin');
    console.log(
      `${change.handle}: ${change.before} -> ${change.after}; scopes at the next sign-in: ${SCOPES_BY_ROLE[change.after].join(' ')}`,
    );
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
