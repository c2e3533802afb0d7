/*
 * Live chat (progressive enhancement: without this script every chat page still works).
 *
 * On every page of a signed-in person (the header's chat link, [data-chat-live]): one socket
 * per tab to /ws/chat/ (chat/live/consumer.py), reconnected with backoff; the unread count
 * in the header badge and the tab's title, read from /api/v1/chat/unread/ at load and again
 * whenever the socket says a message came or a chat was read (the database is the truth,
 * the socket only notifies).
 *
 * On the first page of a list of chats ([data-chat-live-list]): the list is fetched again
 * (the same URL, server-rendered) when a message comes or a chat is read, and after every
 * reconnect (what came while the socket was down), so the order and each chat's unread
 * count stay current.
 *
 * On a thread (#chat-messages): new messages appended without a reload (their HTML fetched
 * from chat:messages?after=<last id>, rendered and escaped by the server, also after every
 * reconnect, so nothing is lost); "typing…"; "Seen"; the forms marked data-chat-send sent
 * over the API with their client id, retried with the same id (never sent twice); the
 * thread marked read while it is on screen; a card whose offer or order changed
 * (message.updated) fetched again from chat:message and swapped in.
 *
 * On the store's side of a thread (#buyer-cart, the buyer panel's cart): when the socket says
 * the buyer's cart changed (buyer.cart), and after every reconnect, the cart part is fetched
 * again from chat:buyer_cart (server-rendered, escaped there) and swapped in.
 */
