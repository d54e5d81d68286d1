// Structured JSON logs (pino) to stdout; one root logger, children per part.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'tidings' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Never log credentials, even by accident.
    redact: { paths: ['password', '*.password', 'authorization', '*.authorization', 'req.headers.authorization'], censor: '***' },
  });
}
