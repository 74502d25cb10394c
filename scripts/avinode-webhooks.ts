/**
 * Avinode webhook subscriptions for this server.
 *   npm run avinode:webhooks -- register <publicUrl>   create or update TripRequestSellerResponse and
 *                                                      TripChatFromSeller, each on <publicUrl>?event=<type>
 *   npm run avinode:webhooks -- list                   the account's subscriptions
 * Reads AVINODE_API_URL / AVINODE_API_TOKEN (and AVINODE_WEBHOOK_CLIENT_ID / _SECRET for register).
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { createAvinodeClient } from '../src/modules/avinode-intake/avinode-client.js';
import { listSubscriptions, registerSubscriptions } from '../src/modules/avinode-intake/subscriptions.js';

const [command, publicUrl] = process.argv.slice(2);
const usage = 'Usage: npm run avinode:webhooks -- register <publicUrl> | list\n';

try {
  const config = loadConfig();
  if (!config.avinode.api) throw new ConfigError('Set AVINODE_API_URL and AVINODE_API_TOKEN first.');
  const client = createAvinodeClient(config.avinode.api);
  if (command === 'register' && publicUrl) {
    const webhook = config.avinode.webhook;
    if (!webhook) throw new ConfigError('Set AVINODE_WEBHOOK_CLIENT_ID and AVINODE_WEBHOOK_CLIENT_SECRET first.');
    const saved = await registerSubscriptions(client, { publicUrl, ...webhook });
    for (const { eventType, id, action } of saved) process.stdout.write(`${action} ${id} ${eventType}\n`);
    process.stdout.write('Keep these ids; the sandbox is rebuilt on Mondays: register again afterwards.\n');
  } else if (command === 'list') {
    for (const setting of await listSubscriptions(client)) {
      const events = (setting.eventTypes ?? []).join(',');
      process.stdout.write(
        `${setting.id} ${setting.active === false ? 'inactive' : 'active'} ${events} ${setting.targetURI ?? ''}\n`,
      );
    }
  } else {
    process.stderr.write(usage);
    process.exit(2);
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
