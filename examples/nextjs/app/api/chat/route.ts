// POST /api/chat: DefaultChatTransport's request, forwarded to the relay with the server's API key.
import { RELAY_URL, passThrough, relayHeaders } from "../../../lib/relay";

export async function POST(request: Request): Promise<Response> {
  const answer = await fetch(`${RELAY_URL}/v1/ui/chat`, {
    method: "POST",
    headers: relayHeaders({ "content-type": "application/json" }),
    body: await request.text(), // { id, messages, trigger, messageId, route }: the relay reads it as it is
    signal: request.signal, // the browser left: stop reading (the relay finishes the answer for a resume)
  });
  return passThrough(answer);
}
