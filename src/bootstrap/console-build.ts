import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/env';
import type { Logger } from '../platform/logger';

/** The console's sources (console/) and its build (console/dist), relative to where npm start runs. */
const CONSOLE_ROOT = path.resolve('console');
const SOURCES = ['src', 'index.html', 'vite.config.mts', 'tsconfig.json'];

/**
 * Where the built console is. Under npm start (not production), builds it first when it is missing or older
 * than its sources, so `npm ci && npm start` is the whole set-up; the production image builds it once.
 */
export async function consoleDir(env: Env, logger: Logger): Promise<string> {
  if (env.CONSOLE_DIR) return path.resolve(env.CONSOLE_DIR);
  const dist = path.join(CONSOLE_ROOT, 'dist');
  if (env.NODE_ENV === 'production' || !existsSync(path.join(CONSOLE_ROOT, 'src'))) return dist;
  if (!consoleBuildIsStale(dist)) return dist;
  logger.info('building the console (console/dist is missing or older than its sources)');
  try {
    await buildConsole();
    logger.info('console built');
  } catch (err) {
    logger.error(
      { err },
      'the console could not be built; /console answers 503 until `npm run console:build`',
    );
  }
  return dist;
}

export function consoleBuildIsStale(dist: string): boolean {
  const index = path.join(dist, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return SOURCES.some((s) => newestMtime(path.join(CONSOLE_ROOT, s)) > built);
}

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((max, name) => Math.max(max, newestMtime(path.join(p, name))), st.mtimeMs);
}

/** `vite build` of console/ (the same as `npm run console:build`). */
export function buildConsole(): Promise<void> {
  const vite = path.resolve('node_modules', 'vite', 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: CONSOLE_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited with ${code}`)),
    );
  });
}
