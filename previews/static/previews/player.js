/* The preview player of the task history pages (templates/previews/preview.html): the low-def
   movie stepped by exact frame, scrubbed with the tile sheet, the review drawings over their
   frame; or a picture with its drawings. Served by the project, no other resource.

   Frames: the preview's rate is exact ("24000/1001", data.frame_rate); frame n (1-based) is
   shown by seeking to (n - 1 + 0.5) / rate, the middle of the frame, so that no rounding of
   the time lands on a neighbour. A drawing belongs to the frame its time falls on (the
   nearest frame start, previews/annotations.py: frame = floor(time × rate + 1/2) + 1), or to
   its stored `frame`. Geometry follows the server's renderer (previews/media/annotation_
   drawing.py): each object scaled from its own canvas (canvasWidth/Height), placed by
   left/top and its origin, rotated and scaled around its centre. */
(function () {
  "use strict";
  var figure = document.getElementById("player");
  var dataNode = document.getElementById("player-data");
  if (!figure || !dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var stage = figure.querySelector(".stage");

  function num(v, d) { return typeof v === "number" && isFinite(v) ? v : d; }
  function parseRate(text) {
    var parts = String(text || "").split("/");
    var n = parseFloat(parts[0]), d = parts.length > 1 ? parseFloat(parts[1]) : 1;
    return n > 0 && d > 0 ? { num: n, den: d } : { num: 25, den: 1 };
  }
  var rate = parseRate(data.frameRate);

  function entryFrame(entry) {
    if (typeof entry.frame === "number") return entry.frame;
    var t = parseFloat(entry.time);
    return isFinite(t) ? Math.floor(t * rate.num / rate.den + 0.5) + 1 : 1;
  }
  var byFrame = {};
  (data.annotations || []).forEach(function (entry) {
    var objects = entry && entry.drawing && entry.drawing.objects;
    if (!Array.isArray(objects)) return;
    var frame = data.movie ? entryFrame(entry) : 1;
    byFrame[frame] = (byFrame[frame] || []).concat(objects);
  });

  // ---- drawing ------------------------------------------------------------------------
  var canvas = document.createElement("canvas");
  canvas.setAttribute("aria-hidden", "true");
  stage.appendChild(canvas);
  var ctx = canvas.getContext("2d");

  function pathCommands(path) { return Array.isArray(path) ? path.filter(Array.isArray) : []; }
  function commandPoints(cmds) {
    var pts = [];
    cmds.forEach(function (c) {
      for (var i = 1; i + 1 < c.length; i += 2) pts.push([+c[i], +c[i + 1]]);
    });
    return pts;
  }
  function geometry(kind, o) {
    var pts = null;
    if (kind === "path") pts = commandPoints(pathCommands(o.path));
    else if (kind === "polyline" || kind === "polygon") pts = (o.points || []).map(function (p) { return [p.x, p.y]; });
    else if (kind === "line" || kind === "arrow") {
      return { w: num(o.width, Math.abs(num(o.x2, 0) - num(o.x1, 0))), h: num(o.height, Math.abs(num(o.y2, 0) - num(o.y1, 0))), off: [0, 0] };
    } else if (kind === "circle") {
      var r = num(o.radius, 0); return { w: num(o.width, 2 * r), h: num(o.height, 2 * r), off: [0, 0] };
    } else if (kind === "ellipse") {
      return { w: num(o.width, 2 * num(o.rx, 0)), h: num(o.height, 2 * num(o.ry, 0)), off: [0, 0] };
    }
    if (pts && pts.length) {
      var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
      var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
      var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
      var off = o.pathOffset ? [num(o.pathOffset.x, 0), num(o.pathOffset.y, 0)] : [(minX + maxX) / 2, (minY + maxY) / 2];
      return { w: num(o.width, maxX - minX), h: num(o.height, maxY - minY), off: off };
    }
    return { w: num(o.width, 0), h: num(o.height, 0), off: [0, 0] };
  }
  function place(o, g) {  // fabric's own matrix: centre, rotation, scale
    var sx = num(o.scaleX, 1) * (o.flipX === true ? -1 : 1), sy = num(o.scaleY, 1) * (o.flipY === true ? -1 : 1);
    var a = num(o.angle, 0) * Math.PI / 180, cos = Math.cos(a), sin = Math.sin(a);
    var stroke = Math.max(num(o.strokeWidth, 1), 0);
    var bw = (g.w + stroke) * sx, bh = (g.h + stroke) * sy;
    var ox = { center: 0.5, right: 1 }[o.originX] || 0, oy = { center: 0.5, bottom: 1 }[o.originY] || 0;
    var dx = (0.5 - ox) * bw, dy = (0.5 - oy) * bh;
    var left = num(o.left, 0), top = num(o.top, 0);
    ctx.transform(cos * sx, sin * sx, -sin * sy, cos * sy, left + cos * dx - sin * dy, top + sin * dx + cos * dy);
  }
  function paint(o, closed) {
    ctx.globalAlpha = Math.min(Math.max(num(o.opacity, 1), 0), 1);
    if (closed && o.fill && o.fill !== "transparent") { ctx.fillStyle = o.fill; ctx.fill(); }
    if (o.stroke && o.stroke !== "transparent") {
      ctx.strokeStyle = o.stroke; ctx.lineWidth = num(o.strokeWidth, 1);
      ctx.lineCap = o.strokeLineCap || "round"; ctx.lineJoin = o.strokeLineJoin || "round";
      ctx.stroke();
    }
  }
  function drawObject(o) {
    if (!o || o.visible === false) return;
    var kind = String(o.type || "").toLowerCase();
    var g = geometry(kind, o);
    ctx.save();
    var placed = !(o.left == null && o.top == null);
    if (placed) place(o, g); else g.off = [0, 0];
    ctx.beginPath();
    if (kind === "path") {
      var dx = -g.off[0], dy = -g.off[1];
      pathCommands(o.path).forEach(function (c) {
        var op = c[0], v = c.slice(1).map(Number);
        if (op === "M") ctx.moveTo(v[0] + dx, v[1] + dy);
        else if (op === "L") ctx.lineTo(v[0] + dx, v[1] + dy);
        else if (op === "Q") ctx.quadraticCurveTo(v[0] + dx, v[1] + dy, v[2] + dx, v[3] + dy);
        else if (op === "C") ctx.bezierCurveTo(v[0] + dx, v[1] + dy, v[2] + dx, v[3] + dy, v[4] + dx, v[5] + dy);
        else if (op === "Z" || op === "z") ctx.closePath();
      });
      paint(o, false);
    } else if (kind === "polyline" || kind === "polygon") {
      (o.points || []).forEach(function (p, i) {
        var x = p.x - g.off[0], y = p.y - g.off[1];
        if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      if (kind === "polygon") ctx.closePath();
      paint(o, kind === "polygon");
    } else if (kind === "rect") {
      ctx.rect(-g.w / 2, -g.h / 2, g.w, g.h); paint(o, true);
    } else if (kind === "circle" || kind === "ellipse") {
      ctx.ellipse(0, 0, Math.max(g.w / 2, 0), Math.max(g.h / 2, 0), 0, 0, 2 * Math.PI); paint(o, true);
    } else if (kind === "line" || kind === "arrow") {
      var x1 = num(o.x1, 0), y1 = num(o.y1, 0), x2 = num(o.x2, 0), y2 = num(o.y2, 0), s, e;
      if (placed) {
        s = [x1 <= x2 ? -g.w / 2 : g.w / 2, y1 <= y2 ? -g.h / 2 : g.h / 2]; e = [-s[0], -s[1]];
      } else { s = [x1, y1]; e = [x2, y2]; }
      ctx.moveTo(s[0], s[1]); ctx.lineTo(e[0], e[1]);
      if (kind === "arrow") {
        var head = num(o.arrowHeadSize, 15), ang = Math.atan2(e[1] - s[1], e[0] - s[0]);
        ctx.moveTo(e[0] - head * Math.cos(ang - 0.5), e[1] - head * Math.sin(ang - 0.5));
        ctx.lineTo(e[0], e[1]);
        ctx.lineTo(e[0] - head * Math.cos(ang + 0.5), e[1] - head * Math.sin(ang + 0.5));
      }
      paint(o, false);
    } else if (kind === "text" || kind === "i-text" || kind === "textbox") {
      var size = num(o.fontSize, 40);
      ctx.font = size + "px " + (o.fontFamily || "sans-serif");
      ctx.fillStyle = o.fill || "#000"; ctx.textBaseline = "top";
      ctx.globalAlpha = Math.min(Math.max(num(o.opacity, 1), 0), 1);
      String(o.text || "").split("\n").forEach(function (line, i) {
        ctx.fillText(line, -g.w / 2, -g.h / 2 + i * size * num(o.lineHeight, 1.16));
      });
    } else if (kind === "group") {
      (o.objects || []).forEach(drawObject);
    }
    ctx.restore();
  }
  function drawFrame(frame) {
    var box = stage.getBoundingClientRect();
    var w = Math.max(1, Math.round(box.width)), h = Math.max(1, Math.round(box.height));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, h);
    (byFrame[frame] || []).forEach(function (o) {
      ctx.save();
      ctx.scale(w / num(o.canvasWidth, w), h / num(o.canvasHeight, h));
      try { drawObject(o); } catch (err) { /* a malformed drawing is skipped */ }
      ctx.restore();
    });
    figure.dataset.drawnObjects = String((byFrame[frame] || []).length);
  }

  if (!data.movie) {
    var picture = stage.querySelector("img");
    var redraw = function () { drawFrame(1); };
    if (picture.complete) redraw(); else picture.addEventListener("load", redraw);
    window.addEventListener("resize", redraw);
    return;
  }

  // ---- the movie ------------------------------------------------------------------------
  var count = Math.max(1, data.frameCount || 1);
  var poster = stage.querySelector("img.poster");
  var video = document.createElement("video");
  video.src = figure.dataset.movie;
  video.preload = "auto";
  video.muted = false;
  video.playsInline = true;
  video.poster = poster.src;
  if (poster.getAttribute("width")) { video.width = poster.width; video.height = poster.height; }
  video.setAttribute("aria-label", "Movie preview");
  stage.replaceChild(video, poster);

  var controls = document.createElement("div");
  controls.className = "controls";
  controls.innerHTML =
    '<button type="button" data-act="first" aria-label="First frame">|◀</button>' +
    '<button type="button" data-act="prev" aria-label="Previous frame">◀</button>' +
    '<button type="button" data-act="play" aria-label="Play">▶ Play</button>' +
    '<button type="button" data-act="next" aria-label="Next frame">▶</button>' +
    '<button type="button" data-act="last" aria-label="Last frame">▶|</button>' +
    '<output id="frame-number" aria-live="polite">Frame 1 / ' + count + "</output>" +
    '<span class="muted">Keys: ← → one frame, space play/pause, Home/End</span>';
  var scrub = document.createElement("div");
  scrub.className = "scrub";
  scrub.innerHTML =
    '<div class="marks" aria-hidden="true"></div>' +
    '<div class="tile" hidden></div>' +
    '<label class="visually-hidden" for="scrubber">Frame</label>' +
    '<input id="scrubber" type="range" min="1" max="' + count + '" step="1" value="1">';
  figure.insertBefore(controls, figure.querySelector("figcaption"));
  figure.insertBefore(scrub, controls);
  figure.tabIndex = 0;
  figure.setAttribute("aria-label", "Player: arrow keys step one frame, space plays or pauses");

  var output = controls.querySelector("output");
  var playButton = controls.querySelector('[data-act="play"]');
  var slider = scrub.querySelector("input");
  var tile = scrub.querySelector(".tile");
  var marks = scrub.querySelector(".marks");
  Object.keys(byFrame).forEach(function (f) {
    var mark = document.createElement("span");
    mark.style.left = ((f - 1) / Math.max(1, count - 1) * 100) + "%";
    mark.title = "Drawing on frame " + f;
    marks.appendChild(mark);
  });

  var current = 1;
  function timeOf(frame) { return (frame - 1 + 0.5) * rate.den / rate.num; }
  function frameOfTime(t) { return Math.min(count, Math.max(1, Math.floor(t * rate.num / rate.den) + 1)); }
  function show(frame) {
    current = frame;
    output.textContent = "Frame " + frame + " / " + count;
    figure.dataset.frame = String(frame);
    slider.value = String(frame);
    drawFrame(video.paused ? frame : 0);
  }
  function seek(frame) {
    frame = Math.min(count, Math.max(1, Math.round(frame)));
    if (!video.paused) video.pause();
    video.currentTime = timeOf(frame);
    show(frame);
  }
  function toggle() { if (video.paused) video.play(); else video.pause(); }
  video.addEventListener("play", function () { playButton.textContent = "❚❚ Pause"; playButton.setAttribute("aria-label", "Pause"); drawFrame(0); tick(); });
  video.addEventListener("pause", function () {
    playButton.textContent = "▶ Play"; playButton.setAttribute("aria-label", "Play");
    show(frameOfTime(video.currentTime));
  });
  video.addEventListener("seeked", function () { if (video.paused) drawFrame(current); });
  video.addEventListener("loadeddata", function () { if (video.paused) video.currentTime = timeOf(current); figure.dataset.loaded = "true"; });
  function tick() {
    if (video.paused) return;
    var f = frameOfTime(video.currentTime);
    if (f !== current) { current = f; output.textContent = "Frame " + f + " / " + count; slider.value = String(f); figure.dataset.frame = String(f); }
    window.requestAnimationFrame(tick);
  }
  controls.addEventListener("click", function (event) {
    var act = event.target.closest("button") && event.target.closest("button").dataset.act;
    if (act === "prev") seek(current - 1);
    else if (act === "next") seek(current + 1);
    else if (act === "first") seek(1);
    else if (act === "last") seek(count);
    else if (act === "play") toggle();
  });
  figure.addEventListener("keydown", function (event) {
    var key = event.key;
    if (key === "ArrowLeft") seek(current - 1);
    else if (key === "ArrowRight") seek(current + 1);
    else if (key === " " || key === "Spacebar") { if (event.target.tagName === "BUTTON") return; toggle(); }
    else if (key === "Home") seek(1);
    else if (key === "End") seek(count);
    else return;
    event.preventDefault();
  });
  slider.addEventListener("input", function () { seek(+slider.value); });

  // The tile sheet: 8 cells a row, 100 px high, one per frame (every k-th beyond 3840
  // frames, k = ceil(frames / 3840)): previews/media/geometry.py tile_layout.
  var sheet = new Image();
  sheet.onload = function () {
    var columns = 8, cellW = sheet.naturalWidth / columns, cellH = 100;
    var step = count > 3840 ? Math.ceil(count / 3840) : 1;
    function cellFor(frame) {
      var i = Math.floor((frame - 1) / step);
      return [(i % columns) * cellW, Math.floor(i / columns) * cellH];
    }
    tile.style.width = cellW + "px"; tile.style.height = cellH + "px";
    tile.style.backgroundImage = "url(" + sheet.src + ")";
    function preview(event) {
      var box = slider.getBoundingClientRect();
      var ratio = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      var frame = Math.round(ratio * (count - 1)) + 1, cell = cellFor(frame);
      tile.style.backgroundPosition = (-cell[0]) + "px " + (-cell[1]) + "px";
      tile.style.left = Math.min(box.width - cellW, Math.max(0, ratio * box.width - cellW / 2)) + "px";
      tile.title = "Frame " + frame;
      tile.hidden = false;
    }
    slider.addEventListener("pointermove", preview);
    slider.addEventListener("pointerleave", function () { tile.hidden = true; });
    figure.dataset.tiles = "true";
  };
  sheet.src = figure.dataset.tiles;

  window.addEventListener("resize", function () { if (video.paused) drawFrame(current); });
  video.addEventListener("loadedmetadata", function () { drawFrame(current); });
  show(1);
})();
