import { Kind, parse, print, visit } from 'graphql';

/** The SECURITY features this gateway enforces itself (authorization/). */
const ENFORCED = /^https:\/\/specs\.apollo\.dev\/(authenticated|requiresScopes|policy)\/v0\.\d+$/;

/**
 * The supergraph as @apollo/gateway accepts it. A `@link(..., for: SECURITY)` tells a gateway to
 * refuse the supergraph unless it enforces that feature, and @apollo/gateway enforces none, so it
 * refuses any supergraph with `@authenticated` or `@requiresScopes`. This gateway does enforce
 * them (GatewayAuthorization, before planning), so it drops `for: SECURITY` from exactly those
 * links; any other SECURITY feature still makes the supergraph refused, as it should.
 */
export function supergraphForGateway(supergraphSdl: string): string {
  let changed = false;
  const document = visit(parse(supergraphSdl), {
    Directive(node) {
      if (node.name.value !== 'link') return undefined;
      const url = node.arguments?.find((argument) => argument.name.value === 'url')?.value;
      if (url?.kind !== Kind.STRING || !ENFORCED.test(url.value)) return undefined;
      const kept = node.arguments?.filter(
        (argument) =>
          !(
            argument.name.value === 'for' &&
            argument.value.kind === Kind.ENUM &&
            argument.value.value === 'SECURITY'
          ),
      );
      if (kept?.length === node.arguments?.length) return undefined;
      changed = true;
      return { ...node, arguments: kept };
    },
  });
  return changed ? print(document) : supergraphSdl;
}
