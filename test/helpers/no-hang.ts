// A hang detector for the hostile-input tests, not a speed bar: a service that
// answers at all answers in well under a second; one stuck in a loop or a
// parse never does, and the test must report that instead of waiting with it.
export const NO_ANSWER_MS = 30_000;

export function noHang<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${NO_ANSWER_MS / 1000} s, the service is stalled`)), NO_ANSWER_MS);
  });
  return Promise.race([p, stalled]).finally(() => clearTimeout(timer));
}
