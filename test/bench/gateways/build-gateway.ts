import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './variants.js';

/**
 * Compiles the gateway and the workspace packages it imports (`turbo run build`, cached when
 * nothing changed) for the variants that run the build as deployed. Returns why it could not.
 */
export function buildGateway(): string | null {
  console.log('building the gateway for the compiled-build variants (turbo run build)');
  const build = spawnSync(
    'npx',
    ['turbo', 'run', 'build', '--filter=@aetherial/gateway...', '--output-logs=errors-only'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  return build.status === 0
    ? null
    : `the gateway's build failed (npx turbo run build --filter=@aetherial/gateway..., exit ${build.status})`;
}
