// The HTTP API in a process of its own (the api-ingest scenario), so its CPU
// is read from /proc apart from the driver's. Request logging stays on, as in
// production (the API's own logger: one JSON line per request, written
// asynchronously), to /dev/null. Says 'ready' with its port; closes on 'stop'.
import { startApi } from '@letta-webhooks/api';
import { createLogger, loadSettings } from '@letta-webhooks/shared';

const settings = loadSettings();
const api = await startApi({
  settings: { ...settings, api: { ...settings.api, port: 0, host: '127.0.0.1' } },
  logger: createLogger('letta-webhooks-api', 'info', '/dev/null'),
});
process.send?.({ type: 'ready', port: api.port });
process.on('message', (message: { readonly type?: string }) => {
  if (message.type === 'stop')
    void api.close().then(() => {
      process.exit(0);
    });
});
