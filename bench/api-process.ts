// The HTTP API in a process of its own (the api-ingest scenario), so its CPU
// is read from /proc apart from the driver's. Request logging stays on (one
// JSON line per request, as in production), written to /dev/null. Says
// 'ready' with its port; closes on 'stop'.
import { startApi } from '@letta-webhooks/api';
import { loadSettings } from '@letta-webhooks/shared';
import { pino } from 'pino';

const settings = loadSettings();
const api = await startApi({
  settings: { ...settings, api: { ...settings.api, port: 0, host: '127.0.0.1' } },
  logger: pino({ level: 'info' }, pino.destination('/dev/null')),
});
process.send?.({ type: 'ready', port: api.port });
process.on('message', (message: { readonly type?: string }) => {
  if (message.type === 'stop')
    void api.close().then(() => {
      process.exit(0);
    });
});
