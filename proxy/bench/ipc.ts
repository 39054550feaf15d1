// Messages between the bench runner and its child processes (servers under test, upstream).

/** Child -> runner, once its server listens. */
export interface ReadyMessage {
  type: 'ready';
  url: string;
}

/** Runner -> child. callsFor (upstream): exchange calls seen for `code`. liveHeap (proxy): heap used after a full GC. */
export type QuestionMessage = { type: 'callsFor'; id: number; code: string } | { type: 'liveHeap'; id: number };

/** Child -> runner: the answer to the question with the same id. */
export interface AnswerMessage {
  type: 'answer';
  id: number;
  value: number;
}

export type BenchMessage = ReadyMessage | QuestionMessage | AnswerMessage;

export function isBenchMessage(value: unknown): value is BenchMessage {
  const type = (value as BenchMessage | null)?.type;
  return type === 'ready' || type === 'callsFor' || type === 'liveHeap' || type === 'answer';
}
