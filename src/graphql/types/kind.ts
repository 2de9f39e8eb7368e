import { builder } from '../builder.js';
import { ResourceKindRef } from './refs.js';

ResourceKindRef.implement({
  fields: (t) => ({
    group: t.string({ description: '"" for the core group.', resolve: (k) => k.kind.group }),
    version: t.string({ resolve: (k) => k.kind.version }),
    kind: t.string({ resolve: (k) => k.kind.kind }),
    plural: t.string({ resolve: (k) => k.kind.plural }),
    namespaced: t.boolean({ resolve: (k) => k.kind.namespaced }),
    count: t.exposeInt('count'),
  }),
});
