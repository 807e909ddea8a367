import { type FieldErrors, type ItemDraft, emptyItem } from '../orderDraft';

const COLUMNS: { key: keyof ItemDraft; label: string; className: string; inputMode?: 'numeric' | 'decimal' }[] = [
  { key: 'sku', label: 'SKU', className: 'col-sku' },
  { key: 'name', label: 'Product', className: 'col-name' },
  { key: 'quantity', label: 'Quantity', className: 'col-number', inputMode: 'numeric' },
  { key: 'unitPrice', label: 'Unit price', className: 'col-number', inputMode: 'decimal' },
];

interface ItemsEditorProps {
  items: ItemDraft[];
  errors: FieldErrors;
  onChange: (items: ItemDraft[]) => void;
  /** The page removes the item, and its errors with it (withoutItemErrors). */
  onRemove: (index: number) => void;
}

/** The order's lines, one row each; errors are keyed like the server's fields: "items[0].quantity". */
export function ItemsEditor({ items, errors, onChange, onRemove }: ItemsEditorProps) {
  const update = (index: number, key: keyof ItemDraft, value: string) =>
    onChange(items.map((item, i) => (i === index ? { ...item, [key]: value } : item)));

  return (
    <fieldset className="items-editor">
      <legend>Items</legend>
      <table className="table editor">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th key={column.key} className={column.className}>
                {column.label}
              </th>
            ))}
            <th aria-label="Remove" />
          </tr>
        </thead>
        <tbody>
          {items.map((item, index) => (
            // Rows have no identity of their own until the order exists.
            <tr key={index}>
              {COLUMNS.map((column) => {
                const error = errors[`items[${index}].${column.key}`];
                return (
                  <td key={column.key} className={error ? `${column.className} invalid` : column.className}>
                    <input
                      aria-label={`Item ${index + 1} ${column.label.toLowerCase()}`}
                      aria-invalid={Boolean(error)}
                      inputMode={column.inputMode}
                      value={item[column.key]}
                      onChange={(e) => update(index, column.key, e.target.value)}
                    />
                    {error && <span className="field-error">{error}</span>}
                  </td>
                );
              })}
              <td>
                <button type="button" className="icon-button" aria-label={`Remove item ${index + 1}`} disabled={items.length === 1} onClick={() => onRemove(index)}>
                  ×
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {errors.items && <span className="field-error">{errors.items}</span>}
      <button type="button" className="button secondary" onClick={() => onChange([...items, emptyItem()])}>
        + Add item
      </button>
    </fieldset>
  );
}
