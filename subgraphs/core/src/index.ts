import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadCoreConfig } from './config.js';
import { coreSubgraph } from './subgraph.js';

runUntilSignalled(() => coreSubgraph.start(loadCoreConfig()));
