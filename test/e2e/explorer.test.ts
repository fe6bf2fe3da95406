import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleTabs } from '../../gateway/explorer/src/example-operations.js';
import { launchChromium } from './browser.js';
import { gql } from './client.js';
import { gatewayUrl } from './namespace.js';

/**
 * The explorer (GraphiQL bundled into the gateway) in a real headless Chromium, on the whole graph:
 * it loads from the gateway alone, runs the README's examples, and a token in its headers editor
 * unlocks an owner-only field. Writes its screenshot under .data/; `AETHERIAL_README_SCREENSHOT=1`
 * writes the README's copy instead (a test run must not change committed files).
 */
export const screenshotPath =
  process.env.AETHERIAL_README_SCREENSHOT === '1'
    ? join(import.meta.dirname, '../bench/results/explorer.png')
    : join(import.meta.dirname, '../../.data/screenshots/explorer.png');
const gatewayOrigin = new URL(gatewayUrl).origin;

let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const requested: string[] = [];
const policyViolations: string[] = [];
const pageErrors: string[] = [];
let token: string;

/** The text an editor shows (Monaco renders the visible lines; spaces come as U+00A0). */
async function editorText(container: string): Promise<string> {
  const text = await page.locator(`${container} .view-lines`).innerText();
  return text.replace(/\u00a0/g, ' ');
}

const resultPaneText = () => editorText('.graphiql-response');

/** Runs the active tab and waits for the result pane to show `expected`. */
async function runAndWaitFor(expected: string): Promise<string> {
  await page.locator('button.graphiql-execute-button').click();
  await expect.poll(resultPaneText, { timeout: 30_000 }).toContain(expected);
  return resultPaneText();
}

async function openTab(name: string): Promise<void> {
  await page.locator('.graphiql-tab-button', { hasText: name }).click();
  await expect
    .poll(() => editorText('.graphiql-query-editor'))
    .toMatch(new RegExp(`(query|mutation) ${name}\\b`));
  // GraphiQL reads the operation's name from the editor 100 ms (debounced) after it changes; a
  // run before that would send the previous tab's name.
  await page.waitForTimeout(300);
}

/** Replaces the headers editor's text (inserted as typed text, without Monaco's auto-closing). */
async function setHeaders(json: string): Promise<void> {
  await page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).click();
  const editor = page.locator('section.graphiql-editor-tool .graphiql-editor:not(.hidden) .monaco-editor');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(json);
}

beforeAll(async () => {
  const logIn = await gql<{ logIn: { token: string } }>(
    `mutation LogIn($login: String!, $password: String!) { logIn(input: { login: $login, password: $password }) { token } }`,
    { login: 'user0001', password: 'demo-password' },
  );
  expect(logIn.errors).toBeUndefined();
  token = logIn.data!.logIn.token;

  browser = await launchChromium();
  browser.context.on('request', (request) => requested.push(request.url()));
  page = await browser.context.newPage();
  page.on('websocket', (socket) => requested.push(socket.url()));
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

// First: these also warm every store up before the browser's runs.
describe('the example operations', () => {
  it('all run on the graph without errors (signed in as user0001)', async () => {
    for (const tab of exampleTabs) {
      const variables = JSON.parse(tab.variables ?? '{}') as Record<string, unknown>;
      const answer = await gql(tab.query ?? '', variables, token);
      expect(answer.errors, tab.query?.split('\n')[1]).toBeUndefined();
      expect(answer.data).toBeTruthy();
    }
  });
});

describe('the explorer in a real browser', () => {
  it('opens on the gateway with the README examples as tabs', async () => {
    const response = await page.goto(gatewayUrl);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    const tabs = page.locator('.graphiql-tab-button');
    await expect
      .poll(() => tabs.allInnerTexts(), { timeout: 30_000 })
      .toEqual(['Profile', 'Feed', 'Search', 'LogIn']);
  });

  it('runs the Profile example: anonymous, the result pane shows email refused', async () => {
    await openTab('Profile');
    const text = await runAndWaitFor('User.email needs a signed-in viewer');
    expect(text).not.toContain('user0001@example.com');
  });

  it('sends the token from the headers editor and shows the signed-in user’s own email', async () => {
    await setHeaders(`{ "Authorization": "Bearer ${token}" }`);
    const text = await runAndWaitFor('"email": "user0001@example.com"');
    expect(text).toContain('"handle": "user0001"');

    // The README's picture: the schema's docs, the query and its answer, the variables rather than the token.
    await page.locator('.graphiql-editor-tools button', { hasText: 'Variables' }).click();
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    await expect.poll(() => page.locator('.graphiql-doc-explorer').innerText()).toContain('Query');
    mkdirSync(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath });
  });

  it('needs the token for the Feed example (refused without it)', async () => {
    await openTab('Feed');
    await runAndWaitFor('Query.feed needs a');
    await setHeaders(`{ "Authorization": "Bearer ${token}" }`);
    await runAndWaitFor('"feed": {');
    expect(await resultPaneText()).not.toContain('"errors"');
  });

  it('shows the explorer plugin with the schema’s root fields, to build a query by clicking', async () => {
    await page.getByRole('button', { name: 'Show GraphiQL Explorer' }).click();
    const plugin = page.locator('.graphiql-plugin');
    await expect.poll(() => plugin.innerText(), { timeout: 15_000 }).toContain('semanticSearch');
    expect(await plugin.innerText()).toContain('feed');
  });

  it('made no request to any other host, and broke no rule of its policy', () => {
    expect(requested.length).toBeGreaterThan(4); // page, style, script, workers, GraphQL
    const elsewhere = requested.filter(
      (url) => !url.startsWith('data:') && new URL(url).host !== new URL(gatewayOrigin).host,
    );
    expect(elsewhere).toEqual([]);
    expect(requested.some((url) => url.includes('.worker-'))).toBe(true);
    expect(policyViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  // Last: until the gateway speaks graphql-ws the socket is refused, which the page reports as an
  // unhandled error; what matters here is where it connects and that the policy lets it.
  it('sends a subscription over graphql-ws to the same host and path (the policy lets it connect)', async () => {
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.getByRole('button', { name: 'New tab' }).click();
    await page.locator('.graphiql-query-editor .monaco-editor').click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription Probe { __typename }');
    await page.waitForTimeout(300); // GraphiQL's debounce, as in openTab
    await page.locator('button.graphiql-execute-button').click();
    const expected = `ws://${new URL(gatewayUrl).host}/graphql`;
    await expect.poll(() => sockets, { timeout: 15_000 }).toContain(expected);
    expect(sockets.every((url) => url === expected)).toBe(true);
    expect(policyViolations).toEqual([]);
  });
});
