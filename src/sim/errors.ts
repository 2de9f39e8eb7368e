import type { Status, StatusCause } from '../kube/types.js';

/**
 * An API error of the simulated apiserver: an HTTP status plus the meta/v1
 * Status body a real kube-apiserver v1.28 sends for it. Thrown by SimStore
 * and the request handlers; the HTTP layer writes `status` as the body.
 */
export class SimApiError extends Error {
  readonly code: number;
  readonly status: Status;
  /** Extra response headers (Retry-After). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: Status, headers: Record<string, string> = {}) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.name = 'SimApiError';
    this.code = status.code;
    this.status = status;
    this.headers = headers;
  }
}

export function isSimApiError(e: unknown): e is SimApiError {
  return e instanceof SimApiError;
}

/** Builds a failure Status with the field order of the real server (details omitted when undefined). */
export function failureStatus(code: number, message: string, reason?: string, details?: Status['details'], metadata: Status['metadata'] = {}): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata, status: 'Failure', message } as Status;
  if (reason !== undefined) s.reason = reason;
  if (details !== undefined) s.details = details;
  s.code = code;
  return s;
}

/** Identifies a resource in error messages: "pods", "deployments.apps", "deployments/scale.apps". */
export interface ResourceRef {
  group: string;
  /** Plural resource, with "/subresource" when relevant. */
  resource: string;
}

function qualified(r: ResourceRef): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

function details(r: ResourceRef, name?: string, extra: Status['details'] = {}): NonNullable<Status['details']> {
  const d: NonNullable<Status['details']> = {};
  if (name !== undefined) d.name = name;
  if (r.group) d.group = r.group;
  d.kind = r.resource;
  return { ...d, ...extra };
}

export const apiErrors = {
  notFound(r: ResourceRef, name: string): SimApiError {
    return new SimApiError(failureStatus(404, `${qualified(r)} "${name}" not found`, 'NotFound', details(r, name)));
  },
  alreadyExists(r: ResourceRef, name: string): SimApiError {
    return new SimApiError(failureStatus(409, `${qualified(r)} "${name}" already exists`, 'AlreadyExists', details(r, name)));
  },
  conflict(r: ResourceRef, name: string): SimApiError {
    return new SimApiError(
      failureStatus(
        409,
        `Operation cannot be fulfilled on ${qualified(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
        details(r, name),
      ),
    );
  },
  /** Precondition failures name the Kind (not the resource), as the real server does. */
  preconditionFailed(kind: string, group: string, name: string, what: 'UID' | 'ResourceVersion', want: string, have: string): SimApiError {
    const tail = what === 'UID' ? 'The object might have been deleted and then recreated' : 'The object might have been modified';
    const d: NonNullable<Status['details']> = { name };
    if (group) d.group = group;
    d.kind = kind;
    return new SimApiError(
      failureStatus(409, `Operation cannot be fulfilled on ${kind} "${name}": the ${what} in the precondition (${want}) does not match the ${what} in record (${have}). ${tail}`, 'Conflict', d),
    );
  },
  /** 422 Invalid for an object, one cause per problem. `kindLabel` is "ConfigMap" or "Deployment.apps". */
  invalid(kindLabel: string, group: string, kind: string, name: string, causes: StatusCause[]): SimApiError {
    const parts = causes.map((c) => `${c.field}: ${c.message}`);
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    const d: NonNullable<Status['details']> = { name };
    if (group) d.group = group;
    d.kind = kind;
    d.causes = causes;
    return new SimApiError(failureStatus(422, `${kindLabel} "${name}" is invalid: ${summary}`, 'Invalid', d));
  },
  /** 422 on request options (ListOptions, CreateOptions, PatchOptions), as meta.k8s.io validation reports it. */
  invalidOptions(optionsKind: string, field: string, causeReason: string, message: string): SimApiError {
    return new SimApiError(
      failureStatus(422, `${optionsKind}.meta.k8s.io "" is invalid: ${field}: ${message}`, 'Invalid', {
        group: 'meta.k8s.io',
        kind: optionsKind,
        causes: [{ reason: causeReason, message, field }],
      }),
    );
  },
  badRequest(message: string): SimApiError {
    return new SimApiError(failureStatus(400, message, 'BadRequest'));
  },
  methodNotAllowed(): SimApiError {
    return new SimApiError(failureStatus(405, 'the server does not allow this method on the requested resource', 'MethodNotAllowed', {}));
  },
  resourceNotFound(): SimApiError {
    return new SimApiError(failureStatus(404, 'the server could not find the requested resource', 'NotFound', {}));
  },
  unsupportedMediaType(): SimApiError {
    return new SimApiError(failureStatus(415, '415: Unsupported Media Type', 'UnsupportedMediaType', {}));
  },
  /** The generic 422 the server answers to a JSON patch that cannot be applied. */
  patchRejected(): SimApiError {
    return new SimApiError(failureStatus(422, 'the server rejected our request due to an error in our request', 'Invalid', {}));
  },
  expiredList(): SimApiError {
    return new SimApiError(failureStatus(410, 'The resourceVersion for the provided list is too old.', 'Expired'));
  },
  expiredContinue(freshToken: string): SimApiError {
    return new SimApiError(
      failureStatus(
        410,
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        'Expired',
        undefined,
        { continue: freshToken },
      ),
    );
  },
  tooLargeResourceVersion(requested: number, current: number): SimApiError {
    return new SimApiError(
      failureStatus(504, `Timeout: Too large resource version: ${requested}, current: ${current}`, 'Timeout', {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      }),
      { 'Retry-After': '1' },
    );
  },
  futureRevision(): SimApiError {
    return new SimApiError(failureStatus(500, 'etcdserver: mvcc: required revision is a future revision'));
  },
  internal(message: string): SimApiError {
    return new SimApiError(failureStatus(500, message, 'InternalError', { causes: [{ message }] }));
  },
};

/** The Status of a watch ERROR event for a resourceVersion that fell out of the watch cache. */
export function tooOldResourceVersionStatus(requested: number, oldest: number): Status {
  return failureStatus(410, `too old resource version: ${requested} (${oldest})`, 'Expired');
}
