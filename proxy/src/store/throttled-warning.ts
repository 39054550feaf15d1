// A warning at most once per interval and topic: a flood or an outage must not flood the log (a counter tells how often).
import type { Logger } from 'pino';

export const WARNING_INTERVAL_MS = 10_000;

export type ThrottledWarning = (topic: string, fields: Record<string, unknown>, message: string) => void;

/** A warning at most once per WARNING_INTERVAL_MS and topic (monotonic time: a clock change neither mutes nor repeats it). */
export function throttledWarning(logger: Logger | undefined): ThrottledWarning {
  const lastWarned = new Map<string, number>();
  return (topic, fields, message) => {
    const now = performance.now();
    if (now - (lastWarned.get(topic) ?? -Infinity) < WARNING_INTERVAL_MS) return;
    lastWarned.set(topic, now);
    logger?.warn(fields, message);
  };
}
