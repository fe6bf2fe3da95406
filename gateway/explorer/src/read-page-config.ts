import { PAGE_CONFIG_ELEMENT_ID, type PageConfig } from '../../src/explorer/page-config.js';

/** The PageConfig the gateway wrote into the page. */
export function readPageConfig(): PageConfig {
  const element = document.getElementById(PAGE_CONFIG_ELEMENT_ID);
  if (!element?.textContent) throw new Error(`explorer: #${PAGE_CONFIG_ELEMENT_ID} is missing from the page`);
  return JSON.parse(element.textContent) as PageConfig;
}
