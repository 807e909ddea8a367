import type { Problem } from '../errors';

export function ErrorAlert({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <div role="alert" className="alert" data-code={problem.code}>
      {problem.message}
    </div>
  );
}
