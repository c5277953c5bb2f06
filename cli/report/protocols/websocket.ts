// WebSocket sessions (k6/ws and k6/websockets emit the same metrics) by `name` tag: sessions and their
// handshake statuses, connect time, session duration, messages each way. Mergeable like the rest.
import { LatencyHistogram, type LatencySnapshot } from '../histogram.ts';
import type { StatusCount, WebSocketStats } from '../model.ts';
import { entryOf } from '../../shared/maps.ts';

export const WEBSOCKET_METRICS = [
  'ws_sessions',
  'ws_connecting',
  'ws_session_duration',
  'ws_msgs_sent',
  'ws_msgs_received',
];

/** 101 Switching Protocols: the handshake upgraded the connection. */
const UPGRADED = '101';

export interface WebSocketSnapshot {
  statuses: StatusCount[];
  connecting: LatencySnapshot;
  sessionDuration: LatencySnapshot;
  sent: number;
  received: number;
}

class Sessions {
  readonly statuses = new Map<string, number>();
  readonly connecting = new LatencyHistogram();
  readonly sessionDuration = new LatencyHistogram();
  sent = 0;
  received = 0;

  add(metric: string, value: number, status: string): void {
    if (metric === 'ws_sessions') this.statuses.set(status, (this.statuses.get(status) ?? 0) + value);
    else if (metric === 'ws_connecting') this.connecting.record(value);
    else if (metric === 'ws_session_duration') this.sessionDuration.record(value);
    else if (metric === 'ws_msgs_sent') this.sent += value;
    else if (metric === 'ws_msgs_received') this.received += value;
  }

  merge(other: Sessions): void {
    for (const [status, count] of other.statuses) this.statuses.set(status, (this.statuses.get(status) ?? 0) + count);
    this.connecting.merge(other.connecting);
    this.sessionDuration.merge(other.sessionDuration);
    this.sent += other.sent;
    this.received += other.received;
  }

  stats(name: string, durationS: number): WebSocketStats {
    const statuses = [...this.statuses].map(([status, count]) => ({
      status,
      count,
      expected: status === UPGRADED ? count : 0,
    }));
    return {
      name,
      sessions: statuses.reduce((sum, s) => sum + s.count, 0),
      statuses: statuses.sort((a, b) => a.status.localeCompare(b.status)),
      connecting: this.connecting.stats(),
      sessionDuration: this.sessionDuration.stats(),
      messagesSent: this.sent,
      messagesReceived: this.received,
      sentPerS: durationS > 0 ? this.sent / durationS : undefined,
      receivedPerS: durationS > 0 ? this.received / durationS : undefined,
    };
  }

  toSnapshot(): WebSocketSnapshot {
    return {
      statuses: [...this.statuses].map(([status, count]) => ({ status, count, expected: 0 })),
      connecting: this.connecting.toSnapshot(),
      sessionDuration: this.sessionDuration.toSnapshot(),
      sent: this.sent,
      received: this.received,
    };
  }

  static fromSnapshot(snapshot: WebSocketSnapshot): Sessions {
    const sessions = new Sessions();
    for (const { status, count } of snapshot.statuses) sessions.statuses.set(status, count);
    sessions.connecting.merge(LatencyHistogram.fromSnapshot(snapshot.connecting));
    sessions.sessionDuration.merge(LatencyHistogram.fromSnapshot(snapshot.sessionDuration));
    sessions.sent = snapshot.sent;
    sessions.received = snapshot.received;
    return sessions;
  }
}

export class WebSocketTraffic {
  get size(): number {
    return this.byName.size;
  }

  private readonly byName = new Map<string, Sessions>();

  add(metric: string, value: number, name: string, status: string | undefined): void {
    this.sessions(name).add(metric, value, status ?? '0');
  }

  private sessions(name: string): Sessions {
    return entryOf(this.byName, name, () => new Sessions());
  }

  merge(other: WebSocketTraffic): void {
    for (const [name, sessions] of other.byName) this.sessions(name).merge(sessions);
  }

  toSnapshot(): [string, WebSocketSnapshot][] {
    return [...this.byName].map(([name, sessions]) => [name, sessions.toSnapshot()]);
  }

  static fromSnapshot(snapshot: [string, WebSocketSnapshot][]): WebSocketTraffic {
    const traffic = new WebSocketTraffic();
    for (const [name, s] of snapshot) traffic.sessions(name).merge(Sessions.fromSnapshot(s));
    return traffic;
  }

  /** Per name, and the totals over all names (what k6's summary shows); undefined when there was none. */
  stats(durationS: number): { byName: WebSocketStats[]; totals: WebSocketStats } | undefined {
    if (this.byName.size === 0) return undefined;
    const all = new Sessions();
    for (const sessions of this.byName.values()) all.merge(sessions);
    const byName = [...this.byName]
      .map(([name, sessions]) => sessions.stats(name, durationS))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { byName, totals: all.stats('all sessions', durationS) };
  }
}
