// The test environment of every test file: jest's node environment plus a
// leak check. When a file's tests and hooks are done, everything the file
// started that would keep the process alive — a ref'd timer, a socket, a
// server, a child process — must be gone; one left open fails the file, named
// with where it was created. (jest's detectOpenHandles only prints.)
// Cheap on purpose: timers are seen through the file's own setTimeout and
// setInterval, handles by identity against those alive before the file ran.
const { setTimeout: sleep } = require('node:timers/promises');
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

// Sockets and child processes close a few ticks after end()/kill(), and a BullMQ
// worker closed right after a Redis error may still sit in its (uncancellable)
// 5 s retry delay: allow this long for what was closed to be gone.
const SETTLE_MS = 6_000;

/** Where the caller of a wrapped timer function is, in a few frames. */
function where() {
  return (new Error().stack ?? '')
    .split('\n')
    .slice(3)
    .map((line) => line.trim().replace(/^at /, ''))
    .filter((line) => !/node:|jest-circus|jest-runner|\(<anonymous>\)$/.test(line))
    .slice(0, 3)
    .join(' < ');
}

/** A readable name for a libuv handle's owner (socket, server, child process). */
function describeHandle(handle) {
  const name = handle?.constructor?.name ?? typeof handle;
  if (typeof handle?.pid === 'number')
    return `${name} pid ${handle.pid} (${handle.spawnfile ?? ''})`;
  const address = typeof handle?.address === 'function' ? handle.address() : undefined;
  const local = address && typeof address === 'object' ? `${address.address}:${address.port}` : '';
  const remote = handle?.remotePort ? ` → ${handle.remoteAddress}:${handle.remotePort}` : '';
  return `${name} ${local}${remote}`.trim();
}

function isRefed(handle) {
  const inner = handle?._handle ?? handle;
  return typeof inner?.hasRef === 'function' ? inner.hasRef() : true;
}

class LeakCheckEnvironment extends NodeEnvironment {
  /** Timers the file created and has not cleared (or, for setTimeout, not yet seen fire). */
  #timers = new Map();
  #handlesBefore = new Set();

  constructor(config, context) {
    super(config, context);
    const timers = this.#timers;
    const g = this.global;
    const { setTimeout: realSetTimeout, setInterval: realSetInterval } = g;
    const { clearTimeout: realClearTimeout, clearInterval: realClearInterval } = g;
    g.setTimeout = function setTimeout(callback, ms, ...args) {
      const timer = realSetTimeout(
        (...given) => {
          timers.delete(timer);
          return typeof callback === 'function' ? callback(...given) : undefined;
        },
        ms,
        ...args,
      );
      timers.set(timer, `Timeout (${ms ?? 0} ms) created at ${where()}`);
      return timer;
    };
    g.setInterval = function setInterval(callback, ms, ...args) {
      const timer = realSetInterval(callback, ms, ...args);
      timers.set(timer, `Interval (${ms ?? 0} ms) created at ${where()}`);
      return timer;
    };
    g.clearTimeout = function clearTimeout(timer) {
      timers.delete(timer);
      return realClearTimeout(timer);
    };
    g.clearInterval = function clearInterval(timer) {
      timers.delete(timer);
      return realClearInterval(timer);
    };
  }

  async setup() {
    await super.setup();
    this.#handlesBefore = new Set(process._getActiveHandles());
  }

  #leaks() {
    const leaks = [];
    for (const [timer, description] of this.#timers) {
      if (typeof timer?.hasRef === 'function' && !timer.hasRef()) continue;
      if (timer?._destroyed === true) continue;
      leaks.push(description);
    }
    for (const handle of process._getActiveHandles()) {
      if (this.#handlesBefore.has(handle) || !isRefed(handle)) continue;
      leaks.push(describeHandle(handle));
    }
    return leaks;
  }

  async handleTestEvent(event, state) {
    if (event.name !== 'run_finish') return;
    const deadline = Date.now() + SETTLE_MS;
    let leaks = this.#leaks();
    while (leaks.length > 0 && Date.now() < deadline) {
      await sleep(50);
      leaks = this.#leaks();
    }
    if (leaks.length === 0) return;
    state.unhandledErrors.push(
      new Error(
        `the file left ${leaks.length} handle(s) open after its last hook ` +
          '(close every worker, producer, pool, server and timer it starts):\n' +
          leaks
            .slice(0, 10)
            .map((leak) => `  ${leak}`)
            .join('\n'),
      ),
    );
  }
}
module.exports = LeakCheckEnvironment;
