"use client";

// useChat with resume: reload the page mid-answer and the answer continues where it is, from the relay's log.
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { useEffect, useMemo, useState } from "react";

// Direct: the browser calls the relay itself (its server.cors_origins must list this page's origin).
// Unset: the route handlers under app/api/chat forward to the relay with the server's API key.
const RELAY_URL = process.env.NEXT_PUBLIC_RELAY_URL;
const RELAY_KEY = process.env.NEXT_PUBLIC_RELAY_KEY; // direct only, and only a key you may show the world (dev)
const ROUTE = process.env.NEXT_PUBLIC_RELAY_ROUTE ?? "failover-demo";

type Progress = { output_tokens: number; tokens_per_s: number; ttft_ms: number | null };
type Failover = { from: string; to: string; reason: string; at_char: number };

function stored(): { id: string; messages: UIMessage[] } {
  let id = sessionStorage.getItem("chat-id");
  if (id === null) {
    id = crypto.randomUUID();
    sessionStorage.setItem("chat-id", id);
  }
  return { id, messages: JSON.parse(sessionStorage.getItem(`chat-${id}`) ?? "[]") };
}

export default function Page() {
  const [chat, setChat] = useState<{ id: string; messages: UIMessage[] } | null>(null);
  useEffect(() => setChat(stored()), []); // sessionStorage exists only in the browser
  return chat === null ? null : <Chat id={chat.id} initial={chat.messages} />;
}

function Chat({ id, initial }: { id: string; initial: UIMessage[] }) {
  const transport = useMemo(
    () =>
      new DefaultChatTransport({
        api: RELAY_URL ? `${RELAY_URL.replace(/\/$/, "")}/v1/ui/chat` : "/api/chat",
        headers: RELAY_URL && RELAY_KEY ? { Authorization: `Bearer ${RELAY_KEY}` } : undefined,
        body: { route: ROUTE },
      }),
    [],
  );
  const [progress, setProgress] = useState<Progress | null>(null);
  const [failover, setFailover] = useState<Failover | null>(null);
  const { messages, sendMessage, status, error, stop } = useChat({
    id,
    messages: initial,
    resume: true, // on mount: GET {api}/{id}/stream, the running answer from its start (204: none)
    transport,
    onData: (part) => {
      if (part.type === "data-progress") setProgress(part.data as Progress);
      if (part.type === "data-failover") setFailover(part.data as Failover);
    },
  });
  const [input, setInput] = useState("");

  useEffect(() => {
    // Keep what is settled; a half-written answer is rebuilt by the resume instead.
    if (status !== "streaming") sessionStorage.setItem(`chat-${id}`, JSON.stringify(messages));
  }, [id, messages, status]);

  return (
    <main>
      <h1>splice-relay + useChat</h1>
      {messages.map((message) => (
        <p key={message.id} style={{ whiteSpace: "pre-wrap" }}>
          <b>{message.role}:</b>{" "}
          {message.parts.map((part) => (part.type === "text" ? part.text : "")).join("")}
        </p>
      ))}
      <p style={{ color: "#666" }}>
        {status}
        {progress && ` · ${progress.output_tokens} tokens · ${progress.tokens_per_s} tokens/s`}
        {failover && ` · failover at character ${failover.at_char}: ${failover.from} → ${failover.to} (${failover.reason})`}
      </p>
      {error && <p style={{ color: "crimson" }}>{error.message}</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!input.trim()) return;
          setProgress(null);
          setFailover(null);
          sendMessage({ text: input });
          setInput("");
        }}
      >
        <input value={input} onChange={(event) => setInput(event.target.value)} placeholder="Ask something" />
        <button type="submit" disabled={status === "submitted" || status === "streaming"}>
          Send
        </button>
        <button type="button" onClick={() => stop()} disabled={status !== "streaming"}>
          Stop reading
        </button>
      </form>
    </main>
  );
}
