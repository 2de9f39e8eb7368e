/**
 * Field paths in the structured-merge-diff sense: the set of fields an object
 * sets, with list items identified by their merge keys. Used for
 * managedFields (FieldsV1 trees) and server-side apply ownership.
 *
 * Hand-written because no npm library implements Kubernetes' schema-aware
 * field sets; this covers the list merge keys and atomic fields of the
 * built-in kinds kubeatlas and kubectl touch, and treats every other list as
 * atomic (a correct, coarser answer).
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merge keys of associative lists, by field name (container ports and service ports differ by parent). */
export function listMergeKeys(field: string, parentField: string | undefined): string[] | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'env':
    case 'imagePullSecrets':
    case 'resourceClaims':
      return ['name'];
    case 'volumeMounts':
      return ['mountPath'];
    case 'volumeDevices':
      return ['devicePath'];
    case 'hostAliases':
      return ['ip'];
    case 'ports':
      return parentField === 'containers' || parentField === 'initContainers' || parentField === 'ephemeralContainers' ? ['containerPort', 'protocol'] : parentField === 'spec' ? ['port', 'protocol'] : undefined;
    case 'conditions':
      return ['type'];
    case 'ownerReferences':
      return ['uid'];
    case 'topologySpreadConstraints':
      return ['topologyKey', 'whenUnsatisfiable'];
    default:
      return undefined;
  }
}

/** Lists of scalars that are sets (items owned one by one as v:"x"). */
const SCALAR_SETS = new Set(['finalizers']);

/** Fields that are atomic: owned and replaced as a whole. */
const ATOMIC_FIELDS = new Set(['selector', 'nodeSelector', 'matchLabels', 'matchExpressions', 'claimRef', 'scaleTargetRef', 'roleRef']);

/** Struct fields a zero-valued Go object already has (SMD does not list them as owned members). */
const ALWAYS_PRESENT = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'jobTemplate', 'updateStrategy']);

/** Metadata fields that are never managed. */
const UNMANAGED_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

/** A flattened field set: path → JSON of the leaf value ("" for owned non-leaf members). */
export type FieldMap = Map<string, string>;

/** Separator of path segments inside FieldMap keys. */
const SEP = '\u0001';

export function keyOfItem(item: Obj, keys: string[]): string {
  const k: Obj = {};
  for (const key of [...keys].sort()) if (item[key] !== undefined) k[key] = item[key];
  if (keys.includes('protocol') && k.protocol === undefined) k.protocol = 'TCP';
  return `k:${JSON.stringify(sortKeys(k))}`;
}

