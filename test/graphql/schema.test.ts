import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildSchema as buildSdl,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  type GraphQLNamedType,
} from 'graphql';
import { buildSchema } from '../../src/graphql/schema.js';
import { printedSchema, SCHEMA_FILE } from '../../src/graphql/printSchema.js';

const contract = buildSdl(readFileSync(new URL('../fixtures/contract.graphql', import.meta.url), 'utf8'));
const schema = buildSchema();

function userTypes(s: typeof contract): GraphQLNamedType[] {
  return Object.values(s.getTypeMap()).filter((t) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name));
}

describe('GraphQL schema', () => {
  it('schema/schema.graphql is printed from the code (run `npm run schema:print` when this fails)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('keeps every name of the public contract with the same types', () => {
    const problems: string[] = [];
    for (const ct of userTypes(contract)) {
      const ours = schema.getType(ct.name);
      if (!ours) {
        problems.push(`missing type ${ct.name}`);
        continue;
      }
      if (ct.constructor !== ours.constructor) problems.push(`${ct.name}: kind differs`);
      if (isEnumType(ct) && isEnumType(ours)) {
        for (const v of ct.getValues()) if (!ours.getValue(v.name)) problems.push(`enum ${ct.name} lacks ${v.name}`);
      }
      if ((isObjectType(ct) || isInterfaceType(ct)) && (isObjectType(ours) || isInterfaceType(ours))) {
        const fields = ours.getFields();
        for (const f of Object.values(ct.getFields())) {
          const of = fields[f.name];
          if (!of) {
            problems.push(`${ct.name}.${f.name} missing`);
            continue;
          }
          if (String(of.type) !== String(f.type)) problems.push(`${ct.name}.${f.name}: ${String(of.type)} instead of ${String(f.type)}`);
          for (const a of f.args) {
            const oa = of.args.find((x) => x.name === a.name);
            if (!oa) problems.push(`${ct.name}.${f.name}(${a.name}) missing`);
            else {
              if (String(oa.type) !== String(a.type)) problems.push(`${ct.name}.${f.name}(${a.name}): ${String(oa.type)} instead of ${String(a.type)}`);
              if (a.defaultValue !== undefined && JSON.stringify(oa.defaultValue) !== JSON.stringify(a.defaultValue))
                problems.push(`${ct.name}.${f.name}(${a.name}) default ${JSON.stringify(oa.defaultValue)} instead of ${JSON.stringify(a.defaultValue)}`);
            }
          }
        }
        if (isObjectType(ct) && isObjectType(ours)) {
          for (const i of ct.getInterfaces()) if (!ours.getInterfaces().some((x) => x.name === i.name)) problems.push(`${ct.name} does not implement ${i.name}`);
        }
      }
      if (isInputObjectType(ct) && isInputObjectType(ours)) {
        const fields = ours.getFields();
        for (const f of Object.values(ct.getFields())) {
          if (!fields[f.name]) problems.push(`input ${ct.name}.${f.name} missing`);
          else if (String(fields[f.name].type) !== String(f.type)) problems.push(`input ${ct.name}.${f.name}: ${String(fields[f.name].type)} instead of ${String(f.type)}`);
        }
      }
      if (isScalarType(ct) && !isScalarType(ours)) problems.push(`${ct.name} is not a scalar`);
    }
    expect(problems).toEqual([]);
    // Sanity: the comparison really looked at something.
    expect(getNamedType(schema.getQueryType()!.getFields().resources.type).name).toBe('ResourceConnection');
  });
});
