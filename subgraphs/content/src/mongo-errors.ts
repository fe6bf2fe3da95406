import { badUserInput } from '@aetherial/subgraph-kit';
import mongoose from 'mongoose';

/**
 * The schemas repeat the input rules as a last line of defence; if one of them still refuses a
 * write, the client gets BAD_USER_INPUT naming the field instead of an internal error.
 */
export function rethrowValidationError(error: unknown): never {
  if (error instanceof mongoose.Error.ValidationError) {
    const [path, detail] = Object.entries(error.errors)[0] ?? ['input', { message: error.message }];
    throw badUserInput(path.split('.')[0] ?? path, detail.message);
  }
  throw error;
}

/** Duplicate key: for the outbox, "this event was copied already". */
export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/** An unordered insert that failed only because some documents were there already. */
export function onlyDuplicates(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  if (Array.isArray(writeErrors) && writeErrors.length > 0) {
    return writeErrors.every((writeError: unknown) => {
      const candidate = writeError as { code?: unknown; err?: { code?: unknown } };
      return candidate.code === 11000 || candidate.err?.code === 11000;
    });
  }
  return isDuplicateKeyError(error);
}
