// Request/response over the cluster IPC channel, in both directions (worker → primary for admin actions
// that must reach every worker; primary → worker for applying settings and collecting metrics).
// Messages carry a `loadctl` marker so they never collide with prom-client's or Node's own messages.
import type { Worker } from 'node:cluster';

export type IpcOp =
  | 'apply-settings' // primary → worker: RuntimeSettings
  | 'collect' // primary → worker: → WorkerReport
  | 'shutdown' // primary → worker: drain and exit
  | 'update-settings' // worker → primary: SettingsPatch → RuntimeSettings
  | 'admin-state' // worker → primary: → AdminState
  | 'rolling-restart' // worker → primary: → { restarted }
  | 'cluster-metrics'; // worker → primary: → Prometheus text

interface IpcRequest {
  loadctl: 'request';
  id: number;
  op: IpcOp;
  payload: unknown;
}
interface IpcResponse {
  loadctl: 'response';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}
/** One-way notice from a worker: its server is listening and its dependencies are wired. */
export interface IpcReady {
  loadctl: 'ready';
}

type Handler = (op: IpcOp, payload: unknown) => Promise<unknown>;

function isMessage(value: unknown): value is IpcRequest | IpcResponse | IpcReady {
  return typeof value === 'object' && value !== null && 'loadctl' in value;
}

export class IpcChannel {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >();
  private handler: Handler = async (op) => {
    throw new Error(`no handler for ${op}`);
  };

  constructor(
    private readonly send: (message: IpcRequest | IpcResponse) => void,
    listen: (onMessage: (message: unknown) => void) => void,
  ) {
    listen((message) => {
      if (!isMessage(message)) return;
      if (message.loadctl === 'response') this.settle(message);
      if (message.loadctl === 'request') void this.answer(message);
    });
  }

  static forWorkerProcess(): IpcChannel {
    return new IpcChannel(
      (message) => process.send?.(message),
      (onMessage) => process.on('message', onMessage),
    );
  }

  static forWorker(worker: Worker): IpcChannel {
    return new IpcChannel(
      (message) => {
        if (worker.isConnected()) worker.send(message);
      },
      (onMessage) => worker.on('message', onMessage),
    );
  }

  onRequest(handler: Handler): void {
    this.handler = handler;
  }

  request<T>(op: IpcOp, payload: unknown = {}, timeoutMs = 10_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`IPC ${op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.send({ loadctl: 'request', id, op, payload });
    });
  }

  /** Fail every outstanding request, e.g. when the other side has exited. */
  close(reason: string): void {
    for (const [id, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(reason));
      this.pending.delete(id);
    }
  }

  private settle(message: IpcResponse): void {
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(message.error ?? 'IPC request failed'));
  }

  private async answer(message: IpcRequest): Promise<void> {
    try {
      const result = await this.handler(message.op, message.payload);
      this.send({ loadctl: 'response', id: message.id, ok: true, result });
    } catch (error) {
      this.send({
        loadctl: 'response',
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
