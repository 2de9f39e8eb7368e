/** The result table: one row per measured case, printed for a terminal and as Markdown. */

export interface ResultRow {
  /** Scenario number from the issue (1-7). */
  n: number;
  scenario: string;
  case: string;
  kubeatlas: string;
  peer: string;
  /** kubeatlas ÷ peer (or a note why there is none). */
  ratio: string;
}

const COLUMNS: Array<{ key: keyof ResultRow; title: string; width: number }> = [
  { key: 'n', title: '#', width: 2 },
  { key: 'scenario', title: 'Scenario', width: 14 },
  { key: 'case', title: 'Case', width: 24 },
  { key: 'kubeatlas', title: 'kubeatlas', width: 46 },
  { key: 'peer', title: 'Peer', width: 40 },
  { key: 'ratio', title: 'Ratio (kubeatlas / peer)', width: 30 },
];

/** Splits on "; " first (each figure on its own line), then wraps at `width`. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const part of text.split('; ')) {
    let line = '';
    for (const word of part.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.length ? out : [''];
}

/** A plain-text table for the terminal (cells wrapped, rows separated by a rule). */
export function textTable(rows: readonly ResultRow[]): string {
  const rule = COLUMNS.map((c) => '-'.repeat(c.width)).join('-+-');
  const lines = [COLUMNS.map((c) => c.title.padEnd(c.width)).join(' | '), rule];
  for (const row of rows) {
    const cells = COLUMNS.map((c) => wrap(String(row[c.key]), c.width));
    const height = Math.max(...cells.map((c) => c.length));
    for (let i = 0; i < height; i++) lines.push(COLUMNS.map((c, j) => (cells[j][i] ?? '').padEnd(c.width)).join(' | ').trimEnd());
    lines.push(rule);
  }
  return lines.join('\n');
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/; /g, '<br>');
}

/** The same table in GitHub Markdown (figures of one cell separated by <br>). */
export function markdownTable(rows: readonly ResultRow[]): string {
  const lines = [`| ${COLUMNS.map((c) => c.title).join(' | ')} |`, `| ${COLUMNS.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${COLUMNS.map((c) => md(String(row[c.key]))).join(' | ')} |`);
  return lines.join('\n');
}
