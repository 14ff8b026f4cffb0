// KIM Bot simulator page: act as Telegram (and, when enabled, WhatsApp) users against the
// local emulator. Talks only to the emulator's /sim and /sim/wa APIs (see docs/emulator.md);
// no build step, no CDN.
"use strict";

const state = {
  world: { version: 0, epoch: 0, bots: [], users: [], chats: [] },
  personaId: null,   // selected user id
  botId: null,       // selected bot id
  chatId: null,      // open chat: a group/channel id, or the persona id for the bot dialog
  chatVersion: 0,
  messages: new Map(),
  chatAbort: null,
  blocked: false,    // whether the persona blocked the selected bot
  atBottom: true,    // whether the message list shows its newest message
  replyTo: null,     // the message the next one replies to (Telegram's reply), or null
  mode: "tg",        // "tg": a Telegram persona or chat is open; "wa": a WhatsApp persona
  wa: {
    enabled: false,
    world: { version: 0, epoch: 0, users: [], display_phone_number: "" },
    key: null,       // selected WhatsApp persona (BSUID or wa_id)
    version: 0,      // conversation version seen
    messages: new Map(),
    abort: null,
  },
};

const $ = (id) => document.getElementById(id);

// ---------- HTTP helpers ----------

async function api(method, path, body, signal) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal,
  });
  const data = await response.json();
  if (!data.ok) {
    const error = new Error(data.description || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return data.result;
}

function showError(error) {
  const box = $("error");
  box.textContent = String(error.message || error);
  box.hidden = false;
  setTimeout(() => { box.hidden = true; }, 5000);
}

function showToast(text) {
  const toast = $("toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => { toast.hidden = true; }, 4000);
}

// Only follow ordinary links from bot content (no javascript: URLs in the page).
function safeUrl(url) {
  const text = String(url || "");
  if (/^(https?:|tg:|mailto:)/i.test(text)) return text;
  return /^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(text) ? `https://${text}` : "#";
}

const persona = () => state.world.users.find((u) => u.id === state.personaId) || null;
const groupChat = (id) => state.world.chats.find((c) => c.id === id) || null;

// ---------- world: personas, bots, chats ----------

async function pollWorld() {
  for (;;) {
    try {
      const world = await api("GET", `/sim/state?since=${state.world.version}&wait=25`);
      const personaGone = state.personaId !== null && !world.users.some((u) => u.id === state.personaId);
      if (world.epoch !== state.world.epoch || personaGone) {
        // the world was reset (or the persona is gone): start over with no selection
        if (state.chatAbort) state.chatAbort.abort();
        state.personaId = null;
        state.chatId = null;
        state.messages = new Map();
        $("messages").replaceChildren();
      }
      state.world = world;
      $("status").textContent = "connected";
      if (state.botId === null && world.bots.length) state.botId = world.bots[0].id;
      renderBots();
      renderPersonas();
      renderChats();
      renderHeader();
    } catch (error) {
      $("status").textContent = "emulator unreachable, retrying…";
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

function renderBots() {
  const picker = $("bot-picker");
  const current = String(state.botId);
  picker.replaceChildren(...state.world.bots.map((bot) => {
    const option = document.createElement("option");
    option.value = String(bot.id);
    option.textContent = `@${bot.username}`;
    return option;
  }));
  picker.value = current;
}

function renderPersonas() {
  const list = $("persona-list");
  list.replaceChildren(...state.world.users.map((user) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.testid = "persona";
    button.dataset.userId = String(user.id);
    button.className = user.id === state.personaId ? "selected" : "";
    button.setAttribute("aria-pressed", String(user.id === state.personaId));
    const lang = user.language_code ? ` · ${user.language_code}` : "";
    const handle = user.username ? ` @${user.username}` : "";
    button.textContent = `${user.name}${handle}${lang}`;
    button.title = `user id ${user.id}`;
    button.addEventListener("click", () => selectPersona(user.id));
    item.append(button);
    return item;
  }));
  if (!state.world.users.length) {
    const empty = document.createElement("li");
    empty.className = "hint";
    empty.textContent = "No personas yet — add one below.";
    list.append(empty);
  }
}

async function renderChats() {
  const list = $("chat-list");
  let summaries = state.world.chats;
  if (state.personaId) {
    try {
      summaries = (await api("GET", `/sim/chats?user=${state.personaId}`)).filter((c) => c.type !== "private");
    } catch (error) {
      showError(error);
    }
  }
  list.replaceChildren(...summaries.map((chat) => {
    const item = document.createElement("li");
    item.className = chat.id === state.chatId ? "selected" : "";
    const open = document.createElement("button");
    open.type = "button";
    open.dataset.testid = "chat-item";
    open.dataset.chatId = String(chat.id);
    const badge = chat.type === "channel" ? "📢" : chat.is_forum ? "🗂" : "👥";
    open.textContent = `${badge} ${chat.title}`;
    open.addEventListener("click", () => openChat(chat.id));
    item.append(open);
    const info = document.createElement("span");
    info.className = "hint";
    const status = chat.membership === undefined ? "" : (chat.membership || "not a member");
    info.textContent = [chat.type, chat.join_by_request ? "join by request" : "", status]
      .filter(Boolean).join(" · ");
    item.append(info);
    if (state.personaId && (chat.membership === null || chat.membership === "left")) {
      const join = document.createElement("button");
      join.type = "button";
      join.dataset.testid = "join-request";
      join.dataset.chatId = String(chat.id);
      join.textContent = chat.join_by_request ? "Request to join" : "Join";
      join.addEventListener("click", () => joinChat(chat.id));
      item.append(join);
    }
    return item;
  }));
}

// ---------- the open chat ----------

function renderHeader() {
  if (state.mode === "wa") { renderWaHeader(); return; }
  const user = persona();
  const chat = state.chatId !== null && state.chatId < 0 ? groupChat(state.chatId) : null;
  const bot = state.world.bots.find((b) => b.id === state.botId);
  if (!user && !chat) {
    $("chat-title").textContent = "Pick a persona";
    $("chat-subtitle").textContent = "";
  } else if (chat) {
    $("chat-title").textContent = chat.title;
    $("chat-subtitle").textContent = `${chat.type} ${chat.id}` + (user ? ` · as ${user.name}` : "");
  } else {
    $("chat-title").textContent = bot ? `@${bot.username}` : "no bot registered";
    $("chat-subtitle").textContent = `private chat as ${user.name} (${user.id})`;
  }
  const blocked = Boolean(user && bot && state.blocked);
  $("block-toggle").textContent = blocked ? "Unblock bot" : "Block bot";
}

async function selectPersona(userId) {
  state.personaId = userId;
  renderPersonas();
  await refreshBlocked();
  openChat(userId);
  renderChats();
}

async function refreshBlocked() {
  if (!state.personaId) return;
  try {
    const user = await api("GET", `/sim/users/${state.personaId}`);
    state.blocked = user.blocked_bots.includes(state.botId);
  } catch (error) {
    showError(error);
  }
  renderHeader();
}

function openChat(chatId) {
  leaveWhatsApp();
  if (state.chatAbort) state.chatAbort.abort();
  state.chatId = chatId;
  state.chatVersion = 0;
  state.messages = new Map();
  $("messages").replaceChildren();
  $("reply-keyboard").hidden = true;
  setReplyTo(null);
  renderHeader();
  renderChats();
  pollChat();
}

function chatQuery() {
  return state.chatId > 0 ? `&bot=${state.botId}` : "";
}

async function pollChat() {
  const controller = new AbortController();
  state.chatAbort = controller;
  const chatId = state.chatId;
  while (!controller.signal.aborted && chatId === state.chatId) {
    try {
      const result = await api(
        "GET",
        `/sim/chats/${chatId}/messages?since=${state.chatVersion}&wait=25${chatQuery()}`,
        undefined,
        controller.signal,
      );
      if (controller.signal.aborted) return;
      state.chatVersion = result.version;
      for (const message of result.messages) state.messages.set(message.message_id, message);
      renderMessages();
    } catch (error) {
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

async function pollTyping() {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    if (state.chatId === null) continue;
    try {
      const chat = await api("GET", `/sim/chats/${state.chatId}?${chatQuery().slice(1)}`);
      const fresh = chat.action && Date.now() / 1000 - chat.action.date < 5;
      $("typing").hidden = !fresh;
      if (fresh) $("typing").textContent = `bot: ${chat.action.action.replace("_", " ")}…`;
    } catch (error) {
      $("typing").hidden = true;
    }
  }
}

const ENTITY_TAGS = {
  bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code",
  pre: "pre", spoiler: "span", blockquote: "blockquote", expandable_blockquote: "blockquote",
};

// Build DOM for text with Telegram entities; offsets are UTF-16 units, like JS strings.
function renderText(text, entities) {
  const fragment = document.createDocumentFragment();
  const cuts = new Set([0, text.length]);
  for (const e of entities || []) { cuts.add(e.offset); cuts.add(e.offset + e.length); }
  const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
  for (let i = 0; i < points.length - 1; i++) {
    const [start, end] = [points[i], points[i + 1]];
    let node = document.createTextNode(text.slice(start, end));
    for (const e of entities || []) {
      if (e.offset > start || e.offset + e.length < end) continue;
      let wrapper = null;
      if (e.type === "text_link" || e.type === "url") {
        wrapper = document.createElement("a");
        wrapper.href = safeUrl(e.type === "url" ? text.slice(e.offset, e.offset + e.length) : e.url);
        wrapper.target = "_blank";
        wrapper.rel = "noopener";
      } else if (ENTITY_TAGS[e.type]) {
        wrapper = document.createElement(ENTITY_TAGS[e.type]);
        if (e.type === "spoiler") wrapper.className = "spoiler";
      } else if (["bot_command", "mention", "hashtag", "email"].includes(e.type)) {
        wrapper = document.createElement("span");
        wrapper.className = "auto-entity";
      }
      if (wrapper) { wrapper.append(node); node = wrapper; }
    }
    fragment.append(node);
  }
  return fragment;
}

function serviceText(message) {
  const s = message.service || {};
  if (s.new_chat_members) return `${s.new_chat_members.map((u) => u.first_name).join(", ")} joined`;
  if (s.left_chat_member) return `${s.left_chat_member.first_name} left`;
  if (s.forum_topic_created) return `topic “${s.forum_topic_created.name}” created`;
  if (s.migrate_to_chat_id) return `group moved to supergroup ${s.migrate_to_chat_id}`;
  if (s.migrate_from_chat_id) return `upgraded from group ${s.migrate_from_chat_id}`;
  return Object.keys(s).join(", ");
}

function renderMedia(message) {
  const box = document.createElement("div");
  box.className = "media";
  const media = message.media;
  if (message.kind === "photo" || message.kind === "sticker") {
    if (media && media.url) {
      const img = document.createElement("img");
      img.src = media.url;
      img.alt = message.kind;
      img.dataset.testid = "message-photo";
      box.append(img);
    } else {
      box.textContent = `[${message.kind}]`;
    }
  } else if (message.kind === "location") {
    box.textContent = `📍 ${message.payload.latitude}, ${message.payload.longitude}`;
  } else if (message.kind === "contact") {
    box.textContent = `👤 ${message.payload.first_name} ${message.payload.phone_number}`;
  } else if (media) {
    const link = document.createElement("a");
    link.href = media.url || "#";
    link.target = "_blank";
    if (media.url && media.url.startsWith("/sim/")) link.download = media.file_name || message.kind;
    link.dataset.testid = "message-file";
    link.textContent = `📎 ${media.file_name || message.kind} (${media.size} bytes)`;
    box.append(link);
  }
  return box;
}

function renderButtons(message) {
  const rows = document.createElement("div");
  rows.className = "inline-keyboard";
  for (const row of message.buttons || []) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      let control;
      if (button.url) {
        control = document.createElement("a");
        control.href = safeUrl(button.url);
        control.target = "_blank";
        control.rel = "noopener";
        control.dataset.testid = "inline-url";
        control.textContent = `${button.text} ↗`;
      } else {
        control = document.createElement("button");
        control.type = "button";
        control.dataset.testid = "inline-button";
        control.dataset.callbackData = button.callback_data || "";
        control.textContent = button.text;
        control.addEventListener("click", () => pressButton(message, button));
      }
      control.className = "inline-button";
      line.append(control);
    }
    rows.append(line);
  }
  return rows;
}

// The link preview Telegram would show under a text with a link, unless the sender's
// link_preview_options disabled it (or named another URL to preview).
function linkPreview(message) {
  const options = message.link_preview || {};
  if (message.text === null || options.is_disabled) return null;
  const first = (message.entities || []).find((e) => e.type === "url" || e.type === "text_link");
  const url = options.url || (first && (first.type === "url"
    ? message.text.slice(first.offset, first.offset + first.length) : first.url));
  if (!url) return null;
  const card = document.createElement("a");
  card.className = "link-preview";
  card.dataset.testid = "link-preview";
  card.href = safeUrl(url);
  card.target = "_blank";
  card.rel = "noopener noreferrer";
  card.textContent = "🔗 " + url;
  return card;
}

function renderMessages() {
  const list = $("messages");
  const sorted = [...state.messages.values()].sort((a, b) => a.message_id - b.message_id);
  list.replaceChildren(...sorted.map((message) => {
    const item = document.createElement("li");
    item.dataset.testid = "message";
    item.dataset.messageId = String(message.message_id);
    const mine = message.from && message.from.id === state.personaId;
    const fromBot = message.from && message.from.is_bot;
    item.className = ["message", mine ? "mine" : "", fromBot ? "bot" : "",
      message.kind === "service" ? "service" : "", message.deleted ? "deleted" : ""].join(" ");
    if (message.kind === "service") {
      item.textContent = serviceText(message);
      return item;
    }
    const who = document.createElement("div");
    who.className = "who";
    const sender = message.sender_chat ? message.sender_chat.title : (message.from ? message.from.name : "?");
    who.textContent = sender + (message.message_thread_id ? ` · topic ${message.message_thread_id}` : "");
    item.append(who);
    if (message.forward_origin) {
      const fwd = document.createElement("div");
      fwd.className = "hint";
      const origin = message.forward_origin;
      const name = origin.sender_user ? origin.sender_user.first_name
        : origin.chat ? origin.chat.title : origin.sender_user_name || "someone";
      fwd.textContent = `forwarded from ${name}`;
      item.append(fwd);
    }
    if (message.reply_to_message_id) {
      const quoted = state.messages.get(message.reply_to_message_id);
      const reply = document.createElement("div");
      reply.className = "quote";
      reply.textContent = quoted ? (quoted.text || quoted.caption || `[${quoted.kind}]`) : "reply";
      item.append(reply);
    }
    if (message.kind !== "text") item.append(renderMedia(message));
    const body = document.createElement("div");
    body.className = "text";
    body.dataset.testid = "message-text";
    if (message.text !== null) body.append(renderText(message.text, message.entities));
    else if (message.caption) body.append(renderText(message.caption, message.caption_entities));
    item.append(body);
    const preview = linkPreview(message);
    if (preview) item.append(preview);
    if (message.buttons) item.append(renderButtons(message));
    const meta = document.createElement("div");
    meta.className = "meta";
    const time = new Date(message.date * 1000).toLocaleTimeString();
    meta.textContent = time + (message.edited ? " · edited" : "") + (message.deleted ? " · deleted" : "")
      + (message.protected ? " · protected" : "");
    if (!message.deleted) {
      const reply = document.createElement("button");
      reply.type = "button";
      reply.className = "reply-to";
      reply.dataset.testid = "reply-to";
      reply.textContent = "↩ Reply";
      reply.title = "Reply to this message";
      reply.addEventListener("click", () => setReplyTo(message));
      meta.append(" ", reply);
    }
    item.append(meta);
    return item;
  }));
  list.scrollTop = list.scrollHeight;
  state.atBottom = true;
  renderReplyKeyboard(sorted);
}

function renderReplyKeyboard(sorted) {
  const box = $("reply-keyboard");
  const last = [...sorted].reverse().find((m) => m.reply_keyboard && m.from && m.from.is_bot);
  if (!last || !last.reply_keyboard.keyboard) { box.hidden = true; return; }
  box.replaceChildren(...last.reply_keyboard.keyboard.map((row) => {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const control = document.createElement("button");
      control.type = "button";
      control.dataset.testid = "reply-button";
      control.textContent = button.text;
      control.addEventListener("click", () => sendText(button.text));
      line.append(control);
    }
    return line;
  }));
  box.hidden = false;
}

// ---------- acting as the persona ----------

function actionTarget() {
  if (state.chatId !== null && state.chatId < 0) return { chat_id: state.chatId };
  return { bot: state.botId };
}

function setReplyTo(message) {
  state.replyTo = message ? message.message_id : null;
  const banner = $("replying-to");
  banner.hidden = !message;
  $("replying-to-text").textContent = message
    ? (message.text || message.caption || `[${message.kind}]`).slice(0, 120) : "";
}

async function send(body) {
  if (!state.personaId) { showError("Pick a persona first"); return; }
  const reply = state.replyTo !== null ? { reply_to_message_id: state.replyTo } : {};
  try {
    await api("POST", `/sim/users/${state.personaId}/send`, { ...actionTarget(), ...reply, ...body });
    setReplyTo(null);
  } catch (error) {
    showError(error);
  }
}

async function sendText(text) {
  if (!text.trim()) return;
  if (state.mode === "wa") { await waSend({ text }); return; }
  await send({ text });
}

async function pressButton(message, button) {
  try {
    const result = await api("POST", `/sim/users/${state.personaId}/press`, {
      ...actionTarget(), message_id: message.message_id, data: button.callback_data, wait: 10,
    });
    const answer = result.callback && result.callback.answer;
    if (answer && answer.text) showToast(answer.show_alert ? `⚠ ${answer.text}` : answer.text);
    else if (answer && answer.url) window.open(safeUrl(answer.url), "_blank");
  } catch (error) {
    showError(error);
  }
}

async function joinChat(chatId) {
  try {
    const result = await api("POST", `/sim/users/${state.personaId}/join`, { chat_id: chatId });
    showToast(result.status === "requested" ? "Join request sent" : "Joined");
    renderChats();
  } catch (error) {
    showError(error);
  }
}

const PRESETS = {
  "resident-id": { first_name: "Siti", language_code: "id", role: "resident" },
  "resident-en": { first_name: "John", language_code: "en", role: "resident" },
  admin: { first_name: "Admin KIM", language_code: "id", role: "admin" },
  staff: { first_name: "Staf Kelurahan", language_code: "id", role: "staff" },
};

// The program running the emulator (kimbot demo) may have reserved user ids that its bot
// gives a role (/sim/presets): a KIM admin or staff persona then takes the next of those,
// joining the staff desk group, so the bot treats it as an admin or staff member.
async function reservedPersona(role) {
  try {
    return await api("POST", `/sim/presets/${role}/people`, {});
  } catch (error) {
    if (error.status === 404) return null;  // no preset for this role: a plain persona
    throw error;
  }
}

async function createPersona(fields) {
  if ((fields.role === "admin" || fields.role === "staff") && !fields.id) {
    const reserved = await reservedPersona(fields.role);
    if (reserved) {
      await selectPersona(reserved.id);
      return reserved;
    }
  }
  const body = { first_name: fields.first_name, language_code: fields.language_code };
  if (fields.username) body.username = fields.username;
  if (fields.id) body.id = Number(fields.id);
  const user = await api("POST", "/sim/users", body);
  if (fields.role === "staff") await joinStaffGroup(user);
  await selectPersona(user.id);
  return user;
}

async function joinStaffGroup(user) {
  const existing = state.world.chats.find((c) => c.title === "Staf KIM");
  if (!existing) {
    await api("POST", "/sim/chats", {
      type: "supergroup", title: "Staf KIM", creator_id: user.id, bots: [{ bot: state.botId, admin: true }],
    });
    return;
  }
  const chat = await api("GET", `/sim/chats/${existing.id}`);
  const creator = chat.members.find((m) => m.status === "creator");
  await api("POST", `/sim/chats/${existing.id}/members`, { user_id: user.id, by: creator ? creator.user_id : user.id });
}

// ---------- wiring ----------

// A resize (phone rotation, narrower window) re-wraps the messages; stay at the newest one.
function keepNewestInView() {
  const list = $("messages");
  list.addEventListener("scroll", () => {
    state.atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  });
  new ResizeObserver(() => {
    if (state.atBottom) list.scrollTop = list.scrollHeight;
  }).observe(list);
}

function wire() {
  keepNewestInView();
  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("message-input");
    const text = input.value;
    input.value = "";
    await sendText(text);
  });
  $("reply-cancel").addEventListener("click", () => setReplyTo(null));
  $("send-start").addEventListener("click", async () => {
    if (state.mode === "wa") { await waSend({ text: "DAFTAR" }); return; }
    if (!state.personaId) { showError("Pick a persona first"); return; }
    try {
      await api("POST", `/sim/users/${state.personaId}/start`, { bot: state.botId });
      if (state.chatId !== state.personaId) openChat(state.personaId);
    } catch (error) {
      showError(error);
    }
  });
  $("send-photo").addEventListener("click", () => {
    const caption = $("message-input").value || undefined;
    if (state.mode === "wa") waSend({ image: true, caption });
    else send({ photo: true, caption });
  });
  $("send-location").addEventListener("click", () => {
    const location = { latitude: -6.0025, longitude: 106.0111 };
    if (state.mode === "wa") waSend({ location });
    else send({ location });
  });
  $("open-private").addEventListener("click", () => { if (state.personaId) openChat(state.personaId); });
  $("wa-window-toggle").addEventListener("click", toggleWaWindow);
  $("wa-persona-form").addEventListener("submit", createWaPersona);
  $("block-toggle").addEventListener("click", async () => {
    if (state.mode === "wa") { await toggleWaBlock(); return; }
    if (!state.personaId) return;
    try {
      await api("POST", `/sim/users/${state.personaId}/${state.blocked ? "unblock" : "block"}`, { bot: state.botId });
      await refreshBlocked();
    } catch (error) {
      showError(error);
    }
  });
  $("bot-picker").addEventListener("change", (event) => {
    state.botId = Number(event.target.value);
    refreshBlocked();
    if (state.chatId !== null && state.chatId > 0) openChat(state.chatId);
  });
  $("persona-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await createPersona(Object.fromEntries(form.entries()));
      event.target.reset();
    } catch (error) {
      showError(error);
    }
  });
  for (const button of document.querySelectorAll("[data-preset]")) {
    button.addEventListener("click", async () => {
      const preset = PRESETS[button.dataset.preset];
      const count = state.world.users.length + 1;
      try {
        await createPersona({ ...preset, first_name: `${preset.first_name} ${count}` });
      } catch (error) {
        showError(error);
      }
    });
  }
  $("chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!state.personaId) { showError("Pick the persona who owns the chat first"); return; }
    const form = new FormData(event.target);
    const type = form.get("type");
    try {
      const chat = await api("POST", "/sim/chats", {
        type,
        title: form.get("title"),
        creator_id: state.personaId,
        join_by_request: form.get("join_by_request") === "on",
        is_forum: form.get("is_forum") === "on",
        bots: form.get("bot_admin") === "on" || type === "channel"
          ? [{ bot: state.botId, admin: true }] : [{ bot: state.botId, admin: false }],
      });
      event.target.reset();
      openChat(chat.id);
    } catch (error) {
      showError(error);
    }
  });
}

