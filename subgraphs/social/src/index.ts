import { runUntilSignalled } from '@aetherial/subgraph-kit';
import { loadSocialConfig } from './config.js';
import { socialSubgraph } from './subgraph.js';

runUntilSignalled(() => socialSubgraph.start(loadSocialConfig()));
