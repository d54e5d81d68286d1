// A user's data as one portable document: settings, collections (each as
// iCalendar) and submission addresses.
import type { Store } from '../store/index.ts';
import { requireUserByEmail } from './accounts.ts';
import { listAddresses } from './addresses.ts';
import { joinCalendarObjects } from './calendar-export.ts';
import { listCollections } from './collections.ts';
import { listItems } from './items.ts';

export interface UserExport {
  format: 'tidings-export/1';
  exportedAt: string;
  user: { email: string; displayName: string; timeZone: string; isAdmin: boolean; quotaBytes: string; usedBytes: string };
  collections: {
    id: string;
    name: string;
    slug: string;
    role: string;
    description: string;
    color: string | null;
    timeZone: string;
    components: string[];
    itemCount: number;
    icalendar: string;
  }[];
  addresses: { address: string; collectionId: string | null; policy: string; itemMode: string; enabled: boolean; allowlist: string[] }[];
}

export async function exportUser(store: Store, email: string): Promise<UserExport> {
  const user = await requireUserByEmail(store, email);
  const collections = await listCollections(store, user.id);
  const exported: UserExport['collections'] = [];
  for (const c of collections) {
    const items = await listItems(store, user.id, c.id);
    exported.push({
      id: String(c.id),
      name: c.name,
      slug: c.slug,
      role: c.role,
      description: c.description,
      color: c.color,
      timeZone: c.timeZone,
      components: c.components.split(','),
      itemCount: items.length,
      icalendar: joinCalendarObjects(
        items.map((i) => i.icalendar),
        c.name,
      ),
    });
  }
  const addresses = await listAddresses(store, { userId: user.id });
  return {
    format: 'tidings-export/1',
    exportedAt: new Date().toISOString(),
    user: {
      email: user.email,
      displayName: user.displayName,
      timeZone: user.timeZone,
      isAdmin: user.isAdmin,
      quotaBytes: String(user.quotaBytes),
      usedBytes: String(user.usedBytes),
    },
    collections: exported,
    addresses: addresses.map((a) => ({
      address: a.address,
      collectionId: a.collectionId === null ? null : String(a.collectionId),
      policy: a.policy,
      itemMode: a.itemMode,
      enabled: a.enabled,
      allowlist: a.allowlist,
    })),
  };
}
