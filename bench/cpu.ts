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
  postgres: number;
}

/** CPU ticks so far of the server process, Neo4j and PostgreSQL (backends come and go: sample both ends). */
export function sampleCpu(serverPid: number): CpuSample {
  const data = process.env.CITYCODE_DATA ?? fromRoot('.data');
  const neo4j = pidFromFile(`${data}/neo4j.pid`);
  return {
    server: ticksOf(serverPid),
    neo4j: neo4j === null ? 0 : ticksOf(neo4j),
    postgres: postgresPids().reduce((sum, pid) => sum + ticksOf(pid), 0),
  };
}

/** Milliseconds of CPU per request between two samples, per process group and in all. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuSample & { total: number } {
  const ms = (a: number, b: number) => (requests > 0 ? Math.round(((b - a) * 1000 * 100) / TICKS_PER_SECOND / requests) / 100 : 0);
  const server = ms(before.server, after.server);
  const neo4j = ms(before.neo4j, after.neo4j);
  // Backends that exited between the samples take their ticks with them: clamp at zero.
  const postgres = Math.max(0, ms(before.postgres, after.postgres));
  return { server, neo4j, postgres, total: Math.round((server + neo4j + postgres) * 100) / 100 };
}
