import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadAnalyticsConfig } from './config.js';
import { createSubgraph } from './subgraph.js';

runUntilSignalled(() => createSubgraph(loadAnalyticsConfig()));
