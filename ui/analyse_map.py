"""Minimal folium choropleth of scores for the analyst page (classes from ``ifn.classify``)."""

from __future__ import annotations

import folium
import polars as pl

from ifn.classify import Classes, fr_number

METROPOLE = (-5.2, 41.3, 9.6, 51.1)  # west, south, east, north (WGS84)


def choropleth(gdf, scores: pl.DataFrame, classes: Classes, value: str = "ifn", height: int = 520) -> folium.Map:
    """Folium map of ``scores`` (``code, nom, <value>``) on the geometries ``gdf`` (``code, geometry``, WGS84).

    Units without a score are grey; the tooltip gives the name and the score with a decimal comma.
    """
    codes = scores["code"].to_list()
    values = scores[value].to_list()
    colour = dict(zip(codes, classes.colour(scores[value])))
    text = {c: (f"{n} : {fr_number(v)}/10" if v is not None else f"{n} : {classes.missing_label}")
            for c, n, v in zip(codes, scores["nom"].to_list(), values)}
    shapes = gdf[gdf["code"].isin(set(codes))][["code", "geometry"]].copy()
    shapes["libelle"] = shapes["code"].map(text)
    shapes["couleur"] = shapes["code"].map(colour)
    fmap = folium.Map(control_scale=True, height=height)
    if len(shapes):
        west, south, east, north = shapes.total_bounds
        if east - west > 30:  # national view with the overseas départements: frame mainland France
            west, south, east, north = METROPOLE
        fmap.fit_bounds([[south, west], [north, east]])
    folium.GeoJson(
        shapes.to_json(drop_id=True),
        style_function=lambda f: {"fillColor": f["properties"]["couleur"], "color": "#555555", "weight": 0.3,
                                  "fillOpacity": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["libelle"], labels=False),
        name="IFN",
    ).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(_legend(classes)))
    return fmap


def _legend(classes: Classes) -> str:
    items = "".join(f'<div><span style="background:{c};width:14px;height:14px;display:inline-block;'
                    f'margin-right:6px;border:1px solid #999"></span>{label}</div>'
                    for c, label in zip(classes.colours, classes.labels))
    items += (f'<div><span style="background:{classes.missing_colour};width:14px;height:14px;display:inline-block;'
              f'margin-right:6px;border:1px solid #999"></span>{classes.missing_label}</div>')
    return ('<div style="position:fixed;top:12px;right:12px;z-index:9999;background:white;padding:6px 8px;'
            f'font-size:12px;border:1px solid #ccc;border-radius:4px">IFN<br>{items}</div>')
