import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';

/**
 * The gateway as Apollo Server sees it, with the executor that `load` returns replaced by
 * `replace(loaded)` (which may call the loaded one). Schema updates and stop pass straight through.
 */
export function replaceExecutor(
  gateway: GatewayInterface,
  replace: (loaded: GatewayExecutor) => GatewayExecutor,
): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    load: async (options) => {
      const loaded = await gateway.load(options);
      return loaded.executor ? { ...loaded, executor: replace(loaded.executor) } : loaded;
    },
  };
}
