// The openai npm package against the relay: Chat Completions (streaming with usage, not streaming),
// Responses (stream, resume after a sequence number, retrieve) and an error. Prints one JSON object.
// Usage: node openai_client.mjs <base_url> <api_key>
import OpenAI from "openai";

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const messages = [{ role: "user", content: "Go." }];
const out = {};

const stream = await client.chat.completions.create({
  model: "default",
  messages,
  stream: true,
  stream_options: { include_usage: true },
});
out.chatText = "";
out.chatFinish = [];
for await (const chunk of stream) {
  if (chunk.choices.length) {
    out.chatText += chunk.choices[0].delta.content ?? "";
    if (chunk.choices[0].finish_reason) out.chatFinish.push(chunk.choices[0].finish_reason);
  } else {
    out.chatUsage = chunk.usage;
  }
}

const completion = await client.chat.completions.create({ model: "default", messages });
out.completionText = completion.choices[0].message.content;
out.completionUsage = completion.usage;

const events = await client.responses.create({ model: "default", input: "Go.", stream: true });
let responseId;
let cut = -1;
out.responseText = "";
for await (const event of events) {
  if (event.type === "response.created") responseId = event.response.id;
  if (event.type === "response.output_text.delta") {
    out.responseText += event.delta;
    if (out.responseText.length > 100) {
      cut = event.sequence_number;
      break; // the client drops
    }
  }
}
const rest = await client.responses.retrieve(responseId, { stream: true, starting_after: cut });
const types = [];
for await (const event of rest) {
  types.push(event.type);
  if (event.type === "response.output_text.delta") out.responseText += event.delta;
}
out.resumedLast = types.at(-1);
const retrieved = await client.responses.retrieve(responseId);
out.retrievedStatus = retrieved.status;
out.retrievedText = retrieved.output_text;

try {
  await client.chat.completions.create({ model: "no-such-model", messages });
} catch (error) {
  out.error = { name: error.constructor.name, status: error.status, code: error.code, param: error.param };
}
console.log(JSON.stringify(out));
