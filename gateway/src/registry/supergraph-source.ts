import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '@aetherial/subgraph-kit';
import { supergraphForGateway } from '../authorization/security-features.js';
import type { RegistryStore } from './store.js';

/**
 * Serves the registry's latest supergraph and switches to a newer one (a publish or rollback)
 * within `pollMs`, with the authorization features the gateway enforces itself marked as such
 * (security-features.ts). Apollo Gateway validates an update before using it and keeps the old schema
 * when it does not build; requests in flight finish on the schema they started with, so a switch
 * drops none.
 */
export function supergraphFromRegistry(
  store: RegistryStore,
  log: Logger,
  options: { pollMs: number; onSwitch?: (ok: boolean, version: number) => void },
): SupergraphSdlHook {
  return async ({ update }) => {
    const first = await store.latestSupergraph();
    if (!first) {
      throw new Error(
        'the schema registry holds no supergraph yet: publish every subgraph first (npm run schema -- publish --subgraph <name>)',
      );
    }
    let current = first.id;
    let polling = false;
    log.info({ version: current }, 'supergraph loaded from the schema registry');
    const timer = setInterval(() => {
      if (polling) return;
      polling = true;
      store
        .latestSupergraph()
        .then((latest) => {
          if (!latest || latest.id === current) return;
          // Remember it either way: a refused version is not retried every poll.
          current = latest.id;
          try {
            update(supergraphForGateway(latest.sdl));
            log.info({ version: latest.id }, 'supergraph switched to the registry version');
            options.onSwitch?.(true, latest.id);
          } catch (error) {
            log.error(
              { err: (error as Error).message, version: latest.id },
              'registry supergraph refused; keeping the current one',
            );
            options.onSwitch?.(false, latest.id);
          }
        })
        .catch((error: unknown) =>
          log.warn(
            { err: (error as Error).message },
            'schema registry unreachable; keeping the current supergraph',
          ),
        )
        .finally(() => {
          polling = false;
        });
    }, options.pollMs);
    timer.unref();
    return {
      supergraphSdl: supergraphForGateway(first.sdl),
      cleanup: async () => clearInterval(timer),
    };
  };
}
