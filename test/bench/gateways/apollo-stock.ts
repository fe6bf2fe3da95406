/**
 * The baseline: stock `@apollo/gateway` + `@apollo/server` standalone, defaults only.
 * Env: SUPERGRAPH_PATH, GATEWAY_PORT. One process.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const supergraphPath = process.env.SUPERGRAPH_PATH;
if (!supergraphPath) throw new Error('SUPERGRAPH_PATH is required');
const port = Number(process.env.GATEWAY_PORT ?? 4000);

const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath, 'utf8') }),
});
const { url } = await startStandaloneServer(server, { listen: { port, host: '127.0.0.1' } });
console.log(`stock @apollo/gateway ready at ${url}`);

const stop = () => void server.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
