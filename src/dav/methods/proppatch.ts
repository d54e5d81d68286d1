// PROPPATCH (RFC 4918 9.2), all or nothing. Modelled collection properties
// (displayname, calendar-description, calendar-color, calendar-timezone)
// change the collection when the owner sets them; a sharee's displayname,
// description and colour are kept as their own dead properties (their view
// of the shared calendar). Everything Tidings does not model — Apple's
// calendar-order, colours in other namespaces — is stored as a dead property
// and answered 200, never 403. Live protected properties are 403.
import { MAX_DEAD_PROPERTY_BYTES, patchDeadProperties } from '../../domain/dead-properties.ts';
import { updateCollection } from '../../domain/collections.ts';
import { InvalidInput } from '../../domain/errors.ts';
import type { DavContext } from '../context.ts';
import { DavError, toDavError } from '../errors.ts';
import { deadResource } from '../props/context.ts';
import { PROPERTIES, type CollectionField } from '../props/definitions.ts';
import { Multistatus, type PropStat } from '../xml/multistatus.ts';
import { DAV, clark } from '../xml/names.ts';
import { elements, expectRoot, child, type XmlElement } from '../xml/parse.ts';
import { serializeElement } from '../xml/serialize.ts';
import { fieldValue } from './collection-props.ts';

interface Instruction {
  prop: XmlElement;
  remove: boolean;
}

function instructions(body: XmlElement | null): Instruction[] {
  if (!body) throw new DavError(400, 'PROPPATCH needs a propertyupdate body');
  expectRoot(body, DAV, 'propertyupdate');
  const out: Instruction[] = [];
  for (const op of elements(body)) {
    if (op.ns !== DAV || (op.name !== 'set' && op.name !== 'remove')) continue;
    for (const prop of elements(child(op, DAV, 'prop') ?? op).filter((p) => !(p.ns === DAV && p.name === 'prop'))) {
      out.push({ prop, remove: op.name === 'remove' });
    }
  }
  return out;
}

export async function proppatch(ctx: DavContext): Promise<void> {
  const r = ctx.existing();
  const target = deadResource(r);
  const list = instructions(ctx.xmlBody());
  const statuses = new Map<Instruction, number>();
  const fields: Partial<Record<CollectionField, string | null>> = {};
  const dead: Array<{ namespace: string; name: string; value: string | null }> = [];

  for (const ins of list) {
    const def = PROPERTIES.get(clark(ins.prop.ns, ins.prop.name));
    if (!target) statuses.set(ins, 403);
    else if (def?.field && r.kind === 'collection' && r.collection.role === 'owner') {
      try {
        fields[def.field] = fieldValue(def.field, ins.remove ? null : ins.prop, r.collection.slug);
      } catch (err) {
        if (!(err instanceof InvalidInput)) throw err;
        statuses.set(ins, 409);
      }
    } else if (def?.field && r.kind === 'collection' && def.field === 'timeZone') {
      statuses.set(ins, 403);
    } else if (def && !def.field) {
      // A live property name (even of another kind of resource) is never stored as dead.
      statuses.set(ins, 403);
    } else {
      const value = ins.remove ? null : serializeElement(ins.prop);
      if (value !== null && Buffer.byteLength(value) > MAX_DEAD_PROPERTY_BYTES) statuses.set(ins, 507);
      else dead.push({ namespace: ins.prop.ns, name: ins.prop.name, value });
    }
  }

  const failed = [...statuses.values()].some((s) => s !== 200);
  if (!failed) {
    try {
      if (Object.keys(fields).length > 0 && r.kind === 'collection') {
        await updateCollection(ctx.store, ctx.user.id, r.collection.id, fields as Parameters<typeof updateCollection>[3], { actorUserId: ctx.user.id, channel: 'caldav' });
      }
      if (dead.length > 0 && target) await patchDeadProperties(ctx.store, ctx.user.id, target, dead);
    } catch (err) {
      const mapped = toDavError(err, { method: 'PROPPATCH', href: r.href });
      if (!mapped || mapped.status === 404) throw err;
      for (const ins of list) statuses.set(ins, mapped.status === 400 ? 409 : mapped.status);
    }
  }
  const anyFailed = [...statuses.values()].some((s) => s !== 200);
  const props: PropStat[] = list.map((ins) => ({
    ns: ins.prop.ns,
    name: ins.prop.name,
    // RFC 4918 9.2.1: when one instruction fails, the others are 424 Failed Dependency.
    status: statuses.get(ins) ?? (anyFailed ? 424 : 200),
  }));
  const ms = new Multistatus();
  ms.propstats(r.href, props);
  ctx.multistatus(ms.toString());
}
