import { randomUUID } from 'node:crypto';
import { badUserInput, graphQLError } from '@aetherial/subgraph-kit';
import { hashPassword, passwordMatches } from '../auth.js';
import { recordEvents, userCreated } from '../events.js';
import type { LogInInput, SignUpInput } from '../generated/graphql.js';
import { uniqueViolationField, type CoreDb, type UserRow } from '../store.js';
import { validateLogIn, validateSignUp } from '../validation.js';

const taken = (field: string): Error =>
  field === 'email'
    ? badUserInput('email', 'is already registered')
    : badUserInput('handle', 'is already taken');

/** Creates the account and its UserCreated event together. */
export async function signUp(db: CoreDb, input: SignUpInput): Promise<UserRow> {
  const valid = validateSignUp(input);
  const passwordHash = await hashPassword(valid.password); // slow on purpose: outside the transaction
  try {
    return await db.$transaction(async (tx) => {
      // Clear errors for the common case; the unique indexes still decide a race (caught below).
      const clash = await tx.user.findFirst({
        where: { OR: [{ handle: valid.handle }, { email: valid.email }] },
        select: { handle: true },
      });
      if (clash) throw taken(clash.handle === valid.handle ? 'handle' : 'email');
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
    const field = uniqueViolationField(error);
    if (field) throw taken(field);
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
