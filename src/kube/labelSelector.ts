/**
 * Kubernetes label selectors: the string syntax ("app=web,tier in (fe,be),!canary")
 * parsed exactly as k8s.io/apimachinery/pkg/labels does (same tokens, same
 * error messages), and the structured meta/v1 LabelSelector of Services, PDBs
 * and NetworkPolicies.
 */

export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Sorted, de-duplicated values (empty for exists / !). */
  readonly values: readonly string[];
}

/** Raised for a selector that does not parse or validate; the message is the apiserver's. */
export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

export class LabelSelector {
  /** Requirements sorted by key, as apimachinery keeps them. All must match (AND). */
  readonly requirements: readonly Requirement[];
  /** False for a selector that matches nothing (a Service without selector). */
  private readonly matchesAnything: boolean;

  constructor(requirements: readonly Requirement[], matchesAnything = true) {
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.matchesAnything = matchesAnything;
  }

  /** A selector that selects everything. */
  static everything(): LabelSelector {
    return new LabelSelector([]);
  }

  /** A selector that selects nothing. */
  static nothing(): LabelSelector {
    return new LabelSelector([], false);
  }

  isEverything(): boolean {
    return this.matchesAnything && this.requirements.length === 0;
  }

  isNothing(): boolean {
    return !this.matchesAnything;
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    if (!this.matchesAnything) return false;
    for (const r of this.requirements) if (!requirementMatches(r, labels)) return false;
    return true;
  }

  /**
   * Requirements an index can answer directly: `key=value` (or `in` with one
   * value) pairs, every one of which a matching object must carry.
   */
  equalityPairs(): Array<[key: string, value: string]> {
    const out: Array<[string, string]> = [];
    for (const r of this.requirements) {
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) out.push([r.key, r.values[0]]);
    }
    return out;
  }

  /** Canonical string form (apimachinery's String()). */
  toString(): string {
    if (!this.matchesAnything) return '<none>';
    return this.requirements.map(requirementToString).join(',');
  }
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>> | undefined): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(labels![r.key]);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(labels![r.key]);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const v = labels![r.key];
      if (!/^-?\d+$/.test(v)) return false;
      const lv = Number(v);
      const rv = Number(r.values[0]);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
  }
}

// ---------------------------------------------------------------- lexer

type Tok =
  | 'ERROR'
  | 'EOS'
  | 'CLOSEDPAR'
  | 'COMMA'
  | 'NOTEXIST'
  | 'DOUBLEEQ'
  | 'EQ'
  | 'GT'
  | 'IDENT'
  | 'IN'
  | 'LT'
  | 'NEQ'
  | 'NOTIN'
  | 'OPENPAR';

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': 'CLOSEDPAR',
  ',': 'COMMA',
  '!': 'NOTEXIST',
  '==': 'DOUBLEEQ',
  '=': 'EQ',
  '>': 'GT',
  in: 'IN',
  '<': 'LT',
  '!=': 'NEQ',
  notin: 'NOTIN',
  '(': 'OPENPAR',
};

interface Scanned {
  tok: Tok;
  lit: string;
}

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => ch === '=' || ch === '!' || ch === '(' || ch === ')' || ch === ',' || ch === '>' || ch === '<';

function lex(input: string): Scanned[] {
  const out: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos])) pos++;
    if (pos >= input.length) {
      out.push({ tok: 'EOS', lit: '' });
      return out;
    }
    const ch = input[pos];
    if (isSpecialSymbol(ch)) {
      let buffer = '';
      let last: Scanned | undefined;
      while (pos < input.length && isSpecialSymbol(input[pos])) {
        buffer += input[pos];
        pos++;
        const t = STRING_TO_TOKEN[buffer];
        if (t) last = { tok: t, lit: buffer };
        else if (last) {
          pos--;
          break;
        }
      }
      if (!last) {
        out.push({ tok: 'ERROR', lit: `error expected: keyword found '${buffer}'` });
        out.push({ tok: 'EOS', lit: '' });
        return out;
      }
      out.push(last);
      continue;
    }
    let start = pos;
    while (pos < input.length && !isWhitespace(input[pos]) && !isSpecialSymbol(input[pos])) pos++;
    const word = input.slice(start, pos);
    const kw = STRING_TO_TOKEN[word];
    out.push({ tok: kw === 'IN' || kw === 'NOTIN' ? kw : 'IDENT', lit: word });
    start = pos;
  }
}

