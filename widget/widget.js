/*
 * Website chat widget of the patient-information assistant.
 *
 * Embed with one tag (every data-* is optional):
 *   <script src="https://ASSISTANT/widget/widget.js" defer
 *           data-server="https://ASSISTANT" data-title="Assistant d'information"
 *           data-primary-color="#1d4ed8" data-greeting="Bonjour !"></script>
 * or, with data-auto-init="false", call window.AssistantWidget.init({server, title, ...}).
 *
 * Talks to channels/socketio.py over socket.io (client from npm, served by the assistant).
 * Every message is rendered as text (textContent), never as HTML.
 *
 * Three parts, wired by init(): buildPage (the DOM), createView (what the patient sees),
 * createConnection (the socket.io session and the messages waiting for it).
 */
(function () {
  "use strict";

  const script = document.currentScript;

  const TEXT = {
    title: "Assistant d'information",
    disclaimer:
      "Assistant automatique : informations générales, pas un avis médical. " +
      "Il ne connaît pas votre dossier.",
    greeting:
      "Bonjour, je réponds aux questions générales sur le cancer et ses traitements. " +
      "Écrivez votre question, ou choisissez un thème.",
    launcher: "Poser une question",
    launcherUnread: "Poser une question (nouveau message)",
    close: "Fermer l'assistant",
    restart: "Nouvelle conversation",
    restartConfirm:
      "Commencer une nouvelle conversation ? La conversation actuelle ne sera plus " +
      "affichée dans ce navigateur.",
    emergencyTitle: "En cas d'urgence",
    log: "Conversation",
    you: "Vous : ",
    bot: "Assistant : ",
    staff: "Membre de l'équipe",
    replies: "Réponses proposées",
    topics: "Voir les thèmes",
    topicsMessage: "menu",
    human: "Parler à un membre de l'équipe",
    inputLabel: "Votre message",
    placeholder: "Écrivez votre question…",
    send: "Envoyer",
    typing: "L'assistant écrit…",
    connecting: "Connexion à l'assistant…",
    reconnecting: "Connexion perdue. Nouvelle tentative en cours…",
    unavailable:
      "L'assistant est momentanément indisponible. En cas d'urgence, appelez le 15 ou le 112.",
    noReply: "Pas de réponse pour le moment. Réessayez dans un instant.",
    state: {
      waiting: "Votre demande a été transmise : un membre de l'équipe va vous répondre ici.",
      human: "Un membre de l'équipe a pris le relais et vous répond ici.",
    },
    transition: {
      waiting: "Un membre de l'équipe va vous répondre.",
      human: "Un membre de l'équipe a pris le relais.",
      bot: "L'assistant a repris la conversation.",
    },
  };

  // Always on screen while the widget is open. The accessible name starts with the visible
  // text (WCAG 2.5.3) and says the rest.
  const EMERGENCY_NUMBERS = [
    { shown: "15 SAMU", name: "15 SAMU, urgence médicale", href: "tel:15" },
    { shown: "112", name: "112, numéro d'urgence européen", href: "tel:112" },
    { shown: "114 SMS", name: "114 SMS, pour les personnes sourdes ou malentendantes", href: "sms:114" },
    { shown: "3114 suicide", name: "3114 suicide, prévention du suicide, gratuit, 24 h/24", href: "tel:3114" },
  ];
  const HUMAN_PAYLOAD = "/request_human";
  const REPLY_TIMEOUT_MS = 30000;

  function scriptOptions(tag) {
    if (!tag) return {};
    const data = tag.dataset;
    return {
      // By default, the server that served this file (even under a path prefix).
      server: data.server || new URL(tag.src, location.href).href.replace(/\/widget\/widget\.js([?#].*)?$/, ""),
      title: data.title,
      primaryColor: data.primaryColor,
      greeting: data.greeting,
      autoInit: data.autoInit !== "false",
    };
  }

  /* Creates an element; `props` are properties (textContent, className...) or attributes. */
  function el(tag, props, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key in node && typeof value !== "string") node[key] = value;
      else if (key === "textContent" || key === "className") node[key] = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function luminance(hex) {
    const match = /^#([0-9a-f]{6})$/i.exec(hex || "");
    if (!match) return null;
    const channels = [0, 2, 4].map((i) => parseInt(match[1].slice(i, i + 2), 16) / 255);
    const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  /* Black or white, whichever reads better on `hex` (WCAG contrast ratio). */
  function textColorOn(hex) {
    const l = luminance(hex);
    return l !== null && (l + 0.05) / 0.05 > 1.05 / (l + 0.05) ? "#000000" : "#ffffff";
  }

  function storage(kind) {
    try {
      const store = window[kind];
      store.getItem("probe");
      return store;
    } catch (_) {
      return null; // storage disabled: the conversation lasts as long as the page
    }
  }

  // --- the page: the DOM, inside a shadow root so the host page's CSS cannot break it ---
  function buildPage(options, primary, assets) {
    const host = el("div", { id: "assistant-widget", lang: "fr" }); // read in French on any page
    host.style.setProperty("--aw-primary", primary);
    host.style.setProperty("--aw-on-primary", textColorOn(primary));
    host.style.display = "none"; // until the stylesheet has loaded
    const root = host.attachShadow({ mode: "open" });
    const stylesheet = el("link", { rel: "stylesheet", href: assets + "widget.css" });
    stylesheet.addEventListener("load", () => (host.style.display = ""));
    stylesheet.addEventListener("error", () => (host.style.display = ""));

    const ui = {
      host,
      root,
      launcher: el("button", {
        type: "button",
        className: "launcher",
        "aria-expanded": "false",
        "aria-controls": "aw-panel",
        textContent: TEXT.launcher,
      }),
      closeButton: el("button", {
        type: "button",
        className: "icon-button",
        "aria-label": TEXT.close,
        title: TEXT.close,
        textContent: "×",
      }),
      restartButton: el("button", { type: "button", className: "text-button", textContent: TEXT.restart }),
      status: el("p", { className: "status", role: "status" }),
      log: el("div", {
        className: "log",
        role: "log",
        "aria-live": "polite",
        "aria-label": TEXT.log,
        tabindex: "0",
      }),
      typing: el("div", { className: "typing", hidden: true }, [
        el("span", { className: "dots", "aria-hidden": "true" }, [el("i"), el("i"), el("i")]),
        el("span", { className: "typing-text", textContent: TEXT.typing }),
      ]),
      humanButton: el("button", { type: "button", className: "human-button", textContent: TEXT.human }),
      input: el("textarea", { id: "aw-input", rows: "2", placeholder: TEXT.placeholder, autocomplete: "off" }),
      alert: el("p", { className: "alert", role: "alert" }),
    };
    const emergency = el("nav", { className: "emergency", "aria-label": TEXT.emergencyTitle }, [
      el("span", { className: "emergency-title", textContent: TEXT.emergencyTitle + " : " }),
      el(
        "ul",
        {},
        EMERGENCY_NUMBERS.map((item) =>
          el("li", {}, [el("a", { href: item.href, "aria-label": item.name, textContent: item.shown })]),
        ),
      ),
    ]);
    ui.form = el("form", { className: "composer" }, [
      el("label", { className: "sr-only", for: "aw-input", textContent: TEXT.inputLabel }),
      ui.input,
      el("button", { type: "submit", className: "send-button", textContent: TEXT.send }),
    ]);
    ui.panel = el("section", { id: "aw-panel", className: "panel", "aria-labelledby": "aw-title", hidden: true }, [
      el("header", {}, [
        el("div", { className: "heading" }, [
          el("h2", { id: "aw-title", textContent: options.title || TEXT.title }),
          ui.closeButton,
        ]),
        el("p", { className: "disclaimer", textContent: TEXT.disclaimer }),
      ]),
      emergency,
      ui.status,
      ui.log,
      ui.typing,
      ui.alert,
      el("div", { className: "actions" }, [ui.humanButton]),
      ui.form,
      el("div", { className: "footer" }, [ui.restartButton]),
    ]);
    root.append(stylesheet, ui.panel, ui.launcher);
    document.body.append(host);
    return ui;
  }

  // --- rendering: what the patient sees; `choose(payload, title)` answers a button ---
  function createView(ui, options, choose) {
    let state = null;
    let replyTimer = null;

    function scrollToEnd() {
      ui.log.scrollTop = ui.log.scrollHeight;
    }

    function addMessage(message) {
      const sender = message.sender === "user" ? "user" : message.author === "staff" ? "staff" : "bot";
      const bubble = el("div", { className: "msg " + sender });
      if (sender === "staff") bubble.append(el("span", { className: "author", textContent: TEXT.staff + " : " }));
      else bubble.append(el("span", { className: "sr-only", textContent: sender === "user" ? TEXT.you : TEXT.bot }));
      bubble.append(el("span", { className: "text", textContent: String(message.text || "") }));
      ui.log.append(bubble);
      scrollToEnd();
    }

    function addNote(text) {
      ui.log.append(el("p", { className: "note", textContent: text }));
      scrollToEnd();
    }

    function clearReplies() {
      const hadFocus = ui.root.activeElement && ui.root.activeElement.closest(".replies");
      for (const group of ui.log.querySelectorAll(".replies")) group.remove();
      if (hadFocus) ui.input.focus();
    }

    function addReplies(replies) {
      if (!replies || !replies.length) return;
      const group = el("div", { className: "replies", role: "group", "aria-label": TEXT.replies });
      for (const reply of replies) {
        const button = el("button", { type: "button", textContent: String(reply.title || "") });
        button.addEventListener("click", () => choose(String(reply.payload || ""), String(reply.title || "")));
        group.append(button);
      }
      ui.log.append(group);
      scrollToEnd();
    }

    function showAlert(text) {
      ui.alert.textContent = text || "";
    }

    function showTyping(on) {
      ui.typing.hidden = !on;
      clearTimeout(replyTimer);
      if (on) {
        replyTimer = setTimeout(() => {
          ui.typing.hidden = true;
          showAlert(TEXT.noReply);
        }, REPLY_TIMEOUT_MS);
      }
    }

    function showStatus(text) {
      ui.status.textContent = text;
    }

    function showState(next) {
      if (!["bot", "waiting", "human"].includes(next)) next = "bot";
      const previous = state;
      state = next;
      showStatus(TEXT.state[next] || "");
      ui.panel.dataset.handoff = next;
      ui.humanButton.hidden = next !== "bot";
      if (previous !== null && previous !== next) addNote(TEXT.transition[next]);
    }

    function showUserMessage(text) {
      showAlert("");
      clearReplies();
      addMessage({ sender: "user", text });
      showTyping(true);
    }

    function showBotMessage(message) {
      addMessage(message);
      addReplies(message.quick_replies);
      if (ui.panel.hidden) {
        ui.launcher.classList.add("unread");
        ui.launcher.textContent = TEXT.launcherUnread;
      }
    }

    function renderHistory(messages) {
      ui.log.replaceChildren();
      state = null;
      for (const message of messages) addMessage(message);
      const last = messages[messages.length - 1];
      if (!last) {
        addMessage({ sender: "bot", text: options.greeting || TEXT.greeting });
        addReplies([{ title: TEXT.topics, payload: TEXT.topicsMessage }]);
      } else if (last.sender === "bot") {
        addReplies(last.quick_replies);
      }
    }

    return { showAlert, showTyping, showStatus, showState, showUserMessage, showBotMessage, renderHistory };
  }

  // --- the connection: one socket.io session, resumed with its token ---
  function createConnection(where, view, ui) {
    let socket = null;
    let ready = false;
    // Messages written before the session is ready (history shown) wait for it.
    const pending = [];

    function send(text, shown) {
      view.showUserMessage(shown || text);
      if (ready) socket.emit("user_uttered", { message: text });
      else pending.push({ text, shown });
    }

    // The history has just replaced the log: show the waiting messages again, then send them.
    function flushPending() {
      for (const message of pending.splice(0)) {
        view.showUserMessage(message.shown || message.text);
        socket.emit("user_uttered", { message: message.text });
      }
    }

    async function connect() {
      if (socket) return;
      view.showStatus(TEXT.connecting);
      let io;
      try {
        ({ io } = await import(where.assets + "socket.io.esm.min.js"));
      } catch (_) {
        view.showStatus(TEXT.unavailable);
        return;
      }
      socket = io(where.origin, { path: where.basePath + "/socket.io", withCredentials: false });
      socket.on("connect", () => {
        const token = where.local && where.local.getItem(where.tokenKey);
        socket.emit("session_request", token ? { token } : {});
      });
      socket.on("session_confirm", (data) => {
        if (where.local && data && data.token) where.local.setItem(where.tokenKey, data.token);
        // The server's one message limit (channels/user_text.py), never a copy of it here.
        if (data && Number.isInteger(data.max_chars)) ui.input.maxLength = data.max_chars;
        view.showAlert("");
      });
      // After a (re)connection: session_confirm, history, then handoff_state.
      let resumed = false;
      socket.on("history", (data) => {
        view.renderHistory((data && data.messages) || []);
        resumed = true;
      });
      socket.on("bot_uttered", (message) => view.showBotMessage(message));
      socket.on("handoff_state", (data) => {
        view.showTyping(false); // also marks the end of a turn
        view.showState(data && data.state);
        if (resumed) {
          // Only now: a message sent earlier would be wiped from view by the history.
          resumed = false;
          ready = true;
          flushPending();
        }
      });
      socket.on("error", (data) => {
        view.showTyping(false);
        view.showAlert((data && data.message) || TEXT.unavailable);
      });
      socket.on("disconnect", (reason) => {
        ready = false;
        view.showTyping(false);
        view.showStatus(TEXT.reconnecting);
        if (reason === "io server disconnect") socket.connect(); // not retried by itself
      });
      socket.on("connect_error", () => {
        ready = false;
        view.showStatus(TEXT.unavailable);
      });
    }

    function restart() {
      if (where.local) where.local.removeItem(where.tokenKey);
      ready = false;
      if (socket && socket.connected) socket.emit("session_request", {});
    }

    return { send, connect, restart };
  }

  function init(userOptions) {
    const options = Object.assign({}, scriptOptions(script), userOptions || {});
    const base = new URL(options.server || location.origin, location.href);
    const basePath = base.pathname.replace(/\/$/, "");
    const assets = base.origin + basePath + "/widget/";
    const primary = luminance(options.primaryColor) !== null ? options.primaryColor : "#1d4ed8";
    const tokenKey = "assistant-widget:" + base.origin + basePath + ":token";
    const openKey = tokenKey.replace(/token$/, "open");
    const local = storage("localStorage");
    const session = storage("sessionStorage");

    const ui = buildPage(options, primary, assets);
    const view = createView(ui, options, (payload, title) => connection.send(payload, title));
    const where = { origin: base.origin, basePath, assets, tokenKey, local };
    const connection = createConnection(where, view, ui);

    // --- opening, closing, keyboard ---
    function open(focus = true) {
      ui.panel.hidden = false;
      ui.launcher.setAttribute("aria-expanded", "true");
      ui.launcher.classList.remove("unread");
      ui.launcher.textContent = TEXT.launcher;
      if (session) session.setItem(openKey, "1");
      connection.connect();
      if (focus) ui.input.focus();
    }

    function close() {
      ui.panel.hidden = true;
      ui.launcher.setAttribute("aria-expanded", "false");
      if (session) session.removeItem(openKey);
      ui.launcher.focus();
    }

    ui.launcher.addEventListener("click", () => (ui.panel.hidden ? open(true) : close()));
    ui.closeButton.addEventListener("click", close);
    ui.restartButton.addEventListener("click", () => {
      if (!window.confirm(TEXT.restartConfirm)) return;
      connection.restart();
      ui.input.focus();
    });
    ui.humanButton.addEventListener("click", () => connection.send(HUMAN_PAYLOAD, TEXT.human));
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    ui.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        ui.form.requestSubmit();
      }
    });
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = ui.input.value.trim();
      if (text) {
        connection.send(text);
        ui.input.value = "";
      }
      ui.input.focus();
    });

    // After a reload: open again if it was open (without taking the focus from the page).
    if (session && session.getItem(openKey)) open(false);
    else if (local && local.getItem(tokenKey)) connection.connect(); // an ongoing conversation: get replies

    return { open, close, element: ui.host };
  }

  window.AssistantWidget = { init };
  const fromScript = scriptOptions(script);
  if (script && fromScript.autoInit) {
    if (document.body) init();
    else document.addEventListener("DOMContentLoaded", () => init());
  }
})();
