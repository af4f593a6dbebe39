import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { TensorSpec } from '../inference/backend';
import type { ModelEntry, ModelRegistry } from '../registry/model-registry';
import type { TrafficPolicy } from '../traffic/traffic-policy';
import { ModelAlias } from './promotion.type';
import { TrafficPolicyType } from './traffic.type';
import type { InputKindName } from '../registry/input-kind';
import type { ModelVersion, VersionStatus } from '../registry/model-version';

/** GraphQL mirror of {@link VersionStatus}; the record type makes the compiler flag a missing state. */
export const ModelVersionState: { [K in VersionStatus]: K } = {
  UNLOADED: 'UNLOADED',
  LOADING: 'LOADING',
  READY: 'READY',
  DRAINING: 'DRAINING',
  FAILED: 'FAILED',
};
registerEnumType(ModelVersionState, {
  name: 'ModelVersionState',
  description: 'Where a model version is in its life.',
});

/** GraphQL mirror of {@link InputKindName}: what a version's requests send. */
export const InputKindEnum: { [K in Uppercase<InputKindName>]: Lowercase<K> } = {
  SIGNAL: 'signal',
  IMAGE: 'image',
  TEXT: 'text',
  TENSOR: 'tensor',
};
registerEnumType(InputKindEnum, {
  name: 'InputKind',
  description: "What a model version's requests send, as its manifest declares (`input.kind`).",
  valuesConfig: {
    SIGNAL: { description: 'Batches of fixed-length signals, as XML or `.npy` files.' },
    IMAGE: { description: 'Images (PNG, JPEG, WebP), preprocessed as the manifest says.' },
    TEXT: { description: 'UTF-8 texts, tokenised as the manifest says.' },
    TENSOR: { description: 'Tensors of the input shape, as `.npy` files.' },
  },
});

@ObjectType('TensorSpec', { description: 'Name, element type and shape of a model input or output.' })
export class TensorSpecType {
  @Field() name!: string;

  @Field({ description: 'Element type, e.g. `float64`.' }) dtype!: string;

  @Field(() => [Int], { nullable: 'items', description: 'Dimensions; `null` marks a dynamic one (the batch axis).' })
  shape!: (number | null)[];

  static from(spec: TensorSpec): TensorSpecType {
    return { name: spec.name, dtype: spec.dtype, shape: spec.shape.map((d) => (typeof d === 'number' ? d : null)) };
  }
}

@ObjectType('ModelVersion', { description: 'One version of a model, as declared by its manifest.' })
export class ModelVersionType {
  constructor(private readonly source: ModelVersion) {}

  @Field(() => Int) get version(): number {
    return this.source.version;
  }

  @Field(() => ModelVersionState) get state(): VersionStatus {
    return this.source.state.status;
  }

  @Field(() => InputKindEnum, { description: 'What its requests send.' }) get inputKind(): InputKindName {
    return this.source.manifest.input.kind;
  }

  @Field(() => String, { nullable: true, description: 'Why the version failed to load, when `state` is FAILED.' })
  get failureReason(): string | null {
    const state = this.source.state;
    return state.status === 'FAILED' ? state.reason : null;
  }

  @Field() get description(): string {
    return this.source.manifest.description;
  }

  @Field(() => [TensorSpecType]) get inputs(): TensorSpecType[] {
    return this.source.manifest.inputs.map((spec) => TensorSpecType.from(spec));
  }

  @Field(() => [TensorSpecType]) get outputs(): TensorSpecType[] {
    return this.source.manifest.outputs.map((spec) => TensorSpecType.from(spec));
  }

  @Field(() => [String], { description: 'The meaning of each output column.' }) get labels(): string[] {
    return this.source.manifest.labels;
  }

  @Field({ description: 'SHA-256 of the ONNX file, checked at load.' }) get sha256(): string {
    return this.source.manifest.sha256;
  }

  @Field(() => Int) get sizeBytes(): number {
    return this.source.manifest.sizeBytes;
  }

  @Field(() => Int, { description: 'Samples per ONNX Runtime run.' }) get maxBatchSize(): number {
    return this.source.plan.maxBatchSize;
  }

  @Field({ description: 'When the version entered the registry (registered, or first found on disk).' })
  get registeredAt(): Date {
    return this.source.provenance.registeredAt;
  }

  @Field({ description: 'Who registered it: `user:<name>`, `apiKey:<name>`, or `system` (found on disk).' })
  get registeredBy(): string {
    return this.source.provenance.registeredBy;
  }

  @Field(() => Float, {
    nullable: true,
    description: 'Memory attributed to the loaded session (resident growth over load and warm-up), null when unloaded.',
  })
  get residentBytes(): number | null {
    return this.source.residentBytes;
  }

  @Field(() => Int, {
    description:
      'Requests for this version right now: uploads still arriving (an unload does not wait for them) and requests holding it (an unload waits for those).',
  })
  get activeRequests(): number {
    return this.source.activeRequests;
  }
}

@ObjectType({ description: 'A served model and its versions.' })
export class Model {
  constructor(
    private readonly entry: ModelEntry,
    private readonly registry: ModelRegistry,
    private readonly policy: TrafficPolicy,
  ) {}

  @Field() get name(): string {
    return this.entry.name;
  }

  @Field(() => [ModelVersionType], { description: 'Versions, oldest first.' }) get versions(): ModelVersionType[] {
    return this.entry.versions.map((v) => new ModelVersionType(v));
  }

  @Field(() => Int, {
    description: 'The version `predict` uses when none is given: the `production` alias, else the newest.',
  })
  get defaultVersion(): number {
    return this.registry.defaultVersion(this.entry.name) ?? 0;
  }

  @Field(() => [ModelAlias], { description: 'Named versions, e.g. `production`.' }) get aliases(): ModelAlias[] {
    return this.registry.aliasesOf(this.entry.name);
  }

  @Field(() => TrafficPolicyType, { description: 'Canary and shadow versions, if any.' })
  get trafficPolicy(): TrafficPolicyType {
    return TrafficPolicyType.from(this.policy);
  }
}

@ObjectType({ description: 'One entry of the audit trail of model lifecycle changes.' })
export class ModelEvent {
  @Field(() => ID) id!: string;

  @Field() at!: Date;

  @Field({ description: '`user:<name>`, `apiKey:<name>`, or `system` (loads at boot).' }) actor!: string;

  @Field() model!: string;

  @Field(() => Int, { nullable: true }) version!: number | null;

  @Field({ description: 'What happened, e.g. `model.load`, `model.unload.started`, `model.unload`.' }) event!: string;

  @Field({ description: 'The outcome, e.g. `READY`, `UNLOADED`, `FAILED`.' }) result!: string;

  @Field(() => String, { nullable: true, description: 'Why it failed, or how many requests an unload waited for.' })
  detail!: string | null;
}
