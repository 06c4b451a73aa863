// The cohort room client: live messages over the room WebSocket (protocol: docs/realtime.md).
//
// The page already shows the newest messages (rendered on the server from the same payloads,
// passed again in #room-data); this module re-renders them with their actions and keeps them
// current. Nothing is lost or doubled: every message is kept by id, the last id of the unbroken
// prev_id chain is remembered, and after every (re)connect the client asks `sync` from it.
// Messages being sent live in sessionStorage with their client_id until the server echoes them,
// so a reconnect or a reload resends them harmlessly.

const EMOJI = [
  ["👍", "thumbs up"],
  ["❤️", "heart"],
  ["😄", "smile"],
  ["🎉", "celebrate"],
  ["🙏", "thank you"],
  ["👀", "looking"],
  ["💡", "idea"],
  ["✅", "done"],
];
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
const BACKOFF_JITTER = 0.3; // ±30 %, so a room's clients do not all come back at once
const READ_DEBOUNCE_MS = 1000;
const TYPING_SEND_EVERY_MS = 3000; // the server drops faster ones
const TYPING_SHOW_MS = 5000;
const HISTORY_LIMIT = 50;
// A link to an older message loads history until it appears, at most this many pages back.
const SEEK_PAGES = 20;
const COUNTER_FROM = 0.9; // show the character counter from 90 % of the limit
const EXCERPT_CHARS = 140;
const CONFIRM_DELETE_MS = 8000;
const IN_FLIGHT_TIMEOUT_MS = 10_000;
const ANNOUNCEMENTS_KEPT = 5;
const REPORT_ID_PLACEHOLDER = "987654321"; // see data-report-url in room.html
const CLOSE_SIGNED_OUT = 4401;
const CLOSE_FORBIDDEN = 4403;

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
const fullTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "full",
  timeStyle: "short",
});

// --- small helpers ------------------------------------------------------------------------------

/** Build an element: h("button", {type: "button", class: "x", dataset: {a: 1}}, "text", child). */
function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)]
    .join("-");
}

function excerpt(text, chars = EXCERPT_CHARS) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  const points = [...flat];
  return points.length > chars ? `${points.slice(0, chars - 1).join("")}…` : flat;
}

function length(text) {
  return [...text].length; // code points, as the server counts
}

function formatTime(iso, format = timeFormat) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : format.format(date);
}

// --- the room -----------------------------------------------------------------------------------

class Room {
  constructor(root) {
    const data = JSON.parse(document.getElementById("room-data").textContent);
    this.root = root;
    this.room = data.room;
    this.me = data.me;
    this.limits = data.limits;
    this.cannotPost = data.cannot_post || "";
    this.muted = Boolean(data.muted); // the socket does not say; a refused send would
    this.reportUrl = root.dataset.reportUrl || "";
    this.loginUrl = root.dataset.loginUrl || "/accounts/login/";

    this.messages = new Map(); // id -> payload, every message we have, deduplicated by id
    this.nextOf = new Map(); // prev_id (0 for none) -> id, to follow the chain
    this.lastId = 0; // the newest id of the unbroken chain: `sync` asks from here
    this.oldestId = null;
    this.hasEarlier = Boolean(data.has_earlier);
    this.lastRead = data.last_read;
    this.readSent = data.last_read;
    this.unread = data.unread;
    this.dividerBefore = null;
    this.holdRead = false; // after "mark unread", do not mark read again until the person acts

    this.replyTo = null;
    this.editing = new Map(); // id -> {draft, saving, start, end}
    this.pickerFor = null;
    this.confirmDeleteFor = null;
    this.confirmTimer = null;
    this.typingPeople = new Map(); // user id -> {name, timer}
    this.lastTypingSent = 0;
    this.readTimer = null;
    this.stickToBottom = true;

    this.outboxKey = `imh-room-outbox:${this.room.id}:${this.me.id}`;
    this.outbox = [];

    this.socket = null;
    this.ready = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.stopped = false; // signed out or access gone: no reconnecting
    this.wasLost = false;
    this.syncInFlight = false;
    this.syncAgain = false;
    this.historyInFlight = false;
    this.mentionable = data.mentionable || [];
    this.mention = null; // {start, options, active} while the "@" suggestions are open
    this.seek = null; // {id, pages} while loading history to reach a linked message
    this.seekTried = false;
    this.inFlight = null; // client_id of the message.send awaiting its answer
    this.inFlightTimer = null;
    this.waitTimer = null;

    this.elements();
    this.hydrate(data);
    this.bind();
    this.watchComposer();
    this.connect();
  }

  elements() {
    const byId = (id) => document.getElementById(id);
    this.list = byId("room-list");
    this.status = byId("room-status");
    this.announcer = byId("room-announcer");
    this.form = byId("room-composer");
    this.mentionList = byId("room-mentions");
    this.textarea = byId("room-body");
    this.counter = byId("room-counter");
    this.errors = byId("room-errors");
    this.earlier = byId("room-earlier");
    this.earlierNote = byId("room-earlier-note");
    this.presence = byId("room-presence");
    this.presenceHeading = byId("room-presence-heading");
    this.unreadBadge = byId("room-unread");
    this.typing = byId("room-typing");
    this.cannotPostNote = byId("room-cannot-post");
    this.replying = byId("room-replying");
    this.replyingText = byId("room-replying-text");
    this.replyingCancel = byId("room-replying-cancel");
    this.jump = byId("room-jump");
    this.noScriptNote = byId("room-nojs");
    this.composeSection = this.form.closest("section");
    this.retryNow = h("button", {
      type: "button",
      class: "button button--secondary button--small room__retry",
      hidden: true,
      text: "Reconnect now",
    });
    this.status.after(this.retryNow);
    this.baseTitle = document.title;
  }

  // --- first render ------------------------------------------------------------------------------
  hydrate(data) {
    this.root.classList.add("room--live");
    this.noScriptNote?.remove();
    this.list.replaceChildren();
    for (const message of data.messages) this.store(message);
    // The server rendered the newest messages, one after another: the chain is unbroken.
    if (data.messages.length) this.lastId = data.messages[data.messages.length - 1].id;
    const firstUnread = data.messages.find(
      (m) => m.id > this.lastRead && m.author.id !== this.me.id && !m.deleted,
    );
    this.dividerBefore = firstUnread ? firstUnread.id : null;
    for (const message of data.messages) this.insert(message);
    this.outbox = this.loadOutbox().filter((entry) => !this.isStored(entry.client_id));
    for (const entry of this.outbox) {
      if (entry.state !== "failed") entry.state = "sending";
      this.renderPending(entry);
    }
    this.saveOutbox();
    this.renderEmpty();
    this.renderPresence(data.present);
    this.renderUnread();
    this.earlier.hidden = !this.hasEarlier;
    this.jump.hidden = false;
    this.setCanPost(this.cannotPost);
    this.setStatus("Connecting…", "connecting");
    this.scrollToStart();
  }

