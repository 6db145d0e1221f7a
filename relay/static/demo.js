// The splice-relay demo page: one stream at a time, read with the browser's EventSource.
//
// The stream being shown (its id, token, the last event id seen and the text so far) is kept in
// sessionStorage after every event, in one write, so a reload resumes from `last_event_id` with
// nothing repeated and nothing lost. Model text only ever reaches the page as text nodes.
"use strict";

(() => {
  const STREAM_KEY = "splice-relay-demo:stream";
  const API_KEY = "splice-relay-demo:api-key";

  const byId = (id) => document.getElementById(id);
  const el = {
    askForm: byId("ask-form"),
    route: byId("route"),
    routeTargets: byId("route-targets"),
    prompt: byId("prompt"),
    ask: byId("ask"),
    stop: byId("stop"),
    keyForm: byId("key-form"),
    keyMessage: byId("key-message"),
    apiKey: byId("api-key"),
    error: byId("error"),
    answer: byId("answer"),
    seams: byId("seams"),
    streamId: byId("stream-id"),
    stat: {
      state: byId("stat-state"),
      tokens: byId("stat-tokens"),
      speed: byId("stat-speed"),
      ttft: byId("stat-ttft"),
      elapsed: byId("stat-elapsed"),
      model: byId("stat-model"),
      cost: byId("stat-cost"),
    },
  };

  const STATE_LABELS = {
    idle: "idle",
    starting: "starting…",
    running: "streaming",
    reconnecting: "reconnecting…",
    done: "done",
    cancelled: "stopped",
    failed: "failed",
    lost: "lost",
  };

  let routes = new Map(); // name -> targets, from GET /v1/routes
  let state = null; // {id, token, route, prompt, lastEventId, parts, progress, cost, status, finish, error}
  let source = null; // the EventSource reading state's stream

  // -- storage ---------------------------------------------------------------

  function save() {
    try {
      if (state) sessionStorage.setItem(STREAM_KEY, JSON.stringify(state));
      else sessionStorage.removeItem(STREAM_KEY);
    } catch (error) {
      showError(`This tab cannot keep the stream for a reload (${error.name}).`);
    }
  }

  function restore() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STREAM_KEY));
      if (saved && typeof saved.id === "string" && typeof saved.token === "string" && Array.isArray(saved.parts)) {
        return saved;
      }
    } catch {
      // unreadable: start afresh
    }
    sessionStorage.removeItem(STREAM_KEY);
    return null;
  }

  const apiKey = () => sessionStorage.getItem(API_KEY) || "";
  const keyHeaders = () => (apiKey() ? { Authorization: `Bearer ${apiKey()}` } : {});

  // -- errors ------------------------------------------------------------------

  function showError(message) {
    el.error.textContent = message;
    el.error.hidden = false;
  }

  function clearError() {
    el.error.textContent = "";
    el.error.hidden = true;
  }

  async function describe(response) {
    let detail = "";
    try {
      const body = await response.json();
      if (body && body.error) detail = `${body.error.code}: ${body.error.message}`;
    } catch {
      // not JSON: the status says it
    }
    return `HTTP ${response.status}${detail ? ` (${detail})` : ""}`;
  }

  function failure(error) {
    const kind = error.kind && error.kind !== error.code ? `, ${error.kind}` : "";
    return `The answer failed: ${error.message} (${error.code}${kind}).`;
  }

  function askForKey(message) {
    el.keyMessage.textContent =
      message ||
      "This relay requires an API key to list routes and start streams. It is kept in this tab only " +
        "(sessionStorage) and sent as Authorization: Bearer.";
    el.keyForm.hidden = false;
    el.apiKey.focus();
  }

  // -- the answer: text nodes, and a mark where each failover happened ---------

  function textPart(target) {
    return { text: "", target: target || null };
  }

  function seamLabel(seam) {
    const strategy = seam.strategy || (seam.at_char === 0 ? "before any text" : "…");
    return `failover · ${seam.reason} · splice: ${strategy}`;
  }

  function seamNode(seam) {
    const mark = document.createElement("span");
    mark.className = "seam";
    mark.dataset.atChar = String(seam.at_char);
    mark.dataset.reason = seam.reason;
    mark.dataset.strategy = seam.strategy || "";
    mark.dataset.label = seamLabel(seam); // shown by CSS, so the answer's text stays the model's text only
    mark.title = `${seam.from} → ${seam.to} (${seam.reason}) at character ${seam.at_char}`;
    return mark;
  }

  function textNode(part, index) {
    const span = document.createElement("span");
    span.className = index === 0 ? "segment" : "segment after-seam";
    if (part.target) {
      span.dataset.target = part.target;
      span.title = part.target;
    }
    span.append(document.createTextNode(part.text));
    return span;
  }

  function renderAnswer() {
    const nodes = [];
    let texts = 0;
    for (const part of state ? state.parts : []) {
      nodes.push(part.seam ? seamNode(part.seam) : textNode(part, texts++));
    }
    el.answer.replaceChildren(...nodes);
    renderSeams();
  }

  function appendText(text) {
    const last = state.parts[state.parts.length - 1];
    last.text += text;
    const span = el.answer.lastElementChild;
    if (span && span.classList.contains("segment")) span.firstChild.appendData(text);
    else renderAnswer();
  }

  function renderSeams() {
    const items = [];
    for (const part of state ? state.parts : []) {
      if (!part.seam) continue;
      const seam = part.seam;
      const item = document.createElement("li");
      let text = `Failover at character ${seam.at_char}: ${seam.from} → ${seam.to} (${seam.reason}).`;
      if (seam.strategy) {
        text += ` Splice: ${seam.strategy}, ${seam.dropped_chars} characters dropped`;
        text += seam.overlap_chars ? ` (${seam.overlap_chars} of them overlap).` : ".";
      } else if (seam.at_char === 0) {
        text += " No text had been sent: the next target starts the answer.";
      }
      item.textContent = text;
      items.push(item);
    }
    el.seams.replaceChildren(...items);
  }

  // Split `text` at code-point offsets (what `at_char` counts), for a `reset` that replaces the text.
  function partsFrom(text, seams, firstTarget) {
    const chars = Array.from(text);
    const parts = [];
    let start = 0;
    let target = firstTarget;
    for (const seam of seams) {
      const at = Math.min(Math.max(seam.at_char, start), chars.length);
      parts.push({ text: chars.slice(start, at).join(""), target }, { seam });
      start = at;
      target = seam.to;
    }
    parts.push({ text: chars.slice(start).join(""), target });
    return parts;
  }

  // -- progress, cost, state ----------------------------------------------------

  function renderStats() {
    const status = state ? state.status : "idle";
    el.answer.dataset.state = status;
    el.stat.state.textContent =
      STATE_LABELS[status] + (state && state.finish && status === "done" ? ` (${state.finish})` : "");
    const progress = state && state.progress;
    el.stat.tokens.textContent = progress ? String(progress.output_tokens) : "–";
    el.stat.speed.textContent = progress ? progress.tokens_per_s.toFixed(1) : "–";
    el.stat.ttft.textContent = progress && progress.ttft_ms != null ? `${progress.ttft_ms} ms` : "–";
    el.stat.elapsed.textContent = progress ? `${(progress.elapsed_ms / 1000).toFixed(1)} s` : "–";
    el.stat.model.textContent = progress ? `${progress.provider}/${progress.model} (attempt ${progress.attempt})` : "–";
    const cost = state && state.cost;
    if (!cost) el.stat.cost.textContent = "–";
    else if (!cost.price_known) el.stat.cost.textContent = "price unknown";
    else {
      const notes = [cost.final ? "final" : "so far", ...(cost.estimated ? ["estimated"] : [])];
      el.stat.cost.textContent = `$${cost.usd.toFixed(6)} (${notes.join(", ")})`;
    }
    el.streamId.textContent = state ? state.id : "–";
    const busy = status === "starting" || status === "running" || status === "reconnecting";
    el.ask.disabled = busy;
    el.stop.disabled = !state || !(status === "running" || status === "reconnecting");
  }

  function setStatus(status) {
    state.status = status;
    renderStats();
  }

  // -- reading the stream ---------------------------------------------------------

  const handlers = {
    token(data) {
      appendText(data.text);
    },
    progress(data) {
      state.progress = data;
    },
    cost(data) {
      state.cost = data;
    },
    failover(data) {
      const seam = {
        from: data.from,
        to: data.to,
        reason: data.reason,
        at_char: data.at_char,
        strategy: null,
        overlap_chars: 0,
        dropped_chars: 0,
      };
      state.parts.push({ seam }, textPart(data.to));
      renderAnswer();
    },
    splice(data) {
      const last = [...state.parts].reverse().find((part) => part.seam);
      if (last) Object.assign(last.seam, data);
      renderAnswer();
    },
    reset(data) {
      const seams = state.parts.filter((part) => part.seam).map((part) => part.seam);
      state.parts = partsFrom(data.text, seams, state.parts[0] && state.parts[0].target);
      renderAnswer();
    },
    done(data) {
      state.finish = data.finish_reason;
      state.status = data.finish_reason === "cancelled" ? "cancelled" : "done";
      closeSource();
    },
    error(data) {
      state.error = data;
      state.status = "failed";
      closeSource();
      showError(failure(data));
    },
  };

  function closeSource() {
    if (source) source.close();
    source = null;
  }

  function connect() {
    closeSource();
    const params = new URLSearchParams({ token: state.token });
    if (state.lastEventId > 0) params.set("last_event_id", String(state.lastEventId));
    const reader = new EventSource(`/v1/streams/${encodeURIComponent(state.id)}/events?${params}`);
    source = reader;
    for (const [name, handle] of Object.entries(handlers)) {
      reader.addEventListener(name, (event) => {
        if (reader !== source) return;
        if (name === "error" && !event.data) return; // a connection error: below
        handle(JSON.parse(event.data));
        if (event.lastEventId) state.lastEventId = Number(event.lastEventId);
        if (state.status === "reconnecting") state.status = "running";
        save(); // the text and the id it follows, together: a reload resumes exactly here
        renderStats();
      });
    }
    reader.addEventListener("error", (event) => {
      if (reader !== source || event.data) return;
      if (reader.readyState === EventSource.CONNECTING) {
        setStatus("reconnecting"); // EventSource retries with Last-Event-ID on its own
        return;
      }
      closeSource(); // the relay answered something other than events: ask it what became of the stream
      settle();
    });
  }

  // The events connection was refused or ended with a 204: the snapshot says what the stream became.
  async function settle() {
    let response;
    try {
      response = await fetch(`/v1/streams/${encodeURIComponent(state.id)}`, {
        headers: { Authorization: `Bearer ${state.token}` },
      });
    } catch {
      setStatus("reconnecting");
      setTimeout(() => state && state.status === "reconnecting" && connect(), 2000);
      return;
    }
    if (!response.ok) {
      showError(`The stream can no longer be read: ${await describe(response)}.`);
      setStatus("lost");
      save();
      return;
    }
    const snapshot = await response.json();
    if (snapshot.status === "running") {
      setStatus("reconnecting");
      setTimeout(() => state && state.status === "reconnecting" && connect(), 2000);
      return;
    }
    const seams = state.parts.filter((part) => part.seam).map((part) => part.seam);
    state.parts = partsFrom(snapshot.text, seams, state.parts[0] && state.parts[0].target);
    state.finish = snapshot.finish_reason;
    state.status = { done: "done", cancelled: "cancelled", failed: "failed" }[snapshot.status] || "lost";
    if (snapshot.error) {
      state.error = snapshot.error;
      showError(failure(snapshot.error));
    }
    save();
    renderAnswer();
    renderStats();
  }

  // -- asking and stopping ----------------------------------------------------------

  async function ask(event) {
    event.preventDefault();
    if (state && ["starting", "running", "reconnecting"].includes(state.status)) return;
    clearError();
    const route = el.route.value;
    const prompt = el.prompt.value.trim();
    if (!route || !prompt) {
      showError(route ? "Write a prompt first." : "No route to ask: the relay's routes could not be listed.");
      return;
    }
    closeSource();
    state = null;
    save();
    renderAnswer();
    el.ask.disabled = true;
    el.stat.state.textContent = STATE_LABELS.starting;
    let response;
    try {
      response = await fetch("/v1/streams", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...keyHeaders() },
        body: JSON.stringify({ route, messages: [{ role: "user", content: prompt }] }),
      });
    } catch {
      showError("The relay cannot be reached.");
      renderStats();
      return;
    }
    if (!response.ok) {
      if (response.status === 401) askForKey();
      showError(`The relay refused the question: ${await describe(response)}.`);
      renderStats();
      return;
    }
    const created = await response.json();
    const targets = routes.get(route) || [];
    state = {
      id: created.id,
      token: created.token,
      route,
      prompt,
      lastEventId: 0,
      parts: [textPart(targets[0])],
      progress: null,
      cost: null,
      status: "running",
      finish: null,
      error: null,
    };
    save();
    renderAnswer();
    renderStats();
    connect();
  }

  async function stop() {
    if (!state) return;
    el.stop.disabled = true;
    let response;
    try {
      response = await fetch(`/v1/streams/${encodeURIComponent(state.id)}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${state.token}` },
      });
    } catch {
      showError("The relay cannot be reached to stop the stream.");
      renderStats();
      return;
    }
    if (!response.ok) {
      showError(`Stopping failed: ${await describe(response)}.`);
      renderStats();
    }
    // the stream itself ends with `done`, finish_reason "cancelled"
  }

  // -- routes and the API key ------------------------------------------------------

  async function loadRoutes() {
    let response;
    try {
      response = await fetch("/v1/routes", { headers: keyHeaders() });
    } catch {
      showError("The relay cannot be reached.");
      return;
    }
    if (response.status === 401) {
      askForKey(apiKey() ? "The relay refused this API key. Enter another." : null);
      return;
    }
    if (!response.ok) {
      showError(`The routes could not be listed: ${await describe(response)}.`);
      return;
    }
    const body = await response.json();
    routes = new Map(body.routes.map((route) => [route.name, route.targets]));
    const options = body.routes.map((route) => new Option(route.name, route.name));
    el.route.replaceChildren(...options);
    const wanted = (state && state.route) || body.default;
    if (wanted && routes.has(wanted)) el.route.value = wanted;
    showTargets();
  }

  function showTargets() {
    const targets = routes.get(el.route.value) || [];
    el.routeTargets.textContent = targets.length ? targets.join(" → ") : "";
  }

  function useKey(event) {
    event.preventDefault();
    const key = el.apiKey.value.trim();
    if (!key) return;
    sessionStorage.setItem(API_KEY, key);
    el.apiKey.value = "";
    el.keyForm.hidden = true;
    clearError();
    loadRoutes();
  }

  // -- start -------------------------------------------------------------------------

  el.askForm.addEventListener("submit", ask);
  el.keyForm.addEventListener("submit", useKey);
  el.stop.addEventListener("click", stop);
  el.route.addEventListener("change", showTargets);
  el.prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) el.askForm.requestSubmit();
  });

  state = restore();
  if (state) el.prompt.value = state.prompt;
  if (state && state.error) showError(failure(state.error));
  renderAnswer();
  renderStats();
  loadRoutes();
  if (state && ["running", "reconnecting", "starting"].includes(state.status)) {
    state.status = "running";
    connect(); // a reload mid-answer: the same stream, from the last event this tab saw
  }
})();
