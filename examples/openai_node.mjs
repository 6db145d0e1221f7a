// splice-relay as a drop-in for the `openai` npm package: only `baseURL` changes.
// npm install openai; run a relay (`make run`); node examples/openai_node.mjs
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: (process.env.RELAY_URL ?? "http://127.0.0.1:8080") + "/v1",
  apiKey: process.env.RELAY_API_KEY ?? "unused",
});

const stream = await client.chat.completions.create({
  model: "default",
  messages: [{ role: "user", content: "Tell me about streaming relays" }],
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  if (chunk.choices.length) process.stdout.write(chunk.choices[0].delta.content ?? "");
  else console.log(`\n[usage: ${chunk.usage.prompt_tokens} in, ${chunk.usage.completion_tokens} out]`);
}

const response = await client.responses.create({ model: "default", input: "Tell me about streaming relays" });
console.log(response.status, response.output_text.slice(0, 60), "...");
const again = await client.responses.retrieve(response.id);
console.log(again.status, again.usage.total_tokens, "tokens");
