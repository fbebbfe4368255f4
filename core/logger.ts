import pino from 'pino';

/** Structured JSON logs on stdout; LOG_LEVEL sets the level. */
export const logger = pino({
  name: 'citycode',
  level: process.env.LOG_LEVEL || 'info',
  base: { service: 'citycode' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = typeof logger;
