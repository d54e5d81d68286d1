// The whole service (HTTP, SMTP robot, jobs) as `tidings serve` runs it, in a
// child process started by service-process.ts, with the tests' fixed DNS (no
// test ever reaches a real resolver). It prints its ports as one JSON line.
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startService } from '../../src/main.ts';
import { dkimKey, fixedResolver, testDns } from './dns.ts';

const config = loadConfig(process.env);
const service = await startService(config, createLogger(config.logLevel), { resolver: fixedResolver(testDns(dkimKey())) });
process.stdout.write(`${JSON.stringify({ httpPort: service.httpPort, smtpPort: service.smtpPort })}\n`);
// The test process holds our stdin: when it goes (even killed), so do we.
process.stdin.resume();
process.stdin.once('end', () => process.exit(1));
process.once('SIGTERM', () => {
  void service.stop().then(() => process.exit(0));
});
