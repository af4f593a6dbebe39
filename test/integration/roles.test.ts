/**
 * Who may call what: every root operation of the schema, called over HTTP by an anonymous caller and by each role.
 * A test fails if the schema gains an operation this table does not list.
 */
import 'reflect-metadata';
import { buildGatewaySchema } from '../../src/graphql/schema';
import { postJson, upload, type Endpoint, type GraphQLResponse } from '../support/graphql-client';
import { startGateway, TEST_ADMIN, type RunningGateway } from '../support/gateway';
import { tokens, xmlBatch } from '../support/xml';

type Caller = 'anonymous' | 'VIEWER' | 'PREDICTOR' | 'ADMIN';
type Outcome = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN';

const CALLERS: readonly Caller[] = ['anonymous', 'VIEWER', 'PREDICTOR', 'ADMIN'];
const RANK: Record<Caller, number> = { anonymous: -1, VIEWER: 0, PREDICTOR: 1, ADMIN: 2 };

/** `public`: anyone; otherwise the least role that may call it. */
type Access = 'public' | Exclude<Caller, 'anonymous'>;

let gw: RunningGateway;
let serial = 0;

interface Operation {
  readonly access: Access;
  call(as: Endpoint): Promise<GraphQLResponse<unknown>>;
}

const query =
  (document: string, variables: () => Record<string, unknown> = () => ({})) =>
  (as: Endpoint) =>
    postJson(as, document, variables());

const OPERATIONS: Record<string, Operation> = {
  'Query.models': { access: 'VIEWER', call: query('{ models { name } }') },
  'Query.model': { access: 'VIEWER', call: query('{ model(name: "ecg-rhythm") { name } }') },
  'Query.me': { access: 'VIEWER', call: query('{ me { name role } }') },
  'Query.modelEvents': { access: 'ADMIN', call: query('{ modelEvents(name: "ecg-rhythm") { event } }') },
  'Query.modelMetrics': { access: 'VIEWER', call: query('{ modelMetrics(name: "ecg-rhythm") { requests } }') },
  'Query.modelMonitoring': { access: 'VIEWER', call: query('{ modelMonitoring(name: "ecg-rhythm") { status } }') },
  'Query.modelComparison': { access: 'ADMIN', call: query('{ modelComparison(name: "ecg-rhythm") { kind } }') },
  'Query.users': { access: 'ADMIN', call: query('{ users { username } }') },
  'Query.apiKeys': { access: 'ADMIN', call: query('{ apiKeys { id } }') },
  'Mutation.login': {
    access: 'public',
    call: query('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { tokenType } }', () => ({
      u: TEST_ADMIN.username,
      p: TEST_ADMIN.password,
    })),
  },
  'Mutation.refresh': {
    access: 'public',
    call: async (as) => {
      const login = await postJson<{ login: { refreshToken: string } }>(
        gw.graphqlUrl,
        'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { refreshToken } }',
        { u: TEST_ADMIN.username, p: TEST_ADMIN.password },
      );
      return postJson(as, 'mutation($t: String!) { refresh(refreshToken: $t) { tokenType } }', {
        t: login.body.data?.login.refreshToken,
      });
    },
  },
  'Mutation.logout': { access: 'public', call: query('mutation { logout(refreshToken: "rt_unknown") }') },
  'Mutation.predict': { access: 'PREDICTOR', call: (as) => upload(as, xmlBatch([tokens(5000)])) },
  // Texts to a signal model: admitted callers get INPUT_KIND_MISMATCH, the others are refused before.
  'Mutation.predictImages': {
    access: 'PREDICTOR',
    call: query('mutation { predictImages(model: "ecg-rhythm", images: [{ base64: "AAAA" }]) { shape } }'),
  },
  'Mutation.predictTexts': {
    access: 'PREDICTOR',
    call: query('mutation { predictTexts(model: "ecg-rhythm", texts: [{ text: "late" }]) { shape } }'),
  },
  // A version that does not exist: admitted callers get MODEL_VERSION_NOT_FOUND, so the shared model stays loaded.
  'Mutation.loadModel': {
    access: 'ADMIN',
    call: query('mutation { loadModel(name: "ecg-rhythm", version: 99) { state } }'),
  },
  'Mutation.unloadModel': {
    access: 'ADMIN',
    call: query('mutation { unloadModel(name: "ecg-rhythm", version: 99) { state } }'),
  },
  'Mutation.promoteModel': {
    access: 'ADMIN',
    call: query('mutation { promoteModel(name: "ecg-rhythm", version: 99) { promoted } }'),
  },
  // Not an ONNX file: admitted callers get MODEL_INVALID and nothing is registered.
  'Mutation.registerModel': {
    access: 'ADMIN',
    call: (as) =>
      upload(as, 'not onnx', {
        query: 'mutation($file: Upload!) { registerModel(name: "ecg-rhythm", file: $file) { version } }',
        filename: 'm.onnx',
      }),
  },
  // A version that does not exist: admitted callers get MODEL_VERSION_NOT_FOUND, and no policy is set.
  'Mutation.setTrafficPolicy': {
    access: 'ADMIN',
    call: query('mutation { setTrafficPolicy(name: "ecg-rhythm", policy: { shadowVersion: 99 }) { shadowVersion } }'),
  },
  // Nothing to roll back to: admitted callers get NOT_FOUND.
  'Mutation.rollbackModel': {
    access: 'ADMIN',
    call: query('mutation { rollbackModel(name: "ecg-rhythm") { version } }'),
  },
  'Mutation.createUser': {
    access: 'ADMIN',
    call: query(
      'mutation($u: String!) { createUser(username: $u, password: "cobalt-window-orchard-58", role: VIEWER) { id } }',
      () => ({ u: `user${(serial += 1)}` }),
    ),
  },
  'Mutation.deleteUser': { access: 'ADMIN', call: query('mutation { deleteUser(username: "no-such-user") }') },
  // A user with nothing to clear: admitted callers get true, and no one's throttling changes.
  'Mutation.unlockLogin': { access: 'ADMIN', call: query('mutation { unlockLogin(username: "admin") }') },
  'Mutation.createApiKey': {
    access: 'ADMIN',
    call: query('mutation { createApiKey(name: "matrix", role: VIEWER) { key } }'),
  },
  'Mutation.revokeApiKey': { access: 'ADMIN', call: query('mutation { revokeApiKey(id: "no-such-key") }') },
};

