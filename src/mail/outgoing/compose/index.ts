// The words of every message the alert runs send: one composer over the
// templates (mailtemplates/) and the links' settings, handed to the domain's
// runs by the jobs.
import type { AlertComposer } from '../../../domain/alerts/composer.ts';
import type { AlertMailSettings } from '../headers.ts';
import type { MailTemplates } from '../templates.ts';
import { alertMessage } from './alert.ts';
import { digestMessage } from './digest.ts';
import { frozenNotice } from './notices.ts';
import { reminderMessage } from './reminder.ts';

export function mailComposer(t: MailTemplates, s: AlertMailSettings): AlertComposer {
  return {
    alert: (c, r, changes, d) => alertMessage(t, s, c, r, changes, d),
    frozenNotice: (c, r, freeze) => frozenNotice(t, s, c, r, freeze),
    digest: (c, r, d) => digestMessage(t, s, c, r, d),
    reminder: (c, r, x) => reminderMessage(t, s, c, r, x),
  };
}
