// schema.org reservation types beyond flights and hotels, JSON-LD quirks,
// and the trusted relay's Authentication-Results reader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ICAL from 'ical.js';
import { extractJsonLd } from '../../src/mail/parse/json-ld.ts';
import { reservationEvents } from '../../src/mail/parse/reservations.ts';
import { parseAuthenticationResults } from '../../src/smtp/auth-results.ts';

const ctx = { domain: 'tidings.test', stamp: new Date('2026-11-25T10:00:00Z'), zone: 'Europe/Berlin' };
const event = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]).getFirstSubcomponent('vevent')!;
const script = (json: unknown) => `<html><head><script type="application/ld+json">${JSON.stringify(json)}</script></head><body>x</body></html>`;

describe('reservations as events', () => {
  it('EventReservation, FoodEstablishmentReservation, TrainReservation and Event', () => {
    const things = extractJsonLd(
      script({
        '@context': 'http://schema.org',
        '@graph': [
          { '@type': 'EventReservation', reservationNumber: 'T-1', reservationFor: { '@type': 'Event', name: 'Fado night', startDate: '2027-03-15T21:00:00+00:00', endDate: '2027-03-15T23:00:00+00:00', location: { '@type': 'Place', name: 'Clube de Fado', address: 'Rua S. João da Praça 94, Lisboa' } } },
          { '@type': 'FoodEstablishmentReservation', reservationNumber: 'R-77', partySize: 4, startTime: '2027-03-16T20:00:00+00:00', reservationFor: { '@type': 'FoodEstablishment', name: 'Taberna', address: { streetAddress: 'Rua da Rosa 1', addressLocality: 'Lisboa' } } },
          { '@type': 'TrainReservation', reservationNumber: 'DB-9', reservationFor: { '@type': 'TrainTrip', trainNumber: 'ICE 578', departureStation: { name: 'Frankfurt Hbf' }, departureTime: '2027-03-20T07:14:00+01:00', arrivalStation: { name: 'Berlin Hbf' }, arrivalTime: '2027-03-20T11:25:00+01:00' } },
          { '@type': 'Event', name: 'Open day', startDate: '2027-04-01', location: { name: 'Campus' } },
          { '@type': 'Organization', name: 'ignored' },
        ],
      }),
      [],
    );
    const events = reservationEvents(things, ctx).map((o) => event(o.icalendar));
    assert.deepEqual(
      events.map((e) => [e.getFirstPropertyValue('summary'), String(e.getFirstPropertyValue('dtstart')), e.getFirstPropertyValue('location')]),
      [
        ['Fado night', '2027-03-15T21:00:00Z', 'Clube de Fado, Rua S. João da Praça 94, Lisboa'],
        ['Table at Taberna', '2027-03-16T20:00:00Z', 'Taberna, Rua da Rosa 1, Lisboa'],
        ['Train ICE 578 Frankfurt Hbf → Berlin Hbf', '2027-03-20T06:14:00Z', 'Frankfurt Hbf'],
        ['Open day', '2027-04-01', 'Campus'],
      ],
    );
    assert.match(String(events[1]!.getFirstPropertyValue('description')), /Party size: 4/);
    assert.equal(String(events[1]!.getFirstPropertyValue('duration')), 'PT2H', 'no end given: two hours');
  });

  it('gives the same booking the same UID (an updated confirmation updates the event) and marks cancellations', () => {
    const flight = (time: string, status = 'Confirmed') => ({
      '@type': 'FlightReservation',
      reservationNumber: 'ABC123',
      reservationStatus: `http://schema.org/Reservation${status}`,
      reservationFor: { '@type': 'Flight', flightNumber: '100', airline: { iataCode: 'TP' }, departureAirport: { iataCode: 'LIS' }, arrivalAirport: { iataCode: 'OPO' }, departureTime: time },
    });
    const [a] = reservationEvents([flight('2027-05-01T08:00:00+01:00')], ctx);
    const [b] = reservationEvents([flight('2027-05-01T09:30:00+01:00', 'Cancelled')], ctx);
    assert.equal(event(a!.icalendar).getFirstPropertyValue('uid'), event(b!.icalendar).getFirstPropertyValue('uid'));
    assert.equal(event(b!.icalendar).getFirstPropertyValue('status'), 'CANCELLED');
  });

  it('reads times without an offset in the collection\'s zone, and skips what has no start', () => {
    const events = reservationEvents(
      [
        { '@type': 'FoodEstablishmentReservation', startTime: '2027-03-16T20:00:00', reservationFor: { name: 'Bistro' } },
        { '@type': 'LodgingReservation', reservationFor: { name: 'No dates inn' } },
      ],
      ctx,
    );
    assert.equal(events.length, 1);
    assert.match(events[0]!.icalendar, /^DTSTART;TZID=Europe\/Berlin:20270316T200000\r$/m);
  });

  it('ignores broken JSON-LD blocks with a note, and finds HTML-escaped ones', () => {
    const notes: string[] = [];
    const html = `<script type="application/ld+json">{ not json</script><script type='application/ld+json'>{&quot;@type&quot;:&quot;Event&quot;,&quot;name&quot;:&quot;Gig&quot;}</script>`;
    assert.deepEqual(extractJsonLd(html, notes), [{ '@type': 'Event', name: 'Gig' }]);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /^JSON-LD block ignored: /);
  });
});

describe('Authentication-Results of a trusted relay', () => {
  it('reads the topmost header only, with comments and folded lines', () => {
    const raw = Buffer.from(
      [
        'Authentication-Results: mx.relay.test;',
        '\tdkim=pass (2048-bit key; unprotected) header.d=example.com header.s=sel header.b=abc;',
        '\tspf=pass (relay.test: domain of bounce@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=bounce@example.com;',
        '\tdmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com; arc=none',
        'Authentication-Results: forged.example; dmarc=fail',
        'From: a@example.com',
        '',
        'body',
      ].join('\r\n'),
    );
    assert.deepEqual(parseAuthenticationResults(raw), {
      authservId: 'mx.relay.test',
      spf: 'pass',
      spfDomain: 'example.com',
      dkim: [{ domain: 'example.com', result: 'pass' }],
      dmarc: 'pass',
      dmarcPolicy: 'reject',
      arc: 'none',
    });
    assert.equal(parseAuthenticationResults(Buffer.from('From: a@b.c\r\n\r\nAuthentication-Results: x; dmarc=pass\r\n')), null, 'a body line is not a header');
  });
});
