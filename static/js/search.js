// Search autocomplete: the search box becomes a combobox (the WAI-ARIA 1.2 list autocomplete
// pattern) offering titles the viewer may read, from /api/search/suggest/?q=.
//
// Progressive enhancement: without this module the form searches as before. Keys: Down and Up
// move through the suggestions (wrapping), Enter opens the chosen one (or, with none chosen,
// searches), Escape closes the list, Tab moves on. The mouse works too.

const DEBOUNCE_MS = 150;
const MIN_CHARACTERS = 2;

function setUp(input) {
  const listbox = document.getElementById("search-suggestions");
  const status = document.getElementById("search-suggestions-status");
  const endpoint = input.dataset.suggestUrl;
  if (!listbox || !status || !endpoint) return;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);

  let options = [];
  let active = -1;
  let timer = null;
  let pending = null;

  function close() {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
    for (const option of options) option.setAttribute("aria-selected", "false");
  }

  function open() {
    if (!options.length) return;
    listbox.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function choose(index) {
    if (!options.length) return;
    active = (index + options.length) % options.length;
    options.forEach((option, position) => {
      option.setAttribute("aria-selected", position === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function go(index) {
    const url = options[index]?.dataset.url;
    if (url) window.location.assign(url);
  }

  function show(suggestions) {
    const items = suggestions.map((suggestion, index) => {
      const option = document.createElement("li");
      option.id = `search-suggestion-${index}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.url = suggestion.url;
      const title = document.createElement("span");
      title.textContent = suggestion.title;
      const kind = document.createElement("span");
      kind.className = "search-suggestions__type";
      kind.textContent = ` · ${suggestion.type_name}`;
      option.append(title, kind);
      // Keep the focus in the search box while the pointer picks an option.
      option.addEventListener("mousedown", (event) => event.preventDefault());
      option.addEventListener("click", () => go(index));
      return option;
    });
    listbox.replaceChildren(...items);
    options = items;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (options.length) {
      open();
      status.textContent = `${options.length} suggestion${options.length === 1 ? "" : "s"}. Use the up and down arrows to choose, Enter to open.`;
    } else {
      close();
      status.textContent = "";
    }
  }

  async function fetchSuggestions() {
    const query = input.value.trim();
    pending?.abort();
    if (query.length < MIN_CHARACTERS) {
      show([]);
      return;
    }
    pending = new AbortController();
    try {
      const response = await fetch(`${endpoint}?q=${encodeURIComponent(query)}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending.signal,
      });
      if (!response.ok) throw new Error(`suggestions answered ${response.status}`);
      const data = await response.json();
      if (input.value.trim() === query) show(Array.isArray(data.suggestions) ? data.suggestions : []);
    } catch (error) {
      if (error.name !== "AbortError") show([]);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      open();
      if (event.key === "ArrowDown") choose(active + 1);
      else choose(active === -1 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter") {
      if (!listbox.hidden && active >= 0) {
        event.preventDefault();
        go(active);
      }
    } else if (event.key === "Escape") {
      if (!listbox.hidden) {
        event.preventDefault();
        close();
      }
    } else if (event.key === "Tab") {
      close();
    }
  });

  input.addEventListener("blur", close);
}

const searchInput = document.getElementById("search-q");
if (searchInput) setUp(searchInput);
