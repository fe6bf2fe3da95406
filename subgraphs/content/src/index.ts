import { loadConfig, runUntilSignalled } from '@aetherial/subgraph-kit';
import { contentConfigSchema } from './config.js';
import { contentSubgraph } from './subgraph.js';

runUntilSignalled(() => contentSubgraph.start(loadConfig(contentConfigSchema)));
