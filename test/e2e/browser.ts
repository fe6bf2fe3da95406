import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ensureDebianPackage } from '../../stack/src/apt.js';

/** Debian's Chromium: playwright's own browser download is not reachable from this project's machines. */
export const chromiumPath = '/usr/bin/chromium';

/**
 * A headless Chromium with a fresh profile that talks to nothing but the pages it is sent to: no
 * sync, no component updates, no background requests of its own, so every request a test records
 * comes from the page. Installs Debian's `chromium` package first when it is missing (CI).
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  await ensureDebianPackage(chromiumPath, ['chromium'], (message) => console.log(`[chromium] ${message}`));
  const profile = mkdtempSync(join(tmpdir(), 'aetherial-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
