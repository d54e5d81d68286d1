// Plain interval overlap of an instance with [start, end), for expansion
// and free-busy (the exact per-component rules of RFC 4791 9.9 are in
// filters/time-range.ts).
import type { Instance } from '../../domain/instances.ts';

export function eventOverlapsRange(i: Instance, start: Date, end: Date): boolean {
  if (!i.start) return false;
  const s = i.start.getTime();
  const e = i.end?.getTime() ?? s;
  return e > s ? s < end.getTime() && e > start.getTime() : s >= start.getTime() && s < end.getTime();
}
