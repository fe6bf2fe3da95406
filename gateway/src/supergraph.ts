import { readFileSync, watch } from 'node:fs';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '@aetherial/subgraph-kit';
import { supergraphForGateway } from './authorization/security-features.js';

/**
 * Serves the supergraph from a file and switches to a new one when the file changes. The gateway
 * validates an update before using it; one that does not build is refused and the old one kept.
 * In-flight requests finish on the schema they started with. The gateway gets it with the
 * authorization features it enforces itself marked as such (see security-features.ts).
 */
export function supergraphFromFile(
  path: string,
  log: Logger,
  onSwitch?: (ok: boolean) => void,
): SupergraphSdlHook {
  return async ({ update }) => {
    let current = readFileSync(path, 'utf8');
    let timer: NodeJS.Timeout | undefined;
    const reload = () => {
      let next: string;
      try {
        next = readFileSync(path, 'utf8');
      } catch (error) {
        log.error({ err: error, path }, 'supergraph file unreadable; keeping the current supergraph');
        return;
      }
      if (next === current) return;
      try {
        update(supergraphForGateway(next));
        current = next;
        log.info({ path }, 'supergraph reloaded');
        onSwitch?.(true);
      } catch (error) {
        log.error({ err: (error as Error).message, path }, 'new supergraph refused; keeping the current one');
        onSwitch?.(false);
      }
    };
    // Watch the directory: `npm run compose` replaces the file by rename, which ends a file watch.
    const watcher = watch(path.replace(/[^/]+$/, ''), (_event, filename) => {
      if (filename && path.endsWith(`/${filename}`)) {
        clearTimeout(timer);
        timer = setTimeout(reload, 100);
      }
    });
    return {
      supergraphSdl: supergraphForGateway(current),
      cleanup: async () => {
        clearTimeout(timer);
        watcher.close();
      },
    };
  };
}
