import type { YAMLError } from 'yaml';

/**
 * One line describing a YAML parse error by position and error code only
 * (parse with prettyErrors so that linePos is set):
 * the parser's own message can quote the document (which may hold secrets).
 */
export function describeYamlError(err: YAMLError): string {
  const pos = err.linePos?.[0];
  const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
  const what = err.code === 'DUPLICATE_KEY' ? 'duplicate key' : err.code.toLowerCase().replace(/_/g, ' ');
  return `invalid YAML${where} (${what})`;
}
