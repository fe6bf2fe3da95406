import { MongoClient, ObjectId } from 'mongodb';
import neo4j from 'neo4j-driver';
import pg from 'pg';
import { e2e } from './namespace.js';

/** Direct reads from the stores of the graph under test: the expected values of the tests. */
export async function withStores<T>(
  read: (stores: {
    sql: pg.Client;
    mongo: MongoClient;
    cypher: (query: string, params: Record<string, unknown>) => Promise<Record<string, unknown>[]>;
  }) => Promise<T>,
): Promise<T> {
  const sql = new pg.Client({ connectionString: e2e.databaseUrl });
  await sql.connect();
  const mongo = await MongoClient.connect(e2e.mongodbUrl);
  const driver = neo4j.driver(e2e.neo4jUrl, undefined, { disableLosslessIntegers: true });
  try {
    return await read({
      sql,
      mongo,
      cypher: async (query, params) =>
        (await driver.executeQuery(query, params)).records.map((record) => record.toObject()),
    });
  } finally {
    await Promise.all([sql.end(), mongo.close(), driver.close()]);
  }
}

export { ObjectId };
