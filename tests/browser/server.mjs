// The real confab binary, run for the browser tests: a free loopback port, a fresh data folder,
// and rate limits raised so that test users typing fast are never refused. It can be stopped
// and started again on the same address and data, the way an operator restarts it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BINARY = process.env.CONFAB_BIN || join(REPO, 'target/x86_64-unknown-linux-musl/release/confab');

/** Screenshots and server logs land here, for people to look at after a run. */
export const ARTIFACTS = join(REPO, 'target/browser-artifacts');

const RAISED_LIMITS = [
  '--signup-ip-rate', '1000/1ms',
  '--signin-ip-rate', '1000/1ms',
  '--signin-account-rate', '1000/1ms',
  '--ws-send-rate', '1000/1ms',
  '--ws-frame-rate', '1000/1ms',
];

export class Confab {
  /** Starts a server on a fresh data folder; `name` names its log in ARTIFACTS. */
  static async start(name) {
    const server = new Confab(name, await mkdtemp(join(tmpdir(), 'confab-browser-')));
    await server.start();
    return server;
  }

  constructor(name, dataDir) {
    this.logPath = join(ARTIFACTS, `${name}.server.log`);
    this.dataDir = dataDir;
    this.listen = '127.0.0.1:0'; // any free port at first; then the same address again
    this.url = null;
    this.process = null;
    this.exit = null; // resolves to the exit code (or signal) when the process ends
    this.logFlags = 'w'; // a new log per run; a restart appends to it
  }

  /** Starts the binary, or starts it again after `stop()`, and waits until it serves. */
  async start() {
    await mkdir(ARTIFACTS, { recursive: true });
    const child = spawn(BINARY, ['--listen', this.listen, '--data', this.dataDir, ...RAISED_LIMITS], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    this.process = child;
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signal));
      child.once('error', (error) => resolve(error.message));
    });
    process.once('exit', () => child.kill('SIGKILL')); // never outlive the test process
    child.stderr.pipe(createWriteStream(this.logPath, { flags: this.logFlags }));
    this.logFlags = 'a';

    // Its first line on standard output is "confab is running at http://127.0.0.1:PORT/ (…)".
    const lines = createInterface({ input: child.stdout });
    const firstLine = once(lines, 'line', { signal: AbortSignal.timeout(15_000) }).then(([line]) => line);
    const line = await Promise.race([
      firstLine,
      this.exit.then((code) => {
        throw new Error(`${BINARY} exited (${code}) before serving; its log is ${this.logPath}`);
      }),
    ]);
    const url = /running at (http:\/\/[^/\s]+)/.exec(line)?.[1];
    if (!url) throw new Error(`unexpected first line from confab: ${line}`);
    this.url = url;
    this.listen = new URL(url).host;
  }

  /** Stops the server with SIGTERM, as an operator would; resolves to its exit code. */
  async stop() {
    this.process?.kill('SIGTERM');
    this.process = null;
    return this.exit;
  }

  /** Kills the server if it still runs and removes its data folder. */
  async dispose() {
    if (this.process) {
      this.process.kill('SIGKILL');
      this.process = null;
      await this.exit;
    }
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
