/**
 * The gateway's request series in InfluxDB: what the gateway writes (gateway/src/request-series)
 * and analytics reads (`graphActivity`), so both sides name the measurement and fields once.
 *
 * One point per gateway process and flush window, in the `raw` retention policy of the analytics
 * database, without tags (the series count stays one whatever the number of gateways): `requests`
 * and `errors` answered in the window, `duration_ms_sum`, and a cumulative latency histogram
 * (`le_<bound>ms`: requests answered within that many milliseconds, Prometheus style). Every field
 * is a sum, so InfluxDB's continuous queries roll the series up like the others and a quantile of
 * any bucket comes from the summed histogram.
 */
export const REQUEST_SERIES_MEASUREMENT = 'gateway_requests';

/** Upper bounds of the latency histogram, in milliseconds (slower requests count in `requests` only). */
export const REQUEST_LATENCY_BOUNDS_MS = [
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
] as const;

/** `le_2_5ms` for 2.5 ms: the field of the requests answered within `boundMs`. */
export const latencyField = (boundMs: number): string => `le_${String(boundMs).replace('.', '_')}ms`;

export const REQUEST_SERIES_FIELDS: readonly string[] = [
  'requests',
  'errors',
  'duration_ms_sum',
  ...REQUEST_LATENCY_BOUNDS_MS.map(latencyField),
];
