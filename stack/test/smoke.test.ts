/**
 * One smoke test per store, through the driver the product uses, against the stack that
 * `npm run stack -- up` started (or the external store an *_URL variable points at).
 */
import { randomUUID } from 'node:crypto';
import { flux, InfluxDB, Point } from '@influxdata/influxdb-client';
import { Client as OpenSearch } from '@opensearch-project/opensearch';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import neo4j from 'neo4j-driver';
import pg from 'pg';
import weaviate, { vectorizer, configure } from 'weaviate-client';
import { describe, expect, it } from 'vitest';
import { storeNamed } from '../src/stores/index.js';
import { storeUrl } from '../src/url.js';

const url = (name: string) => storeUrl(storeNamed(name));
const runId = randomUUID().slice(0, 8);

describe('stack smoke', () => {
  it('postgres: writes and reads a row through pg', async () => {
    const client = new pg.Client({ connectionString: url('postgres').toString() });
    await client.connect();
    try {
      await client.query('CREATE TEMP TABLE smoke (id text PRIMARY KEY, n int)');
      await client.query('INSERT INTO smoke VALUES ($1, $2)', [runId, 42]);
      const { rows } = await client.query<{ n: number }>('SELECT n FROM smoke WHERE id = $1', [runId]);
      expect(rows).toEqual([{ n: 42 }]);
    } finally {
      await client.end();
    }
  });

  it('redis: appends to a stream and reads it back through ioredis', async () => {
    const redis = new Redis(url('redis').toString());
    try {
      const key = `smoke:${runId}`;
      const id = await redis.xadd(key, '*', 'hello', 'world');
      const entries = await redis.xrange(key, '-', '+');
      expect(entries).toEqual([[id, ['hello', 'world']]]);
      await redis.del(key);
    } finally {
      redis.disconnect();
    }
  });

  it('ferretdb: mongoose model with a unique index rejects a duplicate', async () => {
    const connection = await mongoose
      .createConnection(url('ferretdb').toString(), { dbName: `smoke_${runId}` })
      .asPromise();
    try {
      const Thing = connection.model(
        'Thing',
        new mongoose.Schema({ name: { type: String, unique: true }, n: Number }),
      );
      await Thing.init();
      await Thing.create({ name: 'a', n: 1 });
      await expect(Thing.create({ name: 'a', n: 2 })).rejects.toThrow(/duplicate key|E11000/);
      const found = await Thing.find({ name: 'a' }).lean();
      expect(found.map((doc) => doc.n)).toEqual([1]);
      await connection.dropDatabase();
    } finally {
      await connection.close();
    }
  });

  it('neo4j: creates and matches a relationship through neo4j-driver', async () => {
    const driver = neo4j.driver(url('neo4j').toString());
    try {
      const result = await driver.executeQuery(
        `CREATE (a:Smoke {id: $a})-[:KNOWS]->(b:Smoke {id: $b})
         WITH a MATCH (a)-[:KNOWS]->(x) RETURN x.id AS id`,
        { a: `${runId}-a`, b: `${runId}-b` },
      );
      expect(result.records.map((record) => record.get('id'))).toEqual([`${runId}-b`]);
      await driver.executeQuery('MATCH (n:Smoke) WHERE n.id STARTS WITH $p DETACH DELETE n', { p: runId });
    } finally {
      await driver.close();
    }
  });

  it('opensearch: stems English text in a search', async () => {
    const client = new OpenSearch({ node: url('opensearch').toString() });
    const index = `smoke-${runId}`;
    try {
      await client.indices.create({
        index,
        body: { mappings: { properties: { title: { type: 'text', analyzer: 'english' } } } },
      });
      await client.index({ index, id: '1', body: { title: 'Running shoes for trails' }, refresh: true });
      const response = await client.search({ index, body: { query: { match: { title: 'run' } } } });
      expect(response.body.hits.hits.map((hit) => hit._id)).toEqual(['1']);
    } finally {
      await client.indices.delete({ index }).catch(() => undefined);
      await client.close();
    }
  });

  it('weaviate: inserts objects with our vectors and finds the nearest', async () => {
    const http = url('weaviate');
    const client = await weaviate.connectToCustom({
      httpHost: http.hostname,
      httpPort: Number(http.port || 8080),
      grpcHost: http.hostname,
      grpcPort: Number(process.env.WEAVIATE_GRPC_PORT ?? 50051),
    });
    const name = `Smoke${runId.replace(/[^a-z0-9]/gi, '')}`;
    try {
      const collection = await client.collections.create({
        name,
        vectorizers: vectorizer.none({
          vectorIndexConfig: configure.vectorIndex.hnsw({ distanceMetric: 'cosine' }),
        }),
        properties: [{ name: 'label', dataType: 'text' }],
      });
      await collection.data.insertMany([
        { properties: { label: 'east' }, vectors: [1, 0, 0] },
        { properties: { label: 'north' }, vectors: [0, 1, 0] },
        { properties: { label: 'up' }, vectors: [0, 0, 1] },
      ]);
      const result = await collection.query.nearVector([0.9, 0.1, 0], { limit: 2 });
      expect(result.objects.map((object) => object.properties.label)).toEqual(['east', 'north']);
    } finally {
      await client.collections.delete(name).catch(() => undefined);
      await client.close();
    }
  });

  it('influxdb: a point written twice at the same series and time counts once in a Flux sum', async () => {
    const base = url('influxdb');
    const database = `smoke_${runId.replace(/[^a-z0-9]/gi, '')}`;
    // Databases are made with InfluxQL on the 1.x API; the v2 client writes and reads inside them.
    const influxql = async (q: string) => {
      const response = await fetch(new URL('/query', base), {
        method: 'POST',
        body: new URLSearchParams({ q }),
      });
      expect(response.status).toBe(200);
    };
    await influxql(`CREATE DATABASE "${database}"`);
    const client = new InfluxDB({ url: base.toString().replace(/\/$/, ''), token: '' });
    try {
      const writer = client.getWriteApi('', `${database}/autogen`, 'ns');
      const at = 1_750_000_000_000_000_000n;
      const point = (value: number, offset: bigint) =>
        new Point('smoke')
          .tag('post', 'p1')
          .intField('count', value)
          .timestamp(String(at + offset));
      writer.writePoints([point(1, 0n), point(1, 0n), point(1, 7n)]);
      await writer.close();
      const rows = await client.getQueryApi('').collectRows<{ _value: number }>(
        flux`from(bucket: ${`${database}/autogen`})
          |> range(start: 2025-01-01T00:00:00Z)
          |> filter(fn: (r) => r._measurement == "smoke" and r.post == ${'p1'})
          |> sum()`,
      );
      expect(rows.map((row) => row._value)).toEqual([2]);
    } finally {
      await influxql(`DROP DATABASE "${database}"`).catch(() => undefined);
    }
  });
});
