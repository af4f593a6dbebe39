import { allow, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield/typings/types';
import { Role, roleAtLeast } from '../auth/role';
import { ErrorCode } from '../errors/error-code';
import { GatewayError } from '../errors/gateway-error';
import type { GatewayContext } from './context';

/**
 * A rule that admits principals holding at least `role`. Anonymous callers and rejected credentials get
 * `UNAUTHENTICATED`, authenticated ones without the role `FORBIDDEN`: the two answers a client must tell apart.
 */
function atLeast(role: Role) {
  return rule(`at-least-${role}`, { cache: 'contextual' })((_parent, _args, ctx: GatewayContext) => {
    switch (ctx.auth.status) {
      case 'anonymous':
      case 'rejected':
        return new GatewayError(
          ErrorCode.UNAUTHENTICATED,
          'Authentication required: send a valid access token or API key.',
        );
      case 'authenticated':
        return roleAtLeast(ctx.auth.principal.role, role)
          ? true
          : new GatewayError(ErrorCode.FORBIDDEN, `This operation requires the ${role} role.`, { requiredRole: role });
    }
  });
}

const viewer = atLeast(Role.VIEWER);
const predictor = atLeast(Role.PREDICTOR);
const admin = atLeast(Role.ADMIN);

/**
 * Every field of the schema, with who may read it. A field missing here is denied (`fallbackRule`), and a test walks
 * the schema to make sure none is missing. Session mutations are public: their argument is the credential.
 */
export const ruleTree: IRules = {
  Query: {
    models: viewer,
    model: viewer,
    modelEvents: admin,
    modelComparison: admin,
    modelMonitoring: viewer,
    modelMetrics: viewer,
    me: viewer,
    users: admin,
    apiKeys: admin,
  },
  Mutation: {
    login: allow,
    refresh: allow,
    logout: allow,
    unlockLogin: admin,
    predict: predictor,
    predictTexts: predictor,
    predictImages: predictor,
    registerModel: admin,
    loadModel: admin,
    unloadModel: admin,
    promoteModel: admin,
    rollbackModel: admin,
    setTrafficPolicy: admin,
    createUser: admin,
    deleteUser: admin,
    createApiKey: admin,
    revokeApiKey: admin,
  },
  Model: viewer,
  ModelVersion: viewer,
  ModelEvent: admin,
  ModelAlias: viewer,
  TrafficPolicy: viewer,
  ModelMonitoring: viewer,
  ModelMetricsBucket: viewer,
  StatisticDrift: viewer,
  ClassShare: viewer,
  ModelComparison: admin,
  PromotionResult: admin,
  PromotionReport: admin,
  TensorSpec: viewer,
  Prediction: predictor,
  SamplePrediction: predictor,
  AuthPayload: allow,
  Me: viewer,
  User: admin,
  ApiKey: admin,
  CreatedApiKey: admin,
};

/** The graphql-shield middleware: deny by default, and resolver errors left to the one `formatError` mapping. */
export function permissions() {
  return shield(ruleTree, {
    fallbackRule: rule('deny-unlisted', { cache: 'no_cache' })(
      () => new GatewayError(ErrorCode.FORBIDDEN, 'This field is not available.'),
    ),
    // Errors thrown by resolvers are GatewayErrors or get masked by formatError; shield must not swallow them.
    allowExternalErrors: true,
    debug: false,
  });
}
