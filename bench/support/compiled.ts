import { spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './service-process';

/**
 * Compiles the service as the image does (`tsc -p tsconfig.build.json`) into `outDir` (inside the project so
 * node_modules resolve) and copies the SQL migrations next to the compiled migrator. Returns the entry point.
 */
export async function buildCompiled(outDir: string, logFile: string): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const tsc = path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await new Promise<void>((resolve) => log.end(() => resolve()));
  // Type errors elsewhere in the tree do not stop tsc from emitting; a missing entry point does.
  const entry = path.join(outDir, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`the compiled build has no ${entry}; see ${logFile}`);
  cpSync(path.join(PROJECT_ROOT, 'src', 'db', 'migrations'), path.join(outDir, 'src', 'db', 'migrations'), {
    recursive: true,
  });
  return entry;
}
