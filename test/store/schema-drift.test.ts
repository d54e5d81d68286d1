// prisma/schema.prisma is the source of truth and the migrations are written
// by hand (DESIGN.md "Stack"), so this file proves the two agree: it migrates
// a fresh database, reads information_schema, and compares every table,
// column, type, nullability, default, index and foreign key with Prisma's own
// reading of the schema (the DMMF). Then it writes and reads back a row of
// every model through the generated client.
//
// MariaDB's information_schema differs from MySQL 8's in ways the comparison
// tolerates: integer display widths (`bigint(20)`, `int(11)`), literal
// defaults quoted (`'UTC'`), `current_timestamp(3)` in lower case, and the
// string `NULL` as COLUMN_DEFAULT of a nullable column without a default
// (MySQL 8 gives SQL NULL, and `DEFAULT_GENERATED` in EXTRA for expressions).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { getDMMF } from '@prisma/get-dmmf';
import type { RowDataPacket } from 'mysql2/promise';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';

type DmmfDocument = Extract<ReturnType<typeof getDMMF>, { datamodel: unknown }>;
type Datamodel = DmmfDocument['datamodel'];
type Model = Datamodel['models'][number];
type Field = Model['fields'][number];
type DatamodelEnum = Datamodel['enums'][number];

const SCHEMA_FILE = new URL('../../prisma/schema.prisma', import.meta.url);
/** Longest identifier MySQL and MariaDB accept. */
const MAX_IDENTIFIER = 64;
/** Tables the schema does not describe but the database legitimately has. */
const BOOKKEEPING_TABLES = new Set(['_prisma_migrations']);
/** What every table is created with (the clause `prisma migrate diff` emits for MySQL). */
const TABLE_COLLATION = 'utf8mb4_unicode_ci';

function loadDatamodel(): Datamodel {
  const result = getDMMF({ datamodel: readFileSync(SCHEMA_FILE, 'utf8') });
  if (!('datamodel' in result)) throw new Error(`getDMMF failed (${result.type}): ${result.reason}`);
  return result.datamodel;
}

// ---------------------------------------------------------------------------
// What the database has

interface DbColumn {
  name: string;
  nullable: boolean;
  columnType: string;
  columnDefault: string | null;
  extra: string;
  charset: string | null;
  collation: string | null;
}

interface DbIndex {
  name: string;
  kind: IndexKind;
  /** Column names, with `(length)` for a prefix and ` DESC` for a descending part. */
  columns: string[];
}

