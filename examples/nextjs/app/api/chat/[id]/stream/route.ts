// GET /api/chat/{id}/stream: useChat's resume, forwarded to the relay; 204 when the chat has no running answer.
import { RELAY_URL, passThrough, relayHeaders } from "../../../../../lib/relay";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  // Every visitor shares the server's key here: check that the chat is this visitor's before resuming it.
  const answer = await fetch(`${RELAY_URL}/v1/ui/chat/${encodeURIComponent(id)}/stream`, {
    headers: relayHeaders(),
    signal: request.signal,
  });
  return passThrough(answer);
}
