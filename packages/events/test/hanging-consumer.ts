/** A consumer that takes entries and never acknowledges them: the test kills it with SIGKILL. */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startConsumer } from '../src/consumer.js';

const [stream, group] = process.argv.slice(2) as [string, string];
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
await startConsumer({
  redis,
  group,
  consumer: 'doomed',
  stream,
  log: pino({ level: 'silent' }),
  handle: async () => {
    process.stdout.write('took-batch\n');
    await new Promise(() => undefined);
  },
});
