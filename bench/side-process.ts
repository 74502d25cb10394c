import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/** A side of a benchmark in a process of its own: the app as it is deployed, or a raw limit. */
export type SideProcess = { name: string; origin: string; process: ChildProcess };

/**
 * Runs `script` (through tsx) with only `environment` and PATH, and resolves once it prints the
 * port it listens on (`listening <port>`, or the app's `GraphiQL: http://host:<port>` line).
 * With `profileDir`, it writes a V8 CPU profile there when it exits.
 */
export async function startSideProcess(
  name: string,
  script: string[],
  environment: Record<string, string>,
  profileDir?: string,
): Promise<SideProcess> {
  const flags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // Compiled JavaScript runs as it is; TypeScript through tsx.
  const loader = script[0]?.endsWith('.js') ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...flags, ...loader, ...script], {
    env: { PATH: process.env['PATH'] ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)|GraphiQL: http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) resolve((match[1] ?? match[2]) as string);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening:\n${output}`)));
  });
  child.stdout?.resume();
  return { name, origin: `http://127.0.0.1:${port}`, process: child };
}

/** SIGTERM, and resolves when the process has exited (at once when it already has). */
export function stopSideProcess(side: SideProcess): Promise<void> {
  return new Promise((resolve) => {
    if (side.process.exitCode !== null) return resolve();
    side.process.once('exit', () => resolve());
    side.process.kill('SIGTERM');
  });
}

/**
 * The server as `npm start` runs it: `dist/src/main.js`, built first when stale. Not
 * `src/main.ts` through tsx, whose esbuild transform keeps function names by defining
 * `name` on every closure it creates, costing each one a property store and the server
 * measurably more CPU and memory than the deployed build.
 */
export function deployedServer(): string[] {
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) throw new Error('npm run build failed; the benchmark needs dist/');
  return ['dist/src/main.js'];
}