// ---------- WhatsApp personas (only when the emulator serves WhatsApp) ----------

const waUser = () => state.wa.world.users.find((u) => u.key === state.wa.key) || null;

async function waInit() {
  try {
    const response = await fetch("/sim/wa/config");
    if (!response.ok) return;  // the emulator was started without WhatsApp
  } catch (error) {
    return;
  }
  state.wa.enabled = true;
  $("wa-section").hidden = false;
  pollWaWorld();
}

async function pollWaWorld() {
  for (;;) {
    try {
      const world = await api("GET", `/sim/wa/state?since=${state.wa.world.version}&wait=25`);
      const gone = state.wa.key !== null && !world.users.some((u) => u.key === state.wa.key);
      state.wa.world = world;
      $("wa-business").textContent =
        `${world.business_name} · +${world.display_phone_number} · phone id ${world.phone_number_id}`;
      if (state.mode === "wa" && (gone || world.epoch !== state.wa.epoch)) {
        state.wa.epoch = world.epoch;
        if (gone) { leaveWhatsApp(); renderHeader(); }
      }
      renderWaPersonas();
      if (state.mode === "wa") renderWaHeader();
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

function renderWaPersonas() {
  const list = $("wa-persona-list");
  list.replaceChildren(...state.wa.world.users.map((user) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    const selected = state.mode === "wa" && user.key === state.wa.key;
    button.className = selected ? "wa selected" : "wa";
    button.dataset.testid = "wa-persona";
    button.dataset.waKey = user.key;
    button.setAttribute("aria-pressed", String(selected));
    const phone = user.wa_id ? ` · +${user.wa_id}` : " · number hidden";
    const flags = (user.blocked ? " · blocked" : "") + (user.window.open ? "" : " · window closed");
    button.textContent = `🟢 WA · ${user.name}${phone}${flags}`;
    button.title = `WhatsApp ${user.user_id || "(no BSUID)"} ${user.wa_id || ""}`.trim();
    button.addEventListener("click", () => selectWaPersona(user.key));
    item.append(button);
    return item;
  }));
  if (!state.wa.world.users.length) {
    const empty = document.createElement("li");
    empty.className = "hint";
    empty.textContent = "No WhatsApp personas yet.";
    list.append(empty);
  }
}

function setWaMode(on) {
  state.mode = on ? "wa" : "tg";
  $("messages").classList.toggle("wa", on);
  $("wa-window-toggle").hidden = !on;
  $("open-private").hidden = on;
  $("send-start").textContent = on ? "DAFTAR" : "/start";
  if (on) { $("reply-keyboard").hidden = true; $("typing").hidden = true; setReplyTo(null); }
}

// Leave the WhatsApp conversation (before a Telegram persona or chat is opened).
function leaveWhatsApp() {
  if (state.mode !== "wa") return;
  if (state.wa.abort) state.wa.abort.abort();
  state.wa.key = null;
  state.wa.messages = new Map();
  setWaMode(false);
  $("messages").replaceChildren();
  renderWaPersonas();
}

function selectWaPersona(key) {
  if (state.chatAbort) state.chatAbort.abort();
  if (state.wa.abort) state.wa.abort.abort();
  state.personaId = null;
  state.chatId = null;
  state.wa.key = key;
  state.wa.version = 0;
  state.wa.epoch = state.wa.world.epoch;
  state.wa.messages = new Map();
  setWaMode(true);
  $("messages").replaceChildren();
  renderPersonas();
  renderWaPersonas();
  renderChats();
  renderWaHeader();
  pollWaChat();
}

// The window closes up to 24 h from now, so tomorrow's 09:15 must not read as today's.
function windowCloses(seconds) {
  return new Date(seconds * 1000).toLocaleString(undefined, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}

function renderWaHeader() {
  const user = waUser();
  const world = state.wa.world;
  $("chat-title").textContent = `${world.business_name || "KIM Bot"} on WhatsApp`;
  if (!user) { $("chat-subtitle").textContent = ""; return; }
  const windowText = user.window.open
    ? `24 h window open until ${windowCloses(user.window.closes_at)}`
    : "24 h window closed: only templates reach this person";
  $("chat-subtitle").textContent = `WhatsApp as ${user.name} (${user.key}) · ${windowText}`;
  $("block-toggle").textContent = user.blocked ? "Unblock business" : "Block business";
  $("wa-window-toggle").textContent = user.window.open ? "Expire 24 h window" : "Open 24 h window";
}

async function pollWaChat() {
  const controller = new AbortController();
  state.wa.abort = controller;
  const key = state.wa.key;
  while (!controller.signal.aborted && key === state.wa.key) {
    try {
      const result = await api(
        "GET",
        `/sim/wa/users/${encodeURIComponent(key)}/messages?since=${state.wa.version}&wait=25`,
        undefined,
        controller.signal,
      );
      if (controller.signal.aborted) return;
      state.wa.version = result.version;
      for (const message of result.messages) state.wa.messages.set(message.seq, message);
      renderWaMessages();
    } catch (error) {
      if (controller.signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

const TICKS = { accepted: "🕓", sent: "✓", delivered: "✓✓", read: "✓✓", failed: "⚠" };

function waChoiceButton(label, testid, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.dataset.testid = testid;
  button.textContent = label;
  button.addEventListener("click", onClick);
  return button;
}

function renderWaInteractive(message) {
  const box = document.createElement("div");
  box.className = "wa-buttons";
  for (const choice of message.buttons || []) {
    const button = waChoiceButton(choice.title, "wa-reply-button",
      () => waAct("press", { id: choice.id, message_id: message.id }));
    button.dataset.buttonId = choice.id;
    box.append(button);
  }
  if (message.list) {
    const rows = document.createElement("ul");
    rows.className = "wa-rows";
    rows.hidden = true;
    for (const section of message.list.sections) {
      if (section.title) {
        const head = document.createElement("li");
        head.className = "hint";
        head.textContent = section.title;
        rows.append(head);
      }
      for (const row of section.rows) {
        const item = document.createElement("li");
        const button = waChoiceButton(row.title, "wa-list-row",
          () => waAct("pick", { id: row.id, message_id: message.id }));
        button.dataset.rowId = row.id;
        if (row.description) {
          const description = document.createElement("span");
          description.className = "hint";
          description.textContent = row.description;
          button.append(description);
        }
        item.append(button);
        rows.append(item);
      }
    }
    const opener = waChoiceButton(`☰ ${message.list.button}`, "wa-list-button",
      () => { rows.hidden = !rows.hidden; });
    box.append(opener, rows);
  }
  if (message.url_button) {
    const link = document.createElement("a");
    link.href = safeUrl(message.url_button.url);
    link.target = "_blank";
    link.rel = "noopener";
    link.dataset.testid = "wa-url-button";
    link.textContent = `${message.url_button.display_text} ↗`;
    box.append(link);
  }
  return box;
}

function renderWaMessages() {
  const list = $("messages");
  const user = waUser();
  const sorted = [...state.wa.messages.values()].sort((a, b) => a.seq - b.seq);
  list.replaceChildren(...sorted.map((message) => {
    const item = document.createElement("li");
    item.dataset.testid = "wa-message";
    item.dataset.seq = String(message.seq);
    const mine = message.direction === "in";
    item.className = `message ${mine ? "wa-mine" : "bot"}`;
    const who = document.createElement("div");
    who.className = "who";
    who.textContent = mine ? (user ? user.name : "you") : state.wa.world.business_name || "KIM Bot";
    item.append(who);
    if (message.forwarded) {
      const fwd = document.createElement("div");
      fwd.className = "hint";
      fwd.textContent = "forwarded";
      item.append(fwd);
    }
    if (message.template) {
      const tag = document.createElement("div");
      tag.className = "wa-tag";
      tag.textContent = `template ${message.template.name} (${message.template.language})`;
      item.append(tag);
    }
    if (message.reply) {
      const quote = document.createElement("div");
      quote.className = "quote";
      quote.textContent = `↩ ${message.reply.kind === "list_reply" ? "row" : "button"}`;
      item.append(quote);
    }
    if (message.header) {
      const header = document.createElement("div");
      header.className = "wa-header";
      header.textContent = message.header;
      item.append(header);
    }
    if (message.media) {
      const box = document.createElement("div");
      box.className = "media";
      if (message.type === "image" && message.media.url) {
        const img = document.createElement("img");
        img.src = message.media.url;
        img.alt = "image";
        img.dataset.testid = "wa-photo";
        box.append(img);
      } else {
        const link = document.createElement("a");
        const url = message.media.url || "";
        link.href = url.startsWith("/sim/") ? url : safeUrl(url);
        link.target = "_blank";
        if (url.startsWith("/sim/")) link.download = message.media.filename || message.type;
        link.dataset.testid = "wa-file";
        link.textContent = `📎 ${message.media.filename || message.type}`;
        box.append(link);
      }
      item.append(box);
    }
    if (message.location) {
      const place = document.createElement("div");
      place.textContent = `📍 ${message.location.latitude}, ${message.location.longitude}`;
      item.append(place);
    }
    const body = document.createElement("div");
    body.className = "text";
    body.dataset.testid = "message-text";
    body.textContent = message.text || "";  // numbered choices and *bold* shown as sent
    item.append(body);
    if (message.footer) {
      const footer = document.createElement("div");
      footer.className = "wa-footer";
      footer.textContent = message.footer;
      item.append(footer);
    }
    if (!mine && (message.buttons || message.list || message.url_button)) {
      item.append(renderWaInteractive(message));
    }
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = new Date(message.timestamp * 1000).toLocaleTimeString();
    if (!mine) {
      const ticks = document.createElement("span");
      ticks.className = `ticks ${message.status}`;
      ticks.dataset.testid = "wa-status";
      ticks.textContent = TICKS[message.status] || message.status;
      ticks.title = message.error ? `${message.error.code} ${message.error.title}` : message.status;
      meta.append(ticks);
    }
    item.append(meta);
    return item;
  }));
  list.scrollTop = list.scrollHeight;
  state.atBottom = true;
}

async function waAct(action, body) {
  if (!state.wa.key) { showError("Pick a WhatsApp persona first"); return null; }
  try {
    return await api("POST", `/sim/wa/users/${encodeURIComponent(state.wa.key)}/${action}`, body);
  } catch (error) {
    showError(error);
    return null;
  }
}

async function waSend(body) {
  await waAct("send", body);
}

async function toggleWaWindow() {
  const user = waUser();
  if (!user) return;
  await waAct("window", { open: !user.window.open });
}

async function toggleWaBlock() {
  const user = waUser();
  if (!user) return;
  await waAct(user.blocked ? "unblock" : "block", {});
}

async function createWaPersona(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { name: form.get("name"), bsuid: form.get("bsuid") === "on" };
  if (form.get("wa_id")) body.wa_id = String(form.get("wa_id"));
  try {
    const user = await api("POST", "/sim/wa/users", body);
    event.target.reset();
    selectWaPersona(user.key);
  } catch (error) {
    showError(error);
  }
}

// Links the program running the emulator put in the header (/sim/links: the demo's console).
async function showPageLinks() {
  try {
    const { links } = await api("GET", "/sim/links");
    const nav = $("page-links");
    nav.replaceChildren(
      ...links.map((link) => {
        const a = document.createElement("a");
        a.href = safeUrl(link.url);
        a.textContent = link.label;
        a.target = "_blank";
        a.rel = "noopener";
        return a;
      }),
    );
  } catch (error) {
    showError(error);
  }
}

wire();
pollWorld();
pollTyping();
waInit();
showPageLinks();
