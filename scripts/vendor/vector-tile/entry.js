import Pbf from "pbf";
import {VectorTile} from "@mapbox/vector-tile";
self.IfnMvt = {Pbf, VectorTile};
