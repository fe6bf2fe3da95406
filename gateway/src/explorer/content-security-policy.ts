/**
 * The explorer page's Content-Security-Policy: nothing but this origin. Each source, and why:
 * - `script-src 'self'`: the bundled page module; no inline script (the page's settings travel in a
 *   JSON data block, which is never executed).
 * - `style-src 'self' 'unsafe-inline'`: the bundled style sheet, plus the `<style>` elements Monaco
 *   (GraphiQL's editor) creates at run time for its themes and decorations; it has no nonce
 *   support. Styles cannot run code, and `default-src 'none'` still bars loading them from anywhere else.
 * - `img-src 'self' data:` and `font-src 'self' data:`: GraphiQL's style sheet inlines its icons and
 *   Monaco's icon font as data: URLs (data of this page, not another host).
 * - `connect-src 'self'`: GraphQL over HTTP and, for subscriptions, graphql-ws on the same path
 *   (CSP Level 3: 'self' also matches ws:/wss: on this host and port).
 * - `worker-src 'self'`: Monaco's language workers, our own scripts under /explorer/assets (no blob:).
 * - `default-src 'none'`, `base-uri 'none'`, `form-action 'none'`, `frame-ancestors 'none'`:
 *   everything else is refused, and no other site may frame the page.
 */
export const explorerContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of the page and of its assets (a worker script's own response sets the worker's policy). */
export const explorerSecurityHeaders: Record<string, string> = {
  'content-security-policy': explorerContentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
