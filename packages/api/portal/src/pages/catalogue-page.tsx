import { api } from '../api.js';
import { CopyButton, ErrorNote, Section, Verbatim, useLoad } from '../components/common.js';
import type { EventTypeInfo } from '../wire.js';

/** Every event type with its JSON Schema and an example payload, copyable. */
export function CataloguePage() {
  const catalogue = useLoad(() => api.get<{ data: EventTypeInfo[] }>('/event-types'), []);
  return (
    <>
      <h1>Event catalogue</h1>
      <p>
        Every webhook's body is an envelope whose <code>data</code> has the schema of its{' '}
        <code>event_type</code>. Generate types from these schemas, or copy an example to test your
        receiver.
      </p>
      <ErrorNote error={catalogue.error} />
      {catalogue.data?.data.map((info) => {
        const schema = JSON.stringify(info.schema, null, 2);
        const example = JSON.stringify(info.example, null, 2);
        return (
          <Section key={info.event_type} title={info.event_type}>
            <details>
              <summary>Example payload</summary>
              <CopyButton text={example} label="Copy example" />
              <Verbatim text={example} label={`Example of ${info.event_type}`} />
            </details>
            <details>
              <summary>JSON Schema</summary>
              <CopyButton text={schema} label="Copy schema" />
              <Verbatim text={schema} label={`JSON Schema of ${info.event_type}`} />
            </details>
          </Section>
        );
      })}
    </>
  );
}
