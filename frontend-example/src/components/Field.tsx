import type { ReactNode } from 'react';

/** A labelled form control, with what is wrong with it (or a hint) below. */
export function Field({ label, error, hint, children }: { label: string; error?: string; hint?: string; children: ReactNode }) {
  return (
    <div className={error ? 'field invalid' : 'field'}>
      <label>
        <span className="field-label">{label}</span>
        {children}
      </label>
      {error ? <span className="field-error">{error}</span> : hint && <span className="field-hint">{hint}</span>}
    </div>
  );
}
