/* IFN choropleth drawn from vector tiles (PMTiles archives), decoded and drawn in workers.
 *
 * One controller per map (window.ifnTiles, created once by the map script, never re-created); each view
 * of the page calls show(view) through streamlit-folium's feature group, with only what changes:
 *   {level, url, minZoom, maxZoom, classes, scores, scoreDigits, colours, missing, absent, missingLabel, suffix,
 *    selected, frame, outline: {url, level, minZoom, maxZoom} | null, legend (escaped HTML from Python)}
 * - classes: one character per feature, scores: two, indexed by the feature's property `i`
 *   (see ifn/tiles.py recolour_strings); colours: one colour per class;
 * - the tiles are Leaflet grid tiles whose canvas is handed to a worker (ifn-tiles-worker.js: fetch,
 *   decoding and drawing off the main thread); the same level again only sends the new style, and the
 *   workers repaint the tiles they hold (no fetch, no decoding);
 * - hover and click ask the worker holding the tile under the pointer which feature is there; a click
 *   stores {properties: {code}} as streamlit-folium's last_active_drawing;
 * - names come from the tiles and are shown with textContent (never as HTML).
 * Vendored libraries: leaflet 1.9.3, pmtiles 4.5.0, @mapbox/vector-tile 2.0.4 (static/, with licences).
 */
