import type { CompiledFilter, ResourceReader, ResourceRecord } from '../../../src/store/types.js';

const ALL: CompiledFilter = { clusters: undefined, kindKeys: undefined, namespaces: undefined, selector: undefined, name: undefined, nameContains: undefined, status: undefined };

/** Every record of the catalog, paging through `query`. */
export function allRecords(reader: ResourceReader): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = reader.query(ALL, { first: 500, ...(after ? { after } : {}) });
    out.push(...page.records);
    if (!page.hasNextPage || page.records.length === 0) return out;
    after = page.cursors[page.cursors.length - 1];
  }
}
