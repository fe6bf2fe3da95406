import './monaco-workers.js';
import { explorerPlugin } from '@graphiql/plugin-explorer';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import '@graphiql/plugin-explorer/style.css';
import './page.css';
import { defaultHeaders, exampleTabs } from './example-operations.js';
import { explorerFetcher } from './fetcher.js';
import { readPageConfig } from './read-page-config.js';

const fetcher = explorerFetcher(readPageConfig().endpointPath);

const plugins = [explorerPlugin()];

function Explorer() {
  return (
    <GraphiQL
      fetcher={fetcher}
      plugins={plugins}
      defaultTabs={exampleTabs}
      defaultHeaders={defaultHeaders}
      defaultEditorToolsVisibility="headers"
      shouldPersistHeaders={false}
    />
  );
}

const container = document.getElementById('explorer');
if (!container) throw new Error('explorer: #explorer is missing from the page');
createRoot(container).render(<Explorer />);