function sortKeys(o: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

/**
 * Flattens `value` (an object's content, kind/apiVersion excluded) into a
 * FieldMap. `forApply`: the set of an apply configuration, where maps and
 * lists are not members themselves (only their leaves and list items are).
 */
export function flattenFields(value: Obj, opts: { includeStatus?: boolean; forApply?: boolean } = {}): FieldMap {
  const out: FieldMap = new Map();
  const prevApply = applyMode;
  applyMode = opts.forApply ?? false;
  try {
    flattenInto(value, opts, out);
  } finally {
    applyMode = prevApply;
  }
  return out;
}

/** Set while flattening an apply configuration (see flattenFields). */
let applyMode = false;

function flattenInto(value: Obj, opts: { includeStatus?: boolean }, out: FieldMap): void {
  for (const [k, v] of Object.entries(value)) {
    if (k === 'kind' || k === 'apiVersion') continue;
    if (k === 'status' && !opts.includeStatus) continue;
    if (k === 'metadata' && isObj(v)) {
      const md: Obj = {};
      for (const [mk, mv] of Object.entries(v)) if (!UNMANAGED_METADATA.has(mk)) md[mk] = mv;
      if (Object.keys(md).length) walk(md, `f:metadata`, 'metadata', out, true);
      continue;
    }
    walkField(k, v, '', undefined, out);
  }
}

function walkField(field: string, v: unknown, prefix: string, parentField: string | undefined, out: FieldMap): void {
  const path = prefix ? `${prefix}${SEP}f:${field}` : `f:${field}`;
  if (isObj(v) && !ATOMIC_FIELDS.has(field)) {
    walk(v, path, field, out, ALWAYS_PRESENT.has(field));
    return;
  }
  if (Array.isArray(v)) {
    const keys = listMergeKeys(field, parentField);
    if (keys && v.every(isObj)) {
      if (v.length && !applyMode) out.set(path, '');
      for (const item of v as Obj[]) {
        const ip = `${path}${SEP}${keyOfItem(item, keys)}`;
        out.set(ip, '');
        for (const [ik, iv] of Object.entries(item)) walkField(ik, iv, ip, field, out);
      }
      if (!v.length) out.set(path, '[]');
      return;
    }
    if (SCALAR_SETS.has(field) && v.every((x) => typeof x === 'string')) {
      if (v.length && !applyMode) out.set(path, '');
      for (const s of v as string[]) out.set(`${path}${SEP}v:${JSON.stringify(s)}`, 'true');
      return;
    }
  }
  out.set(path, JSON.stringify(v) ?? 'null');
}

function walk(o: Obj, path: string, field: string, out: FieldMap, alwaysPresent: boolean): void {
  const entries = Object.entries(o);
  if (!entries.length) {
    out.set(path, '{}');
    return;
  }
  if (!alwaysPresent && !applyMode) out.set(path, '');
  for (const [k, v] of entries) walkField(k, v, path, field, out);
}

/** Converts a set of paths to the FieldsV1 JSON tree of managedFields. */
export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  const all = [...paths];
  const set = new Set(all);
  for (const p of all) {
    const segs = p.split(SEP);
    let cur = root;
    for (let i = 0; i < segs.length; i++) {
      cur = (cur[segs[i]] as Obj | undefined) ?? ((cur[segs[i]] = {}) as Obj);
    }
  }
  // Mark members that are themselves owned and have children with ".".
  const mark = (node: Obj, prefix: string): void => {
    for (const [k, child] of Object.entries(node)) {
      const p = prefix ? `${prefix}${SEP}${k}` : k;
      const c = child as Obj;
      if (Object.keys(c).length && set.has(p)) {
        const rest = { ...c };
        for (const key of Object.keys(c)) delete c[key];
        c['.'] = {};
        Object.assign(c, rest);
      }
      mark(c, p);
    }
  };
  mark(root, '');
  return sortTree(root);
}

function sortTree(o: Obj): Obj {
  const out: Obj = {};
  for (const k of Object.keys(o).sort()) out[k] = sortTree(o[k] as Obj);
  return out;
}

/** Parses a FieldsV1 tree back to a set of paths. */
export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const rec = (node: unknown, prefix: string): void => {
    if (!isObj(node)) return;
    for (const [k, child] of Object.entries(node)) {
      if (k === '.') {
        if (prefix) out.add(prefix);
        continue;
      }
      const p = prefix ? `${prefix}${SEP}${k}` : k;
      if (!isObj(child) || Object.keys(child).length === 0) out.add(p);
      rec(child, p);
    }
  };
  rec(tree, '');
  return out;
}

/** ".spec.template.spec.containers[name=\"web\"].image": how SSA conflict messages name a path. */
export function describePath(path: string): string {
  let s = '';
  for (const seg of path.split(SEP)) {
    if (seg.startsWith('f:')) s += `.${seg.slice(2)}`;
    else if (seg.startsWith('k:')) {
      const k = JSON.parse(seg.slice(2)) as Obj;
      s += `[${Object.entries(k)
        .map(([a, b]) => `${a}=${JSON.stringify(b)}`)
        .join(',')}]`;
    } else if (seg.startsWith('v:')) s += `[=${seg.slice(2)}]`;
  }
  return s;
}

export { SEP as FIELD_PATH_SEPARATOR };
