import type { z } from 'zod';

/** A zod issue path as users write it: `clusters[1].tls.caFile`. Empty path = "(root)". */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(root)';
}

/**
 * A short description of one zod issue that never repeats the input value
 * (the value may be a token or a key): only expectations and key names.
 */
export function describeIssue(issue: z.core.$ZodIssue): { path: ReadonlyArray<PropertyKey>; problem: string } {
  switch (issue.code) {
    case 'unrecognized_keys': {
      // Report the first unknown key by its own path, which is what a user searches for.
      const key = issue.keys[0] ?? '';
      const more = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more: ${issue.keys.slice(1).join(', ')})` : '';
      return { path: [...issue.path, key], problem: `unknown key${more}` };
    }
    case 'invalid_value':
      return { path: issue.path, problem: `expected one of ${issue.values.map((v) => String(v)).join(', ')}` };
    case 'invalid_type':
      return { path: issue.path, problem: /received undefined$/.test(issue.message) ? 'required' : `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}` };
    case 'too_small':
      return { path: issue.path, problem: issue.origin === 'string' ? (Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`) : issue.origin === 'array' ? `must have at least ${String(issue.minimum)} entries` : `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}` };
    case 'too_big':
      return { path: issue.path, problem: issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : issue.origin === 'array' ? `must have at most ${String(issue.maximum)} entries` : `must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}` };
    case 'invalid_format':
      return { path: issue.path, problem: issue.format === 'regex' ? issue.message : `invalid ${issue.format}` };
    case 'invalid_union':
      return { path: issue.path, problem: issue.message && !issue.message.startsWith('Invalid input') ? issue.message : 'invalid value' };
    case 'custom':
      return { path: issue.path, problem: issue.message };
    default:
      return { path: issue.path, problem: 'invalid value' };
  }
}
