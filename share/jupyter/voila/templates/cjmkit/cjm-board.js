/* cjmkit's workshop board in the page: presenting (zoom, Esc) and an honest connection state.
   Included by index.html.j2 before Voila's own scripts (it watches the kernel's websockets);
   it does nothing on pages without a workshop board. No outside requests. */
(function () {
  "use strict";

  var NativeSocket = window.WebSocket;
  var openSockets = 0;
  var everConnected = false;
  var lostSince = null;
  var probeFailures = 0;

  function board() {
    return document.querySelector(".cjm-workshop-board");
  }

  // -- the connection to the server ---------------------------------------------------------
  // The kernel talks over websockets (".../channels"): when the last one closes, the server or
  // the kernel is gone, and nothing typed from now on can be saved. A cheap HEAD request every
  // few seconds also notices a connection that hangs without closing.

  function WatchedSocket(url, protocols) {
    var socket = protocols === undefined ? new NativeSocket(url) : new NativeSocket(url, protocols);
    if (String(url).indexOf("/channels") !== -1) {
      socket.addEventListener("open", function () {
        openSockets += 1;
        everConnected = true;
        lostSince = null;
        probeFailures = 0;
        showConnection();
      });
      socket.addEventListener("close", function () {
        openSockets = Math.max(0, openSockets - 1);
        if (openSockets === 0 && everConnected) {
          lostSince = lostSince || Date.now();
        }
        showConnection();
      });
    }
    return socket;
  }
  WatchedSocket.prototype = NativeSocket.prototype;
  ["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (name) {
    WatchedSocket[name] = NativeSocket[name];
  });
  window.WebSocket = WatchedSocket;

  function probe() {
    if (!everConnected || !board()) {
      return;
    }
    var base = document.body.getAttribute("data-base-url") || "/voila/";
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, 2500);
    fetch(base + "static/js/bokeh.min.js", { method: "HEAD", cache: "no-store", signal: controller.signal })
      .then(function (answer) {
        probeFailures = answer.status < 500 ? 0 : probeFailures + 1;
      })
      .catch(function () {
        probeFailures += 1;
      })
      .then(function () {
        clearTimeout(timer);
        if (probeFailures >= 2 && lostSince === null) {
          lostSince = Date.now();
        } else if (probeFailures === 0 && openSockets > 0) {
          lostSince = null;
        }
        showConnection();
      });
  }
  setInterval(probe, 1500);

  function savedTime() {
    var marks = document.querySelectorAll(".cjm-save-status [data-saved]");
    var mark = marks.length ? marks[marks.length - 1] : null;
    var time = mark ? new Date(mark.getAttribute("data-saved")) : null;
    return time && !isNaN(time.getTime()) ? time : null;
  }

  function showConnection() {
    var current = board();
    var banner = document.getElementById("cjm-offline");
    if (!current || lostSince === null) {
      if (banner) {
        banner.remove();
      }
      if (current) {
        current.classList.remove("cjm-offline");
      }
      return;
    }
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "cjm-offline";
      banner.setAttribute("role", "alert");
      document.body.appendChild(banner);
    }
    var saved = savedTime();
    var upTo = saved ? saved.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false }) : "the last save";
    banner.textContent =
      "Not connected: everything up to " + upTo + " is saved. Nothing typed now can be saved; " +
      "when the workshop runs again, reload this page.";
    current.classList.add("cjm-offline");
  }

  // -- an edit on its way: "Saving…" until the board answers -----------------------------------
  // A click on Add / Save / Delete / Drop (or Enter in a text box) shows "Saving…" instead of the
  // last "Saved" until the save status changes, so an edit that is not saved never shows as saved.

  var pendingTimer = null;
  var statusSeen = null;

  function statusText() {
    var status = document.querySelector(".cjm-workshop-board .cjm-save-status");
    return status ? status.innerHTML : null;
  }

  function markPending() {
    var current = board();
    if (!current) {
      return;
    }
    statusSeen = statusText();
    current.classList.add("cjm-pending");
    clearTimeout(pendingTimer);
    pendingTimer = setTimeout(clearPending, 4000); // a refused edit says why in its form instead
  }

  function clearPending() {
    var current = board();
    clearTimeout(pendingTimer);
    if (current) {
      current.classList.remove("cjm-pending");
    }
  }

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target instanceof Element ? event.target.closest("button") : null;
      var edit = /mod-(primary|success|danger|warning|info)/.test(target ? target.className : "");
      if (edit && target.closest(".cjm-board-main")) {
        markPending();
      }
    },
    true
  );

  // -- Enter in quick capture: the text travels with it ---------------------------------------
  // The text box sends what is typed a keystroke at a time (held back while the kernel is busy),
  // but its Enter goes at once: after fast typing the kernel would drop a cut-off note. So Enter
  // is sent through a hidden box of the same panel, carrying the whole text as shown, and the
  // box is emptied here at once, so the next note can be typed straight away.

  var submits = 0;

  function quickEnter(event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || !(input instanceof HTMLInputElement)) {
      return;
    }
    var panel = input.closest(".cjm-quick-capture");
    var hidden = panel && input.closest(".cjm-quick-text") ? panel.querySelector(".cjm-quick-submit input") : null;
    if (!hidden) {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    if (event.type !== "keydown") {
      return;
    }
    submits += 1;
    hidden.value = JSON.stringify([Date.now() + "-" + submits, input.value]);
    hidden.dispatchEvent(new Event("input", { bubbles: true }));
    input.value = ""; // the next note starts in an empty box (the board puts a refused one back)
    input.dispatchEvent(new Event("input", { bubbles: true }));
    markPending();
  }

  // -- presenting: the map alone, zoomed as the board's zoom picker says; Esc goes back ------

  var lastZoom = "";

  function zoomInfo(current) {
    var mark = current.querySelector(".cjm-zoom-target .cjm-zoom");
    return mark ? mark.dataset : null;
  }

  // The map is scaled with a CSS transform (Bokeh lays itself out from its untransformed size,
  // so its canvas is not redrawn at another size); margins give the box the scaled size to
  // scroll. Above 1x the canvas is redrawn with as many more pixels, so text stays sharp.
  var nativeRatio = window.devicePixelRatio || 1;
  var sharpness = 1;

  function setSharpness(scale, pixels) {
    var wanted = Math.max(1, Math.min(Math.ceil(scale * 2) / 2, 3));
    while (wanted > 1 && pixels * wanted * wanted * nativeRatio * nativeRatio > 40e6) {
      wanted -= 0.5; // a very big map: a softer picture rather than a canvas the browser refuses
    }
    if (wanted === sharpness) {
      return;
    }
    sharpness = wanted;
    try {
      Object.defineProperty(window, "devicePixelRatio", {
        configurable: true,
        get: function () { return nativeRatio * sharpness; },
      });
    } catch (error) {
      return; // the browser does not allow it: the map is only less sharp
    }
    window.dispatchEvent(new Event("resize")); // Bokeh redraws its canvas for the new ratio
  }

  function applyZoom() {
    var current = board();
    if (!current) {
      return;
    }
    var box = current.querySelector(".cjm-map-box");
    var map = box ? box.firstElementChild : null;
    var info = zoomInfo(current);
    if (!map || !info) {
      return;
    }
    var presenting = current.classList.contains("cjm-presenting");
    var key = [presenting, JSON.stringify(info), window.innerWidth, window.innerHeight, map.scrollWidth, map.scrollHeight].join("|");
    if (key === lastZoom) {
      return;
    }
    lastZoom = key;
    if (!presenting) {
      map.style.transform = "";
      map.style.marginRight = "";
      map.style.marginBottom = "";
      setSharpness(1, 0);
      return;
    }
    var width = map.offsetWidth;
    var height = map.offsetHeight;
    var style = window.getComputedStyle(box);
    var roomW = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 4;
    var roomH = box.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom) - 4;
    var scale = 1;
    var left = 0;
    var top = 0;
    if (info.mode === "width") {
      scale = roomW / width;
    } else if (info.mode === "stage") {
      // the stage's column fills the width; its cards are reached by scrolling down
      var figureHeight = parseFloat(info.h) || height;
      scale = roomW / parseFloat(info.w);
      left = parseFloat(info.x);
      top = Math.max(0, height - figureHeight) + (parseFloat(info.y) || 0);
    } else {
      scale = Math.min(roomW / width, roomH / height);
    }
    scale = Math.max(0.1, Math.min(scale, 3));
    map.style.transformOrigin = "0 0";
    map.style.transform = "scale(" + scale + ")";
    map.style.marginRight = width * (scale - 1) + "px";
    map.style.marginBottom = height * (scale - 1) + "px";
    box.scrollLeft = left * scale;
    box.scrollTop = top * scale;
    setSharpness(scale, width * height);
  }

  var scheduled = false;

  function changed() {
    if (scheduled) {
      return;
    }
    scheduled = true;
    window.requestAnimationFrame(function () {
      scheduled = false;
      applyZoom();
      if (statusSeen !== null && statusText() !== statusSeen) {
        statusSeen = null;
        clearPending();
      }
      showConnection();
    });
  }

  function start() {
    new MutationObserver(changed).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["class"],
    });
    window.addEventListener("resize", changed);
    document.addEventListener("keydown", quickEnter, true);
    document.addEventListener("keypress", quickEnter, true);
    // Presenting asks the browser for the whole screen (a click is needed for that), and leaving
    // the browser's full screen (Esc) leaves presenting too.
    document.addEventListener(
      "click",
      function (event) {
        var toggle = event.target instanceof Element ? event.target.closest(".cjm-present-toggle") : null;
        var current = board();
        if (toggle && current && !current.classList.contains("cjm-presenting") && document.fullscreenEnabled) {
          document.documentElement.requestFullscreen().catch(function () {});
        } else if (toggle && document.fullscreenElement) {
          document.exitFullscreen().catch(function () {});
        }
      },
      true
    );
    document.addEventListener("fullscreenchange", function () {
      var current = board();
      if (!document.fullscreenElement && current && current.classList.contains("cjm-presenting")) {
        var exit = current.querySelector(".cjm-present-exit");
        if (exit) {
          exit.click();
        }
      }
    });
    document.addEventListener(
      "keydown",
      function (event) {
        var current = board();
        if (event.key === "Escape" && current && current.classList.contains("cjm-presenting")) {
          var exit = current.querySelector(".cjm-present-exit");
          if (exit) {
            event.preventDefault();
            exit.click();
          }
        }
      },
      true
    );
    var style = document.createElement("style");
    style.textContent =
      "#cjm-offline { position: fixed; top: 0; left: 0; right: 0; z-index: 3000; background: #b3261e;" +
      " color: #fff; font: bold 16px system-ui, sans-serif; padding: 12px 24px; }" +
      ".cjm-offline { pointer-events: none; opacity: 0.5; filter: grayscale(0.7); }" +
      ".cjm-offline .cjm-save-status, .cjm-pending .cjm-save-status .cjm-saved { visibility: hidden; }" +
      ".cjm-pending .cjm-save-status::before { content: 'Saving…'; color: #555; font-weight: bold; }";
    document.head.appendChild(style);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