// ---------------------------------------------------------------- parser

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class Parser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  private lookahead(values: boolean): Scanned {
    const it = this.items[Math.min(this.position, this.items.length - 1)];
    return values && (it.tok === 'IN' || it.tok === 'NOTIN') ? { tok: 'IDENT', lit: it.lit } : it;
  }

  private consume(values: boolean): Scanned {
    const it = this.items[Math.min(this.position, this.items.length - 1)];
    this.position++;
    return values && (it.tok === 'IN' || it.tok === 'NOTIN') ? { tok: 'IDENT', lit: it.lit } : it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead(true);
      switch (tok) {
        case 'IDENT':
        case 'NOTEXIST': {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (e) {
            throw new LabelSelectorError(`unable to parse requirement: ${(e as Error).message}`);
          }
          reqs.push(r);
          const next = this.consume(true);
          if (next.tok === 'EOS') return reqs;
          if (next.tok === 'COMMA') {
            const after = this.lookahead(true);
            if (after.tok !== 'IDENT' && after.tok !== 'NOTEXIST') throw new LabelSelectorError(`found '${after.lit}', expected: identifier after ','`);
            continue;
          }
          throw new LabelSelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
        case 'EOS':
          return reqs;
        default:
          throw new LabelSelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === 'exists' || operator === '!') return newRequirement(key, operator, []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, values);
  }

  private parseKeyAndInferOperator(): { key: string; operator: Operator | undefined } {
    let operator: Operator | undefined;
    let t = this.consume(true);
    if (t.tok === 'NOTEXIST') {
      operator = '!';
      t = this.consume(true);
    }
    if (t.tok !== 'IDENT') throw new Error(`found '${t.lit}', expected: identifier`);
    const keyErr = validateLabelKey(t.lit);
    if (keyErr) throw new Error(keyErr);
    const next = this.lookahead(true).tok;
    if ((next === 'EOS' || next === 'COMMA') && operator !== '!') operator = 'exists';
    return { key: t.lit, operator };
  }

  private parseOperator(): Operator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case 'IN':
        return 'in';
      case 'EQ':
        return '=';
      case 'DOUBLEEQ':
        return '==';
      case 'GT':
        return 'gt';
      case 'LT':
        return 'lt';
      case 'NOTIN':
        return 'notin';
      case 'NEQ':
        return '!=';
      default:
        throw new Error(`found '${lit}', expected: ${BINARY_OPERATORS}`);
    }
  }

  private parseValues(): string[] {
    const open = this.consume(true);
    if (open.tok !== 'OPENPAR') throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead(true);
    switch (tok) {
      case 'IDENT':
      case 'COMMA': {
        const s = this.parseIdentifiersList();
        if (this.consume(true).tok !== 'CLOSEDPAR') throw new Error(`found '${lit}', expected: ')'`);
        return s;
      }
      case 'CLOSEDPAR':
        this.consume(true);
        return [''];
      default:
        throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
    }
  }

  private parseIdentifiersList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume(true);
      if (tok === 'IDENT') {
        s.add(lit);
        const next = this.lookahead(true);
        if (next.tok === 'COMMA') continue;
        if (next.tok === 'CLOSEDPAR') return [...s];
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      } else if (tok === 'COMMA') {
        if (s.size === 0) s.add('');
        const next = this.lookahead(true);
        if (next.tok === 'CLOSEDPAR') {
          s.add('');
          return [...s];
        }
        if (next.tok === 'COMMA') {
          this.consume(true);
          s.add('');
        }
      } else {
        throw new Error(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead(true);
    if (next.tok === 'EOS' || next.tok === 'COMMA') return [''];
    const { tok, lit } = this.consume(true);
    if (tok === 'IDENT') return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

// ---------------------------------------------------------------- validation

const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const QUALIFIED_NAME_ERR =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/** Returns the apimachinery error text for an invalid label key, or undefined. */
export function validateLabelKey(key: string): string | undefined {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const [prefix, n] = parts;
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
    else if (!DNS1123_SUBDOMAIN_RE.test(prefix))
      errs.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
  } else {
    return `key: Invalid value: ${JSON.stringify(key)}: a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`;
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME_RE.test(name)) errs.push(QUALIFIED_NAME_ERR);
  return errs.length ? `key: Invalid value: ${JSON.stringify(key)}: ${errs.join(', ')}` : undefined;
}

/** Returns the apimachinery error text for an invalid label value, or undefined. */
export function validateLabelValue(key: string, value: string, index = 0): string | undefined {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(value))
    errs.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  return errs.length ? `values[${index}][${key}]: Invalid value: ${JSON.stringify(value)}: ${errs.join(', ')}` : undefined;
}

