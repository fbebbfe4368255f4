/**
 * The Neo4j GraphQL Library (@neo4j/graphql 7) over the same Neo4j, as a peer (bench/peers/run.ts).
 *   PEER_PORT=N node dist/bench/peers/neo4jGraphql.js
 * Type definitions equivalent to citycode's for the nested by-code query: a building, its
 * ancestors, its residents (in the building or its rooms, by code) and their employers. Every type
 * carries an @authorization filter equivalent to a district grant: only rows whose districtCode is
 * in the caller's Keycloak token claim `district_scope` (verified against the realm's JWKS).
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Neo4jGraphQL } from '@neo4j/graphql';
import neo4j from 'neo4j-driver';

const DISTRICT_GRANT = '@authorization(filter: [{ where: { node: { districtCode: { in: "$jwt.district_scope" } } } }])';

export const NEO4J_GRAPHQL_TYPE_DEFS = `#graphql
  type JWT @jwt {
    district_scope: [String!]!
  }

  type Enterprise @node(labels: ["Enterprise"]) ${DISTRICT_GRANT} {
    code: ID!
    name: String
    uscc: String
    industry: String
    districtCode: String
  }

  type Person @node(labels: ["Person"]) ${DISTRICT_GRANT} {
    code: ID!
    name: String
    districtCode: String
    employers: [Enterprise!]! @relationship(type: "EMPLOYED_BY", direction: OUT)
  }

  type CityObject @node(labels: ["CityObject"]) ${DISTRICT_GRANT} {
    code: ID!
    name: String
    objectKind: String
    address: String
    buildingCode: String
    floors: Float
    districtCode: String
    ancestors: [CityObject!]!
      @cypher(
        statement: """
        MATCH path = (this)-[:WITHIN|LOCATED_IN|PART_OF|INSTALLED_ON*1..8]->(a:CityObject)
        RETURN a ORDER BY length(path)
        """
        columnName: "a"
      )
    residents(first: Int = 10): [Person!]!
      @cypher(
        statement: """
        MATCH (this)<-[:PART_OF*0..1]-(:CityObject)<-[:RESIDES_IN]-(p:Person)
        WITH DISTINCT p ORDER BY p.code LIMIT $first
        RETURN p
        """
        columnName: "p"
      )
  }
`;

async function main(): Promise<void> {
  const port = Number(process.env.PEER_PORT ?? process.argv[2] ?? 4311);
  const boltPort = process.env.NEO4J_BOLT_PORT ?? '7687';
  const driver = neo4j.driver(
    process.env.NEO4J_URI ?? `neo4j://127.0.0.1:${boltPort}`,
    neo4j.auth.basic(process.env.NEO4J_USER ?? 'neo4j', process.env.NEO4J_PASSWORD ?? 'citycode-dev-password'),
    { maxConnectionPoolSize: 200 },
  );
  const keycloak = process.env.KEYCLOAK_URL ?? `http://127.0.0.1:${process.env.KEYCLOAK_PORT ?? 8180}`;
  const neoSchema = new Neo4jGraphQL({
    typeDefs: NEO4J_GRAPHQL_TYPE_DEFS,
    driver,
    features: { authorization: { key: { url: `${keycloak}/realms/citycode/protocol/openid-connect/certs` } } },
  });
  const server = new ApolloServer({ schema: await neoSchema.getSchema() });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host: '127.0.0.1' },
    context: async ({ req }) => ({ token: req.headers.authorization }),
  });
  process.stdout.write(`neo4j-graphql peer on ${url}\n`);
  process.once('SIGTERM', () => {
    void server.stop().then(() => driver.close()).then(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
