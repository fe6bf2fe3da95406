import type { DomainEvent } from '@aetherial/events';
import type { FormattedExecutionResult } from 'graphql';
import type { PreparedSubscription } from './prepare-subscription.js';
import type { EventResult } from './resolve-event.js';

export type EndReason = 'client' | 'shutdown' | 'slow-consumer' | 'token-expired' | 'error';

/**
 * One active subscription: the events routed to it wait in a bounded queue while the previous one
 * is resolved and delivered (none is lost), one at a time and in stream order. It is the async
 * iterator graphql-ws and graphql-sse read results from, so a client that reads slowly holds its
 * queue up; past `maxQueued` waiting events it is ended as a slow consumer, not buffered further.
 */
export class EventSubscription implements AsyncIterableIterator<FormattedExecutionResult> {
  private readonly queued: DomainEvent[] = [];
  private wake: (() => void) | undefined;
  private finished = false;
  /** A last result to send before completing (why the server ended it). */
  private last: FormattedExecutionResult | undefined;

  constructor(
    readonly prepared: PreparedSubscription,
    private readonly options: {
      maxQueued: number;
      resolve: (event: DomainEvent, subscription: PreparedSubscription) => Promise<EventResult>;
      /** Called once when the subscription ends, however it ends. */
      onEnd: (subscription: EventSubscription, reason: EndReason) => void;
      /** The transport's say when the queue overflows (ws closes the socket; SSE ends the stream). */
      onSlowConsumer: (subscription: EventSubscription) => void;
    },
  ) {}

  get ended(): boolean {
    return this.finished;
  }

  /** Called by the registry for an event that passed the filter. Never blocks. */
  push(event: DomainEvent): void {
    if (this.finished) return;
    if (this.queued.length >= this.options.maxQueued) {
      this.options.onSlowConsumer(this);
      return;
    }
    this.queued.push(event);
    this.wake?.();
  }

  /** Ends the subscription from the server side; `last` is delivered before it completes. */
  end(reason: EndReason, last?: FormattedExecutionResult): void {
    if (this.finished) return;
    this.finished = true;
    this.last = last;
    this.queued.length = 0;
    this.options.onEnd(this, reason);
    this.wake?.();
  }

  async next(): Promise<IteratorResult<FormattedExecutionResult>> {
    while (!this.finished) {
      const event = this.queued.shift();
      if (!event) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      let result: EventResult;
      try {
        result = await this.options.resolve(event, this.prepared);
      } catch (error) {
        result = {
          data: null,
          errors: [
            {
              message: `event ${event.type} ${event.entityId} could not be resolved: ${(error as Error).message}`,
              extensions: { code: 'INTERNAL_SERVER_ERROR' },
            },
          ],
        };
      }
      if (result && !this.finished) return { value: result, done: false };
    }
    const last = this.last;
    this.last = undefined;
    return last ? { value: last, done: false } : { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end('client');
    return { value: undefined, done: true };
  }

  async throw(error: unknown): Promise<IteratorResult<FormattedExecutionResult>> {
    this.end('error');
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
