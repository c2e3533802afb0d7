/*
 * What the seller's insights need from the browser (ids only; see shop/events.py):
 * - a post impression: a post card at least half visible for one second, once per page;
 * - a tag tap: a tagged product opened from a post (its dot, "Quick look" or its link).
 * They are batched and sent to the endpoint named on this script's tag (insights/views.py)
 * when the batch is full, three seconds after its first event, and when the page is hidden
 * (navigator.sendBeacon, which survives the page closing, though not always: Chromium drops
 * a beacon sent while it navigates away, hence the timer), form-encoded with the page's CSRF token (a beacon cannot set headers).
 * The source is the feed's data-insights-source (Following, For you, a hashtag); a post's
 * own page opened from elsewhere is a shared link. The product sheet's request carries it
 * too (X-Insights-Source), and a tag's product link gets it as ?src= when followed. A random
 * visitor id lives in a first-party cookie, "etv".
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var endpoint = script && script.getAttribute("data-url");
  if (!endpoint || !window.IntersectionObserver) return;

  var MAX_BATCH = 50;
  var VISIBLE_MS = 1000;
  // A batch also goes after this long: a page's last moments do not always get to send one.
  var SEND_AFTER_MS = 3000;
  var sendTimer = null;
  var queue = [];
  var seen = {};
  var timers = new Map();

  function ensureVisitor() {
    if (/(?:^|;\s*)etv=\d+/.test(document.cookie)) return;
    var words = new Uint32Array(2);
    window.crypto.getRandomValues(words);
    // A positive 63-bit number: 31 random bits, then 32.
    var id = (BigInt(words[0] & 0x7fffffff) << 32n) + BigInt(words[1]);
    if (id === 0n) id = 1n;
    var secure = window.location.protocol === "https:" ? "; Secure" : "";
    document.cookie = "etv=" + id.toString() + "; Max-Age=31536000; Path=/; SameSite=Lax" + secure;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function sourceOf(node) {
    var holder = node.closest("[data-insights-source]");
    if (holder) return holder.getAttribute("data-insights-source");
    var referrer = document.referrer;
    return referrer && referrer.indexOf(window.location.origin + "/") === 0 ? "direct" : "shared_link";
  }

  function postIdOf(card) {
    var match = /^post-(\d+)$/.exec(card.id || "");
    return match ? Number(match[1]) : null;
  }

  function send() {
    if (sendTimer !== null) {
      window.clearTimeout(sendTimer);
      sendTimer = null;
    }
    if (!queue.length) return;
    var bySource = {};
    queue.splice(0).forEach(function (item) {
      (bySource[item.source] = bySource[item.source] || []).push(item.event);
    });
    Object.keys(bySource).forEach(function (source) {
      var events = bySource[source];
      for (var start = 0; start < events.length; start += MAX_BATCH) {
        var body = new URLSearchParams();
        body.set("csrfmiddlewaretoken", csrfToken());
        body.set("batch", JSON.stringify({ source: source, events: events.slice(start, start + MAX_BATCH) }));
        navigator.sendBeacon(endpoint, body);
      }
    });
  }

  function add(source, event) {
    queue.push({ source: source, event: event });
    if (queue.length >= MAX_BATCH) send();
    else if (sendTimer === null) sendTimer = window.setTimeout(send, SEND_AFTER_MS);
  }

  var observer = new IntersectionObserver(
    function (entries) {
      entries.forEach(function (entry) {
        var card = entry.target;
        var postId = postIdOf(card);
        if (postId === null || seen[postId]) return;
        if (entry.intersectionRatio >= 0.5) {
          if (!timers.has(card)) {
            timers.set(
              card,
              window.setTimeout(function () {
                timers.delete(card);
                seen[postId] = true;
                observer.unobserve(card);
                add(sourceOf(card), { name: "post_impression", post: postId });
              }, VISIBLE_MS),
            );
          }
        } else if (timers.has(card)) {
          window.clearTimeout(timers.get(card));
          timers.delete(card);
        }
      });
    },
    { threshold: [0, 0.5] },
  );

  function watch(root) {
    if (!root || !root.querySelectorAll) return;
    var cards = Array.prototype.slice.call(root.querySelectorAll("article.post-card"));
    if (root.matches && root.matches("article.post-card")) cards.unshift(root);
    cards.forEach(function (card) {
      observer.observe(card);
    });
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-tag]");
    var card = opener && opener.closest("article.post-card");
    var postId = card && postIdOf(card);
    if (!postId) return;
    var source = sourceOf(card);
    add(source, { name: "tag_tap", post: postId, tag: Number(opener.getAttribute("data-tag")) });
    var link = event.target.closest("a[href]");
    if (link) {
      // The product page records where the shopper came from (?src=, beside the tag's ?post=).
      var url = new URL(link.href, window.location.href);
      if (url.origin === window.location.origin && !url.searchParams.has("src")) {
        url.searchParams.set("src", source);
        link.href = url.toString();
      }
      send(); // the page is about to go
    }
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var element = event.detail.elt;
    if (element && element.closest && element.closest("article.post-card")) {
      event.detail.headers["X-Insights-Source"] = sourceOf(element);
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    watch(event.target);
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") send();
  });
  window.addEventListener("pagehide", send);

  ensureVisitor();
  watch(document);
})();