function expected(access: Access, caller: Caller): Outcome {
  if (access === 'public') return 'allowed';
  if (caller === 'anonymous') return 'UNAUTHENTICATED';
  return RANK[caller] >= RANK[access] ? 'allowed' : 'FORBIDDEN';
}

/** `allowed` means the permission layer let the call through: any error but an auth or an internal one. */
function outcome(res: GraphQLResponse<unknown>): Outcome | 'INTERNAL_SERVER_ERROR' {
  const code = res.body.errors?.[0]?.extensions?.code;
  return code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || code === 'INTERNAL_SERVER_ERROR' ? code : 'allowed';
}

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.stop());

const endpoint = (caller: Caller): Endpoint =>
  ({ anonymous: gw.graphqlUrl, VIEWER: gw.viewer, PREDICTOR: gw.predictor, ADMIN: gw.admin })[caller];

const matrix = Object.entries(OPERATIONS).flatMap(([name, op]) =>
  CALLERS.map((caller) => ({ name, caller, op, want: expected(op.access, caller) })),
);

describe('every operation, every role', () => {
  it.each(matrix)('$name as $caller is $want', async ({ caller, op, want }) => {
    const res = await op.call(endpoint(caller));
    expect(outcome(res)).toBe(want);
    // Refused fields resolve to null (a nullable root field may still appear, as null, next to its error).
    if (want !== 'allowed') expect(Object.values(res.body.data ?? {}).filter((value) => value !== null)).toEqual([]);
  });

  it('lists every root operation of the schema', async () => {
    const schema = await buildGatewaySchema({ get: () => ({}) });
    const fields = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      Object.keys(type?.getFields() ?? {}).map((field) => `${type?.name}.${field}`),
    );
    expect(Object.keys(OPERATIONS).sort()).toEqual(fields.sort());
  });
});
