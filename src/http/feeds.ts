// Read-only subscription feeds, /feeds/<token>.ics: the whole collection as
// one iCalendar file for clients that only subscribe (webcal). The ETag is
// known before any item is read, so a poll with If-None-Match costs one
// indexed query and answers 304.
import express, { type Router } from 'express';
import { feedCalendar, feedState } from '../domain/feeds.ts';
import type { Store } from '../store/index.ts';

export function createFeedsRouter(store: Store): Router {
  const router = express.Router();
  router.get('/:file', async (req, res) => {
    const m = /^(.+)\.ics$/.exec(req.params.file);
    const state = m ? await feedState(store, m[1]!) : null;
    if (!state) {
      res.status(404).type('text/plain').send('no such feed\n');
      return;
    }
    const etag = `"${state.etag}"`;
    res.set({ ETag: etag, 'Cache-Control': 'private, max-age=0, must-revalidate' });
    const inm = req.headers['if-none-match'];
    if (inm && (inm.trim() === '*' || inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag))) {
      res.status(304).end();
      return;
    }
    const text = await feedCalendar(store, state);
    res.status(200).type('text/calendar; charset=utf-8').send(text);
  });
  return router;
}
