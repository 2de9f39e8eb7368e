import { parseArgs } from 'node:util';
import { ConfigError } from './configError.js';

/** Command-line flags as given (strings unparsed; the schema validates them). */
export interface ConfigFlags {
  config?: string;
  port?: string;
  host?: string;
  redisUrl?: string;
  enableMutations?: boolean;
  logLevel?: string;
  stateFile?: string;
  demo?: boolean;
  help: boolean;
}

export const HELP_TEXT = `Usage: kubeatlas [options]

Options:
  --config FILE          YAML configuration file (env KUBEATLAS_CONFIG)
  --port N               HTTP port (env KUBEATLAS_PORT or PORT; default 4000)
  --host ADDR            listen address (env KUBEATLAS_HOST; default 127.0.0.1)
  --redis-url URL        Redis for the shared cache and fan-out (env KUBEATLAS_REDIS_URL)
  --enable-mutations     allow addCluster/removeCluster (env KUBEATLAS_ENABLE_MUTATIONS)
  --log-level LEVEL      fatal|error|warn|info|debug|trace|silent (env KUBEATLAS_LOG_LEVEL)
  --state-file FILE      where clusters added at runtime are kept (env KUBEATLAS_STATE_FILE)
  --demo, --no-demo      force simulated demo clusters on or off (default: auto)
  -h, --help             print this help

Precedence: flags > environment > config file > defaults.
KUBEATLAS_SECRET_KEY encrypts inline secrets of runtime-added clusters in the state file.
`;

/**
 * Parses kubeatlas's flags (node:util parseArgs, strict). An unknown flag, a
 * missing value or a positional argument is a ConfigError naming it.
 */
export function parseFlags(argv: readonly string[]): ConfigFlags {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw flagError(e);
  }
  const v = parsed.values;
  return {
    config: v.config,
    port: v.port,
    host: v.host,
    redisUrl: v['redis-url'],
    enableMutations: v['enable-mutations'],
    logLevel: v['log-level'],
    stateFile: v['state-file'],
    demo: v.demo,
    help: v.help ?? false,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    allowNegative: true,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'redis-url': { type: 'string' },
      'enable-mutations': { type: 'boolean' },
      'log-level': { type: 'string' },
      'state-file': { type: 'string' },
      demo: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Turns parseArgs' multi-line messages into one line naming the flag, without echoing values. */
function flagError(e: unknown): ConfigError {
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError(flag ?? 'flags', 'unknown flag (see --help)');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new ConfigError(flag ?? 'flags', message.includes('argument missing') ? 'needs a value' : 'does not take a value');
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError('flags', 'unexpected positional argument (every option is a --flag; see --help)');
    default:
      return new ConfigError('flags', 'could not be parsed (see --help)');
  }
}
