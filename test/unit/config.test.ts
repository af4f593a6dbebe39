import path from 'node:path';
import { ConfigError, loadConfig, tracingSettingsFrom } from '../../src/config/config';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      env: 'development',
      port: 4000,
      host: '0.0.0.0',
      modelsDir: path.resolve('/srv/app', 'models'),
      maxUploadBytes: 64 * 1024 * 1024,
      batchMaxSize: 32,
      shutdownTimeoutMs: 10_000,
      ortAllowSpinning: false,
      maxModelBytes: 256 * 1024 * 1024,
      modelMemory: { maxResidentVersions: 0, maxResidentBytes: 0 },
      mirrorQueueMax: 16,
      mirrorQuietMs: 25,
    });
  });

  it('reads and converts variables, treating empty strings as unset', () => {
    const config = loadConfig(
      { PORT: '8080', BATCH_MAX_SIZE: '8', MAX_UPLOAD_BYTES: '', NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) },
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
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ADMIN_PASSWORD: 'k7#Lq9!vRt2$wZ' }),
    ).not.toThrow();
    // Bytes, not characters: 16 two-byte characters are enough, 15 are not.
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'é'.repeat(16) })).not.toThrow();
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

  it.each(['development', 'test', 'production'])(
    'in %s, refuses a weak ADMIN_PASSWORD as a configuration problem, named with every other one',
    (NODE_ENV) => {
      const secret = { JWT_SECRET: 'x'.repeat(32) };
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
