import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadSearchConfig } from './config.js';
import { searchSubgraph } from './subgraph.js';

runUntilSignalled(() => searchSubgraph.start(loadSearchConfig()));
