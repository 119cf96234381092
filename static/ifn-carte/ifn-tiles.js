/* IFN choropleth drawn from vector tiles (PMTiles archives, Leaflet.VectorGrid on canvas).
 *
 * One controller per map (window.ifnTiles, created once by the map script, never re-created); each view
 * of the page calls show(view) through streamlit-folium's feature group, with only what changes:
 *   {level, url, minZoom, maxZoom, classes, scores, colours, missing, absent, missingLabel, suffix,
 *    selected, frame, outline: {url, level, minZoom, maxZoom} | null, legend (escaped HTML from Python)}
 * - classes / scores: one character per feature, indexed by the feature's property `i`
 *   (see ifn/tiles.py recolour_strings); colours: one colour per class;
 * - the same level again only repaints the tiles already drawn (no fetch, no decoding);
 * - a click stores {properties: {code}} as streamlit-folium's last_active_drawing;
 * - names come from the tiles and are shown with textContent (never as HTML).
 * Vendored libraries: leaflet 1.9.3, leaflet.vectorgrid 1.3.0, pmtiles 4.5.0 (static/, with licences).
 */
(function () {
  "use strict";
  // Leaflet.VectorGrid 1.3.0 calls L.DomEvent.fakeStop, removed from Leaflet 1.9.
  if (!L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._stopped = true; return this; };
  }
  var SCHEME = "ifn-tuile:";
  var archives = {};
  function archive(url) {
    if (!archives[url]) { archives[url] = new pmtiles.PMTiles(url); }
    return archives[url];
  }
  // VectorGrid.Protobuf fetches its tiles with fetch(): tiles of our scheme are read from the PMTiles archive.
  var nativeFetch = window.fetch.bind(window);
  window.fetch = function (resource, init) {
    if (typeof resource === "string" && resource.indexOf(SCHEME) === 0) {
      var parts = resource.slice(SCHEME.length).split("|");
      var zxy = parts[1].split("/").map(Number);
      zxy[0] += Number(parts[2] || 0);  // 512-pixel tiles drawn from the archive's zoom below
      return archive(parts[0]).getZxy(zxy[0], zxy[1], zxy[2]).then(function (tile) {
        return tile ? new Response(tile.data) : new Response(null, {status: 404});
      });
    }
    return nativeFetch(resource, init);
  };

  function scoreText(ch, suffix, missingLabel) {
    if (!ch || ch === " ") { return missingLabel; }
    var tenths = ch.charCodeAt(0) - 0x100;
    return "IFN " + (tenths / 10).toFixed(1).replace(".", ",") + suffix;
  }

  function Controller(map) {
    this.map = map;
    this.view = null;
    this.layer = null;
    this.outline = null;
    this.legend = null;
    this.frameKey = null;
    this.tooltip = L.tooltip({sticky: true, direction: "top", offset: [0, -8], className: "ifn-tooltip"});
    var outlinePane = map.createPane("ifnOutline");
    outlinePane.style.zIndex = 450;
    outlinePane.style.pointerEvents = "none";
    var self = this;
    map.on("mouseout", function () { self.map.closeTooltip(self.tooltip); });
    map.on("mousemove", function (e) {
      if (self.map.hasLayer(self.tooltip)) { self.tooltip.setLatLng(e.latlng); }
    });
  }

  // Communes seen from far (zoom < COMMUNE_BORDER_ZOOM, a commune a few pixels wide) are filled without
  // their own border: 35,000 strokes of 0.2 px were half of the first national map's drawing time, and the
  // départements' outlines are drawn above them.
  var COMMUNE_BORDER_ZOOM = 7;
  Controller.prototype.style = function (props, zoom) {
    var v = this.view, i = props.i;
    var ch = v.classes.charAt(i);
    var fill = ch === " " || ch === "" ? v.absent : (ch === "-" ? v.missing : v.colours[ch.charCodeAt(0) - 48]);
    var selected = v.selected !== null && props.c === v.selected;
    var border = selected || v.level !== "commune" || zoom === undefined || zoom >= COMMUNE_BORDER_ZOOM;
    return {fill: true, fillColor: fill, fillOpacity: 0.8, stroke: border,
            color: selected ? "#000000" : "#555555", weight: selected ? 2.5 : (v.level === "commune" ? 0.2 : 0.4)};
  };

  Controller.prototype.makeLayer = function (url, level, minZoom, maxZoom, interactive, pane) {
    var self = this, styles = {};
    styles[level] = interactive ? function (props, zoom) { return self.style(props, zoom); }
                                : {fill: false, stroke: true, color: "#222222", weight: 1.0};
    // Every archive tile is drawn 512 pixels wide at the next zoom: a national view decodes and draws a
    // quarter as many tiles, at a resolution (4096 units per 512 px) still finer than the screen.
    return L.vectorGrid.protobuf(SCHEME + url + "|{z}/{x}/{y}|-1", {
      rendererFactory: L.canvas.tile, interactive: interactive, pane: pane, tileSize: 512,
      vectorTileLayerStyles: styles, minNativeZoom: minZoom + 1, maxNativeZoom: maxZoom + 1,
      getFeatureId: interactive ? function (f) { return f.properties.i; } : undefined,
      keepBuffer: 1, updateWhenZooming: false
    });
  };

  Controller.prototype.bind = function (layer) {
    var self = this;
    layer.on("click", function (e) {
      var p = e.layer && e.layer.properties;
      if (!p || !window.__GLOBAL_DATA__) { return; }
      self.clicks = (self.clicks || 0) + 1;  // the same unit clicked twice is two clicks
      window.__GLOBAL_DATA__.last_active_drawing = {type: "Feature", properties: {code: p.c, clic: self.clicks},
                                                    geometry: null};
      self.map.fire("moveend");  // streamlit-folium sends its value on moveend (debounced)
    });
    layer.on("mouseover", function (e) {
      var p = e.layer && e.layer.properties;
      if (!p) { return; }
      var box = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = p.n;
      box.appendChild(name);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(scoreText(self.view.scores.charAt(p.i), self.view.suffix,
                                                           self.view.missingLabel)));
      self.tooltip.setContent(box);
      self.tooltip.setLatLng(e.latlng);
      if (!self.map.hasLayer(self.tooltip)) { self.tooltip.addTo(self.map); }
    });
    layer.on("mouseout", function () { self.map.closeTooltip(self.tooltip); });
  };

  // Repaint the tiles already drawn with the current view's style (a recolour: no fetch, no decoding).
  Controller.prototype.repaint = function () {
    var tiles = this.layer._vectorTiles, self = this;
    for (var key in tiles) {
      var renderer = tiles[key], feats = renderer._features, zoom = Number(key.split(":")[2]);
      for (var id in feats) {
        var f = feats[id].feature;
        f.options = L.extend({}, L.Path.prototype.options, self.style(f.properties, zoom));
        renderer._updateStyle(f);
      }
      renderer._redrawBounds = null;
      renderer._redraw();
    }
  };

  Controller.prototype.setLegend = function (html) {
    if (this.legend) { this.map.removeControl(this.legend); }
    var legend = L.control({position: "bottomright"});
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "ifn-legend-control");
      div.innerHTML = html;  // built and escaped by ifn.mapview.legend_html
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
    var previous = this.view;
    this.view = view;
    this.fit(view.frame);
    var container = this.map.getContainer();
    container.setAttribute("data-ifn-view", String((this.shown = (this.shown || 0) + 1)));
    if (previous && this.layer && previous.url === view.url) {
      this.repaint();
      if (!this.layer.isLoading || !this.layer.isLoading()) { container.setAttribute("data-ifn-loaded", String(this.shown)); }
    } else {
      if (this.layer) { this.map.removeLayer(this.layer); }
      this.layer = this.makeLayer(view.url, view.level, view.minZoom, view.maxZoom, true, "overlayPane");
      this.bind(this.layer);
      var container = this.map.getContainer(), layer = this.layer;
      // data-ifn-loaded: number of the view whose tiles are all drawn (for the tests and benchmarks)
      layer.on("load", function () {
        if (layer === window.ifnTiles.layer) { container.setAttribute("data-ifn-loaded", container.getAttribute("data-ifn-view")); }
      });
      this.layer.addTo(this.map);
    }
    var outlineUrl = view.outline ? view.outline.url : null;
    var previousOutline = previous && previous.outline ? previous.outline.url : null;
    if (outlineUrl !== previousOutline || (outlineUrl && !this.outline)) {
      if (this.outline) { this.map.removeLayer(this.outline); this.outline = null; }
      if (view.outline) {
        var o = view.outline;
        this.outline = this.makeLayer(o.url, o.level, o.minZoom, o.maxZoom, false, "ifnOutline").addTo(this.map);
      }
    }
    this.setLegend(view.legend);
    container.setAttribute("data-ifn-level", view.level);
  };

  window.IfnTiles = {
    attach: function (map) {
      var controller = new Controller(map);
      window.ifnTiles = controller;
      return controller;
    }
  };
}());
