import { LabelSelector, LabelSelectorError, parseLabelSelector } from '../kube/labelSelector.js';
import { apiErrors } from './errors.js';
import { FieldSelectorError, fieldsMatch, parseFieldSelector, type FieldRequirement } from './fieldSelector.js';
import type { StoredObject } from './storedObject.js';
import type { SimKind } from './types.js';

/** The labelSelector + fieldSelector of a LIST or WATCH request. */
export interface Selection {
  readonly labels: LabelSelector;
  readonly fields: readonly FieldRequirement[];
  /** True when nothing is filtered (the apiserver then reports remainingItemCount). */
  readonly empty: boolean;
  matches(so: StoredObject): boolean;
}

/** Parses the selectors of a request; bad input → 400 BadRequest with the apiserver's message. */
export function parseSelection(kind: SimKind, query: URLSearchParams): Selection {
  let labels = LabelSelector.everything();
  let fields: FieldRequirement[] = [];
  const ls = query.get('labelSelector');
  const fs = query.get('fieldSelector');
  try {
    if (ls) labels = parseLabelSelector(ls);
  } catch (e) {
    if (e instanceof LabelSelectorError) throw apiErrors.badRequest(e.message);
    throw e;
  }
  try {
    if (fs) fields = parseFieldSelector(kind, fs);
  } catch (e) {
    if (e instanceof FieldSelectorError) throw apiErrors.badRequest(e.message);
    throw e;
  }
  const empty = labels.isEverything() && fields.length === 0;
  return {
    labels,
    fields,
    empty,
    matches: empty ? () => true : (so) => labels.matches(so.labels) && fieldsMatch(fields, so.fields),
  };
}
