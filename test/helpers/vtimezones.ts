// What a strict client checks in a stored calendar object: it parses, every
// TZID it names has a VTIMEZONE of exactly that name (RFC 5545 3.2.19), and
// a time read through that VTIMEZONE alone (no guessing from the name, as a
// client without the IANA database would) is the instant expected.
import assert from 'node:assert/strict';
import ICAL from 'ical.js';

type Component = InstanceType<typeof ICAL.Component>;

/** Parses `text` and asserts every TZID it uses is defined in it; returns the VCALENDAR. */
export function assertTzidsDefined(text: string): Component {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const defined = new Set(calendar.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))));
  const used = new Set<string>();
  const walk = (c: Component) => {
    if (c.name === 'vtimezone') return;
    for (const p of c.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (typeof tzid === 'string') used.add(tzid);
    }
    c.getAllSubcomponents().forEach(walk);
  };
  walk(calendar);
  for (const tzid of used) assert.ok(defined.has(tzid), `TZID "${tzid}" has no VTIMEZONE in:\n${text}`);
  return calendar;
}

/**
 * The UTC instant (ISO) of property `name` of the first non-VTIMEZONE
 * component, read through the object's own VTIMEZONE only.
 */
export function instantByOwnVtimezone(text: string, name = 'dtstart'): string {
  const calendar = assertTzidsDefined(text);
  const component = calendar.getAllSubcomponents().find((c) => c.name !== 'vtimezone')!;
  const prop = component.getFirstProperty(name)!;
  const time = (prop.getFirstValue() as InstanceType<typeof ICAL.Time>).clone();
  const tzid = prop.getParameter('tzid');
  if (typeof tzid === 'string') {
    const vtz = calendar.getAllSubcomponents('vtimezone').find((z) => z.getFirstPropertyValue('tzid') === tzid)!;
    time.zone = new ICAL.Timezone(vtz);
  }
  return new Date(time.toUnixTime() * 1000).toISOString();
}