  scrollToStart() {
    const target =
      (location.hash && document.getElementById(location.hash.slice(1))) ||
      document.getElementById("room-divider");
    if (target) target.scrollIntoView({ block: "start" });
    else this.scrollToNewest();
    this.stickToBottom = !target;
  }

  scrollToNewest() {
    this.list.lastElementChild?.scrollIntoView({ block: "end" });
  }

  /** The sticky composer changes height (status, reply, errors): nothing may hide behind it. */
  watchComposer() {
    if (!("ResizeObserver" in window)) return; // room.css's fixed scroll padding remains
    new ResizeObserver(() => {
      const sticky = getComputedStyle(this.composeSection).position === "sticky";
      const padding = sticky ? `${this.composeSection.offsetHeight + 8}px` : "";
      document.documentElement.style.scrollPaddingBottom = padding; // CSSOM, allowed by CSP
      if (this.stickToBottom) this.scrollToNewest();
    }).observe(this.composeSection);
  }

  // --- events from the page ----------------------------------------------------------------------
  bind() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.textarea.addEventListener("keydown", (event) => {
      if (this.mention && this.onMentionKey(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey) {
        event.preventDefault();
        this.submit();
      } else if (event.key === "Escape" && this.replyTo) {
        event.preventDefault();
        this.setReply(null);
      }
    });
    this.textarea.addEventListener("blur", () => this.closeMentions());
    this.textarea.addEventListener("input", () => {
      this.suggestMentions();
      this.renderCounter();
      this.sendTyping();
      const fixed = !this.bodyProblem(this.textarea.value.trim());
      if (fixed && this.textarea.hasAttribute("aria-invalid")) {
        this.textarea.removeAttribute("aria-invalid");
        this.clearErrors();
      }
    });
    this.replyingCancel.addEventListener("click", () => {
      this.setReply(null);
      this.textarea.focus();
    });
    this.jump.addEventListener("click", (event) => {
      event.preventDefault();
      this.textarea.focus();
      this.composeSection.scrollIntoView({ block: "nearest" });
    });
    this.earlier.addEventListener("click", () => this.loadEarlier());
    this.retryNow.addEventListener("click", () => {
      this.attempt = 0;
      this.connect();
    });
    this.list.addEventListener("click", (event) => this.onListClick(event));
    this.list.addEventListener("keydown", (event) => this.onListKeydown(event));
    this.list.addEventListener("input", (event) => {
      const editor = event.target.closest("[data-key='edit-text']");
      if (editor) this.rememberDraft(editor);
    });
    window.addEventListener("offline", () => this.onOffline());
    window.addEventListener("online", () => {
      if (!this.stopped && !this.socket) {
        this.attempt = 0;
        this.connect();
      }
    });
    window.addEventListener("pageshow", (event) => {
      if (event.persisted && !this.stopped && !this.socket) this.connect();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") {
        this.holdRead = false;
        this.scheduleRead();
      }
    });
    let scrollQueued = false;
    window.addEventListener(
      "scroll",
      () => {
        if (scrollQueued) return;
        scrollQueued = true;
        requestAnimationFrame(() => {
          scrollQueued = false;
          this.stickToBottom = this.newestVisible(true);
          this.scheduleRead();
        });
      },
      { passive: true },
    );
  }

  // --- the connection ----------------------------------------------------------------------------
  connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryNow.hidden = true;
    if (this.stopped || this.socket) return;
    const url = new URL(this.room.ws_path, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (this.wasLost) this.setStatus("Reconnecting…", "lost");
    else this.setStatus("Connecting…", "connecting");
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      if (this.socket === socket) this.onFrame(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket === socket) this.onClose(event.code);
    });
  }

  dropSocket() {
    const socket = this.socket;
    this.socket = null;
    this.ready = false;
    this.syncInFlight = false;
    this.syncAgain = false;
    this.historyInFlight = false;
    this.inFlight = null;
    clearTimeout(this.inFlightTimer);
    this.earlier.disabled = false;
    this.earlier.textContent = "Load earlier messages";
    this.typingPeople.forEach((person) => clearTimeout(person.timer));
    this.typingPeople.clear();
    this.renderTyping();
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close();
    for (const entry of this.outbox) this.renderPending(entry);
  }

  onClose(code) {
    const hadReady = this.ready;
    this.dropSocket();
    if (code === CLOSE_SIGNED_OUT) {
      this.stop("Your session has ended. Please sign in again.", "Sign in", this.loginUrl);
      return;
    }
    if (code === CLOSE_FORBIDDEN) {
      this.stop("You no longer have access to this room.");
      return;
    }
    if (hadReady) this.wasLost = true;
    this.scheduleReconnect();
  }

  onOffline() {
    // Browsers keep a dead socket open for minutes; the operating system knows sooner.
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    if (this.socket) {
      if (this.ready) this.wasLost = true;
      this.dropSocket();
    }
    this.wasLost = true;
    this.setStatus("Connection lost — waiting for the network", "lost");
  }

  scheduleReconnect() {
    this.wasLost = true;
    if (!navigator.onLine) {
      this.setStatus("Connection lost — waiting for the network", "lost");
      return; // the `online` event reconnects
    }
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt);
    const delay = base * (1 + (Math.random() * 2 - 1) * BACKOFF_JITTER);
    this.attempt += 1;
    const seconds = Math.max(1, Math.round(delay / 1000));
    this.setStatus(`Connection lost — reconnecting in ${seconds} s`, "lost");
    this.retryNow.hidden = false;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  stop(text, linkText, href) {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryNow.hidden = true;
    this.setStatus(text, "stopped", linkText, href);
    this.setCanPost(text);
    this.rerenderAll(); // no more "Reply"
  }

  send(frame) {
    if (!this.ready || !this.socket) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  sendOrComplain(frame) {
    if (this.send(frame)) return true;
    this.showError("You are offline right now. Try again when the connection is back.");
    return false;
  }

  setStatus(text, kind, linkText, href) {
    clearTimeout(this.quietTimer);
    this.status.replaceChildren(text);
    if (linkText) this.status.append(" ", h("a", { href, text: linkText }));
    this.status.dataset.state = kind;
    this.status.classList.remove("room__status--quiet");
    this.root.classList.toggle("room--offline", kind === "lost" || kind === "stopped");
    if (kind === "ok") {
      // "Connected" and "Back online" step aside after a while; screen readers heard them.
      this.quietTimer = setTimeout(() => this.status.classList.add("room__status--quiet"), 8000);
    }
  }

  // --- frames from the server --------------------------------------------------------------------
  onFrame(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    switch (frame.type) {
      case "ready":
        this.onReady(frame);
        break;
      case "presence":
        this.renderPresence(frame.users);
        break;
      case "message.new":
        this.onNew(frame.message);
        break;
      case "sync.batch":
        if (frame.request === "history") this.onHistory(frame);
        else this.onSync(frame);
        break;
      case "message.updated":
        this.onUpdated(frame.message);
        break;
      case "message.deleted":
        this.onDeleted(frame.id);
        break;
      case "reactions":
        this.onReactions(frame.id, frame.reactions);
        break;
      case "typing":
        this.onTyping(frame.user);
        break;
      case "unread":
        this.onUnread(frame.last_read, frame.unread);
        break;
      case "error":
        this.onError(frame);
        break;
      case "resync":
        this.requestSync();
        break;
      case "room.updated":
        this.onRoomUpdated(frame.room);
        break;
      case "status":
        if (frame.detail) this.announce(frame.detail);
        break;
      default:
        break; // newer servers may say more; older clients ignore it
    }
  }

  onReady(frame) {
    this.ready = true;
    this.attempt = 0;
    const before = [this.me.moderator, this.postingRule()].join();
    this.me = frame.me;
    this.limits = frame.limits || this.limits;
    Object.assign(this.room, frame.room);
    this.setCanPost(this.postingRule());
    if ([this.me.moderator, this.postingRule()].join() !== before) this.rerenderAll();
    this.onUnread(frame.last_read, frame.unread);
    this.setStatus(this.wasLost ? "Back online" : "Connected", "ok");
    this.requestSync();
    this.flushOutbox();
    this.scheduleRead();
    this.seekLinked();
  }

  /** A link (a notification, a reply) may name a message older than the page shows. */
  seekLinked() {
    const match = /^#m(\d+)$/.exec(location.hash);
    if (this.seekTried || !match || document.getElementById(`m${match[1]}`)) return;
    this.seekTried = true; // once per page: a reconnect does not start the search again
    const id = Number(match[1]);
    if (this.oldestId === null || id > this.oldestId) return;
    this.seek = { id, pages: 0 };
    this.announce("Loading earlier messages to find the linked one…");
    this.loadEarlier();
  }

  /** After a history page: stop at the linked message, or ask for one more page. */
  continueSeek() {
    if (!this.seek) return;
    const target = document.getElementById(`m${this.seek.id}`);
    if (target) {
      this.seek = null;
      this.stickToBottom = false;
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
      this.announce("Showing the linked message.");
    } else if (this.hasEarlier && this.seek.pages < SEEK_PAGES && this.seek.id < this.oldestId) {
      this.seek.pages += 1;
      this.loadEarlier();
    } else {
      this.seek = null;
      this.announce("The linked message is not in this room any more.");
    }
  }

  // --- @mention suggestions (a listbox under the composer; the textarea keeps the focus) --------

  suggestMentions() {
    const caret = this.textarea.selectionStart;
    const match = /(^|\s)@([\w.-]{0,30})$/.exec(this.textarea.value.slice(0, caret));
    if (!match || !this.mentionable.length) return this.closeMentions();
    const query = match[2].toLowerCase();
    const people = [...this.mentionable, { username: "facilitators", name: "All facilitators" }];
    const options = people
      .filter(
        (person) =>
          person.username.toLowerCase().startsWith(query) ||
          person.name.toLowerCase().split(/\s+/).some((word) => word.startsWith(query)),
      )
      .slice(0, 6);
    if (!options.length) return this.closeMentions();
    const previous = this.mention;
    this.mention = { start: caret - match[2].length - 1, options, active: 0 };
    this.mentionList.replaceChildren(
      ...options.map((person, index) => {
        const option = h(
          "li",
          { id: `room-mention-${index}`, role: "option", class: "room__mention" },
          h("span", { class: "room__mention-name", text: person.name }),
          h("span", { class: "room__mention-handle", text: ` @${person.username}` }),
        );
        // mousedown, not click: the textarea must not lose the focus first.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          this.mention.active = index;
          this.pickMention();
        });
        return option;
      }),
    );
    this.mentionList.hidden = false;
    this.showActiveMention();
    if (!previous || previous.options.length !== options.length) {
      this.announce(
        `${options.length} ${options.length === 1 ? "person matches" : "people match"}; ` +
          "arrow keys to choose, Enter to pick, Escape to close.",
      );
    }
  }

  showActiveMention() {
    [...this.mentionList.children].forEach((option, index) => {
      option.setAttribute("aria-selected", String(index === this.mention.active));
    });
    this.textarea.setAttribute("aria-activedescendant", `room-mention-${this.mention.active}`);
  }

  /** Keys while suggestions are open; true when the key was theirs. */
  onMentionKey(event) {
    const count = this.mention.options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      const step = event.key === "ArrowDown" ? 1 : count - 1;
      this.mention.active = (this.mention.active + step) % count;
      this.showActiveMention();
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      this.pickMention();
    } else if (event.key === "Escape") {
      this.closeMentions();
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  pickMention() {
    const { start, options, active } = this.mention;
    const caret = this.textarea.selectionStart;
    const text = this.textarea.value;
    const inserted = `@${options[active].username} `;
    this.textarea.value = text.slice(0, start) + inserted + text.slice(caret);
    const position = start + inserted.length;
    this.textarea.setSelectionRange(position, position);
    this.closeMentions();
    this.announce(`${options[active].name} mentioned.`);
    this.renderCounter();
  }

  closeMentions() {
    this.mention = null;
    this.mentionList.hidden = true;
    this.mentionList.replaceChildren();
    this.textarea.removeAttribute("aria-activedescendant");
  }

  postingRule() {
    if (this.room.locked) return "This room is locked: you can read, but not post.";
    if (this.room.facilitators_only_post && !this.me.moderator) {
      return "Only facilitators post in this room.";
    }
    return this.muted ? this.cannotPost : "";
  }

  onRoomUpdated(room) {
    if (!room || room.id !== this.room.id) return;
    Object.assign(this.room, room);
    this.setCanPost(this.postingRule());
    this.announce(room.locked ? "A facilitator locked this room." : "This room is open again.");
    this.rerenderAll();
  }

  requestSync() {
    if (!this.ready) return; // `ready` syncs
    if (this.syncInFlight) {
      this.syncAgain = true;
      return;
    }
    this.syncInFlight = true;
    this.send({ type: "sync", after: this.lastId });
  }

  onSync(frame) {
    const fresh = frame.messages.filter((m) => !this.messages.has(m.id));
    for (const message of frame.messages) this.accept(message);
    if (frame.messages.length) {
      // A batch holds every message after `after`: the chain is whole up to its last one.
      this.lastId = Math.max(this.lastId, frame.messages[frame.messages.length - 1].id);
      this.followChain();
    }
    this.announceMany(fresh);
    this.syncInFlight = false;
    const gap = [...this.messages.keys()].some((id) => id > this.lastId);
    if (frame.more || this.syncAgain || gap) {
      this.syncAgain = false;
      this.requestSync();
    }
    this.scheduleRead();
  }

  onNew(message) {
    const fresh = !this.messages.has(message.id);
    const newestWasVisible = this.newestVisible();
    this.accept(message);
    if (message.id > this.lastId) {
      if ((message.prev_id || 0) === this.lastId) {
        this.lastId = message.id;
        this.followChain();
      } else {
        this.requestSync(); // we missed something between lastId and this one
      }
    }
    if (!fresh) return;
    const mine = message.author.id === this.me.id;
    if (!mine) {
      this.stopTyping(message.author.id);
      this.announce(this.describe(message));
      if (!message.deleted && message.id > this.lastRead) {
        this.unread += 1;
        this.renderUnread();
      }
    }
    if (mine || newestWasVisible) {
      document.getElementById(`m${message.id}`)?.scrollIntoView({ block: "nearest" });
    }
    this.scheduleRead();
  }

  onHistory(frame) {
    this.historyInFlight = false;
    const anchor = this.list.querySelector(".msg");
    const before = anchor ? anchor.getBoundingClientRect().top : 0;
    let added = 0;
    for (const message of frame.messages) {
      if (!this.messages.has(message.id)) added += 1;
      this.accept(message);
    }
    if (anchor) window.scrollBy(0, anchor.getBoundingClientRect().top - before);
    this.hasEarlier = Boolean(frame.more) && frame.messages.length > 0;
    this.earlier.disabled = false;
    this.earlier.textContent = "Load earlier messages";
    if (!this.hasEarlier) {
      // The button is going away: keep the keyboard focus in the list.
      if (document.activeElement === this.earlier) this.list.querySelector(".msg")?.focus();
      this.earlier.hidden = true;
    }
    this.earlierNote?.remove();
    this.earlierNote = null;
    if (this.seek) {
      this.continueSeek();
      return;
    }
    this.announce(
      added
        ? `${added} earlier message${added === 1 ? "" : "s"} loaded.`
        : "There are no earlier messages.",
    );
  }

  loadEarlier() {
    if (this.historyInFlight) return;
    const frame = { type: "history", before: this.oldestId, limit: HISTORY_LIMIT };
    if (!this.sendOrComplain(frame)) return;
    this.historyInFlight = true;
    this.earlier.disabled = true;
    this.earlier.textContent = "Loading…";
  }

  onUpdated(message) {
    if (!this.messages.has(message.id)) return; // older than what we show: nothing to update
    const editor = this.editing.get(message.id);
    if (editor && editor.saving) this.editing.delete(message.id);
    this.accept(message);
  }

  onDeleted(id) {
    const message = this.messages.get(id);
    if (!message) return;
    this.editing.delete(id);
    if (this.pickerFor === id) this.pickerFor = null;
    if (this.replyTo && this.replyTo.id === id) this.setReply(null);
    this.accept({ ...message, deleted: true, body: "", html: "", reactions: [] });
  }

  onReactions(id, reactions) {
    const message = this.messages.get(id);
    if (message) this.accept({ ...message, reactions });
  }

  onUnread(lastRead, unread) {
    // The server's word wins, also when another device moved the marker back: reading here
    // (newest message in view, page visible) then marks it read again.
    this.lastRead = lastRead;
    this.readSent = lastRead;
    this.unread = unread;
    this.renderUnread();
  }

  onTyping(user) {
    if (!user || user.id === this.me.id) return;
    const known = this.typingPeople.get(user.id);
    if (known) clearTimeout(known.timer);
    const timer = setTimeout(() => this.stopTyping(user.id), TYPING_SHOW_MS);
    this.typingPeople.set(user.id, { name: user.name, timer });
    this.renderTyping();
  }

  stopTyping(userId) {
    const person = this.typingPeople.get(userId);
    if (!person) return;
    clearTimeout(person.timer);
    this.typingPeople.delete(userId);
    this.renderTyping();
  }

  onError(frame) {
    const entry = frame.client_id && this.outbox.find((e) => e.client_id === frame.client_id);
    if (entry) {
      if (this.inFlight === entry.client_id) this.inFlight = null;
      if (frame.code === "rate_limited") {
        // The same client_id again later; the ones behind it wait, so the order holds.
        const seconds = Number((/(\d+)\s*second/.exec(frame.detail || "") || [])[1]) || 2;
        entry.state = "waiting";
        clearTimeout(this.waitTimer);
        this.waitTimer = setTimeout(() => {
          if (entry.state === "waiting" && this.outbox.includes(entry)) this.sendEntry(entry);
        }, seconds * 1000 + Math.random() * 500);
      } else {
        entry.state = "failed";
        entry.detail = frame.detail || "The server refused this message.";
        this.showError(`Your message was not sent: ${entry.detail}`);
      }
      this.saveOutbox();
      this.renderPending(entry);
      if (entry.state === "failed") {
        document.getElementById(`p-${entry.client_id}`)?.scrollIntoView({ block: "nearest" });
      }
      this.pump();
      return;
    }
    // An edit, delete, reaction or read was refused; reopen any editor that was saving.
    for (const [id, editor] of this.editing) {
      if (editor.saving) {
        editor.saving = false;
        this.rerender(id);
      }
    }
    this.showError(frame.detail || "Something went wrong.");
  }

  // --- the message store -------------------------------------------------------------------------
  store(message) {
    this.messages.set(message.id, message);
    this.nextOf.set(message.prev_id || 0, message.id);
    if (this.oldestId === null || message.id < this.oldestId) this.oldestId = message.id;
  }

  /** Keep a message from the server (new, repeated or changed) and show it once, in order. */
  accept(message) {
    const known = this.messages.has(message.id);
    this.store(message);
    if (message.author.id === this.me.id) this.settle(message.client_id);
    if (known) this.rerender(message.id);
    else this.insert(message);
    this.renderEmpty();
  }

  followChain() {
    while (this.nextOf.has(this.lastId) && this.messages.has(this.nextOf.get(this.lastId))) {
      this.lastId = this.nextOf.get(this.lastId);
    }
  }

  isStored(clientId) {
    for (const message of this.messages.values()) {
      if (message.client_id === clientId && message.author.id === this.me.id) return true;
    }
    return false;
  }

  newestId() {
    let newest = 0;
    for (const id of this.messages.keys()) newest = Math.max(newest, id);
    return newest;
  }

  // --- rendering messages ------------------------------------------------------------------------
  insert(message) {
    const node = this.renderMessage(message);
    // Newest at the end, so look from the end; sent-but-unconfirmed ones stay last.
    let before = null;
    for (let child = this.list.lastElementChild; child; child = child.previousElementSibling) {
      if (child.classList.contains("msg--pending")) {
        before = child;
        continue;
      }
      const id = Number(child.dataset.id);
      if (child.classList.contains("msg") && id > message.id) {
        before = child;
        continue;
      }
      if (child.id === "room-divider" && this.dividerBefore > message.id) {
        before = child;
        continue;
      }
      if (child.classList.contains("msg") || child.id === "room-divider") break;
    }
    this.list.insertBefore(node, before);
    if (message.id === this.dividerBefore && !document.getElementById("room-divider")) {
      this.placeDivider(message.id);
    }
  }

  placeDivider(id) {
    document.getElementById("room-divider")?.remove();
    this.dividerBefore = id;
    const target = document.getElementById(`m${id}`);
    if (!target) return;
    const divider = h("li", { class: "room__divider", id: "room-divider" });
    divider.append(h("span", { text: "New messages" }));
    target.before(divider);
  }

  rerender(id) {
    const old = document.getElementById(`m${id}`);
    const message = this.messages.get(id);
    if (!old || !message) return;
    const active = old.contains(document.activeElement) ? document.activeElement : null;
    const key = active?.dataset.key || (active === old ? "self" : null);
    const fresh = this.renderMessage(message);
    old.replaceWith(fresh);
    if (active) this.restoreFocus(fresh, key);
  }

  rerenderAll() {
    for (const id of this.messages.keys()) this.rerender(id);
  }

  restoreFocus(li, key) {
    let target = key && key !== "self" ? li.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
    // When the control is gone, the one that opened it takes the focus.
    const openers = { "reaction:": "react", "pick:": "react", "edit-": "edit", "confirm-": "delete" };
    for (const [prefix, opener] of Object.entries(openers)) {
      if (target || !key || !key.startsWith(prefix)) continue;
      target = li.querySelector(`[data-key='${opener}']`);
    }
    if (!target) target = li;
    if (target.closest("[role='toolbar']")) this.rove(target);
    target.focus();
    if (key === "edit-text") {
      const editor = this.editing.get(Number(li.dataset.id));
      if (editor) target.setSelectionRange(editor.start, editor.end);
    }
  }

  renderMessage(message) {
    const mine = message.author.id === this.me.id;
    const mentionsMe = (message.mentions || []).includes(this.me.id);
    const classes = ["msg"];
    if (mine) classes.push("msg--own");
    if (message.deleted) classes.push("msg--deleted");
    if (mentionsMe && !message.deleted) classes.push("msg--mention");
    const li = h("li", {
      class: classes.join(" "),
      id: `m${message.id}`,
      tabindex: "-1",
      dataset: { id: message.id },
    });
    li.append(
      h(
        "p",
        { class: "msg__meta" },
        h("span", { class: "msg__author", text: message.author.name }),
        " ",
        h(
          "a",
          { class: "msg__time", href: `#m${message.id}` },
          h("time", {
            datetime: message.created,
            title: formatTime(message.created, fullTimeFormat),
            text: formatTime(message.created),
          }),
        ),
        message.edited && !message.deleted
          ? [
              " ",
              h("span", {
                class: "msg__edited",
                title: `Edited ${formatTime(message.edited, fullTimeFormat)}`,
                text: "(edited)",
              }),
            ]
          : null,
        mentionsMe && !message.deleted
          ? [" ", h("span", { class: "msg__mention-note", text: "Mentions you" })]
          : null,
      ),
    );
    if (message.deleted) {
      li.append(h("p", { class: "msg__tombstone", text: "Message deleted" }));
      li.append(this.renderTools(message, { deleted: true }));
      return li;
    }
    if (message.reply_to) li.append(this.renderQuote(message.reply_to));
    const editor = this.editing.get(message.id);
    if (editor) {
      li.append(this.renderEditor(message, editor));
    } else {
      const body = h("div", { class: "msg__body" });
      body.innerHTML = message.html; // sanitized on the server (nh3); never the raw body
      li.append(body);
    }
    if (message.reactions && message.reactions.length) li.append(this.renderReactions(message));
    li.append(this.renderTools(message, {}));
    if (this.pickerFor === message.id) li.append(this.renderPicker(message));
    return li;
  }

  renderQuote(reply) {
    const target = this.messages.has(reply.id) ? `#m${reply.id}` : null;
    const who = `Reply to ${reply.author}`;
    return h(
      "blockquote",
      { class: "msg__quote" },
      h("p", { class: "msg__quote-author" }, target ? h("a", { href: target, text: who }) : who),
      h("p", { class: "msg__quote-text", text: reply.excerpt || "Message deleted" }),
    );
  }

  renderReactions(message) {
    const group = h("div", { class: "msg__reactions", role: "group", "aria-label": "Reactions" });
    for (const reaction of message.reactions) {
      const mine = reaction.users.includes(this.me.id);
      group.append(
        h(
          "button",
          {
            type: "button",
            class: `reaction${mine ? " reaction--mine" : ""}`,
            "aria-pressed": mine ? "true" : "false",
            title: mine ? "Take your reaction back" : "React the same",
            dataset: {
              action: "reaction",
              emoji: reaction.emoji,
              key: `reaction:${reaction.emoji}`,
            },
          },
          h("span", { class: "reaction__emoji", text: reaction.emoji }),
          " ",
          h("span", { class: "reaction__count", text: reaction.count }),
        ),
      );
    }
    return group;
  }

  renderTools(message, { deleted }) {
    const mine = message.author.id === this.me.id;
    const tools = h("div", {
      class: "msg__tools",
      role: "toolbar",
      "aria-label": `Actions for the message from ${message.author.name}`,
    });
    const button = (key, text, extra = {}) =>
      h(
        "button",
        { type: "button", class: "msg__tool", dataset: { action: key, key }, ...extra },
        text,
      );
    if (!deleted) {
      if (!this.postingRule() && !this.stopped) tools.append(button("reply", "Reply"));
      tools.append(
        button("react", "React", {
          "aria-expanded": this.pickerFor === message.id ? "true" : "false",
          "aria-controls": `picker-${message.id}`,
        }),
      );
      if (mine) tools.append(button("edit", "Edit"));
      if (mine || this.me.moderator) {
        if (this.confirmDeleteFor === message.id) {
          tools.append(
            button("confirm-delete", "Confirm delete", { class: "msg__tool msg__tool--danger" }),
            button("cancel-delete", "Keep it"),
          );
        } else {
          tools.append(button("delete", "Delete"));
        }
      }
    }
    tools.append(
      button("unread", [
        "Mark unread",
        h("span", { class: "visually-hidden", text: " from here" }),
      ]),
    );
    if (!deleted && !mine && this.reportUrl) {
      tools.append(
        h("a", {
          class: "msg__tool",
          href: this.reportUrl.replace(REPORT_ID_PLACEHOLDER, String(message.id)),
          dataset: { key: "report" },
          text: "Report",
        }),
      );
    }
    // One Tab stop per toolbar; the arrow keys move inside it.
    [...tools.children].forEach((tool, index) => tool.setAttribute("tabindex", index ? "-1" : "0"));
    return tools;
  }

  renderPicker(message) {
    const picker = h("div", {
      class: "msg__picker",
      id: `picker-${message.id}`,
      role: "group",
      "aria-label": "Choose a reaction",
    });
    for (const [emoji, name] of EMOJI) {
      const mine = (message.reactions || []).some(
        (r) => r.emoji === emoji && r.users.includes(this.me.id),
      );
      picker.append(
        h("button", {
          type: "button",
          class: "msg__pick",
          "aria-label": `${mine ? "Remove" : "React with"} ${name}`,
          title: name,
          "aria-pressed": mine ? "true" : "false",
          dataset: { action: "pick", emoji, key: `pick:${emoji}` },
          text: emoji,
        }),
      );
    }
    return picker;
  }

  renderEditor(message, editor) {
    const id = `edit-${message.id}`;
    const textarea = h("textarea", {
      id,
      class: "msg__edit-text",
      rows: "3",
      dataset: { key: "edit-text" },
      disabled: editor.saving,
    });
    textarea.value = editor.draft;
    return h(
      "div",
      { class: "msg__editor" },
      h("label", { for: id, class: "msg__edit-label", text: "Edit your message" }),
      textarea,
      h(
        "div",
        { class: "button-row" },
        h("button", {
          type: "button",
          class: "button button--small",
          dataset: { action: "edit-save", key: "edit-save" },
          disabled: editor.saving,
          text: editor.saving ? "Saving…" : "Save",
        }),
        h("button", {
          type: "button",
          class: "button button--secondary button--small",
          dataset: { action: "edit-cancel", key: "edit-cancel" },
          text: "Cancel",
        }),
      ),
    );
  }

  // --- actions on messages -----------------------------------------------------------------------
  onListClick(event) {
    const control = event.target.closest("[data-action]");
    if (!control || !this.list.contains(control)) return;
    const pending = control.closest(".msg--pending");
    if (pending) {
      this.onPendingAction(control.dataset.action, pending.dataset.clientId);
      return;
    }
    const li = control.closest(".msg");
    const id = Number(li.dataset.id);
    const message = this.messages.get(id);
    if (!message) return;
    if (control.closest("[role='toolbar']")) this.rove(control);
    switch (control.dataset.action) {
      case "reply":
        this.setReply(message);
        this.textarea.focus();
        break;
      case "react":
        this.pickerFor = this.pickerFor === id ? null : id;
        this.rerender(id);
        if (this.pickerFor === id) document.querySelector(`#picker-${id} button`)?.focus();
        break;
      case "pick":
        if (this.sendOrComplain({ type: "reaction.toggle", id, emoji: control.dataset.emoji })) {
          this.pickerFor = null;
          this.rerender(id);
          document.querySelector(`#m${id} [data-key='react']`)?.focus();
        }
        break;
      case "reaction":
        this.sendOrComplain({ type: "reaction.toggle", id, emoji: control.dataset.emoji });
        break;
      case "edit":
        this.editing.set(id, {
          draft: message.body,
          saving: false,
          start: message.body.length,
          end: message.body.length,
        });
        this.rerender(id);
        this.restoreFocus(document.getElementById(`m${id}`), "edit-text");
        break;
      case "edit-save":
        this.saveEdit(id);
        break;
      case "edit-cancel":
        this.editing.delete(id);
        this.rerender(id);
        this.restoreFocus(document.getElementById(`m${id}`), "edit");
        break;
      case "delete":
        this.askDelete(id);
        break;
      case "confirm-delete":
        this.confirmDeleteFor = null;
        clearTimeout(this.confirmTimer);
        if (this.sendOrComplain({ type: "message.delete", id })) li.focus();
        else this.rerender(id);
        break;
      case "cancel-delete":
        this.cancelDelete(true);
        break;
      case "unread":
        this.markUnreadFrom(id);
        break;
      default:
        break;
    }
  }

  onListKeydown(event) {
    const target = event.target;
    if (target.matches("[data-key='edit-text']")) {
      const id = Number(target.closest(".msg").dataset.id);
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey) {
        event.preventDefault();
        this.saveEdit(id);
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.editing.delete(id);
        this.rerender(id);
        this.restoreFocus(document.getElementById(`m${id}`), "edit");
      }
      return;
    }
    if (event.key === "Escape") {
      const li = target.closest(".msg");
      const id = li && Number(li.dataset.id);
      if (id && this.pickerFor === id) {
        event.preventDefault();
        this.pickerFor = null;
        this.rerender(id);
        this.restoreFocus(document.getElementById(`m${id}`), "react");
      } else if (id && this.confirmDeleteFor === id) {
        event.preventDefault();
        this.cancelDelete(true);
      }
      return;
    }
    const group = target.closest("[role='toolbar'], .msg__picker");
    if (!group || !["ArrowRight", "ArrowLeft", "Home", "End"].includes(event.key)) return;
    const items = [...group.querySelectorAll("button, a")];
    const index = items.indexOf(target);
    if (index < 0) return;
    event.preventDefault();
    const next = {
      ArrowRight: items[(index + 1) % items.length],
      ArrowLeft: items[(index - 1 + items.length) % items.length],
      Home: items[0],
      End: items[items.length - 1],
    }[event.key];
    if (group.matches("[role='toolbar']")) this.rove(next);
    next.focus();
  }

  rove(tool) {
    const toolbar = tool.closest("[role='toolbar']");
    if (!toolbar) return;
    for (const item of toolbar.children) item.setAttribute("tabindex", item === tool ? "0" : "-1");
  }

  rememberDraft(textarea) {
    const id = Number(textarea.closest(".msg").dataset.id);
    const editor = this.editing.get(id);
    if (!editor) return;
    editor.draft = textarea.value;
    editor.start = textarea.selectionStart;
    editor.end = textarea.selectionEnd;
  }

  saveEdit(id) {
    const editor = this.editing.get(id);
    const message = this.messages.get(id);
    if (!editor || !message || editor.saving) return;
    const body = editor.draft.trim();
    const problem = this.bodyProblem(body);
    if (problem) {
      this.showError(problem);
      return;
    }
    if (body === message.body) {
      this.editing.delete(id);
      this.rerender(id);
      this.restoreFocus(document.getElementById(`m${id}`), "edit");
      return;
    }
    if (!this.sendOrComplain({ type: "message.edit", id, body })) return;
    editor.saving = true;
    this.clearErrors();
    this.rerender(id);
    // Focus waits on the message until the update arrives and the editor closes.
    const li = document.getElementById(`m${id}`);
    if (li && !li.contains(document.activeElement)) li.focus();
  }

  askDelete(id) {
    this.cancelDelete();
    this.confirmDeleteFor = id;
    this.rerender(id);
    this.restoreFocus(document.getElementById(`m${id}`), "confirm-delete");
    this.confirmTimer = setTimeout(() => this.cancelDelete(), CONFIRM_DELETE_MS);
  }

  cancelDelete(keepFocus = false) {
    clearTimeout(this.confirmTimer);
    const id = this.confirmDeleteFor;
    if (id === null) return;
    this.confirmDeleteFor = null;
    const li = document.getElementById(`m${id}`);
    const hadFocus = li && li.contains(document.activeElement);
    this.rerender(id);
    if (keepFocus || hadFocus) this.restoreFocus(document.getElementById(`m${id}`), "delete");
  }

  markUnreadFrom(id) {
    if (!this.sendOrComplain({ type: "read", up_to: id - 1 })) return;
    clearTimeout(this.readTimer);
    this.holdRead = true;
    this.readSent = id - 1;
    this.placeDivider(id);
    this.announce("Marked unread from this message.");
  }

  // --- reading -----------------------------------------------------------------------------------
  /** Is the newest message in view (`whole`: all of it, down to the last pending one)? */
  newestVisible(whole = false) {
    const items = this.list.querySelectorAll(whole ? ".msg" : ".msg:not(.msg--pending)");
    const last = items[items.length - 1];
    if (!last) return true;
    const box = last.getBoundingClientRect();
    const composerTop = this.composeSection.getBoundingClientRect().top;
    const bottom = Math.min(window.innerHeight, composerTop > 0 ? composerTop : window.innerHeight);
    return whole ? box.bottom <= bottom + 2 : box.top < bottom && box.bottom > 0;
  }

  scheduleRead() {
    if (this.readTimer || this.holdRead) return;
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      const newest = this.newestId();
      if (
        !this.holdRead &&
        newest > this.readSent &&
        document.visibilityState === "visible" &&
        this.newestVisible() &&
        this.send({ type: "read", up_to: newest })
      ) {
        this.readSent = newest;
      }
    }, READ_DEBOUNCE_MS);
  }

  renderUnread() {
    const unread = Math.max(0, this.unread);
    this.unreadBadge.hidden = unread === 0;
    // The server stops counting at 999 (docs/realtime.md): more reads as "999+".
    const shown = unread > 999 ? "999+" : String(unread);
    this.unreadBadge.textContent = `${shown} unread`;
    document.title = unread ? `(${shown}) ${this.baseTitle}` : this.baseTitle;
  }

  // --- composing and sending ---------------------------------------------------------------------
  bodyProblem(body) {
    if (!body) return "Write something before sending.";
    const count = length(body);
    const limit = this.limits.body;
    if (count > limit) {
      return (
        `Messages are at most ${limit.toLocaleString()} characters; ` +
        `this one has ${count.toLocaleString()}.`
      );
    }
    return "";
  }

  submit() {
    if (this.form.hidden) return;
    const body = this.textarea.value.trim();
    const problem = this.bodyProblem(body);
    if (problem) {
      this.showError(problem);
      this.textarea.setAttribute("aria-invalid", "true");
      return;
    }
    const reply = this.replyTo;
    const entry = {
      client_id: uuid(),
      body,
      reply_to: reply ? reply.id : null,
      reply: reply
        ? { id: reply.id, author: reply.author.name, excerpt: excerpt(reply.body) }
        : null,
      state: "sending",
      detail: "",
    };
    this.outbox.push(entry);
    this.saveOutbox();
    this.textarea.value = "";
    this.textarea.removeAttribute("aria-invalid");
    this.setReply(null);
    this.renderCounter();
    this.clearErrors();
    this.holdRead = false;
    this.renderPending(entry);
    document.getElementById(`p-${entry.client_id}`)?.scrollIntoView({ block: "nearest" });
    this.sendEntry(entry);
  }

  sendEntry(entry) {
    entry.state = "sending";
    this.saveOutbox();
    this.renderPending(entry);
    this.pump();
  }

  /** Send the first unconfirmed message, one at a time, so they are stored in the order written.
   * A failed one is skipped (it waits for Retry or Discard); a rate-limited one holds the rest. */
  pump() {
    if (!this.ready || this.inFlight) return;
    const entry = this.outbox.find((e) => e.state !== "failed");
    if (!entry || entry.state !== "sending") return;
    this.inFlight = entry.client_id;
    this.send({
      type: "message.send",
      client_id: entry.client_id,
      body: entry.body,
      reply_to: entry.reply_to,
    });
    clearTimeout(this.inFlightTimer);
    // Should an answer never come on an open socket, ask again: the same client_id is harmless.
    this.inFlightTimer = setTimeout(() => {
      if (this.inFlight !== entry.client_id) return;
      this.inFlight = null;
      this.pump();
    }, IN_FLIGHT_TIMEOUT_MS);
  }

  /** After (re)connecting: everything not refused goes out again with its own client_id. */
  flushOutbox() {
    clearTimeout(this.waitTimer);
    for (const entry of this.outbox) {
      if (entry.state !== "failed") entry.state = "sending";
      this.renderPending(entry);
    }
    this.saveOutbox();
    this.pump();
  }

  settle(clientId) {
    const index = this.outbox.findIndex((entry) => entry.client_id === clientId);
    if (index < 0) return;
    this.outbox.splice(index, 1);
    this.saveOutbox();
    const node = document.getElementById(`p-${clientId}`);
    if (node) {
      const hadFocus = node.contains(document.activeElement);
      node.remove();
      if (hadFocus) this.textarea.focus();
    }
    if (this.inFlight === clientId) {
      this.inFlight = null;
      clearTimeout(this.inFlightTimer);
    }
    this.pump();
  }

  onPendingAction(action, clientId) {
    const entry = this.outbox.find((e) => e.client_id === clientId);
    if (!entry) return;
    if (action === "retry") {
      this.clearErrors();
      this.sendEntry(entry);
      document.querySelector(`#p-${CSS.escape(clientId)}`)?.focus();
    } else if (action === "discard") {
      this.outbox.splice(this.outbox.indexOf(entry), 1);
      this.saveOutbox();
      document.getElementById(`p-${clientId}`)?.remove();
      this.clearErrors();
      this.renderEmpty();
      this.textarea.focus();
    }
  }

  renderPending(entry) {
    const id = `p-${entry.client_id}`;
    const old = document.getElementById(id);
    const hadFocus = old && old.contains(document.activeElement);
    const li = h("li", {
      class: `msg msg--own msg--pending msg--${entry.state}`,
      id,
      tabindex: "-1",
      dataset: { clientId: entry.client_id },
    });
    const author = h("span", { class: "msg__author", text: this.me.name });
    li.append(h("p", { class: "msg__meta" }, author));
    if (entry.reply) li.append(this.renderQuote(entry.reply));
    li.append(h("div", { class: "msg__body msg__body--plain", text: entry.body }));
    if (entry.state === "failed") {
      li.append(
        h("p", { class: "msg__state msg__state--failed", text: `Not sent: ${entry.detail}` }),
        h(
          "div",
          { class: "button-row" },
          h("button", {
            type: "button",
            class: "button button--small",
            dataset: { action: "retry" },
            text: "Retry",
          }),
          h("button", {
            type: "button",
            class: "button button--secondary button--small",
            dataset: { action: "discard" },
            text: "Discard",
          }),
        ),
      );
    } else {
      const waiting =
        entry.state === "waiting" ? " (you are sending quickly; it goes out in a moment)" : "";
      const offline = !this.ready ? " (it goes out when the connection is back)" : "";
      li.append(h("p", { class: "msg__state", text: `Sending…${waiting || offline}` }));
    }
    if (old) old.replaceWith(li);
    else this.list.append(li);
    if (hadFocus) (li.querySelector("button") || li).focus();
    this.renderEmpty();
  }

  loadOutbox() {
    try {
      const entries = JSON.parse(sessionStorage.getItem(this.outboxKey) || "[]");
      return Array.isArray(entries) ? entries.filter((e) => e && e.client_id && e.body) : [];
    } catch {
      return [];
    }
  }

  saveOutbox() {
    const entries = this.outbox.map(({ client_id, body, reply_to, reply, state, detail }) => ({
      client_id,
      body,
      reply_to,
      reply,
      state,
      detail,
    }));
    try {
      if (entries.length) sessionStorage.setItem(this.outboxKey, JSON.stringify(entries));
      else sessionStorage.removeItem(this.outboxKey);
    } catch {
      // Storage full or blocked: sending still works, only a reload would lose the text.
    }
  }

  setReply(message) {
    this.replyTo = message;
    this.replying.hidden = !message;
    if (message) {
      this.replyingText.replaceChildren(
        "Replying to ",
        h("strong", { text: message.author.name }),
        `: ${excerpt(message.body, 80)}`,
      );
    } else {
      this.replyingText.replaceChildren();
    }
  }

  sendTyping() {
    const now = Date.now();
    if (!this.textarea.value.trim() || now - this.lastTypingSent < TYPING_SEND_EVERY_MS) return;
    if (this.send({ type: "typing" })) this.lastTypingSent = now;
  }

  setCanPost(reason) {
    this.cannotPostNote.hidden = !reason;
    this.cannotPostNote.textContent = reason;
    this.form.hidden = Boolean(reason);
    this.jump.hidden = Boolean(reason);
  }

  renderCounter() {
    const limit = this.limits.body;
    const count = length(this.textarea.value.trim());
    const show = count >= limit * COUNTER_FROM;
    this.counter.hidden = !show;
    if (!show) return;
    const left = limit - count;
    this.counter.textContent =
      left >= 0
        ? `${left.toLocaleString()} character${left === 1 ? "" : "s"} left`
        : `${(-left).toLocaleString()} character${left === -1 ? "" : "s"} over the limit`;
    this.counter.classList.toggle("room__counter--over", left < 0);
  }

  showError(text) {
    this.errors.replaceChildren(h("p", { class: "message message--error", text }));
  }

  clearErrors() {
    this.errors.replaceChildren();
  }

  // --- presence, typing, announcements -----------------------------------------------------------
  renderPresence(users) {
    const people = (users || []).slice();
    if (!people.some((person) => person.id === this.me.id) && this.ready) {
      people.push({ id: this.me.id, name: this.me.name });
    }
    this.presenceHeading.textContent = people.length ? `Here now (${people.length})` : "Here now";
    this.presence.replaceChildren(
      ...(people.length
        ? people.map((person) =>
            h(
              "li",
              {},
              person.name,
              person.id === this.me.id ? h("span", { class: "room__you", text: " (you)" }) : null,
            ),
          )
        : [h("li", { class: "room__people-empty", text: "Nobody else right now" })]),
    );
  }

  renderTyping() {
    const names = [...this.typingPeople.values()].map((person) => person.name);
    let text = "";
    if (names.length === 1) text = `${names[0]} is typing…`;
    else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
    else if (names.length > 2) text = "Several people are typing…";
    this.typing.textContent = text;
  }

  renderEmpty() {
    const empty = document.getElementById("room-empty");
    const hasAny = this.list.querySelector(".msg");
    if (hasAny && empty) empty.remove();
    if (!hasAny && !empty) {
      const text = "No messages yet. Say hello!";
      this.list.append(h("li", { class: "room__empty", id: "room-empty", text }));
    }
  }

  describe(message) {
    if (message.deleted) return `${message.author.name} deleted a message.`;
    const mentionsMe = (message.mentions || []).includes(this.me.id);
    const verb = mentionsMe ? " mentioned you" : message.reply_to ? " replied" : "";
    return `${message.author.name}${verb}: ${excerpt(message.body)}`;
  }

  announceMany(messages) {
    const others = messages.filter((m) => m.author.id !== this.me.id && !m.deleted);
    if (others.length === 0) return;
    if (others.length <= 3) others.forEach((message) => this.announce(this.describe(message)));
    else this.announce(`${others.length} new messages.`);
  }

  /** Say something politely to screen readers without making the whole list live. */
  announce(text) {
    this.announcer.append(h("p", { text }));
    while (this.announcer.childElementCount > ANNOUNCEMENTS_KEPT) {
      this.announcer.firstElementChild.remove();
    }
  }
}

const root = document.getElementById("room");
if (root && document.getElementById("room-data")) {
  window.imhRoom = new Room(root);
}
