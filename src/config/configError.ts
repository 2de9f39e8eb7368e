import { KubeatlasError } from '../util/errors.js';

/**
 * An invalid configuration (file, environment or flag). `message` is one line
 * naming the key path (or variable / flag) and the problem; it never contains
 * the value that was given, so `main.ts` can print it as is and exit 2.
 */
export class ConfigError extends KubeatlasError {
  /** The key path, variable or flag at fault, e.g. "clusters[1].authMethod" or "--port". */
  readonly path: string;

  constructor(path: string, problem: string) {
    super('CONFIG_INVALID', `${path}: ${problem}`.replace(/\s+/g, ' '), { path });
    this.name = 'ConfigError';
    this.path = path;
  }
}
