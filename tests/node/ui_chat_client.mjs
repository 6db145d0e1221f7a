// The `ai` package's DefaultChatTransport against the relay's UI message stream (tests/test_ui_chat_node.py):
// send a message, drop the connection after `cut` characters of the answer, resume the chat and rebuild the
// message with readUIMessageStream, then resume again once it ended (null: the relay answers 204).
// Prints one JSON object.
// Usage: node ui_chat_client.mjs <package alias> <base_url> <api_key> <route> <cut>
import { readFile } from "node:fs/promises";

const [alias, baseURL, apiKey, route, cut] = process.argv.slice(2);
const { DefaultChatTransport, readUIMessageStream } = await import(alias);
const { version } = JSON.parse(await readFile(new URL(`./node_modules/${alias}/package.json`, import.meta.url)));

const transport = new DefaultChatTransport({
  api: `${baseURL}/v1/ui/chat`,
  headers: { Authorization: `Bearer ${apiKey}` },
  body: { route },
});
const chatId = `chat-${alias}-${route}-${Date.now()}`;
const out = { version, chatId };

// 1. Send, read until `cut` characters arrived, then drop the connection.
const controller = new AbortController();
const sent = await transport.sendMessages({
  chatId,
  messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "Go." }] }],
  trigger: "submit-message",
  messageId: undefined,
  abortSignal: controller.signal,
});
out.partial = "";
const reader = sent.getReader();
while (out.partial.length < Number(cut)) {
  const { done, value } = await reader.read();
  if (done) break;
  if (value.type === "start") out.firstMessageId = value.messageId;
  if (value.type === "text-delta") out.partial += value.delta;
}
controller.abort();
await reader.cancel().catch(() => {});

// 2. Resume: the whole message again from its start, then live to its end.
const resumed = await transport.reconnectToStream({ chatId });
out.resumed = resumed !== null;
if (resumed !== null) {
  const [chunks, forMessage] = resumed.tee();
  const types = [];
  const collecting = (async () => {
    for await (const chunk of chunks) {
      types.push(chunk.type);
      if (chunk.type === "data-failover") out.failover = chunk.data;
    }
  })();
  let message;
  for await (const snapshot of readUIMessageStream({ stream: forMessage })) message = snapshot;
  await collecting;
  out.first = types.slice(0, 2);
  out.last = types.slice(-2);
  out.types = [...new Set(types)];
  out.messageId = message.id;
  out.metadata = message.metadata ?? null;
  out.text = message.parts
    .filter((part) => part.type === "text")
    .map((part) => part.text)
    .join("");
}

// 3. Once it ended there is nothing to resume.
out.afterEnd = await transport.reconnectToStream({ chatId });

// 4. Whether this version's schema refuses a field outside it (ai before 5.0.217 / 6.0.231 / 7.0.32 does):
// the relay's chunks passed the strict ones above.
try {
  const extra = new Response('data: {"type":"text-start","id":"x","extra":1}\n\n').body;
  for await (const _ of transport.processResponseStream(extra)) {
  }
  out.rejectsExtraFields = false;
} catch {
  out.rejectsExtraFields = true;
}
console.log(JSON.stringify(out));
