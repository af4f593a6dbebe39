import 'reflect-metadata';
import { isObjectType } from 'graphql';
import { buildGatewaySchema } from '../../../src/graphql/schema';
import { ruleTree } from '../../../src/graphql/permissions';

/** A plain object in the rule tree maps field names to rules; anything else is a rule for the whole type. */
const isFieldMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

describe('permissions', () => {
  it('give every field of every object type an explicit rule (nothing relies on the deny fallback)', async () => {
    const schema = await buildGatewaySchema({ get: () => ({}) });
    const uncovered: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      const rules = (ruleTree as Record<string, unknown>)[type.name];
      for (const field of Object.keys(type.getFields())) {
        const covered = rules !== undefined && (!isFieldMap(rules) || rules[field] !== undefined);
        if (!covered) uncovered.push(`${type.name}.${field}`);
      }
    }
    expect(uncovered).toEqual([]);
  });

  it('name no type or field that the schema does not have', async () => {
    const schema = await buildGatewaySchema({ get: () => ({}) });
    const stale: string[] = [];
    for (const [typeName, rules] of Object.entries(ruleTree)) {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) {
        stale.push(typeName);
        continue;
      }
      if (isFieldMap(rules))
        for (const field of Object.keys(rules)) if (!(field in type.getFields())) stale.push(`${typeName}.${field}`);
    }
    expect(stale).toEqual([]);
  });
});
