// Answers PROPFIND for one resource (RFC 4918 9.1): named properties, allprop
// (with DAV:include) or propname. Live properties come from definitions.ts,
// then the user's dead properties; anything else is 404 inside the 207.
import type { Resource } from '../resolve.ts';
import type { PropStat } from '../xml/multistatus.ts';
import { clark } from '../xml/names.ts';
import { valueOf, type PropContext } from './context.ts';
import { PROPERTIES, propertiesOn } from './definitions.ts';

export interface PropName {
  ns: string;
  name: string;
}

export type PropRequest = { kind: 'prop'; names: PropName[] } | { kind: 'allprop'; include: PropName[] } | { kind: 'propname' };

async function one(r: Resource, p: PropName, pc: PropContext): Promise<PropStat> {
  const def = PROPERTIES.get(clark(p.ns, p.name));
  if (def && def.on.includes(r.kind)) return { ...p, status: 200, value: await def.get(r, pc) };
  const dead = await pc.deadElement(r, p.ns, p.name);
  if (dead) return { ...p, status: 200, value: valueOf(dead) };
  return { ...p, status: 404 };
}

export async function propstatsFor(r: Resource, request: PropRequest, pc: PropContext): Promise<PropStat[]> {
  if (request.kind === 'prop') return Promise.all(request.names.map((p) => one(r, p, pc)));
  const live = propertiesOn(r.kind);
  const liveNames = new Set(live.map((d) => clark(d.ns, d.name)));
  const dead = (await pc.deadProperties(r)).filter((d) => !liveNames.has(clark(d.namespace, d.name)));
  if (request.kind === 'propname') {
    return [...live.map((d) => ({ ns: d.ns, name: d.name, status: 200, value: null })), ...dead.map((d) => ({ ns: d.namespace, name: d.name, status: 200, value: null }))];
  }
  const inAllprop = (d: (typeof live)[number]) => d.allprop === true || (Array.isArray(d.allprop) && d.allprop.includes(r.kind));
  const wanted = live.filter((d) => inAllprop(d) || request.include.some((i) => i.ns === d.ns && i.name === d.name));
  const out: PropStat[] = await Promise.all(wanted.map(async (d) => ({ ns: d.ns, name: d.name, status: 200, value: await d.get(r, pc) })));
  for (const d of dead) {
    const element = await pc.deadElement(r, d.namespace, d.name);
    if (element) out.push({ ns: d.namespace, name: d.name, status: 200, value: valueOf(element) });
  }
  return out;
}
