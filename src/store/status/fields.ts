/**
 * Defensive readers for the untyped parts of objects (spec, status): the
 * catalog must summarize whatever a server sends without throwing.
 */

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export interface Condition {
  type: string;
  status: string;
  reason: string;
}

/** `status.conditions[]` entries with a string type. */
export function conditions(status: Json | undefined): Condition[] {
  const out: Condition[] = [];
  for (const c of arr(status?.conditions)) {
    const o = obj(c);
    const type = str(o?.type);
    if (type) out.push({ type, status: str(o?.status) ?? '', reason: str(o?.reason) ?? '' });
  }
  return out;
}

/** The condition of that type, if present. */
export function condition(status: Json | undefined, type: string): Condition | undefined {
  return conditions(status).find((c) => c.type === type);
}

/** Whether the condition of that type has status "True". */
export function isTrue(status: Json | undefined, type: string): boolean {
  return condition(status, type)?.status === 'True';
}
