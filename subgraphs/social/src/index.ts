import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadSocialConfig } from './config.js';
import { createSubgraph } from './subgraph.js';

runUntilSignalled(() => createSubgraph(loadSocialConfig()));