function newRequirement(key: string, op: Operator, values: string[]): Requirement {
  const keyErr = validateLabelKey(key);
  if (keyErr) throw new Error(keyErr);
  switch (op) {
    case 'in':
    case 'notin':
      if (values.length === 0) throw new Error("for 'in', 'notin' operators, values set can't be empty");
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) throw new Error("exact-match compatibility requires one single value");
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) throw new Error("values set must be empty for exists and does not exist");
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) throw new Error("for 'Gt', 'Lt' operators, exactly one value is required");
      if (!/^-?\d+$/.test(values[0])) throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
      break;
  }
  if (op !== 'gt' && op !== 'lt') {
    values.forEach((v, i) => {
      const err = validateLabelValue(key, v, i);
      if (err) throw new Error(err);
    });
  }
  return { key, operator: op, values: [...new Set(values)].sort() };
}

/**
 * Parses the string syntax. An empty or blank string selects everything.
 * Throws LabelSelectorError with the apiserver's message.
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const items = lex(selector);
  const err = items.find((i) => i.tok === 'ERROR');
  const parser = new Parser(items);
  if (err) {
    // apimachinery reports lexer errors through the parser as an unexpected token
    try {
      parser.parse();
    } catch (e) {
      throw e instanceof LabelSelectorError ? e : new LabelSelectorError((e as Error).message);
    }
    throw new LabelSelectorError(err.lit);
  }
  return new LabelSelector(parser.parse());
}

/** meta/v1 LabelSelector (PDBs, NetworkPolicies, Deployments). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

/**
 * Converts a structured selector. `undefined`/null selects nothing (the
 * apimachinery convention for a nil *LabelSelector); `{}` selects everything.
 * Invalid expressions throw LabelSelectorError.
 */
export function selectorFromObject(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel === undefined || sel === null) return LabelSelector.nothing();
  const reqs: Requirement[] = [];
  try {
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push(newRequirement(k, '=', [v]));
    for (const e of sel.matchExpressions ?? []) {
      const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as Record<string, Operator>)[e.operator];
      if (!op) throw new Error(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
      reqs.push(newRequirement(e.key, op, [...(e.values ?? [])]));
    }
  } catch (e) {
    throw new LabelSelectorError((e as Error).message);
  }
  return new LabelSelector(reqs);
}

/**
 * A Service's `spec.selector` map. An absent or empty map selects nothing
 * (such a Service's endpoints are managed by hand).
 */
export function selectorFromMap(map: Record<string, string> | null | undefined): LabelSelector {
  if (!map || Object.keys(map).length === 0) return LabelSelector.nothing();
  return selectorFromObject({ matchLabels: map });
}
