// One JSON object per event for Workers Logs (`{"event":"close","room","conn","user","code"}`); never a token.
import type { LogLevel } from "./settings.ts";

export type Log = (level: LogLevel, fields: { event: string } & Record<string, unknown>) => void;

/** One JSON object per event, for Workers Logs; never a token. "info" events only at LOG_LEVEL=info. */
export function logger(threshold: LogLevel): Log {
  return (level, fields) => {
    if (level === "warn") console.warn(JSON.stringify(fields));
    else if (threshold === "info") console.log(JSON.stringify(fields));
  };
}
