// Where the SMTP robot's CPU goes, stage by stage: the same ~4 KB
// invitation as bench:smtp, one message at a time, through each stage the
// DATA handler runs (inbound-message.ts): the RCPT lookup, MIME reading,
// loop detection, authenticity (mailauth, fixed DNS records), planning the
// items, and the delivery (one write batch and COMMIT; a read first only
// when needed). Reported per stage: CPU ms per message of this process and,
// when the database server runs on this machine, of that server; the ratio
// is the stage's share of the robot's total. No SMTP here (bench:smtp measures the whole), so the
// figures say which stage a change should aim at. No figure is asserted.
//   npm run bench:smtp-stages
// Tunables (env): BENCH_STAGES_MESSAGES (2000), BENCH_DATABASE_SERVER.
import { createHash } from 'node:crypto';
import { createUser } from '../src/domain/accounts.ts';
import { createCollectionAddress } from '../src/domain/addresses.ts';
import { SYSTEM } from '../src/domain/audit.ts';
import { createCollection } from '../src/domain/collections.ts';
import { deliverToCollection } from '../src/domain/inbound.ts';
import { routeRecipient, type RoutedAddress } from '../src/domain/routing.ts';
import { readMail } from '../src/mail/parse/message.ts';
import { planItems } from '../src/mail/plan.ts';
import { checkAuthenticity } from '../src/smtp/authenticity.ts';
import { detectLoop } from '../src/smtp/stages/loop.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { migrate } from '../src/store/migrate.ts';
import { databaseServerPid, serverCpuMs, throwawayDatabase } from './database.ts';
import { runWhenMain, type BenchResult } from './index.ts';
import { invitation, resolver, SENDER } from './smtp.bench.ts';

const MESSAGES = Number(process.env.BENCH_STAGES_MESSAGES ?? 2000);
const WARMUP = 200;
const STAGES = ['RCPT lookup', 'read MIME', 'loop check', 'authenticity', 'plan items', 'deliver (batch, COMMIT)'] as const;
type Stage = (typeof STAGES)[number];

const processCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export async function run(): Promise<BenchResult[]> {
  let store: Store | null = null;
  const db = throwawayDatabase('tidings_bench_stages', async () => store?.close());
  await migrate(db.url);
  store = openStore(db.url, { connectionLimit: 4 });
  const dbPid = await databaseServerPid(store.pool);
  try {
    const owner = await createUser(store, { email: `stages-${process.pid}@example.com`, password: 'correct horse battery', quotaBytes: 1n << 40n }, SYSTEM);
    const collection = await createCollection(store, { ownerId: owner.id, name: 'Stages', timeZone: 'Europe/Berlin' }, SYSTEM);
    const to = (await createCollectionAddress(store, { actorUserId: owner.id, collectionId: collection.id, domain: 'tidings.test', policy: 'anyone' }, SYSTEM)).address;

    const own: Record<Stage, number> = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
    const server: Record<Stage, number> = { ...own };
    let serverSeen = true;
    // Reading /proc costs this process CPU too: it happens outside the measured span.
    async function timed<T>(stage: Stage, counted: boolean, fn: () => Promise<T> | T): Promise<T> {
      const db = await serverCpuMs(dbPid);
      const cpu = processCpuMs();
      const result = await fn();
      const used = processCpuMs() - cpu;
      const dbAfter = await serverCpuMs(dbPid);
      if (counted) {
        own[stage] += used;
        if (db === null || dbAfter === null) serverSeen = false;
        else server[stage] += dbAfter - db;
      }
      return result;
    }

    for (let i = 0; i < WARMUP + MESSAGES; i++) {
      const counted = i >= WARMUP;
      const raw = Buffer.from(invitation(to));
      const routing = await timed('RCPT lookup', counted, () => routeRecipient(store, to));
      if (routing.verdict !== 'deliver') throw new Error(`the bench address routes as ${routing.verdict}`);
      const address: RoutedAddress = routing.address;
      const content = await timed('read MIME', counted, () => readMail(raw));
      await timed('loop check', counted, () => detectLoop(raw, { mailDomain: 'tidings.test', hostname: 'mx.tidings.test', mailFrom: SENDER, from: content.from?.address ?? null }));
      const auth = await timed('authenticity', counted, () =>
        checkAuthenticity({ raw, ip: '127.0.0.1', helo: 'bench.test', mailFrom: SENDER, hostname: 'mx.tidings.test', from: content.from?.address ?? null, trustedRelay: false, resolver }),
      );
      const messageId = content.messageId ?? `<${i}@bench>`;
      const dedupeKey = createHash('sha256').update(messageId.toLowerCase()).digest('hex');
      const plan = await timed('plan items', counted, () => planItems(content, address, dedupeKey));
      await timed('deliver (batch, COMMIT)', counted, () =>
        deliverToCollection(store, {
          address,
          envelope: { messageId, dedupeKey, mailFrom: SENDER, rcptTo: to, remoteAddress: '127.0.0.1', headerFrom: SENDER, subject: content.subject, sizeBytes: raw.length },
          objects: plan.objects,
          trace: { auth },
          spamScore: null,
          replyFor: () => '250 2.6.0 accepted',
        }),
      );
    }

    const total = STAGES.reduce((sum, s) => sum + own[s], 0);
    const results: BenchResult[] = STAGES.map((s) => ({
      name: s,
      unit: 'CPU ms/msg',
      value: own[s] / MESSAGES,
      ratio: own[s] / total,
      note: serverSeen ? `database server: ${(server[s] / MESSAGES).toFixed(3)} CPU ms/msg` : undefined,
    }));
    results.push({
      name: 'all stages (ratio: share of this total)',
      unit: 'CPU ms/msg',
      value: total / MESSAGES,
      note: serverSeen ? `database server: ${(STAGES.reduce((sum, s) => sum + server[s], 0) / MESSAGES).toFixed(3)} CPU ms/msg` : 'database server not on this machine: its CPU is not measured',
    });
    return results;
  } finally {
    await store.close();
    await db.drop();
  }
}

runWhenMain(import.meta.url, 'SMTP robot, CPU per stage (ratio = share of the robot total)', run);
