import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { homedir } from 'node:os';
import { badInput } from './badInput.js';

/** A path from a cluster entry, absolute: `~/...` is the user's home, relative ones resolve against `baseDir`. */
export function resolveSpecPath(p: string, baseDir: string): string {
  if (p === '~' || p.startsWith('~/')) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? p : resolve(baseDir, p);
}

/** True when `p` is `dir` itself or below it (both absolute, already normalized). */
function isWithin(p: string, dir: string): boolean {
  const rel = relative(dir, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Why `file` (absolute) cannot be used, or undefined when it is a readable
 * regular file. With `confineTo`, the file must also lie under that directory,
 * both lexically (no `..` escape) and after resolving symlinks. The lexical
 * check comes first, so a path outside the directory reveals nothing about
 * whether it exists. The problem text never contains the path.
 */
export function fileProblem(file: string, confineTo?: string): string | undefined {
  if (confineTo !== undefined && !isWithin(resolve(file), resolve(confineTo))) return 'must be a file inside clusterFilesDir';
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    return fsProblem(e);
  }
  if (!st.isFile()) return 'not a regular file';
  if (confineTo !== undefined) {
    try {
      if (!isWithin(realpathSync(file), realpathSync(confineTo))) return 'must be a file inside clusterFilesDir (a symlink leads outside it)';
    } catch (e) {
      return fsProblem(e);
    }
  }
  try {
    accessSync(file, constants.R_OK);
  } catch (e) {
    return fsProblem(e);
  }
  return undefined;
}

/** Throws BAD_USER_INPUT naming `field` unless `file` passes `fileProblem`. `what` prefixes the problem. */
export function checkReadableFile(file: string, field: string, confineTo?: string, what?: string): void {
  const problem = fileProblem(file, confineTo);
  if (problem !== undefined) throw badInput(field, what ? `${what}: ${problem}` : problem);
}

/** A short reason for a file-system error, without the path. */
export function fsProblem(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'file not readable (permission denied)';
    case 'ENOTDIR':
      return 'file not found (a parent is not a directory)';
    case 'EISDIR':
      return 'not a regular file';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return `file cannot be read (${code ?? 'error'})`;
  }
}
