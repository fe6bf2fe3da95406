import type { SupergraphSdlHook } from '@apollo/gateway';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Logger } from '@aetherial/subgraph-kit';
import type { GatewayConfig } from '../config.js';
import { RegistryStore } from './store.js';
import { supergraphFromRegistry } from './supergraph-source.js';
import { UsageRecorder, usageRecordingPlugin } from './usage-recorder.js';

export interface GatewayRegistry<TContext extends BaseContext> {
  /** Set when SUPERGRAPH_SOURCE=registry. */
  supergraphSdl?: SupergraphSdlHook;
  plugins: ApolloServerPlugin<TContext>[];
  stop: () => Promise<void>;
}

/**
 * What the gateway takes from the schema registry, when SCHEMA_REGISTRY_URL is set: usage
 * recording for `schema check`, and with SUPERGRAPH_SOURCE=registry its supergraph.
 */
export async function connectGatewayRegistry<TContext extends BaseContext>(
  config: GatewayConfig,
  log: Logger,
): Promise<GatewayRegistry<TContext>> {
  if (!config.SCHEMA_REGISTRY_URL) {
    if (config.SUPERGRAPH_SOURCE === 'registry') {
      throw new Error(
        'invalid configuration:\n  SCHEMA_REGISTRY_URL: required with SUPERGRAPH_SOURCE=registry',
      );
    }
    return { plugins: [], stop: async () => undefined };
  }
  const store = await RegistryStore.connect(config.SCHEMA_REGISTRY_URL);
  const recorder = new UsageRecorder(store, log, {
    flushMs: config.GATEWAY_USAGE_FLUSH_MS,
    retentionDays: config.GATEWAY_USAGE_RETENTION_DAYS,
  }).start();
  return {
    ...(config.SUPERGRAPH_SOURCE === 'registry'
      ? { supergraphSdl: supergraphFromRegistry(store, log, { pollMs: config.SUPERGRAPH_POLL_MS }) }
      : {}),
    plugins: [usageRecordingPlugin<TContext>(recorder)],
    stop: async () => {
      await recorder.stop();
      await store.close();
    },
  };
}
