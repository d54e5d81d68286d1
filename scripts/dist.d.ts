// Types for dist.js (plain JavaScript: bin/tidings.js imports it before any TypeScript tooling loads).
export declare const STAMP: string;
export declare function distIsFresh(root: string): boolean;
