import { randomUUID } from 'node:crypto';
import { graphQLError } from '@aetherial/subgraph-kit';
import { hashPassword, passwordMatches } from '../auth.js';
import { recordEvents, userCreated } from '../events.js';
import type { LogInInput, SignUpInput } from '../generated/graphql.js';
import { uniqueViolationField, type CoreDb, type UserRow } from '../store.js';
import { validateLogIn, validateSignUp } from '../validation.js';

/**
 * One answer for a taken handle and a taken email, without naming which: the address of an account
 * is private, so sign-up must not confirm it. (Handles are public, so whoever picks a handle that
 * `user(handle:)` shows as free still learns the address is registered: closing that needs an
 * email-verification step the graph has no mailer for. The gateway's sign-up rate limit bounds it.)
 */
export const SIGN_UP_CONFLICT =
  'an account with this handle or email already exists: log in, or choose another';
const taken = (): Error => graphQLError('CONFLICT', SIGN_UP_CONFLICT);

/** Creates the account (always a customer) and its UserCreated event together. */
export async function signUp(db: CoreDb, input: SignUpInput): Promise<UserRow> {
  const valid = validateSignUp(input);
  const passwordHash = await hashPassword(valid.password); // slow on purpose: outside the transaction
  try {
    return await db.$transaction(async (tx) => {
      // Clear errors for the common case; the unique indexes still decide a race (caught below).
      const clash = await tx.user.findFirst({
        where: { OR: [{ handle: valid.handle }, { email: valid.email }] },
        select: { id: true },
      });
      if (clash) throw taken();
      const user = await tx.user.create({
        data: {
          id: randomUUID(),
          handle: valid.handle,
          displayName: valid.displayName,
          email: valid.email,
          passwordHash,
        },
      });
      await recordEvents(tx, [userCreated(user)]);
      return user;
    });
  } catch (error) {
    if (uniqueViolationField(error)) throw taken();
    throw error;
  }
}

/** The user whose handle or email and password match; one vague error otherwise. */
export async function logIn(db: CoreDb, input: LogInInput): Promise<UserRow> {
  const { by, value, password } = validateLogIn(input);
  const user = await db.user.findUnique({ where: by === 'email' ? { email: value } : { handle: value } });
  if (!(await passwordMatches(user?.passwordHash ?? null, password)) || !user) {
    throw graphQLError('UNAUTHENTICATED', 'wrong handle, email or password', { field: 'password' });
  }
  return user;
}
