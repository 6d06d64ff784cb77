// Plain-Node reproduction (node --expose-gc repro.cjs): exit 1 when child processes stay alive, 0 when not.
const execa = require('execa');

function runTool(refs) {
  const child = execa(process.execPath, ['-e', '0']);
  refs.push(new WeakRef(child));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

async function main() {
  const refs = [];
  for (let i = 0; i < 8; i++) await runTool(refs);
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const alive = refs.filter((ref) => ref.deref() !== undefined).length;
  const emitter = process.__signal_exit_emitter__;
  console.log(`execa@${require('execa/package.json').version}: ${alive} of ${refs.length} child processes alive after gc; signal-exit 'exit' handlers: ${emitter ? emitter.listenerCount('exit') : 'none'}`);
  process.exit(alive > 1 ? 1 : 0); // one survivor may be the last call's, held by a cache slot or a frame; more is growth
}
main();