(function () {
  "use strict";

  var link = document.querySelector("[data-chat-live]");
  if (!link || !window.WebSocket || !window.fetch) return;

  var badge = link.querySelector("[data-chat-unread]");
  var baseTitle = document.title;
  var thread = document.getElementById("chat-messages");
  var conversationId = thread ? Number(thread.getAttribute("data-conversation")) : 0;
  var mySide = thread ? thread.getAttribute("data-side") : "";
  var typingNote = document.getElementById("chat-typing");
  var socket = null;
  var retries = 0;
  var reconnectTimer = null;
  var connectedBefore = false;
  var pingTimer = null;
  // A ping keeps this tab counted as connected (chat/live/presence.py: HEARTBEAT; after 90 s
  // of silence the server takes the socket for gone), so no in-app notification is written
  // for a message this tab shows live.
  var PING_EVERY = 30000;

  // --- Unread count: header badge and tab title ------------------------------------------------

  var unreadTimer = null;
  function refreshUnread() {
    clearTimeout(unreadTimer);
    unreadTimer = setTimeout(function () {
      fetch(link.getAttribute("data-chat-unread-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data) showUnread(Number(data.unread) || 0); })
        .catch(function () { /* offline: the next event or reconnect tries again */ });
    }, 150);
  }

  function showUnread(count) {
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count === 0;
    document.title = count ? "(" + (count > 99 ? "99+" : count) + ") " + baseTitle : baseTitle;
  }

  // --- A list of chats ------------------------------------------------------------------------

  var list = document.querySelector("[data-chat-live-list]");
  var listTimer = null;
  function refreshList() {
    if (!list) return;
    clearTimeout(listTimer);
    listTimer = setTimeout(function () {
      fetch(location.href, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          // The same server-rendered page (every user text escaped there): take its list.
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-chat-live-list]");
          if (fresh) list.replaceChildren.apply(list, Array.prototype.slice.call(fresh.childNodes));
        })
        .catch(function () { /* the next event tries again */ });
    }, 300);
  }

  // --- The socket ------------------------------------------------------------------------------

  function connect() {
    reconnectTimer = null;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + link.getAttribute("data-chat-socket"));
    socket.addEventListener("open", function () {
      retries = 0;
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { sendFrame({ type: "ping" }); }, PING_EVERY);
      link.setAttribute("data-chat-connected", "");  // for styles, and for tests to wait on
      refreshUnread();
      if (thread) loadNewer();  // what came while the socket was down
      if (connectedBefore) {
        refreshList();  // a list of chats missed those events too
        refreshBuyerCart();  // and the buyer panel's cart a change
      }
      connectedBefore = true;
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      onEvent(data);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      clearInterval(pingTimer);
      link.removeAttribute("data-chat-connected");
      if (event.code === 4401 || event.code === 1008) return;  // signed out: nothing to wait for
      // 1 s, 2 s, 4 s ... up to 30 s, with jitter so that tabs do not all come back at once.
      var delay = Math.min(30000, 1000 * Math.pow(2, retries)) * (0.5 + Math.random() / 2);
      retries += 1;
      reconnectTimer = setTimeout(connect, delay);
    });
  }

  // The phone is back on the network, or the tab in front again: try now rather than at the end
  // of a back-off that may have grown to 30 s while it was away.
  function reconnectNow() {
    if (reconnectTimer === null) return;  // connected, connecting, or signed out
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    retries = 0;
    connect();
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") reconnectNow();
  });

  function sendFrame(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function onEvent(data) {
    if (data.type === "message" || data.type === "read") {
      refreshUnread();
      refreshList();
    }
    if (!thread || data.conversation !== conversationId) return;
    if (data.type === "message") {
      if (data.side !== mySide) hideTyping();
      loadNewer();
    } else if (data.type === "read" && data.side !== mySide) {
      showSeen(Number(data.last_read_id) || 0);
    } else if (data.type === "typing" && data.side !== mySide) {
      showTyping();
    } else if (data.type === "message.updated") {
      reloadMessage(Number(data.message) || 0);
    } else if (data.type === "buyer.cart") {
      refreshBuyerCart();
    }
  }

  // --- The buyer panel's cart (the store's side) ------------------------------------------------

  var cartTimer = null;
  function refreshBuyerCart() {
    var current = document.getElementById("buyer-cart");
    if (!current) return;
    clearTimeout(cartTimer);
    cartTimer = setTimeout(function () {
      fetch(current.getAttribute("data-buyer-cart-url"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          // Server-rendered (chat/partials/buyer_cart.html, every user text escaped there).
          var holder = document.createElement("template");
          holder.innerHTML = html;
          var fresh = holder.content.getElementById("buyer-cart");
          var shown = document.getElementById("buyer-cart");
          if (fresh && shown) shown.replaceWith(fresh);
        })
        .catch(function () { /* the next event or reconnect tries again */ });
    }, 200);
  }

  // --- The thread ------------------------------------------------------------------------------

  function lastId() {
    var items = thread.querySelectorAll(".chat-message[data-id]");
    return items.length ? Number(items[items.length - 1].getAttribute("data-id")) : 0;
  }

  var loading = null;
  var loadAgain = false;
  function loadNewer() {
    // One request at a time; an event during it asks once more after it.
    if (loading) { loadAgain = true; return loading; }
    var url = thread.getAttribute("data-messages-url") + "?after=" + lastId();
    loading = fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        var more = response.headers.get("X-Chat-Has-More") === "1";
        return response.text().then(function (html) { append(html); return more; });
      })
      .then(function (more) {
        loading = null;
        if (more || loadAgain) { loadAgain = false; loadNewer(); }
        markRead();
      })
      .catch(function () { loading = null; });
    return loading;
  }

  function append(html) {
    // Server-rendered (chat/_message.html, every user text escaped there).
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var added = false;
    Array.prototype.forEach.call(holder.content.querySelectorAll(".chat-message[data-id]"), function (item) {
      if (document.getElementById(item.id)) return;  // already shown
      var empty = thread.querySelector(".chat-messages__empty");
      if (empty) empty.remove();
      thread.appendChild(item);
      added = true;
    });
    if (!added) return;
    // A read that came before these were shown (their fetch left the server first) covers them too.
    if (seenUpTo) showSeen(seenUpTo);
    thread.lastElementChild.scrollIntoView({ block: "end" });
  }

  // A card changed (an offer bought, withdrawn or expired; an order paid, shipped...): the
  // message is fetched again (chat:message, rendered and escaped by the server) and swapped
  // in, if this page shows it.
  function reloadMessage(id) {
    var shown = id && document.getElementById("message-" + id);
    if (!shown) return;
    fetch(thread.getAttribute("data-messages-url") + id + "/", { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var holder = document.createElement("template");
        holder.innerHTML = html;
        var fresh = holder.content.querySelector(".chat-message[data-id]");
        var current = document.getElementById("message-" + id);
        if (fresh && current && fresh.id === current.id) current.replaceWith(fresh);
      })
      .catch(function () { /* the card stays as it was; a reload shows it as it is */ });
  }

  function markRead() {
    if (document.visibilityState !== "visible") return;
    var theirs = thread.querySelectorAll(".chat-message--theirs[data-id]");
    if (!theirs.length) return;
    var newest = Number(theirs[theirs.length - 1].getAttribute("data-id"));
    if (newest > (markRead.sent || 0)) {
      markRead.sent = newest;
      sendFrame({ type: "read", conversation: conversationId, up_to: newest });
    }
  }

  var seenUpTo = 0;  // the newest of my messages the other side has read, as told
  function showSeen(upTo) {
    seenUpTo = Math.max(seenUpTo, upTo);
    var text = thread.getAttribute("data-seen-text");
    Array.prototype.forEach.call(thread.querySelectorAll(".chat-message--mine[data-id]"), function (item) {
      var seen = item.querySelector(".chat-message__seen");
      if (seen && Number(item.getAttribute("data-id")) <= seenUpTo) seen.textContent = text;
    });
  }

  var typingTimer = null;
  function showTyping() {
    if (!typingNote) return;
    typingNote.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 4000);
  }
  function hideTyping() { if (typingNote) typingNote.hidden = true; }

  // --- Sending ---------------------------------------------------------------------------------

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function errorText(data) {
    if (!data) return "";
    if (typeof data.detail === "string") return data.detail;
    for (var key in data) {
      if (Array.isArray(data[key]) && data[key].length) return String(data[key][0]);
    }
    return "";
  }

  function showError(form, text) {
    var box = form.querySelector(".chat-composer__errors[data-live]");
    if (!box) {
      box = document.createElement("div");
      box.className = "chat-composer__errors";
      box.setAttribute("role", "alert");
      box.setAttribute("data-live", "");
      form.insertBefore(box, form.firstChild);
    }
    box.textContent = text;  // text, never HTML
    box.hidden = !text;
  }

  // POST the message; a network failure or a 5xx is retried with the same client id (the
  // server returns the message already sent instead of a second one).
  function post(form, payload, attempt) {
    return fetch(form.getAttribute("data-chat-send"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
      body: JSON.stringify(payload),
    }).then(function (response) {
      if (response.status >= 500 && attempt < 4) return wait(500 * Math.pow(2, attempt)).then(function () { return post(form, payload, attempt + 1); });
      return response.json().catch(function () { return null; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    }, function () {
      if (attempt < 4) return wait(500 * Math.pow(2, attempt)).then(function () { return post(form, payload, attempt + 1); });
      return { ok: false, data: null };
    });
  }

  function onSubmit(event) {
    var form = event.target.closest("form[data-chat-send]");
    if (!form) return;
    event.preventDefault();
    var body = form.elements.body.value;
    if (!body.trim()) return;
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    post(form, { client_id: form.elements.client_id.value, body: body }, 0).then(function (result) {
      if (button) button.disabled = false;
      if (result.ok) {
        showError(form, "");
        form.elements.client_id.value = newClientId();  // the next message is a new one
        if (form.hasAttribute("data-chat-composer")) form.elements.body.value = "";
        loadNewer();
        return;
      }
      // Kept as typed, with the same client id: pressing Send again cannot send it twice.
      var composer = document.querySelector("[data-chat-composer]");
      showError(form, errorText(result.data) || (composer && composer.getAttribute("data-failed-text")) || "");
    });
  }

  // --- Quick replies on "/" (the store's side) --------------------------------------------------

  // Typing "/" at the start of the message or after a space lists the store's quick replies
  // (filled in for this chat by the server: #chat-quick-replies, a json_script element),
  // narrowed by what follows the slash (shortcut first, then text). Up/Down choose, Enter or
  // Tab (or a tap) puts the reply's text in place of "/query", Escape closes. The textarea
  // points at the chosen option with aria-activedescendant, the list is a listbox.
  var PICKER_MAX = 8;
  function quickReplyPicker() {
    var source = document.getElementById("chat-quick-replies");
    var list = document.getElementById("chat-quick-picker");
    var box = document.querySelector("[data-chat-composer] textarea");
    if (!source || !list || !box) return;
    var replies;
    try { replies = JSON.parse(source.textContent); } catch (error) { return; }
    if (!Array.isArray(replies) || !replies.length) return;

    var hint = document.getElementById("chat-quick-picker-hint");
    if (hint) {
      hint.hidden = false;
      box.setAttribute("aria-describedby", ((box.getAttribute("aria-describedby") || "") + " " + hint.id).trim());
    }
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    var matches = [];
    var active = -1;
    var token = null;

    function slashToken() {
      // "/query" just before the caret, at the start or after whitespace; nothing selected.
      if (box.selectionStart !== box.selectionEnd) return null;
      var before = box.value.slice(0, box.selectionStart);
      var found = /(^|\s)\/([^\s\/]*)$/.exec(before);
      if (!found) return null;
      return { start: before.length - found[2].length - 1, end: before.length, query: found[2].toLowerCase() };
    }

    function ranked(query) {
      var starts = [], contains = [], inText = [];
      replies.forEach(function (reply) {
        var shortcut = String(reply.shortcut).toLowerCase();
        if (shortcut.indexOf(query) === 0) starts.push(reply);
        else if (shortcut.indexOf(query) > 0) contains.push(reply);
        else if (String(reply.text).toLowerCase().indexOf(query) >= 0) inText.push(reply);
      });
      return starts.concat(contains, inText).slice(0, PICKER_MAX);
    }

    function optionId(index) { return "chat-quick-picker-" + index; }

    function render() {
      list.replaceChildren();
      if (!matches.length) {
        var none = document.createElement("li");
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.setAttribute("aria-selected", "false");
        none.textContent = list.getAttribute("data-empty-text");
        list.appendChild(none);
      }
      matches.forEach(function (reply, index) {
        var item = document.createElement("li");
        item.id = optionId(index);
        item.setAttribute("role", "option");
        item.setAttribute("data-index", String(index));
        item.setAttribute("aria-selected", index === active ? "true" : "false");
        var shortcut = document.createElement("span");
        shortcut.className = "chat-quick-picker__shortcut";
        shortcut.textContent = "/" + reply.shortcut;
        var text = String(reply.text);
        item.appendChild(shortcut);
        item.appendChild(document.createTextNode(text.length > 120 ? text.slice(0, 119) + "…" : text));
        list.appendChild(item);
      });
      list.hidden = false;
      if (active >= 0) {
        box.setAttribute("aria-activedescendant", optionId(active));
        document.getElementById(optionId(active)).scrollIntoView({ block: "nearest" });
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      token = null;
      matches = [];
      active = -1;
      list.hidden = true;
      list.replaceChildren();
      box.removeAttribute("aria-activedescendant");
    }

    function update() {
      token = slashToken();
      if (!token) { close(); return; }
      matches = ranked(token.query);
      active = matches.length ? 0 : -1;
      render();
    }

    function pick(index) {
      var reply = matches[index];
      if (!reply || !token) return;
      var text = String(reply.text);
      box.value = box.value.slice(0, token.start) + text + box.value.slice(token.end);
      var caret = token.start + text.length;
      close();
      box.focus();
      box.setSelectionRange(caret, caret);
    }

    box.addEventListener("input", update);
    box.addEventListener("click", update);
    box.addEventListener("blur", close);
    box.addEventListener("keydown", function (event) {
      if (list.hidden || event.isComposing) return;  // an input method's own Enter is its own
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!matches.length) return;
        var step = event.key === "ArrowDown" ? 1 : -1;
        active = (active + step + matches.length) % matches.length;
        render();
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0 && !event.shiftKey) {
        event.preventDefault();
        pick(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    // A tap picks; pressing on the list must not take the focus from the message box.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option][data-index]");
      if (item) pick(Number(item.getAttribute("data-index")));
    });
  }

  // --- Start -----------------------------------------------------------------------------------

  if (thread) {
    document.addEventListener("submit", onSubmit);
    quickReplyPicker();
    var composerBody = document.querySelector("[data-chat-composer] textarea");
    var typedAt = 0;
    if (composerBody) {
      composerBody.addEventListener("input", function () {
        var now = Date.now();
        if (now - typedAt > 2000) {
          typedAt = now;
          sendFrame({ type: "typing", conversation: conversationId });
        }
      });
    }
    document.addEventListener("visibilitychange", function () { if (thread) markRead(); });
  }
  refreshUnread();
  connect();
})();
