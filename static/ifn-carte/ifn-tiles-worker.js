/* Worker of the IFN tile map: reads the tiles from the PMTiles archives (pmtiles.js, HTTP Range), decodes
 * them (@mapbox/vector-tile) and draws them on the canvases the page hands over (OffscreenCanvas), so that
 * the page's main thread never decodes nor draws a tile.
 *
 * Messages from the page (ifn-tiles.js):
 *   {type: "style", layer, style}    the style of a layer; repaints its tiles already drawn → {type: "styled"}
 *   {type: "draw", id, layer, url, z, x, y, canvas, size, ratio, zoom}
 *                                    draws archive tile z/x/y on `canvas` (size css px × ratio) → {type: "drawn"}
 *   {type: "drop", id}               forgets a tile (Leaflet unloaded it)
 *   {type: "prefetch", url, tiles: [[z, x, y], ...], size, ratio}
 *                                    fetches and decodes tiles ahead (another level of the same view), kept
 *                                    with the tiles already decoded: drawing them later is only a paint
 *   {type: "hit", seq, id, x, y}     the feature under (x, y) css px of tile `id` → {type: "hit", props | null}
 *   {type: "codes", seq}             the codes of the clickable features drawn (for the tests) → {type: "codes", codes}
 * style: {interactive, level, classes, colours, missing, absent, selected}: one character of `classes` per
 * feature, indexed by its property `i` (see ifn/tiles.py recolour_strings); an outline layer has
 * interactive false and is stroked only.
 */
/* global importScripts, pmtiles, IfnMvt */
importScripts("../pmtiles-4.5.0/pmtiles.js", "../vector-tile-2.0.4/vector-tile.js");

