import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadCoreConfig } from './config.js';
import { createSubgraph } from './subgraph.js';

runUntilSignalled(() => createSubgraph(loadCoreConfig()));
