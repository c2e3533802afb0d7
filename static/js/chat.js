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
 * (the same URL, server-rendered) when a message comes or a chat is read, so the order and
 * each chat's unread count stay current.
 *
 * On a thread (#chat-messages): new messages appended without a reload (their HTML fetched
 * from chat:messages?after=<last id>, rendered and escaped by the server, also after every
 * reconnect, so nothing is lost); "typing…"; "Seen"; the forms marked data-chat-send sent
 * over the API with their client id, retried with the same id (never sent twice); the
 * thread marked read while it is on screen.
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
  var openedBefore = false;

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
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + link.getAttribute("data-chat-socket"));
    socket.addEventListener("open", function () {
      retries = 0;
      link.setAttribute("data-chat-connected", "");  // for styles, and for tests to wait on
      refreshUnread();
      if (thread) loadNewer();  // what came while the socket was down
      if (openedBefore) refreshBuyerCart();  // a cart change missed while it was down
      openedBefore = true;
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      onEvent(data);
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      link.removeAttribute("data-chat-connected");
      if (event.code === 4401 || event.code === 1008) return;  // signed out: nothing to wait for
      // 1 s, 2 s, 4 s ... up to 30 s, with jitter so that tabs do not all come back at once.
      var delay = Math.min(30000, 1000 * Math.pow(2, retries)) * (0.5 + Math.random() / 2);
      retries += 1;
      setTimeout(connect, delay);
    });
  }

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
    if (added) thread.lastElementChild.scrollIntoView({ block: "end" });
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

  function showSeen(upTo) {
    var text = thread.getAttribute("data-seen-text");
    Array.prototype.forEach.call(thread.querySelectorAll(".chat-message--mine[data-id]"), function (item) {
      var seen = item.querySelector(".chat-message__seen");
      if (seen && Number(item.getAttribute("data-id")) <= upTo) seen.textContent = text;
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

  // --- Start -----------------------------------------------------------------------------------

  if (thread) {
    document.addEventListener("submit", onSubmit);
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
