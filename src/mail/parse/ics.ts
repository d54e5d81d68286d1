// Writing the small iCalendar objects Tidings makes from mail (RFC 5545):
// TEXT escaping (3.3.11), line folding at 75 octets (3.1), date forms.

const PRODID = '-//Tidings//SMTP robot//EN';

export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds a content line at 75 octets without splitting a UTF-8 sequence. */
export function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const out: string[] = [];
  let current = '';
  let size = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (size + n > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      size = 0;
    }
    current += ch;
    size += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function utcDateTime(d: Date): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

export function dateValue(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day));
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

export function localDateTime(w: { year: number; month: number; day: number; hour: number; minute: number }): string {
  return `${dateValue(w.year, w.month, w.day)}T${pad(w.hour)}${pad(w.minute)}00`;
}

/** A VCALENDAR around one component whose content lines are given (unfolded). */
export function calendarOf(component: 'VEVENT' | 'VTODO' | 'VJOURNAL', lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, `BEGIN:${component}`, ...lines.map(fold), `END:${component}`, 'END:VCALENDAR', ''].join('\r\n');
}
