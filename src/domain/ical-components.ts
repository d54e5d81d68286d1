// Copying calendar components between calendars, the one way it is safe with
// ical.js 2. Two traps, both seen losing data here:
// - addSubcomponent() first removes the component from its old parent, and
//   getAllSubcomponents() (no name) returns the parent's own live array: a
//   loop over it that adds each child elsewhere skips every other one (an
//   object with its VTIMEZONE before its VEVENT lost the event).
// - toJSON() returns the component's own jCal, not a copy: a Component built
//   on it shares every array, so editing the "copy" edits the original and
//   every other "copy" (an <expand> gave one instance several times).
// So components always cross as deep copies, taken from a snapshot of the
// source's list.
import ICAL from 'ical.js';

type Component = InstanceType<typeof ICAL.Component>;

/** A deep copy, sharing nothing with `c`, with no parent. */
export function cloneComponent(c: Component): Component {
  return new ICAL.Component(structuredClone(c.toJSON()) as unknown[]);
}

/** Adds copies of `from`'s subcomponents (those `keep` accepts, in order) to `into`; `from` is left as it was. */
export function copyComponents(from: Component, into: Component, keep: (c: Component) => boolean = () => true): Component[] {
  const copies = [...from.getAllSubcomponents()].filter(keep).map(cloneComponent);
  for (const c of copies) into.addSubcomponent(c);
  return copies;
}
