import { readdirSync, readFileSync } from 'node:fs';
import { fromRoot } from '../core/paths';

/**
 * CPU time spent by the processes that serve a benchmark scenario, read from /proc (Linux): the
 * server under test, Neo4j and every PostgreSQL process of the project's cluster. On a shared
 * machine the throughput of one run moves with the neighbours' load; the CPU each request costs
 * moves far less, so the benchmark reports both.
 */
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function ticksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

function pidFromFile(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').split('\n')[0], 10);
    return Number.isFinite(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** PostgreSQL's postmaster and its children (backends, writers) of the project's cluster. */
function postgresPids(): number[] {
  const data = process.env.CITYCODE_DATA ?? fromRoot('.data');
  const postmaster = pidFromFile(`${data}/pg/postmaster.pid`);
  if (postmaster === null) return [];
  const children = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => parentOf(pid) === postmaster);
  return [postmaster, ...children];
}

export interface CpuSample {
  server: number;
  neo4j: number;
  /** Ticks of each PostgreSQL process alive at the sample, by pid. */
  postgres: Map<number, number>;
}

/** CPU ticks so far of the server process, Neo4j and each PostgreSQL process. */
export function sampleCpu(serverPid: number): CpuSample {
  const data = process.env.CITYCODE_DATA ?? fromRoot('.data');
  const neo4j = pidFromFile(`${data}/neo4j.pid`);
  return {
    server: ticksOf(serverPid),
    neo4j: neo4j === null ? 0 : ticksOf(neo4j),
    postgres: new Map(postgresPids().map((pid) => [pid, ticksOf(pid)])),
  };
}

/**
 * PostgreSQL ticks between two samples. Backends come and go with the connection pools: one that
 * started after the first sample spent all its ticks in between, so it counts whole; one that
 * exited before the second sample is lost (it was idle long enough for its pool to close it, so
 * it spent little). Summing the totals instead, as before 2026-11-27 20:40, read 0 whenever the
 * pools had renewed their connections between runs.
 */
function postgresTicks(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) ticks += Math.max(0, now - (before.get(pid) ?? 0));
  return ticks;
}

/** Milliseconds of CPU per request between two samples, per process group and in all. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): { server: number; neo4j: number; postgres: number; total: number } {
  const ms = (ticks: number) => (requests > 0 ? Math.round((ticks * 1000 * 100) / TICKS_PER_SECOND / requests) / 100 : 0);
  const server = ms(after.server - before.server);
  const neo4j = ms(after.neo4j - before.neo4j);
  const postgres = ms(postgresTicks(before.postgres, after.postgres));
  return { server, neo4j, postgres, total: Math.round((server + neo4j + postgres) * 100) / 100 };
}
