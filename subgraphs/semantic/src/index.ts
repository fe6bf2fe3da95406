import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadSemanticConfig } from './config.js';
import { semanticSubgraph } from './subgraph.js';

runUntilSignalled(() => semanticSubgraph.start(loadSemanticConfig()));
