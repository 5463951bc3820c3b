import type { EventTypeInfo } from '../wire.js';

/** Every event type: checkboxes, with "all" as `*`. */
export function EventTypePicker({
  catalogue,
  selected,
  onChange,
}: {
  catalogue: readonly EventTypeInfo[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
}) {
  const all = selected.includes('*');
  const toggle = (type: string, on: boolean) => {
    const rest = selected.filter((item) => item !== type);
    onChange(on ? [...rest, type] : rest);
  };
  return (
    <fieldset class="picker">
      <legend>Event types</legend>
      <label>
        <input
          type="checkbox"
          checked={all}
          onChange={(event) => {
            onChange(event.currentTarget.checked ? ['*'] : []);
          }}
        />{' '}
        All event types (<code>*</code>)
      </label>
      {catalogue.map((info) => (
        <label key={info.event_type}>
          <input
            type="checkbox"
            name="event_types"
            value={info.event_type}
            disabled={all}
            checked={all || selected.includes(info.event_type)}
            onChange={(event) => {
              toggle(info.event_type, event.currentTarget.checked);
            }}
          />{' '}
          <code>{info.event_type}</code>
        </label>
      ))}
    </fieldset>
  );
}