(function () {
  "use strict";
  var TILE = 512;  // archive tiles are drawn 512 px wide at the next zoom: a national view decodes a quarter
                   // as many tiles, at a resolution (4096 units per 512 px) still finer than the screen

  function pixelRatio() { return Math.min(window.devicePixelRatio || 1, 2); }

  // The tooltip's score of feature i: two characters of view.scores, tenths in base view.scoreDigits.length.
  function scoreText(view, i) {
    var hi = view.scores.charAt(2 * i), lo = view.scores.charAt(2 * i + 1), digits = view.scoreDigits;
    if (!hi || hi === " ") { return view.missingLabel; }
    var tenths = digits.indexOf(hi) * digits.length + digits.indexOf(lo);
    return "IFN " + (tenths / 10).toFixed(1).replace(".", ",") + view.suffix;
  }

  // The workers, and the replies they owe: tiles to finish, styles to acknowledge, hit tests, code lists.
  function Pool(url, size) {
    var self = this;
    this.workers = [];
    this.waiting = {};
    this.seq = 0;
    for (var k = 0; k < size; k++) {
      var w = new Worker(url);
      w.onmessage = function (e) { self.receive(e.data); };
      this.workers.push(w);
    }
  }
  Pool.prototype.ask = function (worker, message, transfer) {
    var self = this;
    return new Promise(function (resolve) {
      message.seq = ++self.seq;
      self.waiting[message.seq] = resolve;
      worker.postMessage(message, transfer || []);
    });
  };
  Pool.prototype.receive = function (m) {
    var key = m.type === "drawn" ? "tile" + m.id : m.seq;
    var resolve = this.waiting[key];
    if (resolve) { delete this.waiting[key]; resolve(m); }
  };
  // The worker of a tile: always the same for the same place, whatever the level (it keeps what it decoded).
  Pool.prototype.workerFor = function (x, y) {
    return this.workers[(x + y) % this.workers.length];
  };
  Pool.prototype.all = function (message) {
    var self = this;
    return Promise.all(this.workers.map(function (w) { return self.ask(w, L.extend({}, message)); }));
  };

  // A Leaflet grid layer whose tiles are canvases drawn by the pool; `key` names its style in the workers.
  var WorkerTiles = L.GridLayer.extend({
    initialize: function (pool, key, url, options) {
      L.GridLayer.prototype.initialize.call(this, options);
      this.pool = pool;
      this.key = key;
      this.url = url;
      this.on("tileunload", function (e) {
        var id = e.tile && e.tile.ifnId;
        if (id) { e.tile.ifnWorker.postMessage({type: "drop", id: id}); }
      });
    },
    createTile: function (coords, done) {
      var pool = this.pool, canvas = L.DomUtil.create("canvas", "leaflet-tile");
      var ratio = pixelRatio(), id = ++pool.seq, worker = pool.workerFor(coords.x, coords.y);
      canvas.width = canvas.height = TILE * ratio;
      canvas.style.width = canvas.style.height = TILE + "px";
      canvas.ifnId = id;
      canvas.ifnWorker = worker;
      var offscreen = canvas.transferControlToOffscreen();
      pool.waiting["tile" + id] = function (m) { done(m.error ? new Error(m.error) : null, canvas); };
      worker.postMessage({type: "draw", id: id, layer: this.key, url: this.url, z: coords.z - 1, x: coords.x,
                          y: coords.y, canvas: offscreen, size: TILE, ratio: ratio, zoom: coords.z}, [offscreen]);
      return canvas;
    },
    // The tile under `latlng` and the point in it (css px), or null.
    tileAt: function (latlng) {
      var z = this._tileZoom;
      if (z === undefined || !this._map) { return null; }
      var p = this._map.project(latlng, z), x = Math.floor(p.x / TILE), y = Math.floor(p.y / TILE);
      var tile = this._tiles[x + ":" + y + ":" + z];
      if (!tile || !tile.current || !tile.el.ifnId) { return null; }
      return {el: tile.el, x: p.x - x * TILE, y: p.y - y * TILE};
    }
  });

  function Controller(map, workerUrl) {
    this.map = map;
    this.view = null;
    this.layer = null;
    this.outline = null;
    this.legend = null;
    this.frameKey = null;
    this.layers = 0;
    // two workers at least: the national commune view has one large tile, the others are drawn beside it
    this.pool = new Pool(workerUrl, Math.max(2, Math.min(4, (navigator.hardwareConcurrency || 2) - 1)));
    this.tooltip = L.tooltip({sticky: true, direction: "top", offset: [0, -8], className: "ifn-tooltip"});
    var outlinePane = map.createPane("ifnOutline");
    outlinePane.style.zIndex = 450;
    outlinePane.style.pointerEvents = "none";
    var self = this;
    map.on("mouseout", function () { self.hover = null; self.map.closeTooltip(self.tooltip); });
    map.on("mousemove", function (e) { self.hoverAt(e.latlng); });
    map.on("click", function (e) { self.clickAt(e.latlng); });
  }

  // The feature under `latlng` (its properties {i, c, n}), from the worker holding the tile; or null.
  Controller.prototype.featureAt = function (latlng) {
    var spot = this.layer && this.layer.tileAt(latlng);
    if (!spot) { return Promise.resolve(null); }
    return this.pool.ask(spot.el.ifnWorker, {type: "hit", id: spot.el.ifnId, x: spot.x, y: spot.y})
      .then(function (m) { return m.props; });
  };

  // One hit test in flight at a time; the last pointer position wins.
  Controller.prototype.hoverAt = function (latlng) {
    var self = this;
    this.hover = latlng;
    if (this.hovering) { return; }
    this.hovering = true;
    this.featureAt(latlng).then(function (p) {
      self.hovering = false;
      if (self.hover === null) { return; }
      if (self.hover !== latlng) { self.hoverAt(self.hover); }
      self.showTooltip(p, latlng);
    });
  };

  Controller.prototype.showTooltip = function (p, latlng) {
    if (!p) { this.map.closeTooltip(this.tooltip); this.tipCode = null; return; }
    if (this.tipCode !== p.c || this.tipView !== this.view) {
      var box = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = p.n;
      box.appendChild(name);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(scoreText(this.view, p.i)));
      this.tooltip.setContent(box);
      this.tipCode = p.c;
      this.tipView = this.view;
    }
    this.tooltip.setLatLng(latlng);
    if (!this.map.hasLayer(this.tooltip)) { this.tooltip.addTo(this.map); }
  };

  Controller.prototype.clickAt = function (latlng) {
    var self = this;
    this.featureAt(latlng).then(function (p) {
      if (!p || !window.__GLOBAL_DATA__) { return; }
      self.clicks = (self.clicks || 0) + 1;  // the same unit clicked twice is two clicks
      var data = window.__GLOBAL_DATA__, keys = data.returned_objects;
      data.last_active_drawing = {type: "Feature", properties: {code: p.c, clic: self.clicks}, geometry: null};
      if (window.Streamlit && keys && keys.length === 1 && keys[0] === "last_active_drawing") {
        // the value streamlit-folium would send 250 ms later (its debounce), sent now; previous_data keeps
        // its own later update from sending it again
        var value = {last_active_drawing: data.last_active_drawing};
        data.previous_data = value;
        window.Streamlit.setComponentValue(value);
      } else {
        self.map.fire("moveend");  // streamlit-folium sends its value on moveend (debounced)
      }
    });
  };

  Controller.prototype.styleOf = function (view) {
    return {interactive: true, level: view.level, classes: view.classes, colours: view.colours,
            missing: view.missing, absent: view.absent, selected: view.selected};
  };

  // data-ifn-loaded: number of the view whose tiles are all drawn in its style (for the tests and benchmarks)
  Controller.prototype.markLoaded = function () {
    if (!this.restyling && this.layer && !this.layer.isLoading()) {
      this.map.getContainer().setAttribute("data-ifn-loaded", String(this.shown));
    }
  };

  // Sends a layer's style to every worker (they repaint the tiles they hold); loaded again once all answered.
  Controller.prototype.restyle = function (key, style) {
    var self = this;
    this.restyling = (this.restyling || 0) + 1;
    this.pool.all({type: "style", layer: key, style: style}).then(function () {
      self.restyling -= 1;
      self.markLoaded();
    });
  };

  Controller.prototype.makeLayer = function (source, style, pane) {
    var key = source.level + "-" + (++this.layers);
    this.restyle(key, style);  // before any of its tiles (a worker's messages keep their order)
    return new WorkerTiles(this.pool, key, source.url, {
      pane: pane, tileSize: TILE, minNativeZoom: source.minZoom + 1, maxNativeZoom: source.maxZoom + 1,
      keepBuffer: 1, updateWhenZooming: false
    });
  };

  // Once a view is drawn, the workers fetch and decode the same place at the other levels of `view.prefetch`
  // (not the communes: their tiles are the heaviest), so that a level switch only paints.
  var PREFETCH_MAX_TILES = 16;
  Controller.prototype.prefetch = function () {
    var view = this.view, map = this.map, pool = this.pool;
    if (!view || !view.prefetch) { return; }
    var zoom = map.getZoom(), bounds = map.getPixelBounds();
    view.prefetch.forEach(function (source) {
      var z = Math.max(source.minZoom + 1, Math.min(source.maxZoom + 1, Math.round(zoom)));
      var k = Math.pow(2, z - zoom), n = Math.pow(2, z - 1), perWorker = new Map(), count = 0;
      var x0 = Math.max(0, Math.floor(bounds.min.x * k / TILE)), x1 = Math.min(n - 1, Math.floor(bounds.max.x * k / TILE));
      var y0 = Math.max(0, Math.floor(bounds.min.y * k / TILE)), y1 = Math.min(n - 1, Math.floor(bounds.max.y * k / TILE));
      for (var x = x0; x <= x1; x++) {
        for (var y = y0; y <= y1 && count < PREFETCH_MAX_TILES; y++, count++) {
          var w = pool.workerFor(x, y);
          if (!perWorker.has(w)) { perWorker.set(w, []); }
          perWorker.get(w).push([z - 1, x, y]);
        }
      }
      perWorker.forEach(function (list, w) {
        w.postMessage({type: "prefetch", url: source.url, tiles: list, size: TILE, ratio: pixelRatio()});
      });
    });
  };

  // The codes of the clickable features drawn (for the tests).
  Controller.prototype.drawnCodes = function () {
    return this.pool.all({type: "codes"}).then(function (replies) {
      return [].concat.apply([], replies.map(function (m) { return m.codes; }));
    });
  };

  Controller.prototype.setLegend = function (html) {
    if (this.legend) { this.map.removeControl(this.legend); }
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "ifn-legend-control");
      div.innerHTML = html;  // built and escaped by ifn.mapview.legend_html
      L.DomEvent.disableClickPropagation(div);  // a click on the legend is not a click on the unit below
      return div;
    };
    this.legend = legend.addTo(this.map);
  };

  Controller.prototype.fit = function (frame) {
    var map = this.map, key = JSON.stringify(frame);
    if (!frame || key === this.frameKey) { return; }
    var apply = function () {
      map.invalidateSize(false);
      map.fitBounds([[frame[1], frame[0]], [frame[3], frame[2]]], {animate: false});
    };
    if (map.getSize().x > 0) {
      this.frameKey = key;
      apply();
    } else {  // the iframe is still 0 px wide: fitting now would fetch zoom-1 tiles
      var self = this;
      map.once("resize", function () { self.frameKey = key; apply(); });
      map.invalidateSize(false);
    }
  };

  Controller.prototype.show = function (view) {
    var previous = this.view, self = this;
    this.view = view;
    this.fit(view.frame);
    var container = this.map.getContainer();
    container.setAttribute("data-ifn-view", String((this.shown = (this.shown || 0) + 1)));
    if (previous && this.layer && previous.url === view.url) {  // a recolour: the workers repaint
      this.restyle(this.layer.key, this.styleOf(view));
    } else {
      if (this.layer) { this.map.removeLayer(this.layer); }
      var layer = this.layer = this.makeLayer(view, this.styleOf(view), "overlayPane");
      layer.on("load", function () {
        if (layer === self.layer) { self.markLoaded(); self.prefetch(); }
      });
      layer.addTo(this.map);
    }
    var outlineUrl = view.outline ? view.outline.url : null;
    var previousOutline = previous && previous.outline ? previous.outline.url : null;
    if (outlineUrl !== previousOutline || (outlineUrl && !this.outline)) {
      if (this.outline) { this.map.removeLayer(this.outline); this.outline = null; }
      if (view.outline) {
        this.outline = this.makeLayer(view.outline, {interactive: false}, "ifnOutline").addTo(this.map);
      }
    }
    this.setLegend(view.legend);
    container.setAttribute("data-ifn-level", view.level);
  };

  // Without workers that draw on a page's canvas (OffscreenCanvas: Chrome 69, Firefox 105, Safari 16.4), say so.
  function unsupported(map) {
    var note = L.control({position: "topright"});
    note.onAdd = function () {
      var div = L.DomUtil.create("div", "ifn-legend-control");
      div.textContent = "Ce navigateur ne sait pas dessiner cette carte (OffscreenCanvas). "
        + "Mettez-le à jour, ou téléchargez la carte HTML sous la carte.";
      return div;
    };
    note.addTo(map);
    return {show: function () {}, drawnCodes: function () { return Promise.resolve([]); }};
  }

  window.IfnTiles = {
    attach: function (map, workerUrl) {
      if (typeof Worker === "undefined" || !HTMLCanvasElement.prototype.transferControlToOffscreen) {
        window.ifnTiles = unsupported(map);
        return window.ifnTiles;
      }
      var controller = new Controller(map, workerUrl);
      window.ifnTiles = controller;
      return controller;
    }
  };
}());
