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