interface DbForeignKey {
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

interface DbTable {
  name: string;
  engine: string | null;
  collation: string | null;
  columns: Map<string, DbColumn>;
  indexes: DbIndex[];
  foreignKeys: DbForeignKey[];
}

type DbSnapshot = Map<string, DbTable>;
type IndexKind = 'primary' | 'unique' | 'normal' | 'fulltext';
type Query = (sql: string, params: unknown[]) => Promise<RowDataPacket[]>;

async function readSnapshot(query: Query, schema: string): Promise<DbSnapshot> {
  const snapshot: DbSnapshot = new Map();
  const table = (name: string): DbTable => {
    const t = snapshot.get(name);
    if (!t) throw new Error(`information_schema names table ${name} that TABLES did not list`);
    return t;
  };
  for (const r of await query(
    'SELECT TABLE_NAME AS name, ENGINE AS engine, TABLE_COLLATION AS collation FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
    [schema],
  )) {
    snapshot.set(r.name, { name: r.name, engine: r.engine, collation: r.collation, columns: new Map(), indexes: [], foreignKeys: [] });
  }
  for (const r of await query(
    `SELECT TABLE_NAME AS tableName, COLUMN_NAME AS name, IS_NULLABLE AS nullable, COLUMN_TYPE AS columnType,
            COLUMN_DEFAULT AS columnDefault, EXTRA AS extra, CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [schema],
  )) {
    table(r.tableName).columns.set(r.name, {
      name: r.name,
      nullable: r.nullable === 'YES',
      columnType: r.columnType,
      columnDefault: r.columnDefault,
      extra: r.extra,
      charset: r.charset,
      collation: r.collation,
    });
  }
  const indexes = new Map<string, DbIndex>();
  for (const r of await query(
    `SELECT TABLE_NAME AS tableName, INDEX_NAME AS name, NON_UNIQUE AS nonUnique, COLUMN_NAME AS columnName,
            COLLATION AS collation, SUB_PART AS subPart, INDEX_TYPE AS indexType
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
    [schema],
  )) {
    const key = `${r.tableName}\0${r.name}`;
    let index = indexes.get(key);
    if (!index) {
      const kind: IndexKind =
        r.name === 'PRIMARY' ? 'primary' : Number(r.nonUnique) === 0 ? 'unique' : r.indexType === 'FULLTEXT' ? 'fulltext' : 'normal';
      index = { name: r.name, kind, columns: [] };
      indexes.set(key, index);
      table(r.tableName).indexes.push(index);
    }
    index.columns.push(columnSpec(r.columnName, r.subPart === null ? undefined : Number(r.subPart), r.collation === 'D'));
  }
  const foreignKeys = new Map<string, DbForeignKey>();
  for (const r of await query(
    `SELECT k.TABLE_NAME AS tableName, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS columnName,
            k.REFERENCED_TABLE_NAME AS referencedTable, k.REFERENCED_COLUMN_NAME AS referencedColumn,
            r.DELETE_RULE AS onDelete, r.UPDATE_RULE AS onUpdate
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
      WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [schema],
  )) {
    const key = `${r.tableName}\0${r.name}`;
    let fk = foreignKeys.get(key);
    if (!fk) {
      fk = { name: r.name, columns: [], referencedTable: r.referencedTable, referencedColumns: [], onDelete: r.onDelete, onUpdate: r.onUpdate };
      foreignKeys.set(key, fk);
      table(r.tableName).foreignKeys.push(fk);
    }
    fk.columns.push(r.columnName);
    fk.referencedColumns.push(r.referencedColumn);
  }
  return snapshot;
}

function columnSpec(column: string, length?: number, descending = false): string {
  return `${column}${length === undefined ? '' : `(${length})`}${descending ? ' DESC' : ''}`;
}

// ---------------------------------------------------------------------------
// What schema.prisma says, in MySQL terms (as `prisma migrate diff` renders it)

const tableOf = (m: Model): string => m.dbName ?? m.name;
const columnOf = (f: Field): string => f.dbName ?? f.name;
const isColumn = (f: Field): boolean => f.kind === 'scalar' || f.kind === 'enum';
const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The COLUMN_TYPEs (normalised) that may stand for a field; an error when the mapping is unknown here. */
function expectedColumnTypes(field: Field, enums: Map<string, DatamodelEnum>): string[] | { error: string } {
  if (field.kind === 'enum') {
    const e = enums.get(field.type);
    if (!e) return { error: `enum ${field.type} is not in the DMMF` };
    return [`enum(${e.values.map((v) => sqlString(v.dbName ?? v.name)).join(',')})`];
  }
  if (!field.nativeType) {
    const defaults: Record<string, string[]> = {
      String: ['varchar(191)'],
      Int: ['int'],
      BigInt: ['bigint'],
      Boolean: ['tinyint(1)'],
      DateTime: ['datetime(3)'],
      Float: ['double'],
      Decimal: ['decimal(65,30)'],
      Bytes: ['longblob'],
      Json: ['json', 'longtext'], // MariaDB's JSON is LONGTEXT with a json_valid() check
    };
    return defaults[field.type] ?? { error: `no MySQL type known for Prisma type ${field.type}` };
  }
  const [native, args] = field.nativeType;
  const withPrecision = (base: string) => (args[0] === undefined || args[0] === '0' ? [base] : [`${base}(${args[0]})`]);
  switch (native) {
    case 'VarChar':
    case 'Char':
    case 'Binary':
    case 'VarBinary':
    case 'Bit':
      return [`${native.toLowerCase()}(${args[0]})`];
    case 'Text':
    case 'TinyText':
    case 'MediumText':
    case 'LongText':
    case 'TinyBlob':
    case 'Blob':
    case 'MediumBlob':
    case 'LongBlob':
    case 'Int':
    case 'SmallInt':
    case 'TinyInt':
    case 'MediumInt':
    case 'BigInt':
    case 'Float':
    case 'Double':
    case 'Date':
    case 'Year':
      return [native.toLowerCase()];
    case 'UnsignedInt':
    case 'UnsignedSmallInt':
    case 'UnsignedTinyInt':
    case 'UnsignedMediumInt':
    case 'UnsignedBigInt':
      return [`${native.slice('Unsigned'.length).toLowerCase()} unsigned`];
    case 'Decimal':
      return [`decimal(${args[0] ?? 65},${args[1] ?? 30})`];
    case 'DateTime':
    case 'Timestamp':
    case 'Time':
      return withPrecision(native.toLowerCase());
    case 'Json':
      return ['json', 'longtext'];
    default:
      return { error: `no MySQL type known for @db.${native}(${args.join(', ')}); extend expectedColumnTypes` };
  }
}

/** MariaDB keeps display widths (`int(11)`, `bigint(20)`), MySQL 8 drops them except on tinyint(1). */
function normaliseColumnType(columnType: string): string {
  // Lower-case the keywords, not enum values: split on single-quoted literals.
  const t = columnType
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 ? part : part.toLowerCase().replace(/\s+/g, ' ')))
    .join('')
    .trim();
  if (/^tinyint\(1\)/.test(t)) return t;
  return t.replace(/^(tinyint|smallint|mediumint|int|bigint|year)\(\d+\)/, '$1');
}

/** The default Prisma renders for a field, as normalised text; null for none. */
function expectedDefault(field: Field, enums: Map<string, DatamodelEnum>): string | null {
  if (field.isUpdatedAt || field.default === undefined) return null;
  const d = field.default;
  if (Array.isArray(d)) return `unsupported list default ${JSON.stringify(d)}`;
  if (typeof d === 'object' && d !== null && 'name' in d) {
    switch (d.name) {
      case 'autoincrement':
      case 'uuid':
      case 'cuid':
      case 'nanoid':
      case 'ulid':
        return null; // auto_increment, or made by the client: no column default
      case 'now': {
        const precision = field.nativeType ? (field.nativeType[1][0] ?? '0') : '3';
        return precision === '0' ? 'current_timestamp()' : `current_timestamp(${precision})`;
      }
      case 'dbgenerated':
        return normaliseExpression(String(d.args[0] ?? ''));
      default:
        return `unsupported default function ${d.name}()`;
    }
  }
  if (typeof d === 'boolean') return d ? '1' : '0';
  if (field.kind === 'enum' && typeof d === 'string') {
    const value = enums.get(field.type)?.values.find((v) => v.name === d);
    return value?.dbName ?? d;
  }
  return String(d);
}

function normaliseExpression(expression: string): string {
  let e = expression.toLowerCase().replace(/\s+/g, '');
  while (/^\(.*\)$/.test(e)) e = e.slice(1, -1);
  return e.replace(/^current_timestamp$/, 'current_timestamp()');
}

/** COLUMN_DEFAULT as normalised text; null for none. */
function normaliseDefault(column: DbColumn): string | null {
  const raw = column.columnDefault;
  if (raw === null) return null;
  // MariaDB reports the implicit DEFAULT NULL of a nullable column as the string NULL.
  if (column.nullable && raw.toUpperCase() === 'NULL') return null;
  // MariaDB quotes literal defaults ('UTC', ''); MySQL 8 does not.
  const quoted = /^'(.*)'$/s.exec(raw);
  if (quoted) return quoted[1]!.replace(/''/g, "'").replace(/\\\\/g, '\\');
  if (/^current_timestamp\b/i.test(raw)) return normaliseExpression(raw);
  return raw;
}

function sameDefault(field: Field, expected: string | null, actual: string | null): boolean {
  if (expected === null || actual === null) return expected === actual;
  if ((field.type === 'Float' || field.type === 'Decimal') && field.kind === 'scalar') return Number(expected) === Number(actual);
  if (/^current_timestamp/.test(expected) || (typeof field.default === 'object' && field.default !== null && 'name' in field.default)) {
    return normaliseExpression(expected) === normaliseExpression(actual);
  }
  return expected === actual;
}

function normaliseExtra(extra: string): string {
  return extra.toLowerCase().replace(/default_generated/g, '').replace(/\s+/g, ' ').trim();
}

interface ExpectedIndex {
  name: string;
  kind: IndexKind;
  columns: string[];
}

/** Prisma's default constraint names: {table}_{columns}_key / _idx / _fkey, PRIMARY for the key. */
function defaultName(table: string, columns: string[], suffix: 'key' | 'idx' | 'fkey'): string {
  return `${table}_${columns.join('_')}_${suffix}`;
}

function expectedIndexes(datamodel: Datamodel, model: Model, diffs: string[]): ExpectedIndex[] {
  const table = tableOf(model);
  const fieldByName = new Map(model.fields.map((f) => [f.name, f]));
  const column = (name: string): string => {
    const f = fieldByName.get(name);
    if (!f) diffs.push(`${table}: an index names field ${name}, which model ${model.name} does not have`);
    return f ? columnOf(f) : name;
  };
  const result: ExpectedIndex[] = [];
  const indexes = datamodel.indexes as Datamodel['indexes'] | undefined;
  if (!indexes) {
    // Prisma versions without datamodel.indexes: @@index cannot be read, so say so.
    diffs.push('the DMMF has no datamodel.indexes: plain @@index declarations cannot be checked; update this test');
    const pk = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
    if (pk.length) result.push({ name: 'PRIMARY', kind: 'primary', columns: pk.map(column) });
    for (const f of model.fields.filter((f) => f.isUnique)) result.push({ name: defaultName(table, [columnOf(f)], 'key'), kind: 'unique', columns: [columnOf(f)] });
    for (const u of model.uniqueIndexes) {
      const cols = u.fields.map(column);
      result.push({ name: defaultName(table, cols, 'key'), kind: 'unique', columns: cols });
    }
    return result;
  }
  for (const index of indexes.filter((i) => i.model === model.name)) {
    const columns = index.fields.map((f) => columnSpec(column(f.name), f.length, f.sortOrder === 'desc'));
    const bare = index.fields.map((f) => column(f.name));
    const kind: IndexKind = index.type === 'id' ? 'primary' : index.type;
    const name = kind === 'primary' ? 'PRIMARY' : (index.dbName ?? defaultName(table, bare, kind === 'unique' ? 'key' : 'idx'));
    if (name.length > MAX_IDENTIFIER) diffs.push(`${table}: index name ${name} is longer than ${MAX_IDENTIFIER}; give it an explicit map: name`);
    result.push({ name, kind, columns });
  }
  return result;
}

interface ExpectedForeignKey {
  name: string;
  field: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

const REFERENTIAL_ACTIONS: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  NoAction: 'NO ACTION',
  SetNull: 'SET NULL',
  SetDefault: 'SET DEFAULT',
};

function expectedForeignKeys(datamodel: Datamodel, model: Model, diffs: string[]): ExpectedForeignKey[] {
  const table = tableOf(model);
  const result: ExpectedForeignKey[] = [];
  for (const relation of model.fields.filter((f) => f.kind === 'object' && f.relationFromFields?.length)) {
    const target = datamodel.models.find((m) => m.name === relation.type);
    if (!target) {
      diffs.push(`${table}.${relation.name}: relation to unknown model ${relation.type}`);
      continue;
    }
    const from = relation.relationFromFields!.map((name) => model.fields.find((f) => f.name === name));
    const to = (relation.relationToFields ?? []).map((name) => target.fields.find((f) => f.name === name));
    if (from.some((f) => !f) || to.some((f) => !f)) {
      diffs.push(`${table}.${relation.name}: relation names fields that do not exist`);
      continue;
    }
    const columns = from.map((f) => columnOf(f!));
    // Prisma's defaults: onDelete Restrict when the relation is required, SetNull when optional; onUpdate Cascade.
    const onDelete = relation.relationOnDelete ?? (from.every((f) => f!.isRequired) ? 'Restrict' : 'SetNull');
    const onUpdate = relation.relationOnUpdate ?? 'Cascade';
    const name = defaultName(table, columns, 'fkey');
    if (name.length > MAX_IDENTIFIER) diffs.push(`${table}: foreign key name ${name} is longer than ${MAX_IDENTIFIER}; give it an explicit map: name`);
    result.push({
      name,
      field: relation.name,
      columns,
      referencedTable: tableOf(target),
      referencedColumns: to.map((f) => columnOf(f!)),
      onDelete: REFERENTIAL_ACTIONS[onDelete] ?? `unknown action ${onDelete}`,
      onUpdate: REFERENTIAL_ACTIONS[onUpdate] ?? `unknown action ${onUpdate}`,
    });
  }
  return result;
}

const bareColumn = (spec: string): string => spec.replace(/\(\d+\)$|\(\d+\) DESC$| DESC$/, '');
const describeIndex = (i: { kind: IndexKind; columns: string[] }): string => `${i.kind} (${i.columns.join(', ')})`;

// ---------------------------------------------------------------------------
// The comparison: every difference between the schema and the database, as text

function compareSchema(datamodel: Datamodel, db: DbSnapshot): string[] {
  const diffs: string[] = [];
  const enums = new Map(datamodel.enums.map((e) => [e.name, e]));
  const expectedTables = new Set(datamodel.models.map(tableOf));

  for (const name of db.keys()) {
    if (!expectedTables.has(name) && !BOOKKEEPING_TABLES.has(name)) diffs.push(`table ${name}: in the database, not in schema.prisma`);
  }

  for (const model of datamodel.models) {
    const table = tableOf(model);
    const actual = db.get(table);
    if (!actual) {
      diffs.push(`table ${table} (model ${model.name}): in schema.prisma, not in the database`);
      continue;
    }
    if (actual.engine !== 'InnoDB') diffs.push(`${table}: engine ${actual.engine}, expected InnoDB (foreign keys need it)`);
    if (actual.collation !== TABLE_COLLATION) diffs.push(`${table}: collation ${actual.collation}, expected ${TABLE_COLLATION}`);

    // Columns
    const fields = model.fields.filter(isColumn);
    for (const f of model.fields.filter((f) => f.kind === 'unsupported')) diffs.push(`${table}.${columnOf(f)}: Unsupported field, not checked; extend this test`);
    const expectedColumns = new Set(fields.map(columnOf));
    for (const name of actual.columns.keys()) {
      if (!expectedColumns.has(name) && !model.fields.some((f) => f.kind === 'unsupported' && columnOf(f) === name)) {
        diffs.push(`${table}.${name}: column in the database, not in model ${model.name}`);
      }
    }
    for (const field of fields) {
      const name = columnOf(field);
      const column = actual.columns.get(name);
      if (!column) {
        diffs.push(`${table}.${name}: field ${model.name}.${field.name} has no column`);
        continue;
      }
      const where = `${table}.${name}`;
      if (column.nullable === field.isRequired) {
        diffs.push(`${where}: ${column.nullable ? 'NULL' : 'NOT NULL'} in the database, ${field.isRequired ? 'required' : 'optional'} in schema.prisma`);
      }
      const types = expectedColumnTypes(field, enums);
      const type = normaliseColumnType(column.columnType);
      if (!Array.isArray(types)) diffs.push(`${where}: ${types.error}`);
      else if (!types.includes(type)) diffs.push(`${where}: type ${type} in the database, ${types.join(' or ')} from schema.prisma`);

      const wantDefault = expectedDefault(field, enums);
      const haveDefault = normaliseDefault(column);
      if (!sameDefault(field, wantDefault, haveDefault)) {
        diffs.push(`${where}: default ${haveDefault === null ? 'none' : JSON.stringify(haveDefault)} in the database, ${wantDefault === null ? 'none' : JSON.stringify(wantDefault)} from schema.prisma`);
      }
      const autoincrement = typeof field.default === 'object' && field.default !== null && 'name' in field.default && field.default.name === 'autoincrement';
      const extra = normaliseExtra(column.extra);
      const wantExtra = autoincrement ? 'auto_increment' : '';
      if (extra !== wantExtra) diffs.push(`${where}: EXTRA ${JSON.stringify(extra)} in the database, ${JSON.stringify(wantExtra)} from schema.prisma`);
      if (column.charset !== null && (column.charset !== 'utf8mb4' || column.collation !== TABLE_COLLATION)) {
        diffs.push(`${where}: ${column.charset}/${column.collation}, expected utf8mb4/${TABLE_COLLATION}`);
      }
    }

    // Indexes, matched by kind and ordered columns; then by name
    const wantIndexes = expectedIndexes(datamodel, model, diffs);
    const wantKeys = expectedForeignKeys(datamodel, model, diffs);
    const unmatched = [...actual.indexes];
    for (const want of wantIndexes) {
      const i = unmatched.findIndex((have) => describeIndex(have) === describeIndex(want));
      if (i < 0) {
        diffs.push(`${table}: index ${want.name} ${describeIndex(want)} is in schema.prisma, not in the database`);
        continue;
      }
      const [have] = unmatched.splice(i, 1);
      if (have!.name !== want.name) diffs.push(`${table}: index ${describeIndex(want)} is named ${have!.name}, Prisma names it ${want.name}`);
    }
    for (const extra of unmatched) {
      const fk = actual.foreignKeys.find((k) => k.name === extra.name || k.columns.join() === extra.columns.map(bareColumn).join());
      diffs.push(
        `${table}: index ${extra.name} ${describeIndex(extra)} is in the database, not in schema.prisma` +
          (fk ? ` (looks like the index InnoDB makes by itself for foreign key ${fk.name}; declare an @@index covering it)` : ''),
      );
    }
    // Every foreign key must be covered by a declared index (its columns a leftmost
    // prefix), or InnoDB silently adds one that schema.prisma does not know about.
    for (const fk of wantKeys) {
      const covered = wantIndexes.some((idx) => fk.columns.every((c, n) => idx.columns[n] !== undefined && bareColumn(idx.columns[n]!) === c));
      if (!covered) diffs.push(`${table}: foreign key ${fk.name} (${fk.columns.join(', ')}) has no declared index starting with its columns`);
    }

    // Foreign keys, matched by columns and target
    const signature = (k: { columns: string[]; referencedTable: string; referencedColumns: string[] }) =>
      `(${k.columns.join(', ')}) -> ${k.referencedTable}(${k.referencedColumns.join(', ')})`;
    const unmatchedKeys = [...actual.foreignKeys];
    for (const want of wantKeys) {
      const i = unmatchedKeys.findIndex((have) => signature(have) === signature(want));
      if (i < 0) {
        diffs.push(`${table}: foreign key ${signature(want)} for relation ${model.name}.${want.field} is not in the database`);
        continue;
      }
      const [have] = unmatchedKeys.splice(i, 1);
      if (have!.name !== want.name) diffs.push(`${table}: foreign key ${signature(want)} is named ${have!.name}, Prisma names it ${want.name}`);
      if (have!.onDelete !== want.onDelete) diffs.push(`${table}: foreign key ${want.name} ON DELETE ${have!.onDelete} in the database, ${want.onDelete} from schema.prisma`);
      if (have!.onUpdate !== want.onUpdate) diffs.push(`${table}: foreign key ${want.name} ON UPDATE ${have!.onUpdate} in the database, ${want.onUpdate} from schema.prisma`);
    }
    for (const extra of unmatchedKeys) diffs.push(`${table}: foreign key ${extra.name} ${signature(extra)} is in the database, not in schema.prisma`);
  }
  return diffs;
}

// ---------------------------------------------------------------------------

const datamodel = loadDatamodel();
// At top level, not in before(): freshDatabase registers its cleanup with
// after(), which inside a before() hook would run as soon as the hook ends.
const db: TestDatabase = await freshDatabase('drift');
const snapshot = await readSnapshot(async (sql, params) => (await db.store.pool.query<RowDataPacket[]>(sql, params))[0], db.name);

describe('schema.prisma and the migrations', () => {
  it('the DMMF describes the models and indexes this test relies on', () => {
    assert.ok(Array.isArray(datamodel.indexes), 'this Prisma version has datamodel.indexes');
    // The models the altered-schema cases below reach for; later sections (CalDAV, SMTP) add more.
    const names = datamodel.models.map((m) => m.name);
    for (const name of ['StoreEpoch', 'User', 'Collection', 'CollectionMember', 'Item', 'Change', 'SubmissionAddress', 'AuditEntry']) {
      assert.ok(names.includes(name), `model ${name} in schema.prisma`);
    }
  });

  it('the migrated database matches schema.prisma exactly', () => {
    assert.deepEqual(compareSchema(datamodel, snapshot), []);
  });

  it('MariaDB made no indexes of its own for the foreign keys (every key is covered by a declared index)', () => {
    // Counted directly, not through compareSchema: one index per DMMF index, nothing else.
    for (const model of datamodel.models) {
      const table = snapshot.get(tableOf(model))!;
      const declared = datamodel.indexes.filter((i) => i.model === model.name).length;
      assert.equal(table.indexes.length, declared, `${table.name}: ${table.indexes.map((i) => i.name).join(', ')}`);
      assert.ok(table.foreignKeys.every((k) => !table.indexes.some((i) => i.name === k.name)), `${table.name}: an index is named after a foreign key`);
    }
  });
});

describe('the comparison notices drift', () => {
  const mapModel = (dm: Datamodel, name: string, change: (m: Model) => Model): Datamodel => ({
    ...dm,
    models: dm.models.map((m) => (m.name === name ? change(m) : m)),
  });
  const mapField = (dm: Datamodel, model: string, field: string, change: (f: Field) => Field): Datamodel =>
    mapModel(dm, model, (m) => {
      assert.ok(m.fields.some((f) => f.name === field), `${model}.${field} exists`);
      return { ...m, fields: m.fields.map((f) => (f.name === field ? change(f) : f)) };
    });
  const withoutIndex = (dm: Datamodel, model: string, fields: string[]): Datamodel => {
    const indexes = dm.indexes.filter((i) => !(i.model === model && i.fields.map((f) => f.name).join() === fields.join()));
    assert.equal(indexes.length, dm.indexes.length - 1, `${model} has an index on ${fields.join()}`);
    return { ...dm, indexes };
  };

  const cases: { name: string; alter: (dm: Datamodel) => Datamodel; expect: RegExp }[] = [
    {
      name: 'a changed native type',
      alter: (dm) => mapField(dm, 'User', 'email', (f) => ({ ...f, nativeType: ['VarChar', ['255']] })),
      expect: /^users\.email: type varchar\(254\) in the database, varchar\(255\) from schema\.prisma$/,
    },
    {
      name: 'the default String type (no @db attribute)',
      alter: (dm) => mapField(dm, 'Item', 'etag', (f) => ({ ...f, nativeType: null })),
      expect: /^items\.etag: type varchar\(64\) in the database, varchar\(191\) from schema\.prisma$/,
    },
    {
      name: 'a model with no table',
      alter: (dm) => ({ ...dm, models: [...dm.models, { ...dm.models[0]!, name: 'Ghost', dbName: 'ghosts' }] }),
      expect: /^table ghosts \(model Ghost\): in schema\.prisma, not in the database$/,
    },
    {
      name: 'a table with no model',
      alter: (dm) => ({ ...dm, models: dm.models.filter((m) => m.name !== 'AuditEntry'), indexes: dm.indexes.filter((i) => i.model !== 'AuditEntry') }),
      expect: /^table audit_log: in the database, not in schema\.prisma$/,
    },
    {
      name: 'a column with no field',
      alter: (dm) => mapModel(dm, 'User', (m) => ({ ...m, fields: m.fields.filter((f) => f.name !== 'timeZone') })),
      expect: /^users\.timeZone: column in the database, not in model User$/,
    },
    {
      name: 'a field with no column',
      alter: (dm) => mapModel(dm, 'User', (m) => ({ ...m, fields: [...m.fields, { ...m.fields.find((f) => f.name === 'timeZone')!, name: 'locale' }] })),
      expect: /^users\.locale: field User\.locale has no column$/,
    },
    {
      name: 'nullability',
      alter: (dm) => mapField(dm, 'Collection', 'color', (f) => ({ ...f, isRequired: true })),
      expect: /^collections\.color: NULL in the database, required in schema\.prisma$/,
    },
    {
      name: 'a literal default',
      alter: (dm) => mapField(dm, 'User', 'timeZone', (f) => ({ ...f, default: 'Europe/Berlin' })),
      expect: /^users\.timeZone: default "UTC" in the database, "Europe\/Berlin" from schema\.prisma$/,
    },
    {
      name: 'a missing default',
      alter: (dm) => mapField(dm, 'Item', 'version', (f) => ({ ...f, hasDefaultValue: false, default: undefined })),
      expect: /^items\.version: default "1" in the database, none from schema\.prisma$/,
    },
    {
      name: 'a boolean default',
      alter: (dm) => mapField(dm, 'SubmissionAddress', 'enabled', (f) => ({ ...f, default: false })),
      expect: /^submission_addresses\.enabled: default "1" in the database, "0" from schema\.prisma$/,
    },
    {
      name: 'now() at another precision',
      alter: (dm) => mapField(dm, 'AuditEntry', 'at', (f) => ({ ...f, nativeType: ['DateTime', ['6']] })),
      expect: /^audit_log\.at: default "current_timestamp\(3\)" in the database, "current_timestamp\(6\)" from schema\.prisma$/,
    },
    {
      name: 'autoincrement',
      alter: (dm) => mapField(dm, 'User', 'id', (f) => ({ ...f, hasDefaultValue: false, default: undefined })),
      expect: /^users\.id: EXTRA "auto_increment" in the database, "" from schema\.prisma$/,
    },
    {
      name: 'enum values in another order',
      alter: (dm) => ({ ...dm, enums: dm.enums.map((e) => (e.name === 'MemberRole' ? { ...e, values: [...e.values].reverse() } : e)) }),
      expect: /^collection_members\.role: type enum\('owner','editor','viewer'\) in the database, enum\('viewer','editor','owner'\) from schema\.prisma$/,
    },
    {
      name: 'an index not declared',
      alter: (dm) => withoutIndex(dm, 'Item', ['collectionId', 'summary']),
      expect: /^items: index items_collectionId_summary_idx normal \(collectionId, summary\) is in the database, not in schema\.prisma$/,
    },
    {
      name: 'a declared index missing',
      alter: (dm) => ({ ...dm, indexes: [...dm.indexes, { model: 'User', type: 'normal', isDefinedOnField: false, fields: [{ name: 'displayName' }] }] }),
      expect: /^users: index users_displayName_idx normal \(displayName\) is in schema\.prisma, not in the database$/,
    },
    {
      name: 'an index that is unique in the schema only',
      alter: (dm) => ({
        ...dm,
        indexes: dm.indexes.map((i) => (i.model === 'Change' && i.type === 'normal' ? { ...i, type: 'unique' as const } : i)),
      }),
      expect: /^changes: index changes_collectionId_resourceName_key unique \(collectionId, resourceName\) is in schema\.prisma, not in the database$/,
    },
    {
      name: 'an index column order',
      alter: (dm) => ({
        ...dm,
        indexes: dm.indexes.map((i) => (i.model === 'AuditEntry' && i.fields.length === 2 ? { ...i, fields: [...i.fields].reverse() } : i)),
      }),
      expect: /^audit_log: index audit_log_at_actorUserId_idx normal \(at, actorUserId\) is in schema\.prisma, not in the database$/,
    },
    {
      name: 'a foreign key with no covering index',
      alter: (dm) => withoutIndex(dm, 'SubmissionAddress', ['userId']),
      expect: /^submission_addresses: foreign key submission_addresses_userId_fkey \(userId\) has no declared index starting with its columns$/,
    },
    {
      name: 'an index that backs a foreign key but is not declared',
      alter: (dm) => withoutIndex(dm, 'SubmissionAddress', ['userId']),
      expect: /index submission_addresses_userId_idx normal \(userId\) is in the database, not in schema\.prisma \(looks like the index InnoDB makes/,
    },
    {
      name: 'a referential action',
      alter: (dm) => mapField(dm, 'Collection', 'owner', (f) => ({ ...f, relationOnDelete: 'Restrict' })),
      expect: /^collections: foreign key collections_ownerId_fkey ON DELETE CASCADE in the database, RESTRICT from schema\.prisma$/,
    },
    {
      name: "Prisma's default onDelete for a required relation (Restrict)",
      alter: (dm) => mapField(dm, 'Item', 'collection', (f) => ({ ...f, relationOnDelete: undefined })),
      expect: /^items: foreign key items_collectionId_fkey ON DELETE CASCADE in the database, RESTRICT from schema\.prisma$/,
    },
    {
      name: "Prisma's default onDelete for an optional relation (SetNull)",
      alter: (dm) => mapField(dm, 'SubmissionAddress', 'collection', (f) => ({ ...f, relationOnDelete: undefined })),
      expect: /^submission_addresses: foreign key submission_addresses_collectionId_fkey ON DELETE CASCADE in the database, SET NULL from schema\.prisma$/,
    },
    {
      name: 'a relation with no foreign key',
      alter: (dm) =>
        mapModel(dm, 'AuditEntry', (m) => ({
          ...m,
          fields: [
            ...m.fields,
            { ...dm.models.find((x) => x.name === 'Change')!.fields.find((f) => f.name === 'collection')!, name: 'actor', type: 'User', relationFromFields: ['actorUserId'] },
          ],
        })),
      expect: /^audit_log: foreign key \(actorUserId\) -> users\(id\) for relation AuditEntry\.actor is not in the database$/,
    },
    {
      name: 'a type Prisma maps in a way this test does not know',
      alter: (dm) => mapField(dm, 'Item', 'icalendar', (f) => ({ ...f, nativeType: ['Geometry', []] })),
      expect: /^items\.icalendar: no MySQL type known for @db\.Geometry/,
    },
  ];
  for (const c of cases) {
    it(`reports ${c.name}`, () => {
      const diffs = compareSchema(c.alter(datamodel), snapshot);
      assert.ok(diffs.some((d) => c.expect.test(d)), `expected a difference matching ${c.expect}, got:\n${diffs.join('\n')}`);
    });
  }

  it('reports changes made to a real database', async () => {
    const other = await freshDatabase('drift_alt');
    await other.store.pool.query(
      "ALTER TABLE `users` MODIFY `timeZone` VARCHAR(65) NOT NULL DEFAULT 'UTC', ADD INDEX `users_displayName_idx` (`displayName`), DROP INDEX `users_email_key`",
    );
    await other.store.pool.query('ALTER TABLE `items` DROP FOREIGN KEY `items_collectionId_fkey`');
    await other.store.pool.query('ALTER TABLE `changes` MODIFY `actorUserId` BIGINT NOT NULL');
    await other.store.pool.query('CREATE TABLE `stray` (`id` INT PRIMARY KEY)');
    const altered = await readSnapshot(async (sql, params) => (await other.store.pool.query<RowDataPacket[]>(sql, params))[0], other.name);
    assert.deepEqual(compareSchema(datamodel, altered).sort(), [
      'changes.actorUserId: NOT NULL in the database, optional in schema.prisma',
      'items: foreign key (collectionId) -> collections(id) for relation Item.collection is not in the database',
      'table stray: in the database, not in schema.prisma',
      'users.timeZone: type varchar(65) in the database, varchar(64) from schema.prisma',
      'users: index users_displayName_idx normal (displayName) is in the database, not in schema.prisma',
      'users: index users_email_key unique (email) is in schema.prisma, not in the database',
    ]);
  });
});

// ---------------------------------------------------------------------------
// Round trip through the generated client

interface Delegate {
  create(args: { data: Record<string, unknown> }): Promise<Record<string, unknown>>;
  findUniqueOrThrow(args: { where: Record<string, unknown> }): Promise<Record<string, unknown>>;
}

const T = (iso: string) => new Date(iso);
const USER_ID = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a JS number
const COLLECTION_ID = 9_007_199_254_740_995n;
const BIG_ICALENDAR = `BEGIN:VCALENDAR\r\n${'X-FILL:0123456789abcdef\r\n'.repeat(3000)}END:VCALENDAR\r\n`; // > 64 KiB: needs MEDIUMTEXT

/** A row of every model with every column set, none to its default. */
const fullRows: Record<string, Record<string, unknown>> = {
  StoreEpoch: { id: 7, epoch: '0123456789abcdef0123456789abcdef', createdAt: T('2001-02-03T04:05:06.789Z') },
  User: {
    id: USER_ID,
    email: 'round.trip@example.org',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    displayName: 'Zoë Łukasz 🗓️',
    isAdmin: true,
    disabledAt: T('2002-03-04T05:06:07.008Z'),
    timeZone: 'Europe/Berlin',
    quotaBytes: 5_000_000_000_000n,
    usedBytes: 123_456_789_012n,
    credentialsGeneration: 2_000_000_001,
    createdAt: T('2003-04-05T06:07:08.009Z'),
    updatedAt: T('2004-05-06T07:08:09.010Z'),
  },
  Collection: {
    id: COLLECTION_ID,
    ownerId: USER_ID,
    slug: 'work-🗂',
    name: 'Work — shared',
    description: "It's a \"quoted\" description\nwith a newline",
    color: '#a1b2c3ff',
    timeZone: 'America/New_York',
    components: 'VEVENT',
    changePosition: 4_294_967_297n,
    createdAt: T('2005-06-07T08:09:10.011Z'),
    updatedAt: T('2006-07-08T09:10:11.012Z'),
  },
  CollectionMember: { collectionId: COLLECTION_ID, userId: USER_ID, role: 'editor', joinedAtPosition: 9007199254740993n, createdAt: T('2007-08-09T10:11:12.013Z') },
  Item: {
    id: 9_007_199_254_740_997n,
    collectionId: COLLECTION_ID,
    uid: 'uid-1@example.org',
    resourceName: 'uid-1.ics',
    kind: 'VTODO',
    icalendar: BIG_ICALENDAR,
    summary: 'Sümmary ✓',
    startUtc: T('2026-12-01T09:00:00.001Z'),
    endUtc: T('2026-12-01T10:30:00.999Z'),
    isRecurring: true,
    etag: '"0123456789abcdef"',
    version: 2_147_483_647,
    sizeBytes: BIG_ICALENDAR.length,
    origin: 'email',
    createdAt: T('2008-09-10T11:12:13.014Z'),
    updatedAt: T('2009-10-11T12:13:14.015Z'),
  },
  Change: {
    id: 9_007_199_254_740_999n,
    collectionId: COLLECTION_ID,
    position: 4_294_967_298n,
    operation: 'delete',
    uid: 'uid-1@example.org',
    resourceName: 'uid-1.ics',
    changedFields: 'summary,start',
    actorUserId: USER_ID,
    origin: 'caldav',
    createdAt: T('2010-11-12T13:14:15.016Z'),
  },
  SubmissionAddress: {
    id: 9_007_199_254_741_001n,
    localPart: 'team',
    domain: 'calendars.example.org',
    kind: 'support',
    collectionId: COLLECTION_ID,
    userId: USER_ID,
    policy: 'allowlist',
    allowlist: 'a@example.org\n@example.com',
    itemMode: 'task',
    enabled: false,
    confirmations: true,
    createdAt: T('2011-12-13T14:15:16.017Z'),
    lastUsedAt: T('2012-01-02T03:04:05.018Z'),
    useCount: -12,
  },
  AuditEntry: {
    id: 9_007_199_254_741_003n,
    at: T('1999-12-31T23:59:59.999Z'),
    actorUserId: USER_ID,
    channel: 'cli',
    action: 'user.create',
    targetType: 'user',
    targetId: '9007199254740993',
    detail: 'détail',
  },
  AppPassword: {
    id: 9_007_199_254_741_005n,
    userId: USER_ID,
    label: 'Thunderbird — Laptop',
    prefix: 'abcdEFGH1234',
    hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    createdAt: T('2013-02-03T04:05:06.019Z'),
    lastUsedAt: T('2014-03-04T05:06:07.020Z'),
  },
  DeadProperty: {
    userId: USER_ID,
    resource: 'collection:9007199254740995',
    namespace: 'http://apple.com/ns/ical/',
    name: 'calendar-order',
    value: '<calendar-order xmlns="http://apple.com/ns/ical/">3</calendar-order>',
    updatedAt: T('2015-04-05T06:07:08.021Z'),
  },
  Feed: {
    id: 9_007_199_254_741_007n,
    collectionId: COLLECTION_ID,
    tokenHash: 'f'.repeat(64),
    createdAt: T('2016-05-06T07:08:09.022Z'),
  },
  RateLimit: { key: 'dav:9007199254740993', points: 2_000_000_003, expire: 18_446_744_073_709_551_615n },
  InboundMessage: {
    id: 9_007_199_254_741_009n,
    userId: USER_ID,
    addressId: 9_007_199_254_741_001n,
    collectionId: COLLECTION_ID,
    dedupeKey: 'a'.repeat(64),
    messageId: '<CAF=ü@mail.example.com>',
    mailFrom: 'bounce+x@example.net',
    rcptTo: 'team@calendars.example.org',
    remoteAddress: '2001:db8::1',
    headerFrom: 'Zoë <zoe@example.net>',
    subject: 'Réunion 🗓️',
    sizeBytes: 2_000_000_005,
    outcome: 'quarantined',
    reply: '250 2.6.0 quarantined',
    spamScore: -1.25,
    trace: '{"routing":"ok"}',
    receivedAt: T('2017-06-07T08:09:10.023Z'),
  },
  QuarantinedMessage: {
    inboundMessageId: 9_007_199_254_741_009n,
    userId: USER_ID,
    spamScore: 7.5,
    spamSymbols: 'BAYES_99,HTML_MESSAGE',
    raw: new TextEncoder().encode('\0Subject: ü\r\n\r\n.\r\n'),
    createdAt: T('2018-07-08T09:10:11.024Z'),
  },
  AlertSubscription: { collectionId: COLLECTION_ID, userId: USER_ID, mode: 'digest', updatedAt: T('2019-01-02T03:04:05.101Z') },
  AlertPreference: { userId: USER_ID, digestTime: '18:30', updatedAt: T('2019-01-02T03:04:05.102Z') },
  CollectionAlertState: {
    collectionId: COLLECTION_ID,
    alertedPosition: 9_007_199_254_740_997n,
    lastBatchAt: T('2019-02-03T04:05:06.103Z'),
    budgetWindowStart: T('2019-02-03T04:05:06.104Z'),
    budgetWindowChanges: 2_000_000_007,
    frozenAt: T('2019-02-03T04:05:06.105Z'),
    frozenReason: 'spike: 812 changes in an hour — budget 300',
    defaultReminderMinutes: -30,
    updatedAt: T('2019-02-03T04:05:06.106Z'),
  },
  AlertItemSnapshot: {
    collectionId: COLLECTION_ID,
    uid: 'snapshot-uid@example.org',
    summary: 'Réunion 🗓️',
    startUtc: T('2019-03-04T05:06:07.107Z'),
    location: 'Salle 3',
    deletedAt: T('2019-03-04T05:06:07.108Z'),
    updatedAt: T('2019-03-04T05:06:07.109Z'),
  },
  OutboxMessage: {
    id: 9_007_199_254_741_011n,
    kind: 'alert',
    recipient: 'zoë@example.org',
    userId: USER_ID,
    collectionId: COLLECTION_ID,
    messageId: 'alert.abc@tidings.example.org',
    verpToken: 'v'.repeat(32),
    payload: JSON.stringify({ subject: 'x'.repeat(70_000) }),
    state: 'dead',
    attempts: 2_000_000_009,
    nextAttemptAt: T('2019-04-05T06:07:08.110Z'),
    leaseUntil: T('2019-04-05T06:07:08.111Z'),
    claimedBy: 'host-1:4242',
    lastError: '550 5.1.1 no such user',
    createdAt: T('2019-04-05T06:07:08.112Z'),
    sentAt: T('2019-04-05T06:07:08.113Z'),
  },
  MailBounce: {
    email: 'gone@example.org',
    hardBounces: 2_000_000_011,
    softBounces: 2_000_000_013,
    lastStatus: '5.1.1',
    lastDiagnostic: 'smtp; 550 5.1.1 user unknown',
    lastBouncedAt: T('2019-05-06T07:08:09.114Z'),
    suspendedAt: T('2019-05-06T07:08:09.115Z'),
    suspendedReason: '3 hard bounces; last 5.1.1',
  },
  DigestDelivery: { userId: USER_ID, collectionId: COLLECTION_ID, localDate: '2019-06-07', sent: true, createdAt: T('2019-06-07T08:09:10.116Z') },
  ReminderDelivery: {
    collectionId: COLLECTION_ID,
    uid: 'reminder-uid@example.org',
    occurrence: T('2019-07-08T09:10:11.117Z'),
    alarmKey: 'a'.repeat(64),
    userId: USER_ID,
    createdAt: T('2019-07-08T09:10:11.118Z'),
  },
  JobQuarantine: {
    job: 'reminders',
    collectionId: COLLECTION_ID,
    uid: 'quarantined-uid@example.org',
    contentHash: 'c'.repeat(64),
    reason: 'r'.repeat(1000),
    elapsedMs: 2_000_000_017,
    createdAt: T('2019-07-08T09:10:11.119Z'),
  },
  Webhook: {
    id: 9_007_199_254_741_013n,
    userId: USER_ID,
    collectionId: COLLECTION_ID,
    url: 'https://hooks.example.org/tidings?x=' + 'y'.repeat(1900),
    secret: 's'.repeat(64),
    createdAt: T('2019-08-09T10:11:12.119Z'),
    lastSuccessAt: T('2019-08-09T10:11:12.120Z'),
  },
  WebhookDelivery: {
    id: 9_007_199_254_741_015n,
    webhookId: 9_007_199_254_741_013n,
    payload: '{"changes":[]}',
    state: 'sent',
    attempts: 2_000_000_015,
    nextAttemptAt: T('2019-09-10T11:12:13.121Z'),
    leaseUntil: T('2019-09-10T11:12:13.122Z'),
    claimedBy: 'host-2:4343',
    lastError: 'HTTP 503',
    createdAt: T('2019-09-10T11:12:13.123Z'),
    deliveredAt: T('2019-09-10T11:12:13.124Z'),
  },
  ServiceSecret: { name: 'unsubscribe', secret: 'k'.repeat(128), createdAt: T('2019-10-11T12:13:14.125Z') },
};

/**
 * A second row of every model: every optional column null, every column with a
 * default (and @updatedAt) left out. Given the rows made so far (this pass), in model order.
 */
const sparseRows: Record<string, (made: Record<string, Record<string, unknown>>) => Record<string, unknown>> = {
  StoreEpoch: () => ({ id: 8, epoch: 'fedcba9876543210fedcba9876543210' }),
  User: () => ({ email: 'sparse@example.org', passwordHash: 'x', disabledAt: null }),
  Collection: (made) => ({ ownerId: made.User!.id, slug: 'sparse', name: 'Sparse', color: null }),
  CollectionMember: (made) => ({ collectionId: COLLECTION_ID, userId: made.User!.id, role: 'viewer' }),
  Item: (made) => ({
    collectionId: made.Collection!.id,
    uid: 'uid-2',
    resourceName: 'uid-2.ics',
    kind: 'VJOURNAL',
    icalendar: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n',
    startUtc: null,
    endUtc: null,
    etag: 'e',
    sizeBytes: 0,
    origin: 'api',
  }),
  Change: (made) => ({ collectionId: made.Collection!.id, position: 1n, operation: 'put', uid: 'uid-2', resourceName: 'uid-2.ics', actorUserId: null, origin: 'web' }),
  SubmissionAddress: () => ({ localPart: 'sparse', domain: 'example.org', kind: 'bounce', collectionId: null, userId: null, lastUsedAt: null }),
  AuditEntry: () => ({ actorUserId: null, channel: 'system', action: 'noop', targetType: 'none', targetId: '' }),
  AppPassword: (made) => ({ userId: made.User!.id, label: 'phone', prefix: 'p1', hash: 'h', lastUsedAt: null }),
  DeadProperty: (made) => ({ userId: made.User!.id, resource: 'home', namespace: 'DAV:', name: 'x', value: '' }),
  Feed: (made) => ({ collectionId: made.Collection!.id, tokenHash: '0'.repeat(64) }),
  RateLimit: () => ({ key: 'login:ip:127.0.0.1', expire: null }),
  InboundMessage: (made) => ({
    userId: made.User!.id,
    addressId: made.SubmissionAddress!.id,
    collectionId: null,
    dedupeKey: null,
    messageId: '',
    mailFrom: '',
    rcptTo: 'x@example.org',
    remoteAddress: '127.0.0.1',
    headerFrom: '',
    subject: '',
    sizeBytes: 0,
    outcome: 'rejected',
    reply: '550 5.7.1 no',
    spamScore: null,
    trace: '{}',
  }),
  QuarantinedMessage: (made) => ({ inboundMessageId: made.InboundMessage!.id, userId: made.User!.id, spamScore: 5, spamSymbols: '', raw: new Uint8Array() }),
  AlertSubscription: (made) => ({ collectionId: made.Collection!.id, userId: made.User!.id, mode: 'off' }),
  AlertPreference: (made) => ({ userId: made.User!.id }),
  CollectionAlertState: (made) => ({ collectionId: made.Collection!.id, lastBatchAt: null, budgetWindowStart: null, frozenAt: null, defaultReminderMinutes: null }),
  AlertItemSnapshot: (made) => ({ collectionId: made.Collection!.id, uid: 'u', startUtc: null, deletedAt: null }),
  OutboxMessage: () => ({
    kind: 'notice',
    recipient: 'a@example.org',
    userId: null,
    collectionId: null,
    messageId: 'm@x',
    verpToken: 't',
    payload: '{}',
    nextAttemptAt: new Date(),
    leaseUntil: null,
    claimedBy: null,
    sentAt: null,
  }),
  MailBounce: () => ({ email: 'b@example.org', lastBouncedAt: null, suspendedAt: null }),
  DigestDelivery: (made) => ({ userId: made.User!.id, collectionId: made.Collection!.id, localDate: '2026-01-01', sent: false }),
  ReminderDelivery: (made) => ({ collectionId: made.Collection!.id, uid: 'u', occurrence: new Date(), alarmKey: 'default', userId: made.User!.id }),
  JobQuarantine: (made) => ({ job: 'j', collectionId: made.Collection!.id, uid: 'u', contentHash: '0'.repeat(64), reason: 'r', elapsedMs: 1 }),
  Webhook: (made) => ({ userId: made.User!.id, collectionId: made.Collection!.id, url: 'https://example.org/', secret: 's', lastSuccessAt: null }),
  WebhookDelivery: (made) => ({ webhookId: made.Webhook!.id, payload: '{}', nextAttemptAt: new Date(), leaseUntil: null, claimedBy: null, deliveredAt: null }),
  ServiceSecret: () => ({ name: 'n', secret: 's' }),
};

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const delegateOf = (model: Model): Delegate => (db.store.db as unknown as Record<string, Delegate>)[lowerFirst(model.name)]!;
const columnsOf = (model: Model) => model.fields.filter(isColumn);

function primaryKeyWhere(model: Model, row: Record<string, unknown>): Record<string, unknown> {
  const fields = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
  if (fields.length === 1) return { [fields[0]!]: row[fields[0]!] };
  return { [model.primaryKey?.name ?? fields.join('_')]: Object.fromEntries(fields.map((f) => [f, row[f]])) };
}

/** The value a DMMF literal default reads back as through the client. */
function defaultValue(field: Field): unknown {
  const d = field.default;
  if (field.type === 'BigInt') return BigInt(String(d));
  if (field.type === 'Int' || field.type === 'Float') return Number(d);
  return d;
}

const isFunctionDefault = (f: Field, name?: string) =>
  typeof f.default === 'object' && f.default !== null && 'name' in f.default && (name === undefined || f.default.name === name);

/** The text MariaDB gives for CAST(column AS CHAR) of a client value. */
function asSqlText(value: unknown): string | null {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return String(value);
}

/** Reads a row with plain SQL, every column as text, to see what Prisma actually stored. */
async function rawRow(model: Model, row: Record<string, unknown>): Promise<Record<string, string | null>> {
  const pk = model.primaryKey?.fields ?? model.fields.filter((f) => f.isId).map((f) => f.name);
  const byName = new Map(model.fields.map((f) => [f.name, f]));
  const select = columnsOf(model)
    .map((f) => `CAST(\`${columnOf(f)}\` AS CHAR) AS \`${f.name}\``)
    .join(', ');
  const where = pk.map((f) => `\`${columnOf(byName.get(f)!)}\` = ?`).join(' AND ');
  const [rows] = await db.store.pool.query<RowDataPacket[]>(`SELECT ${select} FROM \`${tableOf(model)}\` WHERE ${where}`, pk.map((f) => asSqlText(row[f])));
  assert.equal(rows.length, 1, `${model.name}: one row for ${JSON.stringify(pk.map((f) => asSqlText(row[f])))}`);
  return { ...rows[0] } as Record<string, string | null>;
}

describe('every model round-trips through the Prisma client', () => {
  it('has sample rows that cover every model and every column, none at its default', () => {
    assert.deepEqual(Object.keys(fullRows).sort(), datamodel.models.map((m) => m.name).sort());
    assert.deepEqual(Object.keys(sparseRows).sort(), datamodel.models.map((m) => m.name).sort());
    for (const model of datamodel.models) {
      const row = fullRows[model.name]!;
      assert.deepEqual(Object.keys(row).sort(), columnsOf(model).map((f) => f.name).sort(), `${model.name}: every column set`);
      for (const f of columnsOf(model)) {
        const value = row[f.name];
        assert.notEqual(value, null, `${model.name}.${f.name} is set`);
        if (f.hasDefaultValue && !isFunctionDefault(f)) assert.notEqual(String(value), String(f.default), `${model.name}.${f.name} is not its default`);
        if (isFunctionDefault(f, 'now')) assert.ok(value instanceof Date && Math.abs(value.getTime() - Date.now()) > 86_400_000, `${model.name}.${f.name} is not now`);
      }
    }
  });

  it('writes a row of every model with every column set and reads back exactly the same values', async () => {
    for (const model of datamodel.models) {
      const data = fullRows[model.name]!;
      await delegateOf(model).create({ data });
      const read = await delegateOf(model).findUniqueOrThrow({ where: primaryKeyWhere(model, data) });
      assert.deepEqual(read, data, `${model.name} read back through Prisma`);
      // What is in the table itself: DateTimes stored in UTC with their milliseconds, BigInts whole.
      const raw = await rawRow(model, data);
      assert.deepEqual(raw, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, asSqlText(v)])), `${model.name} as stored`);
    }
  });

  it('writes a second row of every model with optional columns null and defaults omitted', async () => {
    const made: Record<string, Record<string, unknown>> = {};
    const started = Date.now() - 60_000;
    for (const model of datamodel.models) {
      const data = sparseRows[model.name]!(made);
      for (const f of columnsOf(model)) {
        if (!f.isRequired) assert.equal(data[f.name], null, `${model.name}.${f.name}: optional, so the sparse row sets it null`);
        else if (f.hasDefaultValue || f.isUpdatedAt) assert.ok(!(f.name in data), `${model.name}.${f.name}: has a default, so the sparse row leaves it out`);
        else assert.ok(f.name in data, `${model.name}.${f.name}: required without a default`);
      }
      const created = await delegateOf(model).create({ data });
      made[model.name] = created;
      const read = await delegateOf(model).findUniqueOrThrow({ where: primaryKeyWhere(model, created) });
      for (const f of columnsOf(model)) {
        const value = read[f.name];
        const where = `${model.name}.${f.name}`;
        if (f.name in data) assert.deepEqual(value, data[f.name], where);
        else if (isFunctionDefault(f, 'autoincrement')) assert.ok(typeof value === (f.type === 'BigInt' ? 'bigint' : 'number') && Number(value) > 0, `${where}: ${String(value)}`);
        else if (isFunctionDefault(f, 'now') || f.isUpdatedAt) {
          assert.ok(value instanceof Date && value.getTime() >= started && value.getTime() <= Date.now() + 60_000, `${where}: ${String(value)} is about now`);
        } else assert.deepEqual(value, defaultValue(f), `${where}: the schema's default`);
      }
      const raw = await rawRow(model, read);
      assert.deepEqual(raw, Object.fromEntries(Object.entries(read).map(([k, v]) => [k, asSqlText(v)])), `${model.name} as stored`);
    }
  });
});
