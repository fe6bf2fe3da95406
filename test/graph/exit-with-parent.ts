/**
 * Preloaded into every process of the graph under test: when the test runner dies, even by
 * SIGKILL, the pipe on our stdin closes and we stop gracefully, instead of living on as an orphan
 * that keeps relaying the next run's outbox or holding its ports.
 */
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();