(function () {
  "use strict";
  var POLYGON = 3;
  // Communes seen from far (map zoom < COMMUNE_BORDER_ZOOM, a commune a few pixels wide) are filled without
  // their own border: the départements' outlines are drawn above them.
  var COMMUNE_BORDER_ZOOM = 7;
  var archives = {}, tiles = {}, styles = {};
  // Decoded tiles by archive, tile and pixel size, oldest first (a level switch or a pan back paints them
  // again without fetching nor decoding); bounded by their number of vertices (memory: about 16 bytes each).
  var decoded = new Map(), decodedVertices = 0, DECODED_MAX_VERTICES = 3000000;
  var inflight = new Map(), prefetching = [];

  function archive(url) {
    if (!archives[url]) { archives[url] = new pmtiles.PMTiles(url); }
    return archives[url];
  }

  function decodedKey(url, z, x, y, size, ratio) { return [url, z, x, y, size * ratio].join("|"); }

  function remember(key, features) {
    decoded.delete(key);
    decoded.set(key, features);
    decodedVertices += features.vertices;
    while (decodedVertices > DECODED_MAX_VERTICES && decoded.size > 1) {
      var oldest = decoded.keys().next().value;
      decodedVertices -= decoded.get(oldest).vertices;
      decoded.delete(oldest);
    }
  }

  // The tile's features, decoded once: from memory, else fetched from the archive and decoded.
  function features(url, z, x, y, size, ratio) {
    var key = decodedKey(url, z, x, y, size, ratio);
    if (decoded.has(key)) {
      var known = decoded.get(key);
      decoded.delete(key);
      decoded.set(key, known);  // most recently used last
      return Promise.resolve(known);
    }
    if (!inflight.has(key)) {  // a draw and a prefetch of the same tile share one fetch
      inflight.set(key, archive(url).getZxy(z, x, y).then(function (tile) {
        var feats = tile ? decode(tile.data, size * ratio) : Object.assign([], {vertices: 0});
        remember(key, feats);
        return feats;
      }).finally(function () { inflight.delete(key); }));
    }
    return inflight.get(key);
  }

  // Polygons of a tile as Path2D in canvas pixels (`pixels` wide), with their bounding boxes (hit test).
  function decode(data, pixels) {
    var out = [];
    out.vertices = 0;
    var vt = new IfnMvt.VectorTile(new IfnMvt.Pbf(new Uint8Array(data)));
    for (var name in vt.layers) {
      var layer = vt.layers[name], scale = pixels / layer.extent;
      for (var k = 0; k < layer.length; k++) {
        var f = layer.feature(k);
        if (f.type !== POLYGON) { continue; }
        var rings = f.loadGeometry(), path = new Path2D();
        var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        for (var r = 0; r < rings.length; r++) {
          var ring = rings[r];
          out.vertices += ring.length;
          for (var j = 0; j < ring.length; j++) {
            var x = ring[j].x * scale, y = ring[j].y * scale;
            if (j === 0) { path.moveTo(x, y); } else { path.lineTo(x, y); }
            if (x < x0) { x0 = x; } if (x > x1) { x1 = x; }
            if (y < y0) { y0 = y; } if (y > y1) { y1 = y; }
          }
          path.closePath();
        }
        out.push({path: path, p: f.properties, box: [x0, y0, x1, y1]});
      }
    }
    return out;
  }

  function fillOf(s, i) {
    var ch = s.classes.charAt(i);
    if (ch === " " || ch === "") { return s.absent; }
    return ch === "-" ? s.missing : s.colours[ch.charCodeAt(0) - 48];
  }

  function paint(t) {
    var ctx = t.ctx, s = styles[t.layer], feats = t.features, k;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, t.canvas.width, t.canvas.height);
    if (!s) { return; }
    ctx.lineJoin = "round";
    if (!s.interactive) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#222222";
      ctx.lineWidth = 1.0 * t.ratio;
      for (k = 0; k < feats.length; k++) { ctx.stroke(feats[k].path); }
      return;
    }
    var border = s.level !== "commune" || t.zoom >= COMMUNE_BORDER_ZOOM, selected = null;
    ctx.strokeStyle = "#555555";
    ctx.lineWidth = (s.level === "commune" ? 0.2 : 0.4) * t.ratio;
    for (k = 0; k < feats.length; k++) {
      var f = feats[k];
      ctx.globalAlpha = 0.8;
      ctx.fillStyle = fillOf(s, f.p.i);
      ctx.fill(f.path, "evenodd");
      if (s.selected !== null && f.p.c === s.selected) { selected = f; continue; }
      if (border) { ctx.globalAlpha = 1; ctx.stroke(f.path); }
    }
    if (selected) {  // the selected unit's outline above its neighbours
      ctx.globalAlpha = 1;
      ctx.strokeStyle = "#000000";
      ctx.lineWidth = 2.5 * t.ratio;
      ctx.stroke(selected.path);
    }
  }

  function draw(m) {
    var t = {canvas: m.canvas, ctx: m.canvas.getContext("2d"), layer: m.layer, size: m.size, ratio: m.ratio,
             zoom: m.zoom, features: []};
    tiles[m.id] = t;
    features(m.url, m.z, m.x, m.y, m.size, m.ratio).then(function (feats) {
      if (tiles[m.id] !== t) { return; }  // unloaded meanwhile
      t.features = feats;
      paint(t);
      self.postMessage({type: "drawn", id: m.id});
    }).catch(function (err) {
      self.postMessage({type: "drawn", id: m.id, error: String(err && err.message || err)});
    });
  }

  function hit(m) {
    var t = tiles[m.id], found = null;
    if (t && styles[t.layer] && styles[t.layer].interactive) {
      var x = m.x * t.ratio, y = m.y * t.ratio;
      for (var k = t.features.length - 1; k >= 0; k--) {
        var f = t.features[k], b = f.box;
        if (x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3] && t.ctx.isPointInPath(f.path, x, y, "evenodd")) {
          found = f.p;
          break;
        }
      }
    }
    self.postMessage({type: "hit", seq: m.seq, props: found});
  }

  // Tiles ahead, one at a time, each after the messages already waiting (a draw goes first).
  function prefetchNext() {
    var next = prefetching.shift();
    if (!next) { return; }
    features(next.url, next.z, next.x, next.y, next.size, next.ratio).catch(function () { return null; })
      .then(function () { setTimeout(prefetchNext, 0); });
  }

  self.onmessage = function (e) {
    var m = e.data, id;
    if (m.type === "draw") { draw(m); }
    else if (m.type === "prefetch") {
      var idle = prefetching.length === 0;
      m.tiles.forEach(function (zxy) {
        prefetching.push({url: m.url, z: zxy[0], x: zxy[1], y: zxy[2], size: m.size, ratio: m.ratio});
      });
      if (idle) { setTimeout(prefetchNext, 0); }
    }
    else if (m.type === "drop") { delete tiles[m.id]; }
    else if (m.type === "hit") { hit(m); }
    else if (m.type === "style") {
      styles[m.layer] = m.style;
      for (id in tiles) { if (tiles[id].layer === m.layer) { paint(tiles[id]); } }
      self.postMessage({type: "styled", seq: m.seq});
    } else if (m.type === "codes") {
      var codes = [];
      for (id in tiles) {
        var s = styles[tiles[id].layer];
        if (s && s.interactive) { tiles[id].features.forEach(function (f) { codes.push(f.p.c); }); }
      }
      self.postMessage({type: "codes", seq: m.seq, codes: codes});
    }
  };
}());
