import { loadConfig, runUntilSignalled } from '@aetherial/subgraph-kit';
import { contentConfigSchema } from './config.js';
import { createSubgraph } from './subgraph.js';

runUntilSignalled(() => createSubgraph(loadConfig(contentConfigSchema)));
