// Live replies on an open topic page: a socket says which posts are new, the page fetches them
// over HTTP (through the access rules) only when the reader asks, so their place never moves.
const live = document.getElementById("forum-live");

if (live) {
  const list = document.getElementById("forum-posts");
  const status = document.getElementById("forum-live-status");
  const show = document.getElementById("forum-live-show");
  const pending = new Set();
  let retries = 0;
  let leaving = false;
  let socket = null;
  // Leaving the page closes the socket quietly, and nothing reconnects it.
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (socket) socket.close(1000);
  });

  const lastShown = () => {
    const ids = [...list.querySelectorAll("[data-post-id]")].map((el) => Number(el.dataset.postId));
    return ids.length ? Math.max(...ids) : 0;
  };

  const announce = () => {
    const count = pending.size;
    if (!count) {
      status.textContent = "";
      show.hidden = true;
      return;
    }
    status.textContent = `${count} new repl${count === 1 ? "y" : "ies"}`;
    show.textContent = `Show ${count === 1 ? "it" : "them"}`;
    show.hidden = false;
  };

  show.addEventListener("click", async () => {
    const url = `${live.dataset.afterUrl}?after=${lastShown()}`;
    const response = await fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
    if (!response.ok) return;
    const html = await response.text();
    const before = lastShown();
    list.insertAdjacentHTML("beforeend", html);
    pending.clear();
    announce();
    const first = list.querySelector(`[data-post-id="${[...list.querySelectorAll("[data-post-id]")]
      .map((el) => Number(el.dataset.postId)).find((id) => id > before)}"]`);
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
    if (window.htmx) window.htmx.process(list);
  });

  const connect = () => {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}/ws/forums/topics/${live.dataset.topicId}/`);
    socket.addEventListener("open", () => { retries = 0; });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame.type !== "post" || document.getElementById(`post-${frame.post}`)) return;
      if (frame.post > lastShown()) {
        pending.add(frame.post);
        announce();
      }
    });
    socket.addEventListener("close", (event) => {
      // Signed out or no longer allowed: stop. Otherwise try again, more slowly each time.
      if (leaving || event.code === 4401 || event.code === 4403 || retries >= 5) return;
      retries += 1;
      window.setTimeout(connect, 2000 * retries);
    });
  };
  connect();
}
