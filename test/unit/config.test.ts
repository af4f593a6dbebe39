import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ConfigError, loadConfig, tracingSettingsFrom } from '../../src/config/config';
import { estimatedEntropyBits } from '../../src/config/secret-strength';

/** 32 distinct characters: 160 bits by the estimate, so a production secret the rules accept. */
const STRONG_SECRET = 'q3Vt8-kZ1mXw.R7pLc2N_hY5sJdG0aFe';

/** The problems `loadConfig` reports for `env`, none if it accepts it. */
function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env, '/x');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      env: 'development',
      port: 4000,
      host: '127.0.0.1',
      metricsToken: null,
      modelsDir: path.resolve('/srv/app', 'models'),
      maxUploadBytes: 64 * 1024 * 1024,
      batchMaxSize: 32,
      shutdownTimeoutMs: 10_000,
      modelValidationTimeoutMs: 30_000,
      ortAllowSpinning: false,
      ortRunner: 'process',
      maxModelBytes: 256 * 1024 * 1024,
      maxImagePixels: 100_000_000,
      modelMemory: { maxResidentVersions: 0, maxResidentBytes: 0 },
      mirrorQueueMax: 16,
      mirrorQuietMs: 25,
    });
  });

  it.each([
    ['development', '127.0.0.1'],
    ['test', '127.0.0.1'],
    ['production', '0.0.0.0'],
  ])('binds HOST by default in %s to %s (loopback outside production), and accepts an explicit one', (env, host) => {
    const secret = { JWT_SECRET: STRONG_SECRET };
    expect(loadConfig({ NODE_ENV: env, ...secret }, '/x').host).toBe(host);
    expect(loadConfig({ NODE_ENV: env, ...secret, HOST: '' }, '/x').host).toBe(host);
    for (const HOST of ['0.0.0.0', '::', '::1', '10.1.2.3', 'localhost', 'gateway.internal']) {
      expect(loadConfig({ NODE_ENV: env, ...secret, HOST }, '/x').host).toBe(HOST);
    }
  });

  it('refuses a HOST that is neither an IP address nor a host name, and a short METRICS_TOKEN, naming both', () => {
    expect(problemsOf({ HOST: 'http://0.0.0.0:4000', METRICS_TOKEN: 'short' })).toEqual([
      'HOST: must be an IP address or a host name',
      'METRICS_TOKEN: must be at least 16 characters',
    ]);
    expect(problemsOf({ METRICS_TOKEN: 'has a space in it, 16+' })).toEqual([
      'METRICS_TOKEN: must be printable ASCII without spaces',
    ]);
    expect(loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }, '/x').metricsToken).toBe('scrape-token-0123456789');
    expect(loadConfig({ METRICS_TOKEN: '' }, '/x').metricsToken).toBeNull();
  });

  it('reads and converts variables, treating empty strings as unset', () => {
    const config = loadConfig(
      { PORT: '8080', BATCH_MAX_SIZE: '8', MAX_UPLOAD_BYTES: '', NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET },
      '/x',
    );
    expect(config.port).toBe(8080);
    expect(config.batchMaxSize).toBe(8);
    expect(config.maxUploadBytes).toBe(64 * 1024 * 1024);
    expect(config.env).toBe('production');
  });

  it('reports every invalid variable at once', () => {
    let caught: unknown;
    try {
      loadConfig({ PORT: 'eighty', BATCH_MAX_SIZE: '0', NODE_ENV: 'staging', LOG_LEVEL: 'loud' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'BATCH_MAX_SIZE', 'NODE_ENV', 'LOG_LEVEL']) expect(problems).toContain(name);
    expect((caught as ConfigError).problems).toHaveLength(4);
  });

  it('in production, requires a JWT_SECRET of at least 32 bytes and a strong ADMIN_PASSWORD, naming both problems', () => {
    expect(() =>
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: STRONG_SECRET, ADMIN_PASSWORD: 'k7#Lq9!vRt2$wZ' }),
    ).not.toThrow();
    // Bytes, not characters: 16 two-byte characters are long enough (though 'é' × 16 is too predictable), 15 are not.
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: 'é'.repeat(16) })).not.toContain(
      'JWT_SECRET: must be at least 32 bytes',
    );
    let caught: unknown;
    try {
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'é'.repeat(15), ADMIN_PASSWORD: 'password1234' });
    } catch (error) {
      caught = error;
    }
    expect((caught as ConfigError).problems).toEqual([
      'JWT_SECRET: must be at least 32 bytes',
      'ADMIN_PASSWORD: must not be a common password',
    ]);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow('JWT_SECRET: required in production');
  });

  it('in production, refuses a predictable JWT_SECRET (estimated entropy under 128 bits), named with every other problem', () => {
    const predictable = ['a'.repeat(32), 'x'.repeat(64), 'ab'.repeat(16), 'ab'.repeat(100), 'abcdefgh'.repeat(8)];
    for (const JWT_SECRET of [...predictable, 'é'.repeat(16), '0123456789abcdef'.repeat(2)]) {
      const problems = problemsOf({ NODE_ENV: 'production', JWT_SECRET, PORT: 'eighty' });
      expect(problems).toHaveLength(2);
      expect(problems.find((p) => p.startsWith('PORT'))).toBeDefined();
      expect(problems).toContainEqual(expect.stringMatching(/^JWT_SECRET: too predictable \(.*128 bits/));
      // The secret itself is never repeated in the problem.
      expect(problems.join('\n')).not.toContain(JWT_SECRET);
    }
    // Outside production the secret is the operator's business (and usually generated).
    expect(problemsOf({ NODE_ENV: 'development', JWT_SECRET: 'a'.repeat(32) })).toEqual([]);
  });

  it('accepts random production secrets of 32 bytes or more, in base64, base64url and hex, and a long passphrase', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = randomBytes(32 + (i % 17));
      for (const encoding of ['base64', 'base64url', 'hex'] as const) {
        expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: bytes.toString(encoding) })).toEqual([]);
      }
    }
    const passphrase = 'correct horse battery staple, forty-two jwt keys';
    expect(problemsOf({ NODE_ENV: 'production', JWT_SECRET: passphrase })).toEqual([]);
  });

  it('estimates entropy over the shortest repeating unit, by character frequency', () => {
    expect(estimatedEntropyBits('')).toBe(0);
    expect(estimatedEntropyBits('a'.repeat(40))).toBe(0);
    expect(estimatedEntropyBits('ab'.repeat(50))).toBeCloseTo(2);
    expect(estimatedEntropyBits('abcab')).toBeCloseTo(estimatedEntropyBits('abc'));
    expect(estimatedEntropyBits('abcd')).toBeCloseTo(8);
    expect(estimatedEntropyBits('aabb')).toBeCloseTo(4);
    expect(estimatedEntropyBits(STRONG_SECRET)).toBeCloseTo(160);
  });

  it.each(['development', 'test', 'production'])(
    'in %s, refuses a weak ADMIN_PASSWORD as a configuration problem, named with every other one',
    (NODE_ENV) => {
      const secret = { JWT_SECRET: STRONG_SECRET };
      expect(() => loadConfig({ NODE_ENV, ...secret, ADMIN_PASSWORD: 'k7#Lq9!vRt2$wZ' })).not.toThrow();
      // The username is part of the policy, so the rule sees ADMIN_USERNAME too.
      expect(() =>
        loadConfig({ NODE_ENV, ...secret, ADMIN_USERNAME: 'vrt2', ADMIN_PASSWORD: 'k7#Lq9!vRt2$wZ' }),
      ).toThrow('ADMIN_PASSWORD: must not contain the username');
      let caught: unknown;
      try {
        loadConfig({ NODE_ENV, ...secret, ADMIN_PASSWORD: 'password123', PORT: 'eighty', BATCH_MAX_SIZE: '0' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      const { problems } = caught as ConfigError;
      expect(problems).toHaveLength(3);
      expect(problems.filter((p) => /^(PORT|BATCH_MAX_SIZE): /.test(p))).toHaveLength(2);
      expect(problems).toContain('ADMIN_PASSWORD: must be at least 12 characters');
    },
  );

  it('outside production, leaves a missing secret and admin password to be generated', () => {
    const config = loadConfig({ NODE_ENV: 'development' });
    expect(config.auth.jwtSecret).toBeNull();
    expect(config.auth.adminPassword).toBeNull();
  });

  it('reads the CORS allowlist as comma-separated origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example ,' }).corsOrigins).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });

  it('reads TRUST_PROXY as a hop count, 0 by default, and refuses anything else with the login limits, naming every problem', () => {
    expect(loadConfig({}).trustProxyHops).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
    expect(loadConfig({}).auth).toMatchObject({
      loginMaxAttemptsPerUsernameAndAddress: 5,
      loginMaxAttemptsPerAddress: 20,
      loginMaxAttemptsPerUsername: 10,
      loginMaxDelaySeconds: 60,
      loginWindowSeconds: 900,
    });
    const problems = problemsOf({ TRUST_PROXY: 'true', LOGIN_MAX_DELAY_SECONDS: '0' });
    expect(problems).toHaveLength(2);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^TRUST_PROXY: /),
        expect.stringMatching(/^LOGIN_MAX_DELAY_SECONDS: /),
      ]),
    );
    expect(problemsOf({ TRUST_PROXY: '-1' })).toEqual([expect.stringMatching(/^TRUST_PROXY: /)]);
  });

  it('reads MODEL_VALIDATION_TIMEOUT_MS (100 ms to 1 h) and refuses anything else, naming every problem', () => {
    expect(loadConfig({ MODEL_VALIDATION_TIMEOUT_MS: '1500' }, '/x').modelValidationTimeoutMs).toBe(1500);
    expect(loadConfig({ MODEL_VALIDATION_TIMEOUT_MS: '' }, '/x').modelValidationTimeoutMs).toBe(30_000);
    for (const value of ['0', '99', '3600001', '1.5e3.', 'soon']) {
      expect(problemsOf({ MODEL_VALIDATION_TIMEOUT_MS: value, SHUTDOWN_TIMEOUT_MS: '-1' })).toEqual([
        expect.stringMatching(/^SHUTDOWN_TIMEOUT_MS: /),
        expect.stringMatching(/^MODEL_VALIDATION_TIMEOUT_MS: /),
      ]);
    }
  });

  it('reads ORT_RUNNER (process, thread or main), and refuses the ORT_WORKER_THREAD it replaces, naming every problem', () => {
    for (const runner of ['process', 'thread', 'main'] as const)
      expect(loadConfig({ ORT_RUNNER: runner }, '/x').ortRunner).toBe(runner);
    expect(problemsOf({ ORT_RUNNER: 'gpu', ORT_WORKER_THREAD: '1' })).toEqual([
      expect.stringMatching(/^ORT_RUNNER: /),
      'ORT_WORKER_THREAD: replaced by ORT_RUNNER (process, thread or main)',
    ]);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth) && Object.isFrozen(config.limits) && Object.isFrozen(config.corsOrigins)).toBe(
      true,
    );
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('turns tracing on only with an OTLP endpoint, and refuses an unknown OTLP protocol at boot', () => {
    expect(tracingSettingsFrom({})).toEqual({ enabled: false, serviceName: 'infergraph' });
    expect(
      tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SERVICE_NAME: 'edge' }),
    ).toEqual({ enabled: true, serviceName: 'edge' });
    expect(tracingSettingsFrom({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }).enabled).toBe(
      true,
    );
    expect(
      tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).enabled,
    ).toBe(false);
    expect(
      tracingSettingsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })
        .enabled,
    ).toBe(false);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }, '/x')).toThrow(ConfigError);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, '/x').env).toBe('development');
  });
});
