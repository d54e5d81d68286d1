// Printing results: a readable line for people, one JSON document with --json.

export interface Output {
  json: boolean;
  result(human: string, data: unknown): void;
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function createOutput(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Output {
  return {
    json,
    result(human, data) {
      write(json ? JSON.stringify(data, jsonReplacer) + '\n' : human + '\n');
    },
  };
}
