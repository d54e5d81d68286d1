// The one line a command prints when the database cannot be reached: the
// commands it suggests must work when pasted as root, the usual case on a
// fresh server or in a container.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnectionError } from '../../src/store/connection-errors.ts';

describe('describeConnectionError', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
  const line = describeConnectionError(refused, 'mysql://app:secret@127.0.0.1:3306/tidings');

  it('is one line that names DATABASE_URL with the password masked', () => {
    assert.doesNotMatch(line, /\n/);
    assert.match(line, /DATABASE_URL=mysql:\/\/app:\*\*\*@127\.0\.0\.1:3306\/tidings \(ECONNREFUSED\)/);
    assert.doesNotMatch(line, /secret/);
  });

  it('starts mariadbd directly only as the mysql user, with its socket folder (mariadbd refuses to run as root)', () => {
    const direct = line.match(/`[^`]*\/usr\/sbin\/mariadbd[^`]*`/g) ?? [];
    assert.ok(direct.length > 0, `names a command that starts /usr/sbin/mariadbd: ${line}`);
    for (const command of direct) {
      assert.match(command, / -- --user=mysql`$/, command);
      assert.match(command, /install -d -o mysql \/run\/mysqld/, command);
    }
  });

  it('offers the init script, which runs mariadbd as the mysql user itself', () => {
    assert.match(line, /`service mariadb start`/);
  });
});
