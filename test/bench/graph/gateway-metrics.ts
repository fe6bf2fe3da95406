/**
 * Counters of our gateway's /metrics the graph suite reads around a measured run: requests answered
 * (`gateway_requests_total`, every outcome, cache hits included) and subgraph calls made
 * (`gateway_subgraph_duration_seconds_count`, by subgraph). Null when the gateway does not expose them.
 */
export interface GatewayCounters {
  requests: number;
  subgraphCalls: Record<string, number>;
}

export async function readGatewayCounters(metricsUrl: string): Promise<GatewayCounters | null> {
  let body: string;
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return null;
    body = await response.text();
  } catch {
    return null;
  }
  let requests: number | undefined;
  for (const match of body.matchAll(/^gateway_requests_total(?:\{[^}]*\})?\s+(\S+)/gm))
    requests = (requests ?? 0) + Number(match[1]);
  if (requests === undefined) return null;
  const subgraphCalls: Record<string, number> = {};
  for (const match of body.matchAll(/^gateway_subgraph_duration_seconds_count\{([^}]*)\}\s+(\S+)/gm)) {
    const subgraph = /(?:^|,)subgraph="([^"]*)"/.exec(match[1]!)?.[1];
    if (subgraph) subgraphCalls[subgraph] = (subgraphCalls[subgraph] ?? 0) + Number(match[2]);
  }
  return { requests, subgraphCalls };
}
