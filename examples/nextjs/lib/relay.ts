// Server side only: where the relay is and the API key the route handlers send it (never shipped to the browser).
export const RELAY_URL = (process.env.RELAY_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const RELAY_API_KEY = process.env.RELAY_API_KEY;

// What the browser needs of the relay's answer: the stream's framing, and its id and token (to cancel it).
const PASSED_HEADERS = [
  "content-type",
  "cache-control",
  "x-vercel-ai-ui-message-stream",
  "x-accel-buffering",
  "x-stream-id",
  "x-stream-token",
];

export function relayHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return RELAY_API_KEY ? { ...extra, authorization: `Bearer ${RELAY_API_KEY}` } : extra;
}

// The relay's answer as the route handler's own: the body streams through as it arrives.
export function passThrough(answer: Response): Response {
  if (answer.status === 204) return new Response(null, { status: 204 });
  const headers = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(answer.body, { status: answer.status, headers });
}
