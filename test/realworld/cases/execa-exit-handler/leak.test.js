// sindresorhus/execa#128: a helper runs a child process and waits for its 'exit' event instead of
// awaiting execa's promise. On execa 0.9.0 the exit handler execa registers (through signal-exit)
// is only removed by .then(), so every child stays reachable from the process's exit emitter.
const { ChildProcess } = require('node:child_process');
const { track } = require('trackref');
const execa = require('execa');

function runTool() {
  const child = track(execa(process.execPath, ['-e', '0']));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', resolve);
  });
}

test('finished child processes are freed', async () => {
  await expect(runTool).not.toLeak(ChildProcess);
}, 30000);
