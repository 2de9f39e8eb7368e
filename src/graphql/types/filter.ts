import { builder } from '../builder.js';

export const ResourceFilterInput = builder.inputType('ResourceFilter', {
  description: 'All given conditions must hold (AND); a list matches any of its entries (OR).',
  fields: (t) => ({
    clusters: t.stringList({ required: false, description: 'Cluster ids.' }),
    kinds: t.stringList({ required: false, description: '"Pod", "Deployment", "apps/v1/Deployment", "deployments.apps", or a plural like "pods".' }),
    namespaces: t.stringList({ required: false }),
    labelSelector: t.string({ required: false, description: 'Kubernetes syntax: "app=web,tier in (fe,be),!canary".' }),
    name: t.string({ required: false, description: 'Exact name.' }),
    nameContains: t.string({ required: false }),
    status: t.string({ required: false, description: 'Matches Resource.status (e.g. Running, CrashLoopBackOff, Bound).' }),
  }),
});
