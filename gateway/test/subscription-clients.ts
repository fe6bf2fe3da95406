import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import WebSocket from 'ws';

/** What a subscriber received, in order, and how its subscription ended. */
export interface Received<T = Record<string, unknown>> {
  /** The next payload (waits for it; fails after `timeoutMs`). */
  next: (timeoutMs?: number) => Promise<{
    data?: T | null;
    errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
  }>;
  /** Resolves with the error (or undefined on complete) once the subscription ends. */
  ended: Promise<unknown>;
  unsubscribe: () => void;
}

type Payload = {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
};

type Subscribable = WsClient | SseClient;

export function subscribe(
  client: Subscribable,
  query: string,
  variables?: Record<string, unknown>,
): Received {
  const values: Payload[] = [];
  const waiting: ((value: Payload) => void)[] = [];
  let end: (reason: unknown) => void = () => undefined;
  const ended = new Promise<unknown>((resolve) => (end = resolve));
  const unsubscribe = client.subscribe(
    { query, ...(variables ? { variables } : {}) },
    {
      next: (value: Payload) => {
        const waiter = waiting.shift();
        if (waiter) waiter(value);
        else values.push(value);
      },
      error: (error) => end(error),
      complete: () => end(undefined),
    },
  );
  return {
    ended,
    unsubscribe,
    next: (timeoutMs = 10_000) => {
      const value = values.shift();
      if (value) return Promise.resolve(value) as never;
      return new Promise((resolve, reject) => {
        const waiter = (payload: Payload) => {
          clearTimeout(timer);
          resolve(payload as never);
        };
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1); // a later payload is for the next call
          reject(new Error(`no payload within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.push(waiter);
        void ended.then((reason) => {
          clearTimeout(timer);
          reject(new Error(`subscription ended before a payload: ${JSON.stringify(reason) ?? 'complete'}`));
        });
      });
    },
  };
}

export const wsUrl = (httpUrl: string): string => httpUrl.replace(/^http/, 'ws');

export function wsClient(httpUrl: string, token?: string): WsClient {
  return createWsClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export function sseClient(httpUrl: string, token?: string): SseClient {
  return createSseClient({
    url: httpUrl,
    retryAttempts: 0,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

/** A raw graphql-transport-ws connection: resolves with the close code and reason the server sent. */
export function closeOf(
  httpUrl: string,
  initPayload: Record<string, unknown>,
): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(httpUrl), 'graphql-transport-ws');
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: initPayload })));
    socket.once('error', reject);
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}
