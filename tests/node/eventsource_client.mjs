// The `eventsource` npm package on a native stream (tests/test_ui_chat_node.py): read /v1/streams/{id}/events
// to its end; the end of the response makes it reconnect with Last-Event-ID, the relay answers 204, and it
// stops for good. Every request it makes is recorded through its `fetch` option. Prints one JSON object.
// Usage: node eventsource_client.mjs <base_url> <api_key>
import { EventSource } from "eventsource";

const [baseURL, apiKey] = process.argv.slice(2);
const created = await fetch(`${baseURL}/v1/streams`, {
  method: "POST",
  headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
  body: JSON.stringify({ messages: [{ role: "user", content: "Go." }] }),
});
const { events_url: eventsURL } = await created.json();

const out = { requests: [], text: "", terminal: [], lastEventId: null };
const es = new EventSource(eventsURL, {
  fetch: async (url, init) => {
    const response = await fetch(url, init);
    out.requests.push({ lastEventId: init.headers["Last-Event-ID"] ?? null, status: response.status });
    return response;
  },
});
es.addEventListener("token", (event) => {
  out.text += JSON.parse(event.data).text;
});
for (const name of ["done", "error"]) {
  es.addEventListener(name, (event) => {
    if (event.data !== undefined) {
      out.terminal.push(name);
      out.lastEventId = event.lastEventId;
    }
  });
}
await new Promise((resolve) => {
  es.onerror = (event) => {
    if (es.readyState === EventSource.CLOSED) {
      out.closedWith = { code: event.code ?? null, message: event.message ?? null };
      resolve();
    }
  };
});
// Closed for good: no request follows, however long one waits (the relay's retry is 1 s).
const requests = out.requests.length;
await new Promise((resolve) => setTimeout(resolve, 2500));
out.requestsAfterClose = out.requests.length - requests;
console.log(JSON.stringify(out));
