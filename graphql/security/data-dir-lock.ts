import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../config.ts";

/**
 * One process per embedded data directory. PGlite is an in-process database:
 * two processes opening one directory each believe they own it, their writes
 * diverge and one's are lost. The lock is a file holding the owner's pid,
 * created exclusively; a lock whose process is gone (killed, crashed) is
 * stale and taken over.
 */
export interface DataDirLock {
  file: string;
  release(): void;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

export function lockDataDir(dir: string): DataDirLock {
  const file = path.join(dir, "trainyard.lock");
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        file,
        release() {
          try {
            if (ownerOf(file) === process.pid) unlinkSync(file);
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new ConfigError(`Cannot create the lock file ${file} (${(err as NodeJS.ErrnoException).code}). Set TRAINYARD_DATA_DIR to a folder this user can write.`);
      }
    }
    const owner = ownerOf(file);
    if (owner !== null && owner !== process.pid && isAlive(owner)) {
      throw new ConfigError(
        `The data directory ${dir} is in use by another Trainyard process (pid ${owner}). Stop it first, or set TRAINYARD_DATA_DIR to another directory (or DATABASE_URL to share a PostgreSQL).`,
      );
    }
    // Stale (its process is gone) or half-written: take it over. If another process does the same at
    // this moment, exactly one exclusive create wins and the other sees its live pid on the next round.
    try {
      unlinkSync(file);
    } catch {
      // Someone else removed it first.
    }
  }
  throw new ConfigError(`Could not take the lock ${file}; another process keeps replacing it.`);
}

function ownerOf(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
