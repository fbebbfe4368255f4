import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  DocumentNode,
  execute,
  ExecutionResult,
  getNamedType,
  GraphQLSchema,
  isInputObjectType,
  isNonNullType,
  Kind,
  typeFromAST,
  type GraphQLNamedType,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { logger } from '../core/logger';

/**
 * Compiled execution of the operations apps send again and again.
 *
 * An operation runs on graphql-js's executor the first times it is seen; from its HOT_AFTER-th
 * run on, it is compiled once (graphql-jit) into a function that walks exactly its selection,
 * and that function runs it. A query sent once (an exploration in GraphiQL, a probe) never pays
 * for compiling. Resolvers, the field guard and the loaders are the same either way; parsing and
 * validation stay Apollo's. Apollo keeps the parsed document of a query text, which is what the
 * compiled functions are keyed by, so they go when Apollo's document cache drops the text.
 *
 * Plugged in through Apollo Server's executor hook (its gateway interface); CITYCODE_EXECUTOR=
 * graphql-js turns it off (api/app.ts). docs/benchmarks.md has the figures.
 *
 * Only queries are compiled: a mutation runs once per intent and its cost is its writes. An
 * operation whose variables reach an input field that is non-null with a default also stays on
 * graphql-js: graphql-jit 0.8 does not apply such defaults to variables and refuses the value
 * (test/unit/jitExecutor.test.ts pins this). graphql-jit's own errors carry no `extensions`,
 * which Apollo reads; they get an empty one.
 */
const HOT_AFTER = 2;

type Compiled = CompiledQuery | ExecutionResult;

interface Seen {
  runs: number;
  /** The compiled operation; null when graphql-jit could not compile it (it then stays on graphql-js). */
  compiled?: Compiled | null;
}

const byDocument = new WeakMap<DocumentNode, Map<string, Seen>>();

/** The compiled operation once it is hot, else undefined (run it on graphql-js). */
function hotOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null): Compiled | undefined {
  let byOperation = byDocument.get(document);
  if (!byOperation) {
    byOperation = new Map();
    byDocument.set(document, byOperation);
  }
  const key = operationName ?? '';
  let seen = byOperation.get(key);
  if (!seen) {
    seen = { runs: 0 };
    byOperation.set(key, seen);
  }
  if (seen.compiled !== undefined) return seen.compiled ?? undefined;
  seen.runs++;
  if (seen.runs < HOT_AFTER) return undefined;
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (operationName === null || d.name?.value === operationName),
  );
  if (!operation || !compilable(schema, operation)) {
    seen.compiled = null;
    return undefined;
  }
  try {
    seen.compiled = compileQuery(schema, document, operationName ?? undefined, { disablingCapturingStackErrors: true });
  } catch (err) {
    seen.compiled = null;
    logger.warn({ err, operationName }, 'graphql-jit could not compile an operation; it keeps running on graphql-js');
  }
  return seen.compiled ?? undefined;
}

/** Whether graphql-jit runs this operation as graphql-js would: a query whose variables need no input-field defaults. */
export function compilable(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  if (operation.operation !== 'query') return false;
  const seen = new Set<string>();
  const needsDefaults = (type: GraphQLNamedType): boolean => {
    if (!isInputObjectType(type) || seen.has(type.name)) return false;
    seen.add(type.name);
    return Object.values(type.getFields()).some((f) => (isNonNullType(f.type) && f.defaultValue !== undefined) || needsDefaults(getNamedType(f.type)));
  };
  return (operation.variableDefinitions ?? []).every((v) => {
    const type = typeFromAST(schema, v.type);
    return type !== undefined && !needsDefaults(getNamedType(type));
  });
}

/** graphql-jit's errors lack `extensions`; Apollo's error formatting reads it. */
async function withExtensions(result: ExecutionResult | Promise<ExecutionResult>): Promise<ExecutionResult> {
  const r = await result;
  for (const e of r.errors ?? []) {
    if (!e.extensions) Object.assign(e, { extensions: {} });
  }
  return r;
}

export function jitExecution(schema: GraphQLSchema): GatewayInterface {
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async load() {
      return {
        schema,
        executor: async (request) => {
          const variableValues = request.request.variables ?? {};
          const operation = hotOperation(schema, request.document, request.operationName);
          if (!operation) {
            return execute({ schema, document: request.document, contextValue: request.context, variableValues, operationName: request.operationName });
          }
          if (!isCompiledQuery(operation)) return operation;
          return withExtensions(operation.query(undefined, request.context, variableValues));
        },
      };
    },
    async stop() {},
  };
}
